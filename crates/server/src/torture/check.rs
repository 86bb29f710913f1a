//! The harness's checker: what independent clients saw against what the store holds.
//!
//! Pure: it takes the clients' logs and what was read from the store (and over HTTP) as data,
//! so its rules are tested on made-up logs below.
//!
//! - **Frames (R12).** Every acknowledged frame is applied, a message exactly once and with the
//!   text sent; a refused one is not applied; nothing stays unanswered; no message carries a
//!   client id nobody sent.
//! - **Streams (R12).** Each client received its stream exactly: no event twice, none out of
//!   order, none missing (a replay omission or a lost delivery). Missing is judged up to the
//!   highest `seq` any client received: that event was delivered after its commit, so every
//!   lower one was committed before it.
//! - **Deliveries (R12, bug 1 of issue 8).** Every message the visitor saw while a
//!   conversation was on a desk reached that desk, in the conversation's view when it arrived
//!   or as its own event afterwards.
//! - **Routing (R1, R4, FCFS).** No conversation on two desks at once; no assignment above an
//!   agent's slots but by transfer (`anyway`); conversations first taken from the queue in the
//!   order they were created.
//! - **Threads.** The thread read over HTTP is the stored one.

use std::collections::{BTreeMap, BTreeSet};

use pupitre_protocol::agent::{AgentEvent, AssignCause};
use pupitre_protocol::visitor::VisitorEvent;
use pupitre_protocol::{ClientId, Seq};

use super::actors::{ActorLog, Sent};

/// How many examples of each kind of violation the report spells out.
const EXAMPLES: usize = 5;
/// How late a timer may fire on a cluster (the issue's "its poll interval + 1 s"): a project
/// taken over is loaded within a tick (200 ms), its past-due timers fired at once.
pub const TIMER_SLACK_MS: u64 = 1_200;
/// The issue's bound on a client's way back after its connection was lost: p99 under 2 s.
pub const RECONNECT_P99: std::time::Duration = std::time::Duration::from_secs(2);
/// What a hub logs when a timer fires more than a second after its time
/// (`crate::hub::writer`), with `late_ms=`.
pub const LATE_TIMER_LOG: &str = "a timer fired late";

/// What the store (and the HTTP API) hold after the run.
#[derive(Debug, Default)]
pub struct Stored {
    /// Each stream's events, in `seq` order: `(seq, payload)`.
    pub streams: BTreeMap<String, Vec<(Seq, String)>>,
    /// Every message: conversation reference → `(id, client id, text if a text)`.
    pub threads: BTreeMap<String, Vec<StoredText>>,
    /// Client ids in the store's applied list, among those the clients sent.
    pub applied: BTreeSet<ClientId>,
    /// Conversation reference → message ids, as `GET /api/conversations/{ref}` answered.
    pub http_threads: BTreeMap<String, Vec<i64>>,
    /// Slots of each agent stream (`a:<id>`).
    pub slots: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredText {
    pub id: i64,
    pub client_id: Option<ClientId>,
    pub text: Option<String>,
}

/// Counts of what went wrong, with examples.
#[derive(Debug, Default)]
pub struct Verdict {
    pub counts: BTreeMap<&'static str, usize>,
    pub examples: BTreeMap<&'static str, Vec<String>>,
    /// What was checked, for the report.
    pub checked: BTreeMap<&'static str, usize>,
    /// The clients' ways back after a lost connection: their p99 and the longest.
    pub reconnect_p99: Option<std::time::Duration>,
    pub reconnect_max: Option<std::time::Duration>,
    /// The timers the hubs fired more than a second late (their logs), in milliseconds.
    pub late_timers: Vec<u64>,
}

/// The kinds of violation, in the order the report prints them.
pub const KINDS: &[&str] = &[
    "lost",
    "duplicated",
    "wrong text",
    "applied though refused",
    "unanswered",
    "phantom",
    "missed deliveries",
    "deliveries twice",
    "replay omissions",
    "events twice",
    "events out of order",
    "double assignments",
    "slot overruns",
    "fcfs",
    "late timers",
    "slow reconnects",
    "http thread",
];

impl Verdict {
    fn violation(&mut self, kind: &'static str, example: impl FnOnce() -> String) {
        debug_assert!(KINDS.contains(&kind), "{kind} is listed in KINDS");
        let n = self.counts.entry(kind).or_default();
        *n += 1;
        let examples = self.examples.entry(kind).or_default();
        if examples.len() < EXAMPLES {
            examples.push(example());
        }
    }

