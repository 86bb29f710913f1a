//! WebSocket connections of desks and widgets.
//!
//! One task per connection reads frames, checks their bounds (size, rate), parses them and
//! passes them to the project writer; it writes back what the writer sends through a bounded
//! queue. Errors a connection can answer by itself (malformed JSON, unknown frame, too large,
//! too fast) never reach the writer and never close the connection.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use pupitre_protocol::agent::{AgentClientFrame, AgentServerFrame, VisitorCard};
use pupitre_protocol::visitor::VisitorClientFrame;
use pupitre_protocol::{ErrorCode, ErrorFrame, MAX_FRAME_BYTES, SUPPORTED_VERSIONS};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use crate::Hub;
use crate::auth::Claims;
use crate::hub::{Command, OUTBOUND_QUEUE, Outbound, ProjectHandle};

/// Bytes the socket reads at once. Small, so that 20,000 idle connections stay small (P3).
const READ_BUFFER: usize = 4 * 1024;
/// Bytes buffered before a write is flushed.
const WRITE_BUFFER: usize = 0;
/// The largest message the socket layer accepts at all; between `MAX_FRAME_BYTES` and this
/// the connection answers `frame_too_large` and stays open, beyond it the socket closes (1009).
const MAX_WS_MESSAGE: usize = 4 * MAX_FRAME_BYTES;
const _: () = assert!(
    MAX_WS_MESSAGE == 256 * 1024,
    "the close reason names 256 KiB"
);
/// The client must say hello within this time.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// Pings keep NATs open and find dead peers.
const PING_EVERY: Duration = Duration::from_secs(30);
/// Sustained frames per second a desk may send, and its burst.
const AGENT_RATE: (f64, f64) = (50.0, 200.0);
/// Sustained frames per second a widget may send (drafts are throttled by the widget), and its
/// burst.
const VISITOR_RATE: (f64, f64) = (10.0, 40.0);

/// A token bucket.
struct RateLimit {
    rate: f64,
    burst: f64,
    tokens: f64,
    at: Instant,
}

impl RateLimit {
    fn new((rate, burst): (f64, f64)) -> Self {
        Self {
            rate,
            burst,
            tokens: burst,
            at: Instant::now(),
        }
    }

    fn allow(&mut self) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * self.rate).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn configure(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_message_size(MAX_WS_MESSAGE)
        .max_frame_size(MAX_WS_MESSAGE)
}

pub async fn agent_ws(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    State(hub): State<Arc<Hub>>,
) -> Response {
    let admitted = hub.connections.admit(None);
    let relayed = headers.contains_key(crate::cluster_proxy::RELAYED);
    configure(ws).on_upgrade(move |mut socket| async move {
        match admitted {
            Ok(_admitted) => agent_connection(socket, hub, relayed).await,
            Err(refusal) => refuse(&mut socket, refusal).await,
        }
    })
}

pub async fn visitor_ws(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    State(hub): State<Arc<Hub>>,
) -> Response {
    let user_agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(300).collect());
    // Relayed by another node: the visitor's own address, which that node vouches for.
    let address = crate::cluster_proxy::vouched_client(&hub.keys, &headers).unwrap_or_else(|| {
        crate::api::caller::client_ip(peer.ip(), &headers, &hub.options.trusted_proxies)
    });
    let admitted = hub.connections.admit(Some(address));
    let relayed = headers.contains_key(crate::cluster_proxy::RELAYED);
    configure(ws).on_upgrade(move |mut socket| async move {
        match admitted {
            Ok(_admitted) => visitor_connection(socket, hub, user_agent, (address, relayed)).await,
            Err(refusal) => refuse(&mut socket, refusal).await,
        }
    })
}

/// Closes a connection beyond a bound with 1013, "try again later" (see [`crate::connection_limits`]).
async fn refuse(socket: &mut WebSocket, refusal: crate::connection_limits::Refusal) {
    let kind = match refusal {
        crate::connection_limits::Refusal::Full => "full",
        crate::connection_limits::Refusal::AddressFull => "address",
    };
    metrics::counter!("pupitre_connections_refused_total", "why" => kind).increment(1);
    close(socket, 1013, refusal.reason()).await;
}

