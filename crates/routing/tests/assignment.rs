//! R1 assignment, R2 queue size, R3 statuses, R4 slot limit.

mod common;

use common::{Sim, T0, assigned, assignments, settings};
use pupitre_protocol::SentenceKind;
use pupitre_routing::{
    AgentConfig, AssignCause, Availability, Channel, ChosenStatus, ConversationState, Input,
    Output, RoutingError, SECOND, UnassignCause,
};

#[test]
fn r1_assigns_at_once_to_an_available_agent() {
    let mut sim = Sim::basic();
    sim.agent(7, &[1], 3);
    let out = sim.new_chat(100, 1);
    assert_eq!(out, vec![assigned(100, 7, AssignCause::New)]);
    assert_eq!(
        sim.state(100),
        ConversationState::Assigned {
            agent: 7,
            since: T0,
            over_limit: false
        }
    );
    assert_eq!(
        sim.engine.agent_record(7).unwrap().last_assigned_at,
        Some(T0)
    );
}

#[test]
fn r1_assigns_least_loaded_then_idle_longest() {
    let mut sim = Sim::basic();
    for agent in [1, 2, 3] {
        sim.agent(agent, &[1], 5);
    }
    // All empty and never assigned: smallest id first, then the others (least loaded).
    sim.new_chat(10, 1);
    sim.advance(SECOND);
    sim.new_chat(11, 1);
    sim.advance(SECOND);
    sim.new_chat(12, 1);
    assert_eq!(
        (sim.holder(10), sim.holder(11), sim.holder(12)),
        (Some(1), Some(2), Some(3))
    );

    // Agent 2 closes: least loaded now.
    sim.advance(SECOND);
    sim.input(Input::Close {
        conversation: 11,
        agent: Some(2),
    });
    sim.advance(SECOND);
    assert_eq!(assignments(&sim.new_chat(13, 1)), vec![(13, 2)]);

    // Everyone holds 1 again... then 1 and 3 close: equal load, 1 idle longest (assigned at T0).
    sim.advance(SECOND);
    sim.input(Input::Close {
        conversation: 10,
        agent: Some(1),
    });
    sim.input(Input::Close {
        conversation: 12,
        agent: Some(3),
    });
    sim.advance(SECOND);
    assert_eq!(assignments(&sim.new_chat(14, 1)), vec![(14, 1)]);
    sim.advance(SECOND);
    assert_eq!(assignments(&sim.new_chat(15, 1)), vec![(15, 3)]);
}

#[test]
fn r1_only_agents_of_the_group_on_the_channel() {
    let mut sim = Sim::basic();
    sim.group(2, None);
    sim.agent(1, &[2], 3);
    sim.input(Input::UpsertAgent(AgentConfig {
        id: 2,
        groups: vec![1],
        slot_max: 3,
        channels: vec![Channel::Call],
    }));
    sim.input(Input::AgentConnected { agent: 2 });
    sim.input(Input::SetStatus {
        agent: 2,
        channel: Channel::Call,
        status: ChosenStatus::Available,
    });
    let out = sim.new_chat(1, 1);
    assert!(assignments(&out).is_empty(), "{out:?}");
    let out = sim.input(Input::NewConversation {
        conversation: 2,
        group: 1,
        channel: Channel::Call,
    });
    assert_eq!(assignments(&out), vec![(2, 2)]);
}

#[test]
fn r2_queues_first_come_first_served_when_nobody_has_room() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 1);
    sim.new_chat(1, 1);
    let out = sim.new_chat(2, 1);
    assert_eq!(
        out,
        vec![Output::Queued {
            conversation: 2,
            group: 1,
            position: 1,
            asynchronous: false
        }]
    );
    sim.advance(SECOND);
    let out = sim.new_chat(3, 1);
    assert!(out.contains(&Output::Queued {
        conversation: 3,
        group: 1,
        position: 2,
        asynchronous: false
    }));
    assert_eq!(sim.engine.queue(1), vec![2, 3]);

    let out = sim.input(Input::Close {
        conversation: 1,
        agent: Some(1),
    });
    assert!(out.contains(&assigned(2, 1, AssignCause::Queue)), "{out:?}");
    assert_eq!(sim.engine.queue(1), vec![3]);
}

#[test]
fn r2_same_millisecond_arrivals_keep_their_order() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 1);
    sim.new_chat(1, 1);
    sim.new_chat(9, 1);
    sim.new_chat(3, 1);
    assert_eq!(sim.engine.queue(1), vec![9, 3]);
    let out = sim.input(Input::Close {
        conversation: 1,
        agent: Some(1),
    });
    assert_eq!(assignments(&out), vec![(9, 1)]);
}

