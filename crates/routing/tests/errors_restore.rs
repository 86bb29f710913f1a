//! Errors leave the state unchanged; a restored engine decides as the original would have.

mod common;

use common::{Sim, T0, settings};
use pupitre_routing::{
    AgentConfig, Channel, ChosenStatus, ConversationRecord, ConversationState, Engine, GroupConfig,
    HOUR, Input, MINUTE, Millis, Output, RoutingError, SECOND, Settings, Timeouts, TransferTo,
};

#[test]
fn errors_leave_the_state_unchanged_and_produce_nothing() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 1);
    sim.agent(2, &[1], 1);
    sim.new_chat(1, 1); // -> 1
    sim.new_chat(2, 1); // -> 2
    sim.new_chat(3, 1); // queued
    sim.input(Input::Close {
        conversation: 2,
        agent: Some(2),
    }); // 3 -> 2
    sim.new_chat(4, 1); // queued
    // `Sim::try_input` asserts that a failing input changed nothing and output nothing.
    let failing = [
        (
            Input::AgentConnected { agent: 9 },
            RoutingError::UnknownAgent(9),
        ),
        (
            Input::AgentDisconnected { agent: 9 },
            RoutingError::UnknownAgent(9),
        ),
        (
            Input::SetStatus {
                agent: 1,
                channel: Channel::Video,
                status: ChosenStatus::Available,
            },
            RoutingError::Invalid("the agent does not work on this channel"),
        ),
        (
            Input::SetSlotLimit { agent: 1, limit: 2 },
            RoutingError::SlotLimitAboveMax { limit: 2, max: 1 },
        ),
        (
            Input::SetShiftEnd { agent: 9, at: None },
            RoutingError::UnknownAgent(9),
        ),
        (
            Input::NewConversation {
                conversation: 1,
                group: 1,
                channel: Channel::Chat,
            },
            RoutingError::DuplicateConversation(1),
        ),
        (
            Input::NewConversation {
                conversation: 5,
                group: 7,
                channel: Channel::Chat,
            },
            RoutingError::UnknownGroup(7),
        ),
        (
            Input::VisitorMessage { conversation: 9 },
            RoutingError::UnknownConversation(9),
        ),
        (
            Input::VisitorMessage { conversation: 2 },
            RoutingError::InvalidState {
                conversation: 2,
                state: "closed",
            },
        ),
        (
            Input::AgentMessage {
                conversation: 4,
                agent: 1,
            },
            RoutingError::NotYourConversation {
                conversation: 4,
                agent: 1,
            },
        ),
        (
            Input::AgentMessage {
                conversation: 1,
                agent: 9,
            },
            RoutingError::UnknownAgent(9),
        ),
        (
            Input::VisitorPresence {
                conversation: 9,
                online: false,
            },
            RoutingError::UnknownConversation(9),
        ),
        (
            Input::Snooze {
                conversation: 1,
                agent: 2,
                until: T0 + HOUR,
                keep: false,
            },
            RoutingError::NotYourConversation {
                conversation: 1,
                agent: 2,
            },
        ),
        (
            Input::Transfer {
                conversation: 1,
                agent: 1,
                to: TransferTo::Agent(2),
                anyway: false,
            },
            RoutingError::AgentUnavailable(2),
        ),
        (
            Input::Close {
                conversation: 1,
                agent: Some(2),
            },
            RoutingError::NotYourConversation {
                conversation: 1,
                agent: 2,
            },
        ),
        (
            Input::Close {
                conversation: 2,
                agent: None,
            },
            RoutingError::InvalidState {
                conversation: 2,
                state: "closed",
            },
        ),
        (
            Input::Reopen { conversation: 4 },
            RoutingError::InvalidState {
                conversation: 4,
                state: "queued",
            },
        ),
    ];
    for (input, error) in failing {
        assert_eq!(sim.try_input(input.clone()), Err(error), "{input:?}");
    }
}

fn busy_settings() -> Settings {
    Settings {
        reopen_to_previous_agent: true,
        timeouts: Timeouts {
            visitor_inactivity_min: 30,
            reminder_before_timeout_s: 60,
            relaunch_after_min: 5,
            reengage_after_min: 3,
            auto_transfer_s: 90,
            auto_transfer_notify_visitor: true,
            agent_disconnected_notice_s: 20,
            disconnected_transfer_s: 120,
            waiting_questionnaire_min: 2,
            queue_close_before_end_min: 0,
        },
        ..settings()
    }
}

