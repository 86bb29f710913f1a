//! Co-browsing's data plane (D5, W3, C3; DESIGN §13): the relay between a visitor's page and
//! the agent's view of it.
//!
//! The project's writer opens a relay when the visitor accepts and closes it when the session
//! ends ([`crate::hub`] decides; this only carries bytes). The visitor's page connects to
//! `/ws/cobrowse` with the relay's key and sends binary frames (`[flags][events]`, see
//! [`pupitre_protocol::cobrowse`]); every agent view connected with the same key gets them as
//! they come. The relay keeps in memory only the frames since the latest full snapshot (at
//! most [`MAX_KEPT_BYTES`]), so a view that joins or comes back starts at once; past that bound
//! it drops them and asks the page for a new snapshot. Nothing is written anywhere: no
//! database row, no log line with content (C3).
//!
//! Several hubs on one database (DESIGN §14): a relay lives on the node owning its project. A
//! socket reaching another node is relayed there ([`crate::cluster_proxy::relay`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{OriginalUri, State};
use axum::http::HeaderMap;
use axum::response::Response;
use pupitre_protocol::ConversationRef;
use pupitre_protocol::cobrowse::{
    CobrowseEnd, FLAG_FULL, FLAG_GZIP, MAX_RELAY_FRAME_BYTES, RelayHello, RelayNotice, RelaySide,
};
use tokio::sync::mpsc;

use crate::Hub;

/// What the relay keeps per session for views that join: the frames since the latest full
/// snapshot. Also the bound of the hub's memory per session (P7: ≤ 1 MB).
pub const MAX_KEPT_BYTES: usize = 1024 * 1024;
/// Agent views per session (the agent's desk, and later a supervising manager).
pub const MAX_VIEWS: usize = 4;
/// Frames waiting for one view; a view this far behind is dropped and comes back.
const VIEW_QUEUE: usize = 256;
/// A page's sustained bytes per second, and its burst.
const PAGE_RATE: (f64, f64) = (512.0 * 1024.0, 4.0 * 1024.0 * 1024.0);
/// How long a socket may take to say which relay it wants.
const HELLO_WITHIN: Duration = Duration::from_secs(10);

/// What a relay socket is sent.
#[derive(Debug)]
enum Out {
    Data(Bytes),
    Notice(RelayNotice),
    /// Close with this reason.
    End(String),
}

struct Peer {
    id: u64,
    tx: mpsc::Sender<Out>,
}

struct Session {
    conversation: ConversationRef,
    page: Option<Peer>,
    views: Vec<Peer>,
    kept: Vec<Bytes>,
    kept_bytes: usize,
    /// The page's byte budget (a token bucket).
    tokens: f64,
    at: Instant,
}

impl Session {
    fn ask_checkout(&self) {
        if let Some(page) = &self.page {
            let _ = page.tx.try_send(Out::Notice(RelayNotice::Checkout));
        }
    }

    fn spend(&mut self, bytes: usize) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * PAGE_RATE.0)
            .min(PAGE_RATE.1);
        self.at = now;
        if self.tokens >= bytes as f64 {
            self.tokens -= bytes as f64;
            true
        } else {
            false
        }
    }
}

/// The hub's relays, by key.
#[derive(Default)]
pub struct Relays {
    sessions: Mutex<HashMap<String, Session>>,
    next_peer: std::sync::atomic::AtomicU64,
}

/// Why a frame from a page was not relayed.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The session is over (or never was).
    Gone,
    /// Not `[flags][payload]` with known flags, or larger than a relay frame.
    Malformed,
    /// More than the page's byte budget: the page's socket closes and comes back.
    TooFast,
}

