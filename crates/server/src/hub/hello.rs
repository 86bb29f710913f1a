use super::*;

impl Project {
    /// A desk's hello: the welcome with the missed events, or a snapshot of its desk (`None`:
    /// commit what is pending first, then ask again).
    pub(in crate::hub) fn agent_hello(
        &mut self,
        store: &mut dyn StoreRead,
        agent: AgentId,
        last_seq: Option<Seq>,
        now: Millis,
    ) -> Option<Hello> {
        // Fresh configuration: an admin may have changed the agent since the hub started.
        match store.agent(agent) {
            Ok(Some(row)) if row.project_id == self.project.id && !row.active => {
                return Some(refused(
                    ErrorFrame::new(
                        ErrorCode::Unauthorized,
                        "this account was deactivated by an admin",
                    ),
                    "account deactivated",
                ));
            }
            Ok(Some(row)) if row.project_id == self.project.id => {
                let known = self.agents.contains_key(&agent);
                let config = agent_config(&row);
                self.agents.insert(agent, row.clone());
                let result = if known {
                    self.engine.handle(now, Input::UpsertAgent(config))
                } else {
                    self.engine
                        .handle(now, Input::UpsertAgent(config))
                        .and_then(|()| {
                            // A new agent starts with the statuses it had, if any.
                            for (channel, status) in &row.runtime.chosen {
                                self.engine.handle(
                                    now,
                                    Input::SetStatus {
                                        agent,
                                        channel: *channel,
                                        status: status.clone(),
                                    },
                                )?;
                            }
                            Ok(())
                        })
                };
                if let Err(e) = result {
                    tracing::warn!(agent, error = %e, "agent configuration refused by routing");
                }
            }
            _ => {
                return Some(refused(
                    ErrorFrame::new(ErrorCode::Unauthorized, "this agent no longer exists"),
                    "unknown agent",
                ));
            }
        }
        // Resuming reads the missed events from the store and needs no commit: what the
        // pending batch holds for this stream reaches the connection once durable, as for any
        // other. A snapshot (a first connection, or too far behind) shows durable state only:
        // commit first.
        let stream = agent_stream(agent);
        let replay = match last_seq {
            Some(after) if after <= self.seq => {
                match store.events_since(&stream, after, MAX_REPLAY + 1) {
                    Ok(events) if events.len() <= MAX_REPLAY => Some((after, events)),
                    Ok(_) => None,
                    Err(e) => {
                        tracing::error!(error = %e, "reading missed events");
                        return Some(refused(
                            ErrorFrame::new(
                                ErrorCode::Internal,
                                "could not read missed events; reconnect",
                            ),
                            "internal error",
                        ));
                    }
                }
            }
            // No resume point, or one ahead of the hub (another database?): start afresh.
            _ => None,
        };
        let (seq, desk, replay) = match replay {
            // The welcome's seq is safe to store at once: the client's own resume point, which
            // each replayed event then moves on; a connection cut during the replay resumes
            // from what it really received.
            Some((after, events)) => (after, None, events),
            None if self.has_pending() => return None,
            None => (
                self.durable_seq,
                Some(self.desk_snapshot(store, agent)),
                vec![],
            ),
        };
        let welcome = AgentServerFrame::Welcome {
            version: PROTOCOL_VERSION,
            agent: self.profile(agent),
            seq,
            desk,
        };
        let mut frames = Vec::with_capacity(replay.len() + 1);
        frames.push(frame_json(&welcome));
        frames.extend(
            replay
                .iter()
                .map(|(seq, payload)| event_frame(*seq, payload)),
        );
        frames.extend(self.cobrowse_of_agent(agent));
        Some(Hello::Welcome(frames))
    }

    #[allow(clippy::too_many_arguments)]
    /// A widget's hello: the welcome with the missed events, or with the visitor's history
    /// (`None`: commit what is pending first, then ask again).
    pub(in crate::hub) fn visitor_hello(
        &mut self,
        store: &mut dyn StoreRead,
        visitor: String,
        token: String,
        last_seq: Option<Seq>,
        card: VisitorCard,
        now: Millis,
    ) -> Option<Hello> {
        if !self.visitors.contains_key(&visitor) {
            self.load_visitor(store, &visitor, &card, now);
        }
        // What the widget tells of this visit (language, page, browser) refreshes the card.
        self.refresh_card(&visitor, card);
        self.welcome_visitor(store, visitor, token, last_seq)
    }

