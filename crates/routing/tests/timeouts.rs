//! R10 timeouts, each in simulated time.

mod common;

use common::{Sim, T0, assigned, settings};
use pupitre_protocol::SentenceKind;
use pupitre_routing::{
    AssignCause, Availability, Channel, ChosenStatus, CloseCause, ConversationState, Engine,
    GroupConfig, HOUR, Input, MINUTE, Output, SECOND, Settings, Timeouts, TransferTo,
    UnassignCause,
};

fn sim_with(timeouts: Timeouts) -> Sim {
    let mut sim = Sim::new(Settings {
        timeouts,
        ..settings()
    });
    sim.group(1, None);
    sim
}

fn sentence(conversation: i64, sentence: SentenceKind, agent: Option<Availability>) -> Output {
    Output::Sentence {
        conversation,
        sentence,
        agent_availability: agent,
    }
}

fn inactivity() -> Timeouts {
    Timeouts {
        visitor_inactivity_min: 10,
        reminder_before_timeout_s: 60,
        ..Timeouts::default()
    }
}

fn answer(sim: &mut Sim, conversation: i64, agent: i64) {
    sim.input(Input::AgentMessage {
        conversation,
        agent,
    });
}

#[test]
fn r10_visitor_inactivity_closes_the_chat_after_a_reminder() {
    let mut sim = sim_with(inactivity());
    sim.agent(1, &[1], 2);
    sim.new_chat(1, 1);
    // The visitor waits for the agent: no inactivity clock.
    assert_eq!(sim.engine.poll_timeout(), None);
    sim.advance(MINUTE);
    answer(&mut sim, 1, 1);
    let closes_at = T0 + 11 * MINUTE;
    assert_eq!(sim.engine.poll_timeout(), Some(closes_at - 60 * SECOND));
    let out = sim.advance(10 * MINUTE - 60 * SECOND);
    assert_eq!(
        out,
        vec![Output::TimeoutReminder {
            conversation: 1,
            agent: 1,
            closes_at
        }]
    );
    assert_eq!(sim.engine.poll_timeout(), Some(closes_at));
    let out = sim.advance(60 * SECOND);
    assert_eq!(
        out,
        vec![
            Output::Unassigned {
                conversation: 1,
                agent: 1,
                cause: UnassignCause::VisitorTimeout
            },
            Output::Closed {
                conversation: 1,
                cause: CloseCause::VisitorInactivity
            },
        ]
    );
    assert_eq!(sim.state(1), ConversationState::Closed { at: closes_at });
    assert_eq!(sim.engine.poll_timeout(), None);
}

#[test]
fn r10_waiting_visitor_is_never_closed_for_inactivity() {
    let mut sim = sim_with(inactivity());
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1], 2);
    // Never answered.
    sim.new_chat(1, 1); // -> 1
    assert!(sim.advance(HOUR).is_empty());
    assert_eq!(sim.holder(1), Some(1));
    // Answered, then the visitor writes again and waits: the clock stops, reminder included.
    answer(&mut sim, 1, 1);
    sim.advance(5 * MINUTE);
    sim.input(Input::VisitorMessage { conversation: 1 });
    assert_eq!(sim.engine.poll_timeout(), None);
    assert!(sim.advance(24 * HOUR).is_empty());
    assert_eq!(sim.holder(1), Some(1));
    // Answered by the previous agent, then transferred: the clock waits for the new agent.
    sim.new_chat(2, 1); // -> 2
    answer(&mut sim, 2, 2);
    sim.advance(MINUTE);
    sim.input(Input::Transfer {
        conversation: 2,
        agent: 2,
        to: TransferTo::Agent(1),
        anyway: false,
    });
    let out = sim.advance(HOUR);
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(sim.holder(2), Some(1));
    answer(&mut sim, 2, 1);
    assert_eq!(
        sim.engine.poll_timeout(),
        Some(sim.now + 10 * MINUTE - 60 * SECOND)
    );
}

