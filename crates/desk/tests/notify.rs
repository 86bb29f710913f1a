//! D17: the desktop-notification policy, in simulated time.
//!
//! Each test drives a [`Policy`] the way the desk's shell does (the drain rule): feed an input
//! at `now`, drain the notifications, sleep until `poll_timeout`, call `handle_timeout`.

use pupitre_desk::DeskEvent;
use pupitre_desk::notify::{
    Config, Input, MINUTE, Notification, NotificationId, NotificationKind, Policy, SECOND, Urgency,
    single_line,
};
use pupitre_protocol::agent::{AssignCause, ConversationView, RemoveCause, VisitorCard};
use pupitre_protocol::{
    Author, Body, Channel, ConversationRef, ConversationState, Message, Millis, SentenceKind,
};

/// 2023-11-14T22:13:20Z: any fixed instant does.
const T0: Millis = 1_700_000_000_000;

fn conv(n: i64) -> ConversationRef {
    ConversationRef::new("DEMO", n)
}

/// The shell's loop, with a clock we advance by hand.
struct Sim {
    policy: Policy,
    now: Millis,
    log: Vec<Notification>,
}

impl Sim {
    fn new() -> Self {
        Self::with(Config::default())
    }

    fn with(config: Config) -> Self {
        Self {
            policy: Policy::new(config),
            now: T0,
            log: Vec::new(),
        }
    }

    fn drain(&mut self) -> Vec<Notification> {
        let mut out = Vec::new();
        while let Some(n) = self.policy.poll_notification() {
            out.push(n);
        }
        if let Some(at) = self.policy.poll_timeout() {
            assert!(
                at > self.now,
                "poll_timeout {at} not after now {}",
                self.now
            );
        }
        self.log.extend(out.iter().cloned());
        out
    }

    fn input(&mut self, input: Input) -> Vec<Notification> {
        self.policy.handle(self.now, input);
        self.drain()
    }

    /// Sleeps `ms`, waking whenever the policy asks to.
    fn advance(&mut self, ms: Millis) -> Vec<Notification> {
        let target = self.now + ms;
        let mut out = Vec::new();
        while let Some(at) = self.policy.poll_timeout() {
            if at > target {
                break;
            }
            self.now = at;
            self.policy.handle_timeout(at);
            out.extend(self.drain());
        }
        self.now = target;
        out
    }

    fn assign(&mut self, n: i64, cause: AssignCause) -> Vec<Notification> {
        let now = self.now;
        self.input(Input::Assigned {
            conversation: conv(n),
            cause,
            visitor_name: Some(format!("Visitor {n}")),
            last_visitor_text: Some("Bonjour".into()),
            waiting_since: Some(now),
        })
    }

    fn visitor(&mut self, n: i64, text: &str) -> Vec<Notification> {
        self.input(Input::VisitorMessage {
            conversation: conv(n),
            text: text.into(),
            visitor_name: None,
        })
    }

    fn reply(&mut self, n: i64) -> Vec<Notification> {
        self.input(Input::AgentReplied {
            conversation: conv(n),
        })
    }

    /// The window focused with these conversations on screen.
    fn look_at(&mut self, ns: &[i64]) -> Vec<Notification> {
        let mut out = self.input(Input::OnScreen(ns.iter().map(|&n| conv(n)).collect()));
        out.extend(self.input(Input::WindowFocused(true)));
        out
    }
}

fn one(ns: Vec<Notification>) -> Notification {
    assert_eq!(ns.len(), 1, "expected one notification, got {ns:#?}");
    ns.into_iter().next().expect("checked above")
}

