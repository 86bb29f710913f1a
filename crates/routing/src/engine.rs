//! The rules. See the crate documentation for the drain rule.
//!
//! # State
//! The [`ConversationRecord`]s are the truth; everything else is an index over them that
//! [`Engine::check_invariants`] verifies: each agent's desk (its `Assigned` conversations),
//! each group's queue (its `Queued` ones, first come first served) and each agent's
//! reservations (`Reserved`, R5 "keep"). Every deadline is computed from record fields, so a
//! restored engine wakes up when the original would have.
//!
//! # Routing
//! After every input and every fired deadline the engine *drains*: reserved conversations go
//! to their agent when that agent has room; then queued conversations, oldest first across
//! all groups, go to the agent R1 picks; then R10 auto-transfers run. When it is done, no agent
//! who could take a waiting conversation is left with room for it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono_tz::Tz;
use pupitre_protocol::SentenceKind;

use crate::hours;
use crate::io::{
    AssignCause, CloseCause, Input, Output, RoutingError, TransferTo, UnassignCause, WakeCause,
};
use crate::model::{
    AgentConfig, AgentRecord, ConversationRecord, ConversationState, GroupConfig, Settings,
};
use crate::{
    AgentId, Availability, Channel, ChosenStatus, ConversationId, GroupId, MINUTE, Millis,
    REASSIGN_AFTER, SECOND,
};

/// Position of a conversation in its group's queue: arrival time, then arrival order (so
/// two arrivals in the same millisecond keep their order), then id (after a restore, which
/// knows only arrival times).
type QueueKey = (Millis, u64, ConversationId);

/// Upper bound on the deadlines fired by one `handle_timeout` call, per conversation. Each
/// deadline either sets a once-per-period flag or moves the conversation on; this bound only
/// guards against a rule bug turning into an endless loop.
const FIRES_PER_CONVERSATION: usize = 16;

/// One project's routing state. One logical writer owns it (DESIGN.md §5).
#[derive(Debug)]
pub struct Engine {
    settings: Settings,
    /// Parsed `settings.timezone` (UTC when unknown after a restore).
    tz: Tz,
    groups: BTreeMap<GroupId, GroupConfig>,
    agents: BTreeMap<AgentId, AgentState>,
    conversations: BTreeMap<ConversationId, ConversationRecord>,
    /// Index: each group's `Queued` conversations in serving order.
    queues: BTreeMap<GroupId, BTreeSet<QueueKey>>,
    /// Index: the queue key of each `Queued` conversation.
    queue_keys: BTreeMap<ConversationId, QueueKey>,
    /// Index: each agent's `Reserved` conversations, `(since, id)`.
    reserved: BTreeMap<AgentId, BTreeSet<(Millis, ConversationId)>>,
    next_seq: u64,
    /// The latest `now` handled. Deadlines that were due by then have been dealt with.
    clock: Millis,
    /// The availability last announced per agent and channel (absent: offline), so that
    /// `Output::Availability` is emitted on actual changes only (R3).
    announced: BTreeMap<(AgentId, Channel), Availability>,
    outputs: VecDeque<Output>,
}

/// An agent as routing sees it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentView {
    pub id: AgentId,
    pub connected: bool,
    /// Conversations on the desk (assigned to this agent).
    pub load: u32,
    pub slot_limit: u32,
    pub slot_max: u32,
    pub availability: Vec<(Channel, Availability)>,
}

#[derive(Debug, Clone)]
struct AgentState {
    config: AgentConfig,
    chosen: BTreeMap<Channel, ChosenStatus>,
    slot_limit: u32,
    last_assigned_at: Option<Millis>,
    shift_end: Option<Millis>,
    connected: bool,
    /// R10: since when a disconnected agent is gone (counted from the restart after a restore).
    disconnected_since: Option<Millis>,
    /// Index: the conversations `Assigned` to this agent.
    desk: BTreeSet<ConversationId>,
    /// Index: the conversations this manager joined (M3); each holds a slot.
    joined: BTreeSet<ConversationId>,
    /// R4/R6 invariant bookkeeping: routing never puts more than `slot_limit` conversations
    /// on a desk, but lowering the limit (or a restore) may leave more there. `allowance` is
    /// the most non-over-limit conversations the desk may hold: `max(slot_limit, what it held
    /// when the limit last changed)`, shrinking back to the limit as conversations leave.
    allowance: u32,
}

impl AgentState {
    fn new(config: AgentConfig, now: Millis) -> Self {
        Self {
            slot_limit: config.slot_max,
            allowance: config.slot_max,
            config,
            chosen: BTreeMap::new(),
            last_assigned_at: None,
            shift_end: None,
            connected: false,
            disconnected_since: Some(now),
            desk: BTreeSet::new(),
            joined: BTreeSet::new(),
        }
    }

    /// Conversations on the desk, and those joined (M3): each takes a slot.
    fn load(&self) -> u32 {
        u32::try_from(self.desk.len() + self.joined.len()).unwrap_or(u32::MAX)
    }

    fn in_group(&self, group: GroupId) -> bool {
        self.config.groups.contains(&group)
    }

    /// R1/R3/R11: connected, available on `channel`, a free slot, shift not over.
    fn has_room(&self, channel: Channel, now: Millis) -> bool {
        self.availability(channel) == Availability::Available
            && self.shift_end.is_none_or(|end| now < end)
    }

    /// R3: the effective availability on `channel`.
    fn availability(&self, channel: Channel) -> Availability {
        if !self.connected {
            Availability::Offline
        } else if !self.config.channels.contains(&channel)
            || self.chosen.get(&channel) != Some(&ChosenStatus::Available)
        {
            Availability::Unavailable
        } else if self.load() >= self.slot_limit {
            Availability::Busy
        } else {
            Availability::Available
        }
    }

    fn record(&self) -> AgentRecord {
        AgentRecord {
            config: self.config.clone(),
            chosen: self.chosen.clone(),
            slot_limit: self.slot_limit,
            last_assigned_at: self.last_assigned_at,
            shift_end: self.shift_end,
        }
    }
}

/// A deadline kind. The order is the firing order among deadlines of one conversation due
/// at the same instant (a reminder before the close it announces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Timer {
    /// R5: end of the pause.
    SnoozeEnd,
    /// R6: reserved for an agent for 24 h.
    ReservationExpired,
    /// R6: transferred anyway and not handled for 24 h.
    OverLimitExpired,
    /// R10: reminder before the visitor-inactivity close.
    Reminder,
    /// R10: visitor inactivity.
    Inactivity,
    /// R10: relaunch sentence.
    Relaunch,
    /// R10: re-engagement sentence.
    Reengage,
    /// R10: tell the visitor their agent is disconnected.
    DisconnectNotice,
    /// R10: route a disconnected agent's conversation to its group.
    DisconnectTransfer,
    /// R10: stop showing the waiting questionnaire.
    QuestionnaireEnd,
}

fn minutes(n: u32) -> Millis {
    Millis::from(n) * MINUTE
}

fn seconds(n: u32) -> Millis {
    Millis::from(n) * SECOND
}

fn state_name(state: &ConversationState) -> &'static str {
    match state {
        ConversationState::Unrouted => "unrouted",
        ConversationState::Queued { .. } => "queued",
        ConversationState::Reserved { .. } => "reserved",
        ConversationState::Assigned { .. } => "assigned",
        ConversationState::Snoozed { .. } => "snoozed",
        ConversationState::Closed { .. } => "closed",
    }
}