#[test]
fn r10_the_inactivity_clock_restarts_at_each_message_with_a_new_reminder() {
    let mut sim = sim_with(inactivity());
    sim.agent(1, &[1], 2);
    sim.new_chat(1, 1);
    answer(&mut sim, 1, 1);
    assert_eq!(sim.advance(9 * MINUTE).len(), 1); // the reminder for T0 + 10 min
    // The agent writes again: the visitor's silence is counted from there.
    sim.advance(30 * SECOND);
    answer(&mut sim, 1, 1);
    let out = sim.advance(9 * MINUTE);
    assert_eq!(
        out,
        vec![Output::TimeoutReminder {
            conversation: 1,
            agent: 1,
            closes_at: T0 + 19 * MINUTE + 30 * SECOND
        }]
    );
    // The visitor writes and waits (no close), then the agent answers: a new period.
    sim.input(Input::VisitorMessage { conversation: 1 });
    assert!(sim.advance(HOUR).is_empty());
    answer(&mut sim, 1, 1);
    let answered = sim.now;
    let out = sim.advance(9 * MINUTE);
    assert_eq!(
        out,
        vec![Output::TimeoutReminder {
            conversation: 1,
            agent: 1,
            closes_at: answered + 10 * MINUTE
        }]
    );
    assert_eq!(sim.holder(1), Some(1));
    let out = sim.advance(MINUTE);
    assert_eq!(
        out.last(),
        Some(&Output::Closed {
            conversation: 1,
            cause: CloseCause::VisitorInactivity
        })
    );
}

#[test]
fn r10_the_inactivity_deadline_survives_a_restore() {
    let mut sim = sim_with(inactivity());
    sim.agent(1, &[1], 2);
    sim.new_chat(1, 1);
    sim.new_chat(2, 1);
    sim.advance(MINUTE);
    answer(&mut sim, 1, 1);
    sim.advance(MINUTE);
    let mut restored = Sim {
        engine: Engine::restore(
            sim.engine.settings().clone(),
            vec![GroupConfig { id: 1, hours: None }],
            vec![sim.engine.agent_record(1).unwrap()],
            [1, 2]
                .map(|id| sim.engine.conversation(id).unwrap().clone())
                .to_vec(),
            sim.now,
        ),
        now: sim.now,
    };
    assert_eq!(restored.engine.poll_timeout(), sim.engine.poll_timeout());
    assert_eq!(
        restored.engine.poll_timeout(),
        Some(T0 + 11 * MINUTE - 60 * SECOND)
    );
    // After a restore every agent is offline: compare all but the availability announcements.
    let decisions = |out: Vec<Output>| -> Vec<Output> {
        out.into_iter()
            .filter(|o| !matches!(o, Output::Availability { .. }))
            .collect()
    };
    let out = decisions(restored.advance(HOUR));
    assert_eq!(out, decisions(sim.advance(HOUR)));
    assert_eq!(out.len(), 3, "{out:?}"); // reminder, unassigned, closed
    assert_eq!(
        restored.state(1),
        ConversationState::Closed {
            at: T0 + 11 * MINUTE
        }
    );
    // Conversation 2 still waits for its answer: still open.
    assert_eq!(restored.holder(2), Some(1));
}

#[test]
fn r10_relaunch_once_per_visitor_silence() {
    let mut sim = sim_with(Timeouts {
        relaunch_after_min: 5,
        ..Timeouts::default()
    });
    sim.agent(1, &[1], 2);
    sim.new_chat(1, 1);
    // The visitor waits for the agent: no relaunch.
    assert!(sim.advance(HOUR).is_empty());
    sim.input(Input::AgentMessage {
        conversation: 1,
        agent: 1,
    });
    let out = sim.advance(5 * MINUTE);
    assert_eq!(
        out,
        vec![sentence(
            1,
            SentenceKind::Relaunch,
            Some(Availability::Available)
        )]
    );
    sim.input(Input::AgentMessage {
        conversation: 1,
        agent: 1,
    });
    assert!(sim.advance(HOUR).is_empty(), "once per silence");
    sim.input(Input::VisitorMessage { conversation: 1 });
    sim.advance(MINUTE);
    sim.input(Input::AgentMessage {
        conversation: 1,
        agent: 1,
    });
    let out = sim.advance(5 * MINUTE);
    assert_eq!(
        out,
        vec![sentence(
            1,
            SentenceKind::Relaunch,
            Some(Availability::Available)
        )]
    );
}

