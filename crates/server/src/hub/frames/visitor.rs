use crate::hub::*;

impl Project {
    pub(in crate::hub) fn visitor_frame(
        &mut self,
        store: &mut dyn StoreRead,
        visitor: &str,
        frame: VisitorClientFrame,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        match frame {
            VisitorClientFrame::Hello { .. } => Err(ErrorFrame::new(
                ErrorCode::InvalidState,
                "already said hello",
            )),
            VisitorClientFrame::Ping => Ok(()),
            VisitorClientFrame::SendMessage { client_id, text } => {
                self.visitor_send_message(store, visitor, client_id, text, now)
            }
            VisitorClientFrame::Draft { text } => self.draft(visitor, text),
            VisitorClientFrame::Navigate { page, .. } => self.navigate(visitor, page, now),
            VisitorClientFrame::SetProfile { name, email, .. } => {
                self.set_profile(visitor, name, email, now)
            }
            VisitorClientFrame::Seen { up_to } => self.seen(visitor, up_to),
            VisitorClientFrame::AnswerSurvey {
                conversation,
                score,
                comment,
                answers,
                ..
            } => {
                let answer = SurveyAnswer {
                    score,
                    comment,
                    answers,
                };
                self.answer_survey(store, visitor, conversation, answer, now)
            }
            VisitorClientFrame::AnswerQuestionnaire { answers, .. } => {
                self.answer_questionnaire(visitor, answers)
            }
            VisitorClientFrame::SetFields { fields, .. } => self.set_fields(visitor, &fields),
            VisitorClientFrame::Cobrowse {
                conversation,
                action,
            } => self.visitor_cobrowse(visitor, conversation, action),
            VisitorClientFrame::Sale {
                amount_minor,
                currency,
                order,
                ..
            } => self
                .sale(store, visitor, amount_minor, currency, order, now)
                .map(drop),
        }
    }

    /// A visitor's text: to the open conversation, or one reopened (R9) or new.
    pub(in crate::hub) fn visitor_send_message(
        &mut self,
        store: &mut dyn StoreRead,
        visitor: &str,
        client_id: ClientId,
        text: String,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        check_text("text", &text, MAX_MESSAGE_CHARS)?;
        let open = self.visitors.get(visitor).and_then(|v| v.open);
        match open {
            Some(n) => {
                // Routing first: if it refuses, nothing of this frame is recorded. A
                // desk that receives the conversation by this message gets it in the
                // view; the desk holding it, as the message.
                self.engine
                    .handle(now, Input::VisitorMessage { conversation: n })
                    .map_err(routing_error)?;
                self.record_message(
                    n,
                    Some(client_id),
                    Author::Visitor,
                    Body::Text { text },
                    true,
                    now,
                );
                self.dirty_conversations.insert(n);
            }
            None => {
                let last = self.visitors.get(visitor).and_then(|v| v.last);
                let reopen = last.filter(|n| self.reopenable(store, *n, now));
                let (n, input) = match reopen {
                    Some(n) => (n, Input::Reopen { conversation: n }),
                    None => {
                        let group = self.groups.first().map(|g| g.id).ok_or_else(|| {
                            ErrorFrame::new(
                                ErrorCode::InvalidState,
                                "this project has no group to route to",
                            )
                        })?;
                        let n = self.conversation_no + 1;
                        let input = Input::NewConversation {
                            conversation: n,
                            group,
                            channel: Channel::Chat,
                        };
                        (n, input)
                    }
                };
                // Routing first: if it refuses, nothing of this frame is recorded.
                self.engine.handle(now, input).map_err(routing_error)?;
                self.conversation_no = self.conversation_no.max(n);
                if let Some(v) = self.visitors.get_mut(visitor) {
                    v.open = Some(n);
                    v.last = Some(n);
                }
                self.conversation_visitor.insert(n, visitor.to_owned());
                self.record_message(
                    n,
                    Some(client_id),
                    Author::Visitor,
                    Body::Text { text },
                    true,
                    now,
                );
                if reopen.is_some() {
                    self.record_message(
                        n,
                        None,
                        Author::System,
                        Body::Event {
                            event: ThreadEvent::Reopened,
                        },
                        false,
                        now,
                    );
                } else {
                    self.emit_visitor(
                        visitor,
                        VisitorEvent::ConversationStarted {
                            conversation: self.reference(n),
                        },
                    );
                }
                let online = self.online_visitors.contains(visitor);
                let _ = self.engine.handle(
                    now,
                    Input::VisitorPresence {
                        conversation: n,
                        online,
                    },
                );
                self.dirty_conversations.insert(n);
            }
        }
        self.ensure_visitor_stored(visitor);
        Ok(())
    }

