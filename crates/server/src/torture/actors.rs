//! The harness's clients: independent WebSocket clients that behave as the real ones do
//! (R12): every frame that changes something carries a client id and stays pending until its
//! ack; a refusal the contract asks to send again (`rate_limited`, `internal`) is sent again;
//! after a reconnect the pending frames are sent again, in order; the resume point is the
//! welcome's `seq`, then each event's. Each keeps a log of what it sent and saw, for the
//! checker ([`super::check`]).
//!
//! Scripts are random but seeded: each client draws from its own generator seeded with the
//! run's seed and its index.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pupitre_protocol::agent::{
    AgentClientFrame, AgentEvent, AgentServerFrame, ConversationView, TransferTarget,
};
use pupitre_protocol::visitor::{VisitorClientFrame, VisitorEvent, VisitorServerFrame};
use pupitre_protocol::{
    AgentId, Author, Body, Channel, ChosenStatus, ClientId, ErrorCode, ErrorFrame, GroupId, Seq,
};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::client::{AgentConn, VisitorConn};

/// Longest wait for a connection and its welcome.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How often a client looks at its script.
const TICK: Duration = Duration::from_millis(50);
/// A frame refused with a code that asks to send it again is sent again after this.
const RESEND_AFTER: Duration = Duration::from_millis(250);
/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_millis(1_000);

/// Where the run is: clients act, then only finish what is pending, then stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Run,
    Drain,
    Stop,
}

/// What the clients share: where the hub is, the phase, and how many finished draining.
pub struct Stage {
    /// The hubs' addresses (`http://…`): one, or the nodes of a cluster. A client's n-th
    /// connection goes to the n-th (its index first), so that every node is reached.
    pub hubs: Vec<String>,
    pub phase: watch::Receiver<Phase>,
    pub drained: Arc<AtomicUsize>,
    pub seed: u64,
}

impl Stage {
    /// The hub a client's `n`-th connection goes to.
    pub fn hub(&self, n: usize) -> &str {
        &self.hubs[n % self.hubs.len()]
    }
}

/// One connection's life as its client saw it.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// The `last_seq` the hello carried.
    pub hello: Option<Seq>,
    /// The welcome's `seq`.
    pub welcome: Seq,
    /// The welcome carried a snapshot (desk or history): the client replaced its state.
    pub snapshot: bool,
    /// Every event's `seq`, in the order received.
    pub events: Vec<Seq>,
}

/// What a frame with a client id was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// A text message (either side), with its text.
    Text(String),
    /// Any other change (status, snooze, transfer, close).
    Change(&'static str),
}

/// Everything one client did and saw.
#[derive(Debug, Clone, Default)]
pub struct ActorLog {
    pub name: String,
    /// `a:<id>` or `v:<id>`; empty for a visitor that never got a welcome.
    pub stream: String,
    pub sessions: Vec<Session>,
    pub sent: BTreeMap<ClientId, Sent>,
    pub acked: BTreeMap<ClientId, usize>,
    /// Refused for good, with the code.
    pub refused: BTreeMap<ClientId, ErrorCode>,
    /// Frames sent again (after a reconnect or a retryable refusal).
    pub resends: usize,
    /// Frames the hub refused with a code that asks to send them again.
    pub retried: usize,
    pub connects: usize,
    /// Sockets this client cut on purpose.
    pub cuts: usize,
    /// Transfers sent with `anyway` (the slot check may be overridden by them).
    pub anyway: usize,
    /// From each connection lost without the client meaning it (a kill, a takeover, a relay
    /// ended) to the next welcome.
    pub reconnects: Vec<Duration>,
}

impl ActorLog {
    fn session(&mut self) -> &mut Session {
        self.sessions
            .last_mut()
            .expect("a session starts at the welcome")
    }
}

/// The frames a client has sent and not seen answered.
struct Pending<F> {
    frames: BTreeMap<ClientId, F>,
    /// Retryable refusals: sent again at this instant.
    retry: Vec<(Instant, ClientId)>,
}

impl<F: Clone> Pending<F> {
    fn new() -> Self {
        Self {
            frames: BTreeMap::new(),
            retry: vec![],
        }
    }