fn error_json(code: ErrorCode, message: impl Into<String>) -> String {
    serde_json::to_string(&AgentServerFrame::Error(ErrorFrame::new(code, message)))
        .expect("serialize")
}

/// A write that takes longer than this means the peer stopped reading: the connection ends
/// (its place and its buffers are freed; the client resumes when it comes back).
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

async fn send(socket: &mut WebSocket, message: WsMessage) -> bool {
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(message)).await,
        Ok(Ok(()))
    )
}

async fn send_text(socket: &mut WebSocket, text: String) -> bool {
    send(socket, WsMessage::Text(Utf8Bytes::from(text))).await
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    send(
        socket,
        WsMessage::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        })),
    )
    .await;
}

/// After a read error: a message beyond the hard cap closes with 1009, text that is not UTF-8
/// with 1007 (RFC 6455 §7.4.1), each with a reason; other errors (the peer vanished) just end.
/// The socket layer's error is told by its words: axum does not expose tungstenite's type, and
/// `tests/contract.rs` fails if those words change.
async fn close_after(socket: &mut WebSocket, e: &axum::Error) {
    let words = e.to_string();
    if words.starts_with("Space limit exceeded") {
        close(socket, 1009, "message too big: the limit is 256 KiB").await;
    } else if words.starts_with("UTF-8 encoding error") {
        close(socket, 1007, "text frames must be UTF-8").await;
    } else {
        tracing::debug!(error = %e, "socket error");
    }
}

/// What a text frame turned out to be.
enum Parsed<T> {
    Frame(T),
    Error(String),
}

/// Parses a client frame, telling apart broken JSON, an unknown `type` and a known frame with
/// bad fields.
fn parse<T: DeserializeOwned>(text: &str) -> Parsed<T> {
    if text.len() > MAX_FRAME_BYTES {
        return Parsed::Error(error_json(
            ErrorCode::FrameTooLarge,
            format!("frames are limited to {MAX_FRAME_BYTES} bytes"),
        ));
    }
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Parsed::Error(error_json(
                ErrorCode::MalformedJson,
                format!("not JSON: {e}"),
            ));
        }
    };
    let kind = value
        .get("type")
        .and_then(|t| t.as_str())
        .map(str::to_owned);
    match serde_json::from_value::<T>(value) {
        Ok(frame) => Parsed::Frame(frame),
        Err(e) => match kind {
            Some(k) if is_frame_type::<T>(&k) => Parsed::Error(error_json(
                ErrorCode::InvalidInput,
                format!("bad {k} frame: {e}"),
            )),
            Some(k) => Parsed::Error(error_json(
                ErrorCode::UnknownFrame,
                format!("unknown frame type {k:?}"),
            )),
            None => Parsed::Error(error_json(
                ErrorCode::UnknownFrame,
                "a frame needs a \"type\"",
            )),
        },
    }
}

/// Whether `kind` is a frame type of `T`, an enum tagged by `type`, by serde's own list of
/// its variants (a hand-written list drifted from the protocol's enums once): serde tells an
/// unknown tag ("unknown variant") from a known one with missing fields.
fn is_frame_type<T: DeserializeOwned>(kind: &str) -> bool {
    match serde_json::from_value::<T>(serde_json::json!({ "type": kind })) {
        Ok(_) => true,
        Err(e) => !e.to_string().starts_with("unknown variant"),
    }
}

/// Waits for the first text frame.
async fn first_text(socket: &mut WebSocket) -> Option<String> {
    let deadline = tokio::time::Instant::now() + HELLO_TIMEOUT;
    loop {
        match tokio::time::timeout_at(deadline, socket.recv()).await {
            Ok(Some(Ok(WsMessage::Text(t)))) => return Some(t.to_string()),
            Ok(Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_)))) => continue,
            Ok(Some(Err(e))) => {
                close_after(socket, &e).await;
                return None;
            }
            _ => return None,
        }
    }
}

