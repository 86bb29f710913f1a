//! R5 snooze and R6 the 24-hour rule.

mod common;

use common::{Sim, assigned, assignments, settings};
use pupitre_routing::{
    AssignCause, Channel, ChosenStatus, ConversationState, HOUR, Input, MINUTE, Output,
    REASSIGN_AFTER, RoutingError, Settings, TransferTo, UnassignCause, WakeCause,
};

fn snooze(conversation: i64, agent: i64, until: i64, keep: bool) -> Input {
    Input::Snooze {
        conversation,
        agent,
        until,
        keep,
    }
}

#[test]
fn r5_snooze_needs_async_messaging() {
    let mut sim = Sim::new(Settings {
        async_messaging: false,
        ..settings()
    });
    sim.group(1, None);
    sim.agent(1, &[1], 2);
    sim.new_chat(1, 1);
    let until = sim.now + 3 * HOUR;
    assert_eq!(
        sim.try_input(snooze(1, 1, until, false)),
        Err(RoutingError::AsyncMessagingOff)
    );
}

#[test]
fn r5_only_the_assigned_agent_snoozes_and_only_into_the_future() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1], 2);
    sim.new_chat(1, 1);
    let until = sim.now + 3 * HOUR;
    assert_eq!(
        sim.try_input(snooze(1, 2, until, false)),
        Err(RoutingError::NotYourConversation {
            conversation: 1,
            agent: 2
        })
    );
    assert!(matches!(
        sim.try_input(snooze(1, 1, sim.now, false)),
        Err(RoutingError::Invalid(_))
    ));
    assert_eq!(
        sim.try_input(snooze(9, 1, until, false)),
        Err(RoutingError::UnknownConversation(9))
    );
}

#[test]
fn r5_snooze_frees_the_slot_and_a_visitor_message_wakes_it_to_the_group() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 1);
    sim.agent(2, &[1], 1);
    sim.new_chat(1, 1); // -> 1
    sim.new_chat(2, 1); // -> 2
    sim.new_chat(3, 1); // queued
    let until = sim.now + 3 * HOUR;
    let out = sim.input(snooze(1, 1, until, false));
    assert_eq!(
        out,
        vec![
            Output::Unassigned {
                conversation: 1,
                agent: 1,
                cause: UnassignCause::Snoozed
            },
            Output::Snoozed {
                conversation: 1,
                agent: 1,
                until,
                keep: false
            },
            assigned(3, 1, AssignCause::Queue),
        ]
    );
    assert_eq!(sim.engine.poll_timeout(), Some(until));
    // Agent 2 closes; the visitor writes: the group's first available agent gets it.
    sim.advance(MINUTE);
    sim.input(Input::Close {
        conversation: 2,
        agent: Some(2),
    });
    let out = sim.input(Input::VisitorMessage { conversation: 1 });
    assert_eq!(
        out,
        vec![
            Output::Woke {
                conversation: 1,
                cause: WakeCause::VisitorMessage
            },
            assigned(1, 2, AssignCause::SnoozeWake),
            Output::Availability {
                agent: 2,
                channel: Channel::Chat,
                availability: pupitre_routing::Availability::Busy
            },
        ]
    );
}

#[test]
fn r5_snooze_wakes_at_the_end_of_the_pause_into_the_queue_when_nobody_has_room() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 1);
    sim.new_chat(1, 1);
    let until = sim.now + 3 * HOUR;
    sim.input(snooze(1, 1, until, false));
    sim.new_chat(2, 1); // takes the freed slot
    let out = sim.advance(3 * HOUR);
    assert_eq!(
        out,
        vec![
            Output::Woke {
                conversation: 1,
                cause: WakeCause::Expired
            },
            Output::Queued {
                conversation: 1,
                group: 1,
                position: 1,
                asynchronous: false
            },
        ]
    );
    assert_eq!(sim.now, until);
    let out = sim.input(Input::Close {
        conversation: 2,
        agent: Some(1),
    });
    assert!(out.contains(&assigned(1, 1, AssignCause::Queue)));
}

#[test]
fn r5_kept_snooze_returns_to_its_agent_even_when_others_are_free() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1], 2);
    sim.new_chat(1, 1);
    let until = sim.now + 24 * HOUR;
    sim.input(snooze(1, 1, until, true));
    let out = sim.advance(24 * HOUR);
    assert_eq!(
        out,
        vec![
            Output::Woke {
                conversation: 1,
                cause: WakeCause::Expired
            },
            assigned(1, 1, AssignCause::SnoozeWake),
        ]
    );
}

