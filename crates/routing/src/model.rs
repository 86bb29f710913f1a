//! Configuration and the records the hub persists and restores.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::hours::WeeklyHours;
use crate::{AgentId, Channel, ChosenStatus, ConversationId, GroupId, Millis};

/// Project settings the engine needs (SPEC A1, A2, R8, R9). Durations of 0 switch a rule off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Settings {
    /// A1/R2: each connected agent of a group adds this many places to its queue.
    pub queue_per_agent: u32,
    /// R8: accept conversations nobody can take now, and allow snooze (R5).
    pub async_messaging: bool,
    /// R9: a visitor message after close reopens and routes back to the previous agent when
    /// that agent can take it.
    pub reopen_to_previous_agent: bool,
    /// R10, all per project.
    pub timeouts: Timeouts,
    /// IANA zone for opening hours (R11), e.g. `Europe/Paris`.
    pub timezone: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            queue_per_agent: 2,
            async_messaging: true,
            reopen_to_previous_agent: false,
            timeouts: Timeouts::default(),
            timezone: "Europe/Paris".into(),
        }
    }
}

/// R10 timeouts. 0 = off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Timeouts {
    /// Close an assigned conversation after this many minutes of visitor silence following
    /// the agent's answer. The clock runs only while the agent spoke last (the visitor is not
    /// waiting, and the agent has written since the conversation reached their desk), from the
    /// later of the agent's and the visitor's last messages: a visitor who waits for an answer
    /// is never closed for inactivity.
    pub visitor_inactivity_min: u32,
    /// Warn the agent this many seconds before `visitor_inactivity_min` closes it.
    pub reminder_before_timeout_s: u32,
    /// Send the relaunch sentence after this many minutes of visitor silence following an
    /// agent message (once per silence).
    pub relaunch_after_min: u32,
    /// Send the re-engagement sentence when the visitor has waited this many minutes for the
    /// agent's reply (once per wait); its wording depends on the agent's status.
    pub reengage_after_min: u32,
    /// Give the conversation to another agent of the group who has room when its agent has
    /// not answered the waiting visitor for this many seconds, counted from the later of the
    /// start of the wait and the assignment (each new agent gets the full time). During one
    /// wait it never goes back to an agent it was moved away from; when nobody else can take
    /// it, it stays.
    pub auto_transfer_s: u32,
    /// With `auto_transfer_s`: tell the visitor they were transferred.
    pub auto_transfer_notify_visitor: bool,
    /// Tell the visitor their agent got disconnected after this many seconds.
    pub agent_disconnected_notice_s: u32,
    /// Route a disconnected agent's conversations to their group after this many seconds.
    pub disconnected_transfer_s: u32,
    /// How long the waiting questionnaire is shown to a queued visitor.
    pub waiting_questionnaire_min: u32,
    /// Close the queue this many minutes before the end of opening hours (R11).
    pub queue_close_before_end_min: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupConfig {
    pub id: GroupId,
    /// `None`: always open.
    pub hours: Option<WeeklyHours>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentConfig {
    pub id: AgentId,
    pub groups: Vec<GroupId>,
    /// R4: the admin's maximum of simultaneous conversations.
    pub slot_max: u32,
    /// Channels this agent works on (statuses exist only for these).
    pub channels: Vec<Channel>,
}

/// What the hub persists of an agent besides its configuration, to restore after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRecord {
    pub config: AgentConfig,
    /// The status the agent chose per channel (R3). Absent channel: unavailable.
    pub chosen: BTreeMap<Channel, ChosenStatus>,
    /// R4: the agent's own limit, `<= config.slot_max`.
    pub slot_limit: u32,
    /// R1 tie-break: idle longest since the last assignment.
    pub last_assigned_at: Option<Millis>,
    /// R11: after this instant the agent receives no new conversations.
    pub shift_end: Option<Millis>,
}

/// Where a conversation is in its life (SPEC: lifecycle).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConversationState {
    /// Refused for lack of agents with async messaging off (R2); a new visitor message retries.
    Unrouted,
    /// In its group's queue since `since`. `asynchronous`: accepted by R8 beyond the live queue.
    Queued {
        since: Millis,
        asynchronous: bool,
    },
    /// Kept snooze woke up (R5): waits for `agent` to be available with a free slot.
    Reserved {
        agent: AgentId,
        since: Millis,
    },
    /// On `agent`'s desk. `over_limit`: placed by transfer-anyway beyond availability or slots
    /// (the only exception to the slot limit; R7).
    Assigned {
        agent: AgentId,
        since: Millis,
        over_limit: bool,
    },
    /// Paused until `until` (R5). `keep`: return to this agent.
    Snoozed {
        until: Millis,
        by: AgentId,
        keep: bool,
    },
    Closed {
        at: Millis,
    },
}

/// A conversation as the engine sees it; the hub persists it after every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationRecord {
    pub id: ConversationId,
    pub group: GroupId,
    pub channel: Channel,
    pub state: ConversationState,
    pub created_at: Millis,
    pub last_visitor_message_at: Option<Millis>,
    pub last_agent_message_at: Option<Millis>,
    /// Since when the visitor waits for an agent's reply (D7 red). `None` when the agent spoke
    /// last.
    pub waiting_since: Option<Millis>,
    pub visitor_online: bool,
    /// The agent who last held it (R9 reopen; R7 "who transferred to whom").
    pub previous_agent: Option<AgentId>,
    /// R10 once-per-period markers, reset by the event that starts a new period.
    pub reminder_sent: bool,
    pub relaunch_sent: bool,
    pub reengage_sent: bool,
    pub disconnect_notice_sent: bool,
    pub questionnaire_done: bool,
    /// R10 auto-transfer: the agents it was automatically moved away from during the current
    /// wait (since `waiting_since`); it does not go back to them. Emptied when an agent's
    /// message ends the wait, and when a reopen starts a new one. Absent in older records.
    #[serde(default)]
    pub auto_transferred_from: Vec<AgentId>,
    /// M3: managers who joined the assigned agent: each writes to the visitor too and holds
    /// one of their own slots (R4) until they leave, disconnect, or it leaves the desk.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joined: Vec<AgentId>,
}

impl ConversationRecord {
    pub fn agent(&self) -> Option<AgentId> {
        match self.state {
            ConversationState::Assigned { agent, .. } => Some(agent),
            _ => None,
        }
    }
}
