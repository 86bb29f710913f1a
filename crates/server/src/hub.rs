//! The project writer: one thread per project owns its routing [`Engine`] and a store
//! connection, so routing has exactly one writer (DESIGN.md §5).
//!
//! Loop: wait for a [`Command`] or the engine's next deadline; take up to [`MAX_BATCH`] waiting
//! commands; apply each (engine input, messages, events, all as data in a [`Batch`]); commit the
//! batch in one transaction; only then deliver the events and the acks (R12: an ack means
//! durable). A failed commit answers `internal` to every frame of the batch and rebuilds the
//! engine from the store, so memory never runs ahead of the disk.
//!
//! Each event gets the project's next `seq` and goes to one stream (`a:<agent>` or
//! `v:<visitor>`). A connection registers here, in the writer, after its missed events were
//! read: nothing can slip between the replay and the live feed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use pupitre_protocol::agent::CardField;
use pupitre_protocol::agent::{
    AgentClientFrame, AgentEvent, AgentProfile, AgentServerFrame, AssignCause as WireAssignCause,
    ConversationView, DeskSnapshot, GroupInfo, RemoveCause, TransferTarget, VisitorCard,
};
use pupitre_protocol::visitor::{
    AgentCard, Page, VisitorClientFrame, VisitorConversation, VisitorEvent, VisitorServerFrame,
};
use pupitre_protocol::{
    AgentId, Author, Body, Channel, ChannelStatus, ChosenStatus, ClientId, ConversationRef,
    ConversationState as WireState, ErrorCode, ErrorFrame, FileInfo, MAX_MESSAGE_CHARS, Message,
    Millis, Offer, PROTOCOL_VERSION, SentenceKind, Seq, ThreadEvent,
};
use pupitre_routing::io::{AssignCause, CloseCause, TransferTo, UnassignCause};
use pupitre_routing::{
    AgentConfig, AgentRecord, ConversationState, Engine, GroupConfig, Input, Output, RoutingError,
};
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::mail::Mailer;
use crate::store::{
    AgentRow, AgentRuntime, Batch, ConversationRow, FileRow, GroupRow, ProjectId, ProjectRow,
    Store, StoreError, StoredMessage, VisitorRow,
};

/// Commands applied in one transaction at most. Bounds the latency of the first frame of a
/// batch while letting a burst share one fsync.
pub const MAX_BATCH: usize = 512;
/// Commands waiting for the writer. Connections wait (backpressure) when it is full.
pub const COMMAND_QUEUE: usize = 8192;
/// Frames waiting to be written to one connection. A connection that falls this far behind is
/// dropped; it reconnects and resumes from its last `seq`, losing nothing.
pub const OUTBOUND_QUEUE: usize = 1024;
/// Missed events replayed on resume; a client further behind gets a fresh snapshot instead.
pub const MAX_REPLAY: usize = 5_000;
/// Longest visitor draft forwarded (D11), in characters.
const MAX_DRAFT_CHARS: usize = 2_000;
/// Longest transfer comment, e-mail, name, URL.
const MAX_FIELD_CHARS: usize = 2_000;
/// Largest file an agent may send (D12).
pub const MAX_AGENT_FILE_BYTES: u64 = 10 * 1024 * 1024;

pub type ConnId = u64;

/// What a connection receives from the writer.
#[derive(Debug)]
pub enum Outbound {
    /// A JSON text frame.
    Text(String),
    /// The welcome and the replay of missed events (at most [`MAX_REPLAY`]), written in order
    /// by the connection, each write awaited: one place in the queue, so a long replay is
    /// never cut short by the queue's bound (R12).
    Welcome(Vec<String>),
    /// Close the socket with this reason (e.g. the connection fell behind).
    Close(&'static str),
}

pub type OutboundTx = mpsc::Sender<Outbound>;

/// Who uploads a file.
#[derive(Debug, Clone)]
pub enum FileSender {
    Agent(AgentId),
    Visitor(String),
}

pub enum Command {
    AgentHello {
        agent: AgentId,
        last_seq: Option<Seq>,
        conn: ConnId,
        out: OutboundTx,
    },
    AgentFrame {
        agent: AgentId,
        conn: ConnId,
        frame: AgentClientFrame,
    },
    AgentGone {
        agent: AgentId,
        conn: ConnId,
    },
    VisitorHello {
        visitor: String,
        token: String,
        last_seq: Option<Seq>,
        card: VisitorCard,
        conn: ConnId,
        out: OutboundTx,
    },
    VisitorFrame {
        visitor: String,
        conn: ConnId,
        frame: VisitorClientFrame,
    },
    VisitorGone {
        visitor: String,
        conn: ConnId,
    },
    /// A file for a conversation (W4, D12), answered once it is durable with its message.
    AddFile {
        from: FileSender,
        conversation: ConversationRef,
        name: String,
        mime: String,
        data: Vec<u8>,
        reply: tokio::sync::oneshot::Sender<Result<Message, ErrorFrame>>,
    },
    /// Configuration changed in the store (admin): reload agents, groups and settings.
    Reload,
    /// Wake up and fire due timers (a manual clock moved).
    Tick,
    /// Run `f` on the writer's state (tests and admin reads).
    Inspect(Box<dyn FnOnce(&Engine) + Send>),
    /// Commit what is pending and stop.
    Shutdown,
}

/// The handle connections and HTTP handlers use to reach one project's writer.
#[derive(Clone)]
pub struct ProjectHandle {
    pub id: ProjectId,
    pub code: String,
    tx: mpsc::Sender<Command>,
}

impl ProjectHandle {
    pub async fn send(&self, cmd: Command) -> bool {
        self.tx.send(cmd).await.is_ok()
    }

    /// Asks the writer to commit and stop; from a thread outside the runtime.
    pub fn shutdown_blocking(&self) {
        let _ = self.tx.blocking_send(Command::Shutdown);
    }

    /// Runs `f` on the engine and returns its result.
    pub async fn inspect<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Engine) -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let cmd = Command::Inspect(Box::new(move |e| {
            let _ = tx.send(f(e));
        }));
        if !self.send(cmd).await {
            return None;
        }
        rx.await.ok()
    }
}

/// Starts the writer thread of a project.
pub fn spawn_project(
    project: ProjectRow,
    store: Box<dyn Store>,
    clock: Clock,
    runtime: tokio::runtime::Handle,
    mailer: Option<Mailer>,
) -> Result<(ProjectHandle, std::thread::JoinHandle<()>), StoreError> {
    let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
    let handle = ProjectHandle {
        id: project.id,
        code: project.code.clone(),
        tx,
    };
    let mut writer = Writer::load(project, store, clock)?;
    writer.mailer = mailer;
    let thread = std::thread::Builder::new()
        .name(format!("writer-{}", handle.code))
        .spawn(move || writer.run(rx, runtime))
        .expect("the OS can start a thread");
    Ok((handle, thread))
}

fn to_wire_state(state: &ConversationState) -> WireState {
    match state {
        ConversationState::Unrouted => WireState::Unrouted,
        ConversationState::Queued { .. } => WireState::Queued,
        ConversationState::Reserved { .. } => WireState::Reserved,
        ConversationState::Assigned { .. } => WireState::Assigned,
        ConversationState::Snoozed { .. } => WireState::Snoozed,
        ConversationState::Closed { .. } => WireState::Closed,
    }
}

fn routing_error(e: RoutingError) -> ErrorFrame {
    let code = match &e {
        RoutingError::UnknownAgent(_)
        | RoutingError::UnknownGroup(_)
        | RoutingError::UnknownConversation(_) => ErrorCode::NotFound,
        RoutingError::DuplicateConversation(_) => ErrorCode::Conflict,
        RoutingError::NotYourConversation { .. } => ErrorCode::Forbidden,
        RoutingError::InvalidState { .. } => ErrorCode::InvalidState,
        RoutingError::AgentUnavailable(_) => ErrorCode::AgentUnavailable,
        RoutingError::AsyncMessagingOff => ErrorCode::AsyncMessagingOff,
        RoutingError::SlotLimitAboveMax { .. } => ErrorCode::SlotLimitAboveMax,
        RoutingError::Invalid(_) => ErrorCode::InvalidInput,
    };
    ErrorFrame::new(code, e.to_string())
}

fn invalid(msg: impl Into<String>) -> ErrorFrame {
    ErrorFrame::new(ErrorCode::InvalidInput, msg)
}

/// Checks a text field: trimmed non-empty (when `required`) and at most `max` characters.
fn check_text(field: &str, text: &str, max: usize) -> Result<(), ErrorFrame> {
    if text.trim().is_empty() {
        return Err(invalid(format!("{field} is empty")));
    }
    if text.chars().count() > max {
        return Err(invalid(format!("{field} is longer than {max} characters")));
    }
    Ok(())
}

/// Where a delivery goes.
enum Target {
    Agent(AgentId),
    Visitor(String),
    Conn(ConnId),
}

struct Conn {
    id: ConnId,
    out: OutboundTx,
}

/// What one step (one command, or the timers that came due) recorded, from which its
/// deliveries to desks are derived when it ends (DESIGN §12): never from a view built in an
/// earlier step of the same batch.
#[derive(Default)]
struct Step {
    /// Messages recorded, with the desk that already received it, if any.
    messages: Vec<(i64, Message, Option<AgentId>)>,
    /// Conversations that reached a desk in this step: the agent and the message ids of the
    /// view it received.
    views: HashMap<i64, (AgentId, BTreeSet<i64>)>,
    /// Transfer comments given in this step, for the receiving desk's event.
    comments: HashMap<i64, String>,
}