impl Engine {
    pub fn new(settings: Settings) -> Self {
        let tz = hours::parse_timezone(&settings.timezone).unwrap_or(Tz::UTC);
        Self {
            settings,
            tz,
            groups: BTreeMap::new(),
            agents: BTreeMap::new(),
            conversations: BTreeMap::new(),
            queues: BTreeMap::new(),
            queue_keys: BTreeMap::new(),
            reserved: BTreeMap::new(),
            next_seq: 0,
            clock: Millis::MIN,
            announced: BTreeMap::new(),
            outputs: VecDeque::new(),
        }
    }

    /// Rebuilds the engine after a restart. Every agent starts disconnected at `now`.
    ///
    /// Tolerates what a store may hold: an unknown time zone counts as UTC, a slot limit above
    /// the maximum is lowered to it, and a conversation held by (or reserved for) an agent that
    /// is not in `agents` goes to its group's queue as asynchronous, with `Output::Queued`.
    pub fn restore(
        settings: Settings,
        groups: Vec<GroupConfig>,
        agents: Vec<AgentRecord>,
        conversations: Vec<ConversationRecord>,
        now: Millis,
    ) -> Self {
        let mut engine = Self::new(settings);
        engine.clock = now;
        for group in groups {
            engine.groups.insert(group.id, group);
        }
        for record in agents {
            let mut agent = AgentState::new(record.config, now);
            agent.chosen = record.chosen;
            agent.slot_limit = record.slot_limit.min(agent.config.slot_max);
            agent.last_assigned_at = record.last_assigned_at;
            agent.shift_end = record.shift_end;
            engine.agents.insert(agent.config.id, agent);
        }
        let mut queued = Vec::new();
        let mut orphans = Vec::new();
        for mut record in conversations {
            let id = record.id;
            if engine.conversations.contains_key(&id) {
                continue; // A duplicate id: the first record wins.
            }
            match record.state {
                ConversationState::Assigned { agent, .. } => match engine.agents.get_mut(&agent) {
                    Some(state) => {
                        state.desk.insert(id);
                    }
                    None => {
                        record.state = ConversationState::Queued {
                            since: now,
                            asynchronous: true,
                        };
                        orphans.push(id);
                        queued.push((now, id));
                    }
                },
                ConversationState::Reserved { agent, since } => {
                    if engine.agents.contains_key(&agent) {
                        engine
                            .reserved
                            .entry(agent)
                            .or_default()
                            .insert((since, id));
                    } else {
                        record.state = ConversationState::Queued {
                            since: now,
                            asynchronous: true,
                        };
                        orphans.push(id);
                        queued.push((now, id));
                    }
                }
                ConversationState::Queued { since, .. } => queued.push((since, id)),
                ConversationState::Unrouted
                | ConversationState::Snoozed { .. }
                | ConversationState::Closed { .. } => {}
            }
            engine.conversations.insert(id, record);
        }
        // M3: joins hold only on assigned conversations, by known agents other than the holder.
        for record in engine.conversations.values_mut() {
            let holder = record.agent();
            let agents = &mut engine.agents;
            record
                .joined
                .retain(|a| holder.is_some_and(|h| h != *a) && agents.contains_key(a));
            for a in &record.joined {
                if let Some(state) = agents.get_mut(a) {
                    state.joined.insert(record.id);
                }
            }
        }
        queued.sort_unstable();
        queued.dedup();
        for (since, id) in queued {
            let Some(group) = engine.conversations.get(&id).map(|c| c.group) else {
                continue;
            };
            let key = (since, engine.next_seq, id);
            engine.next_seq += 1;
            engine.queues.entry(group).or_default().insert(key);
            engine.queue_keys.insert(id, key);
        }
        for id in orphans {
            if let Some(group) = engine.conversations.get(&id).map(|c| c.group) {
                let position = engine.queue_position(group, id);
                engine.outputs.push_back(Output::Queued {
                    conversation: id,
                    group,
                    position,
                    asynchronous: true,
                });
            }
        }
        for agent in engine.agents.values_mut() {
            agent.allowance = u32::MAX;
        }
        let ids: Vec<AgentId> = engine.agents.keys().copied().collect();
        for id in ids {
            engine.refresh_allowance(id);
        }
        // Everyone is offline: nothing to announce, nothing to drain.
        engine.emit_availability();
        engine
    }

    /// Applies one input at `now`. On error nothing changed and no output was produced.
    pub fn handle(&mut self, now: Millis, input: Input) -> Result<(), RoutingError> {
        // Each handler validates everything before its first change.
        match input {
            Input::SetSettings(settings) => self.set_settings(settings)?,
            Input::UpsertGroup(group) => {
                self.groups.insert(group.id, group);
            }
            Input::UpsertAgent(config) => self.upsert_agent(config, now),
            Input::AgentConnected { agent } => self.agent_connected(agent)?,
            Input::AgentDisconnected { agent } => self.agent_disconnected(agent, now)?,
            Input::SetStatus {
                agent,
                channel,
                status,
            } => self.set_status(agent, channel, status)?,
            Input::SetSlotLimit { agent, limit } => self.set_slot_limit(agent, limit)?,
            Input::SetShiftEnd { agent, at } => {
                self.agent_mut(agent)?.shift_end = at;
            }
            Input::NewConversation {
                conversation,
                group,
                channel,
            } => {
                self.new_conversation(now, conversation, group, channel)?;
            }
            Input::VisitorMessage { conversation } => self.visitor_message(now, conversation)?,
            Input::AgentMessage {
                conversation,
                agent,
            } => {
                self.agent_message(now, conversation, agent)?;
            }
            Input::VisitorPresence {
                conversation,
                online,
            } => {
                self.conversation_mut(conversation)?.visitor_online = online;
            }
            Input::Snooze {
                conversation,
                agent,
                until,
                keep,
            } => {
                self.snooze(now, conversation, agent, until, keep)?;
            }
            Input::Transfer {
                conversation,
                agent,
                to,
                anyway,
            } => {
                self.transfer(now, conversation, agent, to, anyway)?;
            }
            Input::Close {
                conversation,
                agent,
            } => self.close(now, conversation, agent)?,
            Input::Reopen { conversation } => self.reopen(now, conversation)?,
            Input::Join {
                conversation,
                agent,
                join,
            } => self.join(now, conversation, agent, join)?,
        }
        self.clock = self.clock.max(now);
        self.drain(now);
        self.emit_availability();
        Ok(())
    }

    /// Fires every deadline `<= now`.
    ///
    /// Deadlines fire in order (instant, conversation, kind), each at its own instant (or the
    /// last instant handled, if later), and the engine drains after each, so a late call
    /// decides as on-time calls would have. Afterwards [`Engine::poll_timeout`] is `> now`.
    pub fn handle_timeout(&mut self, now: Millis) {
        let floor = self.clock.min(now);
        self.clock = self.clock.max(now);
        let budget = FIRES_PER_CONVERSATION.saturating_mul(self.conversations.len() + 1);
        for _ in 0..budget {
            match self.earliest_due(now) {
                Some((at, id, timer)) => {
                    let at = at.max(floor);
                    self.fire(at, id, timer);
                    self.drain(at);
                }
                None => {
                    // Draining at `now` (a group that opened, an auto-transfer) may place a
                    // conversation whose deadlines are already past: fire those too.
                    self.drain(now);
                    if self.earliest_due(now).is_none() {
                        break;
                    }
                }
            }
        }
        self.emit_availability();
    }

