//! D15: what the writer keeps for the statistics over time, in the batch of the change itself:
//! a closed conversation's figures and the agents' shown statuses per channel.

use pupitre_protocol::Availability;

use super::*;
use crate::stats::facts::{Closing, facts};
use crate::store::StatusChange;

impl Project {
    /// The figures of conversation `n`, closed `now`, from its `thread` (this batch's messages
    /// included).
    pub(in crate::hub) fn record_facts(&mut self, n: i64, thread: &[StoredMessage], now: Millis) {
        let visitor_id = self
            .conversation_visitor
            .get(&n)
            .cloned()
            .unwrap_or_default();
        let visitor_name = self
            .visitors
            .get(&visitor_id)
            .and_then(|v| v.card.name.clone())
            .unwrap_or_default();
        let closing = Closing {
            number: n,
            agent_id: self.engine.conversation(n).and_then(|c| c.previous_agent),
            closed_at: now,
            conversation_type: self.conversation_type.get(&n).map(String::as_str),
            important: self.important.contains(&n),
            visitor_id: &visitor_id,
            visitor_name: &visitor_name,
        };
        let figures = facts(&closing, thread);
        self.batch.facts.push(figures);
    }

    /// `agent`'s shown status on each channel from `now` on; the store keeps only changes.
    pub(in crate::hub) fn record_statuses(
        &mut self,
        agent: AgentId,
        statuses: &[ChannelStatus],
        now: Millis,
    ) {
        for s in statuses {
            let optional = match (&s.chosen, s.availability) {
                (ChosenStatus::Optional(name), Availability::Unavailable) => Some(name.clone()),
                _ => None,
            };
            self.batch.status_changes.push(StatusChange {
                agent_id: agent,
                channel: s.channel,
                availability: s.availability,
                optional,
                at: now,
            });
        }
    }
}
