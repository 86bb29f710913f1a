//! Properties over random histories: 2 groups (one with opening hours), 4 agents, up to 20
//! conversations, random settings, inputs and waits. After every step:
//! - the engine's own invariants hold (`check_invariants`);
//! - a conversation is on at most one desk, and the desks rebuilt from the outputs match the
//!   engine (R1, DESIGN §5);
//! - every assignment except "transfer anyway" found the agent below their slot limit (R4, R7);
//! - no queued conversation waits while an agent of its group is available with a free slot
//!   (R1, R2, R3, R11), nor a reserved one while its agent is (R5);
//! - each group's queue is served first come first served per channel (R1);
//! - a failed input changed nothing and said nothing;
//! - visitor inactivity closes only conversations whose agent spoke last, and the agents an
//!   auto-transfer tried are forgotten when the wait ends (R10);
//! - after `handle_timeout(t)`, `poll_timeout()` is after `t` (no busy loop).

use std::collections::BTreeMap;

use proptest::prelude::*;
use pupitre_routing::hours::is_open;
use pupitre_routing::{
    AgentConfig, AgentId, AssignCause, Availability, Channel, ChosenStatus, CloseCause,
    ConversationId, ConversationState, Engine, GroupConfig, GroupId, Input, MINUTE, Millis, Output,
    SECOND, Settings, Span, Timeouts, TransferTo, WeeklyHours,
};

/// Monday 1 January 2024, 09:00 UTC.
const T0: Millis = 1_704_099_600_000;
const AGENTS: [AgentId; 4] = [1, 2, 3, 4];
const CONVERSATIONS: i64 = 20;
/// Bound on wake-ups within one wait. Same-instant spinning is caught by `poll_timeout() >
/// now`; this catches a deadline that keeps moving by tiny steps. (R10 auto-transfer moves
/// an unanswered conversation at most once per other agent of its group during one wait.)
const MAX_WAKEUPS_PER_WAIT: usize = 10_000;

fn agent_config(id: AgentId) -> AgentConfig {
    let (groups, slot_max, channels) = match id {
        1 => (vec![1], 2, vec![Channel::Chat]),
        2 => (vec![1, 2], 3, vec![Channel::Chat, Channel::Messaging]),
        3 => (vec![2], 1, vec![Channel::Chat]),
        _ => (vec![1, 2], 2, vec![Channel::Chat, Channel::Messaging]),
    };
    AgentConfig {
        id,
        groups,
        slot_max,
        channels,
    }
}

/// Group 2 is open 08:00–20:00 UTC on weekdays.
fn group_hours(group: GroupId) -> Option<WeeklyHours> {
    (group == 2).then(|| {
        let mut hours = WeeklyHours::every_day(&[Span {
            start: 8 * 60,
            end: 20 * 60,
        }]);
        hours.days[5].clear();
        hours.days[6].clear();
        hours
    })
}

/// Conversation ops name one by a selector: the model maps it onto the conversations that
/// exist (the assigned ones for desk actions), so that most ops do something.
type Sel = usize;

#[derive(Debug, Clone)]
enum Op {
    Connect(AgentId),
    Disconnect(AgentId),
    Status(AgentId, bool, u8),
    SlotLimit(AgentId, u32),
    Shift(AgentId, Option<u32>),
    /// A new conversation (the next id) in a group, on chat or messaging.
    New(GroupId, bool),
    Visitor(Sel),
    /// By the holder, or by another agent.
    AgentMessage(Sel, bool),
    Presence(Sel, bool),
    Snooze(Sel, u32, bool, bool),
    TransferToAgent(Sel, AgentId, bool),
    TransferToGroup(Sel, GroupId),
    Close(Sel, bool),
    Reopen(Sel),
    /// M3: an agent joins (or leaves) an assigned conversation.
    Join(Sel, AgentId, bool),
    Wait(u32),
}

