//! Opening hours per weekday (R11), in the project's time zone.

use serde::{Deserialize, Serialize};

/// Minutes since local midnight, `[start, end)`; `end` may be 1440 (midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: u16,
    pub end: u16,
}

/// Open spans per weekday, Monday first. An empty day is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours {
    pub days: [Vec<Span>; 7],
}
