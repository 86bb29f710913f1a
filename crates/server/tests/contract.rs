//! Every error in the contract (issue 9): every route and every frame type, given bad input,
//! answers `{code, message}` with a code of `pupitre_protocol::ErrorCode` (and, over HTTP, that
//! code's status); `not_found`, `forbidden` and `invalid_state` as `error.rs` defines them;
//! messages beyond the socket's hard cap close with 1009, text that is not UTF-8 with 1007.

mod common;

use common::*;
use futures_util::{SinkExt as _, StreamExt as _};
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent};
use pupitre_protocol::visitor::VisitorClientFrame;
use pupitre_protocol::{ConversationRef, ErrorCode, PROTOCOL_VERSION};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// Every route of the API and the pages: method, path (placeholders filled), whether it takes
/// a JSON body. Adding a route without adding it here leaves it untested: keep it in step with
/// `crates/server/src/api/mod.rs`.
const ROUTES: &[(&str, &str, bool)] = &[
    ("GET", "/healthz", false),
    ("GET", "/metrics", false),
    ("POST", "/api/login", true),
    ("POST", "/api/refresh", true),
    ("POST", "/api/logout", true),
    ("GET", "/api/me", false),
    ("GET", "/api/canned-responses", false),
    ("POST", "/api/canned-responses", true),
    ("GET", "/api/conversations", false),
    ("GET", "/api/conversations/TEST-1", false),
    ("GET", "/api/agents", false),
    ("GET", "/api/groups", false),
    ("GET", "/api/visitors/v1/conversations", false),
    ("GET", "/api/stats/today", false),
    ("GET", "/api/admin/projects", false),
    ("POST", "/api/admin/projects", true),
    ("GET", "/api/admin/projects/TEST/groups", false),
    ("POST", "/api/admin/projects/TEST/groups", true),
    ("GET", "/api/admin/projects/TEST/agents", false),
    ("POST", "/api/admin/projects/TEST/agents", true),
    ("POST", "/api/admin/projects/TEST/canned-responses", true),
    ("GET", "/api/admin/projects/TEST/canned-responses", false),
    ("PUT", "/api/admin/projects/TEST/canned-responses/1", true),
    (
        "DELETE",
        "/api/admin/projects/TEST/canned-responses/1",
        false,
    ),
    ("PATCH", "/api/admin/projects/TEST/agents/1", true),
    ("PUT", "/api/admin/projects/TEST/agents/1/password", true),
    ("PATCH", "/api/admin/projects/TEST/groups/1", true),
    ("GET", "/api/admin/projects/TEST/settings", false),
    ("PATCH", "/api/admin/projects/TEST", true),
    ("PUT", "/api/admin/projects/TEST/settings", true),
    ("PUT", "/api/admin/projects/TEST/groups/1/hours", true),
    ("GET", "/api/admin/projects/TEST/audit", false),
    ("GET", "/api/admin/projects/TEST/knowledge", false),
    ("POST", "/api/admin/projects/TEST/knowledge", true),
    ("PUT", "/api/admin/projects/TEST/knowledge/1", true),
    ("DELETE", "/api/admin/projects/TEST/knowledge/1", false),
    ("GET", "/api/admin/projects/TEST/configuration", false),
    ("POST", "/api/admin/projects/TEST/configuration", true),
    ("GET", "/api/widget/config", false),
    ("POST", "/api/visitor/files", false),
    ("GET", "/api/files/1", false),
    ("POST", "/api/conversations/TEST-1/files", false),
    ("GET", "/admin/", false),
    ("GET", "/admin/assets/none.js", false),
    ("GET", "/ws/agent", false),
    ("GET", "/ws/visitor", false),
];