    /// An ack or an error naming `id`. `true` when the client should send it again later.
    fn answer(&mut self, log: &mut ActorLog, id: ClientId, error: Option<&ErrorFrame>) {
        match error {
            None => {
                *log.acked.entry(id).or_default() += 1;
                self.frames.remove(&id);
            }
            Some(e) if matches!(e.code, ErrorCode::RateLimited | ErrorCode::Internal) => {
                log.retried += 1;
                if self.frames.contains_key(&id) {
                    self.retry.push((Instant::now() + RESEND_AFTER, id));
                }
            }
            Some(e) => {
                log.refused.insert(id, e.code);
                self.frames.remove(&id);
            }
        }
    }

    /// Frames whose retry time came.
    fn due(&mut self) -> Vec<F> {
        let now = Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = self.retry.drain(..).partition(|(at, _)| *at <= now);
        self.retry = later;
        due.into_iter()
            .filter_map(|(_, id)| self.frames.get(&id).cloned())
            .collect()
    }
}

fn backoff(rng: &mut StdRng, attempt: u32) -> Duration {
    Duration::from_millis(50)
        .saturating_mul(1 << attempt.min(5))
        .min(MAX_BACKOFF)
        .mul_f64(rng.random_range(0.5..1.0))
}

fn millis(rng: &mut StdRng, from: u64, to: u64) -> Duration {
    Duration::from_millis(rng.random_range(from..to))
}

// ---- agents ----

/// Who an agent is and what it may do.
#[derive(Debug, Clone)]
pub struct AgentSpec {
    pub index: usize,
    pub id: AgentId,
    pub token: String,
    pub colleagues: Vec<AgentId>,
    pub group: GroupId,
    pub conversation_types: Vec<String>,
}

