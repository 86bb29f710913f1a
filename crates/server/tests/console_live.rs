//! Issue 10, applied live (SPEC A3, A10): a change of configuration reaches connected desks
//! at once, the hub refuses what the desk options switch off, every change is in the audit
//! log, and `pupitre admin …` on the database reaches a running hub.

mod common;

use std::time::Duration;

use common::*;
use pupitre_protocol::ErrorCode;
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent, AgentProfile, AgentServerFrame, Role};
use pupitre_server::admin::Audited;
use pupitre_server::audit::Actor;
use pupitre_server::store::{SqliteStore, Store as _};
use serde_json::{Value, json};

fn with_admin(setup: &Setup) {
    add_account(&setup.db, PROJECT, "root@test", Role::Admin, &[]);
}

struct Admin {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Admin {
    async fn new(hub: &pupitre_server::RunningHub) -> Self {
        let base = hub.http_url();
        let token = pupitre_server::client::login(&base, "root@test", PASSWORD)
            .await
            .unwrap()
            .access_token;
        Self {
            base,
            token,
            http: reqwest::Client::new(),
        }
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    async fn settings(&self) -> Value {
        self.get(&format!("/api/admin/projects/{PROJECT}/settings"))
            .await
            .1
    }

    async fn put_settings(&self, settings: &Value) -> (u16, Value) {
        self.send(
            reqwest::Method::PUT,
            &format!("/api/admin/projects/{PROJECT}/settings"),
            settings,
        )
        .await
    }

    async fn edit(&self, f: impl FnOnce(&mut Value)) {
        let mut s = self.settings().await;
        f(&mut s);
        let (status, body) = self.put_settings(&s).await;
        assert_eq!(status, 200, "{body}");
    }

    async fn audit(&self, query: &str) -> Vec<Value> {
        let (status, page) = self
            .get(&format!("/api/admin/projects/{PROJECT}/audit{query}"))
            .await;
        assert_eq!(status, 200, "{page}");
        page["entries"].as_array().unwrap().clone()
    }
}

/// The next `profile` frame the agent gets (other frames stay aside).
async fn pushed_profile(agent: &mut Agent, within: Duration) -> Option<AgentProfile> {
    let deadline = tokio::time::Instant::now() + within;
    let mut aside = Vec::new();
    let found = loop {
        match agent.next(deadline).await {
            Some(AgentServerFrame::Profile { agent }) => break Some(agent),
            Some(other) => aside.push(other),
            None => break None,
        }
    };
    agent.pending.extend(aside);
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a3_a10_desk_options_reach_a_connected_desk_and_the_hub_refuses_what_is_off() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    with_admin(&setup);
    let hub = start(&setup, false).await;
    let root = Admin::new(&hub).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let AgentServerFrame::Welcome { agent: first, .. } = &alice.welcome else {
        panic!()
    };
    assert!(first.options.request_file && first.options.send_file);

    let mut v = visitor(&hub).await;
    v.say("hello").await;
    let reference = alice
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned { conversation, .. } => {
                Some(conversation.reference.clone())
            }
            _ => None,
        })
        .await;

    // Three tools off and a new optional status: the connected desk hears it, no reconnection.
    root.edit(|s| {
        s["desk"]["request_file"] = false.into();
        s["desk"]["send_file"] = false.into();
        s["desk"]["canned_responses"] = false.into();
        s["optional_statuses"]
            .as_array_mut()
            .unwrap()
            .push("Back office <b>".into());
    })
    .await;
    let profile = pushed_profile(&mut alice, WAIT)
        .await
        .expect("the desk gets its new profile");
    assert!(!profile.options.request_file);
    assert!(!profile.options.send_file);
    assert!(!profile.options.canned_responses);
    assert!(profile.options.print, "what was not touched stays on");
    assert!(
        profile
            .optional_statuses
            .contains(&"Back office <b>".to_owned())
    );

