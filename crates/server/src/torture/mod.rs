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
//! `make test` runs a small size (`crates/server/tests/faults.rs`); `make torture` the full
//! one.

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
use crate::store::StoreRead as _;
use crate::store::{NewAgent, ProjectId, SqliteStore, Store};
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
    let dir = WorkDir::new(&format!("torture-{seed}"))?;
    let prepared = prepare(&dir, &args).await?;
    let mut hub = HubChild::start(&exe, &dir).await?;
    let addr = hub.addr;
    let (phase_tx, phase_rx) = watch::channel(Phase::Run);
    let stage = Arc::new(Stage {
        ws_url: hub.ws_url(),
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
    let mut moments: Vec<Duration> = (0..args.kills)
        .map(|_| run_for.mul_f64(rng.random_range(0.05..0.95)))
        .collect();
    moments.sort();
    let mut kills = 0;
    for moment in moments {
        tokio::time::sleep_until(started + moment).await;
        hub.kill().await;
        kills += 1;
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..400))).await;
        hub = restart(&exe, &dir, addr).await?;
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

    let http_threads = read_threads_over_http(&hub.http_url(), &dir, &prepared).await?;
    hub.terminate().await?;
    let stored = read_store(&dir, &prepared, &logs, http_threads, args.slots).await?;
    let verdict = check::check(&logs, &stored);
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
        "torture seed {seed}: {kills} kills, {} connections, {} cuts, {} frames ({} acked, {} refused, {} sent again, {} retried on rate_limited/internal), {} anyway transfers; checked {:?}\n",
        sum(|l| l.connects),
        sum(|l| l.cuts),
        sum(|l| l.sent.len()),
        sum(|l| l.acked.len()),
        sum(|l| l.refused.len()),
        sum(|l| l.resends),
        sum(|l| l.retried),
        sum(|l| l.anyway),
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

/// Starts the hub again on its port (the old socket may linger a moment).
async fn restart(
    exe: &std::path::Path,
    dir: &WorkDir,
    addr: std::net::SocketAddr,
) -> anyhow::Result<HubChild> {
    let mut last = None;
    for _ in 0..50 {
        match HubChild::start_on(exe, dir, addr).await {
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
async fn prepare(dir: &WorkDir, args: &TortureArgs) -> anyhow::Result<Prepared> {
    let db = dir.db();
    let (agents, slots) = (args.agents, args.slots);
    tokio::task::spawn_blocking(move || {
        let mut store = SqliteStore::open(&db)?;
        let project = admin::create_project(&mut store, PROJECT, "Torture shop")?;
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
        admin::set_settings(&mut store, project, &settings)?;
        let group = admin::create_group(&mut store, project, GROUP, None)?.id;
        let first = admin::create_agent(
            &mut store,
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
        let keys = Keys::load_or_create(&mut store)?;
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
    dir: &WorkDir,
    prepared: &Prepared,
) -> anyhow::Result<BTreeMap<String, Vec<i64>>> {
    let session = crate::client::login(http, ADMIN_EMAIL, PASSWORD).await?;
    let (db, project) = (dir.db(), prepared.project);
    let conversations = tokio::task::spawn_blocking(move || -> anyhow::Result<i64> {
        Ok(SqliteStore::open(&db)?.counters(project)?.conversation)
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
    dir: &WorkDir,
    prepared: &Prepared,
    logs: &[ActorLog],
    http_threads: BTreeMap<String, Vec<i64>>,
    slots: u32,
) -> anyhow::Result<Stored> {
    let db = dir.db();
    let project = prepared.project;
    let streams: Vec<String> = logs
        .iter()
        .map(|l| l.stream.clone())
        .filter(|s| !s.is_empty())
        .collect();
    let client_ids: Vec<_> = logs.iter().flat_map(|l| l.sent.keys().copied()).collect();
    let agents = prepared.agents.clone();
    tokio::task::spawn_blocking(move || {
        let mut store = SqliteStore::open(&db)?;
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