/// An agent: available; answers each visitor message after a random delay (sometimes longer
/// than the auto-transfer time, R10), and sometimes snoozes (R5), transfers to a colleague
/// (`anyway` half the time) or to the group (R6), or closes with a type (R9); sometimes cuts
/// its socket, sometimes goes unavailable for a moment (R3).
pub async fn agent(spec: AgentSpec, stage: Arc<Stage>) -> ActorLog {
    let mut rng = StdRng::seed_from_u64(stage.seed ^ (0xa6e7 + spec.index as u64));
    let mut log = ActorLog {
        name: format!("agent {}", spec.index),
        stream: format!("a:{}", spec.id),
        ..Default::default()
    };
    let mut pending = Pending::<AgentClientFrame>::new();
    // Conversations on the desk → when this agent acts on it next (None: nothing to answer).
    let mut desk: BTreeMap<String, Option<Instant>> = BTreeMap::new();
    let mut last_seq: Option<Seq> = None;
    let mut counter = 0u64;
    let mut status_sent = false;
    let mut drained = false;
    let mut quiet = false;
    let mut back_at: Option<Instant> = None;
    let mut attempt = 0;
    let mut lost_at: Option<Instant> = None;
    let mut phase = stage.phase.clone();
    'connections: loop {
        if *phase.borrow() == Phase::Stop {
            break;
        }
        let connected = tokio::time::timeout(
            CONNECT_TIMEOUT,
            AgentConn::connect(
                stage.hub(spec.index + log.connects + attempt as usize),
                &spec.token,
                last_seq,
            ),
        )
        .await;
        let (mut conn, welcome) = match connected {
            Ok(Ok(c)) => c,
            _ => {
                tokio::time::sleep(backoff(&mut rng, attempt)).await;
                attempt += 1;
                continue;
            }
        };
        attempt = 0;
        log.connects += 1;
        let AgentServerFrame::Welcome {
            seq,
            desk: snapshot,
            ..
        } = welcome
        else {
            conn.close().await;
            continue;
        };
        if let Some(at) = lost_at.take() {
            log.reconnects.push(at.elapsed());
        }
        log.sessions.push(Session {
            hello: last_seq,
            welcome: seq,
            snapshot: snapshot.is_some(),
            events: vec![],
        });
        last_seq = Some(seq);
        if let Some(snapshot) = snapshot {
            desk = snapshot
                .conversations
                .iter()
                .map(|c| (c.reference.0.clone(), answer_due(&mut rng, c)))
                .collect();
        }
        if !status_sent {
            status_sent = true;
            let frame = AgentClientFrame::SetStatus {
                client_id: uuid::Uuid::now_v7(),
                channel: Channel::Chat,
                status: ChosenStatus::Available,
            };
            track(&mut log, &mut pending, &frame, Sent::Change("set_status"));
        }
        // Everything not acknowledged goes again, in the order it was made (ids are UUIDv7).
        let again: Vec<_> = pending.frames.values().cloned().collect();
        log.resends += again.len();
        for frame in &again {
            if conn.send(frame).await.is_err() {
                lost_at.get_or_insert_with(Instant::now);
                continue 'connections;
            }
        }
        let mut tick = tokio::time::interval(TICK);
        loop {
            tokio::select! {
                frame = conn.recv() => {
                    let Ok(frame) = frame else {
                        lost_at = Some(Instant::now());
                        break;
                    };
                    match frame {
                        AgentServerFrame::Event { seq, event } => {
                            log.session().events.push(seq);
                            last_seq = Some(seq);
                            match event {
                                AgentEvent::ConversationAssigned { conversation, .. } => {
                                    let due = answer_due(&mut rng, &conversation);
                                    desk.insert(conversation.reference.0, due);
                                }
                                AgentEvent::ConversationRemoved { conversation, .. } => {
                                    desk.remove(&conversation.0);
                                }
                                AgentEvent::Message { message } if message.author == Author::Visitor => {
                                    if let Some(due) = desk.get_mut(&message.conversation.0) {
                                        due.get_or_insert_with(|| Instant::now() + millis(&mut rng, 200, 6_000));
                                    }
                                }
                                _ => {}
                            }
                        }
                        AgentServerFrame::Ack { client_id } => pending.answer(&mut log, client_id, None),
                        AgentServerFrame::Error(e) => {
                            if let Some(id) = e.client_id {
                                pending.answer(&mut log, id, Some(&e));
                            }
                        }
                        _ => {}
                    }
                }
                _ = tick.tick() => {
                    let now_phase = *phase.borrow_and_update();
                    if now_phase == Phase::Stop {
                        conn.close().await;
                        break 'connections;
                    }
                    let mut out: Vec<AgentClientFrame> = pending.due();
                    log.resends += out.len();
                    if now_phase == Phase::Drain {
                        // Unavailable, so that no timer moves conversations to it any more
                        // (R10 auto-transfer needs an agent with room): the run goes quiet.
                        if !quiet {
                            quiet = true;
                            out.push(track(&mut log, &mut pending, &AgentClientFrame::SetStatus {
                                client_id: uuid::Uuid::now_v7(),
                                channel: Channel::Chat,
                                status: ChosenStatus::Unavailable,
                            }, Sent::Change("set_status")));
                        } else if !drained && pending.frames.is_empty() {
                            drained = true;
                            stage.drained.fetch_add(1, Ordering::SeqCst);
                        }
                    } else {
                        let now = Instant::now();
                        if back_at.is_some_and(|at| at <= now) {
                            back_at = None;
                            out.push(track(&mut log, &mut pending, &AgentClientFrame::SetStatus {
                                client_id: uuid::Uuid::now_v7(),
                                channel: Channel::Chat,
                                status: ChosenStatus::Available,
                            }, Sent::Change("set_status")));
                        }
                        let due: Vec<String> = desk.iter().filter(|(_, d)| d.is_some_and(|d| d <= now)).map(|(r, _)| r.clone()).collect();
                        for reference in due {
                            desk.insert(reference.clone(), None);
                            counter += 1;
                            let frame = agent_action(&mut rng, &spec, &reference, counter, &mut log);
                            let kind = match &frame {
                                AgentClientFrame::SendMessage { text, .. } => Sent::Text(text.clone()),
                                AgentClientFrame::Snooze { .. } => Sent::Change("snooze"),
                                AgentClientFrame::Transfer { .. } => Sent::Change("transfer"),
                                _ => Sent::Change("close"),
                            };
                            out.push(track(&mut log, &mut pending, &frame, kind));
                        }
                        if back_at.is_none() && rng.random_bool(0.002) {
                            back_at = Some(now + millis(&mut rng, 500, 2_500));
                            out.push(track(&mut log, &mut pending, &AgentClientFrame::SetStatus {
                                client_id: uuid::Uuid::now_v7(),
                                channel: Channel::Chat,
                                status: ChosenStatus::Optional("On the phone".into()),
                            }, Sent::Change("set_status")));
                        }
                        if rng.random_bool(0.002) {
                            // Cut the socket (no close frame), come back a moment later.
                            log.cuts += 1;
                            drop(conn);
                            tokio::time::sleep(millis(&mut rng, 0, 1_500)).await;
                            continue 'connections;
                        }
                    }
                    for frame in &out {
                        if conn.send(frame).await.is_err() {
                            lost_at.get_or_insert_with(Instant::now);
                            continue 'connections;
                        }
                    }
                }
            }
        }
        tokio::time::sleep(backoff(&mut rng, attempt)).await;
    }
    if !drained {
        stage.drained.fetch_add(1, Ordering::SeqCst);
    }
    log
}

