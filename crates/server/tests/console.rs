//! The console's session (issue 10): an HttpOnly SameSite=Strict cookie, admins and managers
//! only; what changes something needs the CSRF header of its session and the hub's origin;
//! settings are refused field by field.

mod common;

use common::*;
use pupitre_protocol::agent::Role;
use pupitre_server::admin::{self, NewAgentRequest};
use pupitre_server::store::SqliteStore;
use serde_json::{Value, json};

fn add(setup: &Setup, email: &str, role: Role) {
    let mut store = SqliteStore::open(&setup.db).unwrap();
    use pupitre_server::store::Store as _;
    let project = store.project_by_code(PROJECT).unwrap().unwrap().id;
    admin::create_agent(
        &mut store,
        project,
        NewAgentRequest {
            email: email.into(),
            name: email.split('@').next().unwrap().into(),
            password: PASSWORD.into(),
            role,
            slot_max: Some(3),
            groups: vec!["Sales".into()],
        },
    )
    .unwrap();
}

/// Signs in to the console: the `Cookie` header to send, and the CSRF token.
async fn sign_in(base: &str, email: &str) -> Result<(String, String, Vec<String>), (u16, Value)> {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/console/session"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let set: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    if status != 200 {
        return Err((status, r.json().await.unwrap()));
    }
    let value = |name: &str| {
        set.iter()
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .and_then(|rest| rest.split(';').next())
            .unwrap()
            .to_owned()
    };
    let session = value("pupitre_console");
    let csrf = value("pupitre_csrf");
    Ok((
        format!("pupitre_console={session}; pupitre_csrf={csrf}"),
        csrf,
        set,
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_session_is_a_cookie_and_changes_need_its_csrf_token() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    add(&setup, "adam@test", Role::Admin);
    add(&setup, "mona@test", Role::Manager);
    let hub = start(&setup, false).await;
    let base = hub.http_url();
    let http = reqwest::Client::new();

    // The console's page: at /admin/, under a strict policy, with its own files only.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{base}/admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["location"].to_str().unwrap()
        ),
        (308, "/admin/")
    );
    let r = http.get(format!("{base}/admin/")).send().await.unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self';") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let page = r.text().await.unwrap();
    assert!(
        page.contains("/admin/assets/"),
        "the built console (make console): {page}"
    );
    let script = page
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a script");
    let r = http.get(format!("{base}{script}")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );

    // The widget preview the Widget page frames: framed by the console's origin only, and
    // it connects nowhere.
    let r = http
        .get(format!("{base}/admin/widget-preview"))
        .send()
        .await
        .unwrap();
    let header = |name: &str| r.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("x-frame-options"), "SAMEORIGIN");
    let policy = header("content-security-policy");
    assert!(
        policy.contains("frame-ancestors 'self'") && policy.contains("connect-src 'none'"),
        "{policy}"
    );
    assert!(r.text().await.unwrap().contains("data-preview"));
    assert!(csp.contains("frame-src 'self'"), "{csp}");

    let (cookie, csrf, set) = sign_in(&base, "adam@test").await.unwrap();
    let session = set
        .iter()
        .find(|c| c.starts_with("pupitre_console="))
        .unwrap();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict"),
        "{session}"
    );
    assert!(
        !session.contains("Secure"),
        "plain http on loopback: no Secure flag"
    );
    let me: Value = http
        .get(format!("{base}/api/console/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["role"].as_str(), me["project"].as_str()),
        (Some("admin"), Some(PROJECT))
    );

    let url = format!("{base}/api/admin/projects/{PROJECT}/settings");
    let settings: Value = http
        .get(&url)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let put = |csrf: Option<&str>, origin: Option<&str>, body: &Value| {
        let mut r = http.put(&url).header("cookie", &cookie).json(body);
        if let Some(c) = csrf {
            r = r.header("x-pupitre-csrf", c);
        }
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.send()
    };
    let code = |v: &Value| v["code"].as_str().unwrap_or_default().to_owned();
    // Without the token, with a wrong one, or from another origin: refused.
    for (csrf, origin) in [
        (None, None),
        (Some("AAAA"), None),
        (Some(csrf.as_str()), Some("https://evil.test")),
    ] {
        let r = put(csrf, origin, &settings).await.unwrap();
        assert_eq!(r.status(), 403, "{csrf:?} {origin:?}");
        assert_eq!(code(&r.json().await.unwrap()), "forbidden");
    }
    // With its token, from its page: taken.
    let own_origin = base.clone();
    let r = put(Some(&csrf), Some(&own_origin), &settings)
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Refused field by field.
    let mut bad = settings.clone();
    bad["default_slot_max"] = json!(0);
    bad["widget"]["color"] = json!("red; background:url(//evil.test)");
    let r = put(Some(&csrf), None, &bad).await.unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(code(&body), "invalid_input");
    assert!(body["fields"]["default_slot_max"].is_string(), "{body}");
    assert!(body["fields"]["widget.color"].is_string(), "{body}");

    // A bearer token needs no CSRF header (it is not sent by browsers on their own).
    let token = agent(&hub, "adam@test").await.token;
    let r = http
        .put(&url)
        .bearer_auth(&token)
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // A sign-in posted from another site is refused; an agent has no console.
    let r = http
        .post(format!("{base}/api/console/session"))
        .header("origin", "https://evil.test")
        .json(&json!({"email": "adam@test", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (status, body) = sign_in(&base, "alice@test").await.unwrap_err();
    assert_eq!((status, code(&body).as_str()), (403, "forbidden"));
    // A manager signs in and reads the settings (M4), but changing them is the admin's.
    let (manager, manager_csrf, _) = sign_in(&base, "mona@test").await.unwrap();
    let r = http
        .get(&url)
        .header("cookie", &manager)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let settings: serde_json::Value = r.json().await.unwrap();
    let r = http
        .put(&url)
        .header("cookie", &manager)
        .header("x-pupitre-csrf", &manager_csrf)
        .header("origin", &base)
        .json(&settings)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // The console's cookie opens no desk: a WebSocket hello with it is refused.
    let session_token = cookie
        .split("; ")
        .find_map(|c| c.strip_prefix("pupitre_console="))
        .unwrap();
    let refused =
        pupitre_server::client::AgentConn::connect(&hub.ws_url(), session_token, None).await;
    let refused = match refused {
        Ok((_, welcome)) => format!("{welcome:?}"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        refused.contains("unauthorized") || refused.contains("Unauthorized"),
        "{refused}"
    );

    // Signing out clears both cookies.
    let r = http
        .delete(format!("{base}/api/console/session"))
        .header("cookie", &cookie)
        .header("x-pupitre-csrf", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let cleared: Vec<_> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cleared.iter().all(|c| c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    // And the session ended on the hub: a copy of the cookie opens nothing.
    let r = http
        .get(format!("{base}/api/console/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    hub.stop().await.unwrap();
}
