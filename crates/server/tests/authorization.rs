//! Who may do what (issue 9: tenants apart), as one table: role × resource × action × own or
//! other conversation × own or other project → allowed, or the exact error. Over HTTP and over
//! the desk's WebSocket. Two projects on one hub: TEST (Alice and Bob agents of Sales, Mona
//! manager of Sales, Adam admin) and OTHER (Olga agent, Oscar admin).
//!
//! The rules the table states: an admin administers their own project only (another project
//! is `forbidden`, a project that does not exist `not_found`); nobody creates projects over
//! HTTP (the operator does, on the hub's machine); reading a conversation one may not read
//! answers `not_found`, like one that does not exist; acting on a live conversation of one's
//! project that is on another desk is `forbidden`; another project's conversation is
//! `not_found`.

mod common;

use common::*;
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent, Role};
use pupitre_protocol::{ConversationRef, ErrorCode};
use pupitre_server::admin::{self, NewAgentRequest};
use pupitre_server::store::SqliteStore;

fn add(store: &mut SqliteStore, project: &str, email: &str, role: Role, groups: &[&str]) {
    let id = store_project(store, project);
    admin::create_agent(
        store,
        id,
        NewAgentRequest {
            email: email.into(),
            name: email.split('@').next().unwrap().into(),
            password: PASSWORD.into(),
            role,
            slot_max: Some(3),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        },
    )
    .unwrap();
}

fn store_project(store: &mut SqliteStore, code: &str) -> pupitre_server::store::ProjectId {
    use pupitre_server::store::Store as _;
    store.project_by_code(code).unwrap().unwrap().id
}

/// Who (none: no token), method, path, body, what they get.
type Row = (
    Option<&'static str>,
    &'static str,
    String,
    Option<serde_json::Value>,
    Answer,
);

/// What an answer was: allowed, or the error's code.
#[derive(Debug, PartialEq)]
enum Answer {
    Allowed,
    Refused(ErrorCode),
}
use Answer::*;