    fn count(&mut self, what: &'static str, n: usize) {
        *self.checked.entry(what).or_default() += n;
    }

    /// On a cluster, the issue's bounds: the clients' ways back p99 under [`RECONNECT_P99`],
    /// every timer at most [`TIMER_SLACK_MS`] late (a node's death costs a takeover). One hub
    /// killed costs its own restart, which the harness decides: it is not held to them.
    pub fn cluster_bounds(&mut self) {
        // Below a hundred, the "p99" is the slowest one: judged from a hundred on.
        let judged = self.checked.get("reconnects").is_some_and(|n| *n >= 100);
        if let Some(p99) = self
            .reconnect_p99
            .filter(|p99| judged && *p99 >= RECONNECT_P99)
        {
            let max = self.reconnect_max.unwrap_or_default();
            self.violation("slow reconnects", || format!("p99 {p99:?} (max {max:?})"));
        }
        for late in self.late_timers.clone() {
            if late > TIMER_SLACK_MS {
                self.violation("late timers", || format!("a timer fired {late} ms late"));
            }
        }
    }

    /// Reads the hubs' log for the timers fired late ([`LATE_TIMER_LOG`]).
    pub fn timers_from_log(&mut self, log: &str) {
        self.late_timers = log
            .lines()
            .filter(|l| l.contains(LATE_TIMER_LOG))
            .filter_map(|l| {
                l.split("late_ms=")
                    .nth(1)?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()
            })
            .collect();
    }

    pub fn total(&self) -> usize {
        self.counts.values().sum()
    }

