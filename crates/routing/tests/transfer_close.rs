//! R7 transfer and R9 close (and reopen).

mod common;

use common::{Sim, assigned, assignments, settings};
use pupitre_routing::{
    AssignCause, Availability, Channel, ChosenStatus, CloseCause, ConversationState, Input, MINUTE,
    Output, RoutingError, Settings, TransferTo, UnassignCause,
};

fn transfer(conversation: i64, agent: i64, to: TransferTo, anyway: bool) -> Input {
    Input::Transfer {
        conversation,
        agent,
        to,
        anyway,
    }
}

#[test]
fn r7_transfer_to_an_available_agent_of_the_group() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1], 2);
    sim.new_chat(1, 1);
    let out = sim.input(transfer(1, 1, TransferTo::Agent(2), false));
    assert_eq!(
        out,
        vec![
            Output::Unassigned {
                conversation: 1,
                agent: 1,
                cause: UnassignCause::Transferred
            },
            assigned(
                1,
                2,
                AssignCause::Transfer {
                    from: 1,
                    anyway: false
                }
            ),
        ]
    );
    let record = sim.engine.conversation(1).unwrap();
    assert_eq!(record.previous_agent, Some(1));
}

#[test]
fn r7_transfer_to_an_unavailable_agent_needs_transfer_anyway() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 2);
    sim.agent(2, &[1], 1);
    sim.new_chat(1, 1); // -> 1
    sim.new_chat(2, 1); // -> 2, now full
    assert_eq!(
        sim.try_input(transfer(1, 1, TransferTo::Agent(2), false)),
        Err(RoutingError::AgentUnavailable(2))
    );
    let out = sim.input(transfer(1, 1, TransferTo::Agent(2), true));
    assert_eq!(
        out[1],
        assigned(
            1,
            2,
            AssignCause::Transfer {
                from: 1,
                anyway: true
            }
        )
    );
    // Above the slot limit only by transfer anyway.
    assert_eq!(sim.load(2), 2);
    assert!(matches!(
        sim.state(1),
        ConversationState::Assigned {
            over_limit: true,
            ..
        }
    ));
    // Works even when the recipient is logged out.
    sim.new_chat(3, 1); // -> 1
    sim.input(Input::AgentDisconnected { agent: 2 });
    let out = sim.input(transfer(3, 1, TransferTo::Agent(2), true));
    assert!(out.contains(&assigned(
        3,
        2,
        AssignCause::Transfer {
            from: 1,
            anyway: true
        }
    )));
}

#[test]
fn r7_transfer_to_oneself_outside_the_group_or_by_another_agent_is_refused() {
    let mut sim = Sim::basic();
    sim.group(2, None);
    sim.agent(1, &[1], 2);
    sim.agent(2, &[2], 2);
    sim.agent(3, &[1], 2);
    sim.new_chat(1, 1); // -> 1
    assert!(matches!(
        sim.try_input(transfer(1, 1, TransferTo::Agent(1), true)),
        Err(RoutingError::Invalid(_))
    ));
    assert!(matches!(
        sim.try_input(transfer(1, 1, TransferTo::Agent(2), true)),
        Err(RoutingError::Invalid(_))
    ));
    assert_eq!(
        sim.try_input(transfer(1, 3, TransferTo::Agent(3), false)),
        Err(RoutingError::NotYourConversation {
            conversation: 1,
            agent: 3
        })
    );
    assert_eq!(
        sim.try_input(transfer(1, 1, TransferTo::Agent(99), false)),
        Err(RoutingError::UnknownAgent(99))
    );
    assert_eq!(
        sim.try_input(transfer(1, 1, TransferTo::Group(9), false)),
        Err(RoutingError::UnknownGroup(9))
    );
}

#[test]
fn r7_transfer_to_a_group_applies_r1_and_queues_otherwise() {
    let mut sim = Sim::basic();
    sim.group(2, None);
    sim.agent(1, &[1], 3);
    sim.agent(2, &[2], 1);
    sim.new_chat(1, 1); // -> 1
    sim.new_chat(2, 1); // -> 1
    let out = sim.input(transfer(1, 1, TransferTo::Group(2), false));
    assert_eq!(
        out,
        vec![
            Output::Unassigned {
                conversation: 1,
                agent: 1,
                cause: UnassignCause::Transferred
            },
            assigned(
                1,
                2,
                AssignCause::Transfer {
                    from: 1,
                    anyway: false
                }
            ),
            Output::Availability {
                agent: 2,
                channel: Channel::Chat,
                availability: Availability::Busy
            },
        ]
    );
    assert_eq!(sim.engine.conversation(1).unwrap().group, 2);
    // Agent 2 is full now: queued, whatever the cap.
    let out = sim.input(transfer(2, 1, TransferTo::Group(2), false));
    assert_eq!(
        out,
        vec![
            Output::Unassigned {
                conversation: 2,
                agent: 1,
                cause: UnassignCause::Transferred
            },
            Output::Queued {
                conversation: 2,
                group: 2,
                position: 1,
                asynchronous: false
            },
        ]
    );
    let out = sim.input(Input::Close {
        conversation: 1,
        agent: Some(2),
    });
    assert!(out.contains(&assigned(2, 2, AssignCause::Queue)), "{out:?}");
}