#[test]
fn d17_new_conversation_always_notifies() {
    let mut sim = Sim::new();
    // Focused, with the conversations on screen: arrivals notify anyway.
    sim.look_at(&[1, 2, 3, 4]);
    for (n, cause) in [
        (1, AssignCause::New),
        (2, AssignCause::Queue),
        (3, AssignCause::Reassigned),
        (4, AssignCause::Reopened),
    ] {
        let n1 = one(sim.assign(n, cause));
        assert_eq!(n1.kind, NotificationKind::NewConversation);
        assert_eq!(n1.conversation, conv(n));
        assert_eq!(n1.urgency, Urgency::Normal);
        assert_eq!(
            n1.visitor_name.as_deref(),
            Some(format!("Visitor {n}").as_str())
        );
        assert_eq!(n1.excerpt.as_deref(), Some("Bonjour"));
        assert_eq!(n1.waiting_for, Some(0));
        assert_eq!(n1.replaces, None);
    }
    // Never held back by the per-conversation gap: it leaves and comes back within a second.
    sim.advance(SECOND);
    sim.input(Input::Removed {
        conversation: conv(1),
    });
    let again = one(sim.assign(1, AssignCause::Reopened));
    assert_eq!(again.kind, NotificationKind::NewConversation);
    // Ids are fresh and ordered.
    let ids: Vec<NotificationId> = sim.log.iter().map(|n| n.id).collect();
    assert_eq!(ids, (1..=5).map(NotificationId).collect::<Vec<_>>());
}

#[test]
fn d17_visitor_message_only_when_unfocused_or_off_screen() {
    let mut sim = Sim::new();
    sim.assign(1, AssignCause::New);
    sim.assign(2, AssignCause::New);
    sim.advance(6 * SECOND);

    // Focused on conversation 1: its messages do not notify.
    sim.look_at(&[1]);
    assert!(sim.visitor(1, "seen live").is_empty());
    assert!(sim.advance(12 * SECOND).is_empty());

    // Focused, but conversation 2 is not on screen: it notifies.
    let n = one(sim.visitor(2, "hello?"));
    assert_eq!(n.kind, NotificationKind::VisitorMessage);
    assert_eq!(n.conversation, conv(2));
    assert_eq!(n.excerpt.as_deref(), Some("hello?"));
    assert_eq!(n.unread, 1);

    // Conversation 1 on screen but the window unfocused: it notifies.
    sim.advance(11 * SECOND);
    sim.input(Input::WindowFocused(false));
    let n = one(sim.visitor(1, "still there?"));
    assert_eq!(n.kind, NotificationKind::VisitorMessage);
    assert_eq!(n.conversation, conv(1));

    // Messages of conversations not on the desk are ignored.
    assert!(sim.visitor(99, "who?").is_empty());
    assert_eq!(sim.policy.poll_timeout().map(|t| t > sim.now), Some(true));
}

#[test]
fn d17_bursts_are_coalesced() {
    let mut sim = Sim::new();
    sim.assign(1, AssignCause::New);
    sim.advance(20 * SECOND);
    sim.reply(1);
    sim.advance(10 * SECOND);

    // A burst of ten messages, one a second: one notice now, one update at the window's end.
    let first = one(sim.visitor(1, "message 0"));
    assert_eq!(first.kind, NotificationKind::VisitorMessage);
    for i in 1..10 {
        assert!(sim.advance(SECOND).is_empty());
        assert!(sim.visitor(1, &format!("message {i}")).is_empty());
    }
    assert_eq!(sim.now, first.at + 9 * SECOND);
    let update = one(sim.advance(SECOND));
    assert_eq!(update.at, first.at + 10 * SECOND);
    assert_eq!(update.kind, NotificationKind::VisitorMessage);
    assert_eq!(update.replaces, Some(first.id));
    assert_eq!(update.excerpt.as_deref(), Some("message 9"));
    assert_eq!(update.unread, 10);
    // Nothing more pending for it until its reminder.
    assert!(sim.advance(5 * SECOND).is_empty());

    // A pending update is dropped once the agent looks at the conversation.
    sim.reply(1);
    sim.advance(30 * SECOND);
    let n = one(sim.visitor(1, "again"));
    assert_eq!(n.replaces, Some(update.id));
    sim.advance(2 * SECOND);
    assert!(sim.visitor(1, "and again").is_empty());
    sim.look_at(&[1]);
    assert!(sim.advance(20 * SECOND).is_empty());

    // Opening it restarts the chain: the next notice replaces nothing.
    sim.input(Input::Opened(conv(1)));
    sim.input(Input::WindowFocused(false));
    sim.reply(1);
    sim.advance(30 * SECOND);
    let n = one(sim.visitor(1, "after opening"));
    assert_eq!(n.replaces, None);
}

