//! Scriptable clients of the hub, for `pupitre client …`, the tests and the bench.
//!
//! [`Conn`] is one WebSocket connection speaking the protocol: it remembers the last `seq` it
//! saw so a reconnect resumes exactly (R12). [`run_agent_cli`] and [`run_visitor_cli`] read
//! JSON-lines frames on stdin (a missing `client_id` is filled in) and print every frame the
//! hub sends as a JSON line on stdout; they reconnect with capped, jittered backoff and resend
//! what was not acknowledged, so a scenario survives a hub restart.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context as _, bail};
use futures_util::{SinkExt as _, StreamExt as _};
use pupitre_protocol::agent::{AgentClientFrame, AgentServerFrame};
use pupitre_protocol::visitor::{VisitorClientFrame, VisitorServerFrame};
use pupitre_protocol::{ClientId, ErrorCode, PROTOCOL_VERSION, Seq};
use rand::Rng as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::AsyncBufReadExt as _;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::http::Session;

/// Longest wait between two reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// A frame refused with `rate_limited` or `internal` is sent again after this.
const RESEND_AFTER: Duration = Duration::from_millis(500);

/// `http://host:port` or `ws://host:port` → `ws://host:port`.
pub fn ws_base(hub: &str) -> String {
    let hub = hub.trim_end_matches('/');
    if let Some(rest) = hub.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if let Some(rest) = hub.strip_prefix("https://") {
        format!("wss://{rest}")
    } else {
        hub.to_owned()
    }
}

/// `ws://host:port` → `http://host:port`.
pub fn http_base(hub: &str) -> String {
    let hub = hub.trim_end_matches('/');
    if let Some(rest) = hub.strip_prefix("ws://") {
        format!("http://{rest}")
    } else if let Some(rest) = hub.strip_prefix("wss://") {
        format!("https://{rest}")
    } else {
        hub.to_owned()
    }
}

pub async fn login(hub: &str, email: &str, password: &str) -> anyhow::Result<Session> {
    let response = reqwest::Client::new()
        .post(format!("{}/api/login", http_base(hub)))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .with_context(|| format!("cannot reach the hub at {hub}"))?;
    if !response.status().is_success() {
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        bail!(
            "login refused: {}",
            body["message"].as_str().unwrap_or("unknown error")
        );
    }
    Ok(response.json().await?)
}

/// A frame from the hub that may carry a `seq`.
pub trait ServerFrame: DeserializeOwned + Serialize + std::fmt::Debug {
    fn seq(&self) -> Option<Seq>;
    fn welcome_seq(&self) -> Option<Seq>;
    fn ack(&self) -> Option<ClientId>;
    fn error_for(&self) -> Option<ClientId>;
    /// An error the contract asks to send again (`rate_limited`, `internal`): not applied.
    fn retryable(&self) -> bool;
}

/// Both server frame enums share these variants (`event`, `welcome`, `ack`, `error`).
macro_rules! server_frame {
    ($frame:ty) => {
        impl ServerFrame for $frame {
            fn seq(&self) -> Option<Seq> {
                match self {
                    Self::Event { seq, .. } => Some(*seq),
                    _ => None,
                }
            }
            fn welcome_seq(&self) -> Option<Seq> {
                match self {
                    Self::Welcome { seq, .. } => Some(*seq),
                    _ => None,
                }
            }
            fn ack(&self) -> Option<ClientId> {
                match self {
                    Self::Ack { client_id } => Some(*client_id),
                    _ => None,
                }
            }
            fn error_for(&self) -> Option<ClientId> {
                match self {
                    Self::Error(e) => e.client_id,
                    _ => None,
                }
            }
            fn retryable(&self) -> bool {
                matches!(
                    self,
                    Self::Error(e) if matches!(e.code, ErrorCode::RateLimited | ErrorCode::Internal)
                )
            }
        }
    };
}

server_frame!(AgentServerFrame);
server_frame!(VisitorServerFrame);

/// One connection. `S` is what the client sends, `R` what it receives.
pub struct Conn<S, R> {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The last event `seq` seen (or the welcome's, on a fresh start).
    pub last_seq: Option<Seq>,
    _types: std::marker::PhantomData<(S, R)>,
}

impl<S: Serialize, R: ServerFrame> Conn<S, R> {
    pub async fn open(url: &str, hello: &S) -> anyhow::Result<(Self, R)> {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .with_context(|| format!("connecting to {url}"))?;
        let mut conn = Self {
            ws,
            last_seq: None,
            _types: std::marker::PhantomData,
        };
        conn.send(hello).await?;
        let welcome = conn.recv().await?;
        if let Some(seq) = welcome.welcome_seq() {
            conn.last_seq = Some(conn.last_seq.map_or(seq, |s| s.max(seq)));
        }
        Ok((conn, welcome))
    }