struct VisitorState {
    card: VisitorCard,
    created_at: Millis,
    /// The visitor's conversation that is not closed, if any.
    open: Option<i64>,
    /// The visitor's last conversation (R9 reopen).
    last: Option<i64>,
    stored: bool,
    /// The last message id the visitor has seen in the widget (R8).
    seen: i64,
}

struct Writer {
    project: ProjectRow,
    groups: Vec<GroupRow>,
    agents: BTreeMap<AgentId, AgentRow>,
    store: Box<dyn Store>,
    clock: Clock,
    engine: Engine,
    seq: Seq,
    message_id: i64,
    conversation_no: i64,
    /// Conversation number → its visitor.
    conversation_visitor: HashMap<i64, String>,
    conversation_type: HashMap<i64, String>,
    visitors: HashMap<String, VisitorState>,
    agent_conns: HashMap<AgentId, Vec<Conn>>,
    visitor_conns: HashMap<String, Vec<Conn>>,
    all_conns: HashMap<ConnId, OutboundTx>,
    // The batch under construction and what to deliver once it is durable.
    batch: Batch,
    outbox: Vec<(Target, String)>,
    dirty_conversations: BTreeSet<i64>,
    dirty_agents: BTreeSet<AgentId>,
    status_changed: BTreeSet<AgentId>,
    /// Client ids applied in this batch (not yet in the store).
    batch_client_ids: BTreeSet<ClientId>,
    /// Conversation → the desk holding it, as of the engine outputs turned into events so far
    /// (the engine itself may already be ahead, with outputs not polled yet).
    desk_of: HashMap<i64, AgentId>,
    /// What the step under way recorded; its deliveries are derived from it at its end.
    step: Step,
    /// Frames of this batch to acknowledge once it is durable.
    acks: Vec<(ConnId, ClientId)>,
    /// Sends the answers by e-mail (R8); `None` when the hub has no SMTP settings.
    mailer: Option<Mailer>,
}

/// What the writer reads from the store at start-up and after a failed commit.
struct Loaded {
    project: ProjectRow,
    groups: Vec<GroupRow>,
    agents: BTreeMap<AgentId, AgentRow>,
    engine: Engine,
    counters: crate::store::Counters,
    conversation_visitor: HashMap<i64, String>,
    visitors: HashMap<String, VisitorState>,
}

fn load_state(
    store: &mut dyn Store,
    project_id: ProjectId,
    now: Millis,
) -> Result<Loaded, StoreError> {
    let project = store
        .project(project_id)?
        .ok_or_else(|| StoreError::NotFound(format!("project {project_id}")))?;
    let groups = store.groups(project.id)?;
    let agents: BTreeMap<_, _> = store
        .agents(project.id)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let conversations = store.live_conversations(project.id)?;
    let counters = store.counters(project.id)?;
    let mut visitors: HashMap<String, VisitorState> = HashMap::new();
    let mut conversation_visitor = HashMap::new();
    for row in &conversations {
        conversation_visitor.insert(row.record.id, row.visitor_id.clone());
        if !visitors.contains_key(&row.visitor_id)
            && let Some(v) = store.visitor(&row.visitor_id)?
        {
            visitors.insert(
                v.id.clone(),
                VisitorState {
                    card: v.card,
                    created_at: v.created_at,
                    open: None,
                    last: None,
                    stored: true,
                    seen: v.seen,
                },
            );
        }
        if let Some(v) = visitors.get_mut(&row.visitor_id) {
            v.open = Some(row.record.id);
            v.last = Some(row.record.id);
        }
    }
    let engine = Engine::restore(
        project.settings.routing.clone(),
        groups.iter().map(group_config).collect(),
        agents.values().map(agent_record).collect(),
        conversations.into_iter().map(|c| c.record).collect(),
        now,
    );
    Ok(Loaded {
        project,
        groups,
        agents,
        engine,
        counters,
        conversation_visitor,
        visitors,
    })
}

impl Writer {
    fn load(
        project: ProjectRow,
        mut store: Box<dyn Store>,
        clock: Clock,
    ) -> Result<Self, StoreError> {
        let loaded = load_state(store.as_mut(), project.id, clock.now())?;
        let desk_of = desks_of(&loaded.engine, &loaded.conversation_visitor);
        Ok(Self {
            project: loaded.project,
            groups: loaded.groups,
            agents: loaded.agents,
            store,
            clock,
            engine: loaded.engine,
            seq: loaded.counters.seq,
            message_id: loaded.counters.message_id,
            conversation_no: loaded.counters.conversation,
            conversation_visitor: loaded.conversation_visitor,
            conversation_type: HashMap::new(),
            visitors: loaded.visitors,
            agent_conns: HashMap::new(),
            visitor_conns: HashMap::new(),
            all_conns: HashMap::new(),
            batch: Batch::default(),
            outbox: Vec::new(),
            dirty_conversations: BTreeSet::new(),
            dirty_agents: BTreeSet::new(),
            status_changed: BTreeSet::new(),
            batch_client_ids: BTreeSet::new(),
            desk_of,
            step: Step::default(),
            acks: Vec::new(),
            mailer: None,
        })
    }

