//! `pupitre bench`: the load generator. Prints one line per figure (P1–P4, P7) with its goal.
//!
//! Every figure runs against its own **release hub started as a child process** (this
//! executable, `serve --listen 127.0.0.1:0`) over a fresh SQLite file in a temporary folder, so
//! the figures do not disturb one another and the hub's memory (P3) is its own. The database is
//! prepared beforehand with the library's admin functions. Agents connect with access tokens
//! signed with the key the bench wrote into that database: one agent logs in through
//! `POST /api/login` as a desk does (which checks that hub and bench agree), the others skip
//! it, because 500 argon2 verifications would only measure argon2.
//!
//! - **P1 delivery.** `--p1-conversations` live conversations spread over `--p1-agents`
//!   agents; each visitor sends one message every `--p1-interval-ms`, phases spread evenly.
//!   Latency: from the visitor's send to its agent's receipt of the `message` event (the send
//!   instant travels in the text). The hub commits before it delivers (R12), so the latency
//!   includes the durable commit.
//! - **P2 persisted messages per second.** `--p2-visitors` visitors, each in a conversation on an
//!   agent's desk, send as fast as acks allow: at most `--p2-in-flight` unacknowledged each, and
//!   at most `--p2-rate` per second each (the hub allows a widget 10 frames/s and drops the
//!   rest). Acks are counted over `--p2-seconds` after a warm-up; an ack means durable.
//! - **P3 idle connections.** Opens `--p3-connections` visitor WebSockets that say hello and
//!   stay idle, and divides the growth of the hub's RSS by their number. Both processes need a
//!   file descriptor per connection: the bench raises its soft `RLIMIT_NOFILE` to the hard
//!   limit before it starts any hub (children inherit it) and caps the count to what the limits
//!   allow, saying so.
//! - **P4 assignments.** `--p4-agents` agents available; first a storm of `--p4-storm`
//!   conversations started at the same instant, then `--p4-conversations` more with at most
//!   `--p4-in-flight` first messages unacknowledged. Assignments per second run from the start
//!   signal to the last `conversation_assigned` received. `assign_ms` is the time from a
//!   visitor's first message to its agent's receipt of the conversation, over the wire (queue,
//!   routing, durable commit, delivery); `decision` is the routing engine alone deciding a new
//!   conversation with the same agents, timed in this process. A conversation received by two
//!   agents counts as a double assignment.
//! - **P7 reconnect storms**: see [`reconnect`].
//! - **P8 login flood**: see [`login_flood`].
//! - **P10 statistics**: see [`stats`].
//! - **P9 co-browsing's relay**: see [`cobrowse`].
//! - **S1 several hubs on PostgreSQL**: see [`nodes`].
//!
//! Bounds: each figure has a deadline ([`FIGURE_LIMIT`]), each wait a timeout, each loop a
//! count; only loopback addresses are used; a hub child is killed when its figure ends, and on
//! error too (`kill_on_drop`).

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use futures_util::{SinkExt as _, StreamExt as _, TryStreamExt as _};
use hdrhistogram::Histogram;
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent, AgentServerFrame, Role};
use pupitre_protocol::visitor::{VisitorClientFrame, VisitorServerFrame};
use pupitre_protocol::{AgentId, Author, Body, Channel, ChosenStatus, ClientId, Message};
use pupitre_protocol::{PROTOCOL_VERSION, Seq};
use pupitre_routing::{AgentConfig, Engine, GroupConfig, Input, Output, Settings};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::admin::{self, NewAgentRequest};
use crate::auth::{ACCESS_TTL, Claims, Keys};
use crate::hub_child::{HubChild, WorkDir as BenchDir};
use crate::store::StoreRead as _;
use crate::store::{NewAgent, ProjectId, SqliteStore, Store};

mod cobrowse;
mod login_flood;
mod nodes;
mod reconnect;
mod stats;

const PROJECT: &str = "BENCH";
const GROUP: &str = "Bench";
const PASSWORD: &str = "bench-password";
/// Longest a figure may take, setup included; then it fails and its hub is killed.
const FIGURE_LIMIT: Duration = Duration::from_secs(180);
/// Longest wait for one setup step: a connection, a welcome, an ack, a round of assignments.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections being opened at once while setting up.
const CONNECT_CONCURRENCY: usize = 200;
/// After the last send, how long acks and deliveries may still come.
const GRACE: Duration = Duration::from_secs(5);
/// P2: sending before counting, so that the count sees a steady state.
const P2_WARMUP: Duration = Duration::from_secs(3);
/// P3: descriptors kept free in each process besides the connections (database, epoll, logs…).
const FD_MARGIN: u64 = 64;
/// P3: quiet time before reading the hub's RSS, so that it reflects settled connections.
const SETTLE: Duration = Duration::from_secs(2);
/// The bench's socket read buffer: small, because P3 holds 20,000 of them.
const CLIENT_READ_BUFFER: usize = 4 * 1024;
/// Upper bounds of the scale knobs, so that a typo cannot make the bench run for hours.
const MAX_CONNECTIONS: usize = 100_000;
const MAX_SECONDS: u64 = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Figure {
    P1,
    P2,
    P3,
    P4,
    P7,
    P8,
    P9,
    P10,
    S1,
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Figures to measure, comma-separated: `--only p1,p3`.
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["p1", "p2", "p3", "p4", "p7", "p8", "p9", "p10", "s1"])]
    pub only: Vec<Figure>,
    /// P1: live conversations.
    #[arg(long, default_value_t = 2_000)]
    pub p1_conversations: usize,
    /// P1: agents holding them (slots are sized to fit, at most 50 each).
    #[arg(long, default_value_t = 100)]
    pub p1_agents: usize,
    /// P1: each visitor sends one message every this many milliseconds.
    #[arg(long, default_value_t = 5_000)]
    pub p1_interval_ms: u64,
    /// P1: seconds of steady state.
    #[arg(long, default_value_t = 25)]
    pub p1_seconds: u64,
    /// P2: visitors sending.
    #[arg(long, default_value_t = 1_000)]
    pub p2_visitors: usize,
    /// P2: agents holding their conversations (0: conversations wait, asynchronous).
    #[arg(long, default_value_t = 50)]
    pub p2_agents: usize,
    /// P2: most messages per second one visitor sends (the hub allows a widget 10 frames/s).
    #[arg(long, default_value_t = 9.0)]
    pub p2_rate: f64,
    /// P2: most unacknowledged messages per visitor.
    #[arg(long, default_value_t = 8)]
    pub p2_in_flight: usize,
    /// P2: seconds over which acks are counted.
    #[arg(long, default_value_t = 10)]
    pub p2_seconds: u64,
    /// P3: idle visitor connections (capped by RLIMIT_NOFILE).
    #[arg(long, default_value_t = 20_000)]
    pub p3_connections: usize,
    /// P4: agents online.
    #[arg(long, default_value_t = 500)]
    pub p4_agents: usize,
    /// P4: new conversations after the storm.
    #[arg(long, default_value_t = 5_000)]
    pub p4_conversations: usize,
    /// P4: conversations started at the same instant.
    #[arg(long, default_value_t = 100)]
    pub p4_storm: usize,
    /// P4: most first messages unacknowledged at once.
    #[arg(long, default_value_t = 256)]
    pub p4_in_flight: usize,
    /// P7: visitors in conversations when the hub is killed and when their sockets drop.
    #[arg(long, default_value_t = 1_000)]
    pub p7_visitors: usize,
    /// P7: agents connected.
    #[arg(long, default_value_t = 50)]
    pub p7_agents: usize,
    /// P7: visitors of the second, largest size (capped by RLIMIT_NOFILE; at most
    /// `--p7-visitors`: one size only).
    #[arg(long, default_value_t = 20_000)]
    pub p7_largest: usize,
    /// P8: concurrent wrong-password logins per round (P1's load runs meanwhile).
    #[arg(long, default_value_t = 1_000)]
    pub p8_logins: usize,
    /// P8: rounds, two seconds apart.
    #[arg(long, default_value_t = 3)]
    pub p8_rounds: usize,
    /// P8: the flood's source addresses (loopback).
    #[arg(long, default_value_t = 10)]
    pub p8_addresses: usize,
    /// P9: co-browsing sessions (each a visitor's page and an agent's view of it).
    #[arg(long, default_value_t = 200)]
    pub p9_sessions: usize,
    /// P9: the size of each page's full snapshot, in KiB.
    #[arg(long, default_value_t = 100)]
    pub p9_snapshot_kb: usize,
    /// P9: seconds of steady state.
    #[arg(long, default_value_t = 10)]
    pub p9_seconds: u64,
    /// P10: closed conversations in the store the statistics are read from.
    #[arg(long, default_value_t = 1_000_000)]
    pub p10_conversations: usize,
    /// P10: keep a copy of its store here once measured, for the desk's statistics view
    /// (`tests/desktop/bench_stats.py`; agent `agent0@bench.invalid`, password `bench-password`).
    #[arg(long)]
    pub p10_keep_db: Option<PathBuf>,
    /// S1: projects (each with its agents and visitors).
    #[arg(long, default_value_t = 100)]
    pub s1_projects: usize,
    /// S1: agents of each project.
    #[arg(long, default_value_t = 2)]
    pub s1_agents: usize,
    /// S1: visitors of each project.
    #[arg(long, default_value_t = 5)]
    pub s1_visitors: usize,
    /// S1: seconds over which messages are counted.
    #[arg(long, default_value_t = 10)]
    pub s1_seconds: u64,
    /// S1: nodes killed one after the other, on three nodes (0: no takeover figure).
    #[arg(long, default_value_t = 4)]
    pub s1_kills: usize,
    /// The hub executable to start (default: this one).
    #[arg(long)]
    pub hub_exe: Option<PathBuf>,
}

