//! The HTTP side: login, refresh rotation, logout, the admin API (A1–A8) applied live, health
//! and metrics.

mod common;

use common::*;
use pupitre_protocol::agent::{AgentEvent, Role};
use pupitre_server::admin::{self, NewAgentRequest};
use pupitre_server::store::{SqliteStore, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_refresh_logout_and_admin_api() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    {
        let mut store = SqliteStore::open(&setup.db).unwrap();
        let p = store.project_by_code(PROJECT).unwrap().unwrap().id;
        let req = NewAgentRequest {
            email: "root@test".into(),
            name: "Root".into(),
            password: PASSWORD.into(),
            role: Role::Admin,
            slot_max: None,
            groups: vec![],
        };
        admin::create_agent(&mut store, p, req).unwrap();
        let manager = NewAgentRequest {
            email: "mia@test".into(),
            name: "Mia".into(),
            password: PASSWORD.into(),
            role: Role::Manager,
            slot_max: None,
            groups: vec!["Sales".into()],
        };
        admin::create_agent(&mut store, p, manager).unwrap();
    }
    let hub = start(&setup, false).await;
    let base = hub.http_url();
    let http = reqwest::Client::new();

    // Refresh tokens rotate: the old one dies, the new one works; logout ends the session.
    let s1 = pupitre_server::client::login(&base, "alice@test", PASSWORD)
        .await
        .unwrap();
    let s2 = pupitre_server::client::refresh(&base, &s1.refresh_token)
        .await
        .unwrap();
    assert!(
        pupitre_server::client::refresh(&base, &s1.refresh_token)
            .await
            .is_err(),
        "a used refresh token is dead"
    );
    let me: serde_json::Value = http
        .get(format!("{base}/api/me"))
        .bearer_auth(&s2.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "alice@test");
    assert_eq!(me["project"], PROJECT);
    let r = http
        .post(format!("{base}/api/logout"))
        .json(&serde_json::json!({"refresh_token": s2.refresh_token}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(
        pupitre_server::client::refresh(&base, &s2.refresh_token)
            .await
            .is_err(),
        "logged out"
    );

    // Admin API: a new group and agent, applied live: the new agent can work at once.
    let root = pupitre_server::client::login(&base, "root@test", PASSWORD)
        .await
        .unwrap();
    let r = http
        .post(format!("{base}/api/admin/projects/{PROJECT}/groups"))
        .bearer_auth(&root.access_token)
        .json(&serde_json::json!({"name": "VIP"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = http
        .post(format!("{base}/api/admin/projects/{PROJECT}/groups"))
        .bearer_auth(&root.access_token)
        .json(&serde_json::json!({"name": "VIP"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "names are unique");
    let r = http
        .post(format!("{base}/api/admin/projects/{PROJECT}/agents"))
        .bearer_auth(&root.access_token)
        .json(&serde_json::json!({"email": "dan@test", "name": "Dan", "password": PASSWORD, "groups": ["Sales"], "slot_max": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = http
        .post(format!("{base}/api/admin/projects/{PROJECT}/agents"))
        .bearer_auth(&root.access_token)
        .json(&serde_json::json!({"email": "eve@test", "name": "Eve", "password": "short", "groups": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "invalid_input"
    );
    let mut dan = agent(&hub, "dan@test").await;
    dan.available().await;
    let mut v = visitor(&hub).await;
    v.say("hello").await;
    dan.wait_event(|e| matches!(e, AgentEvent::ConversationAssigned { .. }).then_some(()))
        .await;

    // Settings: read, change, refused when invalid.
    let mut settings: serde_json::Value = http
        .get(format!("{base}/api/admin/projects/{PROJECT}/settings"))
        .bearer_auth(&root.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    settings["routing"]["queue_per_agent"] = 9.into();
    let r = http
        .put(format!("{base}/api/admin/projects/{PROJECT}/settings"))
        .bearer_auth(&root.access_token)
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        hub.hub
            .project_by_code(PROJECT)
            .unwrap()
            .inspect(|e| e.settings().queue_per_agent)
            .await,
        Some(9)
    );
    settings["routing"]["timezone"] = "Nowhere/Land".into();
    let r = http
        .put(format!("{base}/api/admin/projects/{PROJECT}/settings"))
        .bearer_auth(&root.access_token)
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // Canned responses: the admin's and the agent's own.
    let r = http
        .post(format!("{base}/api/canned-responses"))
        .bearer_auth(&dan.token)
        .json(&serde_json::json!({"theme": "Mine", "title": "Bye", "body": "Bye!", "shortcut": "/bye"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let list: Vec<serde_json::Value> = http
        .get(format!("{base}/api/canned-responses"))
        .bearer_auth(&dan.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        list.iter()
            .any(|c| c["shortcut"] == "/bye" && c["agent_id"] == dan.id)
    );

    // Reading conversations: Dan sees his, Alice (not his group's manager, never held it) does
    // not learn it exists; the admin sees everything.
    let conv = "TEST-1";
    let mine: serde_json::Value = http
        .get(format!("{base}/api/conversations/{conv}"))
        .bearer_auth(&dan.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["messages"][0]["body"]["text"], "hello", "{mine}");
    let alice = pupitre_server::client::login(&base, "alice@test", PASSWORD)
        .await
        .unwrap();
    let r = http
        .get(format!("{base}/api/conversations/{conv}"))
        .bearer_auth(&alice.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let list: Vec<serde_json::Value> = http
        .get(format!("{base}/api/conversations"))
        .bearer_auth(&alice.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list.is_empty(), "nothing on Alice's desk: {list:?}");
    let list: Vec<serde_json::Value> = http
        .get(format!("{base}/api/conversations"))
        .bearer_auth(&root.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 1);

    // A manager sees the conversations of their groups (Mia manages Sales, where it is).
    let mia = pupitre_server::client::login(&base, "mia@test", PASSWORD)
        .await
        .unwrap();
    let r = http
        .get(format!("{base}/api/conversations/{conv}"))
        .bearer_auth(&mia.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "a manager reads their group's conversation"
    );
    let list: Vec<serde_json::Value> = http
        .get(format!("{base}/api/conversations"))
        .bearer_auth(&mia.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        list.len(),
        1,
        "a manager lists their group's live conversations"
    );

    // The transfer dialog's lists: agents with their live availability, groups.
    let agents: Vec<serde_json::Value> = http
        .get(format!("{base}/api/agents"))
        .bearer_auth(&dan.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dan_info = agents.iter().find(|a| a["id"] == dan.id).unwrap();
    assert_eq!(dan_info["availability"], "available");
    let alice_info = agents.iter().find(|a| a["name"] == "alice").unwrap();
    assert_eq!(alice_info["availability"], "offline");
    let groups: Vec<serde_json::Value> = http
        .get(format!("{base}/api/groups"))
        .bearer_auth(&dan.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(groups.len(), 3, "Sales, Support, VIP");

    // D8: the agent's snoozed conversations are listed, with when they wake.
    let until = pupitre_server::clock::now_ms() + 3_600_000;
    dan.request(pupitre_protocol::agent::AgentClientFrame::Snooze {
        client_id: cid(),
        conversation: pupitre_protocol::ConversationRef(conv.into()),
        until,
        keep: true,
    })
    .await;
    let list: Vec<serde_json::Value> = http
        .get(format!("{base}/api/conversations"))
        .bearer_auth(&dan.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let snoozed = list
        .iter()
        .find(|c| c["reference"] == conv)
        .expect("the snoozed conversation is listed");
    assert_eq!(snoozed["state"], "snoozed");
    assert_eq!(snoozed["snoozed_until"], until);
    assert_eq!(snoozed["keep"], true);

    // Health and metrics.
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let metrics = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("pupitre_messages_total"), "{metrics}");
    assert!(metrics.contains("pupitre_commit_seconds"));
    hub.stop().await.unwrap();
}