    /// D11: what the visitor is typing, to the desk only, never stored.
    pub(in crate::hub) fn draft(&mut self, visitor: &str, text: String) -> Result<(), ErrorFrame> {
        let Some(n) = self.visitors.get(visitor).and_then(|v| v.open) else {
            return Ok(());
        };
        if let Some(agent) = self.engine.conversation(n).and_then(|c| c.agent()) {
            let text: String = text.chars().take(MAX_DRAFT_CHARS).collect();
            let frame = AgentServerFrame::VisitorDraft {
                conversation: self.reference(n),
                text,
            };
            self.outbox.push((Target::Agent(agent), frame_json(&frame)));
        }
        Ok(())
    }

    /// W3: the page the visitor is on, on the card and in the thread.
    pub(in crate::hub) fn navigate(
        &mut self,
        visitor: &str,
        page: Page,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        check_page(&page)?;
        self.ensure_visitor_stored(visitor);
        self.update_card(visitor, |card| {
            card.page_url = Some(page.url.clone());
            card.page_title = page.title.clone();
        });
        if let Some(n) = self.visitors.get(visitor).and_then(|v| v.open) {
            let event = ThreadEvent::Navigated {
                url: page.url,
                title: page.title,
            };
            self.record_message(n, None, Author::System, Body::Event { event }, false, now);
        }
        Ok(())
    }

    /// R8: name and e-mail address left by the visitor.
    pub(in crate::hub) fn set_profile(
        &mut self,
        visitor: &str,
        name: Option<String>,
        email: Option<String>,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        if let Some(name) = &name {
            check_text("name", name, 200)?;
        }
        if let Some(email) = &email
            && !valid_email(email)
        {
            return Err(invalid("this is not an e-mail address"));
        }
        self.ensure_visitor_stored(visitor);
        let left_email = email.is_some();
        self.update_card(visitor, |card| {
            if name.is_some() {
                card.name = name.clone();
            }
            if email.is_some() {
                card.email = email.clone();
            }
        });
        if left_email && let Some(n) = self.visitors.get(visitor).and_then(|v| v.open) {
            self.record_message(
                n,
                None,
                Author::System,
                Body::Event {
                    event: ThreadEvent::EmailLeft,
                },
                false,
                now,
            );
        }
        Ok(())
    }

    /// R8: what the visitor has seen in the widget (the unread badge, answers by e-mail).
    pub(in crate::hub) fn seen(&mut self, visitor: &str, up_to: i64) -> Result<(), ErrorFrame> {
        let up_to = up_to.min(self.message_id);
        let Some(v) = self.visitors.get_mut(visitor) else {
            return Ok(());
        };
        if up_to > v.seen {
            v.seen = up_to;
            if v.stored {
                self.store_visitor(visitor);
            }
            self.emit_visitor(visitor, VisitorEvent::Seen { up_to });
        }
        Ok(())
    }

