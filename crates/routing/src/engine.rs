//! The rules. See the crate documentation for the drain rule.

use std::collections::VecDeque;

use crate::io::{Input, Output, RoutingError};
use crate::model::{AgentRecord, ConversationRecord, GroupConfig, Settings};
use crate::{AgentId, Availability, Channel, ConversationId, GroupId, Millis};

/// One project's routing state. One logical writer owns it (DESIGN.md §5).
#[derive(Debug)]
pub struct Engine {
    outputs: VecDeque<Output>,
}

/// An agent as routing sees it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentView {
    pub id: AgentId,
    pub connected: bool,
    /// Conversations on the desk (assigned to this agent).
    pub load: u32,
    pub slot_limit: u32,
    pub slot_max: u32,
    pub availability: Vec<(Channel, Availability)>,
}

impl Engine {
    pub fn new(settings: Settings) -> Self {
        let _ = settings;
        todo!()
    }

    /// Rebuilds the engine after a restart. Every agent starts disconnected at `now`.
    pub fn restore(
        settings: Settings,
        groups: Vec<GroupConfig>,
        agents: Vec<AgentRecord>,
        conversations: Vec<ConversationRecord>,
        now: Millis,
    ) -> Self {
        let _ = (settings, groups, agents, conversations, now);
        todo!()
    }

    /// Applies one input at `now`. On error nothing changed and no output was produced.
    pub fn handle(&mut self, now: Millis, input: Input) -> Result<(), RoutingError> {
        let _ = (now, input);
        todo!()
    }

    /// Fires every deadline `<= now`.
    pub fn handle_timeout(&mut self, now: Millis) {
        let _ = now;
        todo!()
    }

    /// The earliest pending deadline.
    pub fn poll_timeout(&self) -> Option<Millis> {
        todo!()
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    pub fn settings(&self) -> &Settings {
        todo!()
    }

    pub fn conversation(&self, id: ConversationId) -> Option<&ConversationRecord> {
        let _ = id;
        todo!()
    }

    pub fn agent_record(&self, id: AgentId) -> Option<AgentRecord> {
        let _ = id;
        todo!()
    }

    pub fn agent(&self, id: AgentId) -> Option<AgentView> {
        let _ = id;
        todo!()
    }

    /// The group's queue, next first.
    pub fn queue(&self, group: GroupId) -> Vec<ConversationId> {
        let _ = group;
        todo!()
    }

    /// Whether the agent could take one more conversation on `channel` now (R1).
    pub fn can_take(&self, agent: AgentId, channel: Channel, now: Millis) -> bool {
        let _ = (agent, channel, now);
        todo!()
    }

    /// R9 option: whether `Input::Reopen` would put the conversation back on its previous
    /// agent's desk now.
    pub fn can_reopen(&self, conversation: ConversationId, now: Millis) -> bool {
        let _ = (conversation, now);
        todo!()
    }

    /// Checks the invariants; `Err` names the first one broken. For tests and debug builds.
    pub fn check_invariants(&self, now: Millis) -> Result<(), String> {
        let _ = now;
        todo!()
    }
}
