//! Several hubs on one PostgreSQL database: a desk, a widget or a co-browsing socket that
//! reaches a node which does not own its project is relayed to the node that does (issue 14).
//! The client's frames, from its hello on, go through unchanged both ways; the owner does
//! everything else (sessions, acks, resumes). When either side ends, so does the other: the
//! client reconnects and, if the project moved meanwhile, is relayed to its new owner.

use std::net::IpAddr;

use axum::extract::ws::{CloseFrame, Message as AxumMessage, WebSocket};
use axum::http::HeaderValue;

use crate::auth::Keys;
use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::Message as UpMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::protocol::CloseFrame as UpCloseFrame;

/// The header a relayed connection carries.
pub const RELAYED: &str = "x-pupitre-relayed";

const MOVING: &str = "the project is moving; reconnect";

type Upstream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The WebSocket address of `path` on the node reached at `node_url` (`http://…` → `ws://…`).
pub fn ws_url(node_url: &str, path: &str) -> String {
    let base = node_url.trim_end_matches('/');
    let base = match base.strip_prefix("https://") {
        Some(rest) => format!("wss://{rest}"),
        None => match base.strip_prefix("http://") {
            Some(rest) => format!("ws://{rest}"),
            None => base.to_owned(),
        },
    };
    format!("{base}{path}")
}

/// A relayed client as the owner should see it: its address and its browser.
pub struct Client {
    pub address: IpAddr,
    pub user_agent: Option<String>,
}

/// The handshake of a relayed socket to `path` (with its query) on the node at `node_url`.
/// `client`'s address goes as `X-Forwarded-For`, vouched for by [`RELAYED`]'s proof (the owner
/// counts its per-address limits on it, not on the relaying node's); its `User-Agent` as it
/// came. `None`: no valid address.
fn handshake(keys: &Keys, node_url: &str, path: &str, client: Option<&Client>) -> Option<Request> {
    let mut request = ws_url(node_url, path).into_client_request().ok()?;
    let headers = request.headers_mut();
    // One hop only: a node that cannot serve a relayed client says "reconnect" instead of
    // relaying it on (two nodes disagreeing about the owner would pass it back and forth).
    headers.insert(RELAYED, HeaderValue::from_static("1"));
    if let Some(client) = client {
        let address = client.address.to_string();
        if let (Ok(forwarded), Ok(proof)) = (
            HeaderValue::from_str(&address),
            HeaderValue::from_str(&keys.relay_proof(&address)),
        ) {
            headers.insert("x-forwarded-for", forwarded);
            headers.insert(RELAYED, proof);
        }
        if let Some(agent) = client
            .user_agent
            .as_deref()
            .and_then(|a| HeaderValue::from_str(a).ok())
        {
            headers.insert("user-agent", agent);
        }
    }
    Some(request)
}

/// On the owner: the address a relaying node vouched for (its `X-Forwarded-For`, with a
/// [`RELAYED`] proof made with the nodes' key), else `None` (not relayed, or not by a node).
pub fn vouched_client(keys: &Keys, headers: &axum::http::HeaderMap) -> Option<IpAddr> {
    let proof = headers.get(RELAYED)?.to_str().ok()?;
    let forwarded = headers.get("x-forwarded-for")?.to_str().ok()?.trim();
    keys.relay_proof_matches(forwarded, proof)
        .then(|| forwarded.parse().ok())
        .flatten()
}

/// Relays `socket` to `path` on the owner; `hello` is the client's first frame, already read.
/// `client`: a visitor's address and browser, passed on (see [`handshake`]).
pub async fn relay(
    socket: &mut WebSocket,
    keys: &Keys,
    node_url: &str,
    path: &str,
    hello: String,
    client: Option<&Client>,
) {
    let Some(request) = handshake(keys, node_url, path, client) else {
        return end(socket, 1011, "the project's node has no valid address").await;
    };
    match tokio_tungstenite::connect_async(request).await {
        Ok((upstream, _)) => pipe(socket, upstream, hello).await,
        Err(e) => {
            tracing::warn!(node_url, error = %e, "relaying to the project's node");
            // The owner is gone or moving: the client tries again (the next try finds the new
            // owner, or this node owning it).
            end(socket, 1012, MOVING).await
        }
    }
}