#[test]
fn r5_kept_snooze_waits_for_its_agent() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1], 2);
    sim.new_chat(1, 1);
    let until = sim.now + 3 * HOUR;
    sim.input(snooze(1, 1, until, true));
    sim.input(Input::SetStatus {
        agent: 1,
        channel: Channel::Chat,
        status: ChosenStatus::Unavailable,
    });
    let out = sim.advance(3 * HOUR);
    assert_eq!(
        out,
        vec![
            Output::Woke {
                conversation: 1,
                cause: WakeCause::Expired
            },
            Output::Reserved {
                conversation: 1,
                agent: 1
            },
        ]
    );
    assert_eq!(
        sim.state(1),
        ConversationState::Reserved {
            agent: 1,
            since: until
        }
    );
    // Agent 2 is free but the conversation is kept for agent 1; new ones still go to 2.
    assert_eq!(assignments(&sim.new_chat(2, 1)), vec![(2, 2)]);
    sim.advance(HOUR);
    let out = sim.input(Input::SetStatus {
        agent: 1,
        channel: Channel::Chat,
        status: ChosenStatus::Available,
    });
    assert_eq!(out[0], assigned(1, 1, AssignCause::SnoozeWake));
}

#[test]
fn r5_kept_snooze_goes_before_the_queue() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 1);
    sim.new_chat(1, 1);
    sim.input(snooze(1, 1, sim.now + HOUR, true));
    sim.new_chat(2, 1); // agent 1's slot
    sim.new_chat(3, 1); // queued
    sim.advance(HOUR); // wakes, reserved
    assert!(matches!(sim.state(1), ConversationState::Reserved { .. }));
    let out = sim.input(Input::Close {
        conversation: 2,
        agent: Some(1),
    });
    assert!(
        out.contains(&assigned(1, 1, AssignCause::SnoozeWake)),
        "{out:?}"
    );
    assert_eq!(sim.engine.queue(1), vec![3]);
}

#[test]
fn r6_a_reserved_conversation_goes_to_the_group_after_24_hours() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1], 2);
    sim.new_chat(1, 1);
    sim.input(snooze(1, 1, sim.now + HOUR, true));
    sim.input(Input::AgentDisconnected { agent: 1 });
    let woke_at = sim.now + HOUR;
    sim.advance(HOUR);
    assert_eq!(sim.engine.poll_timeout(), Some(woke_at + REASSIGN_AFTER));
    let out = sim.advance(REASSIGN_AFTER - 1);
    assert!(out.is_empty(), "{out:?}");
    let out = sim.advance(1);
    assert_eq!(
        out,
        vec![assigned(1, 2, AssignCause::Reassigned { from: 1 })]
    );
}

#[test]
fn r6_transfer_anyway_not_handled_for_24_hours_is_reassigned() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1], 2);
    sim.agent(3, &[1], 2);
    sim.input(Input::SetStatus {
        agent: 2,
        channel: Channel::Chat,
        status: ChosenStatus::Unavailable,
    });
    sim.new_chat(1, 1); // -> 1
    sim.input(Input::Transfer {
        conversation: 1,
        agent: 1,
        to: TransferTo::Agent(2),
        anyway: true,
    });
    let t = sim.now;
    assert_eq!(
        sim.state(1),
        ConversationState::Assigned {
            agent: 2,
            since: t,
            over_limit: true
        }
    );
    let out = sim.advance(REASSIGN_AFTER);
    // Agent 3 (idle longest among those with room; 1 was assigned at t0 too but 3 never).
    assert_eq!(
        out,
        vec![
            Output::Unassigned {
                conversation: 1,
                agent: 2,
                cause: UnassignCause::Reassigned
            },
            assigned(1, 3, AssignCause::Reassigned { from: 2 }),
        ]
    );
}

#[test]
fn r6_transfer_anyway_handled_by_the_agent_stays() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1], 2);
    sim.input(Input::SetStatus {
        agent: 2,
        channel: Channel::Chat,
        status: ChosenStatus::Unavailable,
    });
    sim.new_chat(1, 1);
    sim.input(Input::Transfer {
        conversation: 1,
        agent: 1,
        to: TransferTo::Agent(2),
        anyway: true,
    });
    sim.advance(HOUR);
    sim.input(Input::AgentMessage {
        conversation: 1,
        agent: 2,
    });
    let out = sim.advance(2 * REASSIGN_AFTER);
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(sim.holder(1), Some(2));
}
