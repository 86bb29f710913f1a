//! Supervision (SPEC M1–M3, D16 "ask a manager for help"): help requests as both desks see
//! them, and the manager's board as the hub answers `GET /api/board`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::team::TeamMember;
use crate::{AgentId, ConversationRef, GroupId, Millis};

/// How long a manager has to answer a help request before it goes to another one (M2).
pub const HELP_ANSWER_SECONDS: u32 = 60;
/// Longest note an agent joins to a help request, in characters.
pub const MAX_HELP_NOTE_CHARS: usize = 1_000;

/// Where a help request stands (M2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HelpState {
    /// Waiting for `manager`'s answer until `until`; then it goes to the next manager online.
    Asking {
        #[ts(type = "number")]
        manager: AgentId,
        manager_name: String,
        #[ts(type = "number")]
        until: Millis,
    },
    /// `manager` accepted: they watch the conversation and may whisper, join or take over.
    Accepted {
        #[ts(type = "number")]
        manager: AgentId,
        manager_name: String,
    },
    /// Every manager online declined or let it time out (or none was online).
    Unanswered,
    /// The conversation left the agent's desk, or was closed, before anyone accepted.
    Withdrawn,
}

/// A help request: on the agent's desk (their own) and on the manager's (asked of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HelpRequest {
    #[ts(type = "number")]
    pub id: i64,
    pub conversation: ConversationRef,
    #[ts(type = "number")]
    pub group: GroupId,
    #[ts(type = "number")]
    pub agent: AgentId,
    pub agent_name: String,
    /// What the agent wrote with it (shown as text).
    pub note: Option<String>,
    /// The visitor's name as the desk shows it, if known.
    pub visitor_name: Option<String>,
    #[ts(type = "number")]
    pub at: Millis,
    pub state: HelpState,
}

/// One group on the manager's board (M1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BoardGroup {
    #[ts(type = "number")]
    pub id: GroupId,
    pub name: String,
    /// Conversations in the group's queue now (live and asynchronous).
    pub waiting: u32,
    /// Since when the one waiting longest waits; `null` when none waits.
    #[ts(type = "number | null")]
    pub longest_wait_since: Option<Millis>,
    /// Conversations on the desks of the group's agents now.
    pub live: u32,
}

/// One live conversation a manager may watch (M3): on a desk of their groups now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BoardConversation {
    pub reference: ConversationRef,
    #[ts(type = "number")]
    pub group: GroupId,
    #[ts(type = "number")]
    pub agent: AgentId,
    pub agent_name: String,
    pub visitor_name: Option<String>,
    /// Since when the visitor waits for the agent's reply (D7), if they do.
    #[ts(type = "number | null")]
    pub waiting_since: Option<Millis>,
    #[ts(type = "number")]
    pub created_at: Millis,
}

/// `GET /api/board`: the manager's groups (an admin's: all), now (M1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Board {
    pub groups: Vec<BoardGroup>,
    /// Connected agents of those groups, with status per channel, load and slots.
    pub agents: Vec<TeamMember>,
    pub conversations: Vec<BoardConversation>,
    /// Help requests open now in those groups (asking or accepted).
    pub help: Vec<HelpRequest>,
    #[ts(type = "number")]
    pub at: Millis,
}