    fn run(&mut self, mut rx: mpsc::Receiver<Command>, runtime: tokio::runtime::Handle) {
        let mut commands = Vec::with_capacity(MAX_BATCH);
        loop {
            let now = self.clock.now();
            let wait = match self.engine.poll_timeout() {
                Some(at) if at <= now => Some(Duration::ZERO),
                Some(at) => Some(Duration::from_millis((at - now) as u64)),
                None => None,
            };
            let received = runtime.block_on(async {
                match wait {
                    Some(d) if d.is_zero() => rx
                        .try_recv()
                        .map_err(|e| matches!(e, mpsc::error::TryRecvError::Disconnected))
                        .map(Some)
                        .or_else(|closed| if closed { Err(()) } else { Ok(None) }),
                    Some(d) => match tokio::time::timeout(d, rx.recv()).await {
                        Ok(Some(c)) => Ok(Some(c)),
                        Ok(None) => Err(()),
                        Err(_) => Ok(None),
                    },
                    None => rx.recv().await.map(Some).ok_or(()),
                }
            });
            let first = match received {
                Ok(c) => c,
                Err(()) => break, // every handle dropped: the hub is shutting down
            };
            commands.extend(first);
            while commands.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(c) => commands.push(c),
                    Err(_) => break,
                }
            }
            let now = self.clock.now();
            if self.engine.poll_timeout().is_some_and(|at| at <= now) {
                self.engine.handle_timeout(now);
                self.process_outputs(now);
            }
            let mut stop = false;
            for cmd in commands.drain(..) {
                match cmd {
                    Command::Shutdown => stop = true,
                    cmd => self.apply(cmd),
                }
            }
            self.flush();
            if stop {
                break;
            }
        }
        self.flush();
        tracing::info!(project = %self.project.code, "writer stopped");
    }

    fn apply(&mut self, cmd: Command) {
        let now = self.clock.now();
        match cmd {
            Command::AgentHello {
                agent,
                last_seq,
                conn,
                out,
            } => {
                self.agent_hello(agent, last_seq, conn, out, now);
            }
            Command::AgentFrame { agent, conn, frame } => {
                let client_id = frame.client_id();
                self.apply_once(conn, client_id, now, |w| w.agent_frame(agent, frame, now));
            }
            Command::AgentGone { agent, conn } => {
                self.all_conns.remove(&conn);
                if let Some(conns) = self.agent_conns.get_mut(&agent) {
                    conns.retain(|c| c.id != conn);
                    if conns.is_empty() {
                        self.agent_conns.remove(&agent);
                        let _ = self.engine.handle(now, Input::AgentDisconnected { agent });
                        self.process_outputs(now);
                    }
                }
            }
            Command::VisitorHello {
                visitor,
                token,
                last_seq,
                card,
                conn,
                out,
            } => {
                self.visitor_hello(visitor, token, last_seq, card, conn, out, now);
            }
            Command::VisitorFrame {
                visitor,
                conn,
                frame,
            } => {
                let client_id = frame.client_id();
                self.apply_once(conn, client_id, now, |w| {
                    w.visitor_frame(&visitor, frame, now)
                });
            }
            Command::VisitorGone { visitor, conn } => {
                self.all_conns.remove(&conn);
                if let Some(conns) = self.visitor_conns.get_mut(&visitor) {
                    conns.retain(|c| c.id != conn);
                    if conns.is_empty() {
                        self.visitor_conns.remove(&visitor);
                        self.visitor_presence(&visitor, false, now);
                        // Memory holds visitors with a connection or a live conversation;
                        // the others are read back from the store when they return.
                        if self
                            .visitors
                            .get(&visitor)
                            .is_some_and(|v| v.open.is_none())
                        {
                            self.flush();
                            self.visitors.remove(&visitor);
                        }
                    }
                }
            }
            Command::AddFile {
                from,
                conversation,
                name,
                mime,
                data,
                reply,
            } => {
                self.flush();
                let result = self.add_file(from, &conversation, name, mime, data, now);
                let durable = self.flush();
                let _ = reply.send(result.and_then(|m| {
                    if durable {
                        Ok(m)
                    } else {
                        Err(ErrorFrame::new(
                            ErrorCode::Internal,
                            "the hub could not save this file; send it again",
                        ))
                    }
                }));
            }
            Command::Reload => {
                self.flush();
                if let Err(e) = self.reload(now) {
                    tracing::error!(error = %e, "reload failed");
                }
            }
            Command::Tick | Command::Shutdown => {}
            Command::Inspect(f) => f(&self.engine),
        }
    }

    /// Applies a client's frame once (R12): a resend of an applied `client_id` is acknowledged
    /// again without being applied; an applied frame is acknowledged once its batch is durable;
    /// a refused one gets its error (the same JSON shape on both kinds of connection).
    fn apply_once(
        &mut self,
        conn: ConnId,
        client_id: Option<ClientId>,
        now: Millis,
        apply: impl FnOnce(&mut Self) -> Result<(), ErrorFrame>,
    ) {
        if let Some(id) = client_id {
            match self.already_applied(id) {
                Ok(true) => {
                    self.acks.push((conn, id));
                    return;
                }
                Ok(false) => {}
                // Unknown whether it was applied: applying it could apply it twice. The
                // client sends it again (R12).
                Err(e) => {
                    tracing::error!(error = %e, "reading the applied list");
                    let error = ErrorFrame::new(
                        ErrorCode::Internal,
                        "the hub could not check this frame; send it again",
                    );
                    self.reply(conn, AgentServerFrame::Error(error.for_frame(Some(id))));
                    return;
                }
            }
        }
        match apply(self) {
            Ok(()) => {
                if let Some(id) = client_id {
                    self.batch.applied.push((id, now));
                    self.batch_client_ids.insert(id);
                    self.acks.push((conn, id));
                }
            }
            Err(e) => self.reply(conn, AgentServerFrame::Error(e.for_frame(client_id))),
        }
        self.process_outputs(now);
    }

    fn already_applied(&mut self, id: ClientId) -> Result<bool, StoreError> {
        if self.batch_client_ids.contains(&id) {
            return Ok(true);
        }
        self.store.is_applied(id)
    }

    fn reload(&mut self, now: Millis) -> Result<(), StoreError> {
        let project = self
            .store
            .project(self.project.id)?
            .ok_or_else(|| StoreError::NotFound("project".into()))?;
        if project.settings.routing != *self.engine.settings() {
            let _ = self
                .engine
                .handle(now, Input::SetSettings(project.settings.routing.clone()));
        }
        self.project = project;
        self.groups = self.store.groups(self.project.id)?;
        for g in &self.groups {
            let _ = self.engine.handle(now, Input::UpsertGroup(group_config(g)));
        }
        let agents = self.store.agents(self.project.id)?;
        for a in agents {
            let _ = self
                .engine
                .handle(now, Input::UpsertAgent(agent_config(&a)));
            self.agents.insert(a.id, a);
        }
        self.process_outputs(now);
        Ok(())
    }

    // ---- agents ----

    fn agent_hello(
        &mut self,
        agent: AgentId,
        last_seq: Option<Seq>,
        conn: ConnId,
        out: OutboundTx,
        now: Millis,
    ) {
        // Fresh configuration: an admin may have changed the agent since the hub started.
        match self.store.agent(agent) {
            Ok(Some(row)) if row.project_id == self.project.id => {
                let known = self.agents.contains_key(&agent);
                let config = agent_config(&row);
                self.agents.insert(agent, row.clone());
                let result = if known {
                    self.engine.handle(now, Input::UpsertAgent(config))
                } else {
                    self.engine
                        .handle(now, Input::UpsertAgent(config))
                        .and_then(|()| {
                            // A new agent starts with the statuses it had, if any.
                            for (channel, status) in &row.runtime.chosen {
                                self.engine.handle(
                                    now,
                                    Input::SetStatus {
                                        agent,
                                        channel: *channel,
                                        status: status.clone(),
                                    },
                                )?;
                            }
                            Ok(())
                        })
                };
                if let Err(e) = result {
                    tracing::warn!(agent, error = %e, "agent configuration refused by routing");
                }
            }
            _ => {
                let _ = out.try_send(Outbound::Text(frame_json(&AgentServerFrame::Error(
                    ErrorFrame::new(ErrorCode::Unauthorized, "this agent no longer exists"),
                ))));
                let _ = out.try_send(Outbound::Close("unknown agent"));
                return;
            }
        }
        // Resuming reads the missed events from the store and needs no commit: what the
        // pending batch holds for this stream reaches the connection once durable, as for any
        // other. A snapshot (a first connection, or too far behind) shows durable state only:
        // commit first.
        let stream = agent_stream(agent);
        let replay = match last_seq {
            Some(after) if after <= self.seq => {
                match self.store.events_since(&stream, after, MAX_REPLAY + 1) {
                    Ok(events) if events.len() <= MAX_REPLAY => Some((after, events)),
                    Ok(_) => None,
                    Err(e) => {
                        tracing::error!(error = %e, "reading missed events");
                        let _ = out.try_send(Outbound::Text(frame_json(&AgentServerFrame::Error(
                            ErrorFrame::new(
                                ErrorCode::Internal,
                                "could not read missed events; reconnect",
                            ),
                        ))));
                        let _ = out.try_send(Outbound::Close("internal error"));
                        return;
                    }
                }
            }
            // No resume point, or one ahead of the hub (another database?): start afresh.
            _ => None,
        };
        let (seq, desk, replay) = match replay {
            // The welcome's seq is safe to store at once: the client's own resume point, which
            // each replayed event then moves on; a connection cut during the replay resumes
            // from what it really received.
            Some((after, events)) => (after, None, events),
            None => {
                self.flush();
                (self.seq, Some(self.desk_snapshot(agent)), vec![])
            }
        };
        let welcome = AgentServerFrame::Welcome {
            version: PROTOCOL_VERSION,
            agent: self.profile(agent),
            seq,
            desk,
        };
        let mut frames = Vec::with_capacity(replay.len() + 1);
        frames.push(frame_json(&welcome));
        frames.extend(
            replay
                .iter()
                .map(|(seq, payload)| event_frame(*seq, payload)),
        );
        let _ = out.try_send(Outbound::Welcome(frames));
        let first = !self.agent_conns.contains_key(&agent);
        self.all_conns.insert(conn, out.clone());
        self.agent_conns
            .entry(agent)
            .or_default()
            .push(Conn { id: conn, out });
        if first && let Err(e) = self.engine.handle(now, Input::AgentConnected { agent }) {
            tracing::warn!(agent, error = %e, "connect refused by routing");
        }
        self.process_outputs(now);
    }

    fn profile(&self, agent: AgentId) -> AgentProfile {
        let row = &self.agents[&agent];
        let view = self.engine.agent(agent);
        let record = self.engine.agent_record(agent);
        AgentProfile {
            id: agent,
            name: row.name.clone(),
            email: row.email.clone(),
            project: self.project.code.clone(),
            role: row.role,
            groups: self
                .groups
                .iter()
                .filter(|g| row.groups.contains(&g.id))
                .map(|g| GroupInfo {
                    id: g.id,
                    name: g.name.clone(),
                })
                .collect(),
            slot_limit: record.as_ref().map_or(row.slot_max, |r| r.slot_limit),
            slot_max: row.slot_max,
            statuses: self.statuses(agent, view.as_ref(), record.as_ref()),
            optional_statuses: self.project.settings.optional_statuses.clone(),
            conversation_types: self.project.settings.conversation_types.clone(),
        }
    }

    fn statuses(
        &self,
        _agent: AgentId,
        view: Option<&pupitre_routing::engine::AgentView>,
        record: Option<&AgentRecord>,
    ) -> Vec<ChannelStatus> {
        let Some(view) = view else { return vec![] };
        view.availability
            .iter()
            .map(|(channel, availability)| ChannelStatus {
                channel: *channel,
                chosen: record
                    .and_then(|r| r.chosen.get(channel).cloned())
                    .unwrap_or(ChosenStatus::Unavailable),
                availability: *availability,
            })
            .collect()
    }

    fn desk_snapshot(&mut self, agent: AgentId) -> DeskSnapshot {
        let numbers: Vec<i64> = self
            .conversation_visitor
            .keys()
            .copied()
            .filter(|n| self.engine.conversation(*n).and_then(|c| c.agent()) == Some(agent))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        DeskSnapshot {
            conversations: numbers.into_iter().filter_map(|n| self.view(n)).collect(),
        }
    }

    fn messages_of(&mut self, number: i64) -> Vec<StoredMessage> {
        let mut messages = self
            .store
            .messages(self.project.id, number)
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, number, "reading messages");
                vec![]
            });
        let reference = self.reference(number);
        messages.extend(
            self.batch
                .messages
                .iter()
                .filter(|m| m.message.conversation == reference)
                .cloned(),
        );
        messages
    }

    fn view(&mut self, number: i64) -> Option<ConversationView> {
        let record = self.engine.conversation(number)?.clone();
        let visitor_id = self.conversation_visitor.get(&number)?.clone();
        let (card, online) = match self.visitors.get(&visitor_id) {
            Some(v) => (v.card.clone(), self.visitor_conns.contains_key(&visitor_id)),
            None => (
                VisitorCard {
                    id: visitor_id.clone(),
                    ..Default::default()
                },
                false,
            ),
        };
        let messages = self
            .messages_of(number)
            .into_iter()
            .map(|m| m.message)
            .collect();
        Some(ConversationView {
            reference: self.reference(number),
            state: to_wire_state(&record.state),
            group: record.group,
            channel: record.channel,
            visitor: card,
            visitor_online: online,
            created_at: record.created_at,
            assigned_agent: record.agent(),
            waiting_since: record.waiting_since,
            last_agent_message_at: record.last_agent_message_at,
            snoozed_until: match record.state {
                ConversationState::Snoozed { until, .. } => Some(until),
                _ => None,
            },
            messages,
        })
    }

    fn reference(&self, number: i64) -> ConversationRef {
        ConversationRef::new(&self.project.code, number)
    }

    /// The conversation number of a reference, if it is this project's.
    fn number(&self, reference: &ConversationRef) -> Result<i64, ErrorFrame> {
        match reference.parse() {
            Some((code, n)) if code == self.project.code => Ok(n),
            _ => Err(ErrorFrame::new(
                ErrorCode::NotFound,
                format!("no conversation {reference}"),
            )),
        }
    }

    /// The number of a conversation on `agent`'s desk. Another agent's conversation and an
    /// unknown one answer alike (`forbidden`), so ids cannot be probed.
    fn own_conversation(
        &self,
        agent: AgentId,
        reference: &ConversationRef,
    ) -> Result<i64, ErrorFrame> {
        let n = self.number(reference)?;
        match self.engine.conversation(n) {
            Some(c) if c.agent() == Some(agent) => Ok(n),
            _ => Err(ErrorFrame::new(
                ErrorCode::Forbidden,
                format!("{reference} is not on your desk"),
            )),
        }
    }

    fn agent_name(&self, agent: AgentId) -> String {
        self.agents
            .get(&agent)
            .map_or_else(|| format!("#{agent}"), |a| a.name.clone())
    }

    fn agent_frame(
        &mut self,
        agent: AgentId,
        frame: AgentClientFrame,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        match frame {
            AgentClientFrame::Hello { .. } => Err(ErrorFrame::new(
                ErrorCode::InvalidState,
                "already said hello",
            )),
            AgentClientFrame::Ping => Ok(()),
            AgentClientFrame::SendMessage {
                client_id,
                conversation,
                text,
            } => {
                let n = self.own_conversation(agent, &conversation)?;
                check_text("text", &text, MAX_MESSAGE_CHARS)?;
                self.agent_says(agent, n, client_id, Body::Text { text }, now)
            }
            AgentClientFrame::SetStatus {
                channel, status, ..
            } => {
                if let ChosenStatus::Optional(name) = &status
                    && !self.project.settings.optional_statuses.contains(name)
                {
                    return Err(invalid(format!("no optional status named {name:?}")));
                }
                self.engine
                    .handle(
                        now,
                        Input::SetStatus {
                            agent,
                            channel,
                            status,
                        },
                    )
                    .map_err(routing_error)?;
                self.dirty_agents.insert(agent);
                self.status_changed.insert(agent);
                Ok(())
            }
            AgentClientFrame::SetSlotLimit { limit, .. } => {
                self.engine
                    .handle(now, Input::SetSlotLimit { agent, limit })
                    .map_err(routing_error)?;
                self.dirty_agents.insert(agent);
                self.status_changed.insert(agent);
                let max = self.agents.get(&agent).map_or(limit, |a| a.slot_max);
                self.emit_agent(agent, AgentEvent::SlotLimitChanged { limit, max });
                Ok(())
            }
            AgentClientFrame::Snooze {
                conversation,
                until,
                keep,
                ..
            } => {
                let n = self.own_conversation(agent, &conversation)?;
                self.engine
                    .handle(
                        now,
                        Input::Snooze {
                            conversation: n,
                            agent,
                            until,
                            keep,
                        },
                    )
                    .map_err(routing_error)?;
                let name = self.agent_name(agent);
                let event = ThreadEvent::Snoozed {
                    agent: name,
                    until,
                    keep,
                };
                self.add_message_to(n, agent, Author::System, Body::Event { event }, false, now);
                self.queue_answer_mail(n, now);
                Ok(())
            }
            AgentClientFrame::SendOffer {
                client_id,
                conversation,
                offer,
            } => {
                let n = self.own_conversation(agent, &conversation)?;
                check_offer(&offer)?;
                self.agent_says(agent, n, client_id, Body::Offer { offer }, now)
            }
            AgentClientFrame::RequestFile { conversation, .. } => {
                let n = self.own_conversation(agent, &conversation)?;
                let event = ThreadEvent::FileRequested {
                    agent: self.agent_name(agent),
                };
                self.record_message(n, None, Author::System, Body::Event { event }, true, now);
                Ok(())
            }
            AgentClientFrame::Transfer {
                conversation,
                to,
                comment,
                anyway,
                ..
            } => {
                let n = self.own_conversation(agent, &conversation)?;
                let comment = comment.filter(|c| !c.trim().is_empty());
                if let Some(c) = &comment {
                    check_text("comment", c, MAX_FIELD_CHARS)?;
                }
                let (target, to_name) = match to {
                    TransferTarget::Agent { id } => (TransferTo::Agent(id), self.agent_name(id)),
                    TransferTarget::Group { id } => (
                        TransferTo::Group(id),
                        self.groups
                            .iter()
                            .find(|g| g.id == id)
                            .map_or_else(|| format!("group {id}"), |g| g.name.clone()),
                    ),
                };
                self.engine
                    .handle(
                        now,
                        Input::Transfer {
                            conversation: n,
                            agent,
                            to: target,
                            anyway,
                        },
                    )
                    .map_err(routing_error)?;
                let from = self.agent_name(agent);
                let event = ThreadEvent::Transferred {
                    from: Some(from.clone()),
                    to: to_name,
                };
                self.add_message_to(n, agent, Author::System, Body::Event { event }, false, now);
                if let Some(text) = comment {
                    self.step.comments.insert(n, text.clone());
                    self.add_message_to(
                        n,
                        agent,
                        Author::Agent {
                            id: agent,
                            name: from,
                        },
                        Body::Comment { text },
                        false,
                        now,
                    );
                }
                self.queue_answer_mail(n, now);
                Ok(())
            }
            AgentClientFrame::Close {
                conversation,
                conversation_type,
                ..
            } => {
                let n = self.own_conversation(agent, &conversation)?;
                if let Some(t) = &conversation_type
                    && !self.project.settings.conversation_types.contains(t)
                {
                    return Err(invalid(format!("no conversation type named {t:?}")));
                }
                self.engine
                    .handle(
                        now,
                        Input::Close {
                            conversation: n,
                            agent: Some(agent),
                        },
                    )
                    .map_err(routing_error)?;
                if let Some(t) = conversation_type {
                    self.conversation_type.insert(n, t.clone());
                    self.batch.conversation_types.push((n, t));
                }
                self.queue_answer_mail(n, now);
                Ok(())
            }
        }
    }

    /// The agent writes to the visitor (a text, an offer): the routing engine first (it answers
    /// the wait, R10), then the message.
    fn agent_says(
        &mut self,
        agent: AgentId,
        n: i64,
        client_id: ClientId,
        body: Body,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        self.engine
            .handle(
                now,
                Input::AgentMessage {
                    conversation: n,
                    agent,
                },
            )
            .map_err(routing_error)?;
        let author = Author::Agent {
            id: agent,
            name: self.agent_name(agent),
        };
        self.record_message(n, Some(client_id), author, body, true, now);
        self.dirty_conversations.insert(n);
        Ok(())
    }

    // ---- visitors ----

    #[allow(clippy::too_many_arguments)]
    fn visitor_hello(
        &mut self,
        visitor: String,
        token: String,
        last_seq: Option<Seq>,
        card: VisitorCard,
        conn: ConnId,
        out: OutboundTx,
        now: Millis,
    ) {
        if !self.visitors.contains_key(&visitor) {
            let known = self.store.visitor(&visitor).ok().flatten();
            let conversations = self
                .store
                .visitor_conversations(self.project.id, &visitor)
                .unwrap_or_default();
            let last = conversations.last().map(|c| c.record.id);
            let open = conversations
                .iter()
                .rev()
                .find(|c| !matches!(c.record.state, ConversationState::Closed { .. }))
                .map(|c| c.record.id);
            let state = match known {
                Some(row) => VisitorState {
                    card: row.card,
                    created_at: row.created_at,
                    open,
                    last,
                    stored: true,
                    seen: row.seen,
                },
                None => VisitorState {
                    card: VisitorCard {
                        id: visitor.clone(),
                        ..card.clone()
                    },
                    created_at: now,
                    open,
                    last,
                    stored: false,
                    seen: 0,
                },
            };
            self.visitors.insert(visitor.clone(), state);
        }
        // What the widget tells of this visit (language, page, browser) refreshes the card.
        if let Some(v) = self.visitors.get_mut(&visitor) {
            let mut changed = false;
            for (slot, new) in [
                (&mut v.card.language, card.language),
                (&mut v.card.page_url, card.page_url),
                (&mut v.card.page_title, card.page_title),
                (&mut v.card.user_agent, card.user_agent),
            ] {
                if new.is_some() && *slot != new {
                    *slot = new;
                    changed = true;
                }
            }
            if changed && v.stored {
                self.store_visitor(&visitor);
            }
        }
        // As for agents: a resume needs no commit; a history shows durable state only, so it
        // commits first, unless the visitor is new (nothing to show).
        let stream = visitor_stream(&visitor);
        let replay = match last_seq {
            Some(after) if after <= self.seq => {
                match self.store.events_since(&stream, after, MAX_REPLAY + 1) {
                    Ok(events) if events.len() <= MAX_REPLAY => Some((after, events)),
                    Ok(_) => None,
                    Err(e) => {
                        tracing::error!(error = %e, "reading missed events");
                        None
                    }
                }
            }
            _ => None,
        };
        let (seq, history, replay) = match replay {
            Some((after, events)) => (after, None, events),
            None => {
                let new = self
                    .visitors
                    .get(&visitor)
                    .is_some_and(|v| !v.stored && v.last.is_none());
                if !new {
                    self.flush();
                }
                (self.seq, Some(self.visitor_history(&visitor)), vec![])
            }
        };
        let welcome = VisitorServerFrame::Welcome {
            version: PROTOCOL_VERSION,
            token,
            visitor_id: visitor.clone(),
            seq,
            history,
            seen: self.visitors.get(&visitor).map_or(0, |v| v.seen),
        };
        let mut frames = Vec::with_capacity(replay.len() + 1);
        frames.push(frame_json(&welcome));
        frames.extend(
            replay
                .iter()
                .map(|(seq, payload)| event_frame(*seq, payload)),
        );
        let _ = out.try_send(Outbound::Welcome(frames));
        self.all_conns.insert(conn, out.clone());
        let first = !self.visitor_conns.contains_key(&visitor);
        self.visitor_conns
            .entry(visitor.clone())
            .or_default()
            .push(Conn { id: conn, out });
        if first {
            self.visitor_presence(&visitor, true, now);
        }
    }

    fn visitor_history(&mut self, visitor: &str) -> Vec<VisitorConversation> {
        let conversations = self
            .store
            .visitor_conversations(self.project.id, visitor)
            .unwrap_or_default();
        conversations
            .into_iter()
            .map(|c| {
                let n = c.record.id;
                let record = self.engine.conversation(n).cloned().unwrap_or(c.record);
                let agent_id = record.agent().or(record.previous_agent);
                VisitorConversation {
                    reference: self.reference(n),
                    state: to_wire_state(&record.state),
                    agent: agent_id.map(|a| AgentCard {
                        name: self.agent_name(a),
                    }),
                    messages: self
                        .messages_of(n)
                        .into_iter()
                        .filter(|m| m.for_visitor)
                        .map(|m| m.message)
                        .collect(),
                }
            })
            .collect()
    }

    fn visitor_presence(&mut self, visitor: &str, online: bool, now: Millis) {
        let Some(n) = self.visitors.get(visitor).and_then(|v| v.open) else {
            return;
        };
        if self
            .engine
            .handle(
                now,
                Input::VisitorPresence {
                    conversation: n,
                    online,
                },
            )
            .is_ok()
        {
            self.dirty_conversations.insert(n);
        }
        if let Some(agent) = self.engine.conversation(n).and_then(|c| c.agent()) {
            let frame = AgentServerFrame::VisitorPresence {
                conversation: self.reference(n),
                online,
            };
            self.outbox.push((Target::Agent(agent), frame_json(&frame)));
        }
        self.process_outputs(now);
    }

    fn ensure_visitor_stored(&mut self, visitor: &str) {
        if let Some(v) = self.visitors.get_mut(visitor)
            && !v.stored
        {
            v.stored = true;
            self.store_visitor(visitor);
        }
    }

    /// Puts the visitor's row (card, seen) in the batch.
    fn store_visitor(&mut self, visitor: &str) {
        if let Some(v) = self.visitors.get(visitor) {
            self.batch.visitors.push(VisitorRow {
                id: visitor.to_owned(),
                project_id: self.project.id,
                card: v.card.clone(),
                created_at: v.created_at,
                seen: v.seen,
            });
        }
    }

    fn visitor_frame(
        &mut self,
        visitor: &str,
        frame: VisitorClientFrame,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        match frame {
            VisitorClientFrame::Hello { .. } => Err(ErrorFrame::new(
                ErrorCode::InvalidState,
                "already said hello",
            )),
            VisitorClientFrame::Ping => Ok(()),
            VisitorClientFrame::SendMessage { client_id, text } => {
                check_text("text", &text, MAX_MESSAGE_CHARS)?;
                let open = self.visitors.get(visitor).and_then(|v| v.open);
                match open {
                    Some(n) => {
                        // Routing first: if it refuses, nothing of this frame is recorded. A
                        // desk that receives the conversation by this message gets it in the
                        // view; the desk holding it, as the message.
                        self.engine
                            .handle(now, Input::VisitorMessage { conversation: n })
                            .map_err(routing_error)?;
                        self.record_message(
                            n,
                            Some(client_id),
                            Author::Visitor,
                            Body::Text { text },
                            true,
                            now,
                        );
                        self.dirty_conversations.insert(n);
                    }
                    None => {
                        let last = self.visitors.get(visitor).and_then(|v| v.last);
                        let reopen = last.filter(|n| self.reopenable(*n, now));
                        let (n, input) = match reopen {
                            Some(n) => (n, Input::Reopen { conversation: n }),
                            None => {
                                let group = self.groups.first().map(|g| g.id).ok_or_else(|| {
                                    ErrorFrame::new(
                                        ErrorCode::InvalidState,
                                        "this project has no group to route to",
                                    )
                                })?;
                                let n = self.conversation_no + 1;
                                let input = Input::NewConversation {
                                    conversation: n,
                                    group,
                                    channel: Channel::Chat,
                                };
                                (n, input)
                            }
                        };
                        // Routing first: if it refuses, nothing of this frame is recorded.
                        self.engine.handle(now, input).map_err(routing_error)?;
                        self.conversation_no = self.conversation_no.max(n);
                        if let Some(v) = self.visitors.get_mut(visitor) {
                            v.open = Some(n);
                            v.last = Some(n);
                        }
                        self.conversation_visitor.insert(n, visitor.to_owned());
                        self.record_message(
                            n,
                            Some(client_id),
                            Author::Visitor,
                            Body::Text { text },
                            true,
                            now,
                        );
                        if reopen.is_some() {
                            self.record_message(
                                n,
                                None,
                                Author::System,
                                Body::Event {
                                    event: ThreadEvent::Reopened,
                                },
                                false,
                                now,
                            );
                        } else {
                            self.emit_visitor(
                                visitor,
                                VisitorEvent::ConversationStarted {
                                    conversation: self.reference(n),
                                },
                            );
                        }
                        let online = self.visitor_conns.contains_key(visitor);
                        let _ = self.engine.handle(
                            now,
                            Input::VisitorPresence {
                                conversation: n,
                                online,
                            },
                        );
                        self.dirty_conversations.insert(n);
                    }
                }
                self.ensure_visitor_stored(visitor);
                Ok(())
            }
            VisitorClientFrame::Draft { text } => {
                let Some(n) = self.visitors.get(visitor).and_then(|v| v.open) else {
                    return Ok(());
                };
                if let Some(agent) = self.engine.conversation(n).and_then(|c| c.agent()) {
                    let text: String = text.chars().take(MAX_DRAFT_CHARS).collect();
                    let frame = AgentServerFrame::VisitorDraft {
                        conversation: self.reference(n),
                        text,
                    };
                    self.outbox.push((Target::Agent(agent), frame_json(&frame)));
                }
                Ok(())
            }
            VisitorClientFrame::Navigate { page, .. } => {
                check_page(&page)?;
                self.ensure_visitor_stored(visitor);
                self.update_card(visitor, |card| {
                    card.page_url = Some(page.url.clone());
                    card.page_title = page.title.clone();
                });
                if let Some(n) = self.visitors.get(visitor).and_then(|v| v.open) {
                    let event = ThreadEvent::Navigated {
                        url: page.url,
                        title: page.title,
                    };
                    self.record_message(n, None, Author::System, Body::Event { event }, false, now);
                }
                Ok(())
            }
            VisitorClientFrame::SetProfile { name, email, .. } => {
                if let Some(name) = &name {
                    check_text("name", name, 200)?;
                }
                if let Some(email) = &email
                    && !valid_email(email)
                {
                    return Err(invalid("this is not an e-mail address"));
                }
                self.ensure_visitor_stored(visitor);
                let left_email = email.is_some();
                self.update_card(visitor, |card| {
                    if name.is_some() {
                        card.name = name.clone();
                    }
                    if email.is_some() {
                        card.email = email.clone();
                    }
                });
                if left_email && let Some(n) = self.visitors.get(visitor).and_then(|v| v.open) {
                    self.record_message(
                        n,
                        None,
                        Author::System,
                        Body::Event {
                            event: ThreadEvent::EmailLeft,
                        },
                        false,
                        now,
                    );
                }
                Ok(())
            }
            VisitorClientFrame::Seen { up_to } => {
                let up_to = up_to.min(self.message_id);
                let Some(v) = self.visitors.get_mut(visitor) else {
                    return Ok(());
                };
                if up_to > v.seen {
                    v.seen = up_to;
                    if v.stored {
                        self.store_visitor(visitor);
                    }
                    self.emit_visitor(visitor, VisitorEvent::Seen { up_to });
                }
                Ok(())
            }
            VisitorClientFrame::AnswerSurvey {
                conversation,
                score,
                comment,
                ..
            } => {
                if !(1..=5).contains(&score) {
                    return Err(invalid("the score is from 1 to 5"));
                }
                let comment = comment.filter(|c| !c.trim().is_empty());
                if let Some(c) = &comment {
                    check_text("comment", c, MAX_FIELD_CHARS)?;
                }
                let n = self.number(&conversation)?;
                if !self.visitor_owns_closed(visitor, n)? {
                    return Err(ErrorFrame::new(
                        ErrorCode::InvalidState,
                        format!("{conversation} is not closed yet"),
                    ));
                }
                let answered = self.messages_of(n).iter().any(|m| {
                    matches!(
                        m.message.body,
                        Body::Event {
                            event: ThreadEvent::SurveyAnswered { .. }
                        }
                    )
                });
                if answered {
                    return Err(ErrorFrame::new(
                        ErrorCode::Conflict,
                        "this survey was already answered",
                    ));
                }
                let event = ThreadEvent::SurveyAnswered { score, comment };
                self.record_message(n, None, Author::Visitor, Body::Event { event }, false, now);
                self.emit_visitor(visitor, VisitorEvent::SurveyAnswered { conversation });
                Ok(())
            }
            VisitorClientFrame::AnswerQuestionnaire { answers, .. } => {
                let questions: Vec<String> = self
                    .project
                    .settings
                    .widget
                    .questionnaire
                    .iter()
                    .map(|q| q.label())
                    .collect();
                if questions.is_empty() {
                    return Err(ErrorFrame::new(
                        ErrorCode::InvalidState,
                        "this project has no waiting questionnaire",
                    ));
                }
                if answers.len() > questions.len() {
                    return Err(invalid(format!(
                        "{} answers for {} questions",
                        answers.len(),
                        questions.len()
                    )));
                }
                for a in &answers {
                    if a.chars().count() > MAX_FIELD_CHARS {
                        return Err(invalid(format!(
                            "an answer is longer than {MAX_FIELD_CHARS} characters"
                        )));
                    }
                }
                self.ensure_visitor_stored(visitor);
                self.update_card(visitor, |card| {
                    for (question, answer) in questions.iter().zip(answers) {
                        let answer = answer.trim().to_owned();
                        card.fields.retain(|f| &f.label != question);
                        if !answer.is_empty() {
                            card.fields.push(CardField {
                                label: question.clone(),
                                value: answer,
                            });
                        }
                    }
                });
                Ok(())
            }
        }
    }

    /// Whether conversation `n` is `visitor`'s and closed; `not_found` when it is not theirs.
    fn visitor_owns_closed(&mut self, visitor: &str, n: i64) -> Result<bool, ErrorFrame> {
        let not_found = || ErrorFrame::new(ErrorCode::NotFound, "no such conversation");
        if let Some(record) = self.engine.conversation(n) {
            let closed = matches!(record.state, ConversationState::Closed { .. });
            return match self.conversation_visitor.get(&n) {
                Some(v) if v == visitor => Ok(closed),
                _ => Err(not_found()),
            };
        }
        match self.store.conversation(self.project.id, n) {
            Ok(Some(row)) if row.visitor_id == visitor => {
                Ok(matches!(row.record.state, ConversationState::Closed { .. }))
            }
            _ => Err(not_found()),
        }
    }

    /// R8: agent messages the visitor has not seen, followed by a snooze, a transfer or a
    /// close, are queued for e-mail in this batch (once per message).
    fn queue_answer_mail(&mut self, n: i64, now: Millis) {
        let Some(mailer) = self.mailer.clone() else {
            return;
        };
        let Some(visitor) = self.conversation_visitor.get(&n).cloned() else {
            return;
        };
        let Some(v) = self.visitors.get(&visitor) else {
            return;
        };
        let Some(to) = v.card.email.clone() else {
            return;
        };
        let (seen, language, name, page) = (
            v.seen,
            v.card.language.clone(),
            v.card.name.clone(),
            v.card.page_url.clone(),
        );
        let mailed = self
            .batch
            .mails
            .iter()
            .filter(|m| m.conversation == n)
            .map(|m| m.up_to)
            .max()
            .unwrap_or(0)
            .max(self.store.mailed_up_to(self.project.id, n).unwrap_or(0));
        let unseen: Vec<Message> = self
            .messages_of(n)
            .into_iter()
            .filter(|m| m.for_visitor && m.message.id > seen.max(mailed))
            .map(|m| m.message)
            .filter(|m| matches!(m.author, Author::Agent { .. }))
            .collect();
        let Some(up_to) = unseen.last().map(|m| m.id) else {
            return;
        };
        let mail = mailer.compose(&crate::mail::Answer {
            project: &self.project.name,
            reference: &self.reference(n),
            language: language.as_deref(),
            visitor_name: name.as_deref(),
            page_url: page.as_deref(),
            color: &self.project.settings.widget.color,
            messages: &unseen,
        });
        self.batch.mails.push(crate::store::NewMail {
            conversation: n,
            up_to,
            to,
            subject: mail.subject,
            text: mail.text,
            html: mail.html,
            created_at: now,
        });
    }

    /// Stores a file and its message; answers once durable (W4, D12).
    fn add_file(
        &mut self,
        from: FileSender,
        conversation: &ConversationRef,
        name: String,
        mime: String,
        data: Vec<u8>,
        now: Millis,
    ) -> Result<Message, ErrorFrame> {
        let name: String = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        if name.is_empty() {
            return Err(invalid("the file has no name"));
        }
        if data.is_empty() {
            return Err(invalid("the file is empty"));
        }
        let mime = mime.trim().to_ascii_lowercase();
        let widget = &self.project.settings.widget;
        let (n, author) = match &from {
            FileSender::Agent(agent) => {
                let n = self.own_conversation(*agent, conversation)?;
                if data.len() as u64 > MAX_AGENT_FILE_BYTES {
                    return Err(invalid(format!(
                        "the file is larger than {} MB",
                        MAX_AGENT_FILE_BYTES / 1024 / 1024
                    )));
                }
                let author = Author::Agent {
                    id: *agent,
                    name: self.agent_name(*agent),
                };
                (n, author)
            }
            FileSender::Visitor(visitor) => {
                let n = self.number(conversation)?;
                if self.visitors.get(visitor).and_then(|v| v.open) != Some(n) {
                    return Err(ErrorFrame::new(
                        ErrorCode::Forbidden,
                        format!("{conversation} is not your open conversation"),
                    ));
                }
                if data.len() as u64 > widget.max_file_bytes {
                    return Err(invalid(format!(
                        "the file is larger than {} KB",
                        widget.max_file_bytes / 1024
                    )));
                }
                if !widget.file_types.contains(&mime) {
                    return Err(invalid(format!("files of type {mime:?} are not accepted")));
                }
                let requested = self.messages_of(n).iter().any(|m| {
                    matches!(
                        m.message.body,
                        Body::Event {
                            event: ThreadEvent::FileRequested { .. }
                        }
                    )
                });
                if !requested {
                    return Err(ErrorFrame::new(
                        ErrorCode::Forbidden,
                        "no file was requested in this conversation",
                    ));
                }
                (n, Author::Visitor)
            }
        };
        let input = match &from {
            FileSender::Agent(agent) => Input::AgentMessage {
                conversation: n,
                agent: *agent,
            },
            FileSender::Visitor(_) => Input::VisitorMessage { conversation: n },
        };
        self.engine.handle(now, input).map_err(routing_error)?;
        let id = uuid::Uuid::now_v7().to_string();
        let info = FileInfo {
            id: id.clone(),
            name: name.clone(),
            size: data.len() as u64,
            mime: mime.clone(),
        };
        self.batch.files.push(FileRow {
            id,
            conversation: n,
            name,
            mime,
            data,
            at: now,
        });
        let body = Body::File { file: info };
        self.dirty_conversations.insert(n);
        let message = self.record_message(n, None, author, body, true, now);
        self.process_outputs(now);
        Ok(message)
    }

    /// R9 option: whether the visitor's closed conversation `n` goes back to its agent. The
    /// engine forgets closed conversations; this reads it back from the store first.
    fn reopenable(&mut self, n: i64, now: Millis) -> bool {
        if !self.engine.settings().reopen_to_previous_agent {
            return false;
        }
        if self.engine.conversation(n).is_none() {
            match self.store.conversation(self.project.id, n) {
                Ok(Some(row)) => {
                    if !self.engine.readmit(row.record) {
                        return false;
                    }
                }
                _ => return false,
            }
        }
        let yes = self.engine.can_reopen(n, now);
        if !yes {
            self.engine.forget(n);
        }
        yes
    }

    fn update_card(&mut self, visitor: &str, f: impl FnOnce(&mut VisitorCard)) {
        let Some(v) = self.visitors.get_mut(visitor) else {
            return;
        };
        f(&mut v.card);
        let card = v.card.clone();
        let open = v.open;
        self.store_visitor(visitor);
        if let Some(n) = open
            && let Some(agent) = self.engine.conversation(n).and_then(|c| c.agent())
        {
            let conversation = self.reference(n);
            self.emit_agent(
                agent,
                AgentEvent::VisitorUpdated {
                    conversation,
                    visitor: card,
                },
            );
        }
    }

    // ---- messages and events ----

    /// Records a message: the visitor gets it at once when `for_visitor`; the desk that holds
    /// the conversation (as far as the events so far tell) gets it at once too; a desk that
    /// receives the conversation later in this step gets it in the view, or else when the step
    /// ends ([`Self::deliver_step`]).
    fn record_message(
        &mut self,
        n: i64,
        client_id: Option<ClientId>,
        author: Author,
        body: Body,
        for_visitor: bool,
        now: Millis,
    ) -> Message {
        self.message_id += 1;
        let message = Message {
            id: self.message_id,
            conversation: self.reference(n),
            client_id,
            author,
            body,
            at: now,
        };
        self.batch.messages.push(StoredMessage {
            message: message.clone(),
            for_visitor,
        });
        if for_visitor && let Some(visitor) = self.conversation_visitor.get(&n).cloned() {
            self.emit_visitor(
                &visitor,
                VisitorEvent::Message {
                    message: message.clone(),
                },
            );
        }
        let holder = self.desk_of.get(&n).copied();
        if let Some(agent) = holder {
            self.emit_agent(
                agent,
                AgentEvent::Message {
                    message: message.clone(),
                },
            );
        }
        self.step.messages.push((n, message.clone(), holder));
        message
    }

    /// Records a message of a routing change made by `agent`, who gets it even when the
    /// change took the conversation off their desk (a close).
    #[allow(clippy::too_many_arguments)]
    fn add_message_to(
        &mut self,
        n: i64,
        agent: AgentId,
        author: Author,
        body: Body,
        for_visitor: bool,
        now: Millis,
    ) {
        let message = self.record_message(n, None, author, body, for_visitor, now);
        if self.desk_of.get(&n) != Some(&agent) {
            self.emit_agent(agent, AgentEvent::Message { message });
            if let Some(last) = self.step.messages.last_mut() {
                last.2 = Some(agent);
            }
        }
    }

    /// The end of a step: each message it recorded reaches the desk holding its conversation
    /// now, unless that desk already has it (delivered, or in the view it just received).
    fn deliver_step(&mut self) {
        let step = std::mem::take(&mut self.step);
        for (n, message, delivered) in step.messages {
            let Some(holder) = self.desk_of.get(&n).copied() else {
                continue;
            };
            let in_view = step
                .views
                .get(&n)
                .is_some_and(|(agent, ids)| *agent == holder && ids.contains(&message.id));
            if delivered != Some(holder) && !in_view {
                self.emit_agent(holder, AgentEvent::Message { message });
            }
        }
    }

    fn next_seq(&mut self) -> Seq {
        self.seq += 1;
        self.seq
    }

    fn emit_agent(&mut self, agent: AgentId, event: AgentEvent) {
        let seq = self.next_seq();
        let payload = serde_json::to_string(&event).expect("events serialize");
        self.outbox
            .push((Target::Agent(agent), event_frame(seq, &payload)));
        self.batch.events.push((agent_stream(agent), seq, payload));
    }

    fn emit_visitor(&mut self, visitor: &str, event: VisitorEvent) {
        let seq = self.next_seq();
        let payload = serde_json::to_string(&event).expect("events serialize");
        self.outbox.push((
            Target::Visitor(visitor.to_owned()),
            event_frame(seq, &payload),
        ));
        self.batch
            .events
            .push((visitor_stream(visitor), seq, payload));
    }

    fn reply(&mut self, conn: ConnId, frame: AgentServerFrame) {
        self.outbox.push((Target::Conn(conn), frame_json(&frame)));
    }

    fn sentence(&mut self, n: i64, kind: SentenceKind, now: Millis) {
        let language = self
            .conversation_visitor
            .get(&n)
            .and_then(|v| self.visitors.get(v))
            .and_then(|v| v.card.language.clone());
        let text = self
            .project
            .settings
            .sentences
            .get(kind, language.as_deref());
        self.record_message(
            n,
            None,
            Author::System,
            Body::Sentence {
                sentence: kind,
                text,
            },
            true,
            now,
        );
    }

    /// R10, W4: a queued visitor gets the waiting questionnaire, unless already answered.
    fn ask_questionnaire(&mut self, n: i64) {
        let widget = &self.project.settings.widget;
        if widget.questionnaire.is_empty() {
            return;
        }
        let Some(visitor) = self.conversation_visitor.get(&n).cloned() else {
            return;
        };
        let Some(card) = self.visitors.get(&visitor).map(|v| &v.card) else {
            return;
        };
        let answered = widget
            .questionnaire
            .iter()
            .all(|q| card.fields.iter().any(|f| f.label == q.label()));
        if answered {
            return;
        }
        // In the visitor's language; the answers go on the card under the agent's labels.
        let language = card.language.as_deref();
        let event = VisitorEvent::QuestionnaireRequested {
            conversation: self.reference(n),
            questions: widget
                .questionnaire
                .iter()
                .map(|q| q.text(language))
                .collect(),
            display_seconds: widget.questionnaire_seconds,
        };
        self.emit_visitor(&visitor, event);
    }

    /// Turns the engine's decisions into records, events and messages.
    fn process_outputs(&mut self, now: Millis) {
        while let Some(output) = self.engine.poll_output() {
            match output {
                Output::Assigned {
                    conversation: n,
                    agent,
                    cause,
                } => {
                    self.dirty_conversations.insert(n);
                    self.dirty_agents.insert(agent);
                    let name = self.agent_name(agent);
                    if !matches!(cause, AssignCause::Transfer { .. }) {
                        self.record_message(
                            n,
                            None,
                            Author::System,
                            Body::Event {
                                event: ThreadEvent::Assigned {
                                    agent: name.clone(),
                                },
                            },
                            false,
                            now,
                        );
                    }
                    let wire_cause = match cause {
                        AssignCause::New => WireAssignCause::New,
                        AssignCause::Queue => WireAssignCause::Queue,
                        AssignCause::SnoozeWake => WireAssignCause::SnoozeWake,
                        AssignCause::Transfer { from, .. } => WireAssignCause::Transfer {
                            from: Some(from),
                            comment: self.step.comments.get(&n).cloned(),
                        },
                        AssignCause::Reassigned { .. } => WireAssignCause::Reassigned,
                        AssignCause::Reopened => WireAssignCause::Reopened,
                    };
                    self.desk_of.insert(n, agent);
                    if let Some(view) = self.view(n) {
                        let ids = view.messages.iter().map(|m| m.id).collect();
                        self.step.views.insert(n, (agent, ids));
                        self.emit_agent(
                            agent,
                            AgentEvent::ConversationAssigned {
                                conversation: view,
                                cause: wire_cause,
                            },
                        );
                    }
                    if let Some(visitor) = self.conversation_visitor.get(&n).cloned() {
                        self.emit_visitor(
                            &visitor,
                            VisitorEvent::AgentJoined {
                                conversation: self.reference(n),
                                agent: AgentCard { name },
                            },
                        );
                    }
                }
                Output::Unassigned {
                    conversation: n,
                    agent,
                    cause,
                } => {
                    self.dirty_conversations.insert(n);
                    self.dirty_agents.insert(agent);
                    if self.desk_of.get(&n) == Some(&agent) {
                        self.desk_of.remove(&n);
                    }
                    let cause = match cause {
                        UnassignCause::Snoozed => {
                            match self.engine.conversation(n).map(|c| c.state.clone()) {
                                Some(ConversationState::Snoozed { until, keep, .. }) => {
                                    RemoveCause::Snoozed { until, keep }
                                }
                                _ => RemoveCause::Snoozed {
                                    until: now,
                                    keep: false,
                                },
                            }
                        }
                        UnassignCause::Transferred => RemoveCause::Transferred,
                        UnassignCause::Closed => RemoveCause::Closed,
                        UnassignCause::Reassigned => RemoveCause::Reassigned,
                        UnassignCause::VisitorTimeout => RemoveCause::VisitorTimeout,
                    };
                    self.emit_agent(
                        agent,
                        AgentEvent::ConversationRemoved {
                            conversation: self.reference(n),
                            cause,
                        },
                    );
                }
                Output::Queued {
                    conversation: n, ..
                } => {
                    self.dirty_conversations.insert(n);
                    self.ask_questionnaire(n);
                }
                Output::Reserved {
                    conversation: n, ..
                } => {
                    self.dirty_conversations.insert(n);
                }
                Output::Snoozed {
                    conversation: n, ..
                } => {
                    self.dirty_conversations.insert(n);
                }
                Output::Refused {
                    conversation: n,
                    sentence,
                } => {
                    self.dirty_conversations.insert(n);
                    self.sentence(n, sentence, now);
                }
                Output::AutoReply { conversation: n } => {
                    self.dirty_conversations.insert(n);
                    self.sentence(n, SentenceKind::AutoReply, now);
                }
                Output::Woke {
                    conversation: n, ..
                } => {
                    self.dirty_conversations.insert(n);
                    self.record_message(
                        n,
                        None,
                        Author::System,
                        Body::Event {
                            event: ThreadEvent::Woke,
                        },
                        false,
                        now,
                    );
                }
                Output::Closed {
                    conversation: n,
                    cause,
                } => {
                    self.dirty_conversations.insert(n);
                    let by = match cause {
                        CloseCause::Agent => self
                            .engine
                            .conversation(n)
                            .and_then(|c| c.previous_agent)
                            .map(|a| self.agent_name(a)),
                        _ => None,
                    };
                    let conversation_type = self.conversation_type.get(&n).cloned();
                    let event = Body::Event {
                        event: ThreadEvent::Closed {
                            by,
                            conversation_type,
                        },
                    };
                    match self.engine.conversation(n).and_then(|c| c.previous_agent) {
                        Some(agent) => {
                            self.add_message_to(n, agent, Author::System, event, false, now)
                        }
                        None => {
                            self.record_message(n, None, Author::System, event, false, now);
                        }
                    }
                    if let Some(visitor) = self.conversation_visitor.get(&n).cloned() {
                        if let Some(v) = self.visitors.get_mut(&visitor)
                            && v.open == Some(n)
                        {
                            v.open = None;
                        }
                        self.emit_visitor(
                            &visitor,
                            VisitorEvent::ConversationClosed {
                                conversation: self.reference(n),
                            },
                        );
                        let had_agent = self
                            .engine
                            .conversation(n)
                            .is_some_and(|c| c.previous_agent.is_some());
                        if self.project.settings.widget.survey && had_agent {
                            self.emit_visitor(
                                &visitor,
                                VisitorEvent::SurveyRequested {
                                    conversation: self.reference(n),
                                },
                            );
                        }
                    }
                }
                Output::Availability { agent, .. } => {
                    self.dirty_agents.insert(agent);
                    self.status_changed.insert(agent);
                }
                Output::Sentence {
                    conversation: n,
                    sentence,
                    ..
                } => {
                    self.dirty_conversations.insert(n);
                    self.sentence(n, sentence, now);
                }
                Output::TimeoutReminder {
                    conversation: n,
                    agent,
                    closes_at,
                } => {
                    self.dirty_conversations.insert(n);
                    self.emit_agent(
                        agent,
                        AgentEvent::TimeoutReminder {
                            conversation: self.reference(n),
                            closes_at,
                        },
                    );
                }
                Output::WaitingQuestionnaire {
                    conversation: n, ..
                } => {
                    self.dirty_conversations.insert(n);
                }
            }
        }
        for agent in std::mem::take(&mut self.status_changed) {
            if self.agents.contains_key(&agent) {
                let view = self.engine.agent(agent);
                let record = self.engine.agent_record(agent);
                let statuses = self.statuses(agent, view.as_ref(), record.as_ref());
                self.emit_agent(agent, AgentEvent::StatusChanged { statuses });
            }
        }
        self.deliver_step();
    }

    /// Commits the batch, then delivers what it produced. Nothing is delivered before it is
    /// durable (R12).
    /// Commits the batch, then delivers. `false` when the commit failed.
    fn flush(&mut self) -> bool {
        for n in std::mem::take(&mut self.dirty_conversations) {
            if let (Some(record), Some(visitor)) = (
                self.engine.conversation(n),
                self.conversation_visitor.get(&n),
            ) {
                let closed = matches!(record.state, ConversationState::Closed { .. });
                self.batch.conversations.push(ConversationRow {
                    visitor_id: visitor.clone(),
                    record: record.clone(),
                    conversation_type: None,
                });
                // Persisted: memory keeps only live conversations (R9 reopen reads it back).
                if closed {
                    self.engine.forget(n);
                    self.conversation_visitor.remove(&n);
                    self.conversation_type.remove(&n);
                }
            }
        }
        for agent in std::mem::take(&mut self.dirty_agents) {
            if let Some(record) = self.engine.agent_record(agent) {
                self.batch.agent_runtimes.push((
                    agent,
                    AgentRuntime {
                        chosen: record.chosen,
                        slot_limit: Some(record.slot_limit),
                        last_assigned_at: record.last_assigned_at,
                        shift_end: record.shift_end,
                    },
                ));
            }
        }
        self.batch_client_ids.clear();
        let batch = std::mem::take(&mut self.batch);
        let outbox = std::mem::take(&mut self.outbox);
        let acks = std::mem::take(&mut self.acks);
        let mails = !batch.mails.is_empty();
        if !batch.is_empty() {
            let started = std::time::Instant::now();
            if let Err(e) = self.store.commit(self.project.id, &batch) {
                tracing::error!(project = %self.project.code, error = %e, "commit failed; answering internal and reloading");
                self.fail_batch(acks);
                return false;
            }
            if mails && let Some(m) = &self.mailer {
                m.wake();
            }
            metrics::histogram!("pupitre_commit_seconds").record(started.elapsed().as_secs_f64());
            metrics::counter!("pupitre_messages_total").increment(batch.messages.len() as u64);
            metrics::counter!("pupitre_events_total").increment(batch.events.len() as u64);
        }
        self.deliver(outbox);
        // Both kinds of connection share the shape of `ack` (and of `error`).
        let acks = acks
            .into_iter()
            .map(|(conn, client_id)| {
                (
                    Target::Conn(conn),
                    frame_json(&AgentServerFrame::Ack { client_id }),
                )
            })
            .collect();
        self.deliver(acks);
        true
    }

    /// A commit failed: nothing of the batch is durable. Every frame of it is answered
    /// `internal` (the client sends it again), events are dropped, and the writer's memory is
    /// rebuilt from the store so that it never runs ahead of the disk.
    fn fail_batch(&mut self, acks: Vec<(ConnId, ClientId)>) {
        metrics::counter!("pupitre_commit_failures_total").increment(1);
        let replies = acks
            .into_iter()
            .map(|(conn, client_id)| {
                let error = ErrorFrame::new(
                    ErrorCode::Internal,
                    "the hub could not save this; send it again",
                )
                .for_frame(Some(client_id));
                (
                    Target::Conn(conn),
                    frame_json(&AgentServerFrame::Error(error)),
                )
            })
            .collect();
        let now = self.clock.now();
        match load_state(self.store.as_mut(), self.project.id, now) {
            Ok(loaded) => {
                self.project = loaded.project;
                self.groups = loaded.groups;
                self.agents = loaded.agents;
                self.engine = loaded.engine;
                self.seq = loaded.counters.seq;
                self.message_id = loaded.counters.message_id;
                self.conversation_no = loaded.counters.conversation;
                self.conversation_visitor = loaded.conversation_visitor;
                self.visitors = loaded.visitors;
                self.desk_of = desks_of(&self.engine, &self.conversation_visitor);
                self.step = Step::default();
                self.conversation_type.clear();
                let agents: Vec<_> = self.agent_conns.keys().copied().collect();
                for agent in agents {
                    let _ = self.engine.handle(now, Input::AgentConnected { agent });
                }
                self.process_outputs(now);
            }
            Err(e) => {
                tracing::error!(error = %e, "reloading the project failed; the writer keeps its memory")
            }
        }
        self.deliver(replies);
    }

    fn deliver(&mut self, outbox: Vec<(Target, String)>) {
        let mut lagging = vec![];
        for (target, text) in outbox {
            let conns: Vec<(ConnId, OutboundTx)> = match &target {
                Target::Agent(a) => self
                    .agent_conns
                    .get(a)
                    .map(|cs| cs.iter().map(|c| (c.id, c.out.clone())).collect())
                    .unwrap_or_default(),
                Target::Visitor(v) => self
                    .visitor_conns
                    .get(v)
                    .map(|cs| cs.iter().map(|c| (c.id, c.out.clone())).collect())
                    .unwrap_or_default(),
                Target::Conn(id) => self
                    .all_conns
                    .get(id)
                    .map(|o| vec![(*id, o.clone())])
                    .unwrap_or_default(),
            };
            for (id, out) in conns {
                if let Err(mpsc::error::TrySendError::Full(_)) =
                    out.try_send(Outbound::Text(text.clone()))
                {
                    lagging.push(id);
                }
            }
        }
        for id in lagging {
            // The connection's task sees its channel close and ends the socket; the client
            // resumes from its last seq.
            self.all_conns.remove(&id);
            for conns in self.agent_conns.values_mut() {
                conns.retain(|c| c.id != id);
            }
            for conns in self.visitor_conns.values_mut() {
                conns.retain(|c| c.id != id);
            }
            metrics::counter!("pupitre_lagging_connections_dropped_total").increment(1);
        }
    }
}

