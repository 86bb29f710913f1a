use super::*;

/// What one step (one command, or the timers that came due) recorded, from which its
/// deliveries to desks are derived when it ends (DESIGN §12): never from a view built in an
/// earlier step of the same batch.
#[derive(Default)]
pub(in crate::hub) struct Recorded {
    /// Messages recorded, with the desks that already received it.
    pub(in crate::hub) messages: Vec<(i64, Message, Vec<AgentId>)>,
    /// Conversations that reached a desk in this step: the agent and the message ids of the
    /// view it received.
    pub(in crate::hub) views: HashMap<i64, (AgentId, BTreeSet<i64>)>,
    /// Transfer comments given in this step, for the receiving desk's event.
    pub(in crate::hub) comments: HashMap<i64, String>,
}

impl Project {
    /// Records a message: the visitor gets it at once when `for_visitor`; the desk that holds
    /// the conversation (as far as the events so far tell) gets it at once too; a desk that
    /// receives the conversation later in this step gets it in the view, or else when the step
    /// ends ([`Self::deliver_step`]).
    pub(in crate::hub) fn record_message(
        &mut self,
        n: i64,
        client_id: Option<ClientId>,
        author: Author,
        body: Body,
        for_visitor: bool,
        now: Millis,
    ) -> Message {
        self.message_id += 1;
        let message = Message {
            id: self.message_id,
            conversation: self.reference(n),
            client_id,
            author,
            body,
            at: now,
        };
        self.batch.messages.push(StoredMessage {
            message: message.clone(),
            for_visitor,
        });
        if for_visitor && let Some(visitor) = self.conversation_visitor.get(&n).cloned() {
            self.emit_visitor(
                &visitor,
                VisitorEvent::Message {
                    message: message.clone(),
                },
            );
        }
        let holder = self.desk_of.get(&n).copied();
        if let Some(agent) = holder {
            self.emit_agent(
                agent,
                AgentEvent::Message {
                    message: message.clone(),
                },
            );
        }
        self.step
            .messages
            .push((n, message.clone(), holder.into_iter().collect()));
        message
    }

    /// Records a message of a routing change made by `agent`, who gets it even when the
    /// change took the conversation off their desk (a close).
    #[allow(clippy::too_many_arguments)]
    pub(in crate::hub) fn add_message_to(
        &mut self,
        n: i64,
        agent: AgentId,
        author: Author,
        body: Body,
        for_visitor: bool,
        now: Millis,
    ) {
        let message = self.record_message(n, None, author, body, for_visitor, now);
        if self.desk_of.get(&n) != Some(&agent) {
            self.emit_agent(agent, AgentEvent::Message { message });
            if let Some(last) = self.step.messages.last_mut() {
                last.2.push(agent);
            }
        }
    }

    /// The end of a step: each message it recorded reaches the desk holding its conversation
    /// now, unless that desk already has it (delivered, or in the view it just received).
    pub(in crate::hub) fn deliver_step(&mut self) {
        let step = std::mem::take(&mut self.step);
        for (n, message, delivered) in step.messages {
            // M3: managers watching get it too, ephemerally (they ask again on reconnect).
            for &manager in self.watchers.get(&n).into_iter().flatten() {
                if !delivered.contains(&manager) && self.desk_of.get(&n) != Some(&manager) {
                    let frame = AgentServerFrame::Watched {
                        message: message.clone(),
                    };
                    self.outbox
                        .push((Target::Agent(manager), frame_json(&frame)));
                }
            }
            let Some(holder) = self.desk_of.get(&n).copied() else {
                continue;
            };
            let in_view = step
                .views
                .get(&n)
                .is_some_and(|(agent, ids)| *agent == holder && ids.contains(&message.id));
            if !delivered.contains(&holder) && !in_view {
                self.emit_agent(holder, AgentEvent::Message { message });
            }
        }
    }

    pub(in crate::hub) fn next_seq(&mut self) -> Seq {
        self.seq += 1;
        self.seq
    }

    pub(in crate::hub) fn emit_agent(&mut self, agent: AgentId, event: AgentEvent) {
        let seq = self.next_seq();
        let payload = serde_json::to_string(&event).expect("events serialize");
        self.outbox
            .push((Target::Agent(agent), event_frame(seq, &payload)));
        self.batch.events.push((agent_stream(agent), seq, payload));
    }

