//! Bad input gets its error code, the connection and the hub stay healthy, and nothing is
//! written: malformed JSON, unknown frame, bad fields, oversized frame, wrong token, wrong
//! version, another agent's conversation.

mod common;

use common::*;
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent, AgentServerFrame};
use pupitre_protocol::visitor::{VisitorClientFrame, VisitorServerFrame};
use pupitre_protocol::{ConversationRef, ErrorCode, MAX_FRAME_BYTES, PROTOCOL_VERSION};
use pupitre_server::client::{AgentConn, VisitorConn};
use pupitre_server::store::Counters;

fn counters(hub: &pupitre_server::RunningHub) -> (Counters, i64) {
    hub.hub.with_store(|s| {
        let p = s.project_by_code(PROJECT).unwrap().unwrap();
        let counters = s.counters(p.id).unwrap();
        let conversations = s.live_conversations(p.id).unwrap().len() as i64;
        (counters, conversations)
    })
}

async fn error_code(conn: &mut AgentConn) -> ErrorCode {
    loop {
        match tokio::time::timeout(WAIT, conn.recv())
            .await
            .expect("an answer")
            .unwrap()
        {
            AgentServerFrame::Error(e) => return e.code,
            AgentServerFrame::Event { .. } => continue,
            other => panic!("expected an error, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_get_their_error_code_and_write_nothing() {
    let setup = setup(
        &[("alice@test", &["Sales"], 3), ("bob@test", &["Sales"], 3)],
        |_| {},
    );
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut visitor = visitor(&hub).await;
    visitor.say("hello").await;
    let conv = alice
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned { conversation, .. } => {
                Some(conversation.reference.clone())
            }
            _ => None,
        })
        .await;
    let mut bob = agent(&hub, "bob@test").await;
    bob.drain().await;
    alice.drain().await;
    let before = counters(&hub);

    let conn = &mut bob.conn;
    conn.send_raw("{not json".into()).await.unwrap();
    assert_eq!(error_code(conn).await, ErrorCode::MalformedJson);
    conn.send_raw(r#"{"type":"fly_to_the_moon"}"#.into())
        .await
        .unwrap();
    assert_eq!(error_code(conn).await, ErrorCode::UnknownFrame);
    conn.send_raw(r#"{"no_type":1}"#.into()).await.unwrap();
    assert_eq!(error_code(conn).await, ErrorCode::UnknownFrame);
    conn.send_raw(r#"{"type":"send_message","text":"missing fields"}"#.into())
        .await
        .unwrap();
    assert_eq!(error_code(conn).await, ErrorCode::InvalidInput);
    let huge = format!(
        r#"{{"type":"send_message","text":"{}"}}"#,
        "x".repeat(MAX_FRAME_BYTES + 10)
    );
    conn.send_raw(huge).await.unwrap();
    assert_eq!(error_code(conn).await, ErrorCode::FrameTooLarge);

    // Another agent's conversation: forbidden, whatever the action.
    let e = bob
        .refused(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: conv.clone(),
            text: "mine now".into(),
        })
        .await;
    assert_eq!(e.code, ErrorCode::Forbidden);
    let e = bob
        .refused(AgentClientFrame::Close {
            client_id: cid(),
            conversation: conv.clone(),
            conversation_type: None,
        })
        .await;
    assert_eq!(e.code, ErrorCode::Forbidden);
    let e = bob
        .refused(AgentClientFrame::Snooze {
            client_id: cid(),
            conversation: conv.clone(),
            until: i64::MAX,
            keep: true,
        })
        .await;
    assert_eq!(e.code, ErrorCode::Forbidden);
    // Unknown or malformed references, bad values.
    let e = bob
        .refused(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: ConversationRef("OTHER-1".into()),
            text: "x".into(),
        })
        .await;
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = alice
        .refused(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: conv.clone(),
            text: "   ".into(),
        })
        .await;
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let e = alice
        .refused(AgentClientFrame::SetSlotLimit {
            client_id: cid(),
            limit: 99,
        })
        .await;
    assert_eq!(e.code, ErrorCode::SlotLimitAboveMax);
    let e = alice
        .refused(AgentClientFrame::Close {
            client_id: cid(),
            conversation: conv.clone(),
            conversation_type: Some("Nope".into()),
        })
        .await;
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let e = alice
        .refused(AgentClientFrame::Snooze {
            client_id: cid(),
            conversation: conv.clone(),
            until: 0,
            keep: false,
        })
        .await;
    assert_eq!(
        e.code,
        ErrorCode::InvalidInput,
        "a pause must end in the future"
    );

    // The connection is still healthy, and nothing was written.
    bob.conn.send(&AgentClientFrame::Ping).await.unwrap();
    assert!(matches!(
        bob.conn.recv().await.unwrap(),
        AgentServerFrame::Pong
    ));
    assert_eq!(
        counters(&hub),
        before,
        "no message, event or conversation was written"
    );
    let on_desk = alice.drain().await;
    assert!(
        !on_desk
            .iter()
            .any(|f| matches!(f, AgentServerFrame::Event { .. })),
        "Alice saw nothing of Bob's attempts: {on_desk:?}"
    );

    // Visitors: malformed and oversized frames, the connection stays.
    visitor.conn.send_raw("]]".into()).await.unwrap();
    assert!(
        matches!(visitor.conn.recv().await.unwrap(), VisitorServerFrame::Error(e) if e.code == ErrorCode::MalformedJson)
    );
    visitor
        .conn
        .send(&VisitorClientFrame::SetProfile {
            client_id: cid(),
            name: None,
            email: Some("not an address".into()),
        })
        .await
        .unwrap();
    assert!(
        matches!(visitor.conn.recv().await.unwrap(), VisitorServerFrame::Error(e) if e.code == ErrorCode::InvalidInput)
    );
    // Issue 9: an address with mailto headers after it is not an address.
    visitor
        .conn
        .send(&VisitorClientFrame::SetProfile {
            client_id: cid(),
            name: None,
            email: Some("a@example.com?bcc=evil%40evil.test&body=hi".into()),
        })
        .await
        .unwrap();
    assert!(
        matches!(visitor.conn.recv().await.unwrap(), VisitorServerFrame::Error(e) if e.code == ErrorCode::InvalidInput)
    );
    visitor.conn.send(&VisitorClientFrame::Ping).await.unwrap();
    assert!(matches!(
        visitor.conn.recv().await.unwrap(),
        VisitorServerFrame::Pong
    ));
    assert_eq!(counters(&hub), before);
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_tokens_versions_and_hellos_are_refused() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, false).await;
    let before = counters(&hub);

    let (_, first) = AgentConn::connect(&hub.ws_url(), "forged.token", None)
        .await
        .unwrap();
    assert!(matches!(first, AgentServerFrame::Error(e) if e.code == ErrorCode::Unauthorized));
    // A visitor token is not an agent token.
    let v = visitor(&hub).await;
    let (_, first) = AgentConn::connect(&hub.ws_url(), &v.token, None)
        .await
        .unwrap();
    assert!(matches!(first, AgentServerFrame::Error(e) if e.code == ErrorCode::Unauthorized));
    let (_, first) = VisitorConn::connect(&hub.ws_url(), PROJECT, Some("forged".into()), None)
        .await
        .unwrap();
    assert!(matches!(first, VisitorServerFrame::Error(e) if e.code == ErrorCode::Unauthorized));
    let (_, first) = VisitorConn::connect(&hub.ws_url(), "NOPE", None, None)
        .await
        .unwrap();
    assert!(matches!(first, VisitorServerFrame::Error(e) if e.code == ErrorCode::NotFound));

    let session = pupitre_server::client::login(&hub.http_url(), "alice@test", PASSWORD)
        .await
        .unwrap();
    let hello = AgentClientFrame::Hello {
        version: PROTOCOL_VERSION + 98,
        token: session.access_token.clone(),
        last_seq: None,
    };
    let (_, first) = AgentConn::open(&format!("{}/ws/agent", hub.ws_url()), &hello)
        .await
        .unwrap();
    assert!(matches!(first, AgentServerFrame::Error(e) if e.code == ErrorCode::VersionUnsupported));
    let not_hello = AgentClientFrame::Ping;
    let (_, first) = AgentConn::open(&format!("{}/ws/agent", hub.ws_url()), &not_hello)
        .await
        .unwrap();
    assert!(matches!(first, AgentServerFrame::Error(e) if e.code == ErrorCode::HelloRequired));

    // HTTP: wrong password, missing token, agent on the admin API.
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/api/login", hub.http_url()))
        .json(&serde_json::json!({"email": "alice@test", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");
    let r = http
        .get(format!("{}/api/admin/projects", hub.http_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(format!("{}/api/admin/projects", hub.http_url()))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "forbidden"
    );
    let r = http
        .post(format!("{}/api/login", hub.http_url()))
        .header("content-type", "application/json")
        .body("{broken")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());

    // The hub is healthy and nothing was written.
    let r = http
        .get(format!("{}/healthz", hub.http_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(counters(&hub), before);
    hub.stop().await.unwrap();
}

/// Issue 9: a flood of wrong-password logins, no account needed, may not take the hub's memory
/// (each argon2id check holds 19 MiB): checks run a few at a time, a bounded number wait, the
/// rest are refused at once with `rate_limited`; every answer carries a code, and the right
/// password works as soon as the flood ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_waits_or_is_refused_with_a_code_and_the_password_still_works_after() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start_with(&setup, behind_a_proxy()).await;
    let url = format!("{}/api/login", hub.http_url());
    let http = reqwest::Client::new();
    let flood: Vec<_> = (0..120)
        .map(|i| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                let r = http
                    .post(url)
                    .header("x-forwarded-for", format!("203.0.113.{}", i % 250))
                    .json(&serde_json::json!({"email": format!("nobody{i}@test"), "password": "x"}))
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                if status == 429 {
                    assert_eq!(
                        r.headers()["retry-after"],
                        "1",
                        "a refusal says when to retry"
                    );
                }
                let body: serde_json::Value = r.json().await.unwrap();
                (status, body["code"].as_str().unwrap_or_default().to_owned())
            })
        })
        .collect();
    let (mut unauthorized, mut refused) = (0, 0);
    for answer in flood {
        match answer.await.unwrap() {
            (401, code) if code == "unauthorized" => unauthorized += 1,
            (429, code) if code == "rate_limited" => refused += 1,
            other => panic!("an answer outside the contract: {other:?}"),
        }
    }
    assert!(unauthorized >= 1, "some were checked");
    assert!(
        refused >= 1,
        "120 at once exceed the checks and the 64 that may wait"
    );
    assert_eq!(hub.hub.password_gate.waiting(), 0);
    let r = http
        .post(&url)
        .json(&serde_json::json!({"email": "alice@test", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the right password works after the flood");
    hub.stop().await.unwrap();
}

/// The hub behind a reverse proxy on loopback, so a test can log in "from" any address.
fn behind_a_proxy() -> pupitre_server::HubOptions {
    pupitre_server::HubOptions {
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..Default::default()
    }
}

async fn login_from(
    http: &reqwest::Client,
    url: &str,
    from: &str,
    email: &str,
    password: &str,
) -> (u16, String) {
    let r = http
        .post(url)
        .header("x-forwarded-for", from)
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body: serde_json::Value = r.json().await.unwrap();
    let code = body["code"].as_str().unwrap_or_default().to_owned();
    if status == 429 {
        assert!(retry.is_some(), "a throttled login says when to retry");
    }
    (status, code)
}

/// Issue 9: wrong passwords slow down whoever sends them, never the agent elsewhere.
#[tokio::test]
async fn a_stranger_guessing_a_password_is_slowed_and_the_agent_still_logs_in() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start_with(&setup, behind_a_proxy()).await;
    let url = format!("{}/api/login", hub.http_url());
    let http = reqwest::Client::new();
    let stranger = "198.51.100.9";
    let mut answers = vec![];
    for _ in 0..8 {
        answers.push(login_from(&http, &url, stranger, "Alice@test", "guess").await);
    }
    let unauthorized = answers
        .iter()
        .filter(|a| a.0 == 401 && a.1 == "unauthorized")
        .count();
    let throttled = answers
        .iter()
        .filter(|a| a.0 == 429 && a.1 == "rate_limited")
        .count();
    assert_eq!((unauthorized, throttled), (6, 2), "{answers:?}");
    assert_eq!(
        login_from(&http, &url, stranger, "alice@test", PASSWORD)
            .await
            .0,
        429,
        "even the right password waits at the guessing address"
    );
    assert_eq!(
        login_from(&http, &url, "203.0.113.7", "alice@test", PASSWORD)
            .await
            .0,
        200,
        "the agent, from her own address, is not locked out"
    );
    hub.stop().await.unwrap();
    // The header counts only from a trusted proxy: a client cannot pick its address.
    let direct = start(&setup, false).await;
    let url = format!("{}/api/login", direct.http_url());
    for i in 0..6 {
        login_from(&http, &url, &format!("192.0.2.{i}"), "alice@test", "guess").await;
    }
    assert_eq!(
        login_from(&http, &url, "192.0.2.200", "alice@test", "guess")
            .await
            .0,
        429,
        "a forged X-Forwarded-For is ignored: all came from the peer"
    );
    direct.stop().await.unwrap();
}
