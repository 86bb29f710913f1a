use super::*;

impl Project {
    /// Turns the engine's decisions into records, events and messages.
    pub(in crate::hub) fn process_outputs(&mut self, store: &mut dyn StoreRead, now: Millis) {
        while let Some(output) = self.engine.poll_output() {
            match output {
                Output::Assigned {
                    conversation: n,
                    agent,
                    cause,
                } => {
                    self.dirty_conversations.insert(n);
                    self.dirty_agents.insert(agent);
                    let name = self.agent_name(agent);
                    if !matches!(cause, AssignCause::Transfer { .. }) {
                        self.record_message(
                            n,
                            None,
                            Author::System,
                            Body::Event {
                                event: ThreadEvent::Assigned {
                                    agent: name.clone(),
                                },
                            },
                            false,
                            now,
                        );
                    }
                    let wire_cause = match cause {
                        AssignCause::New => WireAssignCause::New,
                        AssignCause::Queue => WireAssignCause::Queue,
                        AssignCause::SnoozeWake => WireAssignCause::SnoozeWake,
                        AssignCause::Transfer { from, .. } => WireAssignCause::Transfer {
                            from: Some(from),
                            comment: self.step.comments.get(&n).cloned(),
                        },
                        AssignCause::Reassigned { .. } => WireAssignCause::Reassigned,
                        AssignCause::Reopened => WireAssignCause::Reopened,
                    };
                    self.desk_of.insert(n, agent);
                    if let Some(view) = self.view(store, n) {
                        let ids = view.messages.iter().map(|m| m.id).collect();
                        self.step.views.insert(n, (agent, ids));
                        self.emit_agent(
                            agent,
                            AgentEvent::ConversationAssigned {
                                conversation: view,
                                cause: wire_cause,
                            },
                        );
                    }
                    if let Some(visitor) = self.conversation_visitor.get(&n).cloned() {
                        self.emit_visitor(
                            &visitor,
                            VisitorEvent::AgentJoined {
                                conversation: self.reference(n),
                                agent: AgentCard { name },
                            },
                        );
                    }
                }
                Output::Unassigned {
                    conversation: n,
                    agent,
                    cause,
                } => {
                    self.dirty_conversations.insert(n);
                    self.dirty_agents.insert(agent);
                    if self.desk_of.get(&n) == Some(&agent) {
                        self.desk_of.remove(&n);
                    }
                    self.help_withdrawn(n);
                    let cause = match cause {
                        UnassignCause::Snoozed => {
                            match self.engine.conversation(n).map(|c| c.state.clone()) {
                                Some(ConversationState::Snoozed { until, keep, .. }) => {
                                    RemoveCause::Snoozed { until, keep }
                                }
                                _ => RemoveCause::Snoozed {
                                    until: now,
                                    keep: false,
                                },
                            }
                        }
                        UnassignCause::Transferred => RemoveCause::Transferred,
                        UnassignCause::Closed => RemoveCause::Closed,
                        UnassignCause::Reassigned => RemoveCause::Reassigned,
                        UnassignCause::VisitorTimeout => RemoveCause::VisitorTimeout,
                    };
                    self.emit_agent(
                        agent,
                        AgentEvent::ConversationRemoved {
                            conversation: self.reference(n),
                            cause,
                        },
                    );
                }
                Output::Queued {
                    conversation: n, ..
                } => {
                    self.dirty_conversations.insert(n);
                    self.ask_questionnaire(n);
                }
                Output::Reserved {
                    conversation: n, ..
                } => {
                    self.dirty_conversations.insert(n);
                }
                Output::Snoozed {
                    conversation: n, ..
                } => {
                    self.dirty_conversations.insert(n);
                }
                Output::Refused {
                    conversation: n,
                    sentence,
                } => {
                    self.dirty_conversations.insert(n);
                    self.sentence(n, sentence, now);
                }
                Output::AutoReply { conversation: n } => {
                    self.dirty_conversations.insert(n);
                    self.sentence(n, SentenceKind::AutoReply, now);
                }
                Output::Woke {
                    conversation: n, ..
                } => {
                    self.dirty_conversations.insert(n);
                    self.record_message(
                        n,
                        None,
                        Author::System,
                        Body::Event {
                            event: ThreadEvent::Woke,
                        },
                        false,
                        now,
                    );
                }
                Output::Closed {
                    conversation: n,
                    cause,
                } => {
                    self.dirty_conversations.insert(n);
                    let by = match cause {
                        CloseCause::Agent => self
                            .engine
                            .conversation(n)
                            .and_then(|c| c.previous_agent)
                            .map(|a| self.agent_name(a)),
                        _ => None,
                    };
                    let conversation_type = self.conversation_type.get(&n).cloned();
                    let event = Body::Event {
                        event: ThreadEvent::Closed {
                            by,
                            conversation_type,
                        },
                    };
                    match self.engine.conversation(n).and_then(|c| c.previous_agent) {
                        Some(agent) => {
                            self.add_message_to(n, agent, Author::System, event, false, now)
                        }
                        None => {
                            self.record_message(n, None, Author::System, event, false, now);
                        }
                    }
                    let thread = self.messages_of(store, n);
                    self.record_facts(n, &thread, now);
                    if let Some(visitor) = self.conversation_visitor.get(&n).cloned() {
                        if let Some(v) = self.visitors.get_mut(&visitor)
                            && v.open == Some(n)
                        {
                            v.open = None;
                        }
                        self.emit_visitor(
                            &visitor,
                            VisitorEvent::ConversationClosed {
                                conversation: self.reference(n),
                            },
                        );
                        let had_agent = self
                            .engine
                            .conversation(n)
                            .is_some_and(|c| c.previous_agent.is_some());
                        // Not again when the agent sent it during the conversation and
                        // the visitor answered it already (A5).
                        let answered = thread.iter().any(|m| {
                            matches!(
                                m.message.body,
                                Body::Event {
                                    event: ThreadEvent::SurveyAnswered { .. }
                                }
                            )
                        });
                        if self.project.settings.widget.survey && had_agent && !answered {
                            self.emit_visitor(
                                &visitor,
                                VisitorEvent::SurveyRequested {
                                    conversation: self.reference(n),
                                    questions: self.visitor_survey().map(|q| q.questions),
                                },
                            );
                        }
                    }
                }
                Output::Availability { agent, .. } => {
                    self.dirty_agents.insert(agent);
                    self.status_changed.insert(agent);
                }
                Output::Sentence {
                    conversation: n,
                    sentence,
                    ..
                } => {
                    self.dirty_conversations.insert(n);
                    self.sentence(n, sentence, now);
                }
                Output::TimeoutReminder {
                    conversation: n,
                    agent,
                    closes_at,
                } => {
                    self.dirty_conversations.insert(n);
                    self.emit_agent(
                        agent,
                        AgentEvent::TimeoutReminder {
                            conversation: self.reference(n),
                            closes_at,
                        },
                    );
                }
                Output::Joined {
                    conversation: n,
                    agent,
                    joined,
                } => self.joined(store, n, agent, joined, now),
                Output::WaitingQuestionnaire {
                    conversation: n, ..
                } => {
                    self.dirty_conversations.insert(n);
                }
            }
        }
        for agent in std::mem::take(&mut self.status_changed) {
            if self.agents.contains_key(&agent) {
                let view = self.engine.agent(agent);
                let record = self.engine.agent_record(agent);
                let statuses = self.statuses(agent, view.as_ref(), record.as_ref());
                self.record_statuses(agent, &statuses, now);
                self.emit_agent(agent, AgentEvent::StatusChanged { statuses });
            }
        }
        self.deliver_step();
    }
}