    // The hub refuses each: the frame, the upload, the canned list.
    let e = alice
        .refused(AgentClientFrame::RequestFile {
            client_id: cid(),
            conversation: reference.clone(),
        })
        .await;
    assert_eq!(e.code, ErrorCode::Forbidden, "{e:?}");
    let http = reqwest::Client::new();
    let upload = http
        .post(format!(
            "{}/api/conversations/{}/files?name=a.txt",
            hub.http_url(),
            reference.0
        ))
        .bearer_auth(&alice.token)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 403);
    let body: Value = upload.json().await.unwrap();
    assert_eq!(body["code"], "forbidden", "{body}");
    let canned = http
        .get(format!("{}/api/canned-responses", hub.http_url()))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(canned.status(), 403);
    let own = http
        .post(format!("{}/api/canned-responses", hub.http_url()))
        .bearer_auth(&alice.token)
        .json(&json!({"theme": "Mine", "title": "Hi", "body": "Hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 403, "nor a personal one");

    // A change that is not the desk's (a timeout) sends no profile.
    root.edit(|s| s["routing"]["timeouts"]["relaunch_after_min"] = 9.into())
        .await;
    assert!(
        pushed_profile(&mut alice, QUIET).await.is_none(),
        "nothing changed for the desk"
    );

    // The same frame is accepted once the admin switches it back on.
    root.edit(|s| s["desk"]["request_file"] = true.into()).await;
    let profile = pushed_profile(&mut alice, WAIT).await.unwrap();
    assert!(profile.options.request_file);
    alice
        .request(AgentClientFrame::RequestFile {
            client_id: cid(),
            conversation: reference,
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a10_every_change_is_audited_with_who_before_and_after_and_refused_ones_are_not() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    with_admin(&setup);
    let hub = start(&setup, false).await;
    let root = Admin::new(&hub).await;

    root.edit(|s| s["routing"]["queue_per_agent"] = 7.into())
        .await;
    // Refused: nothing stored, nothing logged.
    let mut bad = root.settings().await;
    bad["routing"]["queue_per_agent"] = 100_000.into();
    bad["default_slot_max"] = 1.into();
    assert_eq!(root.put_settings(&bad).await.0, 400);
    // Saving the same document again changes nothing and logs nothing.
    let same = root.settings().await;
    assert_eq!(root.put_settings(&same).await.0, 200);
    let (status, _) = root
        .send(
            reqwest::Method::POST,
            &format!("/api/admin/projects/{PROJECT}/groups"),
            &json!({"name": "Billing"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = root
        .send(
            reqwest::Method::POST,
            &format!("/api/admin/projects/{PROJECT}/agents"),
            &json!({"email": "zoe@test", "name": "Zoé", "password": "secret-password-9",
                    "groups": ["Billing"]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // A refused creation (the group does not exist) leaves no agent and no entry.
    let (status, _) = root
        .send(
            reqwest::Method::POST,
            &format!("/api/admin/projects/{PROJECT}/agents"),
            &json!({"email": "yann@test", "name": "Yann", "password": "secret-password-9",
                    "groups": ["Nowhere"]}),
        )
        .await;
    assert_eq!(status, 400);

    let all = root.audit("").await;
    let actions: Vec<&str> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["agent.create", "group.create", "settings.update"],
        "newest first, one per change: {all:#?}"
    );
    let settings = &all[2];
    assert_eq!(settings["actor"], "root <root@test>");
    assert!(settings["actor_id"].is_i64());
    assert_eq!(
        settings["changes"],
        json!([{"path": "routing.queue_per_agent", "before": 2, "after": 7}])
    );
    assert!(
        !serde_json::to_string(&all)
            .unwrap()
            .contains("secret-password-9"),
        "never a password in the log"
    );
    assert!(
        all[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["path"] == "email" && c["after"] == "zoe@test")
    );

    // Filters: by action prefix, by text (wildcards are literal), by page.
    assert_eq!(root.audit("?action=settings").await.len(), 1);
    assert_eq!(
        root.audit("?text=ZOÉ").await.len(),
        1,
        "case does not matter"
    );
    assert_eq!(root.audit("?text=zoe%40test").await.len(), 1);
    assert_eq!(root.audit("?text=%25").await.len(), 0, "a % is a %");
    let (_, whole) = root
        .get(&format!("/api/admin/projects/{PROJECT}/audit?limit=3"))
        .await;
    assert_eq!(whole["entries"].as_array().unwrap().len(), 3);
    assert!(
        whole["next_before"].is_null(),
        "a full last page offers no next one"
    );
    let page = root.audit("?limit=2").await;
    assert_eq!(page.len(), 2);
    let rest = root
        .audit(&format!("?limit=2&before={}", page[1]["id"]))
        .await;
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0]["action"], "settings.update");

    // Another project's admin, or an agent, reads nothing.
    let alice = pupitre_server::client::login(&hub.http_url(), "alice@test", PASSWORD)
        .await
        .unwrap();
    let r = reqwest::Client::new()
        .get(format!(
            "{}/api/admin/projects/{PROJECT}/audit",
            hub.http_url()
        ))
        .bearer_auth(&alice.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a10_pupitre_admin_on_the_database_reaches_a_running_hub() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;

    // What `pupitre admin settings-set` does, from another connection to the same file.
    {
        let mut store = SqliteStore::open(&setup.db).unwrap();
        let p = store.project_by_code(PROJECT).unwrap().unwrap().id;
        Audited::new(&mut store, p, Actor::operator())
            .set_setting_path("desk.send_file", "false")
            .unwrap();
        Audited::new(&mut store, p, Actor::operator())
            .set_setting_path("routing.queue_per_agent", "5")
            .unwrap();
    }
    let profile = pushed_profile(&mut alice, Duration::from_secs(5))
        .await
        .expect("the running hub applies it within a second or so");
    assert!(!profile.options.send_file);
    let queue = async {
        loop {
            let q = hub
                .hub
                .project_by_code(PROJECT)
                .unwrap()
                .inspect(|e| e.settings().queue_per_agent)
                .await;
            if q == Some(5) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), queue)
        .await
        .expect("routing uses the new capacity");
    {
        let mut store = SqliteStore::open(&setup.db).unwrap();
        let p = store.project_by_code(PROJECT).unwrap().unwrap().id;
        let log = store.audit_log(p, &Default::default()).unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].actor, Actor::operator().name);
        assert_eq!(log[0].actor_id, None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a6_a11_today_made_a_holiday_closes_the_group_for_the_next_visitor_at_once() {
    let setup = setup(&[("alice@test", &["Sales", "Support"], 3)], |s| {
        s.routing.timezone = "Europe/Paris".into();
        // Live chat only: out of hours, the visitor is told so (with async messaging the
        // conversation would wait for the opening, with the auto-reply).
        s.routing.async_messaging = false;
    });
    with_admin(&setup);
    let hub = start(&setup, false).await;
    let root = Admin::new(&hub).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let (_, groups) = root
        .get(&format!("/api/admin/projects/{PROJECT}/groups"))
        .await;
    let ids: Vec<i64> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_i64().unwrap())
        .collect();
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive()
        .to_string();
    let always = json!([[{"start": 0, "end": 1440}]]);
    let day = always[0].clone();
    let week = json!([day, day, day, day, day, day, day]);

    // Refused field by field: a range ending before it starts, a date twice.
    let bad = json!({"days": week, "exceptions": [
        {"date": today, "spans": [{"start": 600, "end": 500}]},
        {"date": today, "spans": []}]});
    for group in &ids {
        let (status, body) = root
            .send(
                reqwest::Method::PUT,
                &format!("/api/admin/projects/{PROJECT}/groups/{group}/hours"),
                &bad,
            )
            .await;
        assert_eq!(status, 400, "{body}");
        let fields = body["fields"].as_object().expect("errors by field");
        assert!(fields.contains_key("hours.exceptions.0.spans.0"), "{body}");
        assert!(fields.contains_key("hours.exceptions.1.date"), "{body}");
    }
    // Open every day, but today is a holiday, for every group.
    let holiday = json!({"days": week, "exceptions": [
        {"date": today, "spans": [], "label": "Fermeture <exceptionnelle>"}]});
    for group in &ids {
        let (status, body) = root
            .send(
                reqwest::Method::PUT,
                &format!("/api/admin/projects/{PROJECT}/groups/{group}/hours"),
                &holiday,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["hours"]["exceptions"][0]["date"], today);
    }
    let mut v = visitor(&hub).await;
    v.say("bonjour").await;
    let text = v
        .wait_event(|e| match e {
            pupitre_protocol::visitor::VisitorEvent::Message { message } => match &message.body {
                pupitre_protocol::Body::Sentence {
                    sentence: pupitre_protocol::SentenceKind::OutOfHours,
                    text,
                } => Some(text.clone()),
                _ => None,
            },
            _ => None,
        })
        .await;
    assert!(!text.is_empty());
    let log = root.audit("?action=group.hours").await;
    assert_eq!(log.len(), ids.len(), "one entry per group: {log:#?}");
    assert_eq!(log[0]["changes"][0]["path"], "hours");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a7_the_card_shows_the_fields_the_admin_chose_from_what_the_site_passed() {
    use pupitre_protocol::visitor::VisitorClientFrame;
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    with_admin(&setup);
    let hub = start(&setup, false).await;
    let root = Admin::new(&hub).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    v.request(VisitorClientFrame::SetProfile {
        client_id: cid(),
        name: Some("Ana".into()),
        email: Some("ana@example.com".into()),
    })
    .await;
    let fields = |pairs: &[(&str, &str)]| VisitorClientFrame::SetFields {
        client_id: cid(),
        fields: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    };
    v.request(fields(&[("cart", "129,90 €"), ("internal_score", "7")]))
        .await;
    let e = v.refused(fields(&[("Cart", "x")])).await;
    assert_eq!(e.code, ErrorCode::InvalidInput, "{e:?}");
    let e = v.refused(fields(&[("cart", "a\u{202e}b")])).await;
    assert_eq!(e.code, ErrorCode::InvalidInput, "{e:?}");
    v.say("bonjour").await;
    let card = alice
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned { conversation, .. } => {
                Some(conversation.visitor.clone())
            }
            _ => None,
        })
        .await;
    assert_eq!(card.email.as_deref(), Some("ana@example.com"));
    assert!(
        card.fields.is_empty(),
        "no custom field until the admin lists it"
    );
    assert!(card.custom.is_empty(), "raw values never reach a desk");

    // The admin shows the cart (labelled), hides the e-mail: the desk's card follows at once.
    root.edit(|s| {
        let list = s["visitor_card"]["fields"].as_array_mut().unwrap();
        for f in list.iter_mut() {
            if f["key"] == "email" {
                f["shown"] = false.into();
            }
        }
        list.push(json!({"key": "cart", "label": {"en": "Cart <total>", "fr": "Panier"}}));
    })
    .await;
    let card = alice
        .wait_event(|e| match e {
            AgentEvent::VisitorUpdated { visitor, .. } => Some(visitor.clone()),
            _ => None,
        })
        .await;
    assert_eq!(card.email, None);
    assert_eq!(card.name.as_deref(), Some("Ana"));
    assert_eq!(card.fields.len(), 1, "{card:?}");
    assert_eq!(
        (card.fields[0].label.as_str(), card.fields[0].value.as_str()),
        ("Cart <total>", "129,90 €")
    );
    // A new value from the site reaches the desk as it is.
    v.request(fields(&[("cart", "12,00 €")])).await;
    let card = alice
        .wait_event(|e| match e {
            AgentEvent::VisitorUpdated { visitor, .. } => Some(visitor.clone()),
            _ => None,
        })
        .await;
    assert_eq!(card.fields[0].value, "12,00 €");
    // Bad settings are refused by field.
    let mut bad = root.settings().await;
    bad["visitor_card"]["fields"]
        .as_array_mut()
        .unwrap()
        .push(json!({"key": "Bad Key"}));
    let (status, body) = root.put_settings(&bad).await;
    assert_eq!(status, 400);
    assert!(
        body["fields"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("visitor_card.fields.")),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a1_raising_the_capacity_gives_a_connected_agent_more_conversations_at_once() {
    // Alice is at the project's capacity (3); Bob was given 2 of his own.
    let setup = setup(
        &[("alice@test", &["Sales"], 3), ("bob@test", &["Support"], 2)],
        |s| {
            s.routing.queue_per_agent = 10;
        },
    );
    with_admin(&setup);
    let hub = start(&setup, false).await;
    let root = Admin::new(&hub).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut visitors = Vec::new();
    for i in 0..5 {
        let mut v = visitor(&hub).await;
        v.say(&format!("hello {i}")).await;
        visitors.push(v);
    }
    let mut on_desk = 0;
    while on_desk < 3 {
        alice
            .wait_event(|e| matches!(e, AgentEvent::ConversationAssigned { .. }).then_some(()))
            .await;
        on_desk += 1;
    }
    assert!(
        alice.drain().await.iter().all(|f| !matches!(
            f,
            AgentServerFrame::Event {
                event: AgentEvent::ConversationAssigned { .. },
                ..
            }
        )),
        "three at most, the others wait"
    );

    root.edit(|s| s["default_slot_max"] = 5.into()).await;
    for _ in 0..2 {
        alice
            .wait_event(|e| matches!(e, AgentEvent::ConversationAssigned { .. }).then_some(()))
            .await;
    }
    let agents = root
        .get(&format!("/api/admin/projects/{PROJECT}/agents"))
        .await
        .1;
    let max = |email: &str| {
        agents
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["email"] == email)
            .unwrap()["slot_max"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        (max("alice@test"), max("bob@test")),
        (5, 2),
        "Bob keeps his own"
    );
    let log = root.audit("?action=settings").await;
    assert!(
        log[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["path"] == "default_slot_max.agents"
                && c["after"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("alice@test"))
                && !c["after"].as_array().unwrap().contains(&json!("bob@test"))),
        "{log:#?}"
    );
}