#[test]
fn r10_reengagement_depends_on_the_agent_status_once_per_wait() {
    let mut sim = sim_with(Timeouts {
        reengage_after_min: 3,
        ..Timeouts::default()
    });
    sim.agent(1, &[1], 1);
    sim.new_chat(1, 1); // -> 1
    sim.new_chat(2, 1); // queued: no agent yet
    sim.input(Input::SetStatus {
        agent: 1,
        channel: Channel::Chat,
        status: ChosenStatus::Unavailable,
    });
    let out = sim.advance(3 * MINUTE);
    assert_eq!(
        out,
        vec![
            sentence(
                1,
                SentenceKind::Reengagement,
                Some(Availability::Unavailable)
            ),
            sentence(2, SentenceKind::Reengagement, None),
        ]
    );
    assert!(sim.advance(HOUR).is_empty(), "once per wait");
    // The agent answers, the visitor writes again: a new wait.
    sim.input(Input::AgentMessage {
        conversation: 1,
        agent: 1,
    });
    sim.input(Input::VisitorMessage { conversation: 1 });
    let out = sim.advance(3 * MINUTE);
    assert_eq!(
        out,
        vec![sentence(
            1,
            SentenceKind::Reengagement,
            Some(Availability::Unavailable)
        )]
    );
}

#[test]
fn r10_auto_transfer_when_the_agent_does_not_answer_and_tell_the_visitor() {
    let mut sim = sim_with(Timeouts {
        auto_transfer_s: 30,
        auto_transfer_notify_visitor: true,
        ..Timeouts::default()
    });
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1], 2);
    sim.new_chat(1, 1); // -> 1
    let out = sim.advance(30 * SECOND);
    assert_eq!(
        out,
        vec![
            Output::Unassigned {
                conversation: 1,
                agent: 1,
                cause: UnassignCause::Reassigned
            },
            assigned(1, 2, AssignCause::Reassigned { from: 1 }),
            sentence(1, SentenceKind::Transferred, Some(Availability::Available)),
        ]
    );
    // The new agent answers in time: it stays.
    sim.advance(20 * SECOND);
    sim.input(Input::AgentMessage {
        conversation: 1,
        agent: 2,
    });
    assert!(sim.advance(HOUR).is_empty());
}

#[test]
fn r10_auto_transfer_waits_for_an_agent_with_room_without_spinning() {
    let mut sim = sim_with(Timeouts {
        auto_transfer_s: 30,
        ..Timeouts::default()
    });
    sim.agent(1, &[1], 2);
    sim.agent_config(2, &[1], 2);
    sim.new_chat(1, 1);
    assert_eq!(sim.engine.poll_timeout(), Some(T0 + 30 * SECOND));
    assert!(sim.advance(30 * SECOND).is_empty());
    assert_eq!(sim.engine.poll_timeout(), None);
    sim.advance(HOUR);
    sim.input(Input::AgentConnected { agent: 2 });
    let out = sim.input(Input::SetStatus {
        agent: 2,
        channel: Channel::Chat,
        status: ChosenStatus::Available,
    });
    assert_eq!(
        &out[..2],
        &[
            Output::Unassigned {
                conversation: 1,
                agent: 1,
                cause: UnassignCause::Reassigned
            },
            assigned(1, 2, AssignCause::Reassigned { from: 1 }),
        ]
    );
}

fn auto_transfer() -> Timeouts {
    Timeouts {
        auto_transfer_s: 30,
        ..Timeouts::default()
    }
}

