//! Supervision (M2, M3): help requests routed to managers, watching, whispering, taking over.
//! Who may be asked and who may supervise is decided here; the help requests' routing and
//! timeouts are the routing crate's ([`HelpDesk`]).

use pupitre_protocol::agent::Role;
use pupitre_protocol::supervision::{HelpRequest, HelpState, MAX_HELP_NOTE_CHARS};
use pupitre_routing::help::{HelpChange, HelpError, HelpRecord, HelpStage};

use crate::hub::*;

/// M2: how long a request asked of a manager who went offline waits for them to come back.
const HELP_GRACE: Millis = 10_000;

fn help_error(e: HelpError) -> ErrorFrame {
    let code = match e {
        HelpError::NoManager => ErrorCode::Unavailable,
        HelpError::AlreadyAsked | HelpError::NotOpen => ErrorCode::InvalidState,
        HelpError::NotYours => ErrorCode::Forbidden,
    };
    ErrorFrame::new(code, e.to_string())
}

impl Project {
    /// M4: a manager supervises their groups' conversations, an admin every one of the project.
    fn may_supervise(&self, manager: AgentId, group: i64) -> Result<(), ErrorFrame> {
        let row = self.agents.get(&manager);
        match row.map(|r| r.role) {
            Some(Role::Admin) => Ok(()),
            Some(Role::Manager) if row.is_some_and(|r| r.groups.contains(&group)) => Ok(()),
            Some(Role::Manager) => Err(ErrorFrame::new(
                ErrorCode::Forbidden,
                "this conversation is not in one of your groups",
            )),
            _ => Err(ErrorFrame::new(
                ErrorCode::Forbidden,
                "only managers and admins supervise conversations",
            )),
        }
    }

    /// A live conversation on a desk that `manager` may supervise: its number, group, holder.
    fn supervised(
        &self,
        manager: AgentId,
        conversation: &ConversationRef,
    ) -> Result<(i64, i64, AgentId), ErrorFrame> {
        let n = self.number(conversation)?;
        let Some(record) = self.engine.conversation(n) else {
            return Err(ErrorFrame::new(
                ErrorCode::InvalidState,
                format!("{conversation} is not live"),
            ));
        };
        self.may_supervise(manager, record.group)?;
        match record.agent() {
            Some(agent) => Ok((n, record.group, agent)),
            None => Err(ErrorFrame::new(
                ErrorCode::InvalidState,
                format!("{conversation} is on nobody's desk now"),
            )),
        }
    }

    /// M2: who may be asked for help on a conversation of `group` now, best first: online
    /// managers of the group with the fewest requests asked of them, then the least loaded;
    /// the project's admins online after them.
    pub(in crate::hub) fn help_candidates(&self, group: i64) -> Vec<AgentId> {
        let mut candidates: Vec<(u8, usize, u32, AgentId)> = self
            .online_agents
            .iter()
            .filter_map(|id| self.agents.get(id))
            .filter(|a| a.active)
            .filter_map(|a| {
                let rank = match a.role {
                    Role::Manager if a.groups.contains(&group) => 0,
                    Role::Admin => 1,
                    _ => return None,
                };
                let asked = self
                    .help
                    .open()
                    .filter(|r| r.manager() == Some(a.id))
                    .count();
                let load = self.engine.agent(a.id).map_or(0, |v| v.load);
                Some((rank, asked, load, a.id))
            })
            .collect();
        candidates.sort_unstable();
        candidates.into_iter().map(|c| c.3).collect()
    }

    pub(in crate::hub) fn help_view(&self, record: &HelpRecord) -> HelpRequest {
        let state = match record.stage {
            HelpStage::Asking { manager, until } => HelpState::Asking {
                manager,
                manager_name: self.agent_name(manager),
                until,
            },
            HelpStage::Accepted { manager } => HelpState::Accepted {
                manager,
                manager_name: self.agent_name(manager),
            },
            HelpStage::Unanswered => HelpState::Unanswered,
            HelpStage::Withdrawn => HelpState::Withdrawn,
        };
        let visitor_name = self
            .conversation_visitor
            .get(&record.conversation)
            .and_then(|v| self.visitors.get(v))
            .and_then(|v| v.card.name.clone());
        HelpRequest {
            id: record.id,
            conversation: self.reference(record.conversation),
            group: record.group,
            agent: record.agent,
            agent_name: self.agent_name(record.agent),
            note: record.note.clone(),
            visitor_name,
            at: record.at,
            state,
        }
    }