/// An offer's fields are bounded and its URLs are http(s) (D12).
fn check_offer(offer: &Offer) -> Result<(), ErrorFrame> {
    check_text("title", &offer.title, 200)?;
    if let Some(text) = &offer.text {
        check_text("text", text, MAX_FIELD_CHARS)?;
    }
    for (field, url) in [("link", Some(&offer.link)), ("image", offer.image.as_ref())] {
        if let Some(url) = url {
            let ok = url.len() <= MAX_FIELD_CHARS
                && (url.starts_with("https://") || url.starts_with("http://"))
                && !url.chars().any(char::is_whitespace);
            if !ok {
                return Err(invalid(format!("the {field} must be an http or https URL")));
            }
        }
    }
    Ok(())
}

fn check_page(page: &Page) -> Result<(), ErrorFrame> {
    check_text("url", &page.url, MAX_FIELD_CHARS)?;
    if let Some(t) = &page.title
        && t.chars().count() > MAX_FIELD_CHARS
    {
        return Err(invalid("title is too long"));
    }
    Ok(())
}

fn valid_email(email: &str) -> bool {
    let email = email.trim();
    email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>')
}

pub fn agent_stream(agent: AgentId) -> String {
    format!("a:{agent}")
}

pub fn visitor_stream(visitor: &str) -> String {
    format!("v:{visitor}")
}

