//! Pupitre's wire contract.
//!
//! Every frame exchanged over a WebSocket between the hub and its clients is defined here, once,
//! as a serde tagged enum (`{"type": "...", ...}`), and exported to TypeScript with ts-rs for the
//! desk's UI (`ui/src/lib/protocol/`) and the widget (`widget/src/protocol/`).
//!
//! Map of the crate:
//! - [`common`]: vocabulary shared by both sides (ids, channels, statuses, messages, sentences).
//! - [`agent`]: frames of an agent (desk) connection.
//! - [`visitor`]: frames of a visitor (widget) connection.
//! - [`questionnaire`]: the admin's questionnaires and their answers (A5, R9).
//! - [`stats`]: statistics over time, as the hub answers them over HTTP (D15).
//! - [`supervision`]: help requests and the manager's board (M1–M3).
//! - [`team`]: the project's connected agents, as the desk lists them (D16, M1).
//! - [`cobrowse`]: co-browsing's control frames and its relay socket (D5, W3, C1–C4).
//! - [`error`]: the stable list of error codes, each `{code, message}` on the wire.
//!
//! Delivery contract (SPEC R12): every client frame that changes something carries a
//! client-chosen `client_id` (UUIDv7); the hub applies it once and answers `ack` only after the
//! change is durable. Every event carries a `seq`; a client says the last `seq` it saw in its
//! `hello` and receives exactly what it missed, in order. Frames without a `seq` (drafts,
//! presence) are ephemeral: they are not replayed.

pub mod agent;
pub mod cobrowse;
pub mod common;
pub mod email;
pub mod error;
pub mod questionnaire;
pub mod stats;
pub mod supervision;
pub mod team;
pub mod text;
pub mod visitor;

pub use common::*;
pub use error::{ErrorCode, ErrorFrame};

/// The version a client states in its `hello`. The hub accepts exactly the versions in
/// [`SUPPORTED_VERSIONS`] and answers `version_unsupported` otherwise.
pub const PROTOCOL_VERSION: u32 = 1;
/// Versions this build of the hub speaks.
pub const SUPPORTED_VERSIONS: &[u32] = &[1];

/// Largest text frame a client may send, in bytes. A message body is bounded by
/// [`MAX_MESSAGE_CHARS`]; this leaves room for the envelope.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// A7: the most custom fields a visitor card keeps.
pub const MAX_CARD_FIELDS: usize = 30;
/// A7: the longest value of a custom field, in characters.
pub const MAX_CARD_VALUE_CHARS: usize = 500;
/// Longest message text, in characters (not bytes).
pub const MAX_MESSAGE_CHARS: usize = 10_000;