/// Builds a busy project: queues, snoozes (kept and not), a transfer anyway, timers running.
fn busy_project() -> (Sim, Vec<Input>) {
    let mut sim = Sim::new(busy_settings());
    sim.group(1, None);
    sim.group(2, None);
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1, 2], 2);
    sim.agent(3, &[2], 1);
    for id in 1..=8 {
        let group = if id % 3 == 0 { 2 } else { 1 };
        sim.new_chat(id, group);
        sim.advance(7 * SECOND);
    }
    let held = |sim: &Sim, id| sim.holder(id);
    let a = held(&sim, 1).unwrap();
    sim.input(Input::AgentMessage {
        conversation: 1,
        agent: a,
    });
    sim.input(Input::Snooze {
        conversation: 1,
        agent: a,
        until: sim.now + HOUR,
        keep: true,
    });
    sim.advance(11 * SECOND);
    let b = held(&sim, 2).unwrap();
    sim.input(Input::Snooze {
        conversation: 2,
        agent: b,
        until: sim.now + 2 * HOUR,
        keep: false,
    });
    sim.advance(13 * SECOND);
    if let Some(c) = held(&sim, 3) {
        let to = if c == 3 { 2 } else { 3 };
        sim.input(Input::Transfer {
            conversation: 3,
            agent: c,
            to: TransferTo::Agent(to),
            anyway: true,
        });
    }
    sim.advance(17 * SECOND);
    // What happens next, fed to both engines.
    let script = vec![
        Input::VisitorMessage { conversation: 4 },
        Input::SetStatus {
            agent: 1,
            channel: Channel::Chat,
            status: ChosenStatus::Unavailable,
        },
        Input::NewConversation {
            conversation: 20,
            group: 1,
            channel: Channel::Chat,
        },
        Input::SetSlotLimit { agent: 3, limit: 0 },
        Input::VisitorMessage { conversation: 2 },
        Input::SetStatus {
            agent: 1,
            channel: Channel::Chat,
            status: ChosenStatus::Available,
        },
        Input::NewConversation {
            conversation: 21,
            group: 2,
            channel: Channel::Chat,
        },
        Input::SetSlotLimit { agent: 3, limit: 1 },
        Input::VisitorMessage { conversation: 5 },
    ];
    (sim, script)
}

fn records(engine: &Engine) -> Vec<ConversationRecord> {
    (0..=30)
        .filter_map(|id| engine.conversation(id).cloned())
        .collect()
}

#[test]
fn restore_then_reconnect_decides_as_the_original_engine() {
    let (mut original, script) = busy_project();
    original.check();
    let now = original.now;
    let groups = vec![
        GroupConfig { id: 1, hours: None },
        GroupConfig { id: 2, hours: None },
    ];
    let agents = (1..=3)
        .map(|id| original.engine.agent_record(id).unwrap())
        .collect();
    let mut restored = Sim {
        engine: Engine::restore(
            busy_settings(),
            groups,
            agents,
            records(&original.engine),
            now,
        ),
        now,
    };
    assert_eq!(restored.drain(), vec![]);
    restored.check();
    for agent in 1..=3 {
        restored.input(Input::AgentConnected { agent });
    }
    assert_eq!(records(&restored.engine), records(&original.engine));
    assert_eq!(
        restored.engine.poll_timeout(),
        original.engine.poll_timeout()
    );
    for agent in 1..=3 {
        assert_eq!(restored.engine.agent(agent), original.engine.agent(agent));
    }

    let mut steps = 0;
    for input in script {
        let a = original.try_input(input.clone());
        let b = restored.try_input(input.clone());
        assert_eq!(a, b, "after {input:?}");
        for dt in [10 * SECOND, MINUTE, 5 * MINUTE] {
            let a = original.advance(dt);
            let b = restored.advance(dt);
            assert_eq!(a, b, "after {input:?} + {dt}");
            steps += a.len();
        }
        assert_eq!(records(&restored.engine), records(&original.engine));
    }
    let a = original.advance(48 * HOUR);
    let b = restored.advance(48 * HOUR);
    assert_eq!(a, b);
    assert!(
        steps + a.len() > 10,
        "the script should exercise the engine: {a:?}"
    );
}

