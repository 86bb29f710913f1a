//! The desk against a real hub on port 0 (real WebSockets, real SQLite files on both sides):
//! login and keyring, assignment, reply, a hub restart with messages typed while it was down,
//! and the offline cache (D17–D19, R12).

use std::sync::Arc;
use std::time::Duration;

use pupitre_desk::credentials::{Credentials, NoKeyring, OsKeyring};
use pupitre_desk::{ConnectionState, Desk, DeskEvent, DeskOptions, OutboxState};
use pupitre_protocol::agent::Role;
use pupitre_protocol::visitor::{VisitorEvent, VisitorServerFrame};
use pupitre_protocol::{Author, Body, ConversationRef};
use pupitre_server::RunningHub;
use pupitre_server::admin::{self, NewAgentRequest};
use pupitre_server::client::VisitorConn;
use pupitre_server::clock::Clock;
use pupitre_server::store::SqliteStore;

mod common;

use common::*;

fn agent_texts(frames: &[VisitorServerFrame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| match f {
            VisitorServerFrame::Event {
                event: VisitorEvent::Message { message },
                ..
            } if matches!(message.author, Author::Agent { .. }) => match &message.body {
                Body::Text { text } => Some(text.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r12_d18_assignment_reply_and_messages_typed_while_the_hub_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    seed(&db);
    let hub = RunningHub::start(&db, Clock::system()).await.unwrap();
    let addr = hub.addr;
    let desk = Desk::open(DeskOptions {
        data_dir: dir.path().join("desk"),
        credentials: Arc::new(NoKeyring),
    })
    .unwrap();
    let mut events = desk.subscribe();
    desk.login(&hub.http_url(), "alice@test", PASSWORD, false)
        .await
        .unwrap();
    online(&mut events).await;
    desk.act(pupitre_protocol::agent::AgentClientFrame::SetStatus {
        client_id: uuid::Uuid::now_v7(),
        channel: pupitre_protocol::Channel::Chat,
        status: pupitre_protocol::ChosenStatus::Available,
    })
    .await
    .unwrap();
    let canned = desk.canned_responses().await.unwrap();
    assert_eq!(canned[0]["shortcut"], "/hello");

    // Assignment reaches the desk; the reply reaches the visitor.
    let (mut visitor, welcome) = VisitorConn::connect(&hub.ws_url(), "TEST", None, None)
        .await
        .unwrap();
    let VisitorServerFrame::Welcome { token, .. } = welcome else {
        panic!()
    };
    visitor_say(&mut visitor, "Where is my order 4521?").await;
    let conv: ConversationRef = wait_for(&mut events, |e| match e {
        DeskEvent::ConversationAdded { conversation, .. } => Some(conversation.reference.clone()),
        _ => None,
    })
    .await;
    assert_eq!(desk.snapshot().conversations.len(), 1);
    let id = desk
        .send_message(conv.clone(), "It ships today.".into())
        .await
        .unwrap();
    wait_for(&mut events, |e| (delivered(e) == Some(id)).then_some(())).await;
    let mut seen = vec![];
    while let Ok(Some(f)) = visitor.recv_timeout(Duration::from_millis(500)).await {
        seen.push(f);
    }
    assert_eq!(agent_texts(&seen), ["It ships today."]);
    let visitor_seq = visitor.last_seq;
    visitor.close().await;

    // D15: the week's figures, read online, are kept for reading offline.
    let week = pupitre_desk::door::StatsQuery {
        from: "2026-11-30".into(),
        days: 7,
        group: None,
    };
    let read_online = desk.stats_range(&week).await.unwrap();
    assert!(!read_online.offline);
    assert_eq!(read_online.range.days.len(), 7);

    // The hub goes down. The agent keeps typing: the messages wait in the outbox, pending.
    hub.stop().await.unwrap();
    wait_for(&mut events, |e| {
        matches!(
            e,
            DeskEvent::Connection {
                connection: ConnectionState::Offline { .. }
            }
        )
        .then_some(())
    })
    .await;
    let a = desk
        .send_message(conv.clone(), "Sorry, one more detail:".into())
        .await
        .unwrap();
    let b = desk
        .send_message(conv.clone(), "the tracking number is 42.".into())
        .await
        .unwrap();
    let pending: Vec<_> = desk
        .snapshot()
        .outbox
        .iter()
        .map(|i| (i.local_id, i.state, i.text.clone()))
        .collect();
    assert_eq!(
        pending,
        [
            (
                a,
                OutboxState::Pending,
                "Sorry, one more detail:".to_owned()
            ),
            (
                b,
                OutboxState::Pending,
                "the tracking number is 42.".to_owned()
            )
        ],
        "pending, in order"
    );
    assert!(
        desk.act(pupitre_protocol::agent::AgentClientFrame::SetSlotLimit {
            client_id: uuid::Uuid::now_v7(),
            limit: 2
        })
        .await
        .is_err(),
        "actions need the hub"
    );

    // D15: the same figures offline, said to be the copy; others cannot be made up.
    let copy = desk.stats_range(&week).await.unwrap();
    assert!(copy.offline);
    assert_eq!(copy.range, read_online.range);
    let other = desk
        .stats_range(&pupitre_desk::door::StatsQuery {
            from: "2026-11-23".into(),
            ..week.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(other.code, pupitre_desk::DeskErrorCode::Offline);
    assert_eq!(
        desk.closed_conversations(&Default::default())
            .await
            .unwrap_err()
            .code,
        pupitre_desk::DeskErrorCode::Offline
    );

    // D18: history readable and searchable with the hub down.
    let hits = desk.search("order 45").unwrap();
    assert!(hits.iter().any(|h| h.conversation == conv), "{hits:?}");
    let thread = desk.thread(&conv, None, 50).unwrap();
    assert!(
        thread
            .iter()
            .any(|m| matches!(&m.body, Body::Text { text } if text == "It ships today."))
    );
    assert_eq!(
        desk.canned_responses().await.unwrap()[0]["shortcut"],
        "/hello",
        "canned responses from the cache"
    );

    // The hub comes back on the same address; a visitor message arrives before the desk is back.
    let hub = RunningHub::start_at(&db, Clock::system(), addr)
        .await
        .unwrap();
    let (mut visitor, _) = VisitorConn::connect(&hub.ws_url(), "TEST", Some(token), visitor_seq)
        .await
        .unwrap();
    visitor_say(&mut visitor, "Hello? Still there?").await;
    desk.reconnect_now();
    online(&mut events).await;
    let mut sent = vec![];
    let mut visitor_msgs = vec![];
    let deadline = tokio::time::Instant::now() + WAIT;
    while (sent.len() < 2 || visitor_msgs.is_empty()) && tokio::time::Instant::now() < deadline {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(DeskEvent::MessageAdded { message })) if message.author == Author::Visitor => {
                visitor_msgs.push(message)
            }
            Ok(Ok(e)) => {
                if let Some(id) = delivered(&e)
                    && !sent.contains(&id)
                {
                    sent.push(id)
                }
            }
            _ => {}
        }
    }
    assert_eq!(sent, [a, b], "each queued message sent once, in order");
    assert_eq!(
        visitor_msgs.len(),
        1,
        "the message missed while away arrives once"
    );
    let mut seen = vec![];
    while let Ok(Some(f)) = visitor.recv_timeout(Duration::from_millis(700)).await {
        seen.push(f);
    }
    assert_eq!(
        agent_texts(&seen),
        ["Sorry, one more detail:", "the tracking number is 42."],
        "once each, in order"
    );
    let on_desk = desk.snapshot().conversations;
    let ids: Vec<i64> = on_desk[0].messages.iter().map(|m| m.id).collect();
    let mut dedup = ids.clone();
    dedup.dedup();
    assert_eq!(ids, dedup, "no duplicate on the desk");
    assert!(desk.snapshot().outbox.is_empty());

    // D8: pausing the conversation moves it to the snoozed list.
    let until = pupitre_server::clock::now_ms() + 3_600_000;
    desk.act(pupitre_protocol::agent::AgentClientFrame::Snooze {
        client_id: uuid::Uuid::now_v7(),
        conversation: conv.clone(),
        until,
        keep: true,
    })
    .await
    .unwrap();
    let items = wait_for(&mut events, |e| match e {
        // The list fetched at reconnect may come first; wait for the one with this pause.
        DeskEvent::Snoozed { items } if items.iter().any(|i| i.reference == conv) => {
            Some(items.clone())
        }
        _ => None,
    })
    .await;
    assert_eq!(items.len(), 1);
    assert_eq!((items[0].until, items[0].keep), (until, true));
    assert_eq!(
        items[0].last_visitor_text.as_deref(),
        Some("Hello? Still there?")
    );
    assert!(desk.snapshot().conversations.is_empty());
    // The UI's JSON: each change has its `kind`.
    let json = serde_json::to_value(DeskEvent::Snoozed { items }).unwrap();
    assert_eq!(json["kind"], "snoozed");
    desk.logout().await;
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d19_without_a_keyring_remember_me_warns_and_the_desk_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    seed(&db);
    let hub = RunningHub::start(&db, Clock::system()).await.unwrap();
    let desk = Desk::open(DeskOptions {
        data_dir: dir.path().join("desk"),
        credentials: Arc::new(NoKeyring),
    })
    .unwrap();
    let mut events = desk.subscribe();
    desk.login(&hub.http_url(), "alice@test", PASSWORD, true)
        .await
        .unwrap();
    online(&mut events).await;
    assert!(desk.snapshot().keyring_warning.is_some());
    // Next launch: nothing to restore, the login form shows.
    let again = Desk::open(DeskOptions {
        data_dir: dir.path().join("desk"),
        credentials: Arc::new(NoKeyring),
    })
    .unwrap();
    assert!(!again.restore_session().await.unwrap());
    // Bad password and unreachable hub are told apart.
    let e = again
        .login(&hub.http_url(), "alice@test", "wrong", false)
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "unauthorized");
    let e = again
        .login("http://127.0.0.1:9", "alice@test", PASSWORD, false)
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "hub_unreachable");
    desk.logout().await;
    hub.stop().await.unwrap();
}

/// Runs `inner` in a private D-Bus session with an unlocked gnome-keyring (the real Secret
/// Service), in a throwaway HOME.
#[test]
fn d19_login_and_keyring_round_trip() {
    let home = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let status = std::process::Command::new("dbus-run-session")
        .arg("--")
        .arg("sh")
        .arg("-c")
        .arg(r#"printf 'test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$0" --exact keyring_inner --ignored --nocapture"#)
        .arg(&exe)
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_RUNTIME_DIR", home.path())
        .env("PUPITRE_KEYRING_TEST", "1")
        .status()
        .expect("dbus-run-session and gnome-keyring-daemon are installed (make deps)");
    assert!(status.success(), "the keyring round trip failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by d19_login_and_keyring_round_trip inside a private D-Bus session"]
async fn keyring_inner() {
    assert!(
        std::env::var_os("PUPITRE_KEYRING_TEST").is_some(),
        "run through d19_login_and_keyring_round_trip"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    seed(&db);
    let hub = RunningHub::start(&db, Clock::system()).await.unwrap();
    let options = || DeskOptions {
        data_dir: dir.path().join("desk"),
        credentials: Arc::new(OsKeyring),
    };
    let desk = Desk::open(options()).unwrap();
    let mut events = desk.subscribe();
    desk.login(&hub.http_url(), "alice@test", PASSWORD, true)
        .await
        .unwrap();
    online(&mut events).await;
    assert_eq!(
        desk.snapshot().keyring_warning,
        None,
        "the keyring took the token"
    );
    let account = format!("alice@test|{}", hub.http_url());
    let stored = OsKeyring
        .load(&account)
        .unwrap()
        .expect("the refresh token is in the keyring");
    assert!(!stored.is_empty());
    // No secret in the cache file.
    let file = std::fs::read(dir.path().join("desk").join("desk.db")).unwrap();
    assert!(
        !file.windows(stored.len()).any(|w| w == stored.as_bytes()),
        "the token leaked into the cache file"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("desk").join("desk.db"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    drop(events);
    // "Remember me": a new launch restores the session from the keyring, rotating the token.
    let relaunched = Desk::open(options()).unwrap();
    let mut events = relaunched.subscribe();
    assert!(relaunched.restore_session().await.unwrap());
    online(&mut events).await;
    let rotated = OsKeyring.load(&account).unwrap().unwrap();
    assert_ne!(rotated, stored, "the refresh token rotated");
    // Logout erases it.
    relaunched.logout().await;
    assert_eq!(OsKeyring.load(&account).unwrap(), None);
    let third = Desk::open(options()).unwrap();
    assert!(!third.restore_session().await.unwrap());
    desk.logout().await;
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d12_d14_d15_files_offers_history_figures_and_the_cached_thread_in_pages() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    seed(&db);
    let hub = RunningHub::start(&db, Clock::system()).await.unwrap();
    let desk = Desk::open(DeskOptions {
        data_dir: dir.path().join("desk"),
        credentials: Arc::new(NoKeyring),
    })
    .unwrap();
    let mut events = desk.subscribe();
    desk.login(&hub.http_url(), "alice@test", PASSWORD, false)
        .await
        .unwrap();
    online(&mut events).await;
    desk.act(pupitre_protocol::agent::AgentClientFrame::SetStatus {
        client_id: uuid::Uuid::now_v7(),
        channel: pupitre_protocol::Channel::Chat,
        status: pupitre_protocol::ChosenStatus::Available,
    })
    .await
    .unwrap();
    let (mut visitor, welcome) = VisitorConn::connect(&hub.ws_url(), "TEST", None, None)
        .await
        .unwrap();
    let VisitorServerFrame::Welcome { visitor_id, .. } = welcome else {
        panic!()
    };
    for i in 0..30 {
        visitor_say(&mut visitor, &format!("line {i}")).await;
    }
    let conv: ConversationRef = wait_for(&mut events, |e| match e {
        DeskEvent::ConversationAdded { conversation, .. } => Some(conversation.reference.clone()),
        _ => None,
    })
    .await;
    // Every line reaches the desk's cache (some inside the view, the rest as events).
    let deadline = tokio::time::Instant::now() + WAIT;
    while !desk.thread(&conv, None, 5).unwrap().iter().any(|m| {
        m.body
            == Body::Text {
                text: "line 29".into(),
            }
    }) {
        assert!(tokio::time::Instant::now() < deadline, "line 29 never came");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The cached thread in pages, oldest first within a page, going back in time.
    let newest = desk.thread(&conv, None, 10).unwrap();
    assert_eq!(newest.len(), 10);
    assert!(newest.windows(2).all(|w| w[0].id < w[1].id));
    let older = desk.thread(&conv, Some(newest[0].id), 10).unwrap();
    assert_eq!(older.len(), 10);
    assert!(older.last().unwrap().id < newest[0].id);
    // And forward again from the oldest of them: the page that follows, without a gap.
    let forward = desk.thread_after(&conv, older[4].id, 10).unwrap();
    assert_eq!(forward.len(), 10);
    assert_eq!(forward[..5], older[5..]);
    assert_eq!(forward[5..], newest[..5]);

    // D12: an offer and a file reach the visitor; the file comes back byte for byte.
    desk.act(pupitre_protocol::agent::AgentClientFrame::SendOffer {
        client_id: uuid::Uuid::now_v7(),
        conversation: conv.clone(),
        offer: pupitre_protocol::Offer {
            title: "Lamp".into(),
            text: None,
            link: "https://shop.example/lamp".into(),
            image: None,
        },
    })
    .await
    .unwrap();
    let message = desk
        .send_file(
            &conv,
            "notice été.pdf",
            "application/pdf",
            b"%PDF-1.4".to_vec(),
        )
        .await
        .unwrap();
    let Body::File { file } = &message.body else {
        panic!("{message:?}")
    };
    assert_eq!(file.name, "notice été.pdf");
    assert_eq!(desk.file(&file.id).await.unwrap(), b"%PDF-1.4");
    // Saved under a free name, never over what is there; a hostile name stays in the folder.
    let downloads = dir.path().join("Downloads");
    let first = desk
        .save_file(&file.id, "notice été.pdf", &downloads)
        .await
        .unwrap();
    let second = desk
        .save_file(&file.id, "notice été.pdf", &downloads)
        .await
        .unwrap();
    assert_eq!(first, downloads.join("notice été.pdf"));
    assert_eq!(second, downloads.join("notice été (1).pdf"));
    assert_eq!(std::fs::read(&second).unwrap(), b"%PDF-1.4");
    let hostile = desk
        .save_file(&file.id, "../../.bashrc", &downloads)
        .await
        .unwrap();
    assert_eq!(hostile, downloads.join("_.._.bashrc"));
    let missing = desk.file("nope").await.unwrap_err();
    assert!(missing.to_string().contains("no such file"), "{missing}");
    let mut kinds = vec![];
    while let Ok(Some(VisitorServerFrame::Event {
        event: VisitorEvent::Message { message },
        ..
    })) = visitor.recv_timeout(Duration::from_millis(500)).await
    {
        kinds.push(message.body);
    }
    assert!(kinds.iter().any(|b| matches!(b, Body::Offer { .. })));
    assert!(kinds.iter().any(|b| matches!(b, Body::File { .. })));

    // D14 and D15 from the hub.
    let history = desk.visitor_history(&visitor_id).await.unwrap();
    assert_eq!(history[0]["reference"], conv.0);
    assert_eq!(history[0]["agents"], serde_json::json!(["Alice"]));
    let stats = desk.today_stats().await.unwrap();
    assert_eq!(stats["conversations"], 1);
    assert!(stats["first_response_avg_ms"].as_i64().is_some());
    // Closed, it leaves the desk; another computer's desk does not hold it: it is read from the
    // hub once, then cached (D14's read-only view).
    desk.act(pupitre_protocol::agent::AgentClientFrame::Close {
        client_id: uuid::Uuid::now_v7(),
        conversation: conv.clone(),
        conversation_type: None,
    })
    .await
    .unwrap();
    let fresh = Desk::open(DeskOptions {
        data_dir: dir.path().join("desk-2"),
        credentials: Arc::new(NoKeyring),
    })
    .unwrap();
    let mut fresh_events = fresh.subscribe();
    fresh
        .login(&hub.http_url(), "alice@test", PASSWORD, false)
        .await
        .unwrap();
    online(&mut fresh_events).await;
    let fetched = fresh.thread_or_fetch(&conv, None, 10).await.unwrap();
    assert_eq!(fetched.len(), 10);
    assert!(fresh.thread(&conv, None, 10).unwrap().len() == 10, "cached");
    fresh.logout().await;

    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a3_a10_a_tool_switched_off_leaves_the_desk_at_once_and_admins_reach_the_console() {
    use pupitre_server::store::Store as _;
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
                email: "root@test".into(),
                name: "Root".into(),
                password: PASSWORD.into(),
                role: Role::Admin,
                slot_max: None,
                groups: vec![],
            },
        )
        .unwrap();
    }
    let hub = RunningHub::start(&db, Clock::system()).await.unwrap();
    let desk = Desk::open(DeskOptions {
        data_dir: dir.path().join("desk"),
        credentials: Arc::new(NoKeyring),
    })
    .unwrap();
    let mut events = desk.subscribe();
    desk.login(&hub.http_url(), "alice@test", PASSWORD, false)
        .await
        .unwrap();
    online(&mut events).await;
    assert_eq!(desk.canned_responses().await.unwrap().len(), 1);
    let e = desk.console_url().unwrap_err();
    assert_eq!(
        e.code,
        pupitre_desk::DeskErrorCode::Hub(pupitre_protocol::ErrorCode::Forbidden),
        "an agent has no console"
    );

    // The operator switches canned responses off on the hub's machine: the desk hears it.
    {
        let mut store = SqliteStore::open(&db).unwrap();
        let project = store.project_by_code("TEST").unwrap().unwrap().id;
        admin::Audited::new(
            &mut store,
            project,
            pupitre_server::audit::Actor::operator(),
        )
        .set_setting_path("desk.canned_responses", "false")
        .unwrap();
    }
    wait_for(&mut events, |e| match e {
        DeskEvent::ProfileChanged { profile } if !profile.options.canned_responses => Some(()),
        _ => None,
    })
    .await;
    assert!(
        desk.canned_responses().await.unwrap().is_empty(),
        "none, and none kept for offline use"
    );

    let admin_desk = Desk::open(DeskOptions {
        data_dir: dir.path().join("admin-desk"),
        credentials: Arc::new(NoKeyring),
    })
    .unwrap();
    let mut admin_events = admin_desk.subscribe();
    admin_desk
        .login(&hub.http_url(), "root@test", PASSWORD, false)
        .await
        .unwrap();
    online(&mut admin_events).await;
    assert_eq!(
        admin_desk.console_url().unwrap(),
        format!("{}/admin/", hub.http_url())
    );
}