    /// R9, W4, A5: the survey of a closed conversation, or of one whose agent sent it, once:
    /// the project's questionnaire when it chose one, else the built-in score and comment.
    pub(in crate::hub) fn answer_survey(
        &mut self,
        store: &mut dyn StoreRead,
        visitor: &str,
        conversation: ConversationRef,
        answer: SurveyAnswer,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        let comment = answer.comment.filter(|c| !c.trim().is_empty());
        if let Some(c) = &comment {
            check_text("comment", c, MAX_FIELD_CHARS)?;
        }
        let (score, answers) = match self.visitor_survey() {
            Some(questionnaire) => {
                let language = self
                    .visitors
                    .get(visitor)
                    .and_then(|v| v.card.language.clone());
                let (lines, score) = crate::questionnaires::read_answers(
                    &questionnaire,
                    &answer.answers,
                    language.as_deref(),
                )
                .map_err(|(field, reason)| invalid(format!("{field}: {reason}")))?;
                (score, lines)
            }
            None => match answer.score {
                Some(score @ 1..=5) if answer.answers.is_empty() => (Some(score), vec![]),
                _ => return Err(invalid("the score is from 1 to 5")),
            },
        };
        let n = self.number(&conversation)?;
        let closed = self.visitor_owns_closed(store, visitor, n)?;
        let thread = self.messages_of(store, n);
        let has = |pick: fn(&ThreadEvent) -> bool| {
            thread.iter().any(|m| match &m.message.body {
                Body::Event { event } => pick(event),
                _ => false,
            })
        };
        if !closed && !has(|e| matches!(e, ThreadEvent::SurveySent { .. })) {
            return Err(ErrorFrame::new(
                ErrorCode::InvalidState,
                format!("{conversation} is not closed yet"),
            ));
        }
        if has(|e| matches!(e, ThreadEvent::SurveyAnswered { .. })) {
            return Err(ErrorFrame::new(
                ErrorCode::Conflict,
                "this survey was already answered",
            ));
        }
        if closed {
            // D15: onto the closed conversation's figures.
            let comment = comment.as_deref().map(str::trim).map(str::to_owned);
            self.batch
                .late_surveys
                .push((n, score.map(f64::from), comment));
        }
        let event = ThreadEvent::SurveyAnswered {
            score,
            comment,
            answers,
        };
        self.record_message(n, None, Author::Visitor, Body::Event { event }, false, now);
        self.emit_visitor(visitor, VisitorEvent::SurveyAnswered { conversation });
        Ok(())
    }

    /// R10, W4: the waiting questionnaire's answers, onto the visitor card.
    pub(in crate::hub) fn answer_questionnaire(
        &mut self,
        visitor: &str,
        answers: Vec<String>,
    ) -> Result<(), ErrorFrame> {
        let questions: Vec<String> = self
            .project
            .settings
            .widget
            .questionnaire
            .iter()
            .map(|q| q.label())
            .collect();
        if questions.is_empty() {
            return Err(ErrorFrame::new(
                ErrorCode::InvalidState,
                "this project has no waiting questionnaire",
            ));
        }
        if answers.len() > questions.len() {
            return Err(invalid(format!(
                "{} answers for {} questions",
                answers.len(),
                questions.len()
            )));
        }
        for a in &answers {
            if a.chars().count() > MAX_FIELD_CHARS {
                return Err(invalid(format!(
                    "an answer is longer than {MAX_FIELD_CHARS} characters"
                )));
            }
        }
        self.ensure_visitor_stored(visitor);
        self.update_card(visitor, |card| {
            for (question, answer) in questions.iter().zip(answers) {
                let answer = answer.trim().to_owned();
                card.fields.retain(|f| &f.label != question);
                if !answer.is_empty() {
                    card.fields.push(CardField {
                        label: question.clone(),
                        value: answer,
                        labels: Default::default(),
                        key: None,
                    });
                }
            }
        });
        Ok(())
    }

    /// A7: custom fields from the brand's site, onto the card (the desk sees those the admin
    /// chose).
    pub(in crate::hub) fn set_fields(
        &mut self,
        visitor: &str,
        fields: &std::collections::BTreeMap<String, String>,
    ) -> Result<(), ErrorFrame> {
        let current = self
            .visitors
            .get(visitor)
            .map(|v| v.card.custom.clone())
            .unwrap_or_default();
        let merged = crate::visitor_card::merge(&current, fields).map_err(invalid)?;
        if merged == current {
            return Ok(());
        }
        self.ensure_visitor_stored(visitor);
        self.update_card(visitor, |card| card.custom = merged);
        Ok(())
    }