#[test]
fn r2_queue_holds_queue_per_agent_times_connected_agents_then_goes_async() {
    let mut sim = Sim::basic(); // queue_per_agent = 2
    sim.agent(1, &[1], 1);
    sim.agent(2, &[1], 1);
    sim.agent_config(3, &[1], 1); // not connected: adds no place
    sim.new_chat(1, 1);
    sim.new_chat(2, 1);
    for id in 3..=6 {
        let out = sim.new_chat(id, 1);
        assert!(
            matches!(
                out[0],
                Output::Queued {
                    asynchronous: false,
                    ..
                }
            ),
            "{out:?}"
        );
    }
    let out = sim.new_chat(7, 1);
    assert_eq!(
        out,
        vec![
            Output::Queued {
                conversation: 7,
                group: 1,
                position: 5,
                asynchronous: true
            },
            Output::AutoReply { conversation: 7 },
        ]
    );
    assert_eq!(
        sim.state(7),
        ConversationState::Queued {
            since: T0,
            asynchronous: true
        }
    );
}

#[test]
fn r2_no_connected_agent_goes_async_with_the_auto_reply() {
    let mut sim = Sim::basic();
    sim.agent_config(1, &[1], 2);
    let out = sim.new_chat(1, 1);
    assert_eq!(
        out,
        vec![
            Output::Queued {
                conversation: 1,
                group: 1,
                position: 1,
                asynchronous: true
            },
            Output::AutoReply { conversation: 1 },
        ]
    );
    // R8: assigned as soon as an agent has room.
    sim.input(Input::AgentConnected { agent: 1 });
    let out = sim.input(Input::SetStatus {
        agent: 1,
        channel: Channel::Chat,
        status: ChosenStatus::Available,
    });
    assert!(out.contains(&assigned(1, 1, AssignCause::Queue)), "{out:?}");
}

#[test]
fn r2_without_async_messaging_refuses_with_the_no_agent_sentence() {
    let mut sim = Sim::new(pupitre_routing::Settings {
        async_messaging: false,
        ..settings()
    });
    sim.group(1, None);
    sim.agent(1, &[1], 1);
    sim.new_chat(1, 1);
    sim.new_chat(2, 1);
    sim.new_chat(3, 1);
    let out = sim.new_chat(4, 1);
    assert_eq!(
        out,
        vec![Output::Refused {
            conversation: 4,
            sentence: SentenceKind::NoAgent
        }]
    );
    assert_eq!(sim.state(4), ConversationState::Unrouted);

    // A new visitor message retries: the agent freed a slot and the queue moved up.
    sim.input(Input::Close {
        conversation: 1,
        agent: Some(1),
    });
    let out = sim.input(Input::VisitorMessage { conversation: 4 });
    assert!(
        matches!(
            out[0],
            Output::Queued {
                conversation: 4,
                asynchronous: false,
                ..
            }
        ),
        "{out:?}"
    );
}

#[test]
fn r3_busy_is_automatic_at_the_slot_limit_and_lifted_when_a_conversation_ends() {
    let mut sim = Sim::basic();
    let out = sim.agent(1, &[1], 2);
    assert_eq!(
        out,
        vec![Output::Availability {
            agent: 1,
            channel: Channel::Chat,
            availability: Availability::Available
        }]
    );
    assert!(
        !sim.new_chat(1, 1)
            .iter()
            .any(|o| matches!(o, Output::Availability { .. }))
    );
    let out = sim.new_chat(2, 1);
    assert_eq!(
        out,
        vec![
            assigned(2, 1, AssignCause::New),
            Output::Availability {
                agent: 1,
                channel: Channel::Chat,
                availability: Availability::Busy
            },
        ]
    );
    let out = sim.input(Input::Close {
        conversation: 1,
        agent: Some(1),
    });
    assert!(out.contains(&Output::Availability {
        agent: 1,
        channel: Channel::Chat,
        availability: Availability::Available
    }));
}

#[test]
fn r3_unavailable_and_optional_statuses_keep_conversations_and_receive_none() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 3);
    sim.new_chat(1, 1);
    let out = sim.input(Input::SetStatus {
        agent: 1,
        channel: Channel::Chat,
        status: ChosenStatus::Optional("in training".into()),
    });
    assert_eq!(
        out,
        vec![Output::Availability {
            agent: 1,
            channel: Channel::Chat,
            availability: Availability::Unavailable
        }]
    );
    assert_eq!(sim.holder(1), Some(1));
    assert!(assignments(&sim.new_chat(2, 1)).is_empty());
    // Still connected: the queue has room for them (R2), unlike a logged-out agent.
    assert!(matches!(
        sim.state(2),
        ConversationState::Queued {
            asynchronous: false,
            ..
        }
    ));
    let out = sim.input(Input::SetStatus {
        agent: 1,
        channel: Channel::Chat,
        status: ChosenStatus::Available,
    });
    assert!(out.contains(&assigned(2, 1, AssignCause::Queue)), "{out:?}");
}

