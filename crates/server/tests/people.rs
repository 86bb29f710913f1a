//! SPEC A8 over HTTP: agents invited, changed, given a new password, deactivated without
//! losing their history; groups renamed; shared canned responses edited. Each change is
//! audited and applied to the running hub at once.

mod common;

use common::*;
use pupitre_protocol::ErrorCode;
use pupitre_protocol::agent::{AgentEvent, AgentServerFrame, AssignCause, Role};
use pupitre_server::admin;
use pupitre_server::client::{AgentConn, login};
use pupitre_server::store::SqliteStore;
use pupitre_server::store::{Store as _, StoreRead as _};
use serde_json::{Value, json};

struct Root {
    base: String,
    token: String,
}

impl Root {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = reqwest::Client::new()
            .request(
                method,
                format!("{}/api/admin/projects/{PROJECT}{path}", self.base),
            )
            .bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

async fn me(hub: &pupitre_server::RunningHub, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/api/me", hub.http_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a8_an_agent_invited_changed_reset_and_deactivated_keeps_the_history_and_loses_access() {
    let setup = setup(&[("bob@test", &["Sales"], 3)], |_| {});
    add_account(&setup.db, PROJECT, "root@test", Role::Admin, &[]);
    let hub = start(&setup, false).await;
    let root = Root {
        base: hub.http_url(),
        token: login(&hub.http_url(), "root@test", PASSWORD)
            .await
            .unwrap()
            .access_token,
    };
    use reqwest::Method as M;

    // Invited: created with a first password the admin gives; she logs in.
    let (status, zoe) = root
        .call(
            M::POST,
            "/agents",
            Some(
                json!({"email": "zoe@test", "name": "Zoé <i>", "password": "first-pass-1",
                        "groups": ["Support"], "slot_max": 2}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{zoe}");
    assert_eq!(zoe["active"], true);
    let id = zoe["id"].as_i64().unwrap();
    let session = login(&hub.http_url(), "zoe@test", "first-pass-1")
        .await
        .unwrap();
    let (mut conn, _) = AgentConn::connect(&hub.ws_url(), &session.access_token, None)
        .await
        .unwrap();

    // Changed: into Sales too, a higher maximum; her connected desk hears it.
    let (status, changed) = root
        .call(
            M::PATCH,
            &format!("/agents/{id}"),
            Some(json!({"groups": ["Support", "Sales"], "slot_max": 4})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let profile = loop {
        match tokio::time::timeout(WAIT, conn.recv())
            .await
            .unwrap()
            .unwrap()
        {
            AgentServerFrame::Profile { agent } => break agent,
            _ => continue,
        }
    };
    assert_eq!(profile.slot_max, 4);
    assert_eq!(profile.groups.len(), 2);
    assert_eq!(profile.name, "Zoé <i>");
    // Unknown fields and bad values are refused, naming what is wrong.
    let (status, body) = root
        .call(
            M::PATCH,
            &format!("/agents/{id}"),
            Some(json!({"slot_max": 0})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_input")),
        "{body}"
    );
    assert!(
        body["fields"]["slot_max"].is_string(),
        "named by its field: {body}"
    );
    let (status, _) = root
        .call(
            M::PATCH,
            &format!("/agents/{id}"),
            Some(json!({"password": "x"})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = root.call(M::PATCH, "/agents/999999", Some(json!({}))).await;
    assert_eq!(status, 404);

    // A new password: the old one and the old sessions end.
    let (status, _) = root
        .call(
            M::PUT,
            &format!("/agents/{id}/password"),
            Some(json!({"password": "short"})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = root
        .call(
            M::PUT,
            &format!("/agents/{id}/password"),
            Some(json!({"password": "second-pass-2"})),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        login(&hub.http_url(), "zoe@test", "first-pass-1")
            .await
            .is_err()
    );
    assert!(
        pupitre_server::client::refresh(&hub.http_url(), &session.refresh_token)
            .await
            .is_err(),
        "her old refresh token died with the old password"
    );
    assert_eq!(
        me(&hub, &session.access_token).await,
        401,
        "and her access token with it"
    );
    let told = loop {
        match tokio::time::timeout(WAIT, conn.recv()).await.unwrap() {
            Ok(AgentServerFrame::Error(e)) => break e,
            Ok(_) => continue,
            Err(e) => panic!("closed before being told: {e}"),
        }
    };
    assert_eq!(
        told.code,
        ErrorCode::Unauthorized,
        "her open desk is told, then closed"
    );
    assert!(
        matches!(
            AgentConn::connect(&hub.ws_url(), &session.access_token, None).await,
            Err(_) | Ok((_, AgentServerFrame::Error(_)))
        ),
        "the old token opens no desk"
    );
    let session = login(&hub.http_url(), "zoe@test", "second-pass-2")
        .await
        .unwrap();
    drop(conn);

    // She takes a conversation; Bob is there too.
    let mut zoe = agent_with_password(&hub, "zoe@test", "second-pass-2").await;
    zoe.available().await;
    let mut v = visitor(&hub).await;
    v.say("bonjour").await;
    let reference = zoe
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned { conversation, .. } => {
                Some(conversation.reference.clone())
            }
            _ => None,
        })
        .await;
    let mut bob = agent(&hub, "bob@test").await;
    bob.available().await;

    // Deactivated: her desk is told and closed, the conversation goes to Bob, she can no
    // longer sign in, her tokens stop working, her messages stay.
    let (status, off) = root
        .call(
            M::PATCH,
            &format!("/agents/{id}"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, 200, "{off}");
    assert_eq!(off["active"], false);
    let refused = loop {
        match tokio::time::timeout(WAIT, zoe.conn.recv()).await.unwrap() {
            Ok(AgentServerFrame::Error(e)) => break e,
            Ok(_) => continue,
            Err(e) => panic!("closed before being told: {e}"),
        }
    };
    assert_eq!(refused.code, ErrorCode::Unauthorized);
    assert!(
        tokio::time::timeout(WAIT, async {
            loop {
                if zoe.conn.recv().await.is_err() {
                    return;
                }
            }
        })
        .await
        .is_ok(),
        "the hub closes her connection"
    );
    let cause = bob
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned {
                conversation,
                cause,
            } if conversation.reference == reference => Some(cause.clone()),
            _ => None,
        })
        .await;
    assert!(
        matches!(cause, AssignCause::Transfer { from: Some(f), .. } if f == id),
        "{cause:?}"
    );
    let e = login(&hub.http_url(), "zoe@test", "second-pass-2")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("deactivated"), "{e}");
    assert_eq!(me(&hub, &session.access_token).await, 401);
    assert!(
        AgentConn::connect(&hub.ws_url(), &session.access_token, None)
            .await
            .is_err()
            || matches!(
                AgentConn::connect(&hub.ws_url(), &session.access_token, None).await,
                Ok((_, AgentServerFrame::Error(_)))
            ),
        "no new desk either"
    );
    let (_, agents) = root.call(M::GET, "/agents", None).await;
    assert!(
        agents
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id && a["active"] == false)
    );
    {
        let mut store = SqliteStore::open(&setup.db).unwrap();
        let p = store.project_by_code(PROJECT).unwrap().unwrap().id;
        let n: i64 = reference.0.rsplit('-').next().unwrap().parse().unwrap();
        let thread = store.messages(p, n).unwrap();
        assert!(!thread.is_empty(), "her conversation's history stays");
    }

    // Active again: she signs in.
    let (status, _) = root
        .call(
            M::PATCH,
            &format!("/agents/{id}"),
            Some(json!({"active": true})),
        )
        .await;
    assert_eq!(status, 200);
    login(&hub.http_url(), "zoe@test", "second-pass-2")
        .await
        .unwrap();

    // The log: every step, never a password.
    let (_, log) = root.call(M::GET, "/audit?limit=200", None).await;
    let entries = log["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "agent.update",
            "agent.update",
            "agent.password",
            "agent.update",
            "agent.create"
        ],
        "{log:#}"
    );
    assert_eq!(
        entries[1]["changes"],
        json!([{"path": "active", "before": true, "after": false}])
    );
    let text = log.to_string();
    assert!(!text.contains("first-pass-1") && !text.contains("second-pass-2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a8_the_project_never_loses_its_last_admin_and_groups_and_canned_are_edited() {
    let setup = setup(&[("bob@test", &["Sales"], 3)], |_| {});
    {
        add_account(&setup.db, PROJECT, "root@test", Role::Admin, &[]);
        let mut store = SqliteStore::open(&setup.db).unwrap();
        let p = store.project_by_code(PROJECT).unwrap().unwrap().id;
        admin::create_canned(
            &mut store,
            p,
            None,
            admin::NewCannedRequest {
                group: None,
                theme: "Hello".into(),
                title: "Greeting".into(),
                body: "Hello!".into(),
                shortcut: None,
                language: "en".into(),
            },
        )
        .unwrap();
    }
    let hub = start(&setup, false).await;
    let session = login(&hub.http_url(), "root@test", PASSWORD).await.unwrap();
    let root = Root {
        base: hub.http_url(),
        token: session.access_token.clone(),
    };
    use reqwest::Method as M;
    let me_id = session.agent_id;
    let (status, body) = root
        .call(
            M::PATCH,
            &format!("/agents/{me_id}"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("your own"));
    let (status, _) = root
        .call(
            M::PATCH,
            &format!("/agents/{me_id}"),
            Some(json!({"role": "agent"})),
        )
        .await;
    assert_eq!(status, 400);
    // Bob made admin, then the old admin may step down (by Bob).
    let bob_id = login(&hub.http_url(), "bob@test", PASSWORD)
        .await
        .unwrap()
        .agent_id;
    let (status, _) = root
        .call(
            M::PATCH,
            &format!("/agents/{bob_id}"),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        me(
            &hub,
            &login(&hub.http_url(), "bob@test", PASSWORD)
                .await
                .unwrap()
                .access_token
        )
        .await,
        200
    );

    // The project renamed (its code stays); an agent works on a second channel.
    let (status, body) = root
        .call(M::PATCH, "", Some(json!({"name": "Boutique <Test>"})))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["code"].as_str(), body["name"].as_str()),
        (Some(PROJECT), Some("Boutique <Test>"))
    );
    let (status, body) = root
        .call(
            M::PATCH,
            &format!("/agents/{bob_id}"),
            Some(json!({"channels": []})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["fields"]["channels"].is_string(), "{body}");
    let (status, body) = root
        .call(
            M::PATCH,
            &format!("/agents/{bob_id}"),
            Some(json!({"channels": ["chat", "messaging", "chat"]})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["channels"], json!(["chat", "messaging"]));
    let bob = agent(&hub, "bob@test").await;
    let AgentServerFrame::Welcome { agent: profile, .. } = &bob.welcome else {
        panic!()
    };
    let channels: Vec<_> = profile.statuses.iter().map(|s| s.channel).collect();
    assert_eq!(
        channels,
        [
            pupitre_protocol::Channel::Chat,
            pupitre_protocol::Channel::Messaging
        ],
        "a status per channel"
    );

    // Groups: renamed, not onto another's name.
    let (_, groups) = root.call(M::GET, "/groups", None).await;
    let sales = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Sales")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, body) = root
        .call(
            M::PATCH,
            &format!("/groups/{sales}"),
            Some(json!({"name": "Support"})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("conflict")),
        "{body}"
    );
    let (status, body) = root
        .call(
            M::PATCH,
            &format!("/groups/{sales}"),
            Some(json!({"name": "Ventes"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Ventes");

    // Shared canned responses: listed, edited, removed; an agent's own one is not reachable.
    let (_, canned) = root.call(M::GET, "/canned-responses", None).await;
    let id = canned[0]["id"].as_i64().unwrap();
    let (status, body) = root
        .call(
            M::PUT,
            &format!("/canned-responses/{id}"),
            Some(json!({"theme": "Hello", "title": "Greeting", "body": "Bonjour !", "language": "fr"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let bob_token = login(&hub.http_url(), "bob@test", PASSWORD)
        .await
        .unwrap()
        .access_token;
    let own: Value = reqwest::Client::new()
        .post(format!("{}/api/canned-responses", hub.http_url()))
        .bearer_auth(&bob_token)
        .json(&json!({"theme": "Mine", "title": "Mine", "body": "mine"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (status, _) = root
        .call(M::DELETE, &format!("/canned-responses/{}", own["id"]), None)
        .await;
    assert_eq!(status, 404, "an agent's own canned response is theirs");
    // A group's canned response reaches its agents only.
    let support = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "Support")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    for (group, title) in [(support, "For Support"), (sales, "For Sales")] {
        let (status, body) = root
            .call(
                M::POST,
                "/canned-responses",
                Some(json!({"theme": "Team", "title": title, "body": "…", "group": group})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = root
        .call(
            M::POST,
            "/canned-responses",
            Some(json!({"theme": "Team", "title": "Nowhere", "body": "…", "group": 999})),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let seen: Value = reqwest::Client::new()
        .get(format!("{}/api/canned-responses", hub.http_url()))
        .bearer_auth(&bob_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let titles: Vec<&str> = seen
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"For Sales") && titles.contains(&"Mine"),
        "{titles:?}"
    );
    assert!(!titles.contains(&"For Support"), "{titles:?}");
    let (_, shared) = root.call(M::GET, "/canned-responses", None).await;
    for c in shared.as_array().unwrap() {
        if c["theme"] == "Team" {
            let (status, _) = root
                .call(M::DELETE, &format!("/canned-responses/{}", c["id"]), None)
                .await;
            assert_eq!(status, 204);
        }
    }

    let (status, _) = root
        .call(M::DELETE, &format!("/canned-responses/{id}"), None)
        .await;
    assert_eq!(status, 204);
    let (_, canned) = root.call(M::GET, "/canned-responses", None).await;
    assert_eq!(canned, json!([]));
    let (_, log) = root.call(M::GET, "/audit", None).await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "canned.delete",
            "canned.delete",
            "canned.delete",
            "canned.create",
            "canned.create",
            "canned.update",
            "group.rename",
            "agent.update",
            "project.rename",
            "agent.update"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a8_knowledge_articles_are_written_searched_and_audited() {
    let setup = setup(&[("bob@test", &["Sales"], 3)], |_| {});
    add_account(&setup.db, PROJECT, "root@test", Role::Admin, &[]);
    add_account(&setup.db, PROJECT, "mia@test", Role::Manager, &["Sales"]);
    let hub = start(&setup, false).await;
    let root = Root {
        base: hub.http_url(),
        token: login(&hub.http_url(), "root@test", PASSWORD)
            .await
            .unwrap()
            .access_token,
    };
    use reqwest::Method as M;
    let article = |title: &str, body: &str, tags: &[&str], language: &str| json!({"title": title, "body": body, "tags": tags, "language": language});
    let (status, delivery) = root
        .call(
            M::POST,
            "/knowledge",
            Some(article(
                "Délais de livraison",
                "Sous 48 h <b>ouvrées</b>; 100% suivi.",
                &["Livraison", "colis"],
                "fr",
            )),
        )
        .await;
    assert_eq!(status, 201, "{delivery}");
    assert_eq!(delivery["tags"], json!(["livraison", "colis"]));
    let (status, _) = root
        .call(
            M::POST,
            "/knowledge",
            Some(article("Returns", "Within 30 days.", &["returns"], "en")),
        )
        .await;
    assert_eq!(status, 201);
    // Refused field by field.
    let (status, body) = root
        .call(
            M::POST,
            "/knowledge",
            Some(article("", "x", &["no spaces"], "French")),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let fields = body["fields"].as_object().unwrap();
    for path in ["title", "tags.0", "language"] {
        assert!(fields.contains_key(path), "{path}: {body}");
    }

    // Searched: by words of the title, body or tags, any case; by language; % is literal.
    let titles = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, found) = root.call(M::GET, "/knowledge?q=LIVRAISON", None).await;
    assert_eq!(titles(&found), ["Délais de livraison"]);
    let (_, found) = root.call(M::GET, "/knowledge?q=30%20days", None).await;
    assert_eq!(titles(&found), ["Returns"]);
    let (_, found) = root.call(M::GET, "/knowledge?language=fr", None).await;
    assert_eq!(titles(&found), ["Délais de livraison"]);
    let (_, found) = root.call(M::GET, "/knowledge?q=100%25", None).await;
    assert_eq!(titles(&found), ["Délais de livraison"], "a % is a %");
    let (_, found) = root.call(M::GET, "/knowledge?q=%25%25", None).await;
    assert_eq!(titles(&found), Vec::<String>::new());
    let (_, all) = root.call(M::GET, "/knowledge", None).await;
    assert_eq!(
        titles(&all),
        ["Returns", "Délais de livraison"],
        "newest first"
    );

    // Edited and removed, each in the log; a manager reads but does not write.
    let id = delivery["id"].as_i64().unwrap();
    let (status, edited) = root
        .call(
            M::PUT,
            &format!("/knowledge/{id}"),
            Some(article(
                "Délais de livraison",
                "Sous 24 h.",
                &["livraison"],
                "fr",
            )),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    let mia = Root {
        base: hub.http_url(),
        token: login(&hub.http_url(), "mia@test", PASSWORD)
            .await
            .unwrap()
            .access_token,
    };
    let (status, read) = mia.call(M::GET, "/knowledge", None).await;
    assert_eq!((status, titles(&read).len()), (200, 2));
    let (status, _) = mia.call(M::DELETE, &format!("/knowledge/{id}"), None).await;
    assert_eq!(status, 403);
    let (status, _) = root
        .call(M::DELETE, &format!("/knowledge/{id}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = root
        .call(M::DELETE, &format!("/knowledge/{id}"), None)
        .await;
    assert_eq!(status, 404);
    let (_, log) = root.call(M::GET, "/audit?action=knowledge", None).await;
    let entries = log["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "knowledge.delete",
            "knowledge.update",
            "knowledge.create",
            "knowledge.create"
        ]
    );
    assert_eq!(
        entries[1]["changes"],
        json!([
            {"path": "body", "before": "Sous 48 h <b>ouvrées</b>; 100% suivi.", "after": "Sous 24 h."},
            {"path": "tags", "before": ["livraison", "colis"], "after": ["livraison"]}
        ])
    );
}