impl BenchArgs {
    fn check(&self) -> anyhow::Result<()> {
        for (name, n) in [
            ("--p1-conversations", self.p1_conversations),
            ("--p1-agents", self.p1_agents),
            ("--p2-visitors", self.p2_visitors),
            ("--p3-connections", self.p3_connections),
            ("--p4-agents", self.p4_agents),
            ("--p4-conversations", self.p4_conversations),
            ("--p4-storm", self.p4_storm),
            ("--p4-in-flight", self.p4_in_flight),
            ("--p2-in-flight", self.p2_in_flight),
            ("--p7-visitors", self.p7_visitors),
            ("--p7-agents", self.p7_agents),
            ("--p7-largest", self.p7_largest),
            ("--p8-logins", self.p8_logins),
            ("--p9-sessions", self.p9_sessions),
            ("--s1-projects", self.s1_projects),
            ("--s1-agents", self.s1_agents),
            ("--s1-visitors", self.s1_visitors),
        ] {
            ensure!(
                (1..=MAX_CONNECTIONS).contains(&n),
                "{name} is between 1 and {MAX_CONNECTIONS}"
            );
        }
        ensure!(
            self.p2_agents <= MAX_CONNECTIONS,
            "--p2-agents is at most {MAX_CONNECTIONS}"
        );
        for (name, s) in [
            ("--p1-seconds", self.p1_seconds),
            ("--p2-seconds", self.p2_seconds),
            ("--p9-seconds", self.p9_seconds),
            ("--s1-seconds", self.s1_seconds),
        ] {
            ensure!(
                (1..=MAX_SECONDS).contains(&s),
                "{name} is between 1 and {MAX_SECONDS}"
            );
        }
        ensure!(
            (1..=900).contains(&self.p9_snapshot_kb),
            "--p9-snapshot-kb is between 1 and 900 (a relay frame is at most 1 MiB)"
        );
        ensure!(
            (1..=20).contains(&self.p8_rounds) && (1..=250).contains(&self.p8_addresses),
            "--p8-rounds is between 1 and 20, --p8-addresses between 1 and 250"
        );
        ensure!(
            self.s1_projects * self.s1_visitors.max(self.s1_agents) <= MAX_CONNECTIONS
                && self.s1_kills <= 20,
            "S1: at most {MAX_CONNECTIONS} visitors or agents in all, at most 20 kills"
        );
        ensure!(
            (10..=60_000).contains(&self.p1_interval_ms),
            "--p1-interval-ms is between 10 and 60000"
        );
        ensure!(
            self.p2_rate > 0.0 && self.p2_rate <= 10.0,
            "--p2-rate is above 0 and at most 10 (the hub's limit per widget)"
        );
        Ok(())
    }
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    args.check()?;
    let nofile = raise_nofile_limit();
    let exe = match &args.hub_exe {
        Some(p) => p.clone(),
        None => std::env::current_exe().context("finding this executable")?,
    };
    if cfg!(debug_assertions) && args.hub_exe.is_none() {
        eprintln!(
            "note: this is a debug build, and so is the hub it starts; figures come from `cargo build --release`"
        );
    }
    eprintln!(
        "bench: hub {} ; RLIMIT_NOFILE soft {} hard {}",
        exe.display(),
        nofile.0,
        nofile.1
    );
    if let Some(load) = load_average() {
        eprintln!(
            "bench: load average {load} before starting (other processes on these cores skew the figures)"
        );
    }
    let started = Instant::now();
    let mut failures = 0;
    let mut lines = vec![];
    for figure in [
        Figure::P1,
        Figure::P2,
        Figure::P3,
        Figure::P4,
        Figure::P7,
        Figure::P8,
        Figure::P9,
        Figure::P10,
        Figure::S1,
    ] {
        if !args.only.contains(&figure) {
            continue;
        }
        let name = format!("{figure:?}");
        let dir = BenchDir::new(&format!("bench-{}", name.to_lowercase()))?;
        // P7 runs two sizes, each within FIGURE_LIMIT.
        let limit = match figure {
            Figure::P7 => 2,
            // Four configurations, each within FIGURE_LIMIT.
            Figure::S1 => 4,
            _ => 1,
        } * FIGURE_LIMIT;
        let result = tokio::time::timeout(limit, async {
            match figure {
                Figure::P1 => p1(&args, &exe, &dir).await,
                Figure::P2 => p2(&args, &exe, &dir).await,
                Figure::P3 => p3(&args, &exe, &dir).await,
                Figure::P4 => p4(&args, &exe, &dir).await,
                // Two sizes, each with its own folder and limit.
                Figure::P7 => reconnect::p7(&args, &exe).await,
                Figure::P8 => login_flood::p8(&args, &exe, &dir).await,
                Figure::P9 => cobrowse::p9(&args, &exe, &dir).await,
                Figure::P10 => stats::p10(&args, &exe, &dir).await,
                Figure::S1 => nodes::s1(&args, &exe).await,
            }
        })
        .await
        .unwrap_or_else(|_| Err(anyhow::anyhow!("took longer than {limit:?}")));
        match result {
            Ok(figure_lines) => {
                for line in figure_lines {
                    println!("{line}");
                    lines.push(line);
                }
            }
            Err(e) => {
                failures += 1;
                println!("{name} failed: {e:#}");
                if let Some(tail) = dir.log_tail(20) {
                    eprintln!("last lines of the hub's log:\n{tail}");
                }
            }
        }
    }
    eprintln!(
        "bench: done in {:.0} s",
        started.elapsed().as_secs_f64().ceil()
    );
    if failures > 0 {
        bail!("{failures} figure(s) failed");
    }
    Ok(())
}