    pub async fn send(&mut self, frame: &S) -> anyhow::Result<()> {
        self.send_raw(serde_json::to_string(frame)?).await
    }

    pub async fn send_raw(&mut self, text: String) -> anyhow::Result<()> {
        self.ws.send(WsMessage::text(text)).await?;
        Ok(())
    }

    /// The next frame from the hub; `Err` when the connection ended.
    pub async fn recv(&mut self) -> anyhow::Result<R> {
        loop {
            match self.ws.next().await {
                Some(Ok(WsMessage::Text(text))) => {
                    let frame: R = serde_json::from_str(&text)
                        .with_context(|| format!("unexpected frame {text}"))?;
                    if let Some(seq) = frame.seq() {
                        self.last_seq = Some(self.last_seq.map_or(seq, |s| s.max(seq)));
                    }
                    return Ok(frame);
                }
                Some(Ok(WsMessage::Close(reason))) => bail!("closed by the hub: {reason:?}"),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => bail!("connection ended"),
            }
        }
    }

    /// The next frame, or `None` after `wait`.
    pub async fn recv_timeout(&mut self, wait: Duration) -> anyhow::Result<Option<R>> {
        match tokio::time::timeout(wait, self.recv()).await {
            Ok(r) => r.map(Some),
            Err(_) => Ok(None),
        }
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

pub type AgentConn = Conn<AgentClientFrame, AgentServerFrame>;
pub type VisitorConn = Conn<VisitorClientFrame, VisitorServerFrame>;

impl AgentConn {
    pub async fn connect(
        hub: &str,
        token: &str,
        last_seq: Option<Seq>,
    ) -> anyhow::Result<(Self, AgentServerFrame)> {
        let hello = AgentClientFrame::Hello {
            version: PROTOCOL_VERSION,
            token: token.to_owned(),
            last_seq,
        };
        let (conn, welcome) = Self::open(&format!("{}/ws/agent", ws_base(hub)), &hello).await?;
        Ok((conn, welcome))
    }
}

impl VisitorConn {
    pub async fn connect(
        hub: &str,
        project: &str,
        token: Option<String>,
        last_seq: Option<Seq>,
    ) -> anyhow::Result<(Self, VisitorServerFrame)> {
        let hello = VisitorClientFrame::Hello {
            version: PROTOCOL_VERSION,
            project: project.to_owned(),
            token,
            last_seq,
            language: None,
            page: None,
        };
        Self::connect_hello(hub, &hello).await
    }

    /// With a hello of one's own (a language, a page).
    pub async fn connect_hello(
        hub: &str,
        hello: &VisitorClientFrame,
    ) -> anyhow::Result<(Self, VisitorServerFrame)> {
        Self::open(&format!("{}/ws/visitor", ws_base(hub)), hello).await
    }
}

/// A frame a client sends: it says whether it carries an idempotency id.
pub trait ClientFrame: Serialize + DeserializeOwned {
    fn client_id(&self) -> Option<ClientId>;
}

impl ClientFrame for AgentClientFrame {
    fn client_id(&self) -> Option<ClientId> {
        AgentClientFrame::client_id(self)
    }
}

impl ClientFrame for VisitorClientFrame {
    fn client_id(&self) -> Option<ClientId> {
        VisitorClientFrame::client_id(self)
    }
}

/// Fills in `client_id` (UUIDv7) on a frame that changes something and has none: the frame
/// type itself says which kinds carry an id.
pub fn with_client_id<F: ClientFrame>(frame: serde_json::Value) -> serde_json::Value {
    let Some(obj) = frame.as_object() else {
        return frame;
    };
    if obj.contains_key("client_id") {
        return frame;
    }
    let mut candidate = obj.clone();
    candidate.insert(
        "client_id".into(),
        serde_json::Value::String(uuid::Uuid::now_v7().to_string()),
    );
    let candidate = serde_json::Value::Object(candidate);
    match serde_json::from_value::<F>(candidate.clone()) {
        Ok(f) if f.client_id().is_some() => candidate,
        _ => frame,
    }
}

fn print_line(value: &impl Serialize) {
    println!("{}", serde_json::to_string(value).expect("serialize"));
}

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(3600)
}

fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(200)
        .saturating_mul(1 << attempt.min(6))
        .min(MAX_BACKOFF);
    base.mul_f64(rand::rng().random_range(0.5..1.0))
}

/// The shared loop of both CLIs: stdin lines → frames, hub frames → stdout, reconnect and resend.
async fn run_cli<S, R, F, Fut>(connect: F) -> anyhow::Result<()>
where
    S: ClientFrame,
    R: ServerFrame,
    F: Fn(Option<Seq>) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<(Conn<S, R>, R)>>,
{
    let (line_tx, mut line_rx) = tokio::sync::mpsc::channel::<String>(1024);
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if line_tx.send(line).await.is_err() {
                break;
            }
        }
    });
    // Frames sent but not acknowledged, by client id, resent after a reconnect (applied once).
    let mut unacked: BTreeMap<ClientId, String> = BTreeMap::new();
    // Refused with a code that asks to send again: when, oldest first.
    let mut retry: Vec<(tokio::time::Instant, ClientId)> = vec![];
    let mut last_seq = None;
    let mut attempt = 0;
    let mut stdin_open = true;
    loop {
        let (mut conn, welcome) = match connect(last_seq).await {
            Ok(c) => c,
            Err(e) => {
                print_line(
                    &serde_json::json!({"type": "client_state", "state": "disconnected", "error": e.to_string()}),
                );
                // Input is over and nothing waits for an ack: nothing left to do, even without
                // a hub.
                if line_rx.is_closed() && line_rx.is_empty() {
                    stdin_open = false;
                }
                if !stdin_open && unacked.is_empty() {
                    return Ok(());
                }
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
                continue;
            }
        };
        attempt = 0;
        print_line(&serde_json::json!({"type": "client_state", "state": "connected"}));
        print_line(&welcome);
        if last_seq.is_none() {
            last_seq = conn.last_seq;
        }
        // Everything pending goes again after a reconnect, retries included.
        retry.clear();
        let mut resent = true;
        for text in unacked.values() {
            if conn.send_raw(text.clone()).await.is_err() {
                resent = false;
                break;
            }
        }
        if !resent {
            // Cut while sending again: connect again, nothing pending is lost.
            tokio::time::sleep(backoff(attempt)).await;
            attempt += 1;
            continue;
        }
        loop {
            tokio::select! {
                line = line_rx.recv(), if stdin_open => match line {
                    Some(line) if line.trim().is_empty() => {}
                    Some(line) => {
                        let value: serde_json::Value = match serde_json::from_str(&line) {
                            Ok(v) => v,
                            Err(e) => {
                                print_line(&serde_json::json!({"type": "client_error", "message": format!("stdin line is not JSON: {e}")}));
                                continue;
                            }
                        };
                        let value = with_client_id::<S>(value);
                        let text = value.to_string();
                        if let Some(id) = value.get("client_id").and_then(|c| c.as_str()).and_then(|c| c.parse().ok()) {
                            unacked.insert(id, text.clone());
                        }
                        if conn.send_raw(text).await.is_err() {
                            break;
                        }
                    }
                    None => {
                        stdin_open = false;
                        if unacked.is_empty() {
                            conn.close().await;
                            return Ok(());
                        }
                    }
                },
                _ = tokio::time::sleep_until(retry.first().map_or_else(far_future, |r| r.0)), if !retry.is_empty() => {
                    let (_, id) = retry.remove(0);
                    if let Some(text) = unacked.get(&id)
                        && conn.send_raw(text.clone()).await.is_err()
                    {
                        break;
                    }
                }
                frame = conn.recv() => match frame {
                    Ok(frame) => {
                        if let Some(id) = frame.ack() {
                            unacked.remove(&id);
                        } else if let Some(id) = frame.error_for() {
                            if frame.retryable() {
                                // Not applied, and the contract says to send it again.
                                retry.push((tokio::time::Instant::now() + RESEND_AFTER, id));
                            } else {
                                unacked.remove(&id);
                            }
                        }
                        last_seq = conn.last_seq;
                        print_line(&frame);
                        if !stdin_open && unacked.is_empty() {
                            // Give late events a moment, then leave.
                            while let Ok(Some(f)) = conn.recv_timeout(Duration::from_millis(300)).await {
                                print_line(&f);
                            }
                            conn.close().await;
                            return Ok(());
                        }
                    }
                    Err(e) => {
                        print_line(&serde_json::json!({"type": "client_state", "state": "disconnected", "error": e.to_string()}));
                        break;
                    }
                },
            }
        }
        tokio::time::sleep(backoff(attempt)).await;
        attempt += 1;
    }
}