fn op() -> impl Strategy<Value = Op> {
    let agent = prop::sample::select(AGENTS.to_vec());
    let sel = any::<Sel>();
    prop_oneof![
        2 => agent.clone().prop_map(Op::Connect),
        1 => agent.clone().prop_map(Op::Disconnect),
        3 => (agent.clone(), prop::bool::weighted(0.2), 0..4u8).prop_map(|(a, m, s)| Op::Status(a, m, s)),
        1 => (agent.clone(), 0..4u32).prop_map(|(a, l)| Op::SlotLimit(a, l)),
        1 => (agent.clone(), prop::option::of(0..180u32)).prop_map(|(a, s)| Op::Shift(a, s)),
        6 => (1..=2i64, prop::bool::weighted(0.2)).prop_map(|(g, m)| Op::New(g, m)),
        3 => sel.prop_map(Op::Visitor),
        3 => (sel, prop::bool::weighted(0.9)).prop_map(|(c, h)| Op::AgentMessage(c, h)),
        1 => (sel, any::<bool>()).prop_map(|(c, o)| Op::Presence(c, o)),
        3 => (sel, 1..300u32, any::<bool>(), prop::bool::weighted(0.9))
            .prop_map(|(c, m, k, h)| Op::Snooze(c, m, k, h)),
        3 => (sel, agent, any::<bool>()).prop_map(|(c, a, y)| Op::TransferToAgent(c, a, y)),
        1 => (sel, 1..=3i64).prop_map(|(c, g)| Op::TransferToGroup(c, g)),
        3 => (sel, prop::bool::weighted(0.2)).prop_map(|(c, h)| Op::Close(c, h)),
        1 => sel.prop_map(Op::Reopen),
        2 => (sel, prop::sample::select(AGENTS.to_vec()), prop::bool::weighted(0.7))
            .prop_map(|(c, a, j)| Op::Join(c, a, j)),
        5 => prop_oneof![4 => 1..600u32, 1 => 600..20_000u32].prop_map(Op::Wait),
    ]
}

fn settings() -> impl Strategy<Value = Settings> {
    let on = |v: u32| prop_oneof![Just(0u32), Just(v)];
    (
        any::<bool>(),
        1..3u32,
        (on(20), on(60), on(5), on(3), on(45), any::<bool>()),
        (on(20), on(120), on(2), on(30)),
    )
        .prop_map(|(async_messaging, queue_per_agent, a, b)| Settings {
            queue_per_agent,
            async_messaging,
            reopen_to_previous_agent: true,
            timezone: "UTC".into(),
            timeouts: Timeouts {
                visitor_inactivity_min: a.0,
                reminder_before_timeout_s: a.1,
                relaunch_after_min: a.2,
                reengage_after_min: a.3,
                auto_transfer_s: a.4,
                auto_transfer_notify_visitor: a.5,
                agent_disconnected_notice_s: b.0,
                disconnected_transfer_s: b.1,
                waiting_questionnaire_min: b.2,
                queue_close_before_end_min: b.3,
            },
        })
}

/// What the test knows from its own inputs and the engine's outputs.
struct Model {
    engine: Engine,
    now: Millis,
    /// Conversation → agent, from `Assigned`/`Unassigned` outputs.
    desks: BTreeMap<ConversationId, AgentId>,
    /// M3: (conversation, agent) joined, from `Joined` outputs: each holds a slot.
    joins: std::collections::BTreeSet<(ConversationId, AgentId)>,
    limits: BTreeMap<AgentId, u32>,
    shift_ends: BTreeMap<AgentId, Millis>,
    /// Continuously queued conversations, in the order they were queued: (id, group, channel).
    waiting: Vec<(ConversationId, GroupId, Channel)>,
    next_conversation: ConversationId,
    /// A restored copy fed the same calls: it must decide exactly as `engine` does.
    twin: Option<Engine>,
    /// Let a millisecond pass before each input, so that no two arrivals share an instant
    /// (a restore orders same-instant arrivals by id, as it cannot know better).
    step_ms: bool,
}

