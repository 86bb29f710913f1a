//! Pupitre's routing engine: who gets which conversation, and when (SPEC R1–R11).
//!
//! The engine is **sans-IO** (as quinn-proto or str0m): no tokio, no clock, no database, no
//! randomness. The hub feeds it inputs together with the current time and drains what it
//! decided.
//!
//! # The drain rule
//!
//! After every [`Engine::handle`] or [`Engine::handle_timeout`] call, the caller drains
//! [`Engine::poll_output`] until it returns `None`, then sleeps until [`Engine::poll_timeout`]
//! (if any) and calls [`Engine::handle_timeout`] with the time it woke at. Nothing happens
//! between calls: every deadline (snooze end, the 24-hour rule, R10 timeouts, opening hours) is
//! a field of the state, so a hub that restarts and [`Engine::restore`]s the same records gets
//! the same wake-ups (DESIGN.md §9).
//!
//! Inside, after every input and every fired deadline, the engine gives waiting conversations
//! to agents with room (reserved ones to their agent first, then queues oldest first), so that
//! between calls no agent who could take a waiting conversation has room for it.
//! [`Engine::check_invariants`] checks that and the indexes (a conversation on at most one
//! desk, queues first come first served, slot limits).
//!
//! # Map
//! - [`model`]: the engine's configuration and the records the hub persists.
//! - [`io`]: [`Input`], [`Output`] and [`RoutingError`].
//! - [`engine`]: [`Engine`], the rules.
//! - [`hours`]: opening hours per weekday (R11).
//! - [`help`]: help requests from agents to managers, with their timeout (M2).

pub mod engine;
pub mod help;
pub mod hours;
pub mod io;
pub mod model;

pub use engine::{AgentView, Engine};
pub use hours::{Span, WeeklyHours};
pub use io::{
    AssignCause, CloseCause, Input, Output, RoutingError, TransferTo, UnassignCause, WakeCause,
};
pub use model::*;
pub use pupitre_protocol::{AgentId, Availability, Channel, ChosenStatus, GroupId, Millis};

/// A project-local conversation number (`1042` in `DEMO-1042`).
pub type ConversationId = i64;

pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;
pub const HOUR: Millis = 60 * MINUTE;
/// R6: a conversation held by an agent who is not available goes back to the group after this.
pub const REASSIGN_AFTER: Millis = 24 * HOUR;
