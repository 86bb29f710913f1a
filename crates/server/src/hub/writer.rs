//! The shell of a project's writer: the loop, the group commit, the connections. What happens
//! is the core's ([`Project::apply`]); this file only carries it out.

use super::*;

/// What has to reach connections once the batch under way is durable.
#[derive(Default)]
struct Pending {
    deliveries: Vec<(Target, String)>,
    signed_out: Vec<AgentId>,
    acks: Vec<(ConnId, ClientId)>,
    replies: Vec<(ConnId, String)>,
    relays: Vec<frames::RelayChange>,
}

/// A timer firing later than this after its time is logged ([`Writer::note_late_timer`]).
const LATE_TIMER_MS: i64 = 1_000;

pub(in crate::hub) struct Writer {
    core: Project,
    store: Box<dyn Store>,
    clock: Clock,
    /// Sends the answers by e-mail (R8); woken when a commit queued some.
    mailer: Option<Mailer>,
    agent_conns: HashMap<AgentId, Vec<Conn>>,
    visitor_conns: HashMap<String, Vec<Conn>>,
    all_conns: HashMap<ConnId, OutboundTx>,
    pending: Pending,
    /// Co-browsing's relays (D5), opened and closed as the core decides.
    relays: std::sync::Arc<crate::relay::Relays>,
    /// Several hubs on one database: another node took the project over. The writer stops;
    /// its connections end, and their clients resume on the new owner.
    lost: bool,
    /// The deadline last said to be late (once each, however long it stays due).
    late_noted: Option<Millis>,
}