#[test]
fn d17_waiting_reply_escalates_then_stops_when_answered() {
    let mut sim = Sim::new();
    let arrival = one(sim.assign(1, AssignCause::New));

    let mut reminders = Vec::new();
    for n in sim.advance(13 * MINUTE) {
        reminders.push((n.at - arrival.at, n.kind, n.urgency, n.waiting_for));
    }
    let level = |level| NotificationKind::WaitingForReply { level };
    assert_eq!(
        reminders,
        vec![
            (30 * SECOND, level(1), Urgency::Normal, Some(30 * SECOND)),
            (2 * MINUTE, level(2), Urgency::Critical, Some(2 * MINUTE)),
            (7 * MINUTE, level(3), Urgency::Critical, Some(7 * MINUTE)),
            (12 * MINUTE, level(4), Urgency::Critical, Some(12 * MINUTE)),
        ]
    );
    // Each replaces the previous notification of the conversation.
    assert!(sim.log.windows(2).all(|w| w[1].replaces == Some(w[0].id)));

    // The agent answers: silence, however long.
    sim.reply(1);
    assert_eq!(sim.policy.poll_timeout(), None);
    assert!(sim.advance(60 * MINUTE).is_empty());

    // A new visitor message restarts the clock from that message.
    let msg = one(sim.visitor(1, "hello?"));
    let n = one(sim.advance(31 * SECOND));
    assert_eq!(n.kind, level(1));
    assert_eq!(n.at, msg.at + 30 * SECOND);

    // Leaving the desk stops it too.
    sim.input(Input::Removed {
        conversation: conv(1),
    });
    assert_eq!(sim.policy.poll_timeout(), None);
    assert!(sim.advance(60 * MINUTE).is_empty());
}

#[test]
fn d17_waiting_measured_from_hub_clock_at_assignment() {
    let mut sim = Sim::new();
    // Queued for 3 minutes: the arrival says so; the past steps are not replayed.
    let since = sim.now - 3 * MINUTE;
    let arrival = one(sim.input(Input::Assigned {
        conversation: conv(1),
        cause: AssignCause::Queue,
        visitor_name: None,
        last_visitor_text: Some("anyone?".into()),
        waiting_since: Some(since),
    }));
    assert_eq!(arrival.waiting_for, Some(3 * MINUTE));
    let n = one(sim.advance(5 * MINUTE));
    assert_eq!(n.kind, NotificationKind::WaitingForReply { level: 3 });
    assert_eq!(n.at, since + 7 * MINUTE);

    // The welcome snapshot is tracked silently, with the same schedule.
    let mut sim = Sim::new();
    let since = sim.now - 20 * SECOND;
    assert!(
        sim.input(Input::OnDesk {
            conversation: conv(2),
            visitor_name: Some("Ana".into()),
            last_visitor_text: Some("hi".into()),
            waiting_since: Some(since),
        })
        .is_empty()
    );
    let n = one(sim.advance(20 * SECOND));
    assert_eq!(n.kind, NotificationKind::WaitingForReply { level: 1 });
    assert_eq!(n.at, since + 30 * SECOND);
    assert_eq!(n.replaces, None);
}

#[test]
fn d17_opening_is_not_answering_but_steps_in_front_count_as_seen() {
    let mut sim = Sim::new();
    let arrival = one(sim.assign(1, AssignCause::New));
    // The agent opens it (from the notification) and keeps it in front without answering.
    sim.advance(10 * SECOND);
    sim.input(Input::Opened(conv(1)));
    sim.input(Input::WindowFocused(true));
    // The 30 s and 2 min steps fall due while in front: no notification.
    assert!(sim.advance(2 * MINUTE + 30 * SECOND).is_empty());
    // The agent switches to another application: the schedule goes on with the 7 min step.
    sim.input(Input::WindowFocused(false));
    let n = one(sim.advance(5 * MINUTE));
    assert_eq!(n.kind, NotificationKind::WaitingForReply { level: 3 });
    assert_eq!(n.at, arrival.at + 7 * MINUTE);
    assert_eq!(n.replaces, None, "opening restarted the chain");

    // Off screen while focused also counts as not in front.
    sim.input(Input::WindowFocused(true));
    sim.input(Input::OnScreen(vec![conv(2)]));
    let n = one(sim.advance(5 * MINUTE));
    assert_eq!(n.kind, NotificationKind::WaitingForReply { level: 4 });
}

