//! The agent's view of a co-browsing session (D5, C3, C4): the relay socket of one session.
//!
//! The desk's Rust side owns every socket (DESIGN §1): the view connects to the hub's
//! `/ws/cobrowse` with the session's relay key, reads the page's frames (`[flags][events]`,
//! gzip when flagged, see [`pupitre_protocol::cobrowse`]), and hands the UI each batch of
//! recorder events as JSON text, with whether it begins with a full snapshot. It comes back by
//! itself when the socket drops (the relay then starts it from the latest full snapshot) until
//! the session ends or the UI closes it. Nothing of it is written to disk.

use std::io::Read as _;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use pupitre_protocol::cobrowse::{
    FLAG_FULL, FLAG_GZIP, MAX_RELAY_FRAME_BYTES, RelayHello, RelayNotice, RelaySide,
};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use ts_rs::TS;

/// The largest batch of events once decompressed: a page's full snapshot fits; a
/// decompression bomb does not.
pub const MAX_EVENTS_BYTES: u64 = 32 * 1024 * 1024;

/// What the UI's view receives.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export_to = "desk/")]
pub enum ViewMessage {
    /// A batch of recorder events, a JSON array; `full`: it begins with a full snapshot of the
    /// page (rebuild the replay from it).
    Events { full: bool, events: String },
    /// The visitor's page is not connected (between two pages of the site).
    VisitorAway,
    /// Reconnecting to the relay after a drop.
    Reconnecting,
    /// The session is over; the view closes.
    Ended { reason: String },
}

/// A frame of the relay as the UI gets it; `None` for a frame that is not a page's.
pub fn read_frame(frame: &[u8]) -> Option<ViewMessage> {
    let (&flags, payload) = frame.split_first()?;
    if frame.len() > MAX_RELAY_FRAME_BYTES || flags & !(FLAG_FULL | FLAG_GZIP) != 0 {
        return None;
    }
    let text = if flags & FLAG_GZIP != 0 {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(payload)
            .take(MAX_EVENTS_BYTES + 1)
            .read_to_end(&mut out)
            .ok()?;
        if out.len() as u64 > MAX_EVENTS_BYTES {
            return None;
        }
        String::from_utf8(out).ok()?
    } else {
        std::str::from_utf8(payload).ok()?.to_owned()
    };
    // The recorder sends arrays of events; anything else is not passed on.
    if !text.trim_start().starts_with('[') {
        return None;
    }
    Some(ViewMessage::Events {
        full: flags & FLAG_FULL != 0,
        events: text,
    })
}

/// The relay's address for a hub's base URL.
pub fn relay_url(hub: &str) -> String {
    if let Some(rest) = hub.strip_prefix("https://") {
        format!("wss://{}/ws/cobrowse", rest.trim_end_matches('/'))
    } else {
        format!(
            "ws://{}/ws/cobrowse",
            hub.trim_start_matches("http://").trim_end_matches('/')
        )
    }
}

