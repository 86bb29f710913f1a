//! Co-browsing (SPEC D5, W3, C1–C4; DESIGN §13): the agent sees the visitor's page live and,
//! with a second consent, guides it.
//!
//! Two planes:
//! - **Control**, on the ordinary sockets and through the project's writer: the agent asks
//!   ([`AgentCobrowse`]), the visitor answers ([`VisitorCobrowse`]), both sides get the session's
//!   [`CobrowseState`] (frame `cobrowse`), the visitor gets the agent's guiding ([`Guide`]).
//!   These frames are ephemeral: never stored, never replayed; a client that reconnects gets the
//!   state of the sessions it is part of with its welcome.
//! - **Data**, on the relay socket `/ws/cobrowse`: the visitor's browser sends the recording,
//!   masked before it leaves the page, as binary frames; the hub forwards them to the agent's
//!   view and keeps in memory only what a view joining now needs (the frames since the latest
//!   full snapshot, bounded). Nothing of it is ever written to the database or the logs.
//!
//! The relay socket's first frame is a text [`RelayHello`]; then binary frames, each
//! `[flags: u8][payload]` where the payload is a JSON array of recorder events (gzip-compressed
//! when [`FLAG_GZIP`] is set) and [`FLAG_FULL`] says it begins with a full snapshot of the
//! page. The hub answers with text [`RelayNotice`]s.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::ConversationRef;

/// A relay frame whose events begin with a full snapshot of the page.
pub const FLAG_FULL: u8 = 1;
/// A relay frame whose payload is gzip-compressed.
pub const FLAG_GZIP: u8 = 2;
/// The largest relay frame, in bytes.
pub const MAX_RELAY_FRAME_BYTES: usize = 1024 * 1024;

/// What the agent does in a co-browsing session (frame `cobrowse` of the desk).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AgentCobrowse {
    /// Ask the visitor to share their page (C1, first consent).
    Ask,
    /// Ask the visitor to let the agent guide (C1, second consent).
    AskGuide,
    /// Send the visitor to a page of the brand's site (after the second consent).
    Navigate {
        url: String,
    },
    /// Point at a spot of the page, in the page's CSS pixels from its top left (after the
    /// second consent).
    Point {
        x: f64,
        y: f64,
    },
    Stop,
}

/// What the visitor answers (frame `cobrowse` of the widget).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum VisitorCobrowse {
    Accept,
    Decline,
    AcceptGuide,
    DeclineGuide,
    Stop,
    /// The page's full snapshot is larger than a relay frame: the visitor's page stopped
    /// sharing by itself (the agent is told why: [`CobrowseEnd::TooLarge`]).
    TooLarge,
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CobrowsePhase {
    /// The agent asked; the visitor has not answered.
    Asked,
    /// The visitor shares their page.
    Running,
    /// Over: see [`CobrowseEnd`].
    Ended,
}

/// Whether the agent may guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Guiding {
    #[default]
    No,
    Asked,
    Allowed,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CobrowseEnd {
    Declined,
    StoppedByVisitor,
    StoppedByAgent,
    /// The conversation was closed or transferred.
    ConversationMoved,
    /// The admin switched co-browsing off.
    SwitchedOff,
    /// The page sent more than the relay keeps.
    TooLarge,
}

/// The session of a conversation, as both sides see it (ephemeral frame `cobrowse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CobrowseState {
    pub conversation: ConversationRef,
    pub phase: CobrowsePhase,
    pub guiding: Guiding,
    /// The agent's name, for the visitor's prompt ("Alice would like to see this page").
    pub agent: String,
    /// The relay's key for this session, while it runs: the visitor's page sends to it, the
    /// agent's view reads from it.
    pub relay: Option<String>,
    /// Why it ended, once it did.
    pub end: Option<CobrowseEnd>,
}

/// The agent's guiding, to the visitor's page (ephemeral frame `cobrowse_guide`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Guide {
    Navigate { url: String },
    Point { x: f64, y: f64 },
}

/// Which end of the relay a socket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RelaySide {
    Visitor,
    Agent,
}

/// The relay socket's first frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RelayHello {
    pub relay: String,
    pub side: RelaySide,
}

/// What the relay tells a side, as text frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RelayNotice {
    /// To the visitor: send a full snapshot now (a view joined and the relay has none, or it
    /// dropped what it kept).
    Checkout,
    /// To the agent: the visitor's page is not connected (between two pages of the site).
    VisitorAway,
    /// To both: the session is over; the socket closes.
    Ended { reason: String },
}