impl Model {
    fn new(settings: Settings) -> Self {
        let mut model = Self {
            engine: Engine::new(settings),
            now: T0,
            desks: BTreeMap::new(),
            joins: Default::default(),
            limits: BTreeMap::new(),
            shift_ends: BTreeMap::new(),
            waiting: Vec::new(),
            next_conversation: 1,
            twin: None,
            step_ms: false,
        };
        for group in [1, 2] {
            model.input(Input::UpsertGroup(GroupConfig {
                id: group,
                hours: group_hours(group),
            }));
        }
        for agent in AGENTS {
            let config = agent_config(agent);
            model.limits.insert(agent, config.slot_max);
            let channels = config.channels.clone();
            model.input(Input::UpsertAgent(config));
            model.input(Input::AgentConnected { agent });
            for channel in channels {
                let status = ChosenStatus::Available;
                model.input(Input::SetStatus {
                    agent,
                    channel,
                    status,
                });
            }
        }
        model
    }

    /// Restores a copy of the engine from its records, reconnects everyone in both, and
    /// from now on feeds the copy the same calls.
    fn restore_twin(&mut self, settings: Settings) {
        for agent in AGENTS {
            self.input(Input::AgentConnected { agent });
        }
        let groups = [1, 2]
            .map(|id| GroupConfig {
                id,
                hours: group_hours(id),
            })
            .to_vec();
        let agents = AGENTS
            .iter()
            .filter_map(|a| self.engine.agent_record(*a))
            .collect();
        let conversations = (1..=CONVERSATIONS)
            .filter_map(|id| self.engine.conversation(id).cloned())
            .collect();
        let mut twin = Engine::restore(settings, groups, agents, conversations, self.now);
        assert_eq!(twin.poll_output(), None);
        for agent in AGENTS {
            twin.handle(self.now, Input::AgentConnected { agent })
                .expect("agent exists");
        }
        // The announcements of the reconnections: the original made them long ago.
        while twin.poll_output().is_some() {}
        twin.check_invariants(self.now)
            .expect("restored invariants");
        assert_eq!(
            twin.poll_timeout(),
            self.engine.poll_timeout(),
            "restored wake-up"
        );
        for id in 1..=CONVERSATIONS {
            assert_eq!(twin.conversation(id), self.engine.conversation(id));
        }
        for agent in AGENTS {
            assert_eq!(twin.agent(agent), self.engine.agent(agent));
        }
        self.twin = Some(twin);
    }

    /// The conversation a selector names: among the assigned ones when `on_desk` and there
    /// are some, else among all (conversation 1 when there is none yet).
    fn pick(&self, sel: Sel, on_desk: bool) -> ConversationId {
        let all: Vec<ConversationId> = (1..=CONVERSATIONS)
            .filter(|id| self.engine.conversation(*id).is_some())
            .collect();
        let assigned: Vec<ConversationId> = all
            .iter()
            .copied()
            .filter(|id| self.desks.contains_key(id))
            .collect();
        let from = if on_desk && !assigned.is_empty() {
            assigned
        } else {
            all
        };
        if from.is_empty() {
            1
        } else {
            from[sel % from.len()]
        }
    }

    fn input(&mut self, input: Input) {
        let before = format!("{:?}", self.engine);
        let result = self.engine.handle(self.now, input.clone());
        if let Some(twin) = &mut self.twin {
            assert_eq!(
                twin.handle(self.now, input.clone()),
                result,
                "twin on {input:?}"
            );
        }
        match result {
            Ok(()) => {
                match input {
                    Input::SetSlotLimit { agent, limit } => {
                        self.limits.insert(agent, limit);
                    }
                    Input::SetShiftEnd { agent, at } => match at {
                        Some(at) => {
                            self.shift_ends.insert(agent, at);
                        }
                        None => {
                            self.shift_ends.remove(&agent);
                        }
                    },
                    _ => {}
                }
                self.outputs();
            }
            Err(e) => {
                assert_eq!(
                    self.engine.poll_output(),
                    None,
                    "{input:?} failed ({e}) with outputs"
                );
                assert_eq!(
                    before,
                    format!("{:?}", self.engine),
                    "{input:?} failed ({e}) with changes"
                );
            }
        }
        self.check();
    }