    pub fn get(&self, kind: &str) -> usize {
        self.counts.get(kind).copied().unwrap_or(0)
    }
}

pub fn check(logs: &[ActorLog], stored: &Stored) -> Verdict {
    let mut v = Verdict::default();
    frames(logs, stored, &mut v);
    streams(logs, stored, &mut v);
    let desks = Desks::from(stored);
    deliveries(stored, &desks, &mut v);
    routing(stored, &desks, &mut v);
    http_threads(stored, &mut v);
    reconnects(logs, &mut v);
    v
}

/// The clients' ways back after a connection lost without their meaning it: their p99, for
/// [`Verdict::cluster_bounds`].
fn reconnects(logs: &[ActorLog], v: &mut Verdict) {
    let mut all: Vec<std::time::Duration> = logs
        .iter()
        .flat_map(|l| l.reconnects.iter().copied())
        .collect();
    v.count("reconnects", all.len());
    if all.is_empty() {
        return;
    }
    all.sort();
    v.reconnect_p99 = Some(all[(all.len() * 99).div_ceil(100) - 1]);
    v.reconnect_max = all.last().copied();
}

/// Every frame with a client id: applied once if acknowledged, not at all if refused.
fn frames(logs: &[ActorLog], stored: &Stored, v: &mut Verdict) {
    let mut by_client_id: BTreeMap<ClientId, Vec<(&str, &StoredText)>> = BTreeMap::new();
    for (reference, thread) in &stored.threads {
        for m in thread {
            if let Some(id) = m.client_id {
                by_client_id.entry(id).or_default().push((reference, m));
            }
        }
    }
    let mut sent_ids = BTreeSet::new();
    for log in logs {
        for (id, sent) in &log.sent {
            sent_ids.insert(*id);
            v.count("frames", 1);
            let found = by_client_id.get(id).map_or(&[][..], |f| &f[..]);
            let acked = log.acked.contains_key(id);
            let refused = log.refused.get(id);
            if !acked && refused.is_none() {
                v.violation("unanswered", || format!("{}: {id} {sent:?}", log.name));
                continue;
            }
            if let Some(code) = refused {
                if !found.is_empty() || stored.applied.contains(id) {
                    v.violation("applied though refused", || {
                        format!("{}: {id} {sent:?} refused {code:?}", log.name)
                    });
                }
                continue;
            }
            if !stored.applied.contains(id) {
                v.violation("lost", || {
                    format!("{}: {id} {sent:?} acked, not applied", log.name)
                });
            }
            if let Sent::Text(text) = sent {
                match found {
                    [] => v.violation("lost", || {
                        format!("{}: {id} {text:?} acked, no message", log.name)
                    }),
                    [(_, m)] if m.text.as_deref() != Some(text.as_str()) => v
                        .violation("wrong text", || {
                            format!("{}: {id} sent {text:?}, stored {:?}", log.name, m.text)
                        }),
                    [_] => {}
                    more => v.violation("duplicated", || {
                        format!("{}: {id} {text:?} stored {} times", log.name, more.len())
                    }),
                }
            }
        }
    }
    for (id, found) in &by_client_id {
        if !sent_ids.contains(id) {
            v.violation("phantom", || format!("{id} in {}", found[0].0));
        }
    }
}

/// Each client's events against its stream in the store.
fn streams(logs: &[ActorLog], stored: &Stored, v: &mut Verdict) {
    let horizon = logs
        .iter()
        .flat_map(|l| l.sessions.iter().flat_map(|s| s.events.iter()))
        .copied()
        .max()
        .unwrap_or(0);
    let empty = vec![];
    for log in logs {
        if log.sessions.is_empty() {
            continue;
        }
        let stream = stored.streams.get(&log.stream).unwrap_or(&empty);
        let mut received = BTreeMap::<Seq, usize>::new();
        // Events before the last snapshot the client took are covered by that snapshot.
        let mut covered = 0;
        for session in &log.sessions {
            if session.snapshot {
                covered = session.welcome;
            }
            let mut previous =
                session
                    .hello
                    .unwrap_or(0)
                    .max(if session.snapshot { session.welcome } else { 0 });
            for seq in &session.events {
                if *seq <= previous {
                    v.violation("events out of order", || {
                        format!(
                            "{}: {seq} after {previous} (hello {:?}, welcome {})",
                            log.name, session.hello, session.welcome
                        )
                    });
                }
                previous = previous.max(*seq);
                *received.entry(*seq).or_default() += 1;
            }
        }
        v.count("events", received.len());
        let stored_seqs: BTreeSet<Seq> = stream.iter().map(|(s, _)| *s).collect();
        for (seq, n) in &received {
            if !stored_seqs.contains(seq) {
                v.violation("phantom", || {
                    format!("{}: event {seq} is not in {}", log.name, log.stream)
                });
            }
            if *n > 1 {
                v.violation("events twice", || {
                    format!("{}: event {seq} received {n} times", log.name)
                });
            }
        }
        for (seq, payload) in stream {
            if *seq > covered && *seq <= horizon && !received.contains_key(seq) {
                v.violation("replay omissions", || {
                    format!("{}: never received {seq} {}", log.name, clip(payload))
                });
            }
        }
    }
}

fn clip(s: &str) -> String {
    s.chars().take(160).collect()
}

/// One stay of a conversation on a desk, from the agent's stream.
#[derive(Debug, Clone)]
struct Stay {
    agent: String,
    conversation: String,
    from: Seq,
    until: Option<Seq>,
    cause: AssignCause,
    /// Message ids in the view it arrived with.
    view: BTreeSet<i64>,
}

/// Every stay on every desk, and what each agent received as message events.
struct Desks {
    stays: Vec<Stay>,
    /// `(agent stream, message id)` received as a `message` event → at which seqs.
    messages: BTreeMap<(String, i64), Vec<Seq>>,
}

impl From<&Stored> for Desks {
    fn from(stored: &Stored) -> Self {
        let mut stays: Vec<Stay> = vec![];
        let mut messages = BTreeMap::new();
        for (stream, events) in stored.streams.iter().filter(|(s, _)| s.starts_with("a:")) {
            let mut open: BTreeMap<String, usize> = BTreeMap::new();
            for (seq, payload) in events {
                let Ok(event) = serde_json::from_str::<AgentEvent>(payload) else {
                    continue;
                };
                match event {
                    AgentEvent::ConversationAssigned {
                        conversation,
                        cause,
                    } => {
                        let reference = conversation.reference.0.clone();
                        if let Some(i) = open.remove(&reference) {
                            // Assigned again without leaving: counts as a stay that ended here.
                            stays[i].until = Some(*seq);
                        }
                        open.insert(reference.clone(), stays.len());
                        stays.push(Stay {
                            agent: stream.clone(),
                            conversation: reference,
                            from: *seq,
                            until: None,
                            cause,
                            view: conversation.messages.iter().map(|m| m.id).collect(),
                        });
                    }
                    AgentEvent::ConversationRemoved { conversation, .. } => {
                        if let Some(i) = open.remove(&conversation.0) {
                            stays[i].until = Some(*seq);
                        }
                    }
                    AgentEvent::Message { message } => {
                        messages
                            .entry((stream.clone(), message.id))
                            .or_insert_with(Vec::new)
                            .push(*seq);
                    }
                    _ => {}
                }
            }
        }
        Desks { stays, messages }
    }
}

/// Every message a visitor saw reached the desk that held its conversation then.
fn deliveries(stored: &Stored, desks: &Desks, v: &mut Verdict) {
    // Message id → (conversation, the seq of the visitor's copy).
    let mut seen_by_visitor: Vec<(String, i64, Seq)> = vec![];
    for (stream, events) in stored.streams.iter().filter(|(s, _)| s.starts_with("v:")) {
        let _ = stream;
        for (seq, payload) in events {
            if let Ok(VisitorEvent::Message { message }) = serde_json::from_str(payload) {
                seen_by_visitor.push((message.conversation.0, message.id, *seq));
            }
        }
    }
    let mut stays_of: BTreeMap<&str, Vec<&Stay>> = BTreeMap::new();
    for stay in &desks.stays {
        stays_of.entry(&stay.conversation).or_default().push(stay);
    }
    // No desk gets a message twice: as two events, or as an event and in the view it holds.
    for ((agent, id), seqs) in &desks.messages {
        // An event during a stay whose view already held the message.
        let in_the_view = seqs.iter().any(|seq| {
            desks.stays.iter().any(|s| {
                &s.agent == agent
                    && s.from < *seq
                    && s.until.is_none_or(|u| *seq < u)
                    && s.view.contains(id)
            })
        });
        if seqs.len() > 1 || in_the_view {
            v.violation("deliveries twice", || {
                format!(
                    "message {id} reached {agent} as the events {seqs:?} (and in the view: {in_the_view})"
                )
            });
        }
    }
    for (conversation, id, seq) in &seen_by_visitor {
        for stay in stays_of.get(conversation.as_str()).into_iter().flatten() {
            let during = stay.from < *seq && stay.until.is_none_or(|u| *seq < u);
            let before = *seq < stay.from;
            let as_event = desks.messages.contains_key(&(stay.agent.clone(), *id));
            let ok = if during {
                as_event
            } else if before {
                // In the view, or (the view was built before it) as its own event after.
                stay.view.contains(id) || as_event
            } else {
                continue;
            };
            v.count("deliveries", 1);
            if !ok {
                v.violation("missed deliveries", || {
                    format!(
                        "message {id} of {conversation} (visitor's seq {seq}) never reached {} (on its desk from {} to {:?}; {})",
                        stay.agent,
                        stay.from,
                        stay.until,
                        if during { "no message event" } else { "not in the view" }
                    )
                });
            }
        }
    }
}

fn routing(stored: &Stored, desks: &Desks, v: &mut Verdict) {
    // No conversation on two desks at once.
    let mut stays_of: BTreeMap<&str, Vec<&Stay>> = BTreeMap::new();
    for stay in &desks.stays {
        stays_of.entry(&stay.conversation).or_default().push(stay);
    }
    for (conversation, stays) in &mut stays_of {
        stays.sort_by_key(|s| s.from);
        for pair in stays.windows(2) {
            if pair[0].until.is_none_or(|u| u > pair[1].from) {
                v.violation("double assignments", || {
                    format!(
                        "{conversation} on {} from {} and on {} from {}",
                        pair[0].agent, pair[0].from, pair[1].agent, pair[1].from
                    )
                });
            }
        }
    }
    // Slots: replay each desk's load.
    let mut by_agent: BTreeMap<&str, Vec<(Seq, i32, &Stay)>> = BTreeMap::new();
    for stay in &desks.stays {
        let changes = by_agent.entry(&stay.agent).or_default();
        changes.push((stay.from, 1, stay));
        if let Some(u) = stay.until {
            changes.push((u, -1, stay));
        }
    }
    for (agent, mut changes) in by_agent {
        let slots = stored.slots.get(agent).copied().unwrap_or(u32::MAX) as i64;
        changes.sort_by_key(|(seq, delta, _)| (*seq, *delta));
        let mut load = 0i64;
        for (seq, delta, stay) in changes {
            load += delta as i64;
            v.count("assignments", (delta > 0) as usize);
            if delta > 0 && load > slots && !matches!(stay.cause, AssignCause::Transfer { .. }) {
                v.violation("slot overruns", || {
                    format!(
                        "{agent} got {} at {seq} ({:?}) with {load} conversations for {slots} slots",
                        stay.conversation, stay.cause
                    )
                });
            }
        }
    }
    // FCFS: conversations taken from the queue for the first time, in the order they began.
    let mut started: BTreeMap<String, Seq> = BTreeMap::new();
    let mut closed: BTreeMap<String, Vec<Seq>> = BTreeMap::new();
    for (_, events) in stored.streams.iter().filter(|(s, _)| s.starts_with("v:")) {
        for (seq, payload) in events {
            match serde_json::from_str(payload) {
                Ok(VisitorEvent::ConversationStarted { conversation }) => {
                    started.insert(conversation.0, *seq);
                }
                Ok(VisitorEvent::ConversationClosed { conversation }) => {
                    closed.entry(conversation.0).or_default().push(*seq);
                }
                _ => {}
            }
        }
    }
    let mut first: BTreeMap<&str, &Stay> = BTreeMap::new();
    for stay in &desks.stays {
        let e = first.entry(&stay.conversation).or_insert(stay);
        if stay.from < e.from {
            *e = stay;
        }
    }
    let queued: Vec<(Seq, Seq, &str)> = first
        .values()
        .filter(|s| matches!(s.cause, AssignCause::Queue))
        .filter_map(|s| {
            Some((
                *started.get(&s.conversation)?,
                s.from,
                s.conversation.as_str(),
            ))
        })
        .collect();
    v.count("queue assignments", queued.len());
    for (began1, taken1, c1) in &queued {
        for (began2, taken2, c2) in &queued {
            // c1 began first, yet c2 was taken first while c1 still waited (not closed).
            let c1_waiting = closed
                .get(*c1)
                .is_none_or(|cs| cs.iter().all(|c| c > taken2));
            if began1 < began2 && taken2 < taken1 && c1_waiting {
                v.violation("fcfs", || {
                    format!(
                        "{c2} (begun at {began2}) taken at {taken2} before {c1} (begun at {began1}, taken at {taken1})"
                    )
                });
            }
        }
    }
}

/// What the HTTP API answered for each thread (read while the hubs ran, the clients gone) is the
/// store's thread as it was then: the same messages in the same order, the store holding at most
/// the hub's own messages after them (a timer that fired between the read and the stop: an
/// agent-disconnected notice, a transfer's sentence), never a client's.
fn http_threads(stored: &Stored, v: &mut Verdict) {
    for (reference, thread) in &stored.threads {
        let ids: Vec<i64> = thread.iter().map(|m| m.id).collect();
        v.count("threads", 1);
        let as_read = |http: &Vec<i64>| {
            http.len() <= ids.len()
                && ids[..http.len()] == http[..]
                && thread[http.len()..].iter().all(|m| m.client_id.is_none())
        };
        match stored.http_threads.get(reference) {
            Some(http) if as_read(http) => {}
            other => v.violation("http thread", || {
                format!(
                    "{reference}: store has {} messages, HTTP answered {:?}",
                    ids.len(),
                    other.map(Vec::len)
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::torture::actors::Session;
    use pupitre_protocol::agent::{ConversationView, VisitorCard};
    use pupitre_protocol::{
        Author, Body, Channel, ConversationRef, ConversationState, Message, Millis,
    };

    fn message(id: i64, text: &str) -> Message {
        Message {
            id,
            conversation: ConversationRef("T-1".into()),
            client_id: None,
            author: Author::Visitor,
            body: Body::Text { text: text.into() },
            at: 0 as Millis,
        }
    }

    fn assigned(messages: Vec<Message>) -> String {
        serde_json::to_string(&AgentEvent::ConversationAssigned {
            conversation: ConversationView {
                reference: ConversationRef("T-1".into()),
                state: ConversationState::Assigned,
                group: 1,
                channel: Channel::Chat,
                visitor: VisitorCard::default(),
                visitor_online: true,
                created_at: 0,
                assigned_agent: Some(1),
                waiting_since: None,
                last_agent_message_at: None,
                snoozed_until: None,
                important: false,
                joined: vec![],
                messages,
            },
            cause: AssignCause::New,
        })
        .unwrap()
    }

    fn visitor_copy(m: &Message) -> String {
        serde_json::to_string(&VisitorEvent::Message { message: m.clone() }).unwrap()
    }

    /// Issue 8, bug 1: two visitor messages in one batch, the second after the assignment's
    /// view was built: the desk never gets it.
    #[test]
    fn r12_a_message_after_the_assignment_view_must_reach_the_desk() {
        let (m1, m2) = (message(1, "one"), message(2, "two"));
        let mut stored = Stored::default();
        stored.streams.insert(
            "v:x".into(),
            vec![(1, visitor_copy(&m1)), (3, visitor_copy(&m2))],
        );
        stored
            .streams
            .insert("a:1".into(), vec![(2, assigned(vec![m1.clone()]))]);
        let v = check(&[], &stored);
        assert_eq!(v.get("missed deliveries"), 1, "{:?}", v.examples);
        // The desk got it as an event: nothing missed.
        let event = serde_json::to_string(&AgentEvent::Message { message: m2 }).unwrap();
        stored.streams.get_mut("a:1").unwrap().push((4, event));
        assert_eq!(check(&[], &stored).get("missed deliveries"), 0);
    }

    #[test]
    fn r12_a_message_in_the_view_and_again_as_an_event_is_delivered_twice() {
        let m1 = message(1, "one");
        let mut stored = Stored::default();
        stored
            .streams
            .insert("v:x".into(), vec![(1, visitor_copy(&m1))]);
        let event = serde_json::to_string(&AgentEvent::Message {
            message: m1.clone(),
        })
        .unwrap();
        stored
            .streams
            .insert("a:1".into(), vec![(2, assigned(vec![m1])), (3, event)]);
        let v = check(&[], &stored);
        assert_eq!(v.get("deliveries twice"), 1, "{:?}", v.examples);
        assert_eq!(v.get("missed deliveries"), 0);
    }

    #[test]
    fn r12_a_gap_in_what_a_client_received_is_an_omission_and_a_repeat_is_counted() {
        let mut stored = Stored::default();
        stored.streams.insert(
            "a:1".into(),
            (1..=5).map(|s| (s, r#"{"type":"x"}"#.to_owned())).collect(),
        );
        let log = ActorLog {
            name: "agent".into(),
            stream: "a:1".into(),
            sessions: vec![
                Session {
                    hello: None,
                    welcome: 0,
                    snapshot: true,
                    events: vec![1, 2],
                },
                // Resumed from 3 as if it had seen it (welcome ahead of the replay).
                Session {
                    hello: Some(3),
                    welcome: 3,
                    snapshot: false,
                    events: vec![4, 5, 5],
                },
            ],
            ..Default::default()
        };
        let v = check(&[log], &stored);
        assert_eq!(v.get("replay omissions"), 1, "{:?}", v.examples);
        assert_eq!(v.get("events twice"), 1);
        assert_eq!(v.get("events out of order"), 1);
    }

    /// Issue 14: on a cluster, a client's way back after a lost connection is under 2 s at
    /// p99, and no timer fires more than a tick + 1 s late.
    #[test]
    fn on_a_cluster_slow_reconnects_and_late_timers_are_caught() {
        use std::time::Duration;
        let log = |slow: usize| ActorLog {
            name: "visitor".into(),
            reconnects: (0..100)
                .map(|i| Duration::from_millis(if i < slow { 3_000 } else { 150 }))
                .collect(),
            ..Default::default()
        };
        let mut v = check(&[log(1)], &Stored::default());
        v.cluster_bounds();
        assert_eq!(v.get("slow reconnects"), 0, "one in a hundred is the 1 %");
        assert_eq!(v.reconnect_p99, Some(Duration::from_millis(150)));
        let mut v = check(&[log(2)], &Stored::default());
        v.cluster_bounds();
        assert_eq!(v.get("slow reconnects"), 1, "{:?}", v.examples);

        let mut v = check(&[], &Stored::default());
        v.timers_from_log(&format!(
            "2026-12-08T01:00:00Z  WARN pupitre_server::hub::writer: {LATE_TIMER_LOG} project=T late_ms=1150\n\
             2026-12-08T01:00:01Z  INFO something else late_ms=9000\n\
             2026-12-08T01:00:02Z  WARN pupitre_server::hub::writer: {LATE_TIMER_LOG} project=T late_ms=1900\n"
        ));
        assert_eq!(v.late_timers, [1150, 1900]);
        v.cluster_bounds();
        assert_eq!(v.get("late timers"), 1, "{:?}", v.examples);
    }

    #[test]
    fn r12_an_acked_message_stored_twice_or_not_at_all_is_caught() {
        let (a, b, c) = (
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7(),
        );
        let mut log = ActorLog {
            name: "visitor".into(),
            ..Default::default()
        };
        for id in [a, b, c] {
            log.sent.insert(id, Sent::Text("hi".into()));
            log.acked.insert(id, 1);
        }
        let text = |id| StoredText {
            id: 1,
            client_id: Some(id),
            text: Some("hi".into()),
        };
        let mut stored = Stored::default();
        stored
            .threads
            .insert("T-1".into(), vec![text(a), text(b), text(b)]);
        stored.applied = [a, b, c].into();
        let v = check(&[log], &stored);
        assert_eq!(v.get("duplicated"), 1, "{:?}", v.examples);
        assert_eq!(v.get("lost"), 1);
    }

    #[test]
    fn r4_an_assignment_above_the_slots_is_an_overrun_but_a_transfer_is_not() {
        let mut stored = Stored::default();
        let view = |n: i64, cause: AssignCause| {
            let mut json: serde_json::Value = serde_json::from_str(&assigned(vec![])).unwrap();
            json["conversation"]["reference"] = format!("T-{n}").into();
            json["cause"] = serde_json::to_value(cause).unwrap();
            json.to_string()
        };
        stored.slots.insert("a:1".into(), 1);
        stored.streams.insert(
            "a:1".into(),
            vec![
                (1, view(1, AssignCause::New)),
                (
                    2,
                    view(
                        2,
                        AssignCause::Transfer {
                            from: None,
                            comment: None,
                        },
                    ),
                ),
                (3, view(3, AssignCause::Queue)),
            ],
        );
        let v = check(&[], &stored);
        assert_eq!(v.get("slot overruns"), 1, "{:?}", v.examples);
    }

    /// The HTTP thread read before the hubs stopped may lack the hub's own last messages,
    /// never a client's, and never one in the middle.
    #[test]
    fn an_http_thread_is_the_store_as_it_was_when_read() {
        let judge = |store: Vec<(i64, bool)>, http: Vec<i64>| {
            let thread = store
                .into_iter()
                .map(|(id, client)| StoredText {
                    id,
                    client_id: client.then(uuid::Uuid::new_v4),
                    text: None,
                })
                .collect();
            let stored = Stored {
                threads: [("T-1".to_owned(), thread)].into(),
                http_threads: [("T-1".to_owned(), http)].into(),
                ..Default::default()
            };
            let mut v = Verdict::default();
            http_threads(&stored, &mut v);
            v.get("http thread")
        };
        assert_eq!(judge(vec![(1, true), (2, true)], vec![1, 2]), 0);
        assert_eq!(judge(vec![(1, true), (2, true), (3, false)], vec![1, 2]), 0);
        assert_eq!(
            judge(vec![(1, true), (2, true), (3, true)], vec![1, 2]),
            1,
            "a client's"
        );
        assert_eq!(
            judge(vec![(1, true), (2, false), (3, true)], vec![1, 3]),
            1,
            "a gap"
        );
        assert_eq!(judge(vec![(1, true)], vec![1, 2]), 1, "more than stored");
    }
}