fn version_ok(version: u32) -> Result<(), String> {
    if SUPPORTED_VERSIONS.contains(&version) {
        Ok(())
    } else {
        Err(error_json(
            ErrorCode::VersionUnsupported,
            format!(
                "protocol version {version} is not supported; this hub speaks {SUPPORTED_VERSIONS:?}"
            ),
        ))
    }
}

async fn agent_connection(mut socket: WebSocket, hub: Arc<Hub>, relayed: bool) {
    metrics::gauge!("pupitre_connections", "kind" => "agent").increment(1.0);
    agent_session(&mut socket, &hub, relayed).await;
    metrics::gauge!("pupitre_connections", "kind" => "agent").decrement(1.0);
}

async fn agent_session(socket: &mut WebSocket, hub: &Arc<Hub>, relayed: bool) {
    let Some(text) = first_text(socket).await else {
        send_text(
            socket,
            error_json(ErrorCode::HelloRequired, "say hello first"),
        )
        .await;
        return close(socket, 1008, "hello required").await;
    };
    let (token, last_seq) = match parse::<AgentClientFrame>(&text) {
        Parsed::Frame(AgentClientFrame::Hello {
            version,
            token,
            last_seq,
        }) => {
            if let Err(e) = version_ok(version) {
                send_text(socket, e).await;
                return close(socket, 1002, "version unsupported").await;
            }
            (token, last_seq)
        }
        Parsed::Frame(_) => {
            send_text(
                socket,
                error_json(ErrorCode::HelloRequired, "the first frame must be hello"),
            )
            .await;
            return close(socket, 1008, "hello required").await;
        }
        Parsed::Error(e) => {
            send_text(socket, e).await;
            return close(socket, 1008, "bad hello").await;
        }
    };
    let now = hub.clock.now();
    let (agent, project) = match hub.keys.verify(&token) {
        Some(Claims::Access {
            agent,
            project,
            exp,
            ..
        }) if exp > now
            && !crate::api::caller::made_before_credentials(
                hub,
                agent,
                exp - crate::auth::ACCESS_TTL,
            ) =>
        {
            (agent, project)
        }
        Some(Claims::Access { .. }) => {
            send_text(
                socket,
                error_json(
                    ErrorCode::Unauthorized,
                    "the access token expired; refresh it",
                ),
            )
            .await;
            return close(socket, 1008, "token expired").await;
        }
        _ => {
            send_text(
                socket,
                error_json(ErrorCode::Unauthorized, "invalid access token"),
            )
            .await;
            return close(socket, 1008, "invalid token").await;
        }
    };
    let Some(handle) = hub.project(project) else {
        if hub.cluster().is_some() {
            return elsewhere(socket, hub, project, "/ws/agent", text, None, relayed).await;
        }
        send_text(
            socket,
            error_json(ErrorCode::NotFound, "this project is not served here"),
        )
        .await;
        return close(socket, 1008, "unknown project").await;
    };
    let conn = hub.next_conn_id();
    let (out_tx, out_rx) = mpsc::channel(OUTBOUND_QUEUE);
    if !handle
        .send(Command::AgentHello {
            agent,
            last_seq,
            conn,
            out: out_tx,
        })
        .await
    {
        return close(socket, 1012, "hub restarting").await;
    }
    let to_command = |frame: AgentClientFrame| Command::AgentFrame { agent, conn, frame };
    pump(
        socket,
        hub,
        &handle,
        out_rx,
        AGENT_RATE,
        to_command,
        |f| matches!(f, AgentClientFrame::Ping),
        AgentClientFrame::client_id,
    )
    .await;
    handle.send(Command::AgentGone { agent, conn }).await;
}