#[test]
fn d17_snooze_wake_and_transfer_with_comment() {
    let mut sim = Sim::new();
    sim.look_at(&[1, 2]);

    // R5: a snooze wake-up notifies even in front of the agent.
    let n = one(sim.assign(1, AssignCause::SnoozeWake));
    assert_eq!(n.kind, NotificationKind::SnoozeWoke);
    assert_eq!(n.comment, None);

    // R7: the comment travels, on one line.
    let n = one(sim.assign(
        2,
        AssignCause::Transfer {
            from: Some(7),
            comment: Some("  VIP customer,\n  wants a refund  ".into()),
        },
    ));
    assert_eq!(n.kind, NotificationKind::TransferReceived);
    assert_eq!(n.comment.as_deref(), Some("VIP customer, wants a refund"));
    assert_eq!(n.excerpt.as_deref(), Some("Bonjour"));

    // Snoozed again and woken 2 s after its last notice: deferred to the gap's end, not lost.
    sim.advance(SECOND);
    let last = sim.log.iter().rfind(|n| n.conversation == conv(1)).cloned();
    let last = last.expect("conversation 1 was notified");
    sim.input(Input::Removed {
        conversation: conv(1),
    });
    sim.advance(SECOND);
    assert!(sim.assign(1, AssignCause::SnoozeWake).is_empty());
    let n = one(sim.advance(10 * SECOND));
    assert_eq!(n.kind, NotificationKind::SnoozeWoke);
    assert_eq!(n.at, last.at + 5 * SECOND);

    // The wire types map to inputs.
    let view = view(3, Some(T0 - 5 * SECOND));
    let input = Input::from_desk_event(&DeskEvent::ConversationAdded {
        conversation: view.clone(),
        cause: AssignCause::Transfer {
            from: None,
            comment: Some("over to you".into()),
        },
    });
    assert_eq!(
        input,
        vec![Input::Assigned {
            conversation: conv(3),
            cause: AssignCause::Transfer {
                from: None,
                comment: Some("over to you".into()),
            },
            visitor_name: Some("Zoé".into()),
            last_visitor_text: Some("second".into()),
            waiting_since: Some(T0 - 5 * SECOND),
        }]
    );
}

fn view(n: i64, waiting_since: Option<Millis>) -> ConversationView {
    let message = |id, author, body| Message {
        id,
        conversation: conv(n),
        client_id: None,
        author,
        body,
        at: T0,
    };
    ConversationView {
        reference: conv(n),
        state: ConversationState::Assigned,
        group: 1,
        channel: Channel::Chat,
        visitor: VisitorCard {
            name: Some("Zoé".into()),
            ..VisitorCard::default()
        },
        visitor_online: true,
        created_at: T0 - MINUTE,
        assigned_agent: Some(7),
        waiting_since,
        last_agent_message_at: None,
        snoozed_until: None,
        important: false,
        joined: vec![],
        messages: vec![
            message(
                1,
                Author::Visitor,
                Body::Text {
                    text: "first".into(),
                },
            ),
            message(
                2,
                Author::Visitor,
                Body::Text {
                    text: "second".into(),
                },
            ),
            message(
                3,
                Author::System,
                Body::Sentence {
                    sentence: SentenceKind::AutoReply,
                    text: "Hello!".into(),
                },
            ),
        ],
    }
}

#[test]
fn d17_desk_changes_map_to_inputs() {
    let event = |author, body| DeskEvent::MessageAdded {
        message: Message {
            id: 9,
            conversation: conv(3),
            client_id: None,
            author,
            body,
            at: T0,
        },
    };
    assert_eq!(
        Input::from_desk_event(&event(Author::Visitor, Body::Text { text: "hi".into() })),
        vec![Input::VisitorMessage {
            conversation: conv(3),
            text: "hi".into(),
            visitor_name: None,
        }]
    );
    assert_eq!(
        Input::from_desk_event(&event(
            Author::Agent {
                id: 7,
                name: "Léa".into()
            },
            Body::Text {
                text: "hello".into()
            }
        )),
        vec![Input::AgentReplied {
            conversation: conv(3)
        }]
    );
    // The R8 auto-reply and transfer comments answer nobody.
    assert_eq!(
        Input::from_desk_event(&event(
            Author::System,
            Body::Sentence {
                sentence: SentenceKind::AutoReply,
                text: "Leave us a message".into()
            }
        )),
        vec![]
    );
    assert_eq!(
        Input::from_desk_event(&event(
            Author::Agent {
                id: 7,
                name: "Léa".into()
            },
            Body::Comment {
                text: "for you".into()
            }
        )),
        vec![]
    );
    assert_eq!(
        Input::from_desk_event(&DeskEvent::ConversationRemoved {
            conversation: conv(3),
            cause: RemoveCause::Closed,
        }),
        vec![Input::Removed {
            conversation: conv(3)
        }]
    );
    assert_eq!(
        Input::on_desk(&view(3, None)),
        Input::OnDesk {
            conversation: conv(3),
            visitor_name: Some("Zoé".into()),
            last_visitor_text: Some("second".into()),
            waiting_since: None,
        }
    );
}

