//! D16 against a real hub: the knowledge tab (the hub's search, the cache's offline), the
//! assistant (BM25 over articles, canned responses and the agent's past conversations, with
//! the source of each answer, online and offline), agents online, a conversation e-mailed to
//! oneself, and each refused once the admin switches it off (A3).

mod common;

use std::sync::Arc;

use common::*;
use pupitre_desk::credentials::NoKeyring;
use pupitre_desk::door::{AssistantSource, KnowledgeQuery};
use pupitre_desk::{Desk, DeskErrorCode, DeskEvent, DeskOptions};
use pupitre_protocol::agent::AgentClientFrame;
use pupitre_protocol::visitor::VisitorServerFrame;
use pupitre_protocol::{Body, Channel, ChosenStatus, ConversationRef, ErrorCode};
use pupitre_server::RunningHub;
use pupitre_server::admin;
use pupitre_server::client::VisitorConn;
use pupitre_server::clock::Clock;
use pupitre_server::store::{SqliteStore, Store as _};

fn articles(db: &std::path::Path) {
    let mut store = SqliteStore::open(db).unwrap();
    let project = store.project_by_code("TEST").unwrap().unwrap().id;
    for (title, body, tags) in [
        (
            "Delivery times",
            "Parcels leave our warehouse within 48 hours, and arrive in 2 to 4 days.",
            vec!["shipping"],
        ),
        (
            "Returns",
            "You have thirty days to send an item back; the return label is free.",
            vec!["refund"],
        ),
        (
            "Gift cards",
            "Gift cards are valid for one year and can be used online.",
            vec![],
        ),
    ] {
        store
            .put_article(
                project,
                &admin::knowledge::Article {
                    id: 0,
                    title: title.into(),
                    body: body.into(),
                    tags: tags.into_iter().map(String::from).collect(),
                    language: "en".into(),
                    updated_at: 1,
                },
            )
            .unwrap();
    }
    admin::create_canned(
        &mut store,
        project,
        None,
        admin::NewCannedRequest {
            group: None,
            theme: "Orders".into(),
            title: "Tracking".into(),
            body: "Your tracking number is in the confirmation e-mail.".into(),
            shortcut: Some("/track".into()),
            language: "en".into(),
        },
    )
    .unwrap();
}

async fn logged_in(
    hub: &RunningHub,
    dir: &std::path::Path,
) -> (Desk, tokio::sync::broadcast::Receiver<DeskEvent>) {
    let desk = Desk::open(DeskOptions {
        data_dir: dir.join("desk"),
        credentials: Arc::new(NoKeyring),
    })
    .unwrap();
    let mut events = desk.subscribe();
    desk.login(&hub.http_url(), "alice@test", PASSWORD, false)
        .await
        .unwrap();
    online(&mut events).await;
    desk.act(AgentClientFrame::SetStatus {
        client_id: uuid::Uuid::now_v7(),
        channel: Channel::Chat,
        status: ChosenStatus::Available,
    })
    .await
    .unwrap();
    (desk, events)
}