    /// Persists a change and tells the agent who asked and each manager it concerns.
    pub(in crate::hub) fn help_changed(&mut self, change: HelpChange) {
        let view = self.help_view(&change.record);
        let mut to = vec![change.record.agent];
        to.extend(change.record.manager());
        to.extend(change.left);
        to.dedup();
        for agent in to {
            self.emit_agent(
                agent,
                AgentEvent::Help {
                    request: view.clone(),
                },
            );
        }
        self.batch.help.push(change.record);
    }

    /// D16, M2: the agent asks for help on a conversation of their desk.
    pub(in crate::hub) fn ask_help(
        &mut self,
        agent: AgentId,
        conversation: ConversationRef,
        note: Option<String>,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        if !self.project.settings.desk.ask_manager {
            return Err(option_off("asking a manager for help"));
        }
        let n = self.own_conversation(agent, &conversation)?;
        let note = note.filter(|t| !t.trim().is_empty());
        if let Some(t) = &note {
            check_text("note", t, MAX_HELP_NOTE_CHARS)?;
        }
        let group = self.engine.conversation(n).map_or(0, |c| c.group);
        let candidates = self.help_candidates(group);
        let id = self.help_no + 1;
        let change = self
            .help
            .ask(now, id, n, group, agent, note, &candidates)
            .map_err(help_error)?;
        self.help_no = id;
        self.help_changed(change);
        Ok(())
    }

    /// M2: the manager asked accepts (and starts watching) or declines (it moves on).
    pub(in crate::hub) fn answer_help(
        &mut self,
        store: &mut dyn StoreRead,
        manager: AgentId,
        request: i64,
        accept: bool,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        let group = self
            .help
            .get(request)
            .map(|r| r.group)
            .ok_or_else(|| help_error(HelpError::NotOpen))?;
        let candidates = self.help_candidates(group);
        let change = self
            .help
            .answer(now, request, manager, accept, &candidates)
            .map_err(help_error)?;
        let conversation = change.record.conversation;
        self.help_changed(change);
        if accept {
            self.start_watching(store, manager, conversation);
        }
        Ok(())
    }

    /// M2: requests whose manager did not answer in time move on; those asked of a manager
    /// who went offline (`left`) move on after [`HELP_GRACE`] unless they come back.
    pub(in crate::hub) fn help_timers(&mut self, now: Millis, left: Option<AgentId>) {
        if let Some(manager) = left {
            for change in self.help.manager_left(now, manager, HELP_GRACE) {
                self.help_changed(change);
            }
            return;
        }
        let candidates: HashMap<i64, Vec<AgentId>> = self
            .help
            .open()
            .map(|r| r.group)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|g| (g, self.help_candidates(g)))
            .collect();
        let of = |r: &HelpRecord| candidates.get(&r.group).cloned().unwrap_or_default();
        for change in self.help.handle_timeout(now, of) {
            self.help_changed(change);
        }
    }

    /// M2: the conversation left its agent's desk: an open request on it is withdrawn.
    pub(in crate::hub) fn help_withdrawn(&mut self, n: i64) {
        if let Some(change) = self.help.conversation_left(n) {
            self.help_changed(change);
        }
    }

    /// M3: a manager starts or stops watching. Ephemeral: nobody else is told.
    pub(in crate::hub) fn watch(
        &mut self,
        store: &mut dyn StoreRead,
        manager: AgentId,
        conversation: ConversationRef,
        watch: bool,
    ) -> Result<(), ErrorFrame> {
        if !watch {
            let n = self.number(&conversation)?;
            if let Some(w) = self.watchers.get_mut(&n) {
                w.remove(&manager);
            }
            return Ok(());
        }
        let (n, _, _) = self.supervised(manager, &conversation)?;
        self.start_watching(store, manager, n);
        Ok(())
    }

    fn start_watching(&mut self, store: &mut dyn StoreRead, manager: AgentId, n: i64) {
        let Some(view) = self.view(store, n) else {
            return;
        };
        self.watchers.entry(n).or_default().insert(manager);
        let frame = AgentServerFrame::Watching { conversation: view };
        self.outbox
            .push((Target::Agent(manager), frame_json(&frame)));
        if let Some(cobrowse) = self.cobrowse_for_watcher(n) {
            self.outbox.push((Target::Agent(manager), cobrowse));
        }
    }

    /// M3: watches end when their conversation is on no desk any more (or on the manager's
    /// own, taken over), or their manager left.
    pub(in crate::hub) fn settle_watchers(&mut self) {
        let mut ended = Vec::new();
        for (n, managers) in &mut self.watchers {
            let holder = self.desk_of.get(n).copied();
            managers.retain(|m| {
                // On no desk, or now on the manager's own: there is nothing left to watch.
                let keep = holder.is_some_and(|h| h != *m) && self.online_agents.contains(m);
                if !keep && self.online_agents.contains(m) {
                    ended.push((*n, *m));
                }
                keep
            });
        }
        self.watchers.retain(|_, m| !m.is_empty());
        for (n, manager) in ended {
            let frame = AgentServerFrame::WatchEnded {
                conversation: self.reference(n),
            };
            self.outbox
                .push((Target::Agent(manager), frame_json(&frame)));
        }
    }

    /// M3: a note to the conversation's agent, stored for agents only: never the visitor's.
    pub(in crate::hub) fn whisper(
        &mut self,
        manager: AgentId,
        client_id: ClientId,
        conversation: ConversationRef,
        text: String,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        let (n, _, holder) = self.supervised(manager, &conversation)?;
        if holder == manager {
            return Err(ErrorFrame::new(
                ErrorCode::InvalidState,
                "this conversation is on your own desk: write to the visitor",
            ));
        }
        check_text("text", &text, MAX_MESSAGE_CHARS)?;
        let author = Author::Agent {
            id: manager,
            name: self.agent_name(manager),
        };
        self.record_message(
            n,
            Some(client_id),
            author,
            Body::Whisper { text },
            false,
            now,
        );
        Ok(())
    }

    /// M3: the manager takes the conversation onto their desk, as a transfer from its agent
    /// that R4 allows only when the manager is available with a free slot.
    pub(in crate::hub) fn take_over(
        &mut self,
        store: &mut dyn StoreRead,
        manager: AgentId,
        conversation: ConversationRef,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        let (n, _, holder) = self.supervised(manager, &conversation)?;
        if holder == manager {
            return Err(ErrorFrame::new(
                ErrorCode::InvalidState,
                "this conversation is already on your desk",
            ));
        }
        // A manager who joined takes it with the slot the join held.
        let was_joined = self
            .engine
            .conversation(n)
            .is_some_and(|c| c.joined.contains(&manager));
        let join = |join| Input::Join {
            conversation: n,
            agent: manager,
            join,
        };
        if was_joined {
            self.engine
                .handle(now, join(false))
                .map_err(routing_error)?;
        }
        let result = self.transfer(
            store,
            holder,
            conversation,
            TransferTarget::Agent { id: manager },
            None,
            false,
            now,
        );
        if result.is_err() && was_joined {
            let _ = self.engine.handle(now, join(true));
        }
        result.map_err(|e| match e.code {
            ErrorCode::AgentUnavailable => ErrorFrame::new(
                ErrorCode::AgentUnavailable,
                "you cannot take it now: be available with a free slot (R4)",
            ),
            _ => e,
        })
    }
}

