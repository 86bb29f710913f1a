//! Bounds on connections (issue 9): beyond the hub's cap, or beyond the cap of one visitor
//! address, a WebSocket is closed with 1013 and a reason; a freed place is taken again.

mod common;

use common::*;
use futures_util::{SinkExt as _, StreamExt as _};
use pupitre_protocol::PROTOCOL_VERSION;
use pupitre_protocol::visitor::VisitorClientFrame;
use pupitre_server::connection_limits::ConnectionLimits;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A widget connection "from" `address` (the hub trusts loopback as its proxy), said hello to.
/// `Err(reason)` when the hub closes it at once.
async fn visitor_from(
    hub: &pupitre_server::RunningHub,
    address: &str,
) -> Result<Ws, (u16, String)> {
    let mut request = format!("{}/ws/visitor", hub.ws_url())
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("x-forwarded-for", address.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let hello = VisitorClientFrame::Hello {
        version: PROTOCOL_VERSION,
        project: PROJECT.into(),
        token: None,
        last_seq: None,
        language: None,
        page: None,
    };
    let _ = ws
        .send(WsMessage::text(serde_json::to_string(&hello).unwrap()))
        .await;
    match tokio::time::timeout(WAIT, ws.next()).await.unwrap() {
        Some(Ok(WsMessage::Text(t))) if t.contains("welcome") => Ok(ws),
        Some(Ok(WsMessage::Close(Some(frame)))) => {
            Err((frame.code.into(), frame.reason.to_string()))
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_caps_a_connection_is_closed_1013_and_a_freed_place_is_taken() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start_with(
        &setup,
        pupitre_server::HubOptions {
            trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
            connection_limits: Some(ConnectionLimits {
                most: 3,
                most_per_visitor_address: 2,
            }),
            ..Default::default()
        },
    )
    .await;
    let a1 = visitor_from(&hub, "203.0.113.7").await.unwrap();
    let _a2 = visitor_from(&hub, "203.0.113.7").await.unwrap();
    let (code, reason) = visitor_from(&hub, "203.0.113.7").await.unwrap_err();
    assert_eq!(code, 1013);
    assert!(reason.contains("your address"), "{reason}");
    let _b1 = visitor_from(&hub, "198.51.100.9").await.unwrap();
    // The hub is full: another address, or a desk, waits.
    let (code, reason) = visitor_from(&hub, "192.0.2.1").await.unwrap_err();
    assert_eq!(
        (code, reason.contains("connection limit")),
        (1013, true),
        "{reason}"
    );
    let session = pupitre_server::client::login(&hub.http_url(), "alice@test", PASSWORD)
        .await
        .unwrap();
    let e = pupitre_server::client::AgentConn::connect(&hub.ws_url(), &session.access_token, None)
        .await
        .err()
        .expect("the desk waits too");
    assert!(format!("{e:#}").contains("connection limit"), "{e:#}");
    // A place freed is taken again.
    drop(a1);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match pupitre_server::client::AgentConn::connect(&hub.ws_url(), &session.access_token, None)
            .await
        {
            Ok(_) => break,
            Err(e) if tokio::time::Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => panic!("the freed place was not taken: {e:#}"),
        }
    }
    hub.stop().await.unwrap();
}
