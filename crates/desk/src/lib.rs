//! The desk's logic, free of Tauri (DESIGN.md §2): everything the agent's app does that can be
//! tested with plain `cargo test` against a real hub.
//!
//! Map of the crate:
//! - [`desk`]: [`Desk`], the agent's side of the hub — login and "remember me", the
//!   connection (reconnect with backoff, resume with no gap and no duplicate), the outbox, the
//!   live state and its event stream for the UI.
//! - [`session`]: the hub's HTTP API (login, refresh, logout).
//! - [`credentials`]: the refresh token in the OS keyring (D19), and what happens without one.
//! - [`cache`]: the local SQLite file: outbox, last event seen, canned responses, searchable
//!   history (D18).
//! - [`notify`]: the notification policy (D17), pure and driven by time as an input.
//! - [`error`]: errors with a code the UI matches on.

pub mod cache;
pub mod credentials;
pub mod desk;
pub mod error;
pub mod notify;
pub mod session;

pub use desk::{
    ConnectionState, Desk, DeskEvent, DeskOptions, DeskState, LocalEvent, OutboxItem, OutboxState,
    SnoozedItem,
};
pub use error::{DeskError, DeskErrorCode};