    fn wait(&mut self, dt: Millis) {
        let target = self.now + dt;
        let mut wakeups = 0;
        while let Some(at) = self.engine.poll_timeout() {
            if let Some(twin) = &self.twin {
                assert_eq!(twin.poll_timeout(), Some(at), "twin's wake-up");
            }
            if at > target {
                break;
            }
            wakeups += 1;
            assert!(wakeups < MAX_WAKEUPS_PER_WAIT, "the engine spins at {at}");
            self.now = self.now.max(at);
            self.engine.handle_timeout(self.now);
            if let Some(twin) = &mut self.twin {
                twin.handle_timeout(self.now);
            }
            self.outputs();
            self.check();
            if let Some(next) = self.engine.poll_timeout() {
                assert!(
                    next > self.now,
                    "poll_timeout {next} <= handled {}",
                    self.now
                );
            }
        }
        self.now = target;
    }

    /// Replays the outputs on the model, checking desks, slots and FCFS as they come.
    fn outputs(&mut self) {
        let outputs: Vec<Output> = std::iter::from_fn(|| self.engine.poll_output()).collect();
        if let Some(twin) = &mut self.twin {
            let twins: Vec<Output> = std::iter::from_fn(|| twin.poll_output()).collect();
            assert_eq!(twins, outputs, "the twin decided otherwise at {}", self.now);
        }
        for output in outputs {
            match output {
                Output::Assigned {
                    conversation,
                    agent,
                    cause,
                } => {
                    assert!(
                        !self.desks.contains_key(&conversation),
                        "{conversation} assigned to {agent} while on {:?}'s desk",
                        self.desks.get(&conversation)
                    );
                    let load = self.desks.values().filter(|a| **a == agent).count()
                        + self.joins.iter().filter(|j| j.1 == agent).count();
                    if !matches!(cause, AssignCause::Transfer { anyway: true, .. }) {
                        let limit = self.limits[&agent] as usize;
                        assert!(
                            load < limit,
                            "{conversation} to {agent} holding {load}, limit {limit} ({cause:?})"
                        );
                    }
                    if let Some(i) = self.waiting.iter().position(|w| w.0 == conversation) {
                        let (_, group, channel) = self.waiting[i];
                        if cause == AssignCause::Queue {
                            let earlier = self.waiting[..i]
                                .iter()
                                .find(|w| w.1 == group && w.2 == channel);
                            assert_eq!(
                                earlier, None,
                                "{conversation} served before an earlier one"
                            );
                        }
                        self.waiting.remove(i);
                    }
                    self.desks.insert(conversation, agent);
                }
                Output::Unassigned {
                    conversation,
                    agent,
                    ..
                } => {
                    assert_eq!(
                        self.desks.remove(&conversation),
                        Some(agent),
                        "unassigned {conversation}"
                    );
                }
                Output::Queued {
                    conversation,
                    group,
                    ..
                } => {
                    assert!(!self.desks.contains_key(&conversation));
                    let channel = self
                        .engine
                        .conversation(conversation)
                        .expect("queued exists")
                        .channel;
                    assert!(
                        self.waiting.iter().all(|w| w.0 != conversation),
                        "{conversation} queued twice"
                    );
                    self.waiting.push((conversation, group, channel));
                }
                Output::Joined {
                    conversation,
                    agent,
                    joined,
                } => {
                    if joined {
                        assert_ne!(
                            self.desks.get(&conversation),
                            Some(&agent),
                            "{agent} joined their own {conversation}"
                        );
                        assert!(
                            self.desks.contains_key(&conversation),
                            "{conversation} joined off any desk"
                        );
                        assert!(self.joins.insert((conversation, agent)), "joined twice");
                    } else {
                        assert!(self.joins.remove(&(conversation, agent)), "left unjoined");
                    }
                }
                Output::Closed {
                    conversation,
                    cause,
                } => {
                    assert!(
                        !self.desks.contains_key(&conversation),
                        "closed {conversation} on a desk"
                    );
                    if cause == CloseCause::VisitorInactivity {
                        let record = self.engine.conversation(conversation).expect("exists");
                        assert!(
                            record.waiting_since.is_none()
                                && record.last_agent_message_at.is_some(),
                            "{conversation} closed for inactivity while the visitor waits: {record:?}"
                        );
                    }
                    self.waiting.retain(|w| w.0 != conversation);
                }
                _ => {}
            }
        }
    }