impl Relays {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().expect("relays lock")
    }

    /// Opens a relay (the visitor accepted); opening one already open does nothing.
    pub fn open(&self, relay: &str, conversation: ConversationRef) {
        let mut sessions = self.lock();
        sessions.entry(relay.to_owned()).or_insert_with(|| Session {
            conversation,
            page: None,
            views: Vec::new(),
            kept: Vec::new(),
            kept_bytes: 0,
            tokens: PAGE_RATE.1,
            at: Instant::now(),
        });
        metrics::gauge!("pupitre_cobrowse_sessions").set(sessions.len() as f64);
    }

    /// Closes a relay: both sides are told why and their sockets close; what it kept is gone.
    pub fn close(&self, relay: &str, reason: CobrowseEnd) {
        let mut sessions = self.lock();
        if let Some(s) = sessions.remove(relay) {
            let reason = serde_json::to_value(reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            for peer in s.page.iter().chain(&s.views) {
                let _ = peer.tx.try_send(Out::End(reason.clone()));
            }
        }
        metrics::gauge!("pupitre_cobrowse_sessions").set(sessions.len() as f64);
    }

    /// Sessions open now.
    pub fn live(&self) -> usize {
        self.lock().len()
    }

    /// Bytes kept for views, over every session (the benchmark's memory figure).
    pub fn kept_bytes(&self) -> usize {
        self.lock().values().map(|s| s.kept_bytes).sum()
    }

    /// A socket joins as `side`; `None` when no such relay is open or it has its views.
    fn join(&self, relay: &str, side: RelaySide) -> Option<(u64, mpsc::Receiver<Out>)> {
        let mut sessions = self.lock();
        let s = sessions.get_mut(relay)?;
        let id = self
            .next_peer
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match side {
            RelaySide::Visitor => {
                let (tx, rx) = mpsc::channel(16);
                // A new page of the site replaces the previous one; it starts with a full
                // snapshot of its own.
                if let Some(old) = s.page.replace(Peer { id, tx }) {
                    let _ = old.tx.try_send(Out::End("replaced by another page".into()));
                }
                Some((id, rx))
            }
            RelaySide::Agent => {
                if s.views.len() >= MAX_VIEWS {
                    return None;
                }
                let (tx, rx) = mpsc::channel(VIEW_QUEUE + s.kept.len());
                if s.kept.is_empty() {
                    s.ask_checkout();
                } else {
                    for frame in &s.kept {
                        let _ = tx.try_send(Out::Data(frame.clone()));
                    }
                }
                if s.page.is_none() {
                    let _ = tx.try_send(Out::Notice(RelayNotice::VisitorAway));
                }
                s.views.push(Peer { id, tx });
                Some((id, rx))
            }
        }
    }

    fn leave(&self, relay: &str, id: u64) {
        let mut sessions = self.lock();
        let Some(s) = sessions.get_mut(relay) else {
            return;
        };
        if s.page.as_ref().is_some_and(|p| p.id == id) {
            s.page = None;
            for view in &s.views {
                let _ = view.tx.try_send(Out::Notice(RelayNotice::VisitorAway));
            }
        }
        s.views.retain(|v| v.id != id);
    }

    /// A frame from the page `id` of `relay`: kept (when it begins with or follows a full
    /// snapshot) and sent to every view.
    pub fn from_page(&self, relay: &str, id: u64, frame: Bytes) -> Result<(), Refused> {
        let mut sessions = self.lock();
        let s = sessions.get_mut(relay).ok_or(Refused::Gone)?;
        if s.page.as_ref().is_none_or(|p| p.id != id) {
            return Err(Refused::Gone);
        }
        let Some(&flags) = frame.first() else {
            return Err(Refused::Malformed);
        };
        if frame.len() < 2
            || frame.len() > MAX_RELAY_FRAME_BYTES
            || flags & !(FLAG_FULL | FLAG_GZIP) != 0
        {
            return Err(Refused::Malformed);
        }
        if !s.spend(frame.len()) {
            return Err(Refused::TooFast);
        }
        metrics::counter!("pupitre_cobrowse_bytes_total").increment(frame.len() as u64);
        if flags & FLAG_FULL != 0 {
            s.kept.clear();
            s.kept_bytes = 0;
        }
        if flags & FLAG_FULL != 0 || !s.kept.is_empty() {
            s.kept_bytes += frame.len();
            s.kept.push(frame.clone());
            if s.kept_bytes > MAX_KEPT_BYTES {
                s.kept.clear();
                s.kept_bytes = 0;
                s.ask_checkout();
            }
        }
        // A view that cannot keep up is dropped: it comes back and starts from what is kept.
        s.views
            .retain(|v| v.tx.try_send(Out::Data(frame.clone())).is_ok());
        Ok(())
    }

    /// A view asks for a fresh snapshot (it lost track).
    fn checkout(&self, relay: &str) {
        if let Some(s) = self.lock().get(relay) {
            s.ask_checkout();
        }
    }

    /// The conversation of an open relay.
    pub fn conversation(&self, relay: &str) -> Option<ConversationRef> {
        self.lock().get(relay).map(|s| s.conversation.clone())
    }
}

