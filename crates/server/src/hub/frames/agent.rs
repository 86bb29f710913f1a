use crate::hub::*;

impl Project {
    pub(in crate::hub) fn agent_frame(
        &mut self,
        store: &mut dyn StoreRead,
        agent: AgentId,
        frame: AgentClientFrame,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        // A8: a desk still connected after its agent's deactivation changes nothing.
        if self.agents.get(&agent).is_some_and(|a| !a.active) {
            return Err(ErrorFrame::new(
                ErrorCode::Unauthorized,
                "this account was deactivated by an admin",
            ));
        }
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
            } => self.agent_send_message(agent, client_id, conversation, text, now),
            AgentClientFrame::SetStatus {
                channel, status, ..
            } => self.set_status(agent, channel, status, now),
            AgentClientFrame::SetSlotLimit { limit, .. } => self.set_slot_limit(agent, limit, now),
            AgentClientFrame::Snooze {
                conversation,
                until,
                keep,
                ..
            } => self.snooze(store, agent, conversation, until, keep, now),
            AgentClientFrame::SendOffer {
                client_id,
                conversation,
                offer,
            } => self.send_offer(agent, client_id, conversation, offer, now),
            AgentClientFrame::RequestFile { .. } if !self.project.settings.desk.request_file => {
                Err(option_off("asking the visitor for a file"))
            }
            AgentClientFrame::RequestFile { conversation, .. } => {
                self.request_file(agent, conversation, now)
            }
            AgentClientFrame::Cobrowse {
                conversation,
                action,
            } => self.agent_cobrowse(agent, conversation, action),
            AgentClientFrame::SendSurvey { .. }
                if !self.project.settings.questionnaires.visitor.agent_may_send =>
            {
                Err(ErrorFrame::new(
                    ErrorCode::Forbidden,
                    "this project's admin does not let agents send the survey",
                ))
            }
            AgentClientFrame::SendSurvey { conversation, .. } => {
                self.send_survey(store, agent, conversation, now)
            }
            AgentClientFrame::AnswerQuestionnaire {
                conversation,
                answers,
                ..
            } => self.agent_answers(agent, conversation, &answers, now),
            AgentClientFrame::MarkImportant { .. }
                if !self.project.settings.desk.mark_important =>
            {
                Err(ErrorFrame::new(
                    ErrorCode::Forbidden,
                    "this project's admin does not let agents mark conversations important",
                ))
            }
            AgentClientFrame::MarkImportant {
                conversation,
                important,
                ..
            } => self.mark_important(agent, conversation, important, now),
            AgentClientFrame::Transfer {
                conversation,
                to,
                comment,
                anyway,
                ..
            } => self.transfer(store, agent, conversation, to, comment, anyway, now),
            AgentClientFrame::Close {
                conversation,
                conversation_type,
                ..
            } => self.close(store, agent, conversation, conversation_type, now),
            AgentClientFrame::AskHelp {
                conversation, note, ..
            } => self.ask_help(agent, conversation, note, now),
            AgentClientFrame::AnswerHelp {
                request, accept, ..
            } => self.answer_help(store, agent, request, accept, now),
            AgentClientFrame::Watch {
                conversation,
                watch,
            } => self.watch(store, agent, conversation, watch),
            AgentClientFrame::Whisper {
                client_id,
                conversation,
                text,
            } => self.whisper(agent, client_id, conversation, text, now),
            AgentClientFrame::Join {
                conversation, join, ..
            } => self.join(agent, conversation, join, now),
            AgentClientFrame::TakeOver { conversation, .. } => {
                self.take_over(store, agent, conversation, now)
            }
        }
    }

    /// A text to the visitor (D7).
    pub(in crate::hub) fn agent_send_message(
        &mut self,
        agent: AgentId,
        client_id: ClientId,
        conversation: ConversationRef,
        text: String,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        let n = self.own_or_joined(agent, &conversation)?;
        check_text("text", &text, MAX_MESSAGE_CHARS)?;
        self.agent_says(agent, n, client_id, Body::Text { text }, now)
    }

    /// R3: the agent's status on a channel (an optional one must exist, A4).
    pub(in crate::hub) fn set_status(
        &mut self,
        agent: AgentId,
        channel: Channel,
        status: ChosenStatus,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
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

    /// R4: the agent's own limit, at most the admin's maximum.
    pub(in crate::hub) fn set_slot_limit(
        &mut self,
        agent: AgentId,
        limit: u32,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        self.engine
            .handle(now, Input::SetSlotLimit { agent, limit })
            .map_err(routing_error)?;
        self.dirty_agents.insert(agent);
        self.status_changed.insert(agent);
        let max = self.agents.get(&agent).map_or(limit, |a| a.slot_max);
        self.emit_agent(agent, AgentEvent::SlotLimitChanged { limit, max });
        Ok(())
    }

    /// R5: the conversation leaves the desk until `until` (with `keep`, it comes back here).
    pub(in crate::hub) fn snooze(
        &mut self,
        store: &mut dyn StoreRead,
        agent: AgentId,
        conversation: ConversationRef,
        until: Millis,
        keep: bool,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
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
        self.queue_answer_mail(store, n, now);
        Ok(())
    }

    /// D12: an offer card to the visitor.
    pub(in crate::hub) fn send_offer(
        &mut self,
        agent: AgentId,
        client_id: ClientId,
        conversation: ConversationRef,
        offer: Offer,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        let n = self.own_conversation(agent, &conversation)?;
        check_offer(&offer)?;
        self.agent_says(agent, n, client_id, Body::Offer { offer }, now)
    }

    /// D16, W4: the visitor may upload one file.
    pub(in crate::hub) fn request_file(
        &mut self,
        agent: AgentId,
        conversation: ConversationRef,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        let n = self.own_conversation(agent, &conversation)?;
        let event = ThreadEvent::FileRequested {
            agent: self.agent_name(agent),
        };
        self.record_message(n, None, Author::System, Body::Event { event }, true, now);
        Ok(())
    }

    /// A5, R9: the agent's answers to the closing questionnaire, checked against it and kept in
    /// the thread (agents only) as read; the latest count.
    pub(in crate::hub) fn agent_answers(
        &mut self,
        agent: AgentId,
        conversation: ConversationRef,
        answers: &std::collections::BTreeMap<String, pupitre_protocol::questionnaire::AnswerValue>,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        let n = self.own_conversation(agent, &conversation)?;
        let Some(q) = self.agent_questionnaire() else {
            return Err(ErrorFrame::new(
                ErrorCode::InvalidState,
                "this project has no closing questionnaire",
            ));
        };
        let (lines, _) = crate::questionnaires::read_answers(&q.questionnaire, answers, None)
            .map_err(|(field, reason)| invalid(format!("{field}: {reason}")))?;
        let event = ThreadEvent::AgentAnswered {
            agent: self.agent_name(agent),
            answers: lines,
        };
        self.record_message(n, None, Author::System, Body::Event { event }, false, now);
        Ok(())
    }

    /// D16: the flag, on the agent's desk, in the thread (agents only) and, at close, in the
    /// conversation's figures. Marking it as it is already changes nothing.
    pub(in crate::hub) fn mark_important(
        &mut self,
        agent: AgentId,
        conversation: ConversationRef,
        important: bool,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        let n = self.own_conversation(agent, &conversation)?;
        if self.important.contains(&n) == important {
            return Ok(());
        }
        if important {
            self.important.insert(n);
        } else {
            self.important.remove(&n);
        }
        self.batch.important.push((n, important));
        let event = ThreadEvent::MarkedImportant {
            agent: self.agent_name(agent),
            important,
        };
        self.record_message(n, None, Author::System, Body::Event { event }, false, now);
        self.emit_agent(
            agent,
            AgentEvent::ConversationMarked {
                conversation,
                important,
            },
        );
        Ok(())
    }

    /// A5: the survey to the visitor now, during the conversation; once.
    pub(in crate::hub) fn send_survey(
        &mut self,
        store: &mut dyn StoreRead,
        agent: AgentId,
        conversation: ConversationRef,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        let n = self.own_conversation(agent, &conversation)?;
        let done = self.messages_of(store, n).iter().any(|m| {
            matches!(
                m.message.body,
                Body::Event {
                    event: ThreadEvent::SurveySent { .. } | ThreadEvent::SurveyAnswered { .. }
                }
            )
        });
        if done {
            return Err(ErrorFrame::new(
                ErrorCode::Conflict,
                "the survey was already sent in this conversation",
            ));
        }
        let event = ThreadEvent::SurveySent {
            agent: self.agent_name(agent),
        };
        self.record_message(n, None, Author::System, Body::Event { event }, false, now);
        if let Some(visitor) = self.conversation_visitor.get(&n).cloned() {
            let questions = self.visitor_survey().map(|q| q.questions);
            self.emit_visitor(
                &visitor,
                VisitorEvent::SurveyRequested {
                    conversation,
                    questions,
                },
            );
        }
        Ok(())
    }

    /// R6: to a colleague or a group, with an optional comment for the receiving desk.
    #[allow(clippy::too_many_arguments)]
    pub(in crate::hub) fn transfer(
        &mut self,
        store: &mut dyn StoreRead,
        agent: AgentId,
        conversation: ConversationRef,
        to: TransferTarget,
        comment: Option<String>,
        anyway: bool,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
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
        self.queue_answer_mail(store, n, now);
        Ok(())
    }

    /// R9: closed, with a conversation type of the project's list.
    pub(in crate::hub) fn close(
        &mut self,
        store: &mut dyn StoreRead,
        agent: AgentId,
        conversation: ConversationRef,
        conversation_type: Option<String>,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        let n = self.own_conversation(agent, &conversation)?;
        if let Some(t) = &conversation_type
            && !self.project.settings.conversation_types.contains(t)
        {
            return Err(invalid(format!("no conversation type named {t:?}")));
        }
        // A5, R9: a questionnaire the admin does not let agents skip is answered first.
        if self
            .agent_questionnaire()
            .is_some_and(|q| !q.closable_without_answer)
        {
            let answered = self.messages_of(store, n).iter().any(|m| {
                matches!(
                    m.message.body,
                    Body::Event {
                        event: ThreadEvent::AgentAnswered { .. }
                    }
                )
            });
            if !answered {
                return Err(ErrorFrame::new(
                    ErrorCode::InvalidState,
                    "answer the closing questionnaire before closing",
                ));
            }
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
        self.queue_answer_mail(store, n, now);
        Ok(())
    }

    /// The agent writes to the visitor (a text, an offer): the routing engine first (it answers
    /// the wait, R10), then the message.
    pub(in crate::hub) fn agent_says(
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
}