/// Passes the client's frames to the owner, from `hello` on, and the owner's back, until
/// either side ends.
async fn pipe(socket: &mut WebSocket, mut upstream: Upstream, hello: String) {
    metrics::counter!("pupitre_relayed_connections_total").increment(1);
    if upstream.send(UpMessage::text(hello)).await.is_err() {
        return end(socket, 1012, MOVING).await;
    }
    let closing = loop {
        tokio::select! {
            from_client = socket.recv() => match from_client {
                Some(Ok(AxumMessage::Close(frame))) => {
                    let _ = upstream
                        .send(UpMessage::Close(frame.map(|f| UpCloseFrame {
                            code: f.code.into(),
                            reason: f.reason.as_str().into(),
                        })))
                        .await;
                    break None;
                }
                Some(Ok(m)) => {
                    if upstream.send(to_upstream(m)).await.is_err() {
                        break Some((1012, MOVING.to_owned()));
                    }
                }
                _ => break None,
            },
            from_owner = upstream.next() => match from_owner {
                Some(Ok(UpMessage::Close(frame))) => {
                    break Some(frame.map_or((1012, MOVING.to_owned()), |f| {
                        (f.code.into(), f.reason.as_str().to_owned())
                    }));
                }
                Some(Ok(m)) => {
                    if let Some(m) = to_client(m)
                        && socket.send(m).await.is_err()
                    {
                        break None;
                    }
                }
                _ => break Some((1012, MOVING.to_owned())),
            },
        }
    };
    if let Some((code, reason)) = closing {
        let _ = socket
            .send(AxumMessage::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
    }
}

fn to_upstream(m: AxumMessage) -> UpMessage {
    match m {
        AxumMessage::Text(t) => UpMessage::text(t.as_str()),
        AxumMessage::Binary(b) => UpMessage::binary(b),
        AxumMessage::Ping(p) => UpMessage::Ping(p),
        AxumMessage::Pong(p) => UpMessage::Pong(p),
        AxumMessage::Close(_) => UpMessage::Close(None),
    }
}

fn to_client(m: UpMessage) -> Option<AxumMessage> {
    Some(match m {
        UpMessage::Text(t) => AxumMessage::Text(t.as_str().into()),
        UpMessage::Binary(b) => AxumMessage::Binary(b),
        UpMessage::Ping(p) => AxumMessage::Ping(p),
        UpMessage::Pong(p) => AxumMessage::Pong(p),
        UpMessage::Close(_) | UpMessage::Frame(_) => return None,
    })
}

async fn end(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(AxumMessage::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The owner counts a relayed visitor under the address the relaying node vouched for,
    /// and only then: a client cannot claim an address by sending the headers itself.
    #[test]
    fn only_a_node_vouches_for_a_relayed_clients_address() {
        let nodes = Keys::fixed(1);
        let client = Client {
            address: "203.0.113.9".parse().unwrap(),
            user_agent: Some("Mozilla/5.0 (Android) Firefox".into()),
        };
        let request = handshake(&nodes, "http://10.0.0.5:8470", "/ws/visitor", Some(&client))
            .expect("a request");
        let headers = request.headers();
        assert_eq!(headers["user-agent"], "Mozilla/5.0 (Android) Firefox");
        assert_eq!(
            vouched_client(&nodes, headers),
            Some("203.0.113.9".parse().unwrap())
        );
        // Another cluster's key, a forged proof, an address changed on the way: not vouched.
        assert_eq!(vouched_client(&Keys::fixed(2), headers), None);
        let mut forged = headers.clone();
        forged.insert(RELAYED, HeaderValue::from_static("1"));
        assert_eq!(vouched_client(&nodes, &forged), None);
        let mut moved = headers.clone();
        moved.insert("x-forwarded-for", HeaderValue::from_static("198.51.100.1"));
        assert_eq!(vouched_client(&nodes, &moved), None);
        // A desk's relay carries no address: one hop, nothing vouched.
        let desk = handshake(&nodes, "http://10.0.0.5:8470", "/ws/agent", None).unwrap();
        assert_eq!(desk.headers()[RELAYED], "1");
        assert_eq!(vouched_client(&nodes, desk.headers()), None);
    }

    #[test]
    fn a_node_url_becomes_its_websocket_address() {
        assert_eq!(
            ws_url("http://10.0.0.5:8470", "/ws/agent"),
            "ws://10.0.0.5:8470/ws/agent"
        );
        assert_eq!(
            ws_url("https://n2.example/", "/ws/visitor"),
            "wss://n2.example/ws/visitor"
        );
    }
}