/// Checks one answer is in the contract; returns its code.
async fn in_contract(what: &str, r: reqwest::Response) -> ErrorCode {
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = r.text().await.unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{what}: {status} {content_type:?} {text:?}"
    );
    let body: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {text}"));
    let code: ErrorCode = serde_json::from_value(body["code"].clone())
        .unwrap_or_else(|e| panic!("{what}: no code of the contract ({e}): {text}"));
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: a message: {text}"
    );
    assert_eq!(
        status,
        code.http_status(),
        "{what}: the code's status: {text}"
    );
    code
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_bad_input_in_the_contract() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, false).await;
    let base = hub.http_url();
    let http = reqwest::Client::new();
    let token = agent(&hub, "alice@test").await.token;

    for &(method, path, json) in ROUTES {
        let url = format!("{base}{path}");
        // A method the route does not take.
        let wrong = ["DELETE", "PATCH", "PUT", "POST"]
            .into_iter()
            .find(|m| !ROUTES.iter().any(|(rm, rp, _)| rp == &path && rm == m))
            .expect("a method the route does not take");
        let r = http
            .request(wrong.parse().unwrap(), &url)
            .send()
            .await
            .unwrap();
        let what = format!("{wrong} {path}");
        assert_eq!(
            in_contract(&what, r).await,
            ErrorCode::MethodNotAllowed,
            "{what}"
        );
        if method == "GET" {
            let r = http.get(&url).bearer_auth("forged").send().await.unwrap();
            let status = r.status().as_u16();
            if status >= 400 {
                in_contract(&format!("GET {path} with a forged token"), r).await;
            }
            continue;
        }
        let req = || {
            http.request(method.parse().unwrap(), &url)
                .bearer_auth(&token)
        };
        let what = |case: &str| format!("{method} {path} {case}");
        // A body far beyond any route's limit.
        let r = req()
            .header("content-type", "application/json")
            .body(vec![b' '; 32 * 1024 * 1024])
            .send()
            .await;
        // The hub may also stop reading and close: then there is no answer to check.
        if let Ok(r) = r {
            assert_eq!(
                in_contract(&what("with 32 MiB"), r).await,
                ErrorCode::FrameTooLarge
            );
        }
        if !json {
            continue;
        }
        let r = req()
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(
            in_contract(&what("as text/plain"), r).await,
            ErrorCode::UnsupportedMediaType
        );
        let r = req()
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(
            in_contract(&what("with broken JSON"), r).await,
            ErrorCode::MalformedJson
        );
        let r = req()
            .header("content-type", "application/json")
            .body(r#"{"unexpected": [1, 2]}"#)
            .send()
            .await
            .unwrap();
        let code = in_contract(&what("with the wrong shape"), r).await;
        assert!(
            matches!(code, ErrorCode::InvalidInput | ErrorCode::Forbidden),
            "{}: {code:?}",
            what("with the wrong shape")
        );
    }
    for path in [
        "/nope",
        "/api/nope",
        "/api/conversations/TEST-1/nope",
        "/%ff",
    ] {
        let r = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(in_contract(path, r).await, ErrorCode::NotFound);
    }
    hub.stop().await.unwrap();
}