/// Several hubs on one database: the project is another node's. Its client is relayed there;
/// when no node owns it this instant (a takeover under way), the client is asked to come back.
async fn elsewhere(
    socket: &mut WebSocket,
    hub: &Arc<Hub>,
    project: crate::store::ProjectId,
    path: &str,
    hello: String,
    client: Option<&crate::cluster_proxy::Client>,
    relayed: bool,
) {
    if relayed {
        return close(socket, 1012, "the project is moving; reconnect").await;
    }
    match hub.cluster().and_then(|c| c.owner_url(project)) {
        Some(url) => {
            crate::cluster_proxy::relay(socket, &hub.keys, &url, path, hello, client).await
        }
        None => close(socket, 1012, "the project is moving; reconnect").await,
    }
}

async fn visitor_connection(
    mut socket: WebSocket,
    hub: Arc<Hub>,
    user_agent: Option<String>,
    from: (std::net::IpAddr, bool),
) {
    metrics::gauge!("pupitre_connections", "kind" => "visitor").increment(1.0);
    visitor_session(&mut socket, &hub, user_agent, from).await;
    metrics::gauge!("pupitre_connections", "kind" => "visitor").decrement(1.0);
}

async fn visitor_session(
    socket: &mut WebSocket,
    hub: &Arc<Hub>,
    user_agent: Option<String>,
    (address, relayed): (std::net::IpAddr, bool),
) {
    let Some(text) = first_text(socket).await else {
        send_text(
            socket,
            error_json(ErrorCode::HelloRequired, "say hello first"),
        )
        .await;
        return close(socket, 1008, "hello required").await;
    };
    let (project_code, token, last_seq, language, page) = match parse::<VisitorClientFrame>(&text) {
        Parsed::Frame(VisitorClientFrame::Hello {
            version,
            project,
            token,
            last_seq,
            language,
            page,
        }) => {
            if let Err(e) = version_ok(version) {
                send_text(socket, e).await;
                return close(socket, 1002, "version unsupported").await;
            }
            (project, token, last_seq, language, page)
        }
        Parsed::Frame(_) => {
            send_text(
                socket,
                error_json(ErrorCode::HelloRequired, "the first frame must be hello"),
            )
            .await;
            return close(socket, 1008, "hello required").await;
        }
        Parsed::Error(e) => {
            send_text(socket, e).await;
            return close(socket, 1008, "bad hello").await;
        }
    };
    let Some(handle) = hub.project_by_code(&project_code) else {
        if hub.cluster().is_some() {
            match hub.with_store(|s| s.project_by_code(&project_code)) {
                Ok(Some(p)) => {
                    return elsewhere(
                        socket,
                        hub,
                        p.id,
                        "/ws/visitor",
                        text,
                        Some(&crate::cluster_proxy::Client {
                            address,
                            user_agent: user_agent.clone(),
                        }),
                        relayed,
                    )
                    .await;
                }
                Ok(None) => {}
                // The database away a moment: the client comes back.
                Err(_) => return close(socket, 1012, "the hub is busy; reconnect").await,
            }
        }
        send_text(
            socket,
            error_json(ErrorCode::NotFound, format!("no project {project_code:?}")),
        )
        .await;
        return close(socket, 1008, "unknown project").await;
    };
    let (visitor, token) = match token {
        None => {
            let visitor = uuid::Uuid::now_v7().to_string();
            let token = hub.keys.sign(&Claims::Visitor {
                visitor: visitor.clone(),
                project: handle.id,
            });
            (visitor, token)
        }
        Some(token) => match hub.keys.verify(&token) {
            Some(Claims::Visitor { visitor, project }) if project == handle.id => (visitor, token),
            _ => {
                send_text(
                    socket,
                    error_json(
                        ErrorCode::Unauthorized,
                        "invalid visitor token; connect without one",
                    ),
                )
                .await;
                return close(socket, 1008, "invalid token").await;
            }
        },
    };
    let clip = |s: Option<String>, n: usize| s.map(|s| s.chars().take(n).collect::<String>());
    let card = VisitorCard {
        id: visitor.clone(),
        name: None,
        email: None,
        page_url: clip(page.as_ref().map(|p| p.url.clone()), 2000),
        page_title: clip(page.and_then(|p| p.title), 500),
        language: clip(language, 35),
        user_agent,
        fields: vec![],
        order: vec![],
        names: Default::default(),
        custom: Default::default(),
    };
    let conn = hub.next_conn_id();
    let (out_tx, out_rx) = mpsc::channel(OUTBOUND_QUEUE);
    let hello = Command::VisitorHello {
        visitor: visitor.clone(),
        token,
        last_seq,
        card,
        conn,
        out: out_tx,
    };
    if !handle.send(hello).await {
        return close(socket, 1012, "hub restarting").await;
    }
    let v = visitor.clone();
    let to_command = move |frame: VisitorClientFrame| Command::VisitorFrame {
        visitor: v.clone(),
        conn,
        frame,
    };
    pump(
        socket,
        hub,
        &handle,
        out_rx,
        VISITOR_RATE,
        to_command,
        |f| matches!(f, VisitorClientFrame::Ping),
        VisitorClientFrame::client_id,
    )
    .await;
    handle.send(Command::VisitorGone { visitor, conn }).await;
}

