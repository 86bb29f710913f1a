use super::*;

impl Writer {
    pub(in crate::hub) fn load(
        project: ProjectRow,
        mut store: Box<dyn Store>,
        clock: Clock,
    ) -> Result<Self, StoreError> {
        let loaded = load_state(store.as_mut(), project.id, clock.now())?;
        let desk_of = desks_of(&loaded.engine, &loaded.conversation_visitor);
        Ok(Self {
            project: loaded.project,
            groups: loaded.groups,
            agents: loaded.agents,
            store,
            clock,
            engine: loaded.engine,
            seq: loaded.counters.seq,
            durable_seq: loaded.counters.seq,
            message_id: loaded.counters.message_id,
            conversation_no: loaded.counters.conversation,
            conversation_visitor: loaded.conversation_visitor,
            conversation_type: HashMap::new(),
            visitors: loaded.visitors,
            agent_conns: HashMap::new(),
            visitor_conns: HashMap::new(),
            all_conns: HashMap::new(),
            batch: Batch::default(),
            outbox: Vec::new(),
            replies: Vec::new(),
            dirty_conversations: BTreeSet::new(),
            dirty_agents: BTreeSet::new(),
            status_changed: BTreeSet::new(),
            batch_client_ids: BTreeSet::new(),
            desk_of,
            step: Step::default(),
            acks: Vec::new(),
            mailer: None,
        })
    }

