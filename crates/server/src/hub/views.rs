use super::*;

impl Project {
    /// A7: the card as the admin lets desks see it.
    pub(in crate::hub) fn card_for_desk(&self, card: &VisitorCard) -> VisitorCard {
        crate::visitor_card::for_desk(card, &self.project.settings.visitor_card, "en")
    }

    pub(in crate::hub) fn profile(&self, agent: AgentId) -> AgentProfile {
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
            optional_status_labels: self.project.settings.optional_status_labels.clone(),
            conversation_types: self.project.settings.conversation_types.clone(),
            options: self.project.settings.desk,
            may_send_survey: self.project.settings.questionnaires.visitor.agent_may_send,
            agent_questionnaire: self.agent_questionnaire(),
            site_origins: self.project.settings.cobrowse.site_origins.clone(),
        }
    }

    pub(in crate::hub) fn statuses(
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

    pub(in crate::hub) fn desk_snapshot(
        &mut self,
        store: &mut dyn StoreRead,
        agent: AgentId,
    ) -> DeskSnapshot {
        let numbers: Vec<i64> = self
            .conversation_visitor
            .keys()
            .copied()
            .filter(|n| self.engine.conversation(*n).and_then(|c| c.agent()) == Some(agent))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        DeskSnapshot {
            conversations: numbers
                .into_iter()
                .filter_map(|n| self.view(store, n))
                .collect(),
        }
    }

    pub(in crate::hub) fn messages_of(
        &mut self,
        store: &mut dyn StoreRead,
        number: i64,
    ) -> Vec<StoredMessage> {
        let mut messages = store.messages(self.project.id, number).unwrap_or_else(|e| {
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

    pub(in crate::hub) fn view(
        &mut self,
        store: &mut dyn StoreRead,
        number: i64,
    ) -> Option<ConversationView> {
        let record = self.engine.conversation(number)?.clone();
        let visitor_id = self.conversation_visitor.get(&number)?.clone();
        let (card, online) = match self.visitors.get(&visitor_id) {
            Some(v) => (
                self.card_for_desk(&v.card),
                self.online_visitors.contains(&visitor_id),
            ),
            None => (
                VisitorCard {
                    id: visitor_id.clone(),
                    ..Default::default()
                },
                false,
            ),
        };
        let messages = self
            .messages_of(store, number)
            .into_iter()
            .map(|m| m.message)
            .collect();
        Some(ConversationView {
            important: self.important.contains(&number),
            joined: record.joined.clone(),
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

    pub(in crate::hub) fn reference(&self, number: i64) -> ConversationRef {
        ConversationRef::new(&self.project.code, number)
    }

    /// The conversation number of a reference, if it is this project's.
    pub(in crate::hub) fn number(&self, reference: &ConversationRef) -> Result<i64, ErrorFrame> {
        match reference.parse() {
            Some((code, n)) if code == self.project.code => Ok(n),
            _ => Err(ErrorFrame::new(
                ErrorCode::NotFound,
                format!("no conversation {reference}"),
            )),
        }
    }

    /// The number of a conversation on `agent`'s desk, or the error the contract names:
    /// `not_found` when the project never had it, `invalid_state` when it is closed (the
    /// engine forgets closed conversations; numbers are given in order, so a number below the
    /// next one existed), `forbidden` when it is live but not on this desk.
    pub(in crate::hub) fn own_conversation(
        &self,
        agent: AgentId,
        reference: &ConversationRef,
    ) -> Result<i64, ErrorFrame> {
        let n = self.number(reference)?;
        match self.engine.conversation(n) {
            Some(c) if c.agent() == Some(agent) => Ok(n),
            Some(c) if matches!(c.state, ConversationState::Closed { .. }) => {
                Err(closed(reference))
            }
            Some(_) => Err(ErrorFrame::new(
                ErrorCode::Forbidden,
                format!("{reference} is not on your desk"),
            )),
            None if (1..=self.conversation_no).contains(&n) => Err(closed(reference)),
            None => Err(ErrorFrame::new(
                ErrorCode::NotFound,
                format!("no conversation {reference}"),
            )),
        }
    }

    pub(in crate::hub) fn agent_name(&self, agent: AgentId) -> String {
        self.agents
            .get(&agent)
            .map_or_else(|| format!("#{agent}"), |a| a.name.clone())
    }

    pub(in crate::hub) fn visitor_history(
        &mut self,
        store: &mut dyn StoreRead,
        visitor: &str,
    ) -> Vec<VisitorConversation> {
        let conversations = store
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
                        .messages_of(store, n)
                        .into_iter()
                        .filter(|m| m.for_visitor)
                        .map(|m| m.message)
                        .collect(),
                }
            })
            .collect()
    }
}

pub(in crate::hub) fn to_wire_state(state: &ConversationState) -> WireState {
    match state {
        ConversationState::Unrouted => WireState::Unrouted,
        ConversationState::Queued { .. } => WireState::Queued,
        ConversationState::Reserved { .. } => WireState::Reserved,
        ConversationState::Assigned { .. } => WireState::Assigned,
        ConversationState::Snoozed { .. } => WireState::Snoozed,
        ConversationState::Closed { .. } => WireState::Closed,
    }
}

fn closed(reference: &ConversationRef) -> ErrorFrame {
    ErrorFrame::new(ErrorCode::InvalidState, format!("{reference} is closed"))
}
