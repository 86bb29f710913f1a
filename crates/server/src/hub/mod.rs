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
//!
//! The project is a pure core and a thin shell (as str0m keeps its state machine apart from
//! IO): [`Project::apply`] takes the time, an [`Order`] and a read-only store ([`StoreRead`])
//! and returns a [`Step`] that lists what to write, which events go to which stream, which acks
//! and answers to send; the shell owns the clock, the store's writes, the mailer and the
//! connections.
//!
//! The modules:
//! - this one: the mailbox ([`Command`], [`ProjectHandle`], [`spawn_project`]) and the core's
//!   state ([`Project`]);
//! - `project`: the core's entry points (`load`, `apply` once per client id, the batch it
//!   builds, recovery after a failed commit) and its [`Order`] and [`Step`];
//! - `writer`: the shell: the loop, the group commit, the delivery to connections;
//! - `hello`: connections arriving (welcome, replay or snapshot) and leaving (presence);
//! - `frames`: one function per client frame (`agent`, `visitor`, `file`, `cobrowse`);
//! - `outputs`: the routing engine's decisions turned into records and events;
//! - `events`: messages and events of a step, and the deliveries derived from them when the
//!   step ends (DESIGN §12);
//! - `views`: what clients are shown (conversation views, desk snapshot, visitor history);
//! - `checks`: bounds of client input, and routing errors as protocol errors.

mod board;
mod checks;
mod events;
mod facts;
mod frames;
mod hello;
mod outputs;
mod project;
mod views;
mod writer;

pub use board::team_member;
use checks::*;
use events::Recorded;
pub use frames::SaleReceipt;
use project::agent_config;
use project::{Hello, Order, Step};
use writer::Writer;

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
    Store, StoreError, StoreRead, StoredMessage, VisitorRow,
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
    /// D15: a sale the brand's server reports (`POST /api/sales`): answered once durable.
    ServerSale {
        visitor: String,
        amount_minor: i64,
        currency: String,
        order: String,
        reply: tokio::sync::oneshot::Sender<Result<frames::SaleReceipt, ErrorFrame>>,
    },
    /// M1: the board of this agent's groups, now.
    Board {
        agent: AgentId,
        reply:
            tokio::sync::oneshot::Sender<Result<pupitre_protocol::supervision::Board, ErrorFrame>>,
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

    /// Whether the writer is gone (stopped, or lost its project to another node).
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Asks the writer to stop without waiting (its queue full: it ends when the handle and
    /// its clones are dropped).
    pub fn stop_soon(&self) {
        let _ = self.tx.try_send(Command::Shutdown);
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
    relays: std::sync::Arc<crate::relay::Relays>,
) -> Result<(ProjectHandle, std::thread::JoinHandle<()>), StoreError> {
    let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
    let handle = ProjectHandle {
        id: project.id,
        code: project.code.clone(),
        tx,
    };
    let writer = Writer::load(project, store, clock, mailer, relays)?;
    let thread = std::thread::Builder::new()
        .name(format!("writer-{}", handle.code))
        .spawn(move || {
            let mut writer = writer;
            writer.run(rx, runtime)
        })
        .expect("the OS can start a thread");
    Ok((handle, thread))
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

/// The core of a project's writer: everything it knows, no IO and no clock (DESIGN §2, §12).
/// [`project::Project::apply`] takes one order, the time and what it may read of the store, and
/// answers a [`project::Step`]; the shell ([`writer`]) commits and delivers.
struct Project {
    project: ProjectRow,
    groups: Vec<GroupRow>,
    agents: BTreeMap<AgentId, AgentRow>,
    engine: Engine,
    seq: Seq,
    /// The last seq committed: what a welcome may promise.
    durable_seq: Seq,
    message_id: i64,
    conversation_no: i64,
    /// Conversation number → its visitor.
    conversation_visitor: HashMap<i64, String>,
    conversation_type: HashMap<i64, String>,
    /// D16: live conversations marked important.
    important: BTreeSet<i64>,
    visitors: HashMap<String, VisitorState>,
    /// Agents and visitors with at least one connection.
    online_agents: BTreeSet<AgentId>,
    online_visitors: BTreeSet<String>,
    // The batch under construction and what to deliver once it is durable.
    batch: Batch,
    outbox: Vec<(Target, String)>,
    /// Answers to refused frames: sent after the commit, and even when it fails.
    replies: Vec<(ConnId, String)>,
    dirty_conversations: BTreeSet<i64>,
    dirty_agents: BTreeSet<AgentId>,
    status_changed: BTreeSet<AgentId>,
    /// Client ids applied in this batch (not yet in the store).
    batch_client_ids: BTreeSet<ClientId>,
    /// Conversation → the desk holding it, as of the engine outputs turned into events so far
    /// (the engine itself may already be ahead, with outputs not polled yet).
    desk_of: HashMap<i64, AgentId>,
    /// What the step under way recorded; its deliveries are derived from it at its end.
    step: Recorded,
    /// Frames of this batch to acknowledge once it is durable.
    acks: Vec<(ConnId, ClientId)>,
    /// Agents deactivated (A8): their connections close once the batch is durable.
    signed_out: Vec<AgentId>,
    /// Sends the answers by e-mail (R8); `None` when the hub has no SMTP settings.
    mailer: Option<Mailer>,
    /// D5: co-browsing sessions by conversation number (ephemeral, never stored).
    cobrowse: HashMap<i64, frames::CobrowseSession>,
    /// Relay keys are drawn from this secret (the shell's, at start) and a counter.
    relay_secret: [u8; 32],
    relay_count: u64,
    /// Relays to open or close once the step is durable.
    relay_changes: Vec<frames::RelayChange>,
    /// M2: open help requests and the last id given.
    help: pupitre_routing::help::HelpDesk,
    help_no: i64,
    /// M3: the managers watching each live conversation (ephemeral: asked again on reconnect).
    watchers: HashMap<i64, BTreeSet<AgentId>>,
}

/// What the writer reads from the store at start-up and after a failed commit.
struct Loaded {
    project: ProjectRow,
    groups: Vec<GroupRow>,
    agents: BTreeMap<AgentId, AgentRow>,
    engine: Engine,
    counters: crate::store::Counters,
    conversation_visitor: HashMap<i64, String>,
    important: BTreeSet<i64>,
    visitors: HashMap<String, VisitorState>,
    help: Vec<pupitre_routing::help::HelpRecord>,
}

/// M2: how long a manager has to answer a help request.
const HELP_TIMEOUT: Millis = pupitre_protocol::supervision::HELP_ANSWER_SECONDS as Millis * 1_000;

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
