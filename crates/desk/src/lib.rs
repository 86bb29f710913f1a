//! The desk's logic, free of Tauri (DESIGN.md §2): everything the agent's app does that can be
//! tested with plain `cargo test` against a real hub.
//!
//! Map of the crate:
//! - [`notify`]: the notification policy (D17), pure and driven by time as an input.

pub mod notify;
