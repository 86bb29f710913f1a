//! The desk's logic, free of Tauri (DESIGN.md §2): everything the agent's app does that can be
//! tested with plain `cargo test` against a real hub.
//!
//! Map of the crate:
//! - [`desk`]: [`Desk`], the agent's side of the hub — login and "remember me", the
//!   connection (reconnect with backoff, resume with no gap and no duplicate), the outbox; it
//!   feeds the model and streams its changes.
//! - [`model`]: [`DeskModel`], the desk's live state and the one place where events are applied
//!   (DESIGN.md §12); its [`DeskEvent`]s are what the UI, the tray and the notifications follow.
//! - [`tray`]: what the tray icon and menu show, followed from those changes (D3).
//! - [`session`]: the hub's HTTP API (login, refresh, logout).
//! - [`credentials`]: the refresh token in the OS keyring (D19), and what happens without one.
//! - [`cache`]: the local SQLite file: outbox, last event seen, canned responses, searchable
//!   history (D18).
//! - [`notify`]: the notification policy (D17), pure and driven by time as an input.
//! - [`assets`]: the brand's images and fonts for the co-browsing replay, fetched only from
//!   the project's site origins (D5, C4).
//! - [`stats`]: statistics over time (D15), and the last ones kept for reading offline.
//! - [`knowledge`], [`knowledge_cache`]: the knowledge tab's articles, searched in the hub and
//!   kept for offline use (D16, A8).
//! - [`assistant`]: the assistant chatbox, BM25 over articles, canned responses and past
//!   conversations, on the agent's machine (D16).
//! - [`tools`]: agents online, a conversation e-mailed to oneself (D16).
//! - [`supervision`]: help requests, the manager's board, watching, whispers, taking over
//!   (M1–M3).
//! - [`error`]: errors with a code the UI matches on.
//! - [`door`]: the other shapes of the UI's door (login, canned responses, history).
//!
//! What crosses the UI's door ([`DeskState`], [`DeskEvent`], [`OutboxItem`], [`DeskError`], the
//! [`door`] shapes) is
//! generated as TypeScript into `ui/src/lib/desk/` (tests/bindings.rs checks it, DESIGN.md §11).

pub mod assets;
pub mod assistant;
pub mod autostart;
pub mod cache;
pub mod cobrowse;
pub mod credentials;
pub mod desk;
pub mod door;
pub mod error;
pub mod knowledge;
pub mod knowledge_cache;
pub mod model;
pub mod notify;
pub mod session;
pub mod stats;
pub mod supervision;
pub mod tls;
pub mod tools;
pub mod tray;

pub use desk::{Desk, DeskOptions};
pub use error::{DeskError, DeskErrorCode};
pub use model::{
    Changes, ConnectionState, ConversationUpdate, DeskEvent, DeskModel, DeskState, OutboxItem,
    OutboxState, SnoozedItem,
};