/// The frame types of a protocol enum, from serde's own list (the one the hub checks with).
fn frame_types<T: serde::de::DeserializeOwned + std::fmt::Debug>() -> Vec<String> {
    let e = serde_json::from_str::<T>(r#"{"type":"~"}"#)
        .unwrap_err()
        .to_string();
    let list = e
        .split_once("expected one of ")
        .unwrap_or_else(|| panic!("serde's words changed: {e}"))
        .1;
    list.split(", ")
        .map(|t| t.trim_matches(|c: char| c == '`' || c.is_whitespace()))
        .map(|t| t.split('`').next().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_frame_type_with_bad_fields_is_invalid_input_and_unknown_ones_unknown_frame() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    let mut visitor = visitor(&hub).await;
    let agent_types = frame_types::<AgentClientFrame>();
    let visitor_types = frame_types::<VisitorClientFrame>();
    assert!(agent_types.len() >= 10, "{agent_types:?}");
    assert!(
        agent_types.iter().any(|t| t == "send_offer"),
        "{agent_types:?}"
    );
    for kind in &agent_types {
        let bad =
            serde_json::json!({"type": kind, "client_id": 42, "conversation": [], "junk": true});
        if serde_json::from_value::<AgentClientFrame>(bad.clone()).is_ok() {
            // A frame without fields (ping) takes this as it is.
            continue;
        }
        alice.conn.send_raw(bad.to_string()).await.unwrap();
        let e = next_error_agent(&mut alice).await;
        assert_eq!(e.code, ErrorCode::InvalidInput, "agent {kind}: {e:?}");
        assert!(
            e.message.contains(kind.as_str()),
            "the error names the frame: {e:?}"
        );
    }
    for kind in &visitor_types {
        let bad = serde_json::json!({"type": kind, "client_id": 42, "junk": true});
        if serde_json::from_value::<VisitorClientFrame>(bad.clone()).is_ok() {
            continue;
        }
        visitor.conn.send_raw(bad.to_string()).await.unwrap();
        let e = next_error_visitor(&mut visitor).await;
        assert_eq!(e.code, ErrorCode::InvalidInput, "visitor {kind}: {e:?}");
    }
    alice
        .conn
        .send_raw(r#"{"type":"answer_everything"}"#.into())
        .await
        .unwrap();
    assert_eq!(
        next_error_agent(&mut alice).await.code,
        ErrorCode::UnknownFrame
    );
    hub.stop().await.unwrap();
}

async fn next_error_agent(a: &mut Agent) -> pupitre_protocol::ErrorFrame {
    loop {
        match tokio::time::timeout(WAIT, a.conn.recv())
            .await
            .unwrap()
            .unwrap()
        {
            pupitre_protocol::agent::AgentServerFrame::Error(e) => return e,
            _ => continue,
        }
    }
}

async fn next_error_visitor(v: &mut Visitor) -> pupitre_protocol::ErrorFrame {
    loop {
        match tokio::time::timeout(WAIT, v.conn.recv())
            .await
            .unwrap()
            .unwrap()
        {
            pupitre_protocol::visitor::VisitorServerFrame::Error(e) => return e,
            _ => continue,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_found_forbidden_and_invalid_state_as_the_contract_defines_them() {
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
    let close = |conversation: &ConversationRef| AgentClientFrame::Close {
        client_id: cid(),
        conversation: conversation.clone(),
        conversation_type: Some("Sale".into()),
    };
    let never = ConversationRef(format!("{PROJECT}-999999"));
    assert_eq!(bob.refused(close(&never)).await.code, ErrorCode::NotFound);
    assert_eq!(
        bob.refused(close(&ConversationRef("ELSEWHERE-1".into())))
            .await
            .code,
        ErrorCode::NotFound
    );
    assert_eq!(bob.refused(close(&conv)).await.code, ErrorCode::Forbidden);
    alice.request(close(&conv)).await;
    assert_eq!(
        alice.refused(close(&conv)).await.code,
        ErrorCode::InvalidState,
        "closing a closed conversation"
    );
    let e = alice
        .refused(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: conv.clone(),
            text: "still there?".into(),
        })
        .await;
    assert_eq!(e.code, ErrorCode::InvalidState, "{e:?}");
    hub.stop().await.unwrap();
}

/// A raw socket to the visitor gateway, said hello to.
async fn raw_visitor(
    hub: &pupitre_server::RunningHub,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default();
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(
        format!("{}/ws/visitor", hub.ws_url()),
        Some(config),
        false,
    )
    .await
    .unwrap();
    let hello = VisitorClientFrame::Hello {
        version: PROTOCOL_VERSION,
        project: PROJECT.into(),
        token: None,
        last_seq: None,
        language: None,
        page: None,
    };
    ws.send(WsMessage::text(serde_json::to_string(&hello).unwrap()))
        .await
        .unwrap();
    let welcome = ws.next().await.unwrap().unwrap();
    assert!(
        welcome.to_text().unwrap().contains("welcome"),
        "{welcome:?}"
    );
    ws
}

/// The close frame the hub ends with (frames before it are skipped).
async fn close_code(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> (u16, String) {
    loop {
        match tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("an answer")
        {
            Some(Ok(WsMessage::Close(Some(frame)))) => {
                return (frame.code.into(), frame.reason.to_string());
            }
            Some(Ok(WsMessage::Close(None))) | None => panic!("closed with no code"),
            Some(Ok(_)) => continue,
            Some(Err(e)) => panic!("dropped without a close frame: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_hard_cap_closes_1009_and_broken_utf8_1007() {
    let setup = setup(&[], |_| {});
    let hub = start(&setup, false).await;
    for size in [300 * 1024, 1024 * 1024] {
        let mut ws = raw_visitor(&hub).await;
        let big = format!(r#"{{"type":"draft","text":"{}"}}"#, "x".repeat(size));
        // The hub may close while the message is still being written.
        let _ = ws.send(WsMessage::text(big)).await;
        let (code, reason) = close_code(&mut ws).await;
        assert_eq!(code, 1009, "{size} bytes: {reason}");
        assert!(reason.contains("256 KiB"), "{reason}");
    }
    let mut ws = raw_visitor(&hub).await;
    let broken = Frame::message(vec![b'{', 0xff, 0xfe, b'}'], OpCode::Data(Data::Text), true);
    ws.send(WsMessage::Frame(broken)).await.unwrap();
    let (code, reason) = close_code(&mut ws).await;
    assert_eq!(code, 1007, "{reason}");
    // Also before the hello.
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("{}/ws/visitor", hub.ws_url()))
        .await
        .unwrap();
    let _ = ws.send(WsMessage::text("y".repeat(512 * 1024))).await;
    assert_eq!(close_code(&mut ws).await.0, 1009);
    hub.stop().await.unwrap();
}