// ---- P1 ----

async fn p1(args: &BenchArgs, exe: &Path, dir: &BenchDir) -> anyhow::Result<Vec<String>> {
    let n = args.p1_conversations;
    let slot_max = slots_for(n, args.p1_agents)?;
    let prepared = prepare(dir, args.p1_agents, slot_max).await?;
    let hub = HubChild::start(exe, dir).await?;
    let load = P1Load::start(
        &hub,
        &prepared,
        n,
        args.p1_interval_ms,
        args.p1_seconds,
        "P1",
    )
    .await?;
    let done = load.finish().await?;
    hub.stop().await;
    let rate = done.sent as f64 / args.p1_seconds as f64;
    let (p50, p99) = (
        ms(done.delivery.value_at_quantile(0.5)),
        ms(done.delivery.value_at_quantile(0.99)),
    );
    Ok(vec![
        format!(
            "P1 delivery_ms p50={p50:.1} p99={p99:.1} (goal p50<=5 p99<=25) conversations={n} rate={rate:.0}/s {verdict}",
            verdict = verdict(p50 <= 5.0 && p99 <= 25.0 && done.delivered >= done.sent)
        ),
        format!(
            "   max={:.1} ms delivered={}/{} agents={} ack_ms p50={:.1} p99={:.1}{}{}",
            ms(done.delivery.max()),
            done.delivered,
            done.sent,
            prepared.agents.len(),
            ms(done.acks.value_at_quantile(0.5)),
            ms(done.acks.value_at_quantile(0.99)),
            commit_summary(&done.metrics),
            load_note(),
        ),
    ])
}

/// P1's load, running: agents holding `n` conversations, each visitor sending a stamped
/// message every `interval_ms` for `seconds`.
struct P1Load {
    counters: Arc<AgentCounters>,
    stop: watch::Sender<bool>,
    agents: Vec<tokio::task::JoinHandle<anyhow::Result<AgentStats>>>,
    /// Each visitor's messages sent and ack latencies.
    visitors: Vec<tokio::task::JoinHandle<anyhow::Result<Sent>>>,
    /// `/metrics` at the start and at the end of the steady state.
    metrics: (Scrape, Scrape),
}

type Scrape = tokio::task::JoinHandle<HashMap<String, f64>>;
type Sent = (u64, Histogram<u64>);

/// What P1's load measured.
struct P1Done {
    sent: u64,
    delivered: u64,
    /// Send → the agent's receipt, in microseconds.
    delivery: Histogram<u64>,
    acks: Histogram<u64>,
    metrics: HashMap<String, f64>,
}

impl P1Load {
    async fn start(
        hub: &HubChild,
        prepared: &Prepared,
        n: usize,
        interval_ms: u64,
        seconds: u64,
        name: &str,
    ) -> anyhow::Result<Self> {
        let clock = Instant::now();
        let counters = Arc::new(AgentCounters::default());
        let (stop, stop_rx) = watch::channel(false);
        let agents = connect_agents(hub, prepared).await?;
        let agents: Vec<_> = agents
            .into_iter()
            .map(|(id, ws)| {
                tokio::spawn(agent_loop(id, ws, clock, counters.clone(), stop_rx.clone()))
            })
            .collect();
        eprintln!("{name}: {} agents available", prepared.agents.len());
        let url = hub.ws_url();
        let visitors = bounded(n, CONNECT_CONCURRENCY, |_| {
            let url = url.clone();
            async move {
                let mut ws = visitor_ws(&url).await?;
                let id = send_visitor_message(&mut ws, "Hello").await?;
                wait_ack(&mut ws, id).await?;
                Ok(ws)
            }
        })
        .await?;
        wait_until(STEP_TIMEOUT, || {
            counters.assigned.load(Ordering::Relaxed) >= n
        })
        .await
        .with_context(|| {
            format!(
                "{} of {n} conversations were assigned",
                counters.assigned.load(Ordering::Relaxed)
            )
        })?;
        eprintln!("{name}: {n} conversations assigned; steady state for {seconds} s");
        let interval = Duration::from_millis(interval_ms);
        let t0 = Instant::now() + Duration::from_millis(200);
        let end = t0 + Duration::from_secs(seconds);
        let metrics = (scrape_at(hub.addr, t0), scrape_at(hub.addr, end));
        let visitors = visitors
            .into_iter()
            .enumerate()
            .map(|(i, ws)| {
                let first = t0 + interval.mul_f64(i as f64 / n as f64);
                tokio::spawn(p1_visitor(ws, first, interval, end, clock))
            })
            .collect();
        Ok(Self {
            counters,
            stop,
            agents,
            visitors,
            metrics,
        })
    }

    /// Waits for the end of the steady state and its deliveries.
    async fn finish(self) -> anyhow::Result<P1Done> {
        let mut sent = 0;
        let mut acks = histogram();
        for task in self.visitors {
            let (s, h) = task.await??;
            sent += s;
            acks.add(&h)?;
        }
        // Deliveries may trail the acks by a moment.
        let counters = self.counters;
        let _ = wait_until(GRACE, || counters.delivered.load(Ordering::Relaxed) >= sent).await;
        let metrics = difference(&self.metrics.0.await?, &self.metrics.1.await?);
        let _ = self.stop.send(true);
        let mut delivery = histogram();
        for task in self.agents {
            delivery.add(&task.await??.delivery)?;
        }
        Ok(P1Done {
            sent,
            delivered: counters.delivered.load(Ordering::Relaxed),
            delivery,
            acks,
            metrics,
        })
    }
}