#[test]
fn d17_global_rate_limit_groups_waiting_conversations() {
    let mut sim = Sim::new();
    // Three conversations arrive together, the first one waiting 100 ms longer.
    sim.input(Input::Assigned {
        conversation: conv(1),
        cause: AssignCause::New,
        visitor_name: None,
        last_visitor_text: None,
        waiting_since: Some(T0 - 100),
    });
    sim.assign(2, AssignCause::New);
    sim.assign(3, AssignCause::New);
    sim.advance(10 * SECOND);
    // A fourth, due 10 s after the others.
    sim.assign(4, AssignCause::New);

    // The first is due alone; the next three fall due within the 15 s that follow, so they
    // go as one notification naming the longest waiting (2 and 3 tie: the first reference).
    let reminders = sim.advance(60 * SECOND);
    assert_eq!(reminders.len(), 2, "{reminders:#?}");
    let (first, second) = (&reminders[0], &reminders[1]);
    assert_eq!(first.conversation, conv(1));
    assert_eq!(first.kind, NotificationKind::WaitingForReply { level: 1 });
    assert_eq!(first.others_waiting, 0);
    assert_eq!(first.at, T0 + 29_900);
    assert_eq!(second.conversation, conv(2));
    assert_eq!(second.kind, NotificationKind::WaitingForReply { level: 1 });
    assert_eq!(second.others_waiting, 2);
    assert_eq!(second.at, T0 + 44_900);
    assert_eq!(second.urgency, Urgency::Normal);

    // The same at the critical step.
    let reminders = sim.advance(2 * MINUTE);
    assert_eq!(reminders.len(), 2, "{reminders:#?}");
    assert_eq!(reminders[0].conversation, conv(1));
    assert_eq!(reminders[0].at, T0 + 2 * MINUTE - 100);
    assert_eq!(reminders[0].urgency, Urgency::Critical);
    assert_eq!(reminders[1].conversation, conv(2));
    assert_eq!(reminders[1].others_waiting, 2);
    assert_eq!(reminders[1].at, T0 + 2 * MINUTE + 15 * SECOND - 100);
    assert_eq!(reminders[1].urgency, Urgency::Critical);
    // Each conversation's step was delivered once: nothing more until the 7 min steps.
    assert!(sim.advance(3 * MINUTE).is_empty());

    // Never two reminders within 15 s.
    let times: Vec<Millis> = sim
        .log
        .iter()
        .filter(|n| matches!(n.kind, NotificationKind::WaitingForReply { .. }))
        .map(|n| n.at)
        .collect();
    assert!(times.windows(2).all(|w| w[1] - w[0] >= 15 * SECOND));
}

#[test]
fn d17_one_notification_per_conversation_per_5s() {
    let mut sim = Sim::new();
    let arrival = one(sim.assign(1, AssignCause::New));
    // The visitor writes right away: held back until the gap ends, then one update.
    sim.advance(SECOND);
    assert!(sim.visitor(1, "are you there").is_empty());
    let n = one(sim.advance(10 * SECOND));
    assert_eq!(n.kind, NotificationKind::VisitorMessage);
    assert_eq!(n.at, arrival.at + 5 * SECOND);
    assert_eq!(n.replaces, Some(arrival.id));

    // A transfer is never held back, even a second later.
    sim.input(Input::Removed {
        conversation: conv(1),
    });
    let n = one(sim.assign(
        1,
        AssignCause::Transfer {
            from: Some(3),
            comment: None,
        },
    ));
    assert_eq!(n.kind, NotificationKind::TransferReceived);
    assert_eq!(n.comment, None);

    // A reminder due inside a conversation's gap waits for its end.
    let mut sim = Sim::new();
    sim.assign(1, AssignCause::New);
    sim.advance(29 * SECOND);
    let msg = one(sim.visitor(1, "hello?"));
    let n = one(sim.advance(10 * SECOND));
    assert_eq!(n.kind, NotificationKind::WaitingForReply { level: 1 });
    assert_eq!(n.at, msg.at + 5 * SECOND);
}

