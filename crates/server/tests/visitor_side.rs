//! What a visitor's connection tells the desk and what the hub says for the project: R8
//! auto-reply and later assignment, R2 refusal with async off, D11 drafts, D13 navigation,
//! presence, e-mail left.

mod common;

use common::*;
use pupitre_protocol::agent::{AgentEvent, AgentServerFrame, AssignCause};
use pupitre_protocol::visitor::{Page, VisitorClientFrame, VisitorEvent};
use pupitre_protocol::{Author, Body, SentenceKind, ThreadEvent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r8_auto_reply_at_once_then_assigned_when_an_agent_has_room() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, false).await;
    let mut v = visitor(&hub).await;
    v.say("Anyone there?").await;
    let (kind, text) = v
        .wait_event(|e| match e {
            VisitorEvent::Message { message } if message.author == Author::System => {
                match &message.body {
                    Body::Sentence { sentence, text } => Some((*sentence, text.clone())),
                    _ => None,
                }
            }
            _ => None,
        })
        .await;
    assert_eq!(kind, SentenceKind::AutoReply);
    assert!(text.contains("Leave us a message"), "{text}");

    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let (cause, messages) = alice
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned {
                conversation,
                cause,
            } => Some((cause.clone(), conversation.messages.clone())),
            _ => None,
        })
        .await;
    assert_eq!(cause, AssignCause::Queue);
    assert!(messages.iter().any(|m| text_of(m) == Some("Anyone there?")));
    assert!(
        messages.iter().any(|m| matches!(
            m.body,
            Body::Sentence {
                sentence: SentenceKind::AutoReply,
                ..
            }
        )),
        "the desk sees what the visitor was told"
    );
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r2_without_async_messaging_the_visitor_gets_the_no_agent_sentence_in_their_language() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |s| {
        s.routing.async_messaging = false
    });
    let hub = start(&setup, false).await;
    let (conn, welcome) = pupitre_server::client::VisitorConn::open(
        &format!("{}/ws/visitor", hub.ws_url()),
        &VisitorClientFrame::Hello {
            version: pupitre_protocol::PROTOCOL_VERSION,
            project: PROJECT.into(),
            token: None,
            last_seq: None,
            language: Some("fr-FR".into()),
            page: None,
        },
    )
    .await
    .unwrap();
    let mut v = Visitor {
        conn,
        pending: Default::default(),
        token: String::new(),
        welcome,
    };
    v.say("Bonjour ?").await;
    let (kind, text) = v
        .wait_event(|e| match e {
            VisitorEvent::Message { message } => match &message.body {
                Body::Sentence { sentence, text } => Some((*sentence, text.clone())),
                _ => None,
            },
            _ => None,
        })
        .await;
    assert_eq!(kind, SentenceKind::NoAgent);
    assert!(
        text.contains("aucun conseiller"),
        "French for a French visitor: {text}"
    );
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d11_d13_drafts_navigation_presence_and_email_reach_the_desk() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    v.say("hi").await;
    let conv = alice
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned { conversation, .. } => {
                assert!(conversation.visitor_online);
                Some(conversation.reference.clone())
            }
            _ => None,
        })
        .await;

    // D11: the draft arrives live, ephemeral (no seq).
    v.conn
        .send(&VisitorClientFrame::Draft {
            text: "I would like to ret".into(),
        })
        .await
        .unwrap();
    let draft = loop {
        match alice.conn.recv().await.unwrap() {
            AgentServerFrame::VisitorDraft { conversation, text } => break (conversation, text),
            _ => continue,
        }
    };
    assert_eq!(draft, (conv.clone(), "I would like to ret".to_owned()));

    // D13: a page visited is on the card and in the thread.
    v.request(VisitorClientFrame::Navigate {
        client_id: cid(),
        page: Page {
            url: "https://shop.test/returns".into(),
            title: Some("Returns".into()),
        },
    })
    .await;
    let card = alice
        .wait_event(|e| match e {
            AgentEvent::VisitorUpdated { visitor, .. } => Some(visitor.clone()),
            _ => None,
        })
        .await;
    assert_eq!(card.page_url.as_deref(), Some("https://shop.test/returns"));
    alice
        .wait_event(|e| match e {
            AgentEvent::Message { message } => {
                matches!(&message.body, Body::Event { event: ThreadEvent::Navigated { title: Some(t), .. } } if t == "Returns").then_some(())
            }
            _ => None,
        })
        .await;

    // R8: the e-mail left is on the card.
    v.request(VisitorClientFrame::SetProfile {
        client_id: cid(),
        name: Some("Zoé".into()),
        email: Some("zoe@example.com".into()),
    })
    .await;
    let card = alice
        .wait_event(|e| match e {
            AgentEvent::VisitorUpdated { visitor, .. } if visitor.email.is_some() => {
                Some(visitor.clone())
            }
            _ => None,
        })
        .await;
    assert_eq!(card.email.as_deref(), Some("zoe@example.com"));
    assert_eq!(card.name.as_deref(), Some("Zoé"));

    // Presence: the visitor leaves, the dot turns red.
    v.conn.close().await;
    let online = loop {
        match alice.conn.recv().await.unwrap() {
            AgentServerFrame::VisitorPresence {
                conversation,
                online,
            } if conversation == conv => break online,
            _ => continue,
        }
    };
    assert!(!online);
    hub.stop().await.unwrap();
}

/// The visitor writes again after a close: a new conversation, or (R9 option) the same one back
/// on the previous agent's desk, also once the hub has dropped it from memory.
async fn write_after_close(reopen: bool) -> (pupitre_protocol::ConversationRef, AssignCause) {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |s| {
        s.routing.reopen_to_previous_agent = reopen
    });
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    v.say("first question").await;
    let conv = alice
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned { conversation, .. } => {
                Some(conversation.reference.clone())
            }
            _ => None,
        })
        .await;
    alice
        .request(pupitre_protocol::agent::AgentClientFrame::Close {
            client_id: cid(),
            conversation: conv.clone(),
            conversation_type: None,
        })
        .await;
    v.wait_event(|e| matches!(e, VisitorEvent::ConversationClosed { .. }).then_some(()))
        .await;
    let project = hub.hub.project_by_code(PROJECT).unwrap();
    let n = conv.parse().unwrap().1;
    assert_eq!(
        project.inspect(move |e| e.conversation(n).is_none()).await,
        Some(true),
        "closed ones leave memory"
    );
    v.say("one more thing").await;
    let again = alice
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned {
                conversation,
                cause,
            } => Some((conversation.reference.clone(), cause.clone())),
            _ => None,
        })
        .await;
    hub.stop().await.unwrap();
    again
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r9_a_message_after_close_starts_a_new_conversation() {
    let (conv, cause) = write_after_close(false).await;
    assert_eq!(conv, pupitre_protocol::ConversationRef::new(PROJECT, 2));
    assert_eq!(cause, AssignCause::New);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r9_option_a_message_after_close_reopens_to_the_previous_agent() {
    let (conv, cause) = write_after_close(true).await;
    assert_eq!(conv, pupitre_protocol::ConversationRef::new(PROJECT, 1));
    assert_eq!(cause, AssignCause::Reopened);
}