/// One P1 visitor: a message every `interval` from `first` until `end`, then waits for its
/// acks. Returns how many it sent and its ack latencies.
async fn p1_visitor(
    mut ws: Ws,
    first: Instant,
    interval: Duration,
    end: Instant,
    clock: Instant,
) -> anyhow::Result<Sent> {
    let mut next = first;
    let mut pending: VecDeque<(ClientId, u64)> = VecDeque::new();
    let mut sent = 0;
    let mut acks = histogram();
    let give_up = end + GRACE;
    loop {
        if Instant::now() >= end && pending.is_empty() {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep_until(next), if next < end => {
                let stamp = micros(clock);
                let id = send_visitor_message(&mut ws, &format!("p1 {stamp}")).await?;
                pending.push_back((id, stamp));
                sent += 1;
                next += interval;
            }
            text = next_text(&mut ws) => {
                if let Some((id, _)) = ack_of_visitor(&text?)?
                    && let Some(pos) = pending.iter().position(|(p, _)| *p == id)
                    && let Some((_, at)) = pending.remove(pos)
                {
                    acks.saturating_record(micros(clock).saturating_sub(at));
                }
            }
            () = tokio::time::sleep_until(give_up) => break,
        }
    }
    Ok((sent, acks))
}

// ---- P2 ----

#[derive(Default)]
struct P2Counters {
    sent: AtomicU64,
    acked: AtomicU64,
    counted: AtomicU64,
    refused: AtomicU64,
}