/// `GET /ws/cobrowse`: a page or a view of a relay. The first frame is a [`RelayHello`].
pub async fn relay_ws(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    State(hub): State<Arc<Hub>>,
) -> Response {
    let relayed = headers.contains_key(crate::cluster_proxy::RELAYED);
    let path = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), ToString::to_string);
    ws.max_message_size(MAX_RELAY_FRAME_BYTES + 1024)
        .max_frame_size(MAX_RELAY_FRAME_BYTES + 1024)
        .on_upgrade(move |socket| relay_socket(socket, hub, (path, relayed)))
}

/// `path` is the socket's path and query, for relaying it; `relayed`, whether another node
/// relayed it here (then it is never relayed on).
async fn relay_socket(mut socket: WebSocket, hub: Arc<Hub>, (path, relayed): (String, bool)) {
    let hello = match tokio::time::timeout(HELLO_WITHIN, socket.recv()).await {
        Ok(Some(Ok(WsMessage::Text(text)))) => serde_json::from_str::<RelayHello>(&text)
            .ok()
            .map(|hello| (hello, text.as_str().to_owned())),
        _ => None,
    };
    let Some((hello, text)) = hello else {
        return end(&mut socket, 1008, "the first frame names a relay").await;
    };
    let relays = &hub.relays;
    let Some((id, mut rx)) = relays.join(&hello.relay, hello.side) else {
        if hub.cluster().is_some() && !relayed && relays.conversation(&hello.relay).is_none() {
            return elsewhere(&mut socket, &hub, &path, &hello.relay, text).await;
        }
        return end(&mut socket, 4404, "no such co-browsing session").await;
    };
    let mut shutdown = hub.shutdown_signal();
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Out::Data(bytes)) => {
                    if socket.send(WsMessage::Binary(bytes)).await.is_err() {
                        break;
                    }
                }
                Some(Out::Notice(notice)) => {
                    let text = serde_json::to_string(&notice).expect("notices serialize");
                    if socket.send(WsMessage::Text(text.into())).await.is_err() {
                        break;
                    }
                }
                Some(Out::End(reason)) => {
                    let text = serde_json::to_string(&RelayNotice::Ended { reason: reason.clone() })
                        .expect("notices serialize");
                    let _ = socket.send(WsMessage::Text(text.into())).await;
                    return end(&mut socket, 1000, "co-browsing ended").await;
                }
                // Dropped for falling behind: the view comes back.
                None => {
                    relays.leave(&hello.relay, id);
                    return end(&mut socket, 1013, "too slow; reconnect").await;
                }
            },
            incoming = socket.recv() => match (hello.side, incoming) {
                (RelaySide::Visitor, Some(Ok(WsMessage::Binary(bytes)))) => {
                    match relays.from_page(&hello.relay, id, bytes) {
                        Ok(()) => {}
                        Err(Refused::Malformed) => {
                            relays.leave(&hello.relay, id);
                            return end(&mut socket, 1003, "a relay frame is [flags][events], at most 1 MiB").await;
                        }
                        Err(Refused::TooFast) => {
                            relays.leave(&hello.relay, id);
                            return end(&mut socket, 1008, "too much data; reconnect with a new snapshot").await;
                        }
                        Err(Refused::Gone) => return end(&mut socket, 1000, "co-browsing ended").await,
                    }
                }
                (RelaySide::Agent, Some(Ok(WsMessage::Text(text)))) => {
                    if matches!(serde_json::from_str(&text), Ok(RelayNotice::Checkout)) {
                        relays.checkout(&hello.relay);
                    }
                }
                (_, Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_)))) => {}
                (_, Some(Ok(WsMessage::Close(_))) | None | Some(Err(_))) => break,
                (_, Some(Ok(_))) => {
                    relays.leave(&hello.relay, id);
                    return end(&mut socket, 1003, "not a frame of this side").await;
                }
            },
            _ = shutdown.changed() => {
                relays.leave(&hello.relay, id);
                return end(&mut socket, 1001, "hub shutting down").await;
            }
        }
    }
    relays.leave(&hello.relay, id);
}