/// When an agent answers a conversation that reaches its desk: soon if the visitor waits.
fn answer_due(rng: &mut StdRng, view: &ConversationView) -> Option<Instant> {
    view.waiting_since
        .map(|_| Instant::now() + millis(rng, 200, 6_000))
}

fn agent_action(
    rng: &mut StdRng,
    spec: &AgentSpec,
    reference: &str,
    counter: u64,
    log: &mut ActorLog,
) -> AgentClientFrame {
    let conversation = pupitre_protocol::ConversationRef(reference.to_owned());
    let client_id = uuid::Uuid::now_v7();
    let roll = rng.random_range(0..100);
    match roll {
        0..=59 => AgentClientFrame::SendMessage {
            client_id,
            conversation,
            text: format!("agent{}-{counter}", spec.index),
        },
        60..=65 => AgentClientFrame::Snooze {
            client_id,
            conversation,
            until: crate::clock::now_ms() + rng.random_range(500..3_000),
            keep: rng.random_bool(0.5),
        },
        66..=72 if !spec.colleagues.is_empty() => {
            let id = spec.colleagues[rng.random_range(0..spec.colleagues.len())];
            let anyway = rng.random_bool(0.5);
            if anyway {
                log.anyway += 1;
            }
            AgentClientFrame::Transfer {
                client_id,
                conversation,
                to: TransferTarget::Agent { id },
                comment: rng
                    .random_bool(0.5)
                    .then(|| format!("from agent{} #{counter}", spec.index)),
                anyway,
            }
        }
        73..=75 => AgentClientFrame::Transfer {
            client_id,
            conversation,
            to: TransferTarget::Group { id: spec.group },
            comment: None,
            anyway: false,
        },
        _ => AgentClientFrame::Close {
            client_id,
            conversation,
            conversation_type: spec
                .conversation_types
                .get(rng.random_range(0..spec.conversation_types.len().max(1)))
                .cloned(),
        },
    }
}

/// Logs a new frame and keeps it pending until its ack; returns it to send.
fn track<F: Clone + ClientIdOf>(
    log: &mut ActorLog,
    pending: &mut Pending<F>,
    frame: &F,
    kind: Sent,
) -> F {
    let id = frame.id();
    log.sent.insert(id, kind);
    pending.frames.insert(id, frame.clone());
    frame.clone()
}

trait ClientIdOf {
    fn id(&self) -> ClientId;
}

impl ClientIdOf for AgentClientFrame {
    fn id(&self) -> ClientId {
        self.client_id()
            .expect("the harness tracks frames with a client id")
    }
}

impl ClientIdOf for VisitorClientFrame {
    fn id(&self) -> ClientId {
        self.client_id()
            .expect("the harness tracks frames with a client id")
    }
}

// ---- visitors ----