    /// The earliest pending deadline.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let mut earliest: Option<Millis> = None;
        let mut consider = |at: Millis| {
            earliest = Some(earliest.map_or(at, |e| e.min(at)));
        };
        for record in self.conversations.values() {
            self.for_each_timer(record, |at, _| consider(at));
            // R10 auto-transfer: due ones were tried by the last drain; an agent gaining room
            // triggers a drain, so only future ones need a wake-up.
            if let Some(at) = self.auto_transfer_due_at(record)
                && at > self.clock
            {
                consider(at);
            }
        }
        // R11: a closed group's queue drains when it opens.
        for (group, queue) in &self.queues {
            if queue.is_empty() {
                continue;
            }
            let Some(hours) = self.groups.get(group).and_then(|g| g.hours.as_ref()) else {
                continue;
            };
            if !hours::is_open(hours, self.tz, self.clock)
                && let Some(at) = hours::next_change(hours, self.tz, self.clock)
            {
                consider(at);
            }
        }
        earliest
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn conversation(&self, id: ConversationId) -> Option<&ConversationRecord> {
        self.conversations.get(&id)
    }

    pub fn agent_record(&self, id: AgentId) -> Option<AgentRecord> {
        self.agents.get(&id).map(AgentState::record)
    }

    pub fn agent(&self, id: AgentId) -> Option<AgentView> {
        let agent = self.agents.get(&id)?;
        Some(AgentView {
            id,
            connected: agent.connected,
            load: agent.load(),
            slot_limit: agent.slot_limit,
            slot_max: agent.config.slot_max,
            availability: agent
                .config
                .channels
                .iter()
                .map(|&channel| (channel, agent.availability(channel)))
                .collect(),
        })
    }

    /// The group's queue, next first.
    pub fn queue(&self, group: GroupId) -> Vec<ConversationId> {
        self.queues
            .get(&group)
            .map(|queue| queue.iter().map(|&(_, _, id)| id).collect())
            .unwrap_or_default()
    }

    /// Whether the agent could take one more conversation on `channel` now (R1).
    ///
    /// This is about the agent only (connected, available on the channel, a free slot, shift
    /// not over); routing from a group also needs the agent in the group and the group open.
    pub fn can_take(&self, agent: AgentId, channel: Channel, now: Millis) -> bool {
        self.agents
            .get(&agent)
            .is_some_and(|a| a.has_room(channel, now))
    }

    /// Whether routing from `group` could give a conversation on `channel` to `agent` now:
    /// [`Engine::can_take`], plus the agent in the group and the group open (R1, R11).
    pub fn can_take_from_group(
        &self,
        agent: AgentId,
        group: GroupId,
        channel: Channel,
        now: Millis,
    ) -> bool {
        self.group_open(group, now)
            && self
                .agents
                .get(&agent)
                .is_some_and(|a| a.in_group(group) && a.has_room(channel, now))
    }

    /// Whether `group` is open at `now` (R11). An unknown group or one without hours is open.
    pub fn group_open(&self, group: GroupId, now: Millis) -> bool {
        self.groups
            .get(&group)
            .and_then(|g| g.hours.as_ref())
            .is_none_or(|h| hours::is_open(h, self.tz, now))
    }

    /// Forgets a closed conversation, once the hub has persisted it, so that memory and the
    /// deadline scan stay proportional to the live conversations. Closed conversations hold no
    /// index entry and no deadline, so nothing else changes. `false` when the conversation is
    /// unknown or not closed (then nothing happened).
    pub fn forget(&mut self, id: ConversationId) -> bool {
        let closed = self
            .conversations
            .get(&id)
            .is_some_and(|c| matches!(c.state, ConversationState::Closed { .. }));
        if closed {
            self.conversations.remove(&id);
        }
        closed
    }

    /// Takes back a closed conversation the hub read from its store, so that
    /// [`Engine::can_reopen`] and `Input::Reopen` can act on it (R9). `false` when the record is
    /// not closed or the id is already known (then nothing happened).
    pub fn readmit(&mut self, record: ConversationRecord) -> bool {
        if !matches!(record.state, ConversationState::Closed { .. })
            || self.conversations.contains_key(&record.id)
        {
            return false;
        }
        self.conversations.insert(record.id, record);
        true
    }

    /// R9 option: whether `Input::Reopen` would put the conversation back on its previous
    /// agent's desk now.
    pub fn can_reopen(&self, conversation: ConversationId, now: Millis) -> bool {
        let Some(record) = self.conversations.get(&conversation) else {
            return false;
        };
        self.settings.reopen_to_previous_agent
            && matches!(record.state, ConversationState::Closed { .. })
            && record
                .previous_agent
                .is_some_and(|a| self.can_take(a, record.channel, now))
    }

    /// Checks the invariants; `Err` names the first one broken. For tests and debug builds.
    ///
    /// `now` should be the last instant handled: the engine only promises that nobody can take
    /// a waiting conversation as of the time it last ran.
    pub fn check_invariants(&self, now: Millis) -> Result<(), String> {
        self.check_indexes()?;
        self.check_slots()?;
        self.check_nobody_left_waiting(now)
    }
}

// Inputs.
impl Engine {
    fn agent_mut(&mut self, id: AgentId) -> Result<&mut AgentState, RoutingError> {
        self.agents
            .get_mut(&id)
            .ok_or(RoutingError::UnknownAgent(id))
    }

    fn agent_ref(&self, id: AgentId) -> Result<&AgentState, RoutingError> {
        self.agents.get(&id).ok_or(RoutingError::UnknownAgent(id))
    }

    fn conversation_mut(
        &mut self,
        id: ConversationId,
    ) -> Result<&mut ConversationRecord, RoutingError> {
        self.conversations
            .get_mut(&id)
            .ok_or(RoutingError::UnknownConversation(id))
    }

    fn conversation_ref(&self, id: ConversationId) -> Result<&ConversationRecord, RoutingError> {
        self.conversations
            .get(&id)
            .ok_or(RoutingError::UnknownConversation(id))
    }

    /// The conversation, checked to be on `agent`'s desk.
    fn owned(
        &self,
        conversation: ConversationId,
        agent: AgentId,
    ) -> Result<&ConversationRecord, RoutingError> {
        let record = self.conversation_ref(conversation)?;
        self.agent_ref(agent)?;
        if record.agent() == Some(agent) {
            Ok(record)
        } else {
            Err(RoutingError::NotYourConversation {
                conversation,
                agent,
            })
        }
    }

    fn set_settings(&mut self, settings: Settings) -> Result<(), RoutingError> {
        let tz = hours::parse_timezone(&settings.timezone)
            .ok_or(RoutingError::Invalid("unknown time zone"))?;
        self.tz = tz;
        self.settings = settings;
        Ok(())
    }

    fn upsert_agent(&mut self, config: AgentConfig, now: Millis) {
        let id = config.id;
        match self.agents.get_mut(&id) {
            None => {
                self.agents.insert(id, AgentState::new(config, now));
            }
            Some(agent) => {
                // An agent at the old maximum follows the admin's new one; one who chose
                // fewer keeps their choice, within the new maximum (R4).
                agent.slot_limit = if agent.slot_limit == agent.config.slot_max {
                    config.slot_max
                } else {
                    agent.slot_limit.min(config.slot_max)
                };
                agent.config = config;
                agent.allowance = u32::MAX;
                self.refresh_allowance(id);
            }
        }
    }

    fn agent_connected(&mut self, id: AgentId) -> Result<(), RoutingError> {
        let agent = self.agent_mut(id)?;
        agent.connected = true;
        agent.disconnected_since = None;
        let desk: Vec<ConversationId> = agent.desk.iter().copied().collect();
        // R10: a new disconnection gets a new notice.
        for conversation in desk {
            if let Some(record) = self.conversations.get_mut(&conversation) {
                record.disconnect_notice_sent = false;
            }
        }
        Ok(())
    }