fn frame_json<T: serde::Serialize>(frame: &T) -> String {
    serde_json::to_string(frame).expect("frames serialize")
}

/// `{"type":"event","seq":…,"event":…}` from a stored payload, without re-serializing it.
fn event_frame(seq: Seq, payload: &str) -> String {
    format!(r#"{{"type":"event","seq":{seq},"event":{payload}}}"#)
}

/// Which desk holds each live conversation, from the engine.
fn desks_of(engine: &Engine, conversations: &HashMap<i64, String>) -> HashMap<i64, AgentId> {
    conversations
        .keys()
        .filter_map(|n| Some((*n, engine.conversation(*n)?.agent()?)))
        .collect()
}

fn group_config(g: &GroupRow) -> GroupConfig {
    GroupConfig {
        id: g.id,
        hours: g.hours.clone(),
    }
}

fn agent_config(a: &AgentRow) -> AgentConfig {
    AgentConfig {
        id: a.id,
        groups: a.groups.clone(),
        slot_max: a.slot_max,
        channels: vec![Channel::Chat],
    }
}

fn agent_record(a: &AgentRow) -> AgentRecord {
    AgentRecord {
        config: agent_config(a),
        chosen: a.runtime.chosen.clone(),
        slot_limit: a.runtime.slot_limit.unwrap_or(a.slot_max).min(a.slot_max),
        last_assigned_at: a.runtime.last_assigned_at,
        shift_end: a.runtime.shift_end,
    }
}
