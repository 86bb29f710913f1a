//! SPEC A10: a project's configuration exports to one file and imports into another project,
//! all of it or nothing, audited.

mod common;

use common::*;
use pupitre_protocol::agent::Role;
use pupitre_server::admin;
use pupitre_server::store::SqliteStore;
use pupitre_server::store::Store as _;
use serde_json::{Value, json};

async fn call(
    hub: &pupitre_server::RunningHub,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut r = reqwest::Client::new()
        .request(method, format!("{}{path}", hub.http_url()))
        .bearer_auth(token);
    if let Some(b) = body {
        r = r.json(b);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a10_a_configuration_copies_to_another_project_all_or_nothing() {
    let setup = setup(&[], |s| {
        s.routing.queue_per_agent = 6;
        s.optional_statuses = vec!["Formation".into()];
    });
    {
        let mut store = SqliteStore::open(&setup.db).unwrap();
        let test = store.project_by_code(PROJECT).unwrap().unwrap().id;
        let other = admin::create_project(&mut store, "OTHER", "Other shop").unwrap();
        admin::create_group(&mut store, other, "Sales", None).unwrap();
        admin::create_canned(
            &mut store,
            test,
            None,
            admin::NewCannedRequest {
                group: None,
                theme: "Livraison".into(),
                title: "Délais".into(),
                body: "Sous 48 h <b>ouvrées</b>".into(),
                shortcut: Some("/delai".into()),
                language: "fr".into(),
            },
        )
        .unwrap();
    }
    add_account(&setup.db, PROJECT, "root@test", Role::Admin, &[]);
    add_account(&setup.db, "OTHER", "root@other", Role::Admin, &[]);
    let hub = start(&setup, false).await;
    let base = hub.http_url();
    let root = pupitre_server::client::login(&base, "root@test", PASSWORD)
        .await
        .unwrap()
        .access_token;
    let other = pupitre_server::client::login(&base, "root@other", PASSWORD)
        .await
        .unwrap()
        .access_token;

    let (status, file) = call(
        &hub,
        &root,
        reqwest::Method::GET,
        &format!("/api/admin/projects/{PROJECT}/configuration"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(file["format"], "pupitre-configuration");
    assert_eq!(file["project"], PROJECT);
    assert_eq!(file["settings"]["routing"]["queue_per_agent"], 6);
    assert_eq!(file["groups"].as_array().unwrap().len(), 2);
    assert!(
        !file.to_string().contains(PASSWORD) && !file.to_string().contains("argon2"),
        "no account, no secret"
    );
    // An admin of TEST cannot import into OTHER.
    let path = "/api/admin/projects/OTHER/configuration";
    let (status, _) = call(&hub, &root, reqwest::Method::POST, path, Some(&file)).await;
    assert_eq!(status, 403);

    // Dry: says what it would do, changes nothing, logs nothing.
    let dry = format!("{path}?dry_run=true");
    let (status, report) = call(&hub, &other, reqwest::Method::POST, &dry, Some(&file)).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["groups_created"], json!(["Support"]));
    assert_eq!(report["canned_added"], json!(["Livraison / Délais"]));
    let (_, settings) = call(
        &hub,
        &other,
        reqwest::Method::GET,
        "/api/admin/projects/OTHER/settings",
        None,
    )
    .await;
    assert_eq!(
        settings["routing"]["queue_per_agent"], 2,
        "dry run kept nothing"
    );

    // All or nothing: a bad group's hours at the end undo the settings before them.
    let mut broken = file.clone();
    broken["groups"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "Night", "hours": {"days": [[{"start": 900, "end": 100}], [], [], [], [], [], []]}}));
    let (status, body) = call(&hub, &other, reqwest::Method::POST, path, Some(&broken)).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["fields"]
            .as_object()
            .is_some_and(|f| f.contains_key("groups.2.hours.days.0.0")),
        "{body}"
    );
    let (_, settings) = call(
        &hub,
        &other,
        reqwest::Method::GET,
        "/api/admin/projects/OTHER/settings",
        None,
    )
    .await;
    assert_eq!(
        settings["routing"]["queue_per_agent"], 2,
        "nothing of it stayed"
    );
    let (_, groups) = call(
        &hub,
        &other,
        reqwest::Method::GET,
        "/api/admin/projects/OTHER/groups",
        None,
    )
    .await;
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");

    // A file of another kind or with unknown keys is refused with a clear error.
    let mut alien = file.clone();
    alien["format"] = "something-else".into();
    let (status, body) = call(&hub, &other, reqwest::Method::POST, path, Some(&alien)).await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("pupitre-configuration"),
        "{body}"
    );
    let mut unknown = file.clone();
    unknown["agents"] = json!([]);
    let (status, body) = call(&hub, &other, reqwest::Method::POST, path, Some(&unknown)).await;
    assert_eq!(status, 400, "{body}");

    // The real thing, then again: the second time changes nothing and logs nothing.
    let (status, report) = call(&hub, &other, reqwest::Method::POST, path, Some(&file)).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["groups_created"], json!(["Support"]));
    let (_, again) = call(&hub, &other, reqwest::Method::POST, path, Some(&file)).await;
    assert_eq!(again["settings"], json!([]), "{again}");
    assert_eq!(again["canned_kept"], json!(["Livraison / Délais"]));
    let (_, copied) = call(
        &hub,
        &other,
        reqwest::Method::GET,
        "/api/admin/projects/OTHER/configuration",
        None,
    )
    .await;
    for key in ["settings", "groups", "canned_responses"] {
        assert_eq!(copied[key], file[key], "{key} copied exactly");
    }
    let (_, log) = call(
        &hub,
        &other,
        reqwest::Method::GET,
        "/api/admin/projects/OTHER/audit?action=config",
        None,
    )
    .await;
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(entries[0]["target"], PROJECT);
    assert!(
        entries[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["path"] == "settings.routing.queue_per_agent" && c["after"] == 6)
    );
    // Knowledge articles travel too: added once, kept after.
    let mut with_articles = file.clone();
    with_articles["knowledge"] =
        json!([{"title": "Délais", "body": "48 h", "tags": ["livraison"], "language": "fr"}]);
    let (status, report) = call(
        &hub,
        &other,
        reqwest::Method::POST,
        &format!("{path}?dry_run=true"),
        Some(&with_articles),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["articles_added"], json!(["Délais (fr)"]));
    let mut bad_article = file.clone();
    bad_article["knowledge"] = json!([{"title": "", "body": "x", "language": "fr"}]);
    let (status, body) = call(
        &hub,
        &other,
        reqwest::Method::POST,
        path,
        Some(&bad_article),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["fields"]
            .as_object()
            .is_some_and(|f| f.contains_key("knowledge.0.title")),
        "{body}"
    );

    // A group twice in a file is named; a canned response twice is added once.
    let mut twice = file.clone();
    let first = twice["groups"][0].clone();
    twice["groups"].as_array_mut().unwrap().push(first);
    let (status, body) = call(&hub, &other, reqwest::Method::POST, path, Some(&twice)).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["fields"]
            .as_object()
            .is_some_and(|f| f.contains_key("groups.2.name")),
        "{body}"
    );
    let mut again_canned = file.clone();
    let c = again_canned["canned_responses"][0].clone();
    again_canned["canned_responses"]
        .as_array_mut()
        .unwrap()
        .push(json!({
        "theme": "New", "title": "Once", "body": "…"}));
    again_canned["canned_responses"]
        .as_array_mut()
        .unwrap()
        .push(json!({
        "theme": "New", "title": "Once", "body": "… again"}));
    let _ = c;
    let (status, report) = call(
        &hub,
        &other,
        reqwest::Method::POST,
        &format!("{path}?dry_run=true"),
        Some(&again_canned),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["canned_added"], json!(["New / Once"]), "{report}");

    // A file larger than other requests may be (many canned responses) still comes back.
    let mut big = file.clone();
    big["canned_responses"] = (0..400)
        .map(|i| json!({"theme": "Bulk", "title": format!("Answer {i}"), "body": "x".repeat(1000)}))
        .collect();
    assert!(big.to_string().len() > 256 * 1024);
    let (status, report) = call(
        &hub,
        &other,
        reqwest::Method::POST,
        &format!("{path}?dry_run=true"),
        Some(&big),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["canned_added"].as_array().unwrap().len(), 400);

    // The running hub uses the imported capacity at once.
    let queue = hub
        .hub
        .project_by_code("OTHER")
        .unwrap()
        .inspect(|e| e.settings().queue_per_agent)
        .await;
    assert_eq!(queue, Some(6));
}