#[test]
fn d17_no_busy_loop() {
    let mut sim = Sim::new();
    assert_eq!(sim.policy.poll_timeout(), None, "an empty desk never wakes");
    sim.assign(1, AssignCause::New);
    sim.assign(2, AssignCause::New);
    // Every wake-up is strictly later than the call before it (checked in `drain` too).
    let mut last = sim.now;
    for _ in 0..50 {
        let Some(at) = sim.policy.poll_timeout() else {
            break;
        };
        assert!(at > last);
        sim.now = at;
        sim.policy.handle_timeout(at);
        sim.drain();
        last = at;
    }
    // A late wake (a laptop back from sleep) decides once, at that time: one grouped reminder.
    let mut sim = Sim::new();
    sim.assign(1, AssignCause::New);
    sim.assign(2, AssignCause::New);
    sim.now += 3 * 60 * MINUTE;
    sim.policy.handle_timeout(sim.now);
    let n = one(sim.drain());
    assert_eq!(n.others_waiting, 1);
    assert_eq!(
        n.kind,
        NotificationKind::WaitingForReply { level: 2 + 178 / 5 }
    );
    // Calling again at the same time does nothing and asks for a later wake-up.
    sim.policy.handle_timeout(sim.now);
    assert!(sim.drain().is_empty());
    assert!(sim.policy.poll_timeout().is_some_and(|t| t > sim.now));
    // Time going back counts as the latest time given.
    sim.policy.handle_timeout(sim.now - MINUTE);
    assert!(sim.drain().is_empty());

    // Degenerate settings (all zero) still never spin.
    let mut sim = Sim::with(Config {
        waiting_threshold_ms: 0,
        waiting_critical_after_ms: 0,
        waiting_repeat_every_ms: 0,
        waiting_global_gap_ms: 0,
        visitor_message_window_ms: 0,
        per_conversation_gap_ms: 0,
        excerpt_chars: 0,
        comment_chars: 0,
    });
    sim.assign(1, AssignCause::SnoozeWake);
    sim.visitor(1, "x");
    sim.advance(SECOND);
    assert!(sim.log.len() < 2_000);
}

#[test]
fn d17_excerpt_is_one_short_line() {
    assert_eq!(
        single_line("  a\n\tb\r\n c  ", 120).as_deref(),
        Some("a b c")
    );
    assert_eq!(single_line(" \n ", 120), None);
    // Issue 9: bidi and zero-width controls cannot reorder the line or hide in it.
    assert_eq!(
        single_line("invoice\u{202E}gpj.exe\u{200B}", 120).as_deref(),
        Some("invoicegpj.exe")
    );
    assert_eq!(single_line("\u{2067}\u{FEFF}", 120), None);
    let long = "é".repeat(300);
    let cut = single_line(&long, 120).expect("not empty");
    assert_eq!(cut.chars().count(), 120);
    assert!(cut.ends_with('…'));

    let mut sim = Sim::new();
    sim.input(Input::Assigned {
        conversation: conv(1),
        cause: AssignCause::New,
        visitor_name: Some("Evil\nName".into()),
        last_visitor_text: Some(format!("line one\nline two {}", "x".repeat(200))),
        waiting_since: None,
    });
    let n = sim.log.last().expect("arrival").clone();
    assert_eq!(n.visitor_name.as_deref(), Some("Evil Name"));
    let excerpt = n.excerpt.expect("excerpt");
    assert!(excerpt.starts_with("line one line two x"));
    assert!(!excerpt.contains('\n'));
    assert_eq!(excerpt.chars().count(), 120);
    assert_eq!(n.waiting_for, None);
    // Not waiting: no reminder ever.
    assert_eq!(sim.policy.poll_timeout(), None);
}

/// A fixed-seed linear congruential generator (Knuth's MMIX constants): deterministic inputs
/// without a dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the test knows of one conversation, to judge the policy's output.
#[derive(Clone, Copy, Default)]
struct Model {
    on_desk: bool,
    /// The visitor waits for the agent's reply.
    waiting: bool,
}