fn moved(conversation: i64, from: i64, to: i64) -> Vec<Output> {
    vec![
        Output::Unassigned {
            conversation,
            agent: from,
            cause: UnassignCause::Reassigned,
        },
        assigned(conversation, to, AssignCause::Reassigned { from }),
    ]
}

#[test]
fn r10_auto_transfer_does_not_return_to_an_agent_already_tried() {
    let mut sim = sim_with(auto_transfer());
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1], 2);
    sim.new_chat(1, 1); // -> 1
    assert_eq!(sim.advance(30 * SECOND), moved(1, 1, 2));
    assert_eq!(
        sim.engine.conversation(1).unwrap().auto_transferred_from,
        vec![1]
    );
    // Agent 2 does not answer either, but agent 1 was already tried: it stays, no spinning.
    assert!(sim.advance(24 * HOUR).is_empty());
    assert_eq!(sim.holder(1), Some(2));
    assert_eq!(sim.engine.poll_timeout(), None);
    // An agent gaining room does not bring it back to agent 1 either.
    sim.input(Input::SetSlotLimit { agent: 1, limit: 1 });
    sim.input(Input::SetSlotLimit { agent: 1, limit: 2 });
    assert_eq!(sim.holder(1), Some(2));
    // Agent 2 answers: the wait is over. The next wait starts afresh.
    answer(&mut sim, 1, 2);
    assert!(
        sim.engine
            .conversation(1)
            .unwrap()
            .auto_transferred_from
            .is_empty()
    );
    sim.input(Input::VisitorMessage { conversation: 1 });
    assert_eq!(sim.advance(30 * SECOND), moved(1, 2, 1));
}

#[test]
fn r10_auto_transfer_gives_each_new_agent_the_full_time_and_tries_each_agent_once_per_wait() {
    let mut sim = sim_with(auto_transfer());
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1], 2);
    sim.agent(3, &[1], 2);
    sim.new_chat(1, 1); // -> 1
    assert_eq!(sim.advance(30 * SECOND), moved(1, 1, 2));
    // Agent 2 got it at T0 + 30 s: their 30 s count from there, not from the wait's start.
    assert_eq!(sim.engine.poll_timeout(), Some(T0 + 60 * SECOND));
    assert!(sim.advance(29 * SECOND).is_empty());
    assert_eq!(sim.advance(SECOND), moved(1, 2, 3));
    // Agents 1 and 2 were tried during this wait: it stays with agent 3.
    assert!(sim.advance(HOUR).is_empty());
    assert_eq!(sim.holder(1), Some(3));
    assert_eq!(
        sim.engine.conversation(1).unwrap().auto_transferred_from,
        vec![1, 2]
    );
}

#[test]
fn r10_auto_transfer_remembers_the_agents_tried_across_a_restore() {
    let mut sim = sim_with(auto_transfer());
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1], 2);
    sim.new_chat(1, 1); // -> 1
    sim.advance(30 * SECOND); // -> 2
    let mut restored = Sim {
        engine: Engine::restore(
            sim.engine.settings().clone(),
            vec![GroupConfig { id: 1, hours: None }],
            vec![
                sim.engine.agent_record(1).unwrap(),
                sim.engine.agent_record(2).unwrap(),
            ],
            vec![sim.engine.conversation(1).unwrap().clone()],
            sim.now,
        ),
        now: sim.now,
    };
    for agent in [1, 2] {
        restored.input(Input::AgentConnected { agent });
    }
    assert!(
        !restored
            .advance(HOUR)
            .iter()
            .any(|o| matches!(o, Output::Assigned { .. }))
    );
    assert_eq!(restored.holder(1), Some(2));
}