    fn agent_disconnected(&mut self, id: AgentId, now: Millis) -> Result<(), RoutingError> {
        let agent = self.agent_mut(id)?;
        if agent.connected {
            agent.connected = false;
            agent.disconnected_since = Some(now);
        }
        // M3: a manager who is gone no longer joins anything.
        let joined: Vec<ConversationId> = agent.joined.iter().copied().collect();
        for conversation in joined {
            self.end_join(conversation, id);
        }
        Ok(())
    }

    /// M3: a manager joins the assigned agent, or leaves.
    fn join(
        &mut self,
        now: Millis,
        id: ConversationId,
        agent: AgentId,
        join: bool,
    ) -> Result<(), RoutingError> {
        let record = self.conversation_ref(id)?;
        let channel = record.channel;
        let holder = record.agent();
        let joined = record.joined.contains(&agent);
        let state = self.agent_ref(agent)?;
        if !join {
            if !joined {
                return Err(RoutingError::InvalidState {
                    conversation: id,
                    state: "not joined",
                });
            }
            self.end_join(id, agent);
            return Ok(());
        }
        match holder {
            None => {
                return Err(RoutingError::InvalidState {
                    conversation: id,
                    state: state_name(&record.state),
                });
            }
            Some(h) if h == agent => {
                return Err(RoutingError::Invalid(
                    "the conversation is on your own desk",
                ));
            }
            Some(_) if joined => return Ok(()),
            Some(_) => {}
        }
        if !state.has_room(channel, now) {
            return Err(RoutingError::AgentUnavailable(agent));
        }
        self.conversation_mut(id)?.joined.push(agent);
        self.agent_mut(agent)?.joined.insert(id);
        self.outputs.push_back(Output::Joined {
            conversation: id,
            agent,
            joined: true,
        });
        Ok(())
    }

    fn end_join(&mut self, id: ConversationId, agent: AgentId) {
        if let Some(record) = self.conversations.get_mut(&id) {
            record.joined.retain(|a| *a != agent);
        }
        if let Some(state) = self.agents.get_mut(&agent) {
            state.joined.remove(&id);
        }
        self.refresh_allowance(agent);
        self.outputs.push_back(Output::Joined {
            conversation: id,
            agent,
            joined: false,
        });
    }

    fn set_status(
        &mut self,
        id: AgentId,
        channel: Channel,
        status: ChosenStatus,
    ) -> Result<(), RoutingError> {
        let agent = self.agent_mut(id)?;
        if !agent.config.channels.contains(&channel) {
            return Err(RoutingError::Invalid(
                "the agent does not work on this channel",
            ));
        }
        agent.chosen.insert(channel, status);
        Ok(())
    }

    fn set_slot_limit(&mut self, id: AgentId, limit: u32) -> Result<(), RoutingError> {
        let agent = self.agent_mut(id)?;
        let max = agent.config.slot_max;
        if limit > max {
            return Err(RoutingError::SlotLimitAboveMax { limit, max });
        }
        agent.slot_limit = limit;
        // Lowering below the load keeps what the desk holds (R4): allow that much.
        agent.allowance = u32::MAX;
        self.refresh_allowance(id);
        Ok(())
    }

    fn new_conversation(
        &mut self,
        now: Millis,
        id: ConversationId,
        group: GroupId,
        channel: Channel,
    ) -> Result<(), RoutingError> {
        if self.conversations.contains_key(&id) {
            return Err(RoutingError::DuplicateConversation(id));
        }
        if !self.groups.contains_key(&group) {
            return Err(RoutingError::UnknownGroup(group));
        }
        self.conversations.insert(
            id,
            ConversationRecord {
                id,
                group,
                channel,
                state: ConversationState::Unrouted,
                created_at: now,
                last_visitor_message_at: Some(now),
                last_agent_message_at: None,
                waiting_since: Some(now),
                visitor_online: true,
                previous_agent: None,
                reminder_sent: false,
                relaunch_sent: false,
                reengage_sent: false,
                disconnect_notice_sent: false,
                questionnaire_done: false,
                auto_transferred_from: Vec::new(),
                joined: Vec::new(),
            },
        );
        self.route_new(now, id);
        Ok(())
    }

    fn visitor_message(&mut self, now: Millis, id: ConversationId) -> Result<(), RoutingError> {
        let record = self.conversation_mut(id)?;
        if let ConversationState::Closed { .. } = record.state {
            // The hub chooses between `Reopen` and a new conversation.
            return Err(RoutingError::InvalidState {
                conversation: id,
                state: "closed",
            });
        }
        record.last_visitor_message_at = Some(now);
        record.waiting_since.get_or_insert(now);
        // R10: a new silence, a new inactivity period.
        record.relaunch_sent = false;
        record.reminder_sent = false;
        match record.state {
            ConversationState::Snoozed { .. } => self.wake(now, id, WakeCause::VisitorMessage),
            ConversationState::Unrouted => self.route_new(now, id),
            _ => {}
        }
        Ok(())
    }

    fn agent_message(
        &mut self,
        now: Millis,
        id: ConversationId,
        agent: AgentId,
    ) -> Result<(), RoutingError> {
        // M3: a manager who joined writes to the visitor as the agent does.
        if !self.conversation_ref(id)?.joined.contains(&agent) {
            self.owned(id, agent)?;
        }
        let record = self.conversation_mut(id)?;
        record.last_agent_message_at = Some(now);
        record.waiting_since = None;
        record.reengage_sent = false;
        // R10: the wait is over; the visitor-inactivity clock (re)starts, with a new reminder.
        record.auto_transferred_from.clear();
        record.reminder_sent = false;
        Ok(())
    }

    fn snooze(
        &mut self,
        now: Millis,
        id: ConversationId,
        agent: AgentId,
        until: Millis,
        keep: bool,
    ) -> Result<(), RoutingError> {
        self.conversation_ref(id)?;
        self.agent_ref(agent)?;
        if !self.settings.async_messaging {
            return Err(RoutingError::AsyncMessagingOff);
        }
        self.owned(id, agent)?;
        if until <= now {
            return Err(RoutingError::Invalid("a snooze must end in the future"));
        }
        self.unassign(id, UnassignCause::Snoozed);
        self.set_state(
            id,
            ConversationState::Snoozed {
                until,
                by: agent,
                keep,
            },
        );
        self.outputs.push_back(Output::Snoozed {
            conversation: id,
            agent,
            until,
            keep,
        });
        Ok(())
    }

    fn transfer(
        &mut self,
        now: Millis,
        id: ConversationId,
        from: AgentId,
        to: TransferTo,
        anyway: bool,
    ) -> Result<(), RoutingError> {
        let record = self.owned(id, from)?;
        let (group, channel) = (record.group, record.channel);
        match to {
            TransferTo::Agent(to) => {
                if to == from {
                    return Err(RoutingError::Invalid(
                        "cannot transfer a conversation to oneself",
                    ));
                }
                let target = self.agent_ref(to)?;
                if !target.in_group(group) {
                    return Err(RoutingError::Invalid(
                        "agent not in the conversation's group",
                    ));
                }
                let over_limit = !target.has_room(channel, now);
                if over_limit && !anyway {
                    return Err(RoutingError::AgentUnavailable(to));
                }
                self.unassign(id, UnassignCause::Transferred);
                self.assign(
                    now,
                    id,
                    to,
                    AssignCause::Transfer {
                        from,
                        anyway: over_limit,
                    },
                    over_limit,
                );
            }
            TransferTo::Group(group) => {
                if !self.groups.contains_key(&group) {
                    return Err(RoutingError::UnknownGroup(group));
                }
                self.unassign(id, UnassignCause::Transferred);
                self.conversation_mut(id)?.group = group;
                self.route_to_group(
                    now,
                    id,
                    Some(from),
                    AssignCause::Transfer {
                        from,
                        anyway: false,
                    },
                );
            }
        }
        Ok(())
    }

