//! The agents' figures (SPEC D15), pure: no IO, no clock.
//! - [`today`]: today's performance of one agent, from the day's thread messages (live).
//! - [`facts`]: a closed conversation's figures, from its thread (stored at close).
//! - [`range`]: an agent's or a group's figures day by day over a week or a month, from the
//!   stored facts and status changes, in the project's time zone.

pub mod facts;
pub mod range;
mod today;

pub use today::{TodayStats, today};