async fn p2(args: &BenchArgs, exe: &Path, dir: &BenchDir) -> anyhow::Result<Vec<String>> {
    let n = args.p2_visitors;
    let slot_max = if args.p2_agents > 0 {
        slots_for(n, args.p2_agents)?
    } else {
        3
    };
    let prepared = prepare(dir, args.p2_agents, slot_max).await?;
    let hub = HubChild::start(exe, dir).await?;
    let clock = Instant::now();
    let agent_counters = Arc::new(AgentCounters::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let agents = connect_agents(&hub, &prepared).await?;
    let agent_tasks: Vec<_> = agents
        .into_iter()
        .map(|(id, ws)| {
            tokio::spawn(agent_loop(
                id,
                ws,
                clock,
                agent_counters.clone(),
                stop_rx.clone(),
            ))
        })
        .collect();
    let url = hub.ws_url();
    let visitors = bounded(n, CONNECT_CONCURRENCY, |_| {
        let url = url.clone();
        async move {
            let mut ws = visitor_ws(&url).await?;
            let id = send_visitor_message(&mut ws, "Hello").await?;
            wait_ack(&mut ws, id).await?;
            Ok(ws)
        }
    })
    .await?;
    if args.p2_agents > 0 {
        wait_until(STEP_TIMEOUT, || {
            agent_counters.assigned.load(Ordering::Relaxed) >= n
        })
        .await
        .context("the conversations were not all assigned")?;
    }
    eprintln!(
        "P2: {n} visitors in conversations, {} agents; sending for {} s + {} s",
        args.p2_agents,
        P2_WARMUP.as_secs(),
        args.p2_seconds
    );

    let counters = Arc::new(P2Counters::default());
    let period = Duration::from_secs_f64(1.0 / args.p2_rate);
    let start = Instant::now() + Duration::from_millis(200);
    let window = (
        start + P2_WARMUP,
        start + P2_WARMUP + Duration::from_secs(args.p2_seconds),
    );
    let metrics = (scrape_at(hub.addr, window.0), scrape_at(hub.addr, window.1));
    let tasks: Vec<_> = visitors
        .into_iter()
        .enumerate()
        .map(|(i, ws)| {
            let first = start + period.mul_f64(i as f64 / n as f64);
            tokio::spawn(p2_visitor(
                ws,
                first,
                period,
                args.p2_in_flight,
                window,
                counters.clone(),
                clock,
            ))
        })
        .collect();
    let mut acks = histogram();
    for task in tasks {
        acks.add(&task.await??)?;
    }
    let window_metrics = difference(&metrics.0.await?, &metrics.1.await?);
    let _ = stop_tx.send(true);
    for task in agent_tasks {
        task.await??;
    }
    hub.stop().await;

    let counted = counters.counted.load(Ordering::Relaxed);
    let per_s = counted as f64 / args.p2_seconds as f64;
    let offered = n as f64 * args.p2_rate;
    Ok(vec![
        format!(
            "P2 persisted_messages_per_s={per_s:.0} (goal >=5000) visitors={n} agents={} {}",
            args.p2_agents,
            verdict(per_s >= 5000.0)
        ),
        format!(
            "   offered<={offered:.0}/s in_flight<={} per visitor; ack_ms p50={:.1} p99={:.1}; sent={} acked={} refused={}{}{}",
            args.p2_in_flight,
            ms(acks.value_at_quantile(0.5)),
            ms(acks.value_at_quantile(0.99)),
            counters.sent.load(Ordering::Relaxed),
            counters.acked.load(Ordering::Relaxed),
            counters.refused.load(Ordering::Relaxed),
            commit_summary(&window_metrics),
            load_note(),
        ),
    ])
}

/// One P2 visitor: sends on every tick of `period` while fewer than `in_flight` are
/// unacknowledged, until the window ends; counts the acks that arrive inside the window.
async fn p2_visitor(
    mut ws: Ws,
    first: Instant,
    period: Duration,
    in_flight: usize,
    (from, to): (Instant, Instant),
    counters: Arc<P2Counters>,
    clock: Instant,
) -> anyhow::Result<Histogram<u64>> {
    let mut tick = tokio::time::interval_at(first, period);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut pending: VecDeque<(ClientId, u64)> = VecDeque::new();
    let mut acks = histogram();
    let give_up = to + GRACE;
    loop {
        let now = Instant::now();
        if now >= to && pending.is_empty() {
            break;
        }
        let can_send = now < to && pending.len() < in_flight;
        tokio::select! {
            _ = tick.tick(), if can_send => {
                let stamp = micros(clock);
                let id = send_visitor_message(&mut ws, "p2").await?;
                pending.push_back((id, stamp));
                counters.sent.fetch_add(1, Ordering::Relaxed);
            }
            text = next_text(&mut ws) => {
                let Some((id, ok)) = ack_of_visitor(&text?)? else { continue };
                let Some(pos) = pending.iter().position(|(p, _)| *p == id) else { continue };
                let (_, at) = pending.remove(pos).expect("a position found in the queue");
                if !ok {
                    counters.refused.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                counters.acked.fetch_add(1, Ordering::Relaxed);
                let now = Instant::now();
                if now >= from && now < to {
                    counters.counted.fetch_add(1, Ordering::Relaxed);
                    acks.saturating_record(micros(clock).saturating_sub(at));
                }
            }
            () = tokio::time::sleep_until(give_up) => break,
        }
    }
    Ok(acks)
}

// ---- P3 ----

async fn p3(args: &BenchArgs, exe: &Path, dir: &BenchDir) -> anyhow::Result<Vec<String>> {
    prepare(dir, 0, 3).await?;
    let hub = HubChild::start(exe, dir).await?;
    let pid = hub.pid()?;
    tokio::time::sleep(SETTLE).await;
    let before_kb = rss_kb(pid)?;
    // Each connection costs a descriptor on both sides: stay within both limits.
    let hub_limit = nofile_soft_limit_of(pid)?;
    let hub_fds = open_fds(&format!("/proc/{pid}"))?;
    let own_limit = raise_nofile_limit().0;
    let own_fds = open_fds("/proc/self")?;
    let cap = hub_limit
        .saturating_sub(hub_fds + FD_MARGIN)
        .min(own_limit.saturating_sub(own_fds + FD_MARGIN)) as usize;
    let n = args.p3_connections.min(cap);
    ensure!(n > 0, "RLIMIT_NOFILE leaves no room for connections");
    eprintln!("P3: opening {n} idle visitor connections (hub RSS before: {before_kb} kB)");
    let url = hub.ws_url();
    let opened = Instant::now();
    let conns = bounded(n, CONNECT_CONCURRENCY, |_| visitor_ws(&url)).await?;
    let open_s = opened.elapsed().as_secs_f64();
    tokio::time::sleep(SETTLE).await;
    let after_kb = rss_kb(pid)?;
    let hub_fds_after = open_fds(&format!("/proc/{pid}"))?;
    drop(conns);
    hub.stop().await;

    let kb_per = after_kb.saturating_sub(before_kb) as f64 / n as f64;
    let capped = if n < args.p3_connections {
        format!(
            " (asked {}; capped by RLIMIT_NOFILE: hub soft limit {hub_limit}, bench soft limit {own_limit})",
            args.p3_connections
        )
    } else {
        String::new()
    };
    Ok(vec![
        format!(
            "P3 idle_connections={n} rss_mb={:.0} kb_per_connection={kb_per:.1} (goal <=16) {}{}",
            after_kb as f64 / 1024.0,
            verdict(kb_per <= 16.0),
            if n < args.p3_connections {
                format!(
                    " (per connection; {n} of {} connections: RLIMIT_NOFILE)",
                    args.p3_connections
                )
            } else {
                String::new()
            },
        ),
        format!(
            "   rss_before_mb={:.1} hub_fds={hub_fds_after} opened in {open_s:.1} s ({:.0}/s){capped}{}",
            before_kb as f64 / 1024.0,
            n as f64 / open_s,
            load_note(),
        ),
    ])
}

// ---- P4 ----

async fn p4(args: &BenchArgs, exe: &Path, dir: &BenchDir) -> anyhow::Result<Vec<String>> {
    let (storm, wave) = (args.p4_storm, args.p4_conversations);
    let total = storm + wave;
    let slot_max = slots_for(total, args.p4_agents)?;
    let decisions = {
        let (agents, conversations) = (args.p4_agents, total);
        tokio::task::spawn_blocking(move || engine_decisions(agents, slot_max, conversations))
            .await??
    };
    let prepared = prepare(dir, args.p4_agents, slot_max).await?;
    let hub = HubChild::start(exe, dir).await?;
    let clock = Instant::now();
    let counters = Arc::new(AgentCounters::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let agents = connect_agents(&hub, &prepared).await?;
    let agent_tasks: Vec<_> = agents
        .into_iter()
        .map(|(id, ws)| tokio::spawn(agent_loop(id, ws, clock, counters.clone(), stop_rx.clone())))
        .collect();
    eprintln!(
        "P4: {} agents available ({slot_max} slots each); storm of {storm}",
        prepared.agents.len()
    );
    let url = hub.ws_url();

    // The storm: every first message at the same instant.
    let storm_visitors = bounded(storm, CONNECT_CONCURRENCY, |_| visitor_ws(&url)).await?;
    let (go_tx, go_rx) = watch::channel(false);
    let unlimited = Arc::new(Semaphore::new(storm));
    let storm_tasks = start_visitors(storm_visitors, go_rx, unlimited, clock);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = go_tx.send(true);
    let storm_visitors = join_all(storm_tasks).await?;
    wait_until(STEP_TIMEOUT, || {
        counters.assigned.load(Ordering::Relaxed) >= storm
    })
    .await
    .with_context(|| {
        format!(
            "storm: {} of {storm} assigned",
            counters.assigned.load(Ordering::Relaxed)
        )
    })?;

    // The wave: many new conversations, a bounded number of first messages in flight.
    eprintln!(
        "P4: storm assigned; {wave} more conversations, {} in flight",
        args.p4_in_flight
    );
    let wave_visitors = bounded(wave, CONNECT_CONCURRENCY, |_| visitor_ws(&url)).await?;
    let (go_tx, go_rx) = watch::channel(false);
    let permits = Arc::new(Semaphore::new(args.p4_in_flight));
    let wave_tasks = start_visitors(wave_visitors, go_rx, permits, clock);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = scrape(&hub).await.unwrap_or_default();
    let go_at = micros(clock);
    let _ = go_tx.send(true);
    let wave_visitors = join_all(wave_tasks).await?;
    let all_assigned = wait_until(STEP_TIMEOUT, || {
        counters.assigned.load(Ordering::Relaxed) >= total
    })
    .await;
    let metrics = difference(&before, &scrape(&hub).await.unwrap_or_default());
    let _ = stop_tx.send(true);
    let mut receipts = vec![];
    for task in agent_tasks {
        receipts.extend(task.await??.receipts);
    }
    drop((storm_visitors, wave_visitors));
    hub.stop().await;

    let doubles = double_assignments(&receipts);
    let storm_refs = receipts.iter().filter(|r| r.at < go_at).count();
    let mut assign = histogram();
    let mut last = go_at;
    let mut wave_assigned = 0;
    for r in receipts.iter().filter(|r| r.at >= go_at) {
        wave_assigned += 1;
        last = last.max(r.at);
        if let Some(l) = r.latency {
            assign.saturating_record(l);
        }
    }
    let elapsed_s = (last - go_at) as f64 / 1e6;
    let per_s = if elapsed_s > 0.0 {
        wave_assigned as f64 / elapsed_s
    } else {
        0.0
    };
    let decision_p99 = decisions.value_at_quantile(0.99) as f64 / 1e6;
    all_assigned.with_context(|| format!("{wave_assigned} of {wave} conversations assigned"))?;
    Ok(vec![
        format!(
            "P4 assignments_per_s={per_s:.0} decision_p99_ms={decision_p99:.3} (goal >=1000, p99<=2) double_assignments={doubles} storm={storm_refs}/{storm} {}",
            verdict(per_s >= 1000.0 && decision_p99 <= 2.0 && doubles == 0 && storm_refs == storm)
        ),
        format!(
            "   agents={} conversations={wave_assigned} in {elapsed_s:.2} s; assign_ms p50={:.1} p99={:.1} max={:.1} (first message sent -> conversation_assigned received: queue, routing, durable commit, delivery); decision = routing engine alone, p50={:.3} ms{}{}",
            prepared.agents.len(),
            ms(assign.value_at_quantile(0.5)),
            ms(assign.value_at_quantile(0.99)),
            ms(assign.max()),
            decisions.value_at_quantile(0.5) as f64 / 1e6,
            commit_summary(&metrics),
            load_note(),
        ),
    ])
}

/// Starts one task per visitor: on `go`, takes a permit, sends a stamped first message, waits
/// for its ack. Each task gives its connection back, to keep it open until the end.
fn start_visitors(
    visitors: Vec<Ws>,
    go: watch::Receiver<bool>,
    permits: Arc<Semaphore>,
    clock: Instant,
) -> Vec<tokio::task::JoinHandle<anyhow::Result<Ws>>> {
    visitors
        .into_iter()
        .map(|mut ws| {
            let mut go = go.clone();
            let permits = permits.clone();
            tokio::spawn(async move {
                go.wait_for(|go| *go).await?;
                let _permit = permits.acquire().await?;
                let text = format!("p4 {}", micros(clock));
                let id = send_visitor_message(&mut ws, &text).await?;
                wait_ack(&mut ws, id).await?;
                Ok(ws)
            })
        })
        .collect()
}

async fn join_all<T>(
    tasks: Vec<tokio::task::JoinHandle<anyhow::Result<T>>>,
) -> anyhow::Result<Vec<T>> {
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await??);
    }
    Ok(out)
}

/// The routing engine alone: `agents` agents available, `conversations` new conversations;
/// the time of each `NewConversation` decision and the drain of its outputs, in nanoseconds.
fn engine_decisions(
    agents: usize,
    slot_max: u32,
    conversations: usize,
) -> anyhow::Result<Histogram<u64>> {
    const GROUP_ID: i64 = 1;
    let now = crate::clock::now_ms();
    let mut engine = Engine::new(Settings::default());
    engine.handle(
        now,
        Input::UpsertGroup(GroupConfig {
            id: GROUP_ID,
            hours: None,
        }),
    )?;
    for agent in 1..=agents as AgentId {
        engine.handle(
            now,
            Input::UpsertAgent(AgentConfig {
                id: agent,
                groups: vec![GROUP_ID],
                slot_max,
                channels: vec![Channel::Chat],
            }),
        )?;
        engine.handle(now, Input::AgentConnected { agent })?;
        engine.handle(
            now,
            Input::SetStatus {
                agent,
                channel: Channel::Chat,
                status: ChosenStatus::Available,
            },
        )?;
    }
    while engine.poll_output().is_some() {}
    let mut decisions = Histogram::new_with_bounds(1, 60_000_000_000, 3)?;
    let mut assigned = 0;
    for n in 1..=conversations as i64 {
        let started = std::time::Instant::now();
        engine.handle(
            now + n,
            Input::NewConversation {
                conversation: n,
                group: GROUP_ID,
                channel: Channel::Chat,
            },
        )?;
        while let Some(output) = engine.poll_output() {
            if matches!(output, Output::Assigned { .. }) {
                assigned += 1;
            }
        }
        decisions.saturating_record(started.elapsed().as_nanos() as u64);
    }
    ensure!(
        assigned == conversations,
        "the engine assigned {assigned} of {conversations}"
    );
    Ok(decisions)
}

// ---- agents ----

#[derive(Default)]
struct AgentCounters {
    assigned: AtomicUsize,
    delivered: AtomicU64,
}

/// A conversation that arrived on a desk.
struct Receipt {
    conversation: String,
    agent: AgentId,
    /// Microseconds since the bench clock's origin.
    at: u64,
    /// From the stamped first message, when it carries one.
    latency: Option<u64>,
}

struct AgentStats {
    /// Visitor messages stamped `p1`: send → receipt, in microseconds.
    delivery: Histogram<u64>,
    receipts: Vec<Receipt>,
}

/// Reads an agent's frames until `stop`: counts assignments and stamped deliveries.
async fn agent_loop(
    agent: AgentId,
    mut ws: Ws,
    clock: Instant,
    counters: Arc<AgentCounters>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<AgentStats> {
    let mut stats = AgentStats {
        delivery: histogram(),
        receipts: vec![],
    };
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            text = next_text(&mut ws) => {
                let text = text?;
                if !is_frame(&text, "event") {
                    continue;
                }
                let now = micros(clock);
                let AgentServerFrame::Event { event, .. } = serde_json::from_str(&text)
                    .with_context(|| format!("unexpected frame {text}"))?
                else {
                    continue;
                };
                match event {
                    AgentEvent::ConversationAssigned { conversation, .. } => {
                        counters.assigned.fetch_add(1, Ordering::Relaxed);
                        let stamp = conversation.messages.iter().find_map(|m| stamp_of(m, "p4"));
                        stats.receipts.push(Receipt {
                            conversation: conversation.reference.0,
                            agent,
                            at: now,
                            latency: stamp.map(|s| now.saturating_sub(s)),
                        });
                    }
                    AgentEvent::Message { message } => {
                        if let Some(stamp) = stamp_of(&message, "p1") {
                            stats.delivery.saturating_record(now.saturating_sub(stamp));
                            counters.delivered.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(stats)
}

/// The conversations that arrived on two desks or more (double assignments).
fn double_assignments(receipts: &[Receipt]) -> usize {
    let mut desks: HashMap<&str, HashSet<AgentId>> = HashMap::new();
    for r in receipts {
        desks.entry(&r.conversation).or_default().insert(r.agent);
    }
    desks.values().filter(|a| a.len() > 1).count()
}

/// The microseconds stamped in a visitor's text `"<tag> <micros>"`.
fn stamp_of(message: &Message, tag: &str) -> Option<u64> {
    match (&message.author, &message.body) {
        (Author::Visitor, Body::Text { text }) => {
            text.strip_prefix(tag)?.strip_prefix(' ')?.parse().ok()
        }
        _ => None,
    }
}

struct Prepared {
    keys: Keys,
    project: ProjectId,
    /// `(id, e-mail)`.
    agents: Vec<(AgentId, String)>,
}

/// Creates the project, its group and `agents` agents in the figure's database.
async fn prepare(dir: &BenchDir, agents: usize, slot_max: u32) -> anyhow::Result<Prepared> {
    let db = dir.db();
    tokio::task::spawn_blocking(move || {
        let mut store = SqliteStore::open(&db)?;
        let project = admin::create_project(&mut store, PROJECT, "Bench shop")?;
        let mut settings = store
            .project(project)?
            .context("the project just created")?
            .settings;
        settings.default_slot_max = slot_max;
        admin::set_settings(&mut store, project, &settings)?;
        admin::create_group(&mut store, project, GROUP, None)?;
        let mut list = Vec::with_capacity(agents);
        if agents > 0 {
            // The first through the admin path; the others reuse its password hash (argon2
            // on purpose takes tens of milliseconds).
            let first = admin::create_agent(
                &mut store,
                project,
                NewAgentRequest {
                    email: agent_email(0),
                    name: "Agent 0".into(),
                    password: PASSWORD.into(),
                    role: Role::Agent,
                    slot_max: Some(slot_max),
                    groups: vec![GROUP.into()],
                },
            )?;
            let hash = store
                .agent(first.id)?
                .context("the agent just created")?
                .password_hash;
            list.push((first.id, agent_email(0)));
            for i in 1..agents {
                let id = store.create_agent(&NewAgent {
                    project_id: project,
                    email: agent_email(i),
                    name: format!("Agent {i}"),
                    password_hash: hash.clone(),
                    role: Role::Agent,
                    slot_max,
                    groups: first.groups.clone(),
                })?;
                list.push((id, agent_email(i)));
            }
        }
        let keys = Keys::load_or_create(&mut store)?;
        Ok(Prepared {
            keys,
            project,
            agents: list,
        })
    })
    .await?
}

fn agent_email(i: usize) -> String {
    format!("agent{i}@bench.invalid")
}

/// Slots per agent so that `conversations` fit with a quarter to spare (at most 50).
fn slots_for(conversations: usize, agents: usize) -> anyhow::Result<u32> {
    ensure!(agents > 0, "at least one agent");
    ensure!(
        conversations <= agents * 50,
        "{conversations} conversations do not fit on {agents} agents of at most 50 slots"
    );
    Ok((conversations * 5).div_ceil(agents * 4).clamp(1, 50) as u32)
}

/// Connects every prepared agent and makes it available. The first logs in over HTTP.
async fn connect_agents(hub: &HubChild, p: &Prepared) -> anyhow::Result<Vec<(AgentId, Ws)>> {
    let tokens = agent_tokens(hub, p).await?;
    let url = hub.ws_url();
    bounded(tokens.len(), CONNECT_CONCURRENCY, |i| {
        let (id, token) = tokens[i].clone();
        let url = url.clone();
        async move { Ok((id, agent_ws(&url, &token).await?)) }
    })
    .await
}

/// An access token for every prepared agent: the first's from logging in over HTTP (which
/// checks that hub and bench agree on the key), the others signed here.
async fn agent_tokens(hub: &HubChild, p: &Prepared) -> anyhow::Result<Vec<(AgentId, String)>> {
    let Some((first_id, first_email)) = p.agents.first() else {
        return Ok(vec![]);
    };
    let session = crate::client::login(&hub.http_url(), first_email, PASSWORD).await?;
    ensure!(
        session.agent_id == *first_id,
        "login answered agent {} for {first_email}",
        session.agent_id
    );
    let exp = crate::clock::now_ms() + ACCESS_TTL;
    let mut tokens = vec![(*first_id, session.access_token)];
    for (id, _) in &p.agents[1..] {
        let token = p.keys.sign(&Claims::Access {
            agent: *id,
            project: p.project,
            role: Role::Agent,
            exp,
        });
        tokens.push((*id, token));
    }
    Ok(tokens)
}

// ---- WebSocket helpers ----

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The next source address of the bench's connections: loopback addresses taken in turn. Real
/// clients come from many addresses; from one, each connect searches the 28,000 ephemeral
/// ports (shared with the previous storm's TIME_WAIT) for a free one, and at 20,000
/// connections that search, not the hub, was most of a storm's time.
fn next_source() -> std::net::IpAddr {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::net::Ipv4Addr::new(127, 0, 0, 2 + (n % 250) as u8).into()
}

async fn open_ws(url: &str) -> anyhow::Result<Ws> {
    let config = WebSocketConfig::default().read_buffer_size(CLIENT_READ_BUFFER);
    let addr: SocketAddr = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .and_then(|host| host.parse().ok())
        .with_context(|| format!("{url} is not ws://<ip>:<port>/…"))?;
    tokio::time::timeout(STEP_TIMEOUT, async {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        if addr.ip().is_loopback() && addr.is_ipv4() {
            socket.bind(SocketAddr::new(next_source(), 0))?;
        }
        let stream = socket.connect(addr).await?;
        stream.set_nodelay(true)?;
        let (ws, _) = tokio_tungstenite::client_async_with_config(
            url,
            MaybeTlsStream::Plain(stream),
            Some(config),
        )
        .await?;
        anyhow::Ok(ws)
    })
    .await
    .with_context(|| format!("connecting to {url}: timed out"))?
    .with_context(|| format!("connecting to {url}"))
}

async fn send_frame(ws: &mut Ws, frame: &impl serde::Serialize) -> anyhow::Result<()> {
    ws.send(WsMessage::text(serde_json::to_string(frame)?))
        .await?;
    Ok(())
}

/// The next text frame (pings and pongs skipped); `Err` when the connection ended.
async fn next_text(ws: &mut Ws) -> anyhow::Result<String> {
    loop {
        match ws.next().await {
            Some(Ok(WsMessage::Text(text))) => return Ok(text.as_str().to_owned()),
            Some(Ok(WsMessage::Close(reason))) => bail!("closed by the hub: {reason:?}"),
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.into()),
            None => bail!("connection ended"),
        }
    }
}

/// Whether a hub frame has this `type`; the hub writes the tag first.
fn is_frame(text: &str, kind: &str) -> bool {
    text.strip_prefix(r#"{"type":""#)
        .and_then(|rest| rest.strip_prefix(kind))
        .is_some_and(|rest| rest.starts_with('"'))
}

/// An `ack` (`true`) or an `error` (`false`) naming a client id; `None` for other frames.
fn ack_of_visitor(text: &str) -> anyhow::Result<Option<(ClientId, bool)>> {
    if !is_frame(text, "ack") && !is_frame(text, "error") {
        return Ok(None);
    }
    Ok(
        match serde_json::from_str(text).with_context(|| format!("unexpected frame {text}"))? {
            VisitorServerFrame::Ack { client_id } => Some((client_id, true)),
            VisitorServerFrame::Error(e) => e.client_id.map(|id| (id, false)),
            _ => None,
        },
    )
}

async fn expect_welcome(ws: &mut Ws) -> anyhow::Result<()> {
    read_welcome(ws).await.map(drop)
}

/// The welcome, as JSON; any other first frame fails.
async fn read_welcome(ws: &mut Ws) -> anyhow::Result<serde_json::Value> {
    let text = tokio::time::timeout(STEP_TIMEOUT, next_text(ws))
        .await
        .context("no welcome in time")??;
    ensure!(is_frame(&text, "welcome"), "no welcome: {text}");
    Ok(serde_json::from_str(&text)?)
}

/// Waits for the ack of `id`, skipping other frames; an error for it fails.
async fn wait_ack(ws: &mut Ws, id: ClientId) -> anyhow::Result<()> {
    tokio::time::timeout(STEP_TIMEOUT, async {
        loop {
            let text = next_text(ws).await?;
            if !is_frame(&text, "ack") && !is_frame(&text, "error") {
                continue;
            }
            let value: serde_json::Value = serde_json::from_str(&text)?;
            if value.get("client_id").and_then(|c| c.as_str()) == Some(id.to_string().as_str()) {
                ensure!(is_frame(&text, "ack"), "refused: {text}");
                return Ok(());
            }
        }
    })
    .await
    .context("no ack in time")?
}

async fn visitor_ws(base: &str) -> anyhow::Result<Ws> {
    visitor_ws_to(base, PROJECT).await
}

/// A new visitor of `project`, welcomed.
async fn visitor_ws_to(base: &str, project: &str) -> anyhow::Result<Ws> {
    let mut ws = open_ws(&format!("{base}/ws/visitor")).await?;
    send_frame(
        &mut ws,
        &VisitorClientFrame::Hello {
            version: PROTOCOL_VERSION,
            project: project.into(),
            token: None,
            last_seq: None::<Seq>,
            language: None,
            page: None,
        },
    )
    .await?;
    expect_welcome(&mut ws).await?;
    Ok(ws)
}

async fn send_visitor_message(ws: &mut Ws, text: &str) -> anyhow::Result<ClientId> {
    let client_id = uuid::Uuid::now_v7();
    send_frame(
        ws,
        &VisitorClientFrame::SendMessage {
            client_id,
            text: text.into(),
        },
    )
    .await?;
    Ok(client_id)
}

/// An agent connected with `token` and available on chat.
async fn agent_ws(base: &str, token: &str) -> anyhow::Result<Ws> {
    let mut ws = open_ws(&format!("{base}/ws/agent")).await?;
    send_frame(
        &mut ws,
        &AgentClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token: token.into(),
            last_seq: None,
        },
    )
    .await?;
    expect_welcome(&mut ws).await?;
    let id = uuid::Uuid::now_v7();
    send_frame(
        &mut ws,
        &AgentClientFrame::SetStatus {
            client_id: id,
            channel: Channel::Chat,
            status: ChosenStatus::Available,
        },
    )
    .await?;
    wait_ack(&mut ws, id).await?;
    Ok(ws)
}

/// Raises this process's soft `RLIMIT_NOFILE` to its hard limit (children inherit it).
/// Returns `(soft, hard)` after the attempt.
fn raise_nofile_limit() -> (u64, u64) {
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    rlimit::Resource::NOFILE.get().unwrap_or((0, 0))
}

/// The soft "Max open files" of a process.
fn nofile_soft_limit_of(pid: u32) -> anyhow::Result<u64> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits"))?;
    limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|soft| soft.parse().ok())
        .context("no \"Max open files\" in /proc/<pid>/limits")
}

fn open_fds(proc_dir: &str) -> anyhow::Result<u64> {
    Ok(std::fs::read_dir(format!("{proc_dir}/fd"))
        .with_context(|| format!("reading {proc_dir}/fd (P3 needs Linux /proc)"))?
        .count() as u64)
}

/// The resident set of a process, in kB (`VmRSS` of `/proc/<pid>/status`).
fn rss_kb(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .context("reading /proc/<pid>/status (P3 needs Linux /proc)")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
        .context("no VmRSS in /proc/<pid>/status")
}

/// The hub's `/metrics`, unlabelled series only: name → value.
async fn scrape(hub: &HubChild) -> anyhow::Result<HashMap<String, f64>> {
    scrape_addr(hub.addr).await
}

async fn scrape_addr(addr: SocketAddr) -> anyhow::Result<HashMap<String, f64>> {
    let text = reqwest::Client::new()
        .get(format!("http://{addr}/metrics"))
        .timeout(Duration::from_secs(5))
        .send()
        .await?
        .text()
        .await?;
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect())
}

/// Scrapes `/metrics` at `at` (empty when it fails).
fn scrape_at(addr: SocketAddr, at: Instant) -> Scrape {
    tokio::spawn(async move {
        tokio::time::sleep_until(at).await;
        scrape_addr(addr).await.unwrap_or_default()
    })
}

/// `after - before`, series by series.
fn difference(before: &HashMap<String, f64>, after: &HashMap<String, f64>) -> HashMap<String, f64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0.0)))
        .collect()
}