    fn close(
        &mut self,
        now: Millis,
        id: ConversationId,
        agent: Option<AgentId>,
    ) -> Result<(), RoutingError> {
        let record = match agent {
            Some(agent) => self.owned(id, agent)?,
            None => self.conversation_ref(id)?,
        };
        if let ConversationState::Closed { .. } = record.state {
            return Err(RoutingError::InvalidState {
                conversation: id,
                state: "closed",
            });
        }
        self.leave(id, UnassignCause::Closed);
        self.set_state(id, ConversationState::Closed { at: now });
        let cause = if agent.is_some() {
            CloseCause::Agent
        } else {
            CloseCause::Hub
        };
        self.outputs.push_back(Output::Closed {
            conversation: id,
            cause,
        });
        Ok(())
    }

    fn reopen(&mut self, now: Millis, id: ConversationId) -> Result<(), RoutingError> {
        let record = self.conversation_ref(id)?;
        if !matches!(record.state, ConversationState::Closed { .. }) {
            return Err(RoutingError::InvalidState {
                conversation: id,
                state: state_name(&record.state),
            });
        }
        let agent = match record.previous_agent {
            Some(agent) if self.can_reopen(id, now) => agent,
            _ => {
                return Err(RoutingError::InvalidState {
                    conversation: id,
                    state: "closed, and its previous agent cannot take it",
                });
            }
        };
        // The hub reopens on a visitor message: the visitor now waits for the agent.
        let record = self.conversation_mut(id)?;
        record.last_visitor_message_at = Some(now);
        record.waiting_since = Some(now);
        record.relaunch_sent = false;
        record.reengage_sent = false;
        record.auto_transferred_from.clear();
        self.assign(now, id, agent, AssignCause::Reopened, false);
        Ok(())
    }
}

// Routing.
impl Engine {
    /// R1 then R2 for a conversation that has not been accepted yet (new, or unrouted).
    fn route_new(&mut self, now: Millis, id: ConversationId) {
        let Some(record) = self.conversations.get(&id) else {
            return;
        };
        let (group, channel) = (record.group, record.channel);
        if let Some(agent) = self.pick_agent(group, channel, &[], now) {
            self.assign(now, id, agent, AssignCause::New, false);
            return;
        }
        let open = self.group_open(group, now) && !self.queue_closing(group, now);
        let connected = self.connected_in_group(group);
        let cap = usize::try_from(self.settings.queue_per_agent)
            .unwrap_or(usize::MAX)
            .saturating_mul(connected);
        if open && connected > 0 && self.live_queue_len(group) < cap {
            self.enqueue(now, id, false);
        } else if self.settings.async_messaging {
            self.enqueue(now, id, true);
            self.outputs
                .push_back(Output::AutoReply { conversation: id });
        } else {
            self.set_state(id, ConversationState::Unrouted);
            let sentence = if open {
                SentenceKind::NoAgent
            } else {
                SentenceKind::OutOfHours
            };
            self.outputs.push_back(Output::Refused {
                conversation: id,
                sentence,
            });
        }
    }

    /// R1 for a conversation already accepted (woken, transferred, reassigned): an agent of the
    /// group now, else its queue whatever the R2 cap, as asynchronous if nobody is connected.
    fn route_to_group(
        &mut self,
        now: Millis,
        id: ConversationId,
        exclude: Option<AgentId>,
        cause: AssignCause,
    ) {
        let Some(record) = self.conversations.get(&id) else {
            return;
        };
        let (group, channel) = (record.group, record.channel);
        match self.pick_agent(group, channel, exclude.as_slice(), now) {
            Some(agent) => self.assign(now, id, agent, cause, false),
            None => {
                let asynchronous = self.connected_in_group(group) == 0;
                self.enqueue(now, id, asynchronous);
            }
        }
    }

    /// R1: among the group's agents who have room, the least loaded, then the one idle longest
    /// since their last assignment (never assigned counts as idlest), then the smallest id.
    /// Agents in `exclude` are not considered.
    fn pick_agent(
        &self,
        group: GroupId,
        channel: Channel,
        exclude: &[AgentId],
        now: Millis,
    ) -> Option<AgentId> {
        if !self.group_open(group, now) {
            return None;
        }
        self.agents
            .iter()
            .filter(|(id, a)| {
                !exclude.contains(id) && a.in_group(group) && a.has_room(channel, now)
            })
            .min_by_key(|(id, a)| (a.load(), a.last_assigned_at, **id))
            .map(|(id, _)| *id)
    }

    fn connected_in_group(&self, group: GroupId) -> usize {
        self.agents
            .values()
            .filter(|a| a.connected && a.in_group(group))
            .count()
    }

    fn live_queue_len(&self, group: GroupId) -> usize {
        self.queue(group)
            .into_iter()
            .filter(|id| {
                matches!(
                    self.conversations.get(id).map(|c| &c.state),
                    Some(ConversationState::Queued {
                        asynchronous: false,
                        ..
                    })
                )
            })
            .count()
    }

    /// R10/R11: the queue closes `queue_close_before_end_min` before the open period ends.
    fn queue_closing(&self, group: GroupId, now: Millis) -> bool {
        let before = self.settings.timeouts.queue_close_before_end_min;
        if before == 0 {
            return false;
        }
        let Some(hours) = self.groups.get(&group).and_then(|g| g.hours.as_ref()) else {
            return false;
        };
        hours::current_span_end(hours, self.tz, now)
            .is_some_and(|end| now >= end.saturating_sub(minutes(before)))
    }

    fn queue_position(&self, group: GroupId, id: ConversationId) -> usize {
        let Some(key) = self.queue_keys.get(&id) else {
            return 0;
        };
        self.queues
            .get(&group)
            .map_or(0, |q| q.range(..=*key).count())
    }

    fn set_state(&mut self, id: ConversationId, state: ConversationState) {
        if let Some(record) = self.conversations.get_mut(&id) {
            record.state = state;
        }
    }

    /// Puts the conversation at the end of its group's queue (R2, R8, R10 questionnaire).
    fn enqueue(&mut self, since: Millis, id: ConversationId, asynchronous: bool) {
        let show_for = self.settings.timeouts.waiting_questionnaire_min;
        let Some(record) = self.conversations.get_mut(&id) else {
            return;
        };
        record.state = ConversationState::Queued {
            since,
            asynchronous,
        };
        let group = record.group;
        let show_questionnaire = !asynchronous && !record.questionnaire_done && show_for > 0;
        if !asynchronous && show_for == 0 {
            // Shown iff `show: true` was sent: see `leave_queue`.
            record.questionnaire_done = true;
        }
        let key = (since, self.next_seq, id);
        self.next_seq += 1;
        self.queues.entry(group).or_default().insert(key);
        self.queue_keys.insert(id, key);
        let position = self.queue_position(group, id);
        self.outputs.push_back(Output::Queued {
            conversation: id,
            group,
            position,
            asynchronous,
        });
        if show_questionnaire {
            self.outputs.push_back(Output::WaitingQuestionnaire {
                conversation: id,
                show: true,
            });
        }
    }