#[test]
fn restore_starts_agents_disconnected_and_counts_disconnection_from_the_restart() {
    let (original, _) = busy_project();
    let now = original.now + 10 * SECOND; // the hub was down for 10 s
    let groups = vec![
        GroupConfig { id: 1, hours: None },
        GroupConfig { id: 2, hours: None },
    ];
    let agents = (1..=3)
        .map(|id| original.engine.agent_record(id).unwrap())
        .collect();
    let mut sim = Sim {
        engine: Engine::restore(
            busy_settings(),
            groups,
            agents,
            records(&original.engine),
            now,
        ),
        now,
    };
    for agent in 1..=3 {
        assert!(!sim.engine.agent(agent).unwrap().connected);
    }
    let assigned: Vec<i64> = records(&sim.engine)
        .iter()
        .filter(|c| c.agent().is_some())
        .map(|c| c.id)
        .collect();
    assert!(!assigned.is_empty());
    let out = sim.advance(20 * SECOND);
    let notices = out
        .iter()
        .filter(|o| {
            matches!(
                o,
                Output::Sentence {
                    sentence: pupitre_protocol::SentenceKind::AgentDisconnected,
                    ..
                }
            )
        })
        .count();
    assert_eq!(notices, assigned.len(), "{out:?}");
    sim.advance(100 * SECOND);
    assert!(records(&sim.engine).iter().all(|c| c.agent().is_none()));
}

#[test]
fn restore_tolerates_an_unknown_zone_and_a_missing_agent() {
    let settings = Settings {
        timezone: "Nowhere/Land".into(),
        ..settings()
    };
    let record = ConversationRecord {
        id: 5,
        group: 1,
        channel: Channel::Chat,
        state: ConversationState::Assigned {
            agent: 42,
            since: T0,
            over_limit: false,
        },
        created_at: T0,
        last_visitor_message_at: Some(T0),
        last_agent_message_at: None,
        waiting_since: Some(T0),
        visitor_online: true,
        previous_agent: None,
        reminder_sent: false,
        relaunch_sent: false,
        reengage_sent: false,
        disconnect_notice_sent: false,
        questionnaire_done: false,
        auto_transferred_from: Vec::new(),
        // A join by an agent the project no longer has is dropped at restore (M3).
        joined: vec![99],
    };
    let agent = pupitre_routing::AgentRecord {
        config: AgentConfig {
            id: 1,
            groups: vec![1],
            slot_max: 2,
            channels: vec![Channel::Chat],
        },
        chosen: [(Channel::Chat, ChosenStatus::Available)].into(),
        slot_limit: 9,
        last_assigned_at: None,
        shift_end: None,
    };
    let now = T0 + MINUTE;
    let mut sim = Sim {
        engine: Engine::restore(
            settings,
            vec![GroupConfig { id: 1, hours: None }],
            vec![agent],
            vec![record],
            now,
        ),
        now,
    };
    assert_eq!(
        sim.drain(),
        vec![Output::Queued {
            conversation: 5,
            group: 1,
            position: 1,
            asynchronous: true
        }]
    );
    sim.check();
    assert_eq!(sim.engine.agent(1).unwrap().slot_limit, 2);
    let out = sim.input(Input::AgentConnected { agent: 1 });
    assert_eq!(common::assignments(&out), vec![(5, 1)]);
}

#[test]
fn extreme_instants_never_panic() {
    let settings = Settings {
        timezone: "Europe/Paris".into(),
        ..busy_settings()
    };
    for now in [
        Millis::MIN,
        Millis::MIN + 1,
        -1,
        0,
        Millis::MAX - 1,
        Millis::MAX,
    ] {
        let mut engine = Engine::new(settings.clone());
        let hours = pupitre_routing::WeeklyHours::every_day(&[pupitre_routing::Span {
            start: 60,
            end: 1440,
        }]);
        let inputs = [
            Input::UpsertGroup(GroupConfig {
                id: 1,
                hours: Some(hours),
            }),
            Input::UpsertAgent(AgentConfig {
                id: 1,
                groups: vec![1],
                slot_max: 1,
                channels: vec![Channel::Chat],
            }),
            Input::AgentConnected { agent: 1 },
            Input::SetStatus {
                agent: 1,
                channel: Channel::Chat,
                status: ChosenStatus::Available,
            },
            Input::SetShiftEnd {
                agent: 1,
                at: Some(now),
            },
            Input::NewConversation {
                conversation: 1,
                group: 1,
                channel: Channel::Chat,
            },
            Input::NewConversation {
                conversation: 2,
                group: 1,
                channel: Channel::Chat,
            },
            Input::SetShiftEnd { agent: 1, at: None },
            Input::Snooze {
                conversation: 1,
                agent: 1,
                until: now.saturating_add(1),
                keep: true,
            },
            Input::AgentDisconnected { agent: 1 },
        ];
        for input in inputs {
            let _ = engine.handle(now, input);
            while engine.poll_output().is_some() {}
            if let Some(at) = engine.poll_timeout() {
                engine.handle_timeout(at.max(now));
                while engine.poll_output().is_some() {}
            }
        }
        engine.handle_timeout(Millis::MAX);
        engine
            .check_invariants(Millis::MAX)
            .unwrap_or_else(|e| panic!("{now}: {e}"));
    }
}