#[test]
fn d17_property_random_sequences_never_spam() {
    const CONVERSATIONS: i64 = 4;
    let config = Config::default();
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..200u64 {
        let mut rng = Lcg(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD17);
        let mut sim = Sim::new();
        let mut model = [Model::default(); CONVERSATIONS as usize + 1];
        let mut focused = false;
        let mut on_screen: Vec<i64> = Vec::new();

        for _ in 0..300 {
            let n = 1 + rng.below(CONVERSATIONS as u64) as i64;
            let m = &mut model[n as usize];
            match rng.below(12) {
                0 => {
                    let cause = match rng.below(6) {
                        0 => AssignCause::New,
                        1 => AssignCause::Queue,
                        2 => AssignCause::SnoozeWake,
                        3 => AssignCause::Transfer {
                            from: Some(2),
                            comment: Some("see notes".into()),
                        },
                        4 => AssignCause::Reassigned,
                        _ => AssignCause::Reopened,
                    };
                    let waiting_since = match rng.below(3) {
                        0 => None,
                        1 => Some(sim.now),
                        _ => Some(sim.now - rng.below(10 * MINUTE as u64) as Millis),
                    };
                    *m = Model {
                        on_desk: true,
                        waiting: waiting_since.is_some(),
                    };
                    let now = sim.now;
                    sim.policy.handle(
                        now,
                        Input::Assigned {
                            conversation: conv(n),
                            cause,
                            visitor_name: None,
                            last_visitor_text: None,
                            waiting_since,
                        },
                    );
                }
                1 => {
                    *m = Model::default();
                    sim.policy.handle(
                        sim.now,
                        Input::Removed {
                            conversation: conv(n),
                        },
                    );
                }
                2..=4 => {
                    if m.on_desk {
                        m.waiting = true;
                    }
                    sim.policy.handle(
                        sim.now,
                        Input::VisitorMessage {
                            conversation: conv(n),
                            text: format!("message {}", rng.next()),
                            visitor_name: None,
                        },
                    );
                }
                5 => {
                    m.waiting = false;
                    sim.policy.handle(
                        sim.now,
                        Input::AgentReplied {
                            conversation: conv(n),
                        },
                    );
                }
                6 => {
                    focused = rng.below(2) == 0;
                    sim.policy.handle(sim.now, Input::WindowFocused(focused));
                }
                7 => {
                    on_screen = (1..=CONVERSATIONS).filter(|_| rng.below(3) == 0).collect();
                    sim.policy.handle(
                        sim.now,
                        Input::OnScreen(on_screen.iter().map(|&c| conv(c)).collect()),
                    );
                }
                8 => {
                    if !on_screen.contains(&n) {
                        on_screen.push(n);
                    }
                    sim.policy.handle(sim.now, Input::Opened(conv(n)));
                }
                _ => {
                    // Sleep: mostly seconds, sometimes minutes, following the drain rule.
                    let ms = if rng.below(5) == 0 {
                        rng.below(8 * MINUTE as u64)
                    } else {
                        rng.below(20 * SECOND as u64)
                    };
                    let target = sim.now + ms as Millis;
                    while let Some(at) = sim.policy.poll_timeout() {
                        assert!(at > sim.now, "seed {seed}: busy loop");
                        if at > target {
                            break;
                        }
                        sim.now = at;
                        sim.policy.handle_timeout(at);
                        let fired = sim.drain();
                        check_fired(seed, &fired, &model, focused, &on_screen, &config);
                    }
                    sim.now = target;
                    continue;
                }
            }
            let fired = sim.drain();
            check_fired(seed, &fired, &model, focused, &on_screen, &config);
        }
        check_log(seed, &sim.log, &config);
        seen.extend(sim.log.iter().map(|n| match n.kind {
            NotificationKind::WaitingForReply { .. } if n.others_waiting > 0 => "grouped reminder",
            NotificationKind::WaitingForReply { level: 1 } => "reminder",
            NotificationKind::WaitingForReply { .. } => "critical reminder",
            NotificationKind::VisitorMessage if n.replaces.is_some() => "visitor update",
            NotificationKind::VisitorMessage => "visitor message",
            NotificationKind::NewConversation => "new",
            NotificationKind::SnoozeWoke => "snooze",
            NotificationKind::TransferReceived => "transfer",
            // The random sequences never feed timeout reminders (tested on its own).
            NotificationKind::TimeoutSoon { .. } => "timeout",
            // Nor help requests (tests/supervision.rs).
            NotificationKind::HelpRequested => "help",
        }));
    }
    // The sequences reach every kind of decision, so the checks above are not vacuous.
    assert_eq!(seen.len(), 8, "{seen:?}");
}

