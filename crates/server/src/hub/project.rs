use super::*;

/// One thing for the core to do: a command of the mailbox without its connection's channel.
pub(in crate::hub) enum Order {
    /// A desk says hello; [`Step::hello`] answers (the shell registers the connection after).
    AgentHello {
        agent: AgentId,
        last_seq: Option<Seq>,
    },
    /// The agent's first connection is registered (presence).
    AgentConnected {
        agent: AgentId,
    },
    /// The agent's last connection is gone.
    AgentLeft {
        agent: AgentId,
    },
    AgentFrame {
        agent: AgentId,
        conn: ConnId,
        frame: AgentClientFrame,
    },
    VisitorHello {
        visitor: String,
        token: String,
        last_seq: Option<Seq>,
        card: VisitorCard,
    },
    VisitorConnected {
        visitor: String,
    },
    /// The visitor's last connection is gone; [`Step::forget_visitor`] says whether memory may
    /// let it go once what is pending is committed.
    VisitorLeft {
        visitor: String,
    },
    ForgetVisitor {
        visitor: String,
    },
    VisitorFrame {
        visitor: String,
        conn: ConnId,
        frame: VisitorClientFrame,
    },
    /// A file and its message (W4, D12): [`Step::file`] answers.
    AddFile {
        from: FileSender,
        conversation: ConversationRef,
        name: String,
        mime: String,
        data: Vec<u8>,
    },
    /// A sale the brand's server reports (D15): [`Step::sale`] answers.
    ServerSale {
        visitor: String,
        amount_minor: i64,
        currency: String,
        order: String,
    },
    /// The engine's timers that came due.
    Timers,
    /// Configuration changed in the store.
    Reload,
    /// A commit failed: memory goes back to what the store holds.
    Recover,
}

/// How a hello is answered.
pub(in crate::hub) enum Hello {
    /// The welcome and the missed events, to send at once, in order.
    Welcome(Vec<String>),
    /// The client is refused: send these, then close.
    Refused(Vec<Outbound>),
}

/// What one order produced (DESIGN §12): the deliveries derived from its events, the acks and
/// the answers to refused frames, all to send once the batch is durable (answers even when it
/// is not); for a hello, its answer at once. What it writes joins the batch the core keeps
/// until [`Project::take_batch`] (the core reads its own pending writes).
#[derive(Default)]
pub(in crate::hub) struct Step {
    pub deliveries: Vec<(Target, String)>,
    pub acks: Vec<(ConnId, ClientId)>,
    pub replies: Vec<(ConnId, String)>,
    pub hello: Option<Hello>,
    /// The order needs what is pending committed first (a snapshot shows durable state only):
    /// commit, then give the same order again.
    pub commit_first: bool,
    pub file: Option<Result<Message, ErrorFrame>>,
    pub sale: Option<Result<frames::SaleReceipt, ErrorFrame>>,
    pub forget_visitor: bool,
    /// Agents whose connections close after the deliveries (deactivated, A8).
    pub signed_out: Vec<AgentId>,
    /// Co-browsing relays to open or close with the deliveries (D5).
    pub relays: Vec<frames::RelayChange>,
}

impl Project {
    pub(in crate::hub) fn load(
        store: &mut dyn StoreRead,
        project_id: ProjectId,
        now: Millis,
        mailer: Option<Mailer>,
        relay_secret: [u8; 32],
    ) -> Result<Self, StoreError> {
        let loaded = load_state(store, project_id, now)?;
        let desk_of = desks_of(&loaded.engine, &loaded.conversation_visitor);
        Ok(Self {
            project: loaded.project,
            groups: loaded.groups,
            agents: loaded.agents,
            engine: loaded.engine,
            seq: loaded.counters.seq,
            durable_seq: loaded.counters.seq,
            message_id: loaded.counters.message_id,
            conversation_no: loaded.counters.conversation,
            conversation_visitor: loaded.conversation_visitor,
            conversation_type: HashMap::new(),
            important: loaded.important,
            visitors: loaded.visitors,
            online_agents: BTreeSet::new(),
            online_visitors: BTreeSet::new(),
            batch: Batch::default(),
            outbox: Vec::new(),
            replies: Vec::new(),
            dirty_conversations: BTreeSet::new(),
            dirty_agents: BTreeSet::new(),
            status_changed: BTreeSet::new(),
            batch_client_ids: BTreeSet::new(),
            desk_of,
            step: Recorded::default(),
            acks: Vec::new(),
            signed_out: Vec::new(),
            mailer,
            cobrowse: HashMap::new(),
            relay_secret,
            relay_count: 0,
            relay_changes: Vec::new(),
            help: pupitre_routing::help::HelpDesk::new(HELP_TIMEOUT, loaded.help),
            help_no: loaded.counters.help,
            watchers: HashMap::new(),
        })
    }