/// Several hubs on one database: the relay is not this node's. It is the node's that owns the
/// project its key names (relays are opened by a project's writer): the socket is relayed
/// there, frames unchanged; no owner this instant, the client comes back.
async fn elsewhere(socket: &mut WebSocket, hub: &Arc<Hub>, path: &str, key: &str, hello: String) {
    // A key of a project this node owns, or of no project: no such session (the widget stops).
    let Some(project) = project_of(key).filter(|p| hub.project(*p).is_none()) else {
        return end(socket, 4404, "no such co-browsing session").await;
    };
    let looking = hub.clone();
    let owner =
        tokio::task::spawn_blocking(move || looking.cluster().and_then(|c| c.owner_url(project)))
            .await
            .ok()
            .flatten();
    match owner {
        Some(url) => crate::cluster_proxy::relay(socket, &hub.keys, &url, path, hello, None).await,
        // No owner this instant: a project moving (the client comes back), or none at all.
        None if matches!(hub.with_store(|s| s.project(project)), Ok(None)) => {
            end(socket, 4404, "no such co-browsing session").await
        }
        None => end(socket, 1012, "the project is moving; reconnect").await,
    }
}

/// The project a relay's key names (`<project>.<mac>`, see `relay_key`); `None` for anything
/// else (no lookup, no relay for a key that cannot be one).
fn project_of(key: &str) -> Option<crate::store::ProjectId> {
    let (project, mac) = key.split_once('.')?;
    (mac.len() == 32 && mac.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| project.parse().ok())
        .flatten()
}