/// Checks what fired at one instant against the model of the desk.
fn check_fired(
    seed: u64,
    fired: &[Notification],
    model: &[Model],
    focused: bool,
    on_screen: &[i64],
    config: &Config,
) {
    for n in fired {
        let (_, number) = n.conversation.parse().expect("a DEMO-n reference");
        let m = model[number as usize];
        assert!(
            m.on_desk,
            "seed {seed}: notified a conversation off the desk: {n:?}"
        );
        let in_front = focused && on_screen.contains(&number);
        match n.kind {
            NotificationKind::WaitingForReply { level } => {
                assert!(
                    m.waiting,
                    "seed {seed}: reminder after the agent replied: {n:?}"
                );
                assert!(
                    !in_front,
                    "seed {seed}: reminder for a conversation in front"
                );
                assert!(level >= 1);
                assert!(
                    n.waiting_for
                        .is_some_and(|w| w >= config.waiting_threshold_ms)
                );
                if level >= 2 {
                    assert_eq!(n.urgency, Urgency::Critical, "seed {seed}: {n:?}");
                }
            }
            NotificationKind::VisitorMessage => {
                assert!(
                    !in_front,
                    "seed {seed}: visitor notice for a conversation in front"
                );
            }
            _ => {}
        }
    }
}

/// Checks the spacing rules over the whole run.
fn check_log(seed: u64, log: &[Notification], config: &Config) {
    let mut last_any: std::collections::BTreeMap<&ConversationRef, Millis> = Default::default();
    let mut last_visitor: std::collections::BTreeMap<&ConversationRef, Millis> = Default::default();
    let mut last_reminder: Option<Millis> = None;
    for n in log {
        if let Some(&at) = last_any.get(&n.conversation)
            && !n.kind.never_suppressed()
        {
            assert!(
                n.at - at >= config.per_conversation_gap_ms,
                "seed {seed}: two notifications of {} within 5 s: {n:?}",
                n.conversation
            );
        }
        last_any.insert(&n.conversation, n.at);
        if n.kind == NotificationKind::VisitorMessage {
            if let Some(&at) = last_visitor.get(&n.conversation) {
                assert!(n.at - at >= config.visitor_message_window_ms, "seed {seed}");
            }
            last_visitor.insert(&n.conversation, n.at);
        }
        if matches!(n.kind, NotificationKind::WaitingForReply { .. }) {
            if let Some(at) = last_reminder {
                assert!(n.at - at >= config.waiting_global_gap_ms, "seed {seed}");
            }
            last_reminder = Some(n.at);
        }
    }
    let ids: Vec<u64> = log.iter().map(|n| n.id.0).collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "seed {seed}: ids");
}

#[test]
fn r10_d17_timeout_reminder_notifies_unless_the_conversation_is_in_front() {
    let mut sim = Sim::new();
    sim.assign(1, AssignCause::New);
    sim.assign(2, AssignCause::New);
    sim.reply(1);
    sim.reply(2);
    sim.advance(MINUTE);
    let closes_at = sim.now + 30 * SECOND;
    // The desk's change maps to the input.
    let input = Input::from_desk_event(&DeskEvent::TimeoutReminder {
        conversation: conv(1),
        closes_at: Some(closes_at),
    })
    .pop()
    .expect("a timeout reminder is an input");
    let n = one(sim.input(input));
    assert_eq!(n.kind, NotificationKind::TimeoutSoon { closes_at });
    assert_eq!(n.conversation, conv(1));
    // Focused on conversation 2: its countdown is on screen, no notification.
    sim.look_at(&[2]);
    let none = sim.input(Input::TimeoutReminder {
        conversation: conv(2),
        closes_at,
    });
    assert!(none.is_empty(), "{none:#?}");
    // An untracked conversation is ignored.
    let none = sim.input(Input::TimeoutReminder {
        conversation: conv(9),
        closes_at,
    });
    assert!(none.is_empty());
}