#[test]
fn r10_tell_the_visitor_once_that_their_agent_got_disconnected() {
    let mut sim = sim_with(Timeouts {
        agent_disconnected_notice_s: 20,
        ..Timeouts::default()
    });
    sim.agent(1, &[1], 2);
    sim.new_chat(1, 1);
    sim.input(Input::AgentDisconnected { agent: 1 });
    let out = sim.advance(20 * SECOND);
    assert_eq!(
        out,
        vec![sentence(
            1,
            SentenceKind::AgentDisconnected,
            Some(Availability::Offline)
        )]
    );
    assert!(sim.advance(HOUR).is_empty());
    // A new disconnection, a new notice.
    sim.input(Input::AgentConnected { agent: 1 });
    sim.advance(MINUTE);
    sim.input(Input::AgentDisconnected { agent: 1 });
    assert!(sim.advance(19 * SECOND).is_empty());
    assert_eq!(sim.advance(SECOND).len(), 1);
}

#[test]
fn r10_a_reconnection_in_time_cancels_the_notice() {
    let mut sim = sim_with(Timeouts {
        agent_disconnected_notice_s: 20,
        ..Timeouts::default()
    });
    sim.agent(1, &[1], 2);
    sim.new_chat(1, 1);
    sim.input(Input::AgentDisconnected { agent: 1 });
    sim.advance(10 * SECOND);
    sim.input(Input::AgentConnected { agent: 1 });
    assert!(
        !sim.advance(HOUR)
            .iter()
            .any(|o| matches!(o, Output::Sentence { .. }))
    );
}

#[test]
fn r10_a_disconnected_agents_conversations_go_to_the_group() {
    let mut sim = sim_with(Timeouts {
        disconnected_transfer_s: 60,
        ..Timeouts::default()
    });
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1], 1);
    sim.new_chat(1, 1); // -> 1
    sim.new_chat(2, 1); // -> 2
    sim.new_chat(3, 1); // -> 1
    sim.input(Input::AgentDisconnected { agent: 1 });
    sim.input(Input::Close {
        conversation: 2,
        agent: Some(2),
    });
    let out = sim.advance(60 * SECOND);
    assert_eq!(
        out,
        vec![
            Output::Unassigned {
                conversation: 1,
                agent: 1,
                cause: UnassignCause::Reassigned
            },
            assigned(1, 2, AssignCause::Reassigned { from: 1 }),
            Output::Unassigned {
                conversation: 3,
                agent: 1,
                cause: UnassignCause::Reassigned
            },
            Output::Queued {
                conversation: 3,
                group: 1,
                position: 1,
                asynchronous: false
            },
            Output::Availability {
                agent: 2,
                channel: Channel::Chat,
                availability: Availability::Busy
            },
        ]
    );
}

#[test]
fn r10_the_waiting_questionnaire_shows_while_queued_for_its_display_time() {
    let mut sim = sim_with(Timeouts {
        waiting_questionnaire_min: 2,
        ..Timeouts::default()
    });
    sim.agent(1, &[1], 1);
    sim.new_chat(1, 1); // -> 1
    let out = sim.new_chat(2, 1);
    assert_eq!(
        out,
        vec![
            Output::Queued {
                conversation: 2,
                group: 1,
                position: 1,
                asynchronous: false
            },
            Output::WaitingQuestionnaire {
                conversation: 2,
                show: true
            },
        ]
    );
    let out = sim.advance(2 * MINUTE);
    assert_eq!(
        out,
        vec![Output::WaitingQuestionnaire {
            conversation: 2,
            show: false
        }]
    );
    sim.new_chat(3, 1);
    // Leaving the queue ends it too; the one already done gets nothing more.
    let out = sim.input(Input::Close {
        conversation: 1,
        agent: Some(1),
    });
    assert_eq!(out.last(), Some(&assigned(2, 1, AssignCause::Queue)));
    let out = sim.input(Input::Close {
        conversation: 2,
        agent: Some(1),
    });
    assert_eq!(
        &out[2..],
        &[
            Output::WaitingQuestionnaire {
                conversation: 3,
                show: false
            },
            assigned(3, 1, AssignCause::Queue),
        ]
    );
    // Asynchronous conversations do not get it.
    sim.input(Input::AgentDisconnected { agent: 1 });
    let out = sim.new_chat(4, 1);
    assert!(
        !out.iter()
            .any(|o| matches!(o, Output::WaitingQuestionnaire { .. }))
    );
}