async fn http(
    client: &reqwest::Client,
    method: &str,
    url: String,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> Answer {
    let mut req = client.request(method.parse().unwrap(), url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    if r.status().is_success() {
        return Allowed;
    }
    let body: serde_json::Value = r.json().await.unwrap();
    Refused(serde_json::from_value(body["code"].clone()).unwrap())
}

fn with_group(canned: &serde_json::Value, group: i64) -> serde_json::Value {
    let mut c = canned.clone();
    c["group"] = group.into();
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authorization_table_over_http_and_websocket() {
    let setup = setup(
        &[("alice@test", &["Sales"], 3), ("bob@test", &["Sales"], 3)],
        |_| {},
    );
    {
        let mut store = SqliteStore::open(&setup.db).unwrap();
        add(&mut store, PROJECT, "mona@test", Role::Manager, &["Sales"]);
        add(&mut store, PROJECT, "adam@test", Role::Admin, &[]);
        let other = admin::create_project(&mut store, "OTHER", "Other shop").unwrap();
        admin::create_group(&mut store, other, "Desk", None).unwrap();
        add(&mut store, "OTHER", "olga@other", Role::Agent, &["Desk"]);
        add(&mut store, "OTHER", "oscar@other", Role::Admin, &[]);
    }
    let hub = start(&setup, false).await;
    let base = hub.http_url();
    let client = reqwest::Client::new();

    // A conversation on Alice's desk, and one of OTHER on Olga's.
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    v.say("hello").await;
    let assigned = |e: &AgentEvent| match e {
        AgentEvent::ConversationAssigned { conversation, .. } => {
            Some(conversation.reference.clone())
        }
        _ => None,
    };
    let mine = alice.wait_event(assigned).await;
    let mut olga = agent(&hub, "olga@other").await;
    olga.available().await;
    let mut ov = visitor_of(&hub, "OTHER", None, None).await;
    ov.say("bonjour").await;
    let theirs = olga.wait_event(assigned).await;

    let mut tokens = std::collections::HashMap::new();
    for who in [
        "alice@test",
        "bob@test",
        "mona@test",
        "adam@test",
        "olga@other",
        "oscar@other",
    ] {
        tokens.insert(who, agent(&hub, who).await.token);
    }
    let settings_body = {
        let r = client
            .get(format!("{base}/api/admin/projects/TEST/settings"))
            .bearer_auth(&tokens["adam@test"])
            .send()
            .await
            .unwrap();
        r.json::<serde_json::Value>().await.unwrap()
    };
    let group = |name: &str| serde_json::json!({ "name": name });
    let canned =
        serde_json::json!({"theme": "T", "title": "Hi", "body": "Hello", "language": "en"});

    let table: Vec<Row> = vec![
        // Reading conversations.
        (
            Some("alice@test"),
            "GET",
            format!("/api/conversations/{}", mine.0),
            None,
            Allowed,
        ),
        (
            Some("bob@test"),
            "GET",
            format!("/api/conversations/{}", mine.0),
            None,
            Refused(ErrorCode::NotFound),
        ),
        (
            Some("mona@test"),
            "GET",
            format!("/api/conversations/{}", mine.0),
            None,
            Allowed,
        ),
        (
            Some("adam@test"),
            "GET",
            format!("/api/conversations/{}", mine.0),
            None,
            Allowed,
        ),
        (
            Some("oscar@other"),
            "GET",
            format!("/api/conversations/{}", mine.0),
            None,
            Refused(ErrorCode::NotFound),
        ),
        (
            Some("olga@other"),
            "GET",
            format!("/api/conversations/{}", mine.0),
            None,
            Refused(ErrorCode::NotFound),
        ),
        (
            Some("adam@test"),
            "GET",
            format!("/api/conversations/{}", theirs.0),
            None,
            Refused(ErrorCode::NotFound),
        ),
        (
            None,
            "GET",
            format!("/api/conversations/{}", mine.0),
            None,
            Refused(ErrorCode::Unauthorized),
        ),
        // Administration of one's own project only.
        (
            Some("adam@test"),
            "GET",
            "/api/admin/projects/TEST/settings".into(),
            None,
            Allowed,
        ),
        (
            Some("adam@test"),
            "GET",
            "/api/admin/projects/OTHER/settings".into(),
            None,
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("oscar@other"),
            "GET",
            "/api/admin/projects/TEST/settings".into(),
            None,
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("oscar@other"),
            "PUT",
            "/api/admin/projects/TEST/settings".into(),
            Some(settings_body.clone()),
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("adam@test"),
            "PUT",
            "/api/admin/projects/TEST/settings".into(),
            Some(settings_body.clone()),
            Allowed,
        ),
        (
            Some("adam@test"),
            "GET",
            "/api/admin/projects/NOPE/settings".into(),
            None,
            Refused(ErrorCode::NotFound),
        ),
        // M4: a manager reads the settings and works on their own groups (Sales is 1,
        // Support 2); everything else is the admin's.
        (
            Some("mona@test"),
            "GET",
            "/api/admin/projects/TEST/settings".into(),
            None,
            Allowed,
        ),
        (
            Some("mona@test"),
            "PUT",
            "/api/admin/projects/TEST/settings".into(),
            Some(settings_body.clone()),
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("mona@test"),
            "PUT",
            "/api/admin/projects/TEST/groups/1/hours".into(),
            Some(serde_json::Value::Null),
            Allowed,
        ),
        (
            Some("mona@test"),
            "PUT",
            "/api/admin/projects/TEST/groups/2/hours".into(),
            Some(serde_json::Value::Null),
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("mona@test"),
            "PUT",
            "/api/admin/projects/OTHER/groups/3/hours".into(),
            Some(serde_json::Value::Null),
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("mona@test"),
            "PATCH",
            "/api/admin/projects/TEST/groups/1".into(),
            Some(serde_json::json!({"name": "Mine"})),
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("mona@test"),
            "POST",
            "/api/admin/projects/TEST/canned-responses".into(),
            Some(canned.clone()),
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("mona@test"),
            "POST",
            "/api/admin/projects/TEST/canned-responses".into(),
            Some(with_group(&canned, 1)),
            Allowed,
        ),
        (
            Some("mona@test"),
            "POST",
            "/api/admin/projects/TEST/canned-responses".into(),
            Some(with_group(&canned, 2)),
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("mona@test"),
            "POST",
            "/api/admin/projects/TEST/agents".into(),
            Some(
                serde_json::json!({"email": "m@x.test", "name": "M", "password": "long-enough-1", "groups": ["Sales"]}),
            ),
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("mona@test"),
            "PATCH",
            "/api/admin/projects/TEST/agents/1".into(),
            Some(serde_json::json!({"slot_max": 9})),
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("mona@test"),
            "GET",
            "/api/admin/projects/TEST/audit".into(),
            None,
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("mona@test"),
            "GET",
            "/api/admin/projects/TEST/configuration".into(),
            None,
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("bob@test"),
            "GET",
            "/api/admin/projects/TEST/groups".into(),
            None,
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("alice@test"),
            "PUT",
            "/api/admin/projects/TEST/settings".into(),
            Some(settings_body.clone()),
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("adam@test"),
            "POST",
            "/api/admin/projects/TEST/groups".into(),
            Some(group("Billing")),
            Allowed,
        ),
        (
            Some("oscar@other"),
            "POST",
            "/api/admin/projects/TEST/groups".into(),
            Some(group("Intruders")),
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("oscar@other"),
            "GET",
            "/api/admin/projects/TEST/agents".into(),
            None,
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("oscar@other"),
            "GET",
            "/api/admin/projects/TEST/groups".into(),
            None,
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("oscar@other"),
            "POST",
            "/api/admin/projects/TEST/canned-responses".into(),
            Some(canned.clone()),
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("oscar@other"),
            "POST",
            "/api/admin/projects/TEST/agents".into(),
            Some(
                serde_json::json!({"email": "x@x.test", "name": "X", "password": "long-enough-1", "role": "admin", "groups": []}),
            ),
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("adam@test"),
            "GET",
            "/api/admin/projects".into(),
            None,
            Allowed,
        ),
        (
            Some("alice@test"),
            "GET",
            "/api/admin/projects".into(),
            None,
            Refused(ErrorCode::Forbidden),
        ),
        (
            Some("adam@test"),
            "POST",
            "/api/admin/projects".into(),
            Some(serde_json::json!({"code": "NEW", "name": "New"})),
            Refused(ErrorCode::Forbidden),
        ),
        (
            None,
            "GET",
            "/api/admin/projects/TEST/settings".into(),
            None,
            Refused(ErrorCode::Unauthorized),
        ),
    ];
    let mut wrong = vec![];
    for (who, method, path, body, expected) in table {
        let got = http(
            &client,
            method,
            format!("{base}{path}"),
            who.map(|w| tokens[w].as_str()),
            body,
        )
        .await;
        if got != expected {
            wrong.push(format!(
                "{who:?} {method} {path}: expected {expected:?}, got {got:?}"
            ));
        }
    }
    // A manager lists their own groups and their agents only.
    let names = |path: &str, key: &'static str| {
        let client = client.clone();
        let token = tokens["mona@test"].clone();
        let url = format!("{base}{path}");
        async move {
            let v: serde_json::Value = client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let mut out: Vec<String> = v
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x[key].as_str().unwrap().to_owned())
                .collect();
            out.sort();
            out
        }
    };
    let groups = names("/api/admin/projects/TEST/groups", "name").await;
    if groups != ["Sales"] {
        wrong.push(format!("mona lists the groups {groups:?}"));
    }
    let agents = names("/api/admin/projects/TEST/agents", "email").await;
    if agents != ["alice@test", "bob@test", "mona@test"] {
        wrong.push(format!("mona lists the agents {agents:?}"));
    }
    // The list of projects an admin sees is their own.
    let listed: serde_json::Value = client
        .get(format!("{base}/api/admin/projects"))
        .bearer_auth(&tokens["adam@test"])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .collect();
    if codes != ["TEST"] {
        wrong.push(format!("adam lists {codes:?}"));
    }

    // Over the desk's WebSocket: acting on conversations.
    let say = |c: &ConversationRef| AgentClientFrame::SendMessage {
        client_id: cid(),
        conversation: c.clone(),
        text: "hi".into(),
    };
    let mut bob = agent(&hub, "bob@test").await;
    let mut mona = agent(&hub, "mona@test").await;
    let mut adam = agent(&hub, "adam@test").await;
    let mut ws_wrong = vec![];
    for (who, conn, target, expected) in [
        (
            "bob (same project, another desk)",
            &mut bob,
            mine.clone(),
            Some(ErrorCode::Forbidden),
        ),
        (
            "mona (manager, another desk)",
            &mut mona,
            mine.clone(),
            Some(ErrorCode::Forbidden),
        ),
        (
            "adam (admin, another desk)",
            &mut adam,
            mine.clone(),
            Some(ErrorCode::Forbidden),
        ),
        (
            "olga (another project)",
            &mut olga,
            mine.clone(),
            Some(ErrorCode::NotFound),
        ),
        (
            "alice (another project's)",
            &mut alice,
            theirs.clone(),
            Some(ErrorCode::NotFound),
        ),
    ] {
        let got = conn.refused(say(&target)).await.code;
        if Some(got) != expected {
            ws_wrong.push(format!("{who}: expected {expected:?}, got {got:?}"));
        }
    }
    alice.request(say(&mine)).await;
    olga.request(say(&theirs)).await;
    wrong.extend(ws_wrong);
    assert!(
        wrong.is_empty(),
        "the table disagrees:\n{}",
        wrong.join("\n")
    );
    hub.stop().await.unwrap();
}
