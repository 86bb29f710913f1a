//! S1 (issue 14): many projects on one hub over SQLite, on one node over PostgreSQL and on
//! three nodes sharing it; and how long a killed node's projects take to come back.
//!
//! Each configuration gets a fresh database with `--s1-projects` projects, each with
//! `--s1-agents` agents available and `--s1-visitors` visitors. On three nodes, twice: once
//! with every client on its project's node (what the cluster itself costs), once with the
//! clients spread over the nodes in turn, as a load balancer that knows nothing of owners
//! spreads them (two clients in three reach a node that does not own their project and are
//! relayed: what the relay costs on top).
//!
//! - **Assignments per second**: every visitor's first message at once (at most
//!   [`IN_FLIGHT`] unacknowledged), from the start to the last `conversation_assigned` an agent
//!   received.
//! - **Persisted messages per second**: then every visitor sends as in P2 (at most 9 a second,
//!   8 unacknowledged) for `--s1-seconds`; the acks (each one durable) counted after a warm-up.
//! - **Takeover** (three nodes): `--s1-kills` times a node is killed with SIGKILL. For each
//!   project it owned, a visitor connected through another node (relayed to the killed one)
//!   reconnects as soon as its socket ends, again every [`RECONNECT_EVERY`] until welcomed,
//!   and sends a message: the figure is the time from the kill to that message's ack. The node
//!   is started again on its port, and the projects spread evenly again before the next kill.

use super::*;
use crate::pg_server::PgServer;
use crate::store::Location;
use crate::store::postgres::ownership;

/// Most first messages unacknowledged at once.
const IN_FLIGHT: usize = 256;
/// A probe's pause between two tries to be welcomed back.
const RECONNECT_EVERY: Duration = Duration::from_millis(50);
/// Longest wait for the projects to spread evenly over the nodes.
const BALANCE_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest wait for a probe to be served again after a kill.
const TAKEOVER_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, PartialEq)]
enum Backend {
    Sqlite,
    /// `spread`: clients on the nodes in turn (relayed where the node is not the owner);
    /// else each on its project's node.
    Postgres {
        nodes: usize,
        spread: bool,
    },
}

impl Backend {
    fn name(self) -> String {
        match self {
            Backend::Sqlite => "sqlite 1 node".into(),
            Backend::Postgres { nodes: 1, .. } => "postgres 1 node".into(),
            Backend::Postgres {
                nodes,
                spread: false,
            } => format!("postgres {nodes} nodes, clients on their project's node"),
            Backend::Postgres {
                nodes,
                spread: true,
            } => {
                format!("postgres {nodes} nodes, clients spread (relayed to the owner)")
            }
        }
    }

    fn nodes(self) -> usize {
        match self {
            Backend::Sqlite => 1,
            Backend::Postgres { nodes, .. } => nodes,
        }
    }
}

struct Figures {
    messages_per_s: f64,
    assignments_per_s: f64,
    ack: Histogram<u64>,
    assign: Histogram<u64>,
    doubles: usize,
    refused: u64,
    /// Kill → first ack after it, per project taken over, in microseconds.
    takeover: Option<Histogram<u64>>,
    kills: usize,
}

