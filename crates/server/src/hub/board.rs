//! M1: the manager's board, read from the writer's memory (what routing knows now).

use pupitre_protocol::agent::Role;
use pupitre_protocol::supervision::{Board, BoardConversation, BoardGroup};
use pupitre_protocol::team::TeamMember;

use super::*;

/// A connected agent as the team lists show them (D16, M1); `None` when not connected.
pub fn team_member(engine: &Engine, a: &AgentRow) -> Option<TeamMember> {
    let view = engine.agent(a.id).filter(|v| v.connected)?;
    let record = engine.agent_record(a.id);
    let statuses = view
        .availability
        .iter()
        .map(|(channel, availability)| ChannelStatus {
            channel: *channel,
            chosen: record
                .as_ref()
                .and_then(|r| r.chosen.get(channel).cloned())
                .unwrap_or(ChosenStatus::Unavailable),
            availability: *availability,
        })
        .collect();
    Some(TeamMember {
        id: a.id,
        name: a.name.clone(),
        role: a.role,
        groups: a.groups.clone(),
        statuses,
        load: view.load,
        slot_limit: view.slot_limit,
    })
}

impl Project {
    /// The board of `viewer`'s groups (an admin's: every group of the project).
    pub(in crate::hub) fn board(&self, viewer: AgentId, now: Millis) -> Result<Board, ErrorFrame> {
        let row = self
            .agents
            .get(&viewer)
            .filter(|r| r.active)
            .ok_or_else(|| ErrorFrame::new(ErrorCode::Unauthorized, "no such agent"))?;
        let groups: Vec<&GroupRow> = match row.role {
            Role::Admin => self.groups.iter().collect(),
            Role::Manager => self
                .groups
                .iter()
                .filter(|g| row.groups.contains(&g.id))
                .collect(),
            Role::Agent => {
                return Err(ErrorFrame::new(
                    ErrorCode::Forbidden,
                    "the board is for managers and admins",
                ));
            }
        };
        let ids: BTreeSet<i64> = groups.iter().map(|g| g.id).collect();
        let mut conversations: Vec<BoardConversation> = self
            .desk_of
            .iter()
            .filter_map(|(n, agent)| {
                let record = self.engine.conversation(*n)?;
                if !ids.contains(&record.group) {
                    return None;
                }
                let visitor_name = self
                    .conversation_visitor
                    .get(n)
                    .and_then(|v| self.visitors.get(v))
                    .and_then(|v| v.card.name.clone());
                Some(BoardConversation {
                    reference: self.reference(*n),
                    group: record.group,
                    agent: *agent,
                    agent_name: self.agent_name(*agent),
                    visitor_name,
                    waiting_since: record.waiting_since,
                    created_at: record.created_at,
                })
            })
            .collect();
        conversations.sort_by_key(|c| (c.waiting_since.unwrap_or(Millis::MAX), c.created_at));
        let groups = groups
            .iter()
            .map(|g| {
                let queue = self.engine.queue(g.id);
                let longest_wait_since = queue
                    .iter()
                    .filter_map(|n| match self.engine.conversation(*n)?.state {
                        ConversationState::Queued { since, .. } => Some(since),
                        _ => None,
                    })
                    .min();
                BoardGroup {
                    id: g.id,
                    name: g.name.clone(),
                    waiting: queue.len() as u32,
                    longest_wait_since,
                    live: conversations.iter().filter(|c| c.group == g.id).count() as u32,
                }
            })
            .collect();
        let agents = self
            .agents
            .values()
            .filter(|a| a.active && a.groups.iter().any(|g| ids.contains(g)))
            .filter_map(|a| team_member(&self.engine, a))
            .collect();
        let help = self
            .help
            .open()
            .filter(|r| ids.contains(&r.group))
            .map(|r| self.help_view(r))
            .collect();
        Ok(Board {
            groups,
            agents,
            conversations,
            help,
            at: now,
        })
    }
}