#[test]
fn r9_close_frees_the_slot_for_the_queue() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 1);
    sim.new_chat(1, 1);
    sim.new_chat(2, 1);
    let out = sim.input(Input::Close {
        conversation: 1,
        agent: Some(1),
    });
    assert_eq!(
        out,
        vec![
            Output::Unassigned {
                conversation: 1,
                agent: 1,
                cause: UnassignCause::Closed
            },
            Output::Closed {
                conversation: 1,
                cause: CloseCause::Agent
            },
            assigned(2, 1, AssignCause::Queue),
        ]
    );
    assert_eq!(sim.state(1), ConversationState::Closed { at: sim.now });
    assert_eq!(sim.engine.conversation(1).unwrap().previous_agent, Some(1));
}

#[test]
fn r9_the_hub_closes_in_any_state_but_not_twice() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 1);
    sim.new_chat(1, 1);
    sim.new_chat(2, 1); // queued
    assert_eq!(
        sim.input(Input::Close {
            conversation: 2,
            agent: None
        }),
        vec![Output::Closed {
            conversation: 2,
            cause: CloseCause::Hub
        }]
    );
    assert!(sim.engine.queue(1).is_empty());
    assert_eq!(
        sim.try_input(Input::Close {
            conversation: 2,
            agent: None
        }),
        Err(RoutingError::InvalidState {
            conversation: 2,
            state: "closed"
        })
    );
    assert_eq!(
        sim.try_input(Input::VisitorMessage { conversation: 2 }),
        Err(RoutingError::InvalidState {
            conversation: 2,
            state: "closed"
        })
    );
}

#[test]
fn r9_reopen_goes_back_to_the_previous_agent_when_enabled_and_available() {
    let mut sim = Sim::new(Settings {
        reopen_to_previous_agent: true,
        ..settings()
    });
    sim.group(1, None);
    sim.agent(1, &[1], 1);
    sim.agent(2, &[1], 1);
    sim.new_chat(1, 1); // -> 1
    sim.input(Input::Close {
        conversation: 1,
        agent: Some(1),
    });
    sim.advance(10 * MINUTE);
    assert!(sim.engine.can_reopen(1, sim.now));
    sim.input(Input::SetStatus {
        agent: 1,
        channel: Channel::Chat,
        status: ChosenStatus::Unavailable,
    });
    assert!(!sim.engine.can_reopen(1, sim.now));
    assert!(matches!(
        sim.try_input(Input::Reopen { conversation: 1 }),
        Err(RoutingError::InvalidState { .. })
    ));
    sim.input(Input::SetStatus {
        agent: 1,
        channel: Channel::Chat,
        status: ChosenStatus::Available,
    });
    let out = sim.input(Input::Reopen { conversation: 1 });
    assert_eq!(out[0], assigned(1, 1, AssignCause::Reopened));
    assert_eq!(
        sim.engine.conversation(1).unwrap().waiting_since,
        Some(sim.now)
    );
    assert!(matches!(
        sim.try_input(Input::Reopen { conversation: 1 }),
        Err(RoutingError::InvalidState {
            state: "assigned",
            ..
        })
    ));
}

#[test]
fn r9_reopen_is_off_unless_the_admin_enables_it() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 1);
    sim.new_chat(1, 1);
    sim.input(Input::Close {
        conversation: 1,
        agent: Some(1),
    });
    assert!(!sim.engine.can_reopen(1, sim.now));
    assert!(sim.try_input(Input::Reopen { conversation: 1 }).is_err());
    assert!(assignments(&sim.new_chat(2, 1)) == vec![(2, 1)]);
}

#[test]
fn r9_a_forgotten_closed_conversation_can_be_readmitted_and_reopened() {
    let mut sim = Sim::new(Settings {
        reopen_to_previous_agent: true,
        ..settings()
    });
    sim.group(1, None);
    sim.agent(1, &[1], 1);
    sim.new_chat(1, 1);
    assert!(
        !sim.engine.forget(1),
        "a live conversation is never forgotten"
    );
    sim.input(Input::Close {
        conversation: 1,
        agent: Some(1),
    });
    let record = sim.engine.conversation(1).unwrap().clone();
    assert!(sim.engine.forget(1));
    assert!(sim.engine.conversation(1).is_none());
    assert!(!sim.engine.can_reopen(1, sim.now));
    sim.engine.check_invariants(sim.now).unwrap();
    // The hub reads the record back from its store when the visitor writes again.
    assert!(sim.engine.readmit(record.clone()));
    assert!(!sim.engine.readmit(record), "readmitted once");
    assert!(sim.engine.can_reopen(1, sim.now));
    let out = sim.input(Input::Reopen { conversation: 1 });
    assert_eq!(out[0], assigned(1, 1, AssignCause::Reopened));
    sim.engine.check_invariants(sim.now).unwrap();
}