/// The 1-minute load average, from `/proc/loadavg`.
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn load_note() -> String {
    load_average()
        .and_then(|l| {
            l.split_whitespace()
                .next()
                .map(|one| format!("; load {one}"))
        })
        .unwrap_or_default()
}

/// Commits, messages per commit and mean commit time from (a difference of) `/metrics`.
fn commit_summary(m: &HashMap<String, f64>) -> String {
    let commits = m
        .get("pupitre_commit_seconds_count")
        .copied()
        .unwrap_or(0.0);
    if commits <= 0.0 {
        return String::new();
    }
    let seconds = m.get("pupitre_commit_seconds_sum").copied().unwrap_or(0.0);
    let messages = m.get("pupitre_messages_total").copied().unwrap_or(0.0);
    format!(
        "; hub: {commits:.0} commits, {:.1} messages/commit, commit mean {:.2} ms",
        messages / commits,
        seconds / commits * 1000.0
    )
}

// ---- small tools ----

/// Runs `f(0..n)` with at most `concurrency` at once, in order; the first error stops.
async fn bounded<T, F, Fut>(n: usize, concurrency: usize, f: F) -> anyhow::Result<Vec<T>>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    futures_util::stream::iter(0..n)
        .map(f)
        .buffered(concurrency)
        .try_collect()
        .await
}

