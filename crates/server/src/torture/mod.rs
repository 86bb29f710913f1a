//! `pupitre torture`: the fault harness of exact delivery (SPEC R12) and the routing
//! invariants (R1–R6, R9, R10).
//!
//! A real hub runs as a child process over a real SQLite file. `--visitors` visitors and
//! `--agents` agents, each an independent WebSocket client with the reconnect-and-resend
//! behaviour of the real clients ([`actors`]), talk at once for `--seconds`: messages, drafts,
//! snoozes, transfers (to a colleague, `anyway` or not, or to the group), closes, reopens,
//! status changes, R10 auto-transfers and disconnection transfers (short timeouts in seconds),
//! cut sockets. Meanwhile the hub is killed with SIGKILL `--kills` times at random moments and
//! started again on the same port. Then the clients finish what they have pending, the hub
//! stops, and [`check`] compares every client's log with the store and the threads read over
//! HTTP. Seeded: the seed is printed and `--seed` replays the same scripts (the interleaving
//! still depends on timing, so a failure is reproduced by running the seed a few times).
//!
//! `--cluster N` runs N hubs on one PostgreSQL database instead (issue 14; a PostgreSQL of the
//! run's own, from Debian's binaries): each client's connections go to the nodes in turn (a
//! node that does not own the project relays them), the kills hit a random node (started again
//! on its port), and `--cuts` times a node's ownership connection is cut inside PostgreSQL
//! (`pg_terminate_backend`): its projects move, its writers stop, and nothing may be lost.
//!
//! Besides delivery and routing, on a cluster, the timers and the ways back: no timer fired
//! more than a tick + 1 s late (the hubs log each one over a second late), and the clients'
//! reconnections after a lost connection (to the welcome) have a p99 under 2 s. One hub's
//! figures are reported, not held to these: its restart is the harness's.
//!
//! `make test` runs a small size (`crates/server/tests/faults.rs`), one hub and a cluster;
//! `make torture` and `make torture-cluster` the full ones.

pub mod actors;
pub mod check;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use pupitre_protocol::agent::Role;
use pupitre_protocol::{AgentId, Body, ConversationRef};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::admin::{self, NewAgentRequest};
use crate::auth::{ACCESS_TTL, Claims, Keys};
use crate::hub_child::{HubChild, WorkDir};
use crate::store::{Location, NewAgent, ProjectId};
use actors::{ActorLog, AgentSpec, Phase, Stage};
use check::{KINDS, Stored, StoredText, Verdict};

const PROJECT: &str = "TORTURE";
const GROUP: &str = "Support";
const PASSWORD: &str = "torture-password";
const ADMIN_EMAIL: &str = "admin@torture.invalid";
/// Longest the clients may take to finish what they have pending once the run is over.
const DRAIN_LIMIT: Duration = Duration::from_secs(60);
/// Quiet time after the drain, so that the last events arrive.
const QUIET: Duration = Duration::from_millis(1_500);
/// Bounds of the knobs, so that a typo cannot make it run for hours.
const MAX_CLIENTS: usize = 5_000;
const MAX_SECONDS: u64 = 3_600;

#[derive(Debug, Clone, clap::Args)]
pub struct TortureArgs {
    /// The seed of every script (printed; random when not given).
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long, default_value_t = 100)]
    pub visitors: usize,
    #[arg(long, default_value_t = 10)]
    pub agents: usize,
    /// Conversations per agent (R4).
    #[arg(long, default_value_t = 3)]
    pub slots: u32,
    /// SIGKILLs of the hub during the run.
    #[arg(long, default_value_t = 50)]
    pub kills: usize,
    /// Length of the run before the drain.
    #[arg(long, default_value_t = 150)]
    pub seconds: u64,
    /// The hub executable to start (default: this one).
    #[arg(long)]
    pub hub_exe: Option<PathBuf>,
    /// Several hubs on one PostgreSQL database (at least 2); 0: one hub on SQLite.
    #[arg(long, default_value_t = 0)]
    pub cluster: usize,
    /// On a cluster: how many times a node's ownership connection is cut in PostgreSQL.
    #[arg(long, default_value_t = 1)]
    pub cuts: usize,
}

/// What a run found.
pub struct Report {
    pub seed: u64,
    pub kills: usize,
    pub verdict: Verdict,
    pub summary: String,
}