/// A visitor asks; Alice answers; both are in the desk's cache.
async fn past_conversation(
    hub: &RunningHub,
    desk: &Desk,
    events: &mut tokio::sync::broadcast::Receiver<DeskEvent>,
    question: &str,
    reply: &str,
) -> (ConversationRef, VisitorConn) {
    let (mut visitor, welcome) = VisitorConn::connect(&hub.ws_url(), "TEST", None, None)
        .await
        .unwrap();
    assert!(matches!(welcome, VisitorServerFrame::Welcome { .. }));
    visitor_say(&mut visitor, question).await;
    let conversation: ConversationRef = wait_for(events, |e| match e {
        DeskEvent::ConversationAdded { conversation, .. } => Some(conversation.reference.clone()),
        _ => None,
    })
    .await;
    desk.send_message(conversation.clone(), reply.into())
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while !desk
        .thread(&conversation, None, 10)
        .unwrap()
        .iter()
        .any(|m| m.body == Body::Text { text: reply.into() })
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the reply never reached the cache"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    (conversation, visitor)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d16_knowledge_and_assistant_answer_with_their_sources_online_and_offline() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    seed(&db);
    articles(&db);
    let hub = RunningHub::start(&db, Clock::system()).await.unwrap();
    let (desk, mut events) = logged_in(&hub, dir.path()).await;
    let (conversation, _visitor) = past_conversation(
        &hub,
        &desk,
        &mut events,
        "My lamp arrived broken, what now?",
        "Send us a photo of the broken lamp and we ship a new one today.",
    )
    .await;

    // The knowledge tab: the newest articles, then a search in the hub.
    let all = desk
        .knowledge_search(&KnowledgeQuery::default())
        .await
        .unwrap();
    assert_eq!((all.articles.len(), all.offline), (3, false));
    let found = desk
        .knowledge_search(&KnowledgeQuery {
            text: "warehouse".into(),
            language: None,
        })
        .await
        .unwrap();
    let titles: Vec<&str> = found.articles.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, vec!["Delivery times"]);

    // The assistant: an article first for a question in plain words…
    let reply = desk
        .assistant_ask("How long before my parcels leave the warehouse?")
        .await
        .unwrap();
    let first = reply.answers.first().expect("an answer");
    assert_eq!(first.title, "Delivery times", "{reply:?}");
    assert!(matches!(first.source, AssistantSource::Article { .. }));
    // …a canned response…
    let reply = desk
        .assistant_ask("where is the tracking number")
        .await
        .unwrap();
    assert!(
        reply.answers.iter().any(|a| matches!(&a.source,
            AssistantSource::Canned { shortcut, .. } if shortcut == "track")),
        "{reply:?}"
    );
    // …and what Alice answered before, with the visitor's question and the conversation.
    let reply = desk.assistant_ask("the lamp is broken").await.unwrap();
    let past = reply
        .answers
        .iter()
        .find(|a| matches!(a.source, AssistantSource::Conversation { .. }))
        .unwrap_or_else(|| panic!("a past conversation: {reply:?}"));
    assert_eq!(
        past.text,
        "Send us a photo of the broken lamp and we ship a new one today."
    );
    assert_eq!(past.title, "My lamp arrived broken, what now?");
    assert!(
        matches!(&past.source, AssistantSource::Conversation { reference, .. } if *reference == conversation)
    );
    // Nothing meaningful asked, nothing found: no answers, no error.
    assert!(
        desk.assistant_ask("what is the")
            .await
            .unwrap()
            .answers
            .is_empty()
    );
    assert!(
        desk.assistant_ask("zzzqqq xylophone")
            .await
            .unwrap()
            .answers
            .is_empty()
    );
    // FTS5 syntax in a question is words, not syntax.
    desk.assistant_ask("\"returns\" OR NEAR(a b) -* ^col:x")
        .await
        .unwrap();
    let e = desk.assistant_ask("   ").await.unwrap_err();
    assert_eq!(e.code, DeskErrorCode::Hub(ErrorCode::InvalidInput));

    // The hub goes away: the knowledge tab and the assistant read the cache.
    hub.stop().await.unwrap();
    let offline = desk
        .knowledge_search(&KnowledgeQuery {
            text: "thirty da".into(),
            language: Some("en".into()),
        })
        .await
        .unwrap();
    assert!(offline.offline);
    assert_eq!(offline.articles.len(), 1);
    assert_eq!(offline.articles[0].title, "Returns");
    let reply = desk
        .assistant_ask("can I send the item back for a refund?")
        .await
        .unwrap();
    assert_eq!(
        reply.answers.first().map(|a| a.title.as_str()),
        Some("Returns"),
        "{reply:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d16_a3_agents_online_and_the_transcript_then_switched_off() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let mail = dir.path().join("mail");
    seed(&db);
    articles(&db);
    let hub = RunningHub::start_with(
        &db,
        Clock::system(),
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        pupitre_server::HubOptions {
            mail: Some(pupitre_server::mail::MailSettings {
                target: pupitre_server::mail::MailTarget::Dir(mail.clone()),
                from: "Test shop <shop@test.example>".into(),
                public_url: "http://hub.test.example".into(),
            }),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (desk, mut events) = logged_in(&hub, dir.path()).await;
    let team = desk.team_online().await.unwrap();
    assert_eq!(team.len(), 1);
    assert_eq!(team[0].name, "Alice");
    let (conversation, _visitor) = past_conversation(
        &hub,
        &desk,
        &mut events,
        "Hello there",
        "Hello, I am Alice.",
    )
    .await;
    desk.email_conversation(&conversation, "en").await.unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    let sent = loop {
        let found: Vec<String> = std::fs::read_dir(&mail)
            .map(|d| {
                d.flatten()
                    .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default();
        if let Some(m) = found.into_iter().find(|m| m.contains("Hello, I am Alice.")) {
            break m;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no transcript written"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(sent.contains("To: alice@test"), "{sent}");

    // The admin switches the four off: the desk hears it and refuses at once.
    {
        let mut store = SqliteStore::open(&db).unwrap();
        let project = store.project_by_code("TEST").unwrap().unwrap().id;
        let mut audited = admin::Audited::new(
            &mut store,
            project,
            pupitre_server::audit::Actor::operator(),
        );
        for path in [
            "desk.online_agents",
            "desk.email_to_self",
            "desk.knowledge_search",
            "desk.assistant",
        ] {
            audited.set_setting_path(path, "false").unwrap();
        }
    }
    wait_for(&mut events, |e| match e {
        DeskEvent::ProfileChanged { profile } if !profile.options.assistant => Some(()),
        _ => None,
    })
    .await;
    let forbidden = DeskErrorCode::Hub(ErrorCode::Forbidden);
    assert_eq!(desk.team_online().await.unwrap_err().code, forbidden);
    assert_eq!(
        desk.email_conversation(&conversation, "en")
            .await
            .unwrap_err()
            .code,
        forbidden
    );
    assert_eq!(
        desk.knowledge_search(&KnowledgeQuery::default())
            .await
            .unwrap_err()
            .code,
        forbidden
    );
    assert_eq!(
        desk.assistant_ask("returns").await.unwrap_err().code,
        forbidden
    );
    hub.stop().await.unwrap();
}