    /// Takes the conversation out of the queue or a reservation (not off a desk).
    fn leave_waiting(&mut self, id: ConversationId) {
        if let Some(key) = self.queue_keys.remove(&id) {
            let Some(record) = self.conversations.get_mut(&id) else {
                return;
            };
            if let Some(queue) = self.queues.get_mut(&record.group) {
                queue.remove(&key);
            }
            if let ConversationState::Queued {
                asynchronous: false,
                ..
            } = record.state
                && !record.questionnaire_done
            {
                record.questionnaire_done = true;
                self.outputs.push_back(Output::WaitingQuestionnaire {
                    conversation: id,
                    show: false,
                });
            }
        }
        if let Some(ConversationState::Reserved { agent, since }) =
            self.conversations.get(&id).map(|c| c.state.clone())
            && let Some(set) = self.reserved.get_mut(&agent)
        {
            set.remove(&(since, id));
            if set.is_empty() {
                self.reserved.remove(&agent);
            }
        }
    }

    /// Takes the conversation off its desk, out of its queue or its reservation.
    fn leave(&mut self, id: ConversationId, cause: UnassignCause) {
        self.unassign(id, cause);
        self.leave_waiting(id);
    }

    /// Puts the conversation on `agent`'s desk. The caller took it off any previous desk.
    fn assign(
        &mut self,
        now: Millis,
        id: ConversationId,
        agent: AgentId,
        cause: AssignCause,
        over_limit: bool,
    ) {
        self.leave_waiting(id);
        let Some(state) = self.agents.get_mut(&agent) else {
            return;
        };
        let Some(record) = self.conversations.get_mut(&id) else {
            return;
        };
        state.desk.insert(id);
        state.last_assigned_at = Some(now);
        record.state = ConversationState::Assigned {
            agent,
            since: now,
            over_limit,
        };
        // R10: a new desk, a new inactivity period and a new disconnection notice.
        record.reminder_sent = false;
        record.disconnect_notice_sent = false;
        self.outputs.push_back(Output::Assigned {
            conversation: id,
            agent,
            cause,
        });
    }

    /// Takes the conversation off its desk, if it is on one. Returns the agent.
    fn unassign(&mut self, id: ConversationId, cause: UnassignCause) -> Option<AgentId> {
        let joined = self.conversations.get(&id)?.joined.clone();
        for manager in joined {
            self.end_join(id, manager);
        }
        let record = self.conversations.get_mut(&id)?;
        let agent = record.agent()?;
        record.previous_agent = Some(agent);
        record.state = ConversationState::Unrouted;
        if let Some(state) = self.agents.get_mut(&agent) {
            state.desk.remove(&id);
        }
        self.refresh_allowance(agent);
        self.outputs.push_back(Output::Unassigned {
            conversation: id,
            agent,
            cause,
        });
        Some(agent)
    }

    /// R5: the pause ended.
    fn wake(&mut self, now: Millis, id: ConversationId, cause: WakeCause) {
        let Some(ConversationState::Snoozed { by, keep, .. }) =
            self.conversations.get(&id).map(|c| c.state.clone())
        else {
            return;
        };
        self.outputs.push_back(Output::Woke {
            conversation: id,
            cause,
        });
        let channel = self.conversations.get(&id).map(|c| c.channel);
        match (keep, self.agents.get(&by), channel) {
            (true, Some(agent), Some(channel)) => {
                if agent.has_room(channel, now) {
                    self.assign(now, id, by, AssignCause::SnoozeWake, false);
                } else {
                    self.set_state(
                        id,
                        ConversationState::Reserved {
                            agent: by,
                            since: now,
                        },
                    );
                    self.reserved.entry(by).or_default().insert((now, id));
                    self.outputs.push_back(Output::Reserved {
                        conversation: id,
                        agent: by,
                    });
                }
            }
            // Not kept, or kept for an agent that no longer exists: the group's first.
            _ => self.route_to_group(now, id, None, AssignCause::SnoozeWake),
        }
    }

    /// Gives waiting conversations to agents with room; see the module documentation.
    fn drain(&mut self, now: Millis) {
        for _ in 0..=self.conversations.len() {
            self.drain_reserved(now);
            self.drain_queues(now);
            if !self.auto_transfer(now) {
                break;
            }
        }
    }

    /// R5: a reserved conversation goes to its agent as soon as they have room.
    fn drain_reserved(&mut self, now: Millis) {
        let reserved: Vec<(AgentId, ConversationId)> = self
            .reserved
            .iter()
            .flat_map(|(agent, set)| set.iter().map(move |&(_, id)| (*agent, id)))
            .collect();
        for (agent, id) in reserved {
            let Some(channel) = self.conversations.get(&id).map(|c| c.channel) else {
                continue;
            };
            if self.can_take(agent, channel, now) {
                self.assign(now, id, agent, AssignCause::SnoozeWake, false);
            }
        }
    }

    /// R1/R2: queued conversations, oldest first across groups. Assigning only takes room
    /// away, so a (group, channel) whose oldest conversation found nobody is done: that keeps
    /// each group's queue first come first served per channel.
    fn drain_queues(&mut self, now: Millis) {
        // Nobody with room for any waiting (group, channel): nothing can move. The usual case
        // of a long queue, checked first because it runs on every input, while collecting and
        // sorting the queue costs its length (measured: 19,000 visitors resuming at once).
        let any_room = self
            .queues
            .iter()
            .filter(|(_, queue)| !queue.is_empty())
            .any(|(group, _)| {
                Channel::ALL
                    .iter()
                    .any(|&channel| self.pick_agent(*group, channel, &[], now).is_some())
            });
        if !any_room {
            return;
        }
        let mut waiting: Vec<(QueueKey, GroupId)> = self
            .queues
            .iter()
            .flat_map(|(group, queue)| queue.iter().map(move |key| (*key, *group)))
            .collect();
        waiting.sort_unstable();
        let mut stuck: BTreeSet<(GroupId, Channel)> = BTreeSet::new();
        for ((_, _, id), group) in waiting {
            let Some(channel) = self.conversations.get(&id).map(|c| c.channel) else {
                continue;
            };
            if stuck.contains(&(group, channel)) {
                continue;
            }
            match self.pick_agent(group, channel, &[], now) {
                Some(agent) => self.assign(now, id, agent, AssignCause::Queue, false),
                None => {
                    stuck.insert((group, channel));
                }
            }
        }
    }

    /// R10 auto-transfer: a conversation whose agent has not answered for `auto_transfer_s`
    /// goes to another agent of the group who has room, never back to one it was moved away
    /// from during the same wait (else it stays). Returns whether one moved.
    fn auto_transfer(&mut self, now: Millis) -> bool {
        if self.settings.timeouts.auto_transfer_s == 0 {
            return false;
        }
        // Only conversations on a desk can be due: the desks, not every conversation (this
        // runs on every input).
        let mut due: Vec<ConversationId> = self
            .agents
            .values()
            .flat_map(|agent| agent.desk.iter())
            .filter_map(|id| self.conversations.get(id))
            .filter(|c| self.auto_transfer_due_at(c).is_some_and(|at| at <= now))
            .map(|c| c.id)
            .collect();
        due.sort_unstable();
        let mut moved = false;
        for id in due {
            let Some(record) = self.conversations.get(&id) else {
                continue;
            };
            let (Some(from), group, channel) = (record.agent(), record.group, record.channel)
            else {
                continue;
            };
            let mut exclude = record.auto_transferred_from.clone();
            exclude.push(from);
            let Some(to) = self.pick_agent(group, channel, &exclude, now) else {
                continue;
            };
            self.unassign(id, UnassignCause::Reassigned);
            if let Some(record) = self.conversations.get_mut(&id)
                && !record.auto_transferred_from.contains(&from)
            {
                record.auto_transferred_from.push(from);
            }
            self.assign(now, id, to, AssignCause::Reassigned { from }, false);
            if self.settings.timeouts.auto_transfer_notify_visitor {
                self.push_sentence(id, SentenceKind::Transferred);
            }
            moved = true;
        }
        moved
    }