    fn check(&self) {
        if let Err(e) = self.engine.check_invariants(self.now) {
            panic!("invariant at {}: {e}", self.now);
        }
        for (conversation, agent) in &self.joins {
            assert!(
                self.desks
                    .get(conversation)
                    .is_some_and(|holder| holder != agent),
                "{agent} still joins {conversation}, which is not on another desk"
            );
        }
        for id in 1..=CONVERSATIONS {
            let holder = self.engine.conversation(id).and_then(|c| c.agent());
            assert_eq!(holder, self.desks.get(&id).copied(), "desk of {id}");
            if let Some(record) = self.engine.conversation(id) {
                let tried = &record.auto_transferred_from;
                assert!(
                    record.waiting_since.is_some() || tried.is_empty(),
                    "{id}: auto-transfer tried {tried:?} outside a wait"
                );
                let mut unique = tried.clone();
                unique.sort_unstable();
                unique.dedup();
                assert_eq!(unique.len(), tried.len(), "{id}: tried {tried:?}");
            }
        }
        for agent in AGENTS {
            let Some(view) = self.engine.agent(agent) else {
                continue;
            }; // not upserted yet
            let load = self.desks.values().filter(|a| **a == agent).count()
                + self.joins.iter().filter(|j| j.1 == agent).count();
            assert_eq!(view.load as usize, load, "load of {agent}");
        }
        let waiting: Vec<_> = self.waiting.iter().map(|w| w.0).collect();
        let mut queued: Vec<_> = [1, 2].iter().flat_map(|g| self.engine.queue(*g)).collect();
        queued.sort_unstable();
        let mut expected = waiting.clone();
        expected.sort_unstable();
        assert_eq!(queued, expected, "queued conversations");
        // Nobody with room is left idle while a conversation they could take waits.
        for group in [1, 2] {
            let open = group_hours(group).is_none_or(|h| is_open(&h, chrono_tz::UTC, self.now));
            for id in self.engine.queue(group) {
                let channel = self.engine.conversation(id).expect("queued exists").channel;
                for agent in AGENTS {
                    let in_group = agent_config(agent).groups.contains(&group);
                    assert!(
                        !(open && in_group && self.has_room(agent, channel)),
                        "agent {agent} has room while {id} waits in group {group}"
                    );
                }
            }
        }
        for id in 1..=CONVERSATIONS {
            if let Some(ConversationState::Reserved { agent, .. }) =
                self.engine.conversation(id).map(|c| &c.state)
            {
                let channel = self.engine.conversation(id).expect("exists").channel;
                assert!(
                    !self.has_room(*agent, channel),
                    "{agent} has room while {id} is reserved for them"
                );
            }
        }
    }

    /// From the agent's public view and the shift the test set.
    fn has_room(&self, agent: AgentId, channel: Channel) -> bool {
        let Some(view) = self.engine.agent(agent) else {
            return false;
        };
        view.availability
            .contains(&(channel, Availability::Available))
            && self
                .shift_ends
                .get(&agent)
                .is_none_or(|end| self.now < *end)
    }

    fn holder_or(&self, conversation: ConversationId, by_holder: bool) -> AgentId {
        let holder = self
            .engine
            .conversation(conversation)
            .and_then(|c| c.agent());
        match holder {
            Some(h) if by_holder => h,
            Some(h) => AGENTS[(h as usize) % AGENTS.len()],
            None => 1,
        }
    }