pub(super) async fn s1(args: &BenchArgs, exe: &Path) -> anyhow::Result<Vec<String>> {
    let postgres = PgServer::start().context("S1 needs PostgreSQL (make deps installs it)")?;
    let mut lines = vec![];
    let mut one_node: Option<Figures> = None;
    for backend in [
        Backend::Sqlite,
        Backend::Postgres {
            nodes: 1,
            spread: false,
        },
        Backend::Postgres {
            nodes: 3,
            spread: false,
        },
        Backend::Postgres {
            nodes: 3,
            spread: true,
        },
    ] {
        let name = backend.name();
        eprintln!(
            "S1 {name}: {} projects, {} agents and {} visitors each",
            args.s1_projects, args.s1_agents, args.s1_visitors
        );
        let f = tokio::time::timeout(FIGURE_LIMIT, configuration(args, exe, backend, &postgres))
            .await
            .unwrap_or_else(|_| Err(anyhow::anyhow!("took longer than {FIGURE_LIMIT:?}")))
            .with_context(|| format!("S1 {name}"))?;
        let mut line = format!(
            "S1 {name}: persisted_messages_per_s={:.0} assignments_per_s={:.0} double_assignments={}",
            f.messages_per_s, f.assignments_per_s, f.doubles
        );
        if let (Backend::Postgres { nodes, spread }, Some(one)) = (backend, &one_node)
            && nodes > 1
        {
            let (m, a) = (
                f.messages_per_s / one.messages_per_s.max(1.0),
                f.assignments_per_s / one.assignments_per_s.max(1.0),
            );
            let takeover_p99 = f
                .takeover
                .as_ref()
                .map_or(f64::INFINITY, |h| ms(h.value_at_quantile(0.99)));
            line.push_str(&format!(" ({m:.2}x and {a:.2}x one node; goal >=0.9x)"));
            if let Some(h) = &f.takeover {
                line.push_str(&format!(
                    " takeover_ms p50={:.0} p99={:.0} max={:.0} over {} projects in {} kills (goal p99<=3000)",
                    ms(h.value_at_quantile(0.5)),
                    takeover_p99,
                    ms(h.max()),
                    h.len(),
                    f.kills
                ));
            }
            // The goal is the cluster's own cost; the relay's comes on top, measured apart.
            let met = if spread {
                takeover_p99 <= 3000.0
            } else {
                m >= 0.9 && a >= 0.9
            };
            line.push_str(&format!(" {}", verdict(met && f.doubles == 0)));
        }
        lines.push(line);
        lines.push(format!(
            "   ack_ms p50={:.1} p99={:.1}; assign_ms p50={:.1} p99={:.1}; refused={}{}",
            ms(f.ack.value_at_quantile(0.5)),
            ms(f.ack.value_at_quantile(0.99)),
            ms(f.assign.value_at_quantile(0.5)),
            ms(f.assign.value_at_quantile(0.99)),
            f.refused,
            load_note()
        ));
        if backend.nodes() == 1 && backend != Backend::Sqlite {
            one_node = Some(f);
        }
    }
    Ok(lines)
}

/// A project of the run: its id, code and agents.
struct Shop {
    id: ProjectId,
    code: String,
    agents: Vec<AgentId>,
}

async fn configuration(
    args: &BenchArgs,
    exe: &Path,
    backend: Backend,
    postgres: &PgServer,
) -> anyhow::Result<Figures> {
    let dir = BenchDir::new(&format!("bench-s1-{}", backend.name().replace(' ', "-")))?;
    let result = measure(args, exe, backend, postgres, &dir).await;
    if result.is_err()
        && let Some(tail) = dir.log_tail(20)
    {
        eprintln!("last lines of the hubs' log:\n{tail}");
    }
    result
}