/// Polls `done` every 10 ms until it holds or `limit` passes.
async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    while !done() {
        ensure!(Instant::now() < deadline, "not done after {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// Microseconds, up to a minute, three significant figures.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

fn micros(clock: Instant) -> u64 {
    clock.elapsed().as_micros() as u64
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

fn verdict(met: bool) -> &'static str {
    if met { "[met]" } else { "[MISSED]" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_told_apart_by_their_leading_tag() {
        assert!(is_frame(r#"{"type":"ack","client_id":"x"}"#, "ack"));
        assert!(!is_frame(r#"{"type":"ack_later"}"#, "ack"));
        assert!(!is_frame(r#"{"type":"event","seq":1}"#, "ack"));
        assert!(!is_frame("garbage", "ack"));
    }

    #[test]
    fn stamps_come_only_from_visitor_text() {
        let mut m = Message {
            id: 1,
            conversation: pupitre_protocol::ConversationRef::new(PROJECT, 1),
            client_id: None,
            author: Author::Visitor,
            body: Body::Text {
                text: "p1 1234".into(),
            },
            at: 0,
        };
        assert_eq!(stamp_of(&m, "p1"), Some(1234));
        assert_eq!(stamp_of(&m, "p4"), None);
        m.author = Author::System;
        assert_eq!(stamp_of(&m, "p1"), None);
    }

    #[test]
    fn slots_fit_the_conversations_with_room_to_spare() {
        assert_eq!(slots_for(2_000, 100).unwrap(), 25);
        assert_eq!(slots_for(5_100, 500).unwrap(), 13);
        assert_eq!(slots_for(1, 10).unwrap(), 1);
        assert!(slots_for(5_001, 100).is_err());
    }

    #[test]
    fn the_engine_decides_every_conversation() {
        let decisions = engine_decisions(10, 5, 40).unwrap();
        assert_eq!(decisions.len(), 40);
    }
}