    /// Reads a visitor who is not in memory back from the store (a new one starts from `card`).
    pub(in crate::hub) fn load_visitor(
        &mut self,
        store: &mut dyn StoreRead,
        visitor: &str,
        card: &VisitorCard,
        now: Millis,
    ) {
        {
            let known = store.visitor(visitor).ok().flatten();
            let conversations = store
                .visitor_conversations(self.project.id, visitor)
                .unwrap_or_default();
            let last = conversations.last().map(|c| c.record.id);
            let open = conversations
                .iter()
                .rev()
                .find(|c| !matches!(c.record.state, ConversationState::Closed { .. }))
                .map(|c| c.record.id);
            let state = match known {
                Some(row) => VisitorState {
                    card: row.card,
                    created_at: row.created_at,
                    open,
                    last,
                    stored: true,
                    seen: row.seen,
                },
                None => VisitorState {
                    card: VisitorCard {
                        id: visitor.to_owned(),
                        ..card.clone()
                    },
                    created_at: now,
                    open,
                    last,
                    stored: false,
                    seen: 0,
                },
            };
            self.visitors.insert(visitor.to_owned(), state);
        }
    }

    fn refresh_card(&mut self, visitor: &str, card: VisitorCard) {
        if let Some(v) = self.visitors.get_mut(visitor) {
            let mut changed = false;
            for (slot, new) in [
                (&mut v.card.language, card.language),
                (&mut v.card.page_url, card.page_url),
                (&mut v.card.page_title, card.page_title),
                (&mut v.card.user_agent, card.user_agent),
            ] {
                if new.is_some() && *slot != new {
                    *slot = new;
                    changed = true;
                }
            }
            if changed && v.stored {
                self.store_visitor(visitor);
            }
        }
    }

    /// The welcome, with the missed events or the history, then the live feed.
    fn welcome_visitor(
        &mut self,
        store: &mut dyn StoreRead,
        visitor: String,
        token: String,
        last_seq: Option<Seq>,
    ) -> Option<Hello> {
        // As for agents: a resume needs no commit; a history shows durable state only, so it
        // commits first, unless the visitor is new (nothing to show).
        let stream = visitor_stream(&visitor);
        let replay = match last_seq {
            Some(after) if after <= self.seq => {
                match store.events_since(&stream, after, MAX_REPLAY + 1) {
                    Ok(events) if events.len() <= MAX_REPLAY => Some((after, events)),
                    Ok(_) => None,
                    Err(e) => {
                        tracing::error!(error = %e, "reading missed events");
                        None
                    }
                }
            }
            _ => None,
        };
        let (seq, history, replay) = match replay {
            Some((after, events)) => (after, None, events),
            None => {
                let new = self
                    .visitors
                    .get(&visitor)
                    .is_some_and(|v| !v.stored && v.last.is_none());
                if !new && self.has_pending() {
                    return None;
                }
                // The durable seq: a pending event (a new visitor's `seen` in another tab)
                // comes after it, and a failed commit cannot take it back.
                (
                    self.durable_seq,
                    Some(self.visitor_history(store, &visitor)),
                    vec![],
                )
            }
        };
        let welcome = VisitorServerFrame::Welcome {
            version: PROTOCOL_VERSION,
            token,
            visitor_id: visitor.clone(),
            seq,
            history,
            seen: self.visitors.get(&visitor).map_or(0, |v| v.seen),
        };
        let mut frames = Vec::with_capacity(replay.len() + 1);
        frames.push(frame_json(&welcome));
        frames.extend(
            replay
                .iter()
                .map(|(seq, payload)| event_frame(*seq, payload)),
        );
        frames.extend(self.cobrowse_of_visitor(&visitor));
        Some(Hello::Welcome(frames))
    }

    pub(in crate::hub) fn visitor_presence(
        &mut self,
        store: &mut dyn StoreRead,
        visitor: &str,
        online: bool,
        now: Millis,
    ) {
        let Some(n) = self.visitors.get(visitor).and_then(|v| v.open) else {
            return;
        };
        if self
            .engine
            .handle(
                now,
                Input::VisitorPresence {
                    conversation: n,
                    online,
                },
            )
            .is_ok()
        {
            self.dirty_conversations.insert(n);
        }
        if let Some(agent) = self.engine.conversation(n).and_then(|c| c.agent()) {
            let frame = AgentServerFrame::VisitorPresence {
                conversation: self.reference(n),
                online,
            };
            self.outbox.push((Target::Agent(agent), frame_json(&frame)));
        }
        self.process_outputs(store, now);
    }
}

/// A hello refused: the error, then the connection closes.
fn refused(error: ErrorFrame, reason: &'static str) -> Hello {
    Hello::Refused(vec![
        Outbound::Text(frame_json(&AgentServerFrame::Error(error))),
        Outbound::Close(reason),
    ])
}
