//! M2, M3 from two real desks on a real hub: the agent asks for help, the manager's desk is
//! told (and notified, D17), accepts and watches, sees the visitor's next message, whispers
//! (the agent's desk shows it, as a note only agents see), keeps watching across a hub restart,
//! and takes the conversation over (R4: available with a free slot). An agent's desk refuses
//! the manager's tools at once.

mod common;

use common::*;
use pupitre_desk::notify::{Input, NotificationKind, Policy};
use pupitre_desk::{DeskErrorCode, DeskEvent};
use pupitre_protocol::agent::Role;
use pupitre_protocol::supervision::HelpState;
use pupitre_protocol::visitor::VisitorServerFrame;
use pupitre_protocol::{Body, ConversationRef, ErrorCode};
use pupitre_server::RunningHub;
use pupitre_server::admin::{self, NewAgentRequest};
use pupitre_server::client::VisitorConn;
use pupitre_server::clock::Clock;
use pupitre_server::store::{SqliteStore, Store as _};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m2_m3_help_asked_accepted_watched_whispered_and_taken_over_between_two_desks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    seed(&db);
    {
        let mut store = SqliteStore::open(&db).unwrap();
        let project = store.project_by_code("TEST").unwrap().unwrap().id;
        admin::create_agent(
            &mut store,
            project,
            NewAgentRequest {
                email: "mona@test".into(),
                name: "Mona".into(),
                password: PASSWORD.into(),
                role: Role::Manager,
                slot_max: Some(3),
                groups: vec!["Sales".into()],
            },
        )
        .unwrap();
    }
    let hub = RunningHub::start(&db, Clock::system()).await.unwrap();
    let (alice, mut alice_events) = desk_logged_in(&hub, dir.path(), "alice@test").await;
    let (mona, mut mona_events) = desk_logged_in(&hub, dir.path(), "mona@test").await;
    available(&alice).await;

    // The agent's desk refuses the manager's tools before asking the hub.
    let e = alice.board().await.unwrap_err();
    assert_eq!(e.code, DeskErrorCode::Hub(ErrorCode::Forbidden));

    let (mut visitor, welcome) = VisitorConn::connect(&hub.ws_url(), "TEST", None, None)
        .await
        .unwrap();
    let VisitorServerFrame::Welcome { token, .. } = welcome else {
        panic!("no welcome: {welcome:?}")
    };
    visitor_say(&mut visitor, "Can I pay in three instalments?").await;
    let conversation: ConversationRef = wait_for(&mut alice_events, |e| match e {
        DeskEvent::ConversationAdded { conversation, .. } => Some(conversation.reference.clone()),
        _ => None,
    })
    .await;

    alice
        .ask_help(
            conversation.clone(),
            Some("Is this allowed over 500 €?".into()),
        )
        .await
        .unwrap();
    let asked = wait_for(&mut mona_events, |e| match e {
        DeskEvent::Help {
            request,
            asked_of_me: true,
        } => Some(request.clone()),
        _ => None,
    })
    .await;
    assert_eq!(asked.conversation, conversation);
    assert_eq!(asked.agent_name, "Alice");
    // D17: the manager's notification policy turns it into a notification at once.
    let mut policy = Policy::new(Default::default());
    for input in Input::from_desk_event(&DeskEvent::Help {
        request: asked.clone(),
        asked_of_me: true,
    }) {
        policy.handle(1_000, input);
    }
    let n = policy.poll_notification().expect("a help notification");
    assert_eq!(n.kind, NotificationKind::HelpRequested);
    assert_eq!(n.from.as_deref(), Some("Alice"));
    assert_eq!(n.comment.as_deref(), Some("Is this allowed over 500 €?"));
    assert_eq!(mona.snapshot().help.len(), 1);

    // The board lists it, with Alice and her conversation.
    let board = mona.board().await.unwrap();
    assert_eq!(board.help.len(), 1);
    assert!(
        board
            .conversations
            .iter()
            .any(|c| c.reference == conversation)
    );

    mona.answer_help(asked.id, true).await.unwrap();
    let watched = wait_for(&mut mona_events, |e| match e {
        DeskEvent::Watching { conversation } => Some(conversation.clone()),
        _ => None,
    })
    .await;
    assert_eq!(watched.reference, conversation);
    wait_for(&mut alice_events, |e| match e {
        DeskEvent::Help { request, .. } => {
            matches!(request.state, HelpState::Accepted { .. }).then_some(())
        }
        _ => None,
    })
    .await;

    visitor_say(&mut visitor, "Hello? Still there?").await;
    wait_for(&mut mona_events, |e| match e {
        DeskEvent::Watched { message } => (message.body
            == Body::Text {
                text: "Hello? Still there?".into(),
            })
        .then_some(()),
        _ => None,
    })
    .await;

    mona.whisper(conversation.clone(), "Yes, up to 1500 €".into())
        .await
        .unwrap();
    wait_for(&mut alice_events, |e| match e {
        DeskEvent::MessageAdded { message } => (message.body
            == Body::Whisper {
                text: "Yes, up to 1500 €".into(),
            })
        .then_some(()),
        _ => None,
    })
    .await;
    // The whisper does not answer the visitor: Alice's box still waits for her reply (D7).
    let mine = alice.snapshot();
    let box_ = mine
        .conversations
        .iter()
        .find(|c| c.reference == conversation)
        .unwrap();
    assert!(box_.waiting_since.is_some());

    // The hub restarts: the manager's desk asks to watch again, and the visitor's next
    // message reaches it.
    let addr = hub.addr;
    drop(visitor);
    hub.stop().await.unwrap();
    let hub = RunningHub::start_at(&db, Clock::system(), addr)
        .await
        .unwrap();
    mona.reconnect_now();
    alice.reconnect_now();
    online(&mut mona_events).await;
    online(&mut alice_events).await;
    let (mut visitor, _) = VisitorConn::connect(&hub.ws_url(), "TEST", Some(token), None)
        .await
        .unwrap();
    visitor_say(&mut visitor, "After the restart").await;
    wait_for(&mut mona_events, |e| match e {
        DeskEvent::Watched { message } => (message.body
            == Body::Text {
                text: "After the restart".into(),
            })
        .then_some(()),
        _ => None,
    })
    .await;

    // Joining needs a free slot while available (R4); then she writes to the visitor through
    // her outbox, and it leaves the outbox once in the watched thread.
    let e = mona.join(conversation.clone(), true).await.unwrap_err();
    assert_eq!(e.code, DeskErrorCode::Hub(ErrorCode::AgentUnavailable));
    available(&mona).await;
    mona.join(conversation.clone(), true).await.unwrap();
    wait_for(&mut mona_events, |e| match e {
        DeskEvent::Watching { conversation: c } => (!c.joined.is_empty()).then_some(()),
        _ => None,
    })
    .await;
    let sent = mona
        .send_message(
            conversation.clone(),
            "Mona here, we can split it in three.".into(),
        )
        .await
        .unwrap();
    wait_for(&mut mona_events, |e| match e {
        DeskEvent::OutboxRemoved { local_id, .. } => (*local_id == sent).then_some(()),
        _ => None,
    })
    .await;
    assert!(mona.snapshot().outbox.is_empty());
    loop {
        match tokio::time::timeout(WAIT, visitor.recv())
            .await
            .unwrap()
            .unwrap()
        {
            VisitorServerFrame::Event { event, .. }
                if serde_json::to_string(&event)
                    .unwrap()
                    .contains("we can split it in three") =>
            {
                break;
            }
            _ => {}
        }
    }

    // Taking over needs a free slot while available (R4); the join's slot is hers to reuse.
    mona.take_over(conversation.clone()).await.unwrap();
    wait_for(&mut mona_events, |e| match e {
        DeskEvent::ConversationAdded {
            conversation: c, ..
        } => (c.reference == conversation).then_some(()),
        _ => None,
    })
    .await;
    wait_for(&mut alice_events, |e| match e {
        DeskEvent::ConversationRemoved {
            conversation: c, ..
        } => (*c == conversation).then_some(()),
        _ => None,
    })
    .await;
    assert!(mona.snapshot().help.is_empty(), "the request is over");
}
