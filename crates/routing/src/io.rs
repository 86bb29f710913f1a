//! What goes into the engine and what comes out.

use pupitre_protocol::{Availability, SentenceKind};

use crate::model::{AgentConfig, GroupConfig, Settings};
use crate::{AgentId, Channel, ChosenStatus, ConversationId, GroupId, Millis};

#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    // Configuration (admin changes; applied live).
    SetSettings(Settings),
    UpsertGroup(GroupConfig),
    UpsertAgent(AgentConfig),

    // Agents.
    AgentConnected {
        agent: AgentId,
    },
    AgentDisconnected {
        agent: AgentId,
    },
    SetStatus {
        agent: AgentId,
        channel: Channel,
        status: ChosenStatus,
    },
    /// R4: `limit <= slot_max`, else [`RoutingError::SlotLimitAboveMax`].
    SetSlotLimit {
        agent: AgentId,
        limit: u32,
    },
    /// R11: `None` clears it.
    SetShiftEnd {
        agent: AgentId,
        at: Option<Millis>,
    },

    // Conversations.
    /// A visitor's first message opens a conversation in a group (R1, R2, R8, R11).
    NewConversation {
        conversation: ConversationId,
        group: GroupId,
        channel: Channel,
    },
    /// Wakes a snoozed conversation (R5), retries an unrouted one, resets R10 visitor timers.
    VisitorMessage {
        conversation: ConversationId,
    },
    /// Only the assigned agent may write. Clears "waiting for the agent" and R6/R10 timers.
    AgentMessage {
        conversation: ConversationId,
        agent: AgentId,
    },
    VisitorPresence {
        conversation: ConversationId,
        online: bool,
    },
    /// R5: only with async messaging on; only by the assigned agent; `until` in the future.
    Snooze {
        conversation: ConversationId,
        agent: AgentId,
        until: Millis,
        keep: bool,
    },
    /// R7: only by the assigned agent.
    Transfer {
        conversation: ConversationId,
        agent: AgentId,
        to: TransferTo,
        anyway: bool,
    },
    /// R9: by the assigned agent (`Some`) or the hub (`None`).
    Close {
        conversation: ConversationId,
        agent: Option<AgentId>,
    },
    /// M3: a manager joins the assigned agent (R4: available with a free slot on the
    /// conversation's channel); `join: false` leaves.
    Join {
        conversation: ConversationId,
        agent: AgentId,
        join: bool,
    },
    /// R9 option: a closed conversation goes back to its previous agent. The hub sends this
    /// only when [`Engine::can_reopen`](crate::Engine::can_reopen) says so.
    Reopen {
        conversation: ConversationId,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferTo {
    Agent(AgentId),
    Group(GroupId),
}

/// Why a conversation was put on a desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignCause {
    New,
    Queue,
    SnoozeWake,
    /// R7 by an agent, or R10 auto-transfer (`from` is the previous agent).
    Transfer {
        from: AgentId,
        anyway: bool,
    },
    /// R6 (24 h), R10 auto-transfer or disconnected agent: moved by a rule.
    Reassigned {
        from: AgentId,
    },
    Reopened,
}

/// Why a conversation left a desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnassignCause {
    Snoozed,
    Transferred,
    Closed,
    Reassigned,
    VisitorTimeout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WakeCause {
    VisitorMessage,
    Expired,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseCause {
    Agent,
    Hub,
    /// R10: visitor inactivity.
    VisitorInactivity,
}

/// A decision. The hub persists what it implies and tells the people concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Assigned {
        conversation: ConversationId,
        agent: AgentId,
        cause: AssignCause,
    },
    Unassigned {
        conversation: ConversationId,
        agent: AgentId,
        cause: UnassignCause,
    },
    /// Entered its group's queue at `position` (1 = next). Async ones included.
    Queued {
        conversation: ConversationId,
        group: GroupId,
        position: usize,
        asynchronous: bool,
    },
    /// R2 with async off: refused; the visitor gets `sentence` (NoAgent or OutOfHours).
    Refused {
        conversation: ConversationId,
        sentence: SentenceKind,
    },
    /// R8: accepted while nobody can take it: the visitor gets the auto-reply.
    AutoReply { conversation: ConversationId },
    /// R5, kept snooze woke while its agent cannot take it: waits for them.
    Reserved {
        conversation: ConversationId,
        agent: AgentId,
    },
    Snoozed {
        conversation: ConversationId,
        agent: AgentId,
        until: Millis,
        keep: bool,
    },
    Woke {
        conversation: ConversationId,
        cause: WakeCause,
    },
    Closed {
        conversation: ConversationId,
        cause: CloseCause,
    },
    /// An agent's effective availability on a channel changed (manual or automatic busy, R3).
    Availability {
        agent: AgentId,
        channel: Channel,
        availability: Availability,
    },
    /// R10 sentences to the visitor (Relaunch, Reengagement, AgentDisconnected, Transferred).
    Sentence {
        conversation: ConversationId,
        sentence: SentenceKind,
        agent_availability: Option<Availability>,
    },
    /// R10: the agent is warned that the visitor-inactivity timeout closes it at `closes_at`.
    TimeoutReminder {
        conversation: ConversationId,
        agent: AgentId,
        closes_at: Millis,
    },
    /// M3: `agent` joined the conversation's agent (`true`), or is no longer joined (`false`:
    /// left, disconnected, or the conversation left the desk).
    Joined {
        conversation: ConversationId,
        agent: AgentId,
        joined: bool,
    },
    /// R10: show (or stop showing) the waiting questionnaire to a queued visitor.
    WaitingQuestionnaire {
        conversation: ConversationId,
        show: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    #[error("unknown agent {0}")]
    UnknownAgent(AgentId),
    #[error("unknown group {0}")]
    UnknownGroup(GroupId),
    #[error("unknown conversation {0}")]
    UnknownConversation(ConversationId),
    #[error("conversation {0} already exists")]
    DuplicateConversation(ConversationId),
    #[error("conversation {conversation} is not on agent {agent}'s desk")]
    NotYourConversation {
        conversation: ConversationId,
        agent: AgentId,
    },
    #[error("conversation {conversation} cannot do this while {state}")]
    InvalidState {
        conversation: ConversationId,
        state: &'static str,
    },
    #[error("the agent cannot take it now; transfer anyway to insist")]
    AgentUnavailable(AgentId),
    #[error("snooze needs async messaging on the project")]
    AsyncMessagingOff,
    #[error("slot limit {limit} is above the maximum {max}")]
    SlotLimitAboveMax { limit: u32, max: u32 },
    #[error("{0}")]
    Invalid(&'static str),
}