impl Writer {
    pub(in crate::hub) fn load(
        project: ProjectRow,
        mut store: Box<dyn Store>,
        clock: Clock,
        mailer: Option<Mailer>,
        relays: std::sync::Arc<crate::relay::Relays>,
    ) -> Result<Self, StoreError> {
        let core = Project::load(
            store.as_mut(),
            project.id,
            clock.now(),
            mailer.clone(),
            rand::random(),
        )?;
        Ok(Self {
            core,
            store,
            clock,
            mailer,
            agent_conns: HashMap::new(),
            visitor_conns: HashMap::new(),
            all_conns: HashMap::new(),
            pending: Pending::default(),
            relays,
            lost: false,
            late_noted: None,
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
            let wait = match self.core.next_deadline() {
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
            self.note_late_timer();
            self.order(Order::Timers);
            let mut stop = false;
            for cmd in commands.drain(..) {
                match cmd {
                    Command::Shutdown => stop = true,
                    cmd => self.apply(cmd),
                }
            }
            self.flush();
            if stop || self.lost {
                break;
            }
        }
        if !self.lost {
            self.flush();
        }
        tracing::info!(project = %self.core.code(), lost = self.lost, "writer stopped");
    }

    /// Says so when the timers about to fire are more than a second late: the writer was
    /// stuck, or the project was loaded after its timers' time (a restart after downtime; on a
    /// cluster, a takeover: the fault harness reads these lines).
    fn note_late_timer(&mut self) {
        let now = self.clock.now();
        if let Some(at) = self.core.next_deadline()
            && now - at > LATE_TIMER_MS
            && self.late_noted != Some(at)
        {
            self.late_noted = Some(at);
            tracing::warn!(
                project = %self.core.code(),
                late_ms = now - at,
                "a timer fired late"
            );
        }
    }

    /// Gives the core one order now; keeps what it produced for after the commit.
    fn order(&mut self, order: Order) -> Step {
        let now = self.clock.now();
        let mut step = self.core.apply(now, order, self.store.as_mut());
        self.pending.deliveries.append(&mut step.deliveries);
        self.pending.acks.append(&mut step.acks);
        self.pending.replies.append(&mut step.replies);
        self.pending.signed_out.append(&mut step.signed_out);
        self.pending.relays.append(&mut step.relays);
        step
    }

    /// A hello's order, committing first when the core asks (a snapshot shows durable state).
    fn hello(&mut self, order: impl Fn() -> Order, out: &OutboundTx) -> bool {
        let mut step = self.order(order());
        if step.commit_first {
            if !self.flush() {
                refuse_hello(out);
                return false;
            }
            step = self.order(order());
        }
        match step.hello {
            Some(Hello::Welcome(frames)) => {
                let _ = out.try_send(Outbound::Welcome(frames));
                true
            }
            Some(Hello::Refused(frames)) => {
                for frame in frames {
                    let _ = out.try_send(frame);
                }
                false
            }
            None => {
                refuse_hello(out);
                false
            }
        }
    }

    pub(in crate::hub) fn apply(&mut self, cmd: Command) {
        match cmd {
            Command::AgentHello {
                agent,
                last_seq,
                conn,
                out,
            } => {
                if !self.hello(|| Order::AgentHello { agent, last_seq }, &out) {
                    return;
                }
                let first = !self.agent_conns.contains_key(&agent);
                self.all_conns.insert(conn, out.clone());
                self.agent_conns
                    .entry(agent)
                    .or_default()
                    .push(Conn { id: conn, out });
                if first {
                    self.order(Order::AgentConnected { agent });
                }
            }
            Command::AgentFrame { agent, conn, frame } => {
                self.order(Order::AgentFrame { agent, conn, frame });
            }
            Command::AgentGone { agent, conn } => {
                self.all_conns.remove(&conn);
                if let Some(conns) = self.agent_conns.get_mut(&agent) {
                    conns.retain(|c| c.id != conn);
                    if conns.is_empty() {
                        self.agent_conns.remove(&agent);
                        self.order(Order::AgentLeft { agent });
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
                let order = || Order::VisitorHello {
                    visitor: visitor.clone(),
                    token: token.clone(),
                    last_seq,
                    card: card.clone(),
                };
                if !self.hello(order, &out) {
                    return;
                }
                self.all_conns.insert(conn, out.clone());
                let first = !self.visitor_conns.contains_key(&visitor);
                self.visitor_conns
                    .entry(visitor.clone())
                    .or_default()
                    .push(Conn { id: conn, out });
                if first {
                    self.order(Order::VisitorConnected { visitor });
                }
            }
            Command::VisitorFrame {
                visitor,
                conn,
                frame,
            } => {
                self.order(Order::VisitorFrame {
                    visitor,
                    conn,
                    frame,
                });
            }
            Command::VisitorGone { visitor, conn } => {
                self.all_conns.remove(&conn);
                if let Some(conns) = self.visitor_conns.get_mut(&visitor) {
                    conns.retain(|c| c.id != conn);
                    if conns.is_empty() {
                        self.visitor_conns.remove(&visitor);
                        let step = self.order(Order::VisitorLeft {
                            visitor: visitor.clone(),
                        });
                        if step.forget_visitor {
                            self.flush();
                            self.order(Order::ForgetVisitor { visitor });
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
                // Its own commit, so that the answer says whether this file is durable.
                self.flush();
                let step = self.order(Order::AddFile {
                    from,
                    conversation,
                    name,
                    mime,
                    data,
                });
                let durable = self.flush();
                let result = step.file.expect("an AddFile order answers with a file");
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
                self.order(Order::Reload);
            }
            Command::ServerSale {
                visitor,
                amount_minor,
                currency,
                order,
                reply,
            } => {
                // Its own commit, so that the answer says whether the sale is durable.
                self.flush();
                let step = self.order(Order::ServerSale {
                    visitor,
                    amount_minor,
                    currency,
                    order,
                });
                let durable = self.flush();
                let result = step.sale.expect("a ServerSale order answers");
                let _ = reply.send(result.and_then(|receipt| {
                    if durable {
                        Ok(receipt)
                    } else {
                        Err(ErrorFrame::new(
                            ErrorCode::Internal,
                            "the hub could not save this sale; send it again",
                        ))
                    }
                }));
            }
            Command::Board { agent, reply } => {
                let _ = reply.send(self.core.board(agent, self.clock.now()));
            }
            Command::Tick | Command::Shutdown => {}
            Command::Inspect(f) => f(self.core.engine()),
        }
    }

    /// Commits the batch, then delivers what it produced. Nothing is delivered before it is
    /// durable (R12). `false` when the commit failed.
    pub(in crate::hub) fn flush(&mut self) -> bool {
        let batch = self.core.take_batch();
        let pending = std::mem::take(&mut self.pending);
        let replies: Vec<_> = pending
            .replies
            .into_iter()
            .map(|(conn, text)| (Target::Conn(conn), text))
            .collect();
        // Relays hold nothing durable: they follow the sessions whether or not this commits
        // (a session's frames are never stored, C3).
        for change in pending.relays {
            match change {
                frames::RelayChange::Open {
                    relay,
                    conversation,
                } => self.relays.open(&relay, conversation),
                frames::RelayChange::Close { relay, reason } => self.relays.close(&relay, reason),
            }
        }
        if !batch.is_empty() {
            let started = std::time::Instant::now();
            if let Err(e) = self.store.commit(self.core.project_id(), &batch) {
                if matches!(e, StoreError::NotOwner(_)) || self.store.is_broken() {
                    // Nothing of it is written. Another node owns the project now, or this
                    // writer's connection is gone: it stops, and the project is loaded again
                    // from the store (by the new owner, or by this node's next claim).
                    tracing::warn!(project = %self.core.code(), error = %e, "this writer stops: the project moved or its connection is gone");
                    self.lost = true;
                    self.fail_batch(pending.acks);
                    self.deliver(replies);
                    return false;
                }
                tracing::error!(project = %self.core.code(), error = %e, "commit failed; answering internal and reloading");
                self.fail_batch(pending.acks);
                self.deliver(replies);
                return false;
            }
            self.core.committed();
            if !batch.mails.is_empty()
                && let Some(m) = &self.mailer
            {
                m.wake();
            }
            metrics::histogram!("pupitre_commit_seconds").record(started.elapsed().as_secs_f64());
            metrics::counter!("pupitre_messages_total").increment(batch.messages.len() as u64);
            metrics::counter!("pupitre_events_total").increment(batch.events.len() as u64);
        }
        self.deliver(pending.deliveries);
        self.deliver(replies);
        for agent in pending.signed_out {
            for conn in self.agent_conns.get(&agent).into_iter().flatten() {
                let _ = conn.out.try_send(Outbound::Close("account deactivated"));
            }
        }
        // Both kinds of connection share the shape of `ack` (and of `error`).
        let acks = pending
            .acks
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
    /// `internal` (the client sends it again), its events are dropped, and the core goes back
    /// to what the store holds.
    fn fail_batch(&mut self, acks: Vec<(ConnId, ClientId)>) {
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
        self.order(Order::Recover);
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

/// A hello that needed a commit first, and it failed: the client connects again.
fn refuse_hello(out: &OutboundTx) {
    let error = ErrorFrame::new(ErrorCode::Internal, "the hub could not save; reconnect");
    let _ = out.try_send(Outbound::Text(frame_json(&AgentServerFrame::Error(error))));
    let _ = out.try_send(Outbound::Close("internal error"));
}