async fn measure(
    args: &BenchArgs,
    exe: &Path,
    backend: Backend,
    postgres: &PgServer,
    dir: &BenchDir,
) -> anyhow::Result<Figures> {
    let db = match backend {
        Backend::Sqlite => dir.db().display().to_string(),
        Backend::Postgres { nodes, spread } => {
            postgres.create_database(&format!("s1_{nodes}_{}", u8::from(spread)))?
        }
    };
    let slot_max = slots_for(args.s1_visitors, args.s1_agents)?;
    let (keys, shops) = prepare_shops(&db, args.s1_projects, args.s1_agents, slot_max).await?;
    let mut hubs = vec![];
    for _ in 0..backend.nodes() {
        hubs.push(HubChild::start_over(exe, dir, &db, "127.0.0.1:0".parse()?).await?);
    }
    // Where each project's clients connect: the nodes in turn, or the project's owner.
    let urls: Vec<String> = hubs.iter().map(HubChild::ws_url).collect();
    let mut owner_of: HashMap<ProjectId, String> = HashMap::new();
    if let Backend::Postgres { spread, .. } = backend {
        wait_balanced(&db, &hubs, shops.len()).await?;
        if !spread {
            let db = db.clone();
            for (p, url) in tokio::task::spawn_blocking(move || ownership::held(&db)).await?? {
                owner_of.insert(p, url.replacen("http://", "ws://", 1));
            }
        }
    }
    let mut turn = 0;
    let mut place = |project: ProjectId| {
        turn += 1;
        owner_of
            .get(&project)
            .cloned()
            .unwrap_or_else(|| urls[turn % urls.len()].clone())
    };

    // Agents, each through the next node.
    let clock = Instant::now();
    let counters = Arc::new(AgentCounters::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let exp = crate::clock::now_ms() + ACCESS_TTL;
    let mut desks: Vec<(AgentId, String, String)> = vec![];
    for s in &shops {
        for &agent in &s.agents {
            let token = keys.sign(&Claims::Access {
                agent,
                project: s.id,
                role: Role::Agent,
                exp,
            });
            desks.push((agent, token, place(s.id)));
        }
    }
    let agents = bounded(desks.len(), CONNECT_CONCURRENCY, |i| {
        let (id, token, url) = desks[i].clone();
        async move { Ok((id, agent_ws(&url, &token).await?)) }
    })
    .await?;
    let agent_tasks: Vec<_> = agents
        .into_iter()
        .map(|(id, ws)| tokio::spawn(agent_loop(id, ws, clock, counters.clone(), stop_rx.clone())))
        .collect();

    // Visitors, each through the next node.
    let places: Vec<(String, String)> = shops
        .iter()
        .flat_map(|s| (0..args.s1_visitors).map(move |_| s))
        .map(|s| (s.code.clone(), place(s.id)))
        .collect();
    let total = places.len();
    let visitors = bounded(total, CONNECT_CONCURRENCY, |i| {
        let (code, url) = places[i].clone();
        async move { visitor_ws_to(&url, &code).await }
    })
    .await?;

    // Assignments: every first message at once.
    let (go_tx, go_rx) = watch::channel(false);
    let tasks = start_visitors(visitors, go_rx, Arc::new(Semaphore::new(IN_FLIGHT)), clock);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let go_at = micros(clock);
    let _ = go_tx.send(true);
    let visitors = join_all(tasks).await?;
    wait_until(STEP_TIMEOUT, || {
        counters.assigned.load(Ordering::Relaxed) >= total
    })
    .await
    .with_context(|| {
        format!(
            "{} of {total} conversations assigned",
            counters.assigned.load(Ordering::Relaxed)
        )
    })?;

    // Messages, as P2 sends them.
    let sent = Arc::new(P2Counters::default());
    let period = Duration::from_secs_f64(1.0 / 9.0);
    let start = Instant::now() + Duration::from_millis(200);
    let window = (
        start + P2_WARMUP,
        start + P2_WARMUP + Duration::from_secs(args.s1_seconds),
    );
    let tasks: Vec<_> = visitors
        .into_iter()
        .enumerate()
        .map(|(i, ws)| {
            let first = start + period.mul_f64(i as f64 / total as f64);
            tokio::spawn(p2_visitor(
                ws,
                first,
                period,
                8,
                window,
                sent.clone(),
                clock,
            ))
        })
        .collect();
    let mut ack = histogram();
    for task in tasks {
        ack.add(&task.await??)?;
    }
    let _ = stop_tx.send(true);
    let mut receipts = vec![];
    for task in agent_tasks {
        receipts.extend(task.await??.receipts);
    }
    let doubles = double_assignments(&receipts);
    let mut assign = histogram();
    let mut last = go_at;
    for r in receipts.iter().filter(|r| r.at >= go_at) {
        last = last.max(r.at);
        if let Some(l) = r.latency {
            assign.saturating_record(l);
        }
    }
    let elapsed = (last - go_at) as f64 / 1e6;
    let assignments_per_s = if elapsed > 0.0 {
        total as f64 / elapsed
    } else {
        0.0
    };
    let messages_per_s = sent.counted.load(Ordering::Relaxed) as f64 / args.s1_seconds as f64;

    let (takeover, kills) = match backend {
        Backend::Postgres {
            nodes,
            spread: true,
        } if nodes > 1 && args.s1_kills > 0 => {
            let h = takeovers(args, exe, dir, &db, &mut hubs, &shops).await?;
            (Some(h), args.s1_kills)
        }
        _ => (None, 0),
    };
    for hub in hubs {
        hub.stop().await;
    }
    Ok(Figures {
        messages_per_s,
        assignments_per_s,
        ack,
        assign,
        doubles,
        refused: sent.refused.load(Ordering::Relaxed),
        takeover,
        kills,
    })
}

/// Creates the projects, each with a group and its agents, in `db`; the key tokens are signed
/// with.
async fn prepare_shops(
    db: &str,
    projects: usize,
    agents: usize,
    slot_max: u32,
) -> anyhow::Result<(Keys, Vec<Shop>)> {
    let location = Location::parse(db);
    tokio::task::spawn_blocking(move || {
        let mut store = location.open()?;
        let store = store.as_mut();
        let mut hash = None;
        let mut shops = Vec::with_capacity(projects);
        for p in 0..projects {
            let code = format!("S1P{p}");
            let id = admin::create_project(store, &code, &format!("Shop {p}"))?;
            let mut settings = store
                .project(id)?
                .context("the project just created")?
                .settings;
            settings.default_slot_max = slot_max;
            admin::set_settings(store, id, &settings)?;
            let group = admin::create_group(store, id, GROUP, None)?;
            let mut list = Vec::with_capacity(agents);
            for a in 0..agents {
                let email = format!("agent{a}.{p}@s1.invalid");
                // One argon2 hash for all (it takes tens of milliseconds on purpose).
                let agent = match &hash {
                    None => {
                        let first = admin::create_agent(
                            store,
                            id,
                            NewAgentRequest {
                                email,
                                name: format!("Agent {a}"),
                                password: PASSWORD.into(),
                                role: Role::Agent,
                                slot_max: Some(slot_max),
                                groups: vec![GROUP.into()],
                            },
                        )?;
                        hash = Some(
                            store
                                .agent(first.id)?
                                .context("the agent just created")?
                                .password_hash,
                        );
                        first.id
                    }
                    Some(h) => store.create_agent(&NewAgent {
                        project_id: id,
                        email,
                        name: format!("Agent {a}"),
                        password_hash: h.clone(),
                        role: Role::Agent,
                        slot_max,
                        groups: vec![group.id],
                    })?,
                };
                list.push(agent);
            }
            shops.push(Shop {
                id,
                code,
                agents: list,
            });
        }
        Ok((Keys::load_or_create(store)?, shops))
    })
    .await?
}

/// Waits until every project is held by a live node and none holds more than its share.
async fn wait_balanced(db: &str, hubs: &[HubChild], projects: usize) -> anyhow::Result<()> {
    let share = crate::cluster::fair_share(projects, hubs.len());
    let urls: HashSet<String> = hubs.iter().map(HubChild::http_url).collect();
    let deadline = Instant::now() + BALANCE_TIMEOUT;
    loop {
        let db = db.to_owned();
        let held = tokio::task::spawn_blocking(move || ownership::held(&db)).await??;
        let mut per_node: HashMap<&str, usize> = HashMap::new();
        for (_, url) in &held {
            *per_node.entry(url).or_default() += 1;
        }
        if held.len() == projects
            && per_node.keys().all(|u| urls.contains(*u))
            && per_node.values().all(|&n| n <= share)
        {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "the projects did not spread over the nodes in {BALANCE_TIMEOUT:?}: {per_node:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Kills a node `--s1-kills` times (each in turn); each time, the time from the kill to the
/// first ack of a message sent through another node, for every project the node owned.
async fn takeovers(
    args: &BenchArgs,
    exe: &Path,
    dir: &BenchDir,
    db: &str,
    hubs: &mut Vec<HubChild>,
    shops: &[Shop],
) -> anyhow::Result<Histogram<u64>> {
    let codes: HashMap<ProjectId, &str> = shops.iter().map(|s| (s.id, s.code.as_str())).collect();
    let mut times = histogram();
    for k in 0..args.s1_kills {
        let victim = k % hubs.len();
        let via = hubs[(victim + 1) % hubs.len()].ws_url();
        let victim_url = hubs[victim].http_url();
        let db_owned = db.to_owned();
        let theirs: Vec<String> = tokio::task::spawn_blocking(move || ownership::held(&db_owned))
            .await??
            .into_iter()
            .filter(|(_, url)| *url == victim_url)
            .filter_map(|(p, _)| codes.get(&p).map(|c| (*c).to_owned()))
            .collect();
        ensure!(!theirs.is_empty(), "node {victim} owns no project");
        // A visitor in a conversation of each, through another node.
        let probes = bounded(theirs.len(), CONNECT_CONCURRENCY, |i| {
            let (code, via) = (theirs[i].clone(), via.clone());
            async move {
                let mut ws = open_ws(&format!("{via}/ws/visitor")).await?;
                send_frame(&mut ws, &hello(&code, None, None)).await?;
                let welcome = read_welcome(&mut ws).await?;
                let token = welcome["token"].as_str().context("a token")?.to_owned();
                let id = send_visitor_message(&mut ws, "before").await?;
                wait_ack(&mut ws, id).await?;
                Ok((ws, code, token))
            }
        })
        .await?;
        let killed_at = Instant::now();
        let hub = hubs.remove(victim);
        let addr = hub.addr;
        hub.kill().await;
        let tasks: Vec<_> = probes
            .into_iter()
            .map(|(ws, code, token)| {
                let via = via.clone();
                tokio::spawn(tokio::time::timeout(
                    TAKEOVER_TIMEOUT,
                    served_again(ws, via, code, token, killed_at),
                ))
            })
            .collect();
        for task in tasks {
            let took = task
                .await?
                .context("a probe was not served again in time")??;
            times.saturating_record(took.as_micros() as u64);
        }
        eprintln!(
            "S1: kill {} of {}: {} projects served again, p99 so far {:.0} ms",
            k + 1,
            args.s1_kills,
            theirs.len(),
            ms(times.value_at_quantile(0.99))
        );
        hubs.insert(victim, HubChild::start_over(exe, dir, db, addr).await?);
        wait_balanced(db, hubs, shops.len()).await?;
    }
    Ok(times)
}

/// A probe after the kill: its relayed socket ends; it reconnects until welcomed back and
/// sends a message; how long after the kill that message was acknowledged.
async fn served_again(
    mut ws: Ws,
    via: String,
    code: String,
    token: String,
    killed_at: Instant,
) -> anyhow::Result<Duration> {
    while next_text(&mut ws).await.is_ok() {}
    loop {
        let attempt = async {
            let mut ws = open_ws(&format!("{via}/ws/visitor")).await?;
            send_frame(&mut ws, &hello(&code, Some(token.clone()), None)).await?;
            read_welcome(&mut ws).await?;
            let id = send_visitor_message(&mut ws, "after").await?;
            wait_ack(&mut ws, id).await?;
            anyhow::Ok(())
        };
        if attempt.await.is_ok() {
            return Ok(killed_at.elapsed());
        }
        tokio::time::sleep(RECONNECT_EVERY).await;
    }
}

fn hello(code: &str, token: Option<String>, last_seq: Option<Seq>) -> VisitorClientFrame {
    VisitorClientFrame::Hello {
        version: PROTOCOL_VERSION,
        project: code.into(),
        token,
        last_seq,
        language: None,
        page: None,
    }
}