    /// Whether conversation `n` is `visitor`'s and closed; `not_found` when it is not theirs.
    pub(in crate::hub) fn visitor_owns_closed(
        &mut self,
        store: &mut dyn StoreRead,
        visitor: &str,
        n: i64,
    ) -> Result<bool, ErrorFrame> {
        let not_found = || ErrorFrame::new(ErrorCode::NotFound, "no such conversation");
        if let Some(record) = self.engine.conversation(n) {
            let closed = matches!(record.state, ConversationState::Closed { .. });
            return match self.conversation_visitor.get(&n) {
                Some(v) if v == visitor => Ok(closed),
                _ => Err(not_found()),
            };
        }
        match store.conversation(self.project.id, n) {
            Ok(Some(row)) if row.visitor_id == visitor => {
                Ok(matches!(row.record.state, ConversationState::Closed { .. }))
            }
            _ => Err(not_found()),
        }
    }

    /// R9 option: whether the visitor's closed conversation `n` goes back to its agent. The
    /// engine forgets closed conversations; this reads it back from the store first.
    pub(in crate::hub) fn reopenable(
        &mut self,
        store: &mut dyn StoreRead,
        n: i64,
        now: Millis,
    ) -> bool {
        if !self.engine.settings().reopen_to_previous_agent {
            return false;
        }
        if self.engine.conversation(n).is_none() {
            match store.conversation(self.project.id, n) {
                Ok(Some(row)) => {
                    if row.important {
                        self.important.insert(n);
                    }
                    if !self.engine.readmit(row.record) {
                        self.important.remove(&n);
                        return false;
                    }
                }
                _ => return false,
            }
        }
        let yes = self.engine.can_reopen(n, now);
        if !yes {
            self.engine.forget(n);
            self.important.remove(&n);
        }
        yes
    }

    pub(in crate::hub) fn ensure_visitor_stored(&mut self, visitor: &str) {
        if let Some(v) = self.visitors.get_mut(visitor)
            && !v.stored
        {
            v.stored = true;
            self.store_visitor(visitor);
        }
    }

    /// Puts the visitor's row (card, seen) in the batch.
    pub(in crate::hub) fn store_visitor(&mut self, visitor: &str) {
        if let Some(v) = self.visitors.get(visitor) {
            self.batch.visitors.push(VisitorRow {
                id: visitor.to_owned(),
                project_id: self.project.id,
                card: v.card.clone(),
                created_at: v.created_at,
                seen: v.seen,
            });
        }
    }

    pub(in crate::hub) fn update_card(&mut self, visitor: &str, f: impl FnOnce(&mut VisitorCard)) {
        let Some(v) = self.visitors.get_mut(visitor) else {
            return;
        };
        f(&mut v.card);
        let (card, open) = (v.card.clone(), v.open);
        let card = self.card_for_desk(&card);
        self.store_visitor(visitor);
        if let Some(n) = open
            && let Some(agent) = self.engine.conversation(n).and_then(|c| c.agent())
        {
            let conversation = self.reference(n);
            self.emit_agent(
                agent,
                AgentEvent::VisitorUpdated {
                    conversation,
                    visitor: card,
                },
            );
        }
    }
}

/// What a visitor sent for a survey: the built-in one's score and comment, or the project's
/// questionnaire's answers by question id.
pub(in crate::hub) struct SurveyAnswer {
    score: Option<u8>,
    comment: Option<String>,
    answers: std::collections::BTreeMap<String, crate::questionnaires::AnswerValue>,
}

impl Project {
    /// A5: the questionnaire the project sends visitors as their survey, if it chose one.
    /// A5, R9: the project's closing questionnaire for agents, with its options.
    pub(in crate::hub) fn agent_questionnaire(
        &self,
    ) -> Option<pupitre_protocol::questionnaire::AgentQuestionnaire> {
        let q = &self.project.settings.questionnaires;
        let id = q.agent.questionnaire.as_ref()?;
        let questionnaire = q.list.iter().find(|x| &x.id == id).cloned()?;
        Some(pupitre_protocol::questionnaire::AgentQuestionnaire {
            questionnaire,
            complete_button: q.agent.complete_button,
            cancel_button: q.agent.cancel_button,
            closable_without_answer: q.agent.closable_without_answer,
        })
    }

    pub(in crate::hub) fn visitor_survey(&self) -> Option<crate::questionnaires::Questionnaire> {
        let q = &self.project.settings.questionnaires;
        let id = q.visitor.questionnaire.as_ref()?;
        q.list.iter().find(|x| &x.id == id).cloned()
    }
}