    pub(in crate::hub) fn run(
        &mut self,
        mut rx: mpsc::Receiver<Command>,
        runtime: tokio::runtime::Handle,
    ) {
        let mut commands = Vec::with_capacity(MAX_BATCH);
        loop {
            let now = self.clock.now();
            let wait = match self.engine.poll_timeout() {
                Some(at) if at <= now => Some(Duration::ZERO),
                Some(at) => Some(Duration::from_millis((at - now) as u64)),
                None => None,
            };
            let received = runtime.block_on(async {
                match wait {
                    Some(d) if d.is_zero() => rx
                        .try_recv()
                        .map_err(|e| matches!(e, mpsc::error::TryRecvError::Disconnected))
                        .map(Some)
                        .or_else(|closed| if closed { Err(()) } else { Ok(None) }),
                    Some(d) => match tokio::time::timeout(d, rx.recv()).await {
                        Ok(Some(c)) => Ok(Some(c)),
                        Ok(None) => Err(()),
                        Err(_) => Ok(None),
                    },
                    None => rx.recv().await.map(Some).ok_or(()),
                }
            });
            let first = match received {
                Ok(c) => c,
                Err(()) => break, // every handle dropped: the hub is shutting down
            };
            commands.extend(first);
            while commands.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(c) => commands.push(c),
                    Err(_) => break,
                }
            }
            let now = self.clock.now();
            if self.engine.poll_timeout().is_some_and(|at| at <= now) {
                self.engine.handle_timeout(now);
                self.process_outputs(now);
            }
            let mut stop = false;
            for cmd in commands.drain(..) {
                match cmd {
                    Command::Shutdown => stop = true,
                    cmd => self.apply(cmd),
                }
            }
            self.flush();
            if stop {
                break;
            }
        }
        self.flush();
        tracing::info!(project = %self.project.code, "writer stopped");
    }

    pub(in crate::hub) fn apply(&mut self, cmd: Command) {
        let now = self.clock.now();
        match cmd {
            Command::AgentHello {
                agent,
                last_seq,
                conn,
                out,
            } => {
                self.agent_hello(agent, last_seq, conn, out, now);
            }
            Command::AgentFrame { agent, conn, frame } => {
                let client_id = frame.client_id();
                self.apply_once(conn, client_id, now, |w| w.agent_frame(agent, frame, now));
            }
            Command::AgentGone { agent, conn } => {
                self.all_conns.remove(&conn);
                if let Some(conns) = self.agent_conns.get_mut(&agent) {
                    conns.retain(|c| c.id != conn);
                    if conns.is_empty() {
                        self.agent_conns.remove(&agent);
                        let _ = self.engine.handle(now, Input::AgentDisconnected { agent });
                        self.process_outputs(now);
                    }
                }
            }
            Command::VisitorHello {
                visitor,
                token,
                last_seq,
                card,
                conn,
                out,
            } => {
                self.visitor_hello(visitor, token, last_seq, card, conn, out, now);
            }
            Command::VisitorFrame {
                visitor,
                conn,
                frame,
            } => {
                let client_id = frame.client_id();
                self.apply_once(conn, client_id, now, |w| {
                    w.visitor_frame(&visitor, frame, now)
                });
            }
            Command::VisitorGone { visitor, conn } => {
                self.all_conns.remove(&conn);
                if let Some(conns) = self.visitor_conns.get_mut(&visitor) {
                    conns.retain(|c| c.id != conn);
                    if conns.is_empty() {
                        self.visitor_conns.remove(&visitor);
                        self.visitor_presence(&visitor, false, now);
                        // Memory holds visitors with a connection or a live conversation;
                        // the others are read back from the store when they return.
                        if self
                            .visitors
                            .get(&visitor)
                            .is_some_and(|v| v.open.is_none())
                        {
                            self.flush();
                            self.visitors.remove(&visitor);
                        }
                    }
                }
            }
            Command::AddFile {
                from,
                conversation,
                name,
                mime,
                data,
                reply,
            } => {
                self.flush();
                let result = self.add_file(from, &conversation, name, mime, data, now);
                let durable = self.flush();
                let _ = reply.send(result.and_then(|m| {
                    if durable {
                        Ok(m)
                    } else {
                        Err(ErrorFrame::new(
                            ErrorCode::Internal,
                            "the hub could not save this file; send it again",
                        ))
                    }
                }));
            }
            Command::Reload => {
                self.flush();
                if let Err(e) = self.reload(now) {
                    tracing::error!(error = %e, "reload failed");
                }
            }
            Command::Tick | Command::Shutdown => {}
            Command::Inspect(f) => f(&self.engine),
        }
    }

    /// Applies a client's frame once (R12): a resend of an applied `client_id` is acknowledged
    /// again without being applied; an applied frame is acknowledged once its batch is durable;
    /// a refused one gets its error (the same JSON shape on both kinds of connection).
    pub(in crate::hub) fn apply_once(
        &mut self,
        conn: ConnId,
        client_id: Option<ClientId>,
        now: Millis,
        apply: impl FnOnce(&mut Self) -> Result<(), ErrorFrame>,
    ) {
        if let Some(id) = client_id {
            match self.already_applied(id) {
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
        match apply(self) {
            Ok(()) => {
                if let Some(id) = client_id {
                    self.batch.applied.push((id, now));
                    self.batch_client_ids.insert(id);
                    self.acks.push((conn, id));
                }
            }
            Err(e) => self.reply(conn, AgentServerFrame::Error(e.for_frame(client_id))),
        }
        self.process_outputs(now);
    }

    pub(in crate::hub) fn already_applied(&mut self, id: ClientId) -> Result<bool, StoreError> {
        if self.batch_client_ids.contains(&id) {
            return Ok(true);
        }
        self.store.is_applied(id)
    }

    pub(in crate::hub) fn reload(&mut self, now: Millis) -> Result<(), StoreError> {
        let project = self
            .store
            .project(self.project.id)?
            .ok_or_else(|| StoreError::NotFound("project".into()))?;
        if project.settings.routing != *self.engine.settings() {
            let _ = self
                .engine
                .handle(now, Input::SetSettings(project.settings.routing.clone()));
        }
        self.project = project;
        self.groups = self.store.groups(self.project.id)?;
        for g in &self.groups {
            let _ = self.engine.handle(now, Input::UpsertGroup(group_config(g)));
        }
        let agents = self.store.agents(self.project.id)?;
        for a in agents {
            let _ = self
                .engine
                .handle(now, Input::UpsertAgent(agent_config(&a)));
            self.agents.insert(a.id, a);
        }
        self.process_outputs(now);
        Ok(())
    }

    /// Commits the batch, then delivers what it produced. Nothing is delivered before it is
    /// durable (R12).
    /// Commits the batch, then delivers. `false` when the commit failed.
    pub(in crate::hub) fn flush(&mut self) -> bool {
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
                });
                // Persisted: memory keeps only live conversations (R9 reopen reads it back).
                if closed {
                    self.engine.forget(n);
                    self.conversation_visitor.remove(&n);
                    self.conversation_type.remove(&n);
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
        let batch = std::mem::take(&mut self.batch);
        let outbox = std::mem::take(&mut self.outbox);
        let acks = std::mem::take(&mut self.acks);
        let replies: Vec<_> = std::mem::take(&mut self.replies)
            .into_iter()
            .map(|(conn, text)| (Target::Conn(conn), text))
            .collect();
        let mails = !batch.mails.is_empty();
        if !batch.is_empty() {
            let started = std::time::Instant::now();
            if let Err(e) = self.store.commit(self.project.id, &batch) {
                tracing::error!(project = %self.project.code, error = %e, "commit failed; answering internal and reloading");
                self.fail_batch(acks);
                self.deliver(replies);
                return false;
            }
            self.durable_seq = self.seq;
            if mails && let Some(m) = &self.mailer {
                m.wake();
            }
            metrics::histogram!("pupitre_commit_seconds").record(started.elapsed().as_secs_f64());
            metrics::counter!("pupitre_messages_total").increment(batch.messages.len() as u64);
            metrics::counter!("pupitre_events_total").increment(batch.events.len() as u64);
        }
        self.deliver(outbox);
        self.deliver(replies);
        // Both kinds of connection share the shape of `ack` (and of `error`).
        let acks = acks
            .into_iter()
            .map(|(conn, client_id)| {
                (
                    Target::Conn(conn),
                    frame_json(&AgentServerFrame::Ack { client_id }),
                )
            })
            .collect();
        self.deliver(acks);
        true
    }

    /// A commit failed: nothing of the batch is durable. Every frame of it is answered
    /// `internal` (the client sends it again), events are dropped, and the writer's memory is
    /// rebuilt from the store so that it never runs ahead of the disk.
    pub(in crate::hub) fn fail_batch(&mut self, acks: Vec<(ConnId, ClientId)>) {
        metrics::counter!("pupitre_commit_failures_total").increment(1);
        let replies = acks
            .into_iter()
            .map(|(conn, client_id)| {
                let error = ErrorFrame::new(
                    ErrorCode::Internal,
                    "the hub could not save this; send it again",
                )
                .for_frame(Some(client_id));
                (
                    Target::Conn(conn),
                    frame_json(&AgentServerFrame::Error(error)),
                )
            })
            .collect();
        let now = self.clock.now();
        match load_state(self.store.as_mut(), self.project.id, now) {
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
                self.visitors = loaded.visitors;
                self.desk_of = desks_of(&self.engine, &self.conversation_visitor);
                self.step = Step::default();
                self.conversation_type.clear();
                // Connected visitors without a live conversation are not in the reloaded
                // state: read them back, or their next message would start from nothing.
                let connected: Vec<String> = self.visitor_conns.keys().cloned().collect();
                for visitor in connected {
                    if !self.visitors.contains_key(&visitor) {
                        let card = VisitorCard {
                            id: visitor.clone(),
                            ..Default::default()
                        };
                        self.load_visitor(&visitor, &card, now);
                    }
                }
                let agents: Vec<_> = self.agent_conns.keys().copied().collect();
                for agent in agents {
                    let _ = self.engine.handle(now, Input::AgentConnected { agent });
                }
                self.process_outputs(now);
            }
            Err(e) => {
                tracing::error!(error = %e, "reloading the project failed; the writer keeps its memory")
            }
        }
        self.deliver(replies);
    }

    pub(in crate::hub) fn deliver(&mut self, outbox: Vec<(Target, String)>) {
        let mut lagging = vec![];
        for (target, text) in outbox {
            let conns: Vec<(ConnId, OutboundTx)> = match &target {
                Target::Agent(a) => self
                    .agent_conns
                    .get(a)
                    .map(|cs| cs.iter().map(|c| (c.id, c.out.clone())).collect())
                    .unwrap_or_default(),
                Target::Visitor(v) => self
                    .visitor_conns
                    .get(v)
                    .map(|cs| cs.iter().map(|c| (c.id, c.out.clone())).collect())
                    .unwrap_or_default(),
                Target::Conn(id) => self
                    .all_conns
                    .get(id)
                    .map(|o| vec![(*id, o.clone())])
                    .unwrap_or_default(),
            };
            for (id, out) in conns {
                if let Err(mpsc::error::TrySendError::Full(_)) =
                    out.try_send(Outbound::Text(text.clone()))
                {
                    lagging.push(id);
                }
            }
        }
        for id in lagging {
            // The connection's task sees its channel close and ends the socket; the client
            // resumes from its last seq.
            self.all_conns.remove(&id);
            for conns in self.agent_conns.values_mut() {
                conns.retain(|c| c.id != id);
            }
            for conns in self.visitor_conns.values_mut() {
                conns.retain(|c| c.id != id);
            }
            metrics::counter!("pupitre_lagging_connections_dropped_total").increment(1);
        }
    }
}

pub(in crate::hub) fn load_state(
    store: &mut dyn Store,
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
        visitors,
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
        groups: a.groups.clone(),
        slot_max: a.slot_max,
        channels: vec![Channel::Chat],
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
