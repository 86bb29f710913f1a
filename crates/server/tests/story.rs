//! A whole conversation through the wire, every step asserted on both sides: R1 assignment,
//! replies, R5 snooze (wake on reply and on expiry, keep-for-me), R7 transfer to a group with a
//! comment, R9 close with a type. Real hub on port 0, real WebSockets, real SQLite file; time
//! is a manual clock so "3 hours later" takes no time.

mod common;

use common::*;
use pupitre_protocol::agent::{
    AgentClientFrame, AgentEvent, AssignCause, RemoveCause, TransferTarget,
};
use pupitre_protocol::visitor::VisitorEvent;
use pupitre_protocol::{Author, Body, ConversationRef, ThreadEvent};

const HOUR: i64 = 3_600_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r1_r5_r7_r9_story_through_the_wire() {
    let setup = setup(
        &[
            ("alice@test", &["Sales"], 3),
            ("bob@test", &["Sales"], 3),
            ("carol@test", &["Support"], 3),
        ],
        |_| {},
    );
    let hub = start(&setup, true).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;

    // R1: the visitor writes; the only available agent gets the conversation with the message.
    let mut visitor = visitor(&hub).await;
    visitor.say("Hello, is my order shipped?").await;
    let (conv, cause, first) = alice
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned {
                conversation,
                cause,
            } => Some((
                conversation.reference.clone(),
                cause.clone(),
                conversation.messages.clone(),
            )),
            _ => None,
        })
        .await;
    assert_eq!(cause, AssignCause::New);
    assert_eq!(conv, ConversationRef::new(PROJECT, 1));
    assert!(
        first
            .iter()
            .any(|m| text_of(m) == Some("Hello, is my order shipped?")
                && m.author == Author::Visitor)
    );
    let joined = visitor
        .wait_event(|e| match e {
            VisitorEvent::AgentJoined { agent, .. } => Some(agent.name.clone()),
            _ => None,
        })
        .await;
    assert_eq!(joined, "alice");

    // The agent replies; the visitor sees it, signed by the agent.
    alice
        .request(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: conv.clone(),
            text: "Let me check.".into(),
        })
        .await;
    let reply = visitor
        .wait_event(|e| match e {
            VisitorEvent::Message { message } if matches!(message.author, Author::Agent { .. }) => {
                Some(message.clone())
            }
            _ => None,
        })
        .await;
    assert_eq!(text_of(&reply), Some("Let me check."));

    // R5: snooze 3 h; the conversation leaves Alice's desk and the thread says who paused it.
    let until = hub.hub.clock.now() + 3 * HOUR;
    alice
        .request(AgentClientFrame::Snooze {
            client_id: cid(),
            conversation: conv.clone(),
            until,
            keep: false,
        })
        .await;
    let mut saw_pause = false;
    let mut saw_removed = false;
    for f in alice.drain().await.iter() {
        if let pupitre_protocol::agent::AgentServerFrame::Event { event, .. } = f {
            match event {
                AgentEvent::ConversationRemoved {
                    cause:
                        RemoveCause::Snoozed {
                            until: u,
                            keep: false,
                        },
                    ..
                } => {
                    assert_eq!(*u, until);
                    saw_removed = true;
                }
                AgentEvent::Message { message } => {
                    if let Body::Event {
                        event: ThreadEvent::Snoozed { agent, .. },
                    } = &message.body
                    {
                        assert_eq!(agent, "alice");
                        saw_pause = true;
                    }
                }
                _ => {}
            }
        }
    }
    assert!(saw_removed, "the snoozed conversation left the desk");
    assert!(saw_pause, "the thread records who paused it");

    // Bob comes online. R5 (a): the visitor's reply wakes the conversation; it goes to the
    // first available agent of the group: Bob and Alice are equally loaded, Bob idle longest.
    let mut bob = agent(&hub, "bob@test").await;
    bob.available().await;
    visitor.say("Any news?").await;
    let (cause, messages) = bob
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned {
                conversation,
                cause,
            } if conversation.reference == conv => {
                Some((cause.clone(), conversation.messages.clone()))
            }
            _ => None,
        })
        .await;
    assert_eq!(cause, AssignCause::SnoozeWake);
    assert!(
        messages.iter().any(|m| text_of(m) == Some("Any news?")),
        "the waking message is in the thread"
    );
    assert!(
        messages.iter().any(|m| text_of(m) == Some("Let me check.")),
        "the history came along"
    );

    // R5 (b) with keep-for-me: Bob pauses 3 h keeping it; when the pause ends it comes back to him.
    let until = hub.hub.clock.now() + 3 * HOUR;
    bob.request(AgentClientFrame::Snooze {
        client_id: cid(),
        conversation: conv.clone(),
        until,
        keep: true,
    })
    .await;
    hub.hub.advance_clock(3 * HOUR - 1_000).await;
    assert!(
        !bob.drain().await.iter().any(|f| matches!(
            f,
            pupitre_protocol::agent::AgentServerFrame::Event {
                event: AgentEvent::ConversationAssigned { .. },
                ..
            }
        )),
        "not before the end of the pause"
    );
    hub.hub.advance_clock(1_000).await;
    let cause = bob
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned {
                conversation,
                cause,
            } if conversation.reference == conv => Some(cause.clone()),
            _ => None,
        })
        .await;
    assert_eq!(cause, AssignCause::SnoozeWake);

    // R7: transfer to the Support group with a comment; Carol gets it with the comment, Bob
    // loses it, the visitor never sees the comment.
    let mut carol = agent(&hub, "carol@test").await;
    carol.available().await;
    let support = match &carol.welcome {
        pupitre_protocol::agent::AgentServerFrame::Welcome { agent, .. } => agent.groups[0].id,
        other => panic!("{other:?}"),
    };
    bob.request(AgentClientFrame::Transfer {
        client_id: cid(),
        conversation: conv.clone(),
        to: TransferTarget::Group { id: support },
        comment: Some("Billing question, VIP customer".into()),
        anyway: false,
    })
    .await;
    // Carol gets the conversation once, whole: no message of it before its view arrives.
    let mut assigned = None;
    for f in carol.drain().await {
        if let pupitre_protocol::agent::AgentServerFrame::Event { event, .. } = f {
            match event {
                AgentEvent::ConversationAssigned {
                    conversation,
                    cause,
                } => {
                    assert!(assigned.is_none(), "assigned twice");
                    assigned = Some((cause, conversation.messages));
                }
                AgentEvent::Message { message } if assigned.is_none() => {
                    panic!("a message of a conversation not on the desk yet: {message:?}")
                }
                _ => {}
            }
        }
    }
    let (cause, thread) = assigned.expect("Carol got the transferred conversation");
    assert_eq!(
        cause,
        AssignCause::Transfer {
            from: Some(bob.id),
            comment: Some("Billing question, VIP customer".into())
        }
    );
    assert!(thread.iter().any(|m| matches!(&m.body, Body::Event { event: ThreadEvent::Transferred { from: Some(f), .. } } if f == "bob")));
    bob.wait_event(|e| match e {
        AgentEvent::ConversationRemoved {
            cause: RemoveCause::Transferred,
            ..
        } => Some(()),
        _ => None,
    })
    .await;

    // R9: Carol closes with a type; the visitor is told, and the comment never reached them.
    carol
        .request(AgentClientFrame::Close {
            client_id: cid(),
            conversation: conv.clone(),
            conversation_type: Some("Sale".into()),
        })
        .await;
    carol
        .wait_event(|e| match e {
            AgentEvent::ConversationRemoved {
                cause: RemoveCause::Closed,
                ..
            } => Some(()),
            _ => None,
        })
        .await;
    let mut closed = false;
    for f in visitor.drain().await {
        let text = serde_json::to_string(&f).unwrap();
        assert!(
            !text.contains("VIP customer"),
            "a transfer comment reached the visitor: {text}"
        );
        if matches!(
            f,
            pupitre_protocol::visitor::VisitorServerFrame::Event {
                event: VisitorEvent::ConversationClosed { .. },
                ..
            }
        ) {
            closed = true;
        }
    }
    assert!(closed, "the visitor is told the conversation closed");

    // W2/R9: the closed conversation stays readable to the visitor on a new visit.
    let again = visitor_with(&hub, Some(visitor.token.clone()), None).await;
    let pupitre_protocol::visitor::VisitorServerFrame::Welcome {
        history: Some(history),
        ..
    } = &again.welcome
    else {
        panic!("no history")
    };
    assert_eq!(history.len(), 1);
    assert_eq!(
        history[0].state,
        pupitre_protocol::ConversationState::Closed
    );
    let texts: Vec<_> = history[0].messages.iter().filter_map(text_of).collect();
    assert_eq!(
        texts,
        ["Hello, is my order shipped?", "Let me check.", "Any news?"]
    );
    hub.stop().await.unwrap();
}