/// A visitor: writes messages at random moments, types drafts, cuts its socket now and then
/// and sometimes stays away for a few seconds (R10 presence), writes again after a close
/// (R9 reopen), as long as the run lasts.
pub async fn visitor(index: usize, stage: Arc<Stage>) -> ActorLog {
    let mut rng = StdRng::seed_from_u64(stage.seed ^ (0x5e7 + ((index as u64) << 20)));
    let mut log = ActorLog {
        name: format!("visitor {index}"),
        ..Default::default()
    };
    let mut pending = Pending::<VisitorClientFrame>::new();
    let mut token: Option<String> = None;
    let mut last_seq: Option<Seq> = None;
    let mut counter = 0u64;
    let mut drained = false;
    let mut attempt = 0;
    let mut lost_at: Option<Instant> = None;
    let mut phase = stage.phase.clone();
    // Visitors arrive over the first seconds, not all at once.
    tokio::time::sleep(millis(&mut rng, 0, 3_000)).await;
    'connections: loop {
        if *phase.borrow() == Phase::Stop {
            break;
        }
        let connected = tokio::time::timeout(
            CONNECT_TIMEOUT,
            VisitorConn::connect(
                stage.hub(index + log.connects + attempt as usize),
                "TORTURE",
                token.clone(),
                last_seq,
            ),
        )
        .await;
        let (mut conn, welcome) = match connected {
            Ok(Ok(c)) => c,
            _ => {
                tokio::time::sleep(backoff(&mut rng, attempt)).await;
                attempt += 1;
                continue;
            }
        };
        attempt = 0;
        log.connects += 1;
        let VisitorServerFrame::Welcome {
            token: t,
            visitor_id,
            seq,
            history,
            ..
        } = welcome
        else {
            conn.close().await;
            continue;
        };
        if let Some(at) = lost_at.take() {
            log.reconnects.push(at.elapsed());
        }
        token = Some(t);
        log.stream = format!("v:{visitor_id}");
        log.sessions.push(Session {
            hello: last_seq,
            welcome: seq,
            snapshot: history.is_some(),
            events: vec![],
        });
        last_seq = Some(seq);
        let again: Vec<_> = pending.frames.values().cloned().collect();
        log.resends += again.len();
        for frame in &again {
            if conn.send(frame).await.is_err() {
                lost_at.get_or_insert_with(Instant::now);
                continue 'connections;
            }
        }
        let mut next = Instant::now() + millis(&mut rng, 100, 2_500);
        let mut tick = tokio::time::interval(TICK);
        loop {
            tokio::select! {
                frame = conn.recv() => {
                    let Ok(frame) = frame else {
                        lost_at = Some(Instant::now());
                        break;
                    };
                    match frame {
                        VisitorServerFrame::Event { seq, event } => {
                            log.session().events.push(seq);
                            last_seq = Some(seq);
                            if let VisitorEvent::Message { message } = &event
                                && matches!(message.body, Body::Text { .. })
                                && rng.random_bool(0.3)
                            {
                                next = next.min(Instant::now() + millis(&mut rng, 100, 1_000));
                            }
                        }
                        VisitorServerFrame::Ack { client_id } => pending.answer(&mut log, client_id, None),
                        VisitorServerFrame::Error(e) => {
                            if let Some(id) = e.client_id {
                                pending.answer(&mut log, id, Some(&e));
                            }
                        }
                        _ => {}
                    }
                }
                _ = tick.tick() => {
                    let now_phase = *phase.borrow_and_update();
                    if now_phase == Phase::Stop {
                        conn.close().await;
                        break 'connections;
                    }
                    let mut out = pending.due();
                    log.resends += out.len();
                    if now_phase == Phase::Drain {
                        if !drained && pending.frames.is_empty() {
                            drained = true;
                            stage.drained.fetch_add(1, Ordering::SeqCst);
                        }
                    } else if Instant::now() >= next {
                        next = Instant::now() + millis(&mut rng, 200, 2_000);
                        match rng.random_range(0..100) {
                            0..=64 => {
                                counter += 1;
                                let text = format!("visitor{index}-{counter}");
                                let frame = VisitorClientFrame::SendMessage {
                                    client_id: uuid::Uuid::now_v7(),
                                    text: text.clone(),
                                };
                                out.push(track(&mut log, &mut pending, &frame, Sent::Text(text)));
                                // Sometimes a second one right behind it: two frames of one
                                // visitor in one commit batch.
                                if rng.random_bool(0.5) {
                                    counter += 1;
                                    let text = format!("visitor{index}-{counter}");
                                    let frame = VisitorClientFrame::SendMessage {
                                        client_id: uuid::Uuid::now_v7(),
                                        text: text.clone(),
                                    };
                                    out.push(track(&mut log, &mut pending, &frame, Sent::Text(text)));
                                }
                            }
                            65..=84 => out.push(VisitorClientFrame::Draft {
                                text: format!("visitor{index} typing"),
                            }),
                            85..=91 => {
                                log.cuts += 1;
                                drop(conn);
                                tokio::time::sleep(millis(&mut rng, 0, 1_000)).await;
                                continue 'connections;
                            }
                            92..=94 => {
                                // Away for a while: the agent sees the visitor offline.
                                log.cuts += 1;
                                conn.close().await;
                                tokio::time::sleep(millis(&mut rng, 2_000, 6_000)).await;
                                continue 'connections;
                            }
                            _ => {}
                        }
                    }
                    for frame in &out {
                        if conn.send(frame).await.is_err() {
                            lost_at.get_or_insert_with(Instant::now);
                            continue 'connections;
                        }
                    }
                }
            }
        }
        tokio::time::sleep(backoff(&mut rng, attempt)).await;
    }
    if !drained {
        stage.drained.fetch_add(1, Ordering::SeqCst);
    }
    log
}
