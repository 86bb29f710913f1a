//! D16: the desk's tools the hub serves over HTTP, each refused with `forbidden` when the
//! admin switches it off (A3): the list of agents online (`GET /api/team`), the knowledge
//! articles (`GET /api/knowledge`), and a conversation e-mailed to its agent
//! (`POST /api/conversations/{reference}/email`), which never counts as the visitor's answer
//! e-mail (R8).

mod common;

use common::*;
use pupitre_protocol::agent::{AgentClientFrame, Role};
use pupitre_protocol::team::TeamMember;
use pupitre_protocol::visitor::VisitorClientFrame;
use pupitre_protocol::{Availability, Channel, ChosenStatus};
use pupitre_server::RunningHub;
use pupitre_server::store::{SqliteStore, Store as _};

async fn call(
    hub: &RunningHub,
    token: &str,
    method: reqwest::Method,
    path: &str,
) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .request(method, format!("{}{path}", hub.http_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d16_agents_online_lists_who_is_connected_with_status_per_channel_and_load() {
    let setup = setup(
        &[
            ("alice@test", &["Sales"], 3),
            ("bruno@test", &["Support"], 2),
            ("carla@test", &["Sales"], 2),
        ],
        |_| {},
    );
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    let mut bruno = agent(&hub, "bruno@test").await;
    alice.available().await;
    bruno
        .request(AgentClientFrame::SetStatus {
            client_id: cid(),
            channel: Channel::Chat,
            status: ChosenStatus::Unavailable,
        })
        .await;
    let mut v = visitor(&hub).await;
    v.say("Hello").await;
    alice.assigned().await;

    let (status, body) = call(&hub, &bruno.token, reqwest::Method::GET, "/api/team").await;
    assert_eq!(status, 200, "{body}");
    let team: Vec<TeamMember> = serde_json::from_value(body).unwrap();
    let names: Vec<&str> = team.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names.len(), 2, "carla is not connected: {names:?}");
    let a = team.iter().find(|m| m.name == "alice").expect("alice");
    let chat = a
        .statuses
        .iter()
        .find(|s| s.channel == Channel::Chat)
        .unwrap();
    assert_eq!(
        (chat.chosen.clone(), a.load, a.slot_limit, a.role),
        (ChosenStatus::Available, 1, 3, Role::Agent)
    );
    assert!(
        matches!(
            chat.availability,
            Availability::Available | Availability::Busy
        ),
        "{chat:?}"
    );
    let b = team.iter().find(|m| m.name == "bruno").expect("bruno");
    let chat = b
        .statuses
        .iter()
        .find(|s| s.channel == Channel::Chat)
        .unwrap();
    assert_eq!(chat.chosen, ChosenStatus::Unavailable);
    assert_eq!(b.load, 0);
    drop(bruno);

    // Bruno's desk is gone: he leaves the list.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, body) = call(&hub, &alice.token, reqwest::Method::GET, "/api/team").await;
        let team: Vec<TeamMember> = serde_json::from_value(body).unwrap();
        if team.iter().all(|m| m.name != "bruno") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "bruno still listed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (status, _) = call(&hub, "not-a-token", reqwest::Method::GET, "/api/team").await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a3_each_tool_is_refused_when_the_admin_switches_it_off() {
    let mail_dir = tempfile::tempdir().unwrap();
    let setup = setup(&[("alice@test", &["Sales"], 3)], |s| {
        s.desk.online_agents = false;
        s.desk.knowledge_search = false;
        s.desk.assistant = false;
        s.desk.email_to_self = false;
    });
    add_account(&setup.db, PROJECT, "maya@test", Role::Manager, &["Sales"]);
    let hub = start_with(&setup, mail_hub(mail_dir.path())).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    v.say("Hello").await;
    let reference = alice.assigned().await;
    for (method, path) in [
        (reqwest::Method::GET, "/api/team".to_owned()),
        (reqwest::Method::GET, "/api/knowledge?q=parcel".to_owned()),
        (
            reqwest::Method::POST,
            format!("/api/conversations/{reference}/email"),
        ),
    ] {
        let (status, body) = call(&hub, &alice.token, method, &path).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (403, Some("forbidden")),
            "{path}"
        );
    }
    // A manager sees the team whatever the agents' switch says (M1).
    let maya = agent(&hub, "maya@test").await;
    let (status, _) = call(&hub, &maya.token, reqwest::Method::GET, "/api/team").await;
    assert_eq!(status, 200);
    // Nothing was queued.
    assert!(mails(mail_dir.path(), 1).await.is_empty());

    // The assistant alone opens the articles (it reads them too).
    let mut store = SqliteStore::open(&setup.db).unwrap();
    let project = store.project_by_code(PROJECT).unwrap().unwrap();
    let mut settings = project.settings.clone();
    settings.desk.assistant = true;
    pupitre_server::admin::set_settings(&mut store, project.id, &settings).unwrap();
    drop(store);
    let (status, body) = call(&hub, &alice.token, reqwest::Method::GET, "/api/knowledge").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d16_a8_agents_search_the_knowledge_articles() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let mut store = SqliteStore::open(&setup.db).unwrap();
    let project = store.project_by_code(PROJECT).unwrap().unwrap().id;
    for (title, body, language) in [
        ("Delivery times", "Parcels leave within 48 hours.", "en"),
        (
            "Délais de livraison",
            "Les colis partent sous 48 heures.",
            "fr",
        ),
        ("Returns", "Thirty days to send it back.", "en"),
    ] {
        store
            .put_article(
                project,
                &pupitre_server::admin::knowledge::Article {
                    id: 0,
                    title: title.into(),
                    body: body.into(),
                    tags: vec!["shipping".into()],
                    language: language.into(),
                    updated_at: 1,
                },
            )
            .unwrap();
    }
    drop(store);
    let hub = start(&setup, false).await;
    let alice = agent(&hub, "alice@test").await;
    let titles = |body: serde_json::Value| -> Vec<String> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, body) = call(&hub, &alice.token, reqwest::Method::GET, "/api/knowledge").await;
    assert_eq!(status, 200);
    assert_eq!(titles(body).len(), 3);
    let (_, body) = call(
        &hub,
        &alice.token,
        reqwest::Method::GET,
        "/api/knowledge?q=PARCELS",
    )
    .await;
    assert_eq!(titles(body), vec!["Delivery times"]);
    let (_, body) = call(
        &hub,
        &alice.token,
        reqwest::Method::GET,
        "/api/knowledge?q=48&language=fr",
    )
    .await;
    assert_eq!(titles(body), vec!["Délais de livraison"]);
    // Hostile search text is a search, not SQL.
    let (status, body) = call(
        &hub,
        &alice.token,
        reqwest::Method::GET,
        "/api/knowledge?q=%25'%20OR%201%3D1%20--",
    )
    .await;
    assert_eq!((status, titles(body).len()), (200, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d16_r8_the_transcript_goes_to_the_agent_and_the_visitor_still_gets_the_answer() {
    let mail_dir = tempfile::tempdir().unwrap();
    let setup = setup(
        &[("alice@test", &["Sales"], 3), ("bruno@test", &["Sales"], 3)],
        |_| {},
    );
    let hub = start_with(&setup, mail_hub(mail_dir.path())).await;
    let mut alice = agent(&hub, "alice@test").await;
    let bruno = agent(&hub, "bruno@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    v.request(VisitorClientFrame::SetProfile {
        client_id: cid(),
        name: Some("Zoé".into()),
        email: Some("zoe@example.com".into()),
    })
    .await;
    v.say("Where is my parcel? <b>now</b>").await;
    let reference = alice.assigned().await;
    alice
        .request(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: reference.clone(),
            text: "It leaves tomorrow".into(),
        })
        .await;
    // The visitor left without seeing the answer.
    drop(v);
    tokio::time::sleep(QUIET).await;

    // Bruno may not read Alice's conversation: it is not found for him.
    let path = format!("/api/conversations/{reference}/email?language=fr");
    let (status, body) = call(&hub, &bruno.token, reqwest::Method::POST, &path).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, body) = call(&hub, &alice.token, reqwest::Method::POST, &path).await;
    assert_eq!(status, 202, "{body}");
    let sent = mails(mail_dir.path(), 1).await;
    assert_eq!(sent.len(), 1);
    let transcript = quoted_printable_free(&sent[0]);
    assert!(transcript.contains("To: alice@test"), "{transcript}");
    assert!(transcript.contains("Where is my parcel?"), "{transcript}");
    assert!(transcript.contains("It leaves tomorrow"), "{transcript}");
    let html = &transcript[transcript.find("text/html").expect("an HTML part")..];
    assert!(
        html.contains("&lt;b&gt;now&lt;/b&gt;") && !html.contains("<b>now</b>"),
        "escaped in the HTML part: {html}"
    );

    // The close still e-mails the visitor the answer she did not see (R8).
    alice
        .request(AgentClientFrame::Close {
            client_id: cid(),
            conversation: reference.clone(),
            conversation_type: None,
        })
        .await;
    let sent = mails(mail_dir.path(), 2).await;
    let answer = sent
        .iter()
        .map(|m| quoted_printable_free(m))
        .find(|m| m.contains("To: zoe@example.com"))
        .unwrap_or_else(|| panic!("no answer mail for the visitor: {sent:?}"));
    assert!(answer.contains("It leaves tomorrow"), "{answer}");
    // The unknown conversation and the hostile reference are not found.
    for path in [
        "/api/conversations/TEST-999999/email",
        "/api/conversations/..%2F..%2Fetc/email",
    ] {
        let (status, _) = call(&hub, &alice.token, reqwest::Method::POST, path).await;
        assert_eq!(status, 404, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d16_without_a_mailer_the_transcript_is_refused_as_unavailable() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    v.say("Hello").await;
    let reference = alice.assigned().await;
    let (status, body) = call(
        &hub,
        &alice.token,
        reqwest::Method::POST,
        &format!("/api/conversations/{reference}/email"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("unavailable")),
        "{body}"
    );
}