/// The connection's main loop, shared by both kinds.
#[allow(clippy::too_many_arguments)]
async fn pump<F: DeserializeOwned>(
    socket: &mut WebSocket,
    hub: &Arc<Hub>,
    handle: &ProjectHandle,
    mut out_rx: mpsc::Receiver<Outbound>,
    rate: (f64, f64),
    to_command: impl Fn(F) -> Command,
    is_ping: impl Fn(&F) -> bool,
    client_id_of: impl Fn(&F) -> Option<pupitre_protocol::ClientId>,
) {
    let mut limit = RateLimit::new(rate);
    let mut shutdown = hub.shutdown_signal();
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    loop {
        tokio::select! {
            out = out_rx.recv() => match out {
                Some(Outbound::Text(text)) => {
                    if !send_text(socket, text).await {
                        return;
                    }
                }
                Some(Outbound::Welcome(frames)) => {
                    for text in frames {
                        if !send_text(socket, text).await {
                            return;
                        }
                    }
                }
                Some(Outbound::Close(reason)) => return close(socket, 1008, reason).await,
                // The writer dropped us: we fell behind. The client resumes on reconnect.
                None => return close(socket, 1013, "too slow; reconnect").await,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Text(text))) => {
                    // Parse first, so a dropped frame is named by its client id and the
                    // client knows which one to send again.
                    let allowed = limit.allow();
                    match parse::<F>(&text) {
                        Parsed::Frame(frame) if !allowed => {
                            let error = ErrorFrame::new(ErrorCode::RateLimited, "slow down: this frame was not applied; send it again")
                                .for_frame(client_id_of(&frame));
                            let json = serde_json::to_string(&AgentServerFrame::Error(error)).expect("serialize");
                            if !send_text(socket, json).await {
                                return;
                            }
                        }
                        Parsed::Frame(frame) if is_ping(&frame) => {
                            if !send_text(socket, r#"{"type":"pong"}"#.to_owned()).await {
                                return;
                            }
                        }
                        Parsed::Frame(frame) => {
                            if !handle.send(to_command(frame)).await {
                                return close(socket, 1012, "hub restarting").await;
                            }
                        }
                        Parsed::Error(_) if !allowed => {
                            if !send_text(socket, error_json(ErrorCode::RateLimited, "slow down: frame dropped")).await {
                                return;
                            }
                        }
                        Parsed::Error(e) => {
                            if !send_text(socket, e).await {
                                return;
                            }
                        }
                    }
                }
                Some(Ok(WsMessage::Binary(_))) => {
                    if !send_text(socket, error_json(ErrorCode::UnknownFrame, "binary frames are not used")).await {
                        return;
                    }
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
                Some(Ok(WsMessage::Close(_))) | None => return,
                Some(Err(e)) => return close_after(socket, &e).await,
            },
            _ = ping.tick() => {
                if !send(socket, WsMessage::Ping(Default::default())).await {
                    return;
                }
            }
            _ = shutdown.changed() => return close(socket, 1001, "hub shutting down").await,
        }
    }
}