/// `pupitre client agent`.
pub async fn run_agent_cli(hub: String, email: String, password: String) -> anyhow::Result<()> {
    let session = login(&hub, &email, &password).await?;
    let token = std::sync::Arc::new(tokio::sync::Mutex::new(session));
    run_cli(|last_seq| {
        let hub = hub.clone();
        let token = token.clone();
        async move {
            let mut session = token.lock().await;
            // Refresh when the access token is about to end (long scripts, hub restarts).
            if session.expires_at < crate::clock::now_ms() + 60_000 {
                *session = refresh(&hub, &session.refresh_token).await?;
            }
            AgentConn::connect(&hub, &session.access_token, last_seq).await
        }
    })
    .await
}

pub async fn refresh(hub: &str, refresh_token: &str) -> anyhow::Result<Session> {
    let response = reqwest::Client::new()
        .post(format!("{}/api/refresh", http_base(hub)))
        .json(&serde_json::json!({ "refresh_token": refresh_token }))
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("refresh refused ({})", response.status());
    }
    Ok(response.json().await?)
}

/// `pupitre client visitor`. With `identity`, the visitor token is read from and kept in that
/// file, so a later run is the same visitor (W2).
pub async fn run_visitor_cli(
    hub: String,
    project: String,
    identity: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let token = std::sync::Arc::new(tokio::sync::Mutex::new(
        identity
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|t| t.trim().to_owned()),
    ));
    run_cli(|last_seq| {
        let (hub, project, token, identity) = (
            hub.clone(),
            project.clone(),
            token.clone(),
            identity.clone(),
        );
        async move {
            let mut t = token.lock().await;
            let (conn, welcome) = VisitorConn::connect(&hub, &project, t.clone(), last_seq).await?;
            if let VisitorServerFrame::Welcome { token: new, .. } = &welcome {
                if let Some(path) = &identity
                    && t.as_deref() != Some(new.as_str())
                {
                    std::fs::write(path, new)
                        .with_context(|| format!("writing {}", path.display()))?;
                }
                *t = Some(new.clone());
            }
            Ok((conn, welcome))
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use pupitre_protocol::agent::AgentClientFrame;
    use pupitre_protocol::visitor::VisitorClientFrame;

    #[test]
    fn r12_the_cli_fills_in_a_client_id_exactly_on_frames_that_take_one() {
        let has_id = |v: serde_json::Value| v.get("client_id").is_some();
        for frame in [
            serde_json::json!({"type": "request_file", "conversation": "DEMO-1"}),
            serde_json::json!({"type": "send_offer", "conversation": "DEMO-1", "offer": {"title": "t", "text": null, "link": "https://x.test", "image": null}}),
            serde_json::json!({"type": "close", "conversation": "DEMO-1", "conversation_type": null}),
        ] {
            let filled = with_client_id::<AgentClientFrame>(frame.clone());
            assert!(has_id(filled.clone()), "{frame}");
            serde_json::from_value::<AgentClientFrame>(filled).unwrap();
        }
        assert!(!has_id(with_client_id::<AgentClientFrame>(
            serde_json::json!({"type": "ping"})
        )));
        for frame in [
            serde_json::json!({"type": "answer_survey", "conversation": "DEMO-1", "score": 5, "comment": null}),
            serde_json::json!({"type": "answer_questionnaire", "answers": ["x"]}),
            serde_json::json!({"type": "send_message", "text": "hi"}),
        ] {
            assert!(
                has_id(with_client_id::<VisitorClientFrame>(frame.clone())),
                "{frame}"
            );
        }
        for frame in [
            serde_json::json!({"type": "draft", "text": "hi"}),
            serde_json::json!({"type": "seen", "up_to": 3}),
            serde_json::json!({"type": "ping"}),
        ] {
            assert!(
                !has_id(with_client_id::<VisitorClientFrame>(frame.clone())),
                "{frame}"
            );
        }
        // An id already there is kept.
        let given = serde_json::json!({"type": "send_message", "text": "hi", "client_id": "0190a6d0-0000-7000-8000-000000000000"});
        assert_eq!(with_client_id::<VisitorClientFrame>(given.clone()), given);
    }
}
