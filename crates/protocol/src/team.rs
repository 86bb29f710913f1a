//! The team as the desk shows it (D16 "agents online", M1 the manager's board), as the hub
//! answers `GET /api/team` over HTTP.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::agent::Role;
use crate::{AgentId, ChannelStatus, GroupId};

/// One connected agent of the project: their status on each channel and their load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TeamMember {
    #[ts(type = "number")]
    pub id: AgentId,
    pub name: String,
    pub role: Role,
    #[ts(type = "Array<number>")]
    pub groups: Vec<GroupId>,
    /// Per channel: what the agent chose and what others see (R3).
    pub statuses: Vec<ChannelStatus>,
    /// Conversations on their desk now, and the slots they set (R4).
    pub load: u32,
    pub slot_limit: u32,
}