    /// Applies one order at `now`, reading what it needs of `store` (it writes nothing there).
    pub(in crate::hub) fn apply(
        &mut self,
        now: Millis,
        order: Order,
        store: &mut dyn StoreRead,
    ) -> Step {
        let mut step = Step::default();
        match order {
            Order::AgentHello { agent, last_seq } => {
                match self.agent_hello(store, agent, last_seq, now) {
                    Some(hello) => step.hello = Some(hello),
                    None => step.commit_first = true,
                }
            }
            Order::AgentConnected { agent } => {
                self.online_agents.insert(agent);
                if let Err(e) = self.engine.handle(now, Input::AgentConnected { agent }) {
                    tracing::warn!(agent, error = %e, "connect refused by routing");
                }
                self.process_outputs(store, now);
            }
            Order::AgentLeft { agent } => {
                self.online_agents.remove(&agent);
                let _ = self.engine.handle(now, Input::AgentDisconnected { agent });
                self.process_outputs(store, now);
                self.help_timers(now, Some(agent));
            }
            Order::AgentFrame { agent, conn, frame } => {
                let client_id = frame.client_id();
                self.apply_once(store, conn, client_id, now, |p, store| {
                    p.agent_frame(store, agent, frame, now)
                });
            }
            Order::VisitorHello {
                visitor,
                token,
                last_seq,
                card,
            } => match self.visitor_hello(store, visitor, token, last_seq, card, now) {
                Some(hello) => step.hello = Some(hello),
                None => step.commit_first = true,
            },
            Order::VisitorConnected { visitor } => {
                self.online_visitors.insert(visitor.clone());
                self.visitor_presence(store, &visitor, true, now);
            }
            Order::VisitorLeft { visitor } => {
                self.online_visitors.remove(&visitor);
                self.visitor_presence(store, &visitor, false, now);
                // Memory holds visitors with a connection or a live conversation; the others
                // are read back from the store when they return.
                step.forget_visitor = self
                    .visitors
                    .get(&visitor)
                    .is_some_and(|v| v.open.is_none());
            }
            Order::ForgetVisitor { visitor } => {
                if !self.online_visitors.contains(&visitor) {
                    self.visitors.remove(&visitor);
                }
            }
            Order::VisitorFrame {
                visitor,
                conn,
                frame,
            } => {
                let client_id = frame.client_id();
                self.apply_once(store, conn, client_id, now, |p, store| {
                    p.visitor_frame(store, &visitor, frame, now)
                });
            }
            Order::AddFile {
                from,
                conversation,
                name,
                mime,
                data,
            } => {
                step.file = Some(self.add_file(store, from, &conversation, name, mime, data, now));
            }
            Order::ServerSale {
                visitor,
                amount_minor,
                currency,
                order,
            } => {
                step.sale = Some(self.sale(store, &visitor, amount_minor, currency, order, now));
            }
            Order::Timers => {
                if self.engine.poll_timeout().is_some_and(|at| at <= now) {
                    self.engine.handle_timeout(now);
                    self.process_outputs(store, now);
                }
                if self.help.poll_timeout().is_some_and(|at| at <= now) {
                    self.help_timers(now, None);
                }
            }
            Order::Reload => {
                if let Err(e) = self.reload(store, now) {
                    tracing::error!(error = %e, "reload failed");
                }
            }
            Order::Recover => self.recover(store, now),
        }
        self.settle_cobrowse();
        self.settle_watchers();
        step.relays = self.take_relay_changes();
        step.deliveries = std::mem::take(&mut self.outbox);
        step.acks = std::mem::take(&mut self.acks);
        step.replies = std::mem::take(&mut self.replies);
        step.signed_out = std::mem::take(&mut self.signed_out);
        step
    }

    /// Whether something not committed yet would show in a snapshot.
    pub(in crate::hub) fn has_pending(&self) -> bool {
        !self.batch.is_empty()
            || !self.dirty_conversations.is_empty()
            || !self.dirty_agents.is_empty()
    }