    pub(in crate::hub) fn emit_visitor(&mut self, visitor: &str, event: VisitorEvent) {
        let seq = self.next_seq();
        let payload = serde_json::to_string(&event).expect("events serialize");
        self.outbox.push((
            Target::Visitor(visitor.to_owned()),
            event_frame(seq, &payload),
        ));
        self.batch
            .events
            .push((visitor_stream(visitor), seq, payload));
    }

    pub(in crate::hub) fn reply(&mut self, conn: ConnId, frame: AgentServerFrame) {
        self.replies.push((conn, frame_json(&frame)));
    }

    pub(in crate::hub) fn sentence(&mut self, n: i64, kind: SentenceKind, now: Millis) {
        let language = self
            .conversation_visitor
            .get(&n)
            .and_then(|v| self.visitors.get(v))
            .and_then(|v| v.card.language.clone());
        let text = self
            .project
            .settings
            .sentences
            .get(kind, language.as_deref());
        self.record_message(
            n,
            None,
            Author::System,
            Body::Sentence {
                sentence: kind,
                text,
            },
            true,
            now,
        );
    }

    /// R10, W4: a queued visitor gets the waiting questionnaire, unless already answered.
    pub(in crate::hub) fn ask_questionnaire(&mut self, n: i64) {
        let widget = &self.project.settings.widget;
        if widget.questionnaire.is_empty() {
            return;
        }
        let Some(visitor) = self.conversation_visitor.get(&n).cloned() else {
            return;
        };
        let Some(card) = self.visitors.get(&visitor).map(|v| &v.card) else {
            return;
        };
        let answered = widget
            .questionnaire
            .iter()
            .all(|q| card.fields.iter().any(|f| f.label == q.label()));
        if answered {
            return;
        }
        // In the visitor's language; the answers go on the card under the agent's labels.
        let language = card.language.as_deref();
        let event = VisitorEvent::QuestionnaireRequested {
            conversation: self.reference(n),
            questions: widget
                .questionnaire
                .iter()
                .map(|q| q.text(language))
                .collect(),
            display_seconds: widget.questionnaire_seconds,
        };
        self.emit_visitor(&visitor, event);
    }

    /// R8: agent messages the visitor has not seen, followed by a snooze, a transfer or a
    /// close, are queued for e-mail in this batch (once per message).
    pub(in crate::hub) fn queue_answer_mail(
        &mut self,
        store: &mut dyn StoreRead,
        n: i64,
        now: Millis,
    ) {
        let Some(mailer) = self.mailer.clone() else {
            return;
        };
        let Some(visitor) = self.conversation_visitor.get(&n).cloned() else {
            return;
        };
        let Some(v) = self.visitors.get(&visitor) else {
            return;
        };
        let Some(to) = v.card.email.clone() else {
            return;
        };
        let (seen, language, name, page) = (
            v.seen,
            v.card.language.clone(),
            v.card.name.clone(),
            v.card.page_url.clone(),
        );
        let mailed = self
            .batch
            .mails
            .iter()
            .filter(|m| m.conversation == n)
            .map(|m| m.up_to)
            .max()
            .unwrap_or(0)
            .max(store.mailed_up_to(self.project.id, n).unwrap_or(0));
        let unseen: Vec<Message> = self
            .messages_of(store, n)
            .into_iter()
            .filter(|m| m.for_visitor && m.message.id > seen.max(mailed))
            .map(|m| m.message)
            .filter(|m| matches!(m.author, Author::Agent { .. }))
            .collect();
        let Some(up_to) = unseen.last().map(|m| m.id) else {
            return;
        };
        let mail = mailer.compose(&crate::mail::Answer {
            project: &self.project.name,
            reference: &self.reference(n),
            language: language.as_deref(),
            visitor_name: name.as_deref(),
            page_url: page.as_deref(),
            color: &self.project.settings.widget.color,
            messages: &unseen,
        });
        self.batch.mails.push(crate::store::NewMail {
            conversation: n,
            up_to,
            to,
            subject: mail.subject,
            text: mail.text,
            html: mail.html,
            created_at: now,
        });
    }
}