impl Project {
    /// A conversation on `agent`'s desk, or one they joined (M3): where they may write.
    pub(in crate::hub) fn own_or_joined(
        &self,
        agent: AgentId,
        conversation: &ConversationRef,
    ) -> Result<i64, ErrorFrame> {
        let n = self.number(conversation)?;
        if self
            .engine
            .conversation(n)
            .is_some_and(|c| c.joined.contains(&agent))
        {
            return Ok(n);
        }
        self.own_conversation(agent, conversation)
    }

    /// M3: a manager joins the conversation's agent (R4: available with a free slot), or
    /// leaves.
    pub(in crate::hub) fn join(
        &mut self,
        manager: AgentId,
        conversation: ConversationRef,
        join: bool,
        now: Millis,
    ) -> Result<(), ErrorFrame> {
        let n = if join {
            self.supervised(manager, &conversation)?.0
        } else {
            self.number(&conversation)?
        };
        self.engine
            .handle(
                now,
                Input::Join {
                    conversation: n,
                    agent: manager,
                    join,
                },
            )
            .map_err(|e| match e {
                RoutingError::AgentUnavailable(_) => ErrorFrame::new(
                    ErrorCode::AgentUnavailable,
                    "you cannot join now: be available with a free slot (R4)",
                ),
                e => routing_error(e),
            })
    }

    /// M3: the engine's join (or its end): the thread says it to everyone, the visitor
    /// included; the manager watches it, with the view that shows the join.
    pub(in crate::hub) fn joined(
        &mut self,
        store: &mut dyn StoreRead,
        n: i64,
        manager: AgentId,
        joined: bool,
        now: Millis,
    ) {
        self.dirty_conversations.insert(n);
        self.dirty_agents.insert(manager);
        let event = ThreadEvent::ManagerJoined {
            agent: self.agent_name(manager),
            joined,
        };
        self.record_message(n, None, Author::System, Body::Event { event }, true, now);
        // The engine's state is final here (the desk index follows the outputs after this).
        let holder = self.engine.conversation(n).and_then(|c| c.agent());
        if self.online_agents.contains(&manager) && holder.is_some_and(|h| h != manager) {
            self.start_watching(store, manager, n);
        }
    }
}