    /// The next deadline: the engine's, or a help request's (M2).
    pub(in crate::hub) fn next_deadline(&self) -> Option<Millis> {
        match (self.engine.poll_timeout(), self.help.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub(in crate::hub) fn engine(&self) -> &Engine {
        &self.engine
    }

    pub(in crate::hub) fn code(&self) -> &str {
        &self.project.code
    }

    pub(in crate::hub) fn project_id(&self) -> ProjectId {
        self.project.id
    }

    /// What to commit: the batch with the changed conversations and agents. Closed
    /// conversations leave memory (R9 reopen reads them back).
    pub(in crate::hub) fn take_batch(&mut self) -> Batch {
        for n in std::mem::take(&mut self.dirty_conversations) {
            if let (Some(record), Some(visitor)) = (
                self.engine.conversation(n),
                self.conversation_visitor.get(&n),
            ) {
                let closed = matches!(record.state, ConversationState::Closed { .. });
                self.batch.conversations.push(ConversationRow {
                    visitor_id: visitor.clone(),
                    record: record.clone(),
                    conversation_type: None,
                    important: false,
                });
                if closed {
                    self.engine.forget(n);
                    self.conversation_visitor.remove(&n);
                    self.conversation_type.remove(&n);
                    self.important.remove(&n);
                }
            }
        }
        for agent in std::mem::take(&mut self.dirty_agents) {
            if let Some(record) = self.engine.agent_record(agent) {
                self.batch.agent_runtimes.push((
                    agent,
                    AgentRuntime {
                        chosen: record.chosen,
                        slot_limit: Some(record.slot_limit),
                        last_assigned_at: record.last_assigned_at,
                        shift_end: record.shift_end,
                    },
                ));
            }
        }
        self.batch_client_ids.clear();
        std::mem::take(&mut self.batch)
    }

    /// The batch taken last is durable.
    pub(in crate::hub) fn committed(&mut self) {
        self.durable_seq = self.seq;
    }

    /// Applies a client's frame once (R12): a resend of an applied `client_id` is acknowledged
    /// again without being applied; an applied frame is acknowledged once its batch is durable;
    /// a refused one gets its error (the same JSON shape on both kinds of connection).
    fn apply_once(
        &mut self,
        store: &mut dyn StoreRead,
        conn: ConnId,
        client_id: Option<ClientId>,
        now: Millis,
        apply: impl FnOnce(&mut Self, &mut dyn StoreRead) -> Result<(), ErrorFrame>,
    ) {
        if let Some(id) = client_id {
            match self.already_applied(store, id) {
                Ok(true) => {
                    self.acks.push((conn, id));
                    return;
                }
                Ok(false) => {}
                // Unknown whether it was applied: applying it could apply it twice. The
                // client sends it again (R12).
                Err(e) => {
                    tracing::error!(error = %e, "reading the applied list");
                    let error = ErrorFrame::new(
                        ErrorCode::Internal,
                        "the hub could not check this frame; send it again",
                    );
                    self.reply(conn, AgentServerFrame::Error(error.for_frame(Some(id))));
                    return;
                }
            }
        }
        match apply(self, store) {
            Ok(()) => {
                if let Some(id) = client_id {
                    self.batch.applied.push((id, now));
                    self.batch_client_ids.insert(id);
                    self.acks.push((conn, id));
                }
            }
            Err(e) => self.reply(conn, AgentServerFrame::Error(e.for_frame(client_id))),
        }
        self.process_outputs(store, now);
    }

    fn already_applied(
        &mut self,
        store: &mut dyn StoreRead,
        id: ClientId,
    ) -> Result<bool, StoreError> {
        if self.batch_client_ids.contains(&id) {
            return Ok(true);
        }
        store.is_applied(id)
    }

    fn reload(&mut self, store: &mut dyn StoreRead, now: Millis) -> Result<(), StoreError> {
        let online: Vec<AgentId> = self
            .online_agents
            .iter()
            .copied()
            .filter(|a| self.agents.contains_key(a))
            .collect();
        let before: Vec<AgentProfile> = online.iter().map(|&a| self.profile(a)).collect();
        let project = store
            .project(self.project.id)?
            .ok_or_else(|| StoreError::NotFound("project".into()))?;
        if project.settings.routing != *self.engine.settings() {
            let _ = self
                .engine
                .handle(now, Input::SetSettings(project.settings.routing.clone()));
        }
        let card_changed = project.settings.visitor_card != self.project.settings.visitor_card;
        self.project = project;
        if card_changed {
            self.cards_to_desks();
        }
        self.groups = store.groups(self.project.id)?;
        for g in &self.groups {
            let _ = self.engine.handle(now, Input::UpsertGroup(group_config(g)));
        }
        let agents = store.agents(self.project.id)?;
        let mut new_credentials = Vec::new();
        for a in agents {
            if self
                .agents
                .get(&a.id)
                .is_some_and(|known| known.credentials_at != a.credentials_at)
            {
                new_credentials.push(a.id);
            }
            let _ = self
                .engine
                .handle(now, Input::UpsertAgent(agent_config(&a)));
            self.agents.insert(a.id, a);
        }
        self.apply_deactivations(store, now);
        for agent in new_credentials {
            self.sign_out(agent, "your password was changed: sign in again");
        }
        self.process_outputs(store, now);
        // A10: connected desks see what changed for them at once (statuses, types, options,
        // slots); a change that is not theirs (a timeout, a capacity) sends nothing.
        for (agent, before) in online.into_iter().zip(before) {
            let profile = self.profile(agent);
            if profile != before {
                let frame = AgentServerFrame::Profile { agent: profile };
                self.outbox.push((Target::Agent(agent), frame_json(&frame)));
            }
        }
        Ok(())
    }

    /// A7: the admin changed what desks see of visitors: each live conversation's card again.
    fn cards_to_desks(&mut self) {
        let mut desks: Vec<(i64, AgentId)> = self.desk_of.iter().map(|(n, a)| (*n, *a)).collect();
        desks.sort_unstable();
        for (n, agent) in desks {
            let Some(card) = self
                .conversation_visitor
                .get(&n)
                .and_then(|v| self.visitors.get(v))
                .map(|v| v.card.clone())
            else {
                continue;
            };
            let visitor = self.card_for_desk(&card);
            let conversation = self.reference(n);
            self.emit_agent(
                agent,
                AgentEvent::VisitorUpdated {
                    conversation,
                    visitor,
                },
            );
        }
    }

    /// A8, decided on state, not on a change seen (a reload after a failed commit sees no
    /// change): every deactivated agent still online or holding conversations is dealt with.
    fn apply_deactivations(&mut self, store: &mut dyn StoreRead, now: Millis) {
        let holding: BTreeSet<AgentId> = self.desk_of.values().copied().collect();
        let inactive: Vec<AgentId> = self
            .agents
            .values()
            .filter(|a| {
                !a.active && (self.online_agents.contains(&a.id) || holding.contains(&a.id))
            })
            .map(|a| a.id)
            .collect();
        for agent in inactive {
            self.deactivated(store, agent, now);
        }
    }

    /// Tells an agent's desks why, then closes them once the batch is durable.
    fn sign_out(&mut self, agent: AgentId, why: &str) {
        if self.online_agents.contains(&agent) {
            let error = ErrorFrame::new(ErrorCode::Unauthorized, why);
            self.outbox.push((
                Target::Agent(agent),
                frame_json(&AgentServerFrame::Error(error)),
            ));
            self.signed_out.push(agent);
        }
    }

    /// A8: an agent was deactivated. Their live conversations go back to their groups (as a
    /// transfer, which the thread shows), their desks are told and disconnected.
    fn deactivated(&mut self, store: &mut dyn StoreRead, agent: AgentId, now: Millis) {
        let mut desk: Vec<i64> = self
            .desk_of
            .iter()
            .filter(|(_, a)| **a == agent)
            .map(|(n, _)| *n)
            .collect();
        desk.sort_unstable();
        for n in desk {
            let Some(group) = self.engine.conversation(n).map(|c| c.group) else {
                continue;
            };
            let reference = self.reference(n);
            if let Err(e) = self.transfer(
                store,
                agent,
                reference,
                TransferTarget::Group { id: group },
                None,
                false,
                now,
            ) {
                tracing::warn!(agent, conversation = n, error = ?e, "could not send a deactivated agent's conversation back");
            }
        }
        self.sign_out(agent, "this account was deactivated by an admin");
    }

    /// A commit failed: nothing of the batch is durable; memory is rebuilt from the store so
    /// that it never runs ahead of the disk, with the agents and visitors still connected.
    fn recover(&mut self, store: &mut dyn StoreRead, now: Millis) {
        match load_state(store, self.project.id, now) {
            Ok(loaded) => {
                self.project = loaded.project;
                self.groups = loaded.groups;
                self.agents = loaded.agents;
                self.engine = loaded.engine;
                self.seq = loaded.counters.seq;
                self.durable_seq = loaded.counters.seq;
                self.message_id = loaded.counters.message_id;
                self.conversation_no = loaded.counters.conversation;
                self.conversation_visitor = loaded.conversation_visitor;
                self.important = loaded.important;
                self.visitors = loaded.visitors;
                self.help = pupitre_routing::help::HelpDesk::new(HELP_TIMEOUT, loaded.help);
                self.help_no = loaded.counters.help;
                self.desk_of = desks_of(&self.engine, &self.conversation_visitor);
                self.step = Recorded::default();
                self.conversation_type.clear();
                self.batch = Batch::default();
                self.outbox.clear();
                self.acks.clear();
                self.dirty_conversations.clear();
                self.dirty_agents.clear();
                self.status_changed.clear();
                self.batch_client_ids.clear();
                // Connected visitors without a live conversation are not in the reloaded
                // state: read them back, or their next message would start from nothing.
                let connected: Vec<String> = self.online_visitors.iter().cloned().collect();
                for visitor in connected {
                    if !self.visitors.contains_key(&visitor) {
                        let card = VisitorCard {
                            id: visitor.clone(),
                            ..Default::default()
                        };
                        self.load_visitor(store, &visitor, &card, now);
                    }
                }
                let agents: Vec<_> = self.online_agents.iter().copied().collect();
                for agent in agents {
                    let _ = self.engine.handle(now, Input::AgentConnected { agent });
                }
                self.apply_deactivations(store, now);
                self.process_outputs(store, now);
            }
            Err(e) => {
                tracing::error!(error = %e, "reloading the project failed; the writer keeps its memory")
            }
        }
    }
}

pub(in crate::hub) fn load_state(
    store: &mut dyn StoreRead,
    project_id: ProjectId,
    now: Millis,
) -> Result<Loaded, StoreError> {
    let project = store
        .project(project_id)?
        .ok_or_else(|| StoreError::NotFound(format!("project {project_id}")))?;
    let groups = store.groups(project.id)?;
    let agents: BTreeMap<_, _> = store
        .agents(project.id)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let conversations = store.live_conversations(project.id)?;
    let counters = store.counters(project.id)?;
    let mut visitors: HashMap<String, VisitorState> = HashMap::new();
    let mut conversation_visitor = HashMap::new();
    let important = conversations
        .iter()
        .filter(|c| c.important)
        .map(|c| c.record.id)
        .collect();
    for row in &conversations {
        conversation_visitor.insert(row.record.id, row.visitor_id.clone());
        if !visitors.contains_key(&row.visitor_id)
            && let Some(v) = store.visitor(&row.visitor_id)?
        {
            visitors.insert(
                v.id.clone(),
                VisitorState {
                    card: v.card,
                    created_at: v.created_at,
                    open: None,
                    last: None,
                    stored: true,
                    seen: v.seen,
                },
            );
        }
        if let Some(v) = visitors.get_mut(&row.visitor_id) {
            v.open = Some(row.record.id);
            v.last = Some(row.record.id);
        }
    }
    let help = store.open_help(project.id)?;
    let engine = Engine::restore(
        project.settings.routing.clone(),
        groups.iter().map(group_config).collect(),
        agents.values().map(agent_record).collect(),
        conversations.into_iter().map(|c| c.record).collect(),
        now,
    );
    Ok(Loaded {
        project,
        groups,
        agents,
        engine,
        counters,
        conversation_visitor,
        important,
        visitors,
        help,
    })
}

/// Which desk holds each live conversation, from the engine.
pub(in crate::hub) fn desks_of(
    engine: &Engine,
    conversations: &HashMap<i64, String>,
) -> HashMap<i64, AgentId> {
    conversations
        .keys()
        .filter_map(|n| Some((*n, engine.conversation(*n)?.agent()?)))
        .collect()
}

pub(in crate::hub) fn group_config(g: &GroupRow) -> GroupConfig {
    GroupConfig {
        id: g.id,
        hours: g.hours.clone(),
    }
}

pub(in crate::hub) fn agent_config(a: &AgentRow) -> AgentConfig {
    AgentConfig {
        id: a.id,
        // A deactivated agent is in no group: routing gives them nothing (A8).
        groups: if a.active { a.groups.clone() } else { vec![] },
        slot_max: a.slot_max,
        channels: a.channels.clone(),
    }
}

pub(in crate::hub) fn agent_record(a: &AgentRow) -> AgentRecord {
    AgentRecord {
        config: agent_config(a),
        chosen: a.runtime.chosen.clone(),
        slot_limit: a.runtime.slot_limit.unwrap_or(a.slot_max).min(a.slot_max),
        last_assigned_at: a.runtime.last_assigned_at,
        shift_end: a.runtime.shift_end,
    }
}