    fn apply(&mut self, op: Op) {
        if self.step_ms && !matches!(op, Op::Wait(_)) {
            self.now += 1;
        }
        let input = match op {
            Op::Connect(agent) => Input::AgentConnected { agent },
            Op::Disconnect(agent) => Input::AgentDisconnected { agent },
            Op::Status(agent, messaging, status) => Input::SetStatus {
                agent,
                channel: if messaging {
                    Channel::Messaging
                } else {
                    Channel::Chat
                },
                status: match status {
                    0 | 1 => ChosenStatus::Available,
                    2 => ChosenStatus::Unavailable,
                    _ => ChosenStatus::Optional("in training".into()),
                },
            },
            Op::SlotLimit(agent, limit) => Input::SetSlotLimit { agent, limit },
            Op::Shift(agent, minutes) => Input::SetShiftEnd {
                agent,
                at: minutes.map(|m| self.now + Millis::from(m) * MINUTE),
            },
            Op::New(group, messaging) => {
                if self.next_conversation > CONVERSATIONS {
                    return;
                }
                self.next_conversation += 1;
                Input::NewConversation {
                    conversation: self.next_conversation - 1,
                    group,
                    channel: if messaging {
                        Channel::Messaging
                    } else {
                        Channel::Chat
                    },
                }
            }
            Op::Visitor(sel) => Input::VisitorMessage {
                conversation: self.pick(sel, false),
            },
            Op::AgentMessage(sel, by_holder) => {
                let conversation = self.pick(sel, true);
                Input::AgentMessage {
                    conversation,
                    agent: self.holder_or(conversation, by_holder),
                }
            }
            Op::Presence(sel, online) => Input::VisitorPresence {
                conversation: self.pick(sel, false),
                online,
            },
            Op::Snooze(sel, minutes, keep, by_holder) => {
                let conversation = self.pick(sel, true);
                Input::Snooze {
                    conversation,
                    agent: self.holder_or(conversation, by_holder),
                    until: self.now + Millis::from(minutes) * MINUTE,
                    keep,
                }
            }
            Op::TransferToAgent(sel, to, anyway) => {
                let conversation = self.pick(sel, true);
                Input::Transfer {
                    conversation,
                    agent: self.holder_or(conversation, true),
                    to: TransferTo::Agent(to),
                    anyway,
                }
            }
            Op::TransferToGroup(sel, group) => {
                let conversation = self.pick(sel, true);
                Input::Transfer {
                    conversation,
                    agent: self.holder_or(conversation, true),
                    to: TransferTo::Group(group),
                    anyway: false,
                }
            }
            Op::Close(sel, by_hub) => {
                let conversation = self.pick(sel, !by_hub);
                Input::Close {
                    conversation,
                    agent: (!by_hub).then(|| self.holder_or(conversation, true)),
                }
            }
            Op::Reopen(sel) => Input::Reopen {
                conversation: self.pick(sel, false),
            },
            Op::Join(sel, agent, join) => Input::Join {
                conversation: self.pick(sel, true),
                agent,
                join,
            },
            Op::Wait(seconds) => {
                self.wait(Millis::from(seconds) * SECOND);
                return;
            }
        };
        self.input(input);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn routing_keeps_its_promises(settings in settings(), ops in prop::collection::vec(op(), 1..60)) {
        let mut model = Model::new(settings);
        for op in ops {
            model.apply(op);
        }
        // And time keeps its promises too: let a day pass.
        model.wait(24 * 60 * MINUTE);
    }

    /// DESIGN §9: a hub that restarts and restores the records (its agents reconnecting)
    /// decides exactly as if it had never stopped.
    #[test]
    fn restore_decides_as_the_original(
        settings in settings(),
        head in prop::collection::vec(op(), 0..40),
        tail in prop::collection::vec(op(), 1..40),
    ) {
        let mut model = Model::new(settings.clone());
        model.step_ms = true;
        for op in head {
            model.apply(op);
        }
        model.restore_twin(settings);
        for op in tail {
            model.apply(op);
        }
        model.wait(24 * 60 * MINUTE);
    }
}