    /// R10: when an unanswered waiting visitor's conversation becomes due for auto-transfer,
    /// counted from the later of the start of the wait and the assignment.
    fn auto_transfer_due_at(&self, record: &ConversationRecord) -> Option<Millis> {
        let after = self.settings.timeouts.auto_transfer_s;
        match (after, &record.state, record.waiting_since) {
            (1.., ConversationState::Assigned { since, .. }, Some(waiting)) => {
                Some(waiting.max(*since).saturating_add(seconds(after)))
            }
            _ => None,
        }
    }

    /// A sentence to the visitor, with the assigned agent's availability (R10).
    fn push_sentence(&mut self, id: ConversationId, sentence: SentenceKind) {
        let agent_availability = self.conversations.get(&id).and_then(|c| {
            let agent = self.agents.get(&c.agent()?)?;
            Some(agent.availability(c.channel))
        });
        self.outputs.push_back(Output::Sentence {
            conversation: id,
            sentence,
            agent_availability,
        });
    }

    fn refresh_allowance(&mut self, id: AgentId) {
        let Some(agent) = self.agents.get(&id) else {
            return;
        };
        let held = self.non_over_limit_load(agent);
        let Some(agent) = self.agents.get_mut(&id) else {
            return;
        };
        agent.allowance = agent.slot_limit.max(held.min(agent.allowance));
    }

    fn non_over_limit_load(&self, agent: &AgentState) -> u32 {
        let held = agent
            .desk
            .iter()
            .filter(|id| {
                !matches!(
                    self.conversations.get(id).map(|c| &c.state),
                    Some(ConversationState::Assigned {
                        over_limit: true,
                        ..
                    })
                )
            })
            .count();
        u32::try_from(held + agent.joined.len()).unwrap_or(u32::MAX)
    }

    /// R3: announces every change of effective availability since the last announcement.
    fn emit_availability(&mut self) {
        let mut now_seen = BTreeMap::new();
        for (id, agent) in &self.agents {
            for &channel in &agent.config.channels {
                let availability = agent.availability(channel);
                let before = self.announced.get(&(*id, channel)).copied();
                if before.unwrap_or(Availability::Offline) != availability {
                    self.outputs.push_back(Output::Availability {
                        agent: *id,
                        channel,
                        availability,
                    });
                }
                now_seen.insert((*id, channel), availability);
            }
        }
        self.announced = now_seen;
    }
}

// Deadlines.
impl Engine {
    /// Calls `f(at, timer)` for each pending deadline of the conversation (R5, R6, R10).
    fn for_each_timer(&self, record: &ConversationRecord, mut f: impl FnMut(Millis, Timer)) {
        let t = &self.settings.timeouts;
        match record.state {
            ConversationState::Snoozed { until, .. } => f(until, Timer::SnoozeEnd),
            ConversationState::Reserved { since, .. } => {
                f(
                    since.saturating_add(REASSIGN_AFTER),
                    Timer::ReservationExpired,
                );
                if let (1.., Some(waiting), false) = (
                    t.reengage_after_min,
                    record.waiting_since,
                    record.reengage_sent,
                ) {
                    f(
                        waiting.saturating_add(minutes(t.reengage_after_min)),
                        Timer::Reengage,
                    );
                }
            }
            ConversationState::Queued {
                since,
                asynchronous,
            } => {
                if !asynchronous && !record.questionnaire_done && t.waiting_questionnaire_min > 0 {
                    f(
                        since.saturating_add(minutes(t.waiting_questionnaire_min)),
                        Timer::QuestionnaireEnd,
                    );
                }
                if let (1.., Some(waiting), false) = (
                    t.reengage_after_min,
                    record.waiting_since,
                    record.reengage_sent,
                ) {
                    f(
                        waiting.saturating_add(minutes(t.reengage_after_min)),
                        Timer::Reengage,
                    );
                }
            }
            ConversationState::Assigned {
                agent,
                since,
                over_limit,
            } => {
                let handled = record.last_agent_message_at.is_some_and(|at| at >= since);
                if over_limit && !handled {
                    f(
                        since.saturating_add(REASSIGN_AFTER),
                        Timer::OverLimitExpired,
                    );
                }
                if let Some(closes_at) = self.inactivity_deadline(record) {
                    if t.reminder_before_timeout_s > 0 && !record.reminder_sent {
                        f(
                            closes_at.saturating_sub(seconds(t.reminder_before_timeout_s)),
                            Timer::Reminder,
                        );
                    }
                    f(closes_at, Timer::Inactivity);
                }
                if let (1.., None, Some(spoke), false) = (
                    t.relaunch_after_min,
                    record.waiting_since,
                    record.last_agent_message_at,
                    record.relaunch_sent,
                ) && record.last_visitor_message_at.is_none_or(|v| v <= spoke)
                {
                    f(
                        spoke.saturating_add(minutes(t.relaunch_after_min)),
                        Timer::Relaunch,
                    );
                }
                if let (1.., Some(waiting), false) = (
                    t.reengage_after_min,
                    record.waiting_since,
                    record.reengage_sent,
                ) {
                    f(
                        waiting.saturating_add(minutes(t.reengage_after_min)),
                        Timer::Reengage,
                    );
                }
                if let Some(gone) = self.agents.get(&agent).and_then(|a| a.disconnected_since) {
                    let gone = gone.max(since);
                    if t.agent_disconnected_notice_s > 0 && !record.disconnect_notice_sent {
                        f(
                            gone.saturating_add(seconds(t.agent_disconnected_notice_s)),
                            Timer::DisconnectNotice,
                        );
                    }
                    if t.disconnected_transfer_s > 0 {
                        f(
                            gone.saturating_add(seconds(t.disconnected_transfer_s)),
                            Timer::DisconnectTransfer,
                        );
                    }
                }
            }
            ConversationState::Unrouted | ConversationState::Closed { .. } => {}
        }
    }

    /// R10: when visitor inactivity closes an assigned conversation. The clock runs only while
    /// the agent spoke last: the visitor is not waiting for a reply and the agent has written
    /// since the assignment. It counts from the later of the agent's and the visitor's last
    /// messages. A visitor who waits for an answer is never closed for inactivity.
    fn inactivity_deadline(&self, record: &ConversationRecord) -> Option<Millis> {
        let after = self.settings.timeouts.visitor_inactivity_min;
        let ConversationState::Assigned { since, .. } = record.state else {
            return None;
        };
        if after == 0 || record.waiting_since.is_some() {
            return None;
        }
        let spoke = record.last_agent_message_at.filter(|&at| at >= since)?;
        let active = record
            .last_visitor_message_at
            .map_or(spoke, |v| v.max(spoke));
        Some(active.saturating_add(minutes(after)))
    }

    fn earliest_due(&self, now: Millis) -> Option<(Millis, ConversationId, Timer)> {
        let mut earliest = None;
        for record in self.conversations.values() {
            self.for_each_timer(record, |at, timer| {
                if at <= now {
                    let candidate = (at, record.id, timer);
                    if earliest.is_none_or(|e| candidate < e) {
                        earliest = Some(candidate);
                    }
                }
            });
        }
        earliest
    }