async fn end(socket: &mut WebSocket, code: u16, reason: &'static str) {
    use axum::extract::ws::CloseFrame;
    let _ = socket
        .send(WsMessage::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(flags: u8, body: &str) -> Bytes {
        let mut v = vec![flags];
        v.extend_from_slice(body.as_bytes());
        Bytes::from(v)
    }

    fn data(rx: &mut mpsc::Receiver<Out>) -> Vec<String> {
        let mut got = vec![];
        while let Ok(out) = rx.try_recv() {
            match out {
                Out::Data(b) => got.push(String::from_utf8_lossy(&b[1..]).into_owned()),
                Out::Notice(n) => got.push(format!("{n:?}")),
                Out::End(r) => got.push(format!("end {r}")),
            }
        }
        got
    }

    #[test]
    fn c3_a_view_that_joins_starts_from_the_latest_full_snapshot() {
        let relays = Relays::default();
        relays.open("k", ConversationRef::new("DEMO", 1));
        let (page, mut page_rx) = relays.join("k", RelaySide::Visitor).unwrap();
        assert!(relays.from_page("k", page, frame(0, "[lost]")).is_ok());
        relays
            .from_page("k", page, frame(FLAG_FULL, "[full1]"))
            .unwrap();
        relays.from_page("k", page, frame(0, "[a]")).unwrap();
        relays
            .from_page("k", page, frame(FLAG_FULL, "[full2]"))
            .unwrap();
        relays.from_page("k", page, frame(0, "[b]")).unwrap();
        let (_, mut view) = relays.join("k", RelaySide::Agent).unwrap();
        assert_eq!(data(&mut view), ["[full2]", "[b]"]);
        relays.from_page("k", page, frame(0, "[c]")).unwrap();
        assert_eq!(data(&mut view), ["[c]"], "live after the kept frames");
        assert!(data(&mut page_rx).is_empty(), "no checkout needed");
        relays.close("k", CobrowseEnd::StoppedByVisitor);
        assert_eq!(data(&mut view), ["end stopped_by_visitor"]);
        assert_eq!(data(&mut page_rx), ["end stopped_by_visitor"]);
        assert_eq!(
            relays.from_page("k", page, frame(0, "[d]")),
            Err(Refused::Gone)
        );
        assert_eq!(relays.kept_bytes(), 0, "nothing kept once it ended");
    }

    #[test]
    fn c3_the_memory_kept_per_session_is_bounded_and_a_checkout_follows() {
        let relays = Relays::default();
        relays.open("k", ConversationRef::new("DEMO", 1));
        let (page, mut page_rx) = relays.join("k", RelaySide::Visitor).unwrap();
        let (_, mut view) = relays.join("k", RelaySide::Agent).unwrap();
        assert_eq!(
            data(&mut page_rx),
            ["Checkout"],
            "a view with nothing kept asks"
        );
        let big = "x".repeat(300 * 1024);
        relays.from_page("k", page, frame(FLAG_FULL, &big)).unwrap();
        for _ in 0..3 {
            relays.from_page("k", page, frame(0, &big)).unwrap();
        }
        assert!(relays.kept_bytes() <= MAX_KEPT_BYTES);
        assert_eq!(data(&mut page_rx), ["Checkout"]);
        assert_eq!(data(&mut view).len(), 4, "the live view got every frame");
    }

    /// On a cluster a key names its project; anything that cannot be a key names none (and
    /// costs no owner lookup).
    #[test]
    fn a_key_names_its_project_and_junk_names_none() {
        let mac = "0123456789abcdef0123456789abcdef";
        assert_eq!(project_of(&format!("7.{mac}")), Some(7));
        for junk in [
            mac.to_owned(),
            "7.x".into(),
            format!("7.{}", &mac[1..]),
            format!("7.{mac}0"),
            format!("x.{mac}"),
            format!("7.{}", mac.replace('a', "g")),
            format!("-1.{mac}") + "é",
        ] {
            assert_eq!(project_of(&junk), None, "{junk}");
        }
    }

    #[test]
    fn c3_malformed_frames_and_strangers_are_refused() {
        let relays = Relays::default();
        relays.open("k", ConversationRef::new("DEMO", 1));
        assert!(relays.join("nope", RelaySide::Visitor).is_none());
        let (page, _rx) = relays.join("k", RelaySide::Visitor).unwrap();
        assert_eq!(
            relays.from_page("k", page, Bytes::new()),
            Err(Refused::Malformed)
        );
        assert_eq!(
            relays.from_page("k", page, frame(0x80, "[]")),
            Err(Refused::Malformed)
        );
        assert_eq!(
            relays.from_page("k", page + 99, frame(0, "[]")),
            Err(Refused::Gone)
        );
        let huge = vec![0u8; MAX_RELAY_FRAME_BYTES + 1];
        assert_eq!(
            relays.from_page("k", page, Bytes::from(huge)),
            Err(Refused::Malformed)
        );
        // A second page replaces the first; the first's frames go nowhere.
        let (second, _rx2) = relays.join("k", RelaySide::Visitor).unwrap();
        assert_eq!(
            relays.from_page("k", page, frame(0, "[]")),
            Err(Refused::Gone)
        );
        assert!(
            relays
                .from_page("k", second, frame(FLAG_FULL, "[]"))
                .is_ok()
        );
        for _ in 0..MAX_VIEWS {
            assert!(relays.join("k", RelaySide::Agent).is_some());
        }
        assert!(
            relays.join("k", RelaySide::Agent).is_none(),
            "views are bounded"
        );
    }
}