#[test]
fn r3_logging_out_is_offline_and_distinct_from_unavailable() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 3);
    let out = sim.input(Input::AgentDisconnected { agent: 1 });
    assert_eq!(
        out,
        vec![Output::Availability {
            agent: 1,
            channel: Channel::Chat,
            availability: Availability::Offline
        }]
    );
    let view = sim.engine.agent(1).unwrap();
    assert!(!view.connected);
    // Nobody connected: async (R2).
    assert!(
        sim.new_chat(1, 1)
            .contains(&Output::AutoReply { conversation: 1 })
    );
    // Reconnecting keeps the chosen status and takes the waiting conversation.
    let out = sim.input(Input::AgentConnected { agent: 1 });
    assert_eq!(
        out,
        vec![
            assigned(1, 1, AssignCause::Queue),
            Output::Availability {
                agent: 1,
                channel: Channel::Chat,
                availability: Availability::Available
            },
        ]
    );
}

#[test]
fn r4_the_agent_cannot_go_above_the_admin_maximum() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 3);
    assert_eq!(
        sim.try_input(Input::SetSlotLimit { agent: 1, limit: 4 }),
        Err(RoutingError::SlotLimitAboveMax { limit: 4, max: 3 })
    );
    sim.input(Input::SetSlotLimit { agent: 1, limit: 0 });
    assert!(!sim.engine.can_take(1, Channel::Chat, sim.now));
    sim.input(Input::SetSlotLimit { agent: 1, limit: 3 });
    assert_eq!(sim.engine.agent(1).unwrap().slot_limit, 3);
}

#[test]
fn r4_lowering_keeps_conversations_and_raising_takes_from_the_queue() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 3);
    sim.new_chat(1, 1);
    sim.new_chat(2, 1);
    let out = sim.input(Input::SetSlotLimit { agent: 1, limit: 1 });
    assert_eq!(
        out,
        vec![Output::Availability {
            agent: 1,
            channel: Channel::Chat,
            availability: Availability::Busy
        }]
    );
    assert_eq!(sim.load(1), 2);
    sim.new_chat(3, 1);
    assert_eq!(sim.engine.queue(1), vec![3]);
    // One leaves: still at the (lowered) limit, stays busy.
    let out = sim.input(Input::Close {
        conversation: 1,
        agent: Some(1),
    });
    assert!(assignments(&out).is_empty(), "{out:?}");
    let out = sim.input(Input::SetSlotLimit { agent: 1, limit: 3 });
    assert_eq!(assignments(&out), vec![(3, 1)]);
}

#[test]
fn r4_admin_maximum_change_applies_to_the_limit() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 3);
    sim.agent(2, &[1], 3);
    sim.input(Input::SetSlotLimit { agent: 2, limit: 2 });
    let config = |id, slot_max| AgentConfig {
        id,
        groups: vec![1],
        slot_max,
        channels: vec![Channel::Chat],
    };
    sim.input(Input::UpsertAgent(config(1, 5)));
    sim.input(Input::UpsertAgent(config(2, 5)));
    // At the old maximum: follows it. Below it: keeps the own choice.
    assert_eq!(sim.engine.agent(1).unwrap().slot_limit, 5);
    assert_eq!(sim.engine.agent(2).unwrap().slot_limit, 2);
    sim.input(Input::UpsertAgent(config(2, 1)));
    assert_eq!(sim.engine.agent(2).unwrap().slot_limit, 1);
}

#[test]
fn r1_to_r4_a_conversation_leaving_gives_its_slot_to_the_oldest_waiting() {
    let mut sim = Sim::basic();
    sim.group(2, None);
    sim.agent(1, &[1, 2], 1);
    sim.new_chat(1, 1);
    sim.advance(SECOND);
    sim.new_chat(2, 2);
    sim.advance(SECOND);
    sim.new_chat(3, 1);
    // Group 2's conversation arrived first: it gets the freed slot.
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
                cause: pupitre_routing::CloseCause::Agent
            },
            assigned(2, 1, AssignCause::Queue),
        ]
    );
}