    fn fire(&mut self, at: Millis, id: ConversationId, timer: Timer) {
        match timer {
            Timer::SnoozeEnd => self.wake(at, id, WakeCause::Expired),
            Timer::ReservationExpired => {
                let Some(ConversationState::Reserved { agent, .. }) =
                    self.conversations.get(&id).map(|c| c.state.clone())
                else {
                    return;
                };
                self.leave_waiting(id);
                self.set_state(id, ConversationState::Unrouted);
                self.route_to_group(at, id, Some(agent), AssignCause::Reassigned { from: agent });
            }
            Timer::OverLimitExpired | Timer::DisconnectTransfer => {
                if let Some(from) = self.unassign(id, UnassignCause::Reassigned) {
                    self.route_to_group(at, id, Some(from), AssignCause::Reassigned { from });
                }
            }
            Timer::Reminder => {
                let Some(record) = self.conversations.get(&id) else {
                    return;
                };
                let (Some(agent), Some(closes_at)) =
                    (record.agent(), self.inactivity_deadline(record))
                else {
                    return;
                };
                if let Some(record) = self.conversations.get_mut(&id) {
                    record.reminder_sent = true;
                }
                self.outputs.push_back(Output::TimeoutReminder {
                    conversation: id,
                    agent,
                    closes_at,
                });
            }
            Timer::Inactivity => {
                self.unassign(id, UnassignCause::VisitorTimeout);
                self.set_state(id, ConversationState::Closed { at });
                self.outputs.push_back(Output::Closed {
                    conversation: id,
                    cause: CloseCause::VisitorInactivity,
                });
            }
            Timer::Relaunch => {
                if let Some(record) = self.conversations.get_mut(&id) {
                    record.relaunch_sent = true;
                }
                self.push_sentence(id, SentenceKind::Relaunch);
            }
            Timer::Reengage => {
                if let Some(record) = self.conversations.get_mut(&id) {
                    record.reengage_sent = true;
                }
                self.push_sentence(id, SentenceKind::Reengagement);
            }
            Timer::DisconnectNotice => {
                if let Some(record) = self.conversations.get_mut(&id) {
                    record.disconnect_notice_sent = true;
                }
                self.push_sentence(id, SentenceKind::AgentDisconnected);
            }
            Timer::QuestionnaireEnd => {
                if let Some(record) = self.conversations.get_mut(&id) {
                    record.questionnaire_done = true;
                }
                self.outputs.push_back(Output::WaitingQuestionnaire {
                    conversation: id,
                    show: false,
                });
            }
        }
    }
}

// Invariants.
impl Engine {
    fn check_indexes(&self) -> Result<(), String> {
        let (mut on_desks, mut queued, mut reserved) = (0, 0, 0);
        for (id, record) in &self.conversations {
            if record.id != *id {
                return Err(format!(
                    "conversation {id} is stored under another id ({})",
                    record.id
                ));
            }
            let in_queue = self.queue_keys.get(id);
            let in_reserved = self
                .reserved
                .values()
                .any(|s| s.iter().any(|&(_, c)| c == *id));
            let on_desk: Vec<AgentId> = self
                .agents
                .iter()
                .filter(|(_, a)| a.desk.contains(id))
                .map(|(a, _)| *a)
                .collect();
            // M3: joins only on an assigned conversation, by others than its agent, indexed.
            let joined_index: Vec<AgentId> = self
                .agents
                .iter()
                .filter(|(_, a)| a.joined.contains(id))
                .map(|(a, _)| *a)
                .collect();
            let mut joined = record.joined.clone();
            joined.sort_unstable();
            if joined != joined_index
                || (!joined.is_empty() && record.agent().is_none_or(|h| joined.contains(&h)))
            {
                return Err(format!(
                    "conversation {id} ({}) is joined by {:?}, indexed {joined_index:?}",
                    state_name(&record.state),
                    record.joined
                ));
            }
            match record.state {
                ConversationState::Assigned { agent, .. } => {
                    on_desks += 1;
                    if on_desk != [agent] {
                        return Err(format!(
                            "conversation {id} is assigned to {agent} but on desks {on_desk:?}"
                        ));
                    }
                }
                ConversationState::Queued { since, .. } => {
                    queued += 1;
                    let Some(key) = in_queue else {
                        return Err(format!(
                            "conversation {id} is queued but not in the queue index"
                        ));
                    };
                    if key.0 != since || key.2 != *id {
                        return Err(format!(
                            "conversation {id} has queue key {key:?}, since {since}"
                        ));
                    }
                    if !self
                        .queues
                        .get(&record.group)
                        .is_some_and(|q| q.contains(key))
                    {
                        return Err(format!(
                            "conversation {id} is not in group {}'s queue",
                            record.group
                        ));
                    }
                }
                ConversationState::Reserved { agent, since } => {
                    reserved += 1;
                    if !self
                        .reserved
                        .get(&agent)
                        .is_some_and(|s| s.contains(&(since, *id)))
                    {
                        return Err(format!(
                            "conversation {id} is reserved for {agent} but not indexed"
                        ));
                    }
                }
                _ => {}
            }
            if !matches!(record.state, ConversationState::Assigned { .. }) && !on_desk.is_empty() {
                return Err(format!(
                    "conversation {id} is {} but on desks {on_desk:?}",
                    state_name(&record.state)
                ));
            }
            if !matches!(record.state, ConversationState::Queued { .. }) && in_queue.is_some() {
                return Err(format!(
                    "conversation {id} is {} but queued",
                    state_name(&record.state)
                ));
            }
            if !matches!(record.state, ConversationState::Reserved { .. }) && in_reserved {
                return Err(format!(
                    "conversation {id} is {} but reserved",
                    state_name(&record.state)
                ));
            }
        }
        let desk_total: usize = self.agents.values().map(|a| a.desk.len()).sum();
        let queue_total: usize = self.queues.values().map(BTreeSet::len).sum();
        let reserved_total: usize = self.reserved.values().map(BTreeSet::len).sum();
        if desk_total != on_desks
            || queue_total != queued
            || self.queue_keys.len() != queued
            || reserved_total != reserved
        {
            return Err(format!(
                "indexes hold {desk_total} on desks, {queue_total} queued, {reserved_total} reserved; \
                 states say {on_desks}, {queued}, {reserved}"
            ));
        }
        for (group, queue) in &self.queues {
            let mut last: Option<Millis> = None;
            for &(since, _, id) in queue {
                if self
                    .conversations
                    .get(&id)
                    .is_none_or(|c| c.group != *group)
                {
                    return Err(format!(
                        "conversation {id} is in group {group}'s queue but not of that group"
                    ));
                }
                if last.is_some_and(|l| l > since) {
                    return Err(format!(
                        "group {group}'s queue is not first come first served at {id}"
                    ));
                }
                last = Some(since);
            }
        }
        Ok(())
    }

    fn check_slots(&self) -> Result<(), String> {
        for (id, agent) in &self.agents {
            if agent.slot_limit > agent.config.slot_max {
                return Err(format!(
                    "agent {id}'s slot limit {} is above the max {}",
                    agent.slot_limit, agent.config.slot_max
                ));
            }
            let held = self.non_over_limit_load(agent);
            if held > agent.slot_limit.max(agent.allowance) {
                return Err(format!(
                    "agent {id} holds {held} conversations (not transferred anyway) with a slot limit of {}",
                    agent.slot_limit
                ));
            }
        }
        Ok(())
    }

    fn check_nobody_left_waiting(&self, now: Millis) -> Result<(), String> {
        for (agent, set) in &self.reserved {
            for &(_, id) in set {
                let channel = self.conversations.get(&id).map(|c| c.channel);
                if channel.is_some_and(|ch| self.can_take(*agent, ch, now)) {
                    return Err(format!(
                        "agent {agent} has room but conversation {id} reserved for them waits"
                    ));
                }
            }
        }
        for queue in self.queues.values() {
            for &(_, _, id) in queue {
                let Some(record) = self.conversations.get(&id) else {
                    continue;
                };
                if let Some(agent) = self.pick_agent(record.group, record.channel, &[], now) {
                    return Err(format!(
                        "agent {agent} has room but queued conversation {id} waits"
                    ));
                }
            }
        }
        Ok(())
    }
}