/// An open view: dropping it (or [`View::close`]) ends the socket.
pub struct View {
    checkout: mpsc::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl View {
    /// Asks the visitor's page for a fresh full snapshot (the replay lost track).
    pub fn checkout(&self) {
        let _ = self.checkout.try_send(());
    }

    pub fn close(self) {
        self.task.abort();
    }
}

impl Drop for View {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Opens the view of `relay` on `hub` on the `runtime`; `on` gets every message, in order.
pub fn open(
    runtime: &tokio::runtime::Handle,
    hub: String,
    relay: String,
    on: impl Fn(ViewMessage) + Send + Sync + 'static,
) -> View {
    let (checkout, mut asks) = mpsc::channel(4);
    let task = runtime.spawn(async move {
        let mut backoff = Duration::from_millis(500);
        loop {
            match run(&hub, &relay, &on, &mut asks).await {
                Ok(reason) => {
                    on(ViewMessage::Ended { reason });
                    return;
                }
                Err(error) => {
                    tracing::debug!(%error, "co-browsing view dropped; reconnecting");
                    on(ViewMessage::Reconnecting);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(8));
                }
            }
        }
    });
    View { checkout, task }
}

/// One socket's life: `Ok(reason)` when the session ended, `Err` when the socket dropped.
async fn run(
    hub: &str,
    relay: &str,
    on: &(impl Fn(ViewMessage) + Send + Sync),
    asks: &mut mpsc::Receiver<()>,
) -> Result<String, String> {
    let transport = crate::tls::transport_for(hub).map_err(|e| e.to_string())?;
    let mut ws = crate::tls::connect_ws(relay_url(hub), &transport)
        .await
        .map_err(|e| e.to_string())?;
    let hello = RelayHello {
        relay: relay.to_owned(),
        side: RelaySide::Agent,
    };
    ws.send(WsMessage::text(
        serde_json::to_string(&hello).expect("serialize"),
    ))
    .await
    .map_err(|e| e.to_string())?;
    loop {
        tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(WsMessage::Binary(bytes))) => {
                    match read_frame(&bytes) {
                        Some(message) => on(message),
                        None => tracing::warn!(bytes = bytes.len(), "co-browsing: a frame that is not a page's, left out"),
                    }
                }
                Some(Ok(WsMessage::Text(text))) => match serde_json::from_str::<RelayNotice>(&text) {
                    Ok(RelayNotice::Ended { reason }) => return Ok(reason),
                    Ok(RelayNotice::VisitorAway) => on(ViewMessage::VisitorAway),
                    Ok(RelayNotice::Checkout) | Err(_) => {}
                },
                Some(Ok(WsMessage::Close(frame))) => {
                    // 4404: the relay does not know this session (it ended before we came).
                    if frame.as_ref().is_some_and(|f| u16::from(f.code) == 4404) {
                        return Ok("gone".into());
                    }
                    return Err("closed".into());
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.to_string()),
                None => return Err("closed".into()),
            },
            ask = asks.recv() => {
                if ask.is_none() {
                    return Ok("closed".into());
                }
                let text = serde_json::to_string(&RelayNotice::Checkout).expect("serialize");
                ws.send(WsMessage::text(text)).await.map_err(|e| e.to_string())?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn gz(text: &str) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn d5_frames_are_read_plain_or_gzipped_and_nothing_else_passes() {
        let mut plain = vec![FLAG_FULL];
        plain.extend_from_slice(br#"[{"type":4}]"#);
        assert_eq!(
            read_frame(&plain),
            Some(ViewMessage::Events {
                full: true,
                events: r#"[{"type":4}]"#.into()
            })
        );
        let mut zipped = vec![FLAG_GZIP];
        zipped.extend(gz(r#"[{"type":3}]"#));
        assert_eq!(
            read_frame(&zipped),
            Some(ViewMessage::Events {
                full: false,
                events: r#"[{"type":3}]"#.into()
            })
        );
        assert_eq!(read_frame(&[]), None);
        assert_eq!(read_frame(&[0x80, b'[']), None, "unknown flags");
        assert_eq!(read_frame(b"\0{\"not\":\"events\"}"), None);
        assert_eq!(read_frame(&[FLAG_GZIP, 1, 2, 3]), None, "not gzip");
        // A bomb: small compressed, huge once inflated.
        let mut bomb = vec![FLAG_GZIP];
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(b"[").unwrap();
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..40 {
            e.write_all(&zeros).unwrap();
        }
        bomb.extend(e.finish().unwrap());
        assert!(bomb.len() < MAX_RELAY_FRAME_BYTES);
        assert_eq!(read_frame(&bomb), None, "inflated past the bound");
    }

    #[test]
    fn d5_the_relay_url_follows_the_hub_scheme() {
        assert_eq!(
            relay_url("https://hub.example:8443/"),
            "wss://hub.example:8443/ws/cobrowse"
        );
        assert_eq!(
            relay_url("http://127.0.0.1:8080"),
            "ws://127.0.0.1:8080/ws/cobrowse"
        );
    }
}