pub async fn run(args: TortureArgs) -> anyhow::Result<Report> {
    ensure!(
        (1..=MAX_CLIENTS).contains(&args.visitors) && (1..=MAX_CLIENTS).contains(&args.agents),
        "--visitors and --agents are between 1 and {MAX_CLIENTS}"
    );
    ensure!(
        (1..=MAX_SECONDS).contains(&args.seconds),
        "--seconds is between 1 and {MAX_SECONDS}"
    );
    ensure!(
        (1..=50).contains(&args.slots),
        "--slots is between 1 and 50"
    );
    let seed = args.seed.unwrap_or_else(rand::random);
    let exe = match &args.hub_exe {
        Some(p) => p.clone(),
        None => std::env::current_exe().context("finding this executable")?,
    };
    eprintln!(
        "torture: seed {seed} (replay with --seed {seed}); {} visitors, {} agents, {} slots, {} kills in {} s",
        args.visitors, args.agents, args.slots, args.kills, args.seconds
    );
    ensure!(
        args.cluster != 1 && args.cluster <= 8,
        "--cluster is 0 (one hub on SQLite) or 2 to 8 nodes"
    );
    // The mode in the name: two runs of one seed in one process keep apart.
    let dir = WorkDir::new(&format!("torture-{seed}-{}", args.cluster))?;
    // A cluster's PostgreSQL lives as long as the run.
    let postgres = if args.cluster > 0 {
        Some(crate::pg_server::PgServer::start()?)
    } else {
        None
    };
    let db = match &postgres {
        Some(server) => server.create_database("torture")?,
        None => dir.db().display().to_string(),
    };
    let location = Location::parse(&db);
    let prepared = prepare(&location, &args).await?;
    let mut hubs = Vec::new();
    for _ in 0..args.cluster.max(1) {
        hubs.push(HubChild::start_over(&exe, &dir, &db, "127.0.0.1:0".parse()?).await?);
    }
    let addrs: Vec<std::net::SocketAddr> = hubs.iter().map(|h| h.addr).collect();
    let (phase_tx, phase_rx) = watch::channel(Phase::Run);
    let stage = Arc::new(Stage {
        hubs: hubs.iter().map(HubChild::http_url).collect(),
        phase: phase_rx,
        drained: Arc::new(AtomicUsize::new(0)),
        seed,
    });
    let mut clients = tokio::task::JoinSet::new();
    let exp = crate::clock::now_ms() + ACCESS_TTL;
    for (index, id) in prepared.agents.iter().enumerate() {
        let spec = AgentSpec {
            index,
            id: *id,
            token: prepared.keys.sign(&Claims::Access {
                agent: *id,
                project: prepared.project,
                role: Role::Agent,
                exp,
            }),
            colleagues: prepared
                .agents
                .iter()
                .copied()
                .filter(|a| a != id)
                .collect(),
            group: prepared.group,
            conversation_types: vec!["Sale".into(), "Other".into()],
        };
        clients.spawn(actors::agent(spec, stage.clone()));
    }
    for index in 0..args.visitors {
        clients.spawn(actors::visitor(index, stage.clone()));
    }

    // Faults: exactly `--kills` SIGKILLs at random moments of the run (a moment that passed
    // while the hub restarted comes at once: kills in a row happen too).
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let run_for = Duration::from_secs(args.seconds);
    let end = started + run_for;
    let cuts = if postgres.is_some() { args.cuts } else { 0 };
    let mut moments: Vec<(Duration, Fault)> = (0..args.kills)
        .map(|_| (run_for.mul_f64(rng.random_range(0.05..0.95)), Fault::Kill))
        .collect();
    for _ in 0..cuts {
        moments.push((run_for.mul_f64(rng.random_range(0.05..0.95)), Fault::Cut));
    }
    moments.sort_by_key(|(at, _)| *at);
    let mut kills = 0;
    for (moment, fault) in moments {
        tokio::time::sleep_until(started + moment).await;
        let node = rng.random_range(0..hubs.len());
        match fault {
            Fault::Kill => {
                hubs.remove(node).kill().await;
                kills += 1;
                tokio::time::sleep(Duration::from_millis(rng.random_range(0..400))).await;
                hubs.insert(node, restart(&exe, &dir, &db, addrs[node]).await?);
            }
            Fault::Cut => {
                if let Some(server) = &postgres {
                    cut_a_node(server)?;
                }
            }
        }
    }
    tokio::time::sleep_until(end).await;

    // Drain: no new frames; everything pending is answered.
    phase_tx.send_replace(Phase::Drain);
    let total = args.visitors + args.agents;
    let drain_end = Instant::now() + DRAIN_LIMIT;
    while stage.drained.load(Ordering::SeqCst) < total {
        if Instant::now() > drain_end {
            bail!(
                "{} of {total} clients still had frames pending {DRAIN_LIMIT:?} after the run (hub log: {})",
                total - stage.drained.load(Ordering::SeqCst),
                dir.log().display()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(QUIET).await;
    phase_tx.send_replace(Phase::Stop);
    let mut logs = vec![];
    while let Some(log) = clients.join_next().await {
        logs.push(log.context("a client task panicked")?);
    }
    logs.sort_by(|a, b| a.name.cmp(&b.name));

    let http_threads = read_threads_over_http(&hubs[0].http_url(), &location, &prepared).await?;
    for hub in hubs {
        hub.terminate().await?;
    }
    let stored = read_store(&location, &prepared, &logs, http_threads, args.slots).await?;
    let mut verdict = check::check(&logs, &stored);
    verdict.timers_from_log(&std::fs::read_to_string(dir.log()).unwrap_or_default());
    if args.cluster > 0 {
        verdict.cluster_bounds();
    }
    let summary = summary(seed, kills, &logs, &verdict);
    if verdict.total() > 0 {
        let kept = dir.keep();
        eprintln!(
            "torture: the database and the hub's log are kept in {}",
            kept.display()
        );
    }
    Ok(Report {
        seed,
        kills,
        verdict,
        summary,
    })
}

/// The report: one line of figures, then each kind of violation with examples.
fn summary(seed: u64, kills: usize, logs: &[ActorLog], verdict: &Verdict) -> String {
    let sum = |f: fn(&ActorLog) -> usize| logs.iter().map(f).sum::<usize>();
    let mut out = format!(
        "torture seed {seed}: {kills} kills, {} connections, {} cuts, {} frames ({} acked, {} refused, {} sent again, {} retried on rate_limited/internal), {} anyway transfers; reconnect to welcome p99 {:?}; {} timers fired over 1 s late (longest {} ms); checked {:?}\n",
        sum(|l| l.connects),
        sum(|l| l.cuts),
        sum(|l| l.sent.len()),
        sum(|l| l.acked.len()),
        sum(|l| l.refused.len()),
        sum(|l| l.resends),
        sum(|l| l.retried),
        sum(|l| l.anyway),
        verdict.reconnect_p99.unwrap_or_default(),
        verdict.late_timers.len(),
        verdict.late_timers.iter().max().copied().unwrap_or(0),
        verdict.checked,
    );
    out += &KINDS
        .iter()
        .map(|k| format!("{} {k}", verdict.get(k)))
        .collect::<Vec<_>>()
        .join(", ");
    out.push('\n');
    for (kind, examples) in &verdict.examples {
        for e in examples {
            out += &format!("  {kind}: {e}\n");
        }
    }
    out
}

/// What happens to the hubs during a run.
enum Fault {
    /// SIGKILL of a hub (of a random node on a cluster), started again on its port.
    Kill,
    /// A node's ownership connection ended by PostgreSQL (`pg_terminate_backend`): the node
    /// loses every project at once.
    Cut,
}

/// Cuts one node's ownership connection, chosen by PostgreSQL.
fn cut_a_node(server: &crate::pg_server::PgServer) -> anyhow::Result<()> {
    crate::store::postgres::run_sql(
        &server.database_url("torture"),
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name LIKE 'pupitre-node-%' ORDER BY random() LIMIT 1",
    )?;
    Ok(())
}

/// Starts the hub again on its port (the old socket may linger a moment).
async fn restart(
    exe: &std::path::Path,
    dir: &WorkDir,
    db: &str,
    addr: std::net::SocketAddr,
) -> anyhow::Result<HubChild> {
    let mut last = None;
    for _ in 0..50 {
        match HubChild::start_over(exe, dir, db, addr).await {
            Ok(hub) => return Ok(hub),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(last.expect("at least one attempt")).context("restarting the hub")
}

struct Prepared {
    keys: Keys,
    project: ProjectId,
    group: i64,
    agents: Vec<AgentId>,
}

/// The project: one group, agents with `--slots`, an admin who reads threads over HTTP, and
/// R10 timeouts short enough to fire during the run.
async fn prepare(location: &Location, args: &TortureArgs) -> anyhow::Result<Prepared> {
    let location = location.clone();
    let (agents, slots) = (args.agents, args.slots);
    tokio::task::spawn_blocking(move || {
        let mut store = location.open()?;
        let store = store.as_mut();
        let project = admin::create_project(store, PROJECT, "Torture shop")?;
        let mut settings = store
            .project(project)?
            .context("the project just created")?
            .settings;
        settings.default_slot_max = slots;
        settings.conversation_types = vec!["Sale".into(), "Other".into()];
        let routing = &mut settings.routing;
        routing.reopen_to_previous_agent = true;
        routing.queue_per_agent = 1_000;
        routing.timeouts.auto_transfer_s = 4;
        routing.timeouts.auto_transfer_notify_visitor = true;
        routing.timeouts.agent_disconnected_notice_s = 2;
        routing.timeouts.disconnected_transfer_s = 3;
        admin::set_settings(store, project, &settings)?;
        let group = admin::create_group(store, project, GROUP, None)?.id;
        let first = admin::create_agent(
            store,
            project,
            NewAgentRequest {
                email: ADMIN_EMAIL.into(),
                name: "Admin".into(),
                password: PASSWORD.into(),
                role: Role::Admin,
                slot_max: Some(slots),
                groups: vec![],
            },
        )?;
        // The agents reuse the admin's password hash (argon2 on purpose takes its time).
        let hash = store
            .agent(first.id)?
            .context("the admin just created")?
            .password_hash;
        let mut list = Vec::with_capacity(agents);
        for i in 0..agents {
            list.push(store.create_agent(&NewAgent {
                project_id: project,
                email: format!("agent{i}@torture.invalid"),
                name: format!("Agent {i}"),
                password_hash: hash.clone(),
                role: Role::Agent,
                slot_max: slots,
                groups: vec![group],
            })?);
        }
        let keys = Keys::load_or_create(store)?;
        Ok(Prepared {
            keys,
            project,
            group,
            agents: list,
        })
    })
    .await?
}

/// Every conversation's thread as an admin reads it over HTTP (the hub still running).
async fn read_threads_over_http(
    http: &str,
    location: &Location,
    prepared: &Prepared,
) -> anyhow::Result<BTreeMap<String, Vec<i64>>> {
    let session = crate::client::login(http, ADMIN_EMAIL, PASSWORD).await?;
    let (location, project) = (location.clone(), prepared.project);
    let conversations = tokio::task::spawn_blocking(move || -> anyhow::Result<i64> {
        Ok(location.open()?.counters(project)?.conversation)
    })
    .await??;
    let client = reqwest::Client::new();
    let mut threads = BTreeMap::new();
    for n in 1..=conversations {
        let reference = ConversationRef::new(PROJECT, n);
        let response = client
            .get(format!("{http}/api/conversations/{}", reference.0))
            .bearer_auth(&session.access_token)
            .send()
            .await?;
        ensure!(
            response.status().is_success(),
            "GET /api/conversations/{} answered {}",
            reference.0,
            response.status()
        );
        let body: serde_json::Value = response.json().await?;
        let ids = body["messages"]
            .as_array()
            .map(|ms| ms.iter().filter_map(|m| m["id"].as_i64()).collect())
            .unwrap_or_default();
        threads.insert(reference.0, ids);
    }
    Ok(threads)
}

/// What the store holds, read through the store trait (so the same check can run against
/// another backend).
async fn read_store(
    location: &Location,
    prepared: &Prepared,
    logs: &[ActorLog],
    http_threads: BTreeMap<String, Vec<i64>>,
    slots: u32,
) -> anyhow::Result<Stored> {
    let location = location.clone();
    let project = prepared.project;
    let streams: Vec<String> = logs
        .iter()
        .map(|l| l.stream.clone())
        .filter(|s| !s.is_empty())
        .collect();
    let client_ids: Vec<_> = logs.iter().flat_map(|l| l.sent.keys().copied()).collect();
    let agents = prepared.agents.clone();
    tokio::task::spawn_blocking(move || {
        let mut store = location.open()?;
        let mut stored = Stored {
            http_threads,
            ..Default::default()
        };
        for stream in streams {
            let events = store.events_since(&stream, 0, usize::MAX / 2)?;
            stored.streams.insert(stream, events);
        }
        let conversations = store.counters(project)?.conversation;
        for n in 1..=conversations {
            let thread = store
                .messages(project, n)?
                .into_iter()
                .map(|m| StoredText {
                    id: m.message.id,
                    client_id: m.message.client_id,
                    text: match m.message.body {
                        Body::Text { text } => Some(text),
                        _ => None,
                    },
                })
                .collect();
            stored
                .threads
                .insert(ConversationRef::new(PROJECT, n).0, thread);
        }
        for id in client_ids {
            if store.is_applied(id)? {
                stored.applied.insert(id);
            }
        }
        for agent in agents {
            stored.slots.insert(crate::hub::agent_stream(agent), slots);
        }
        Ok(stored)
    })
    .await?
}
