//! Opening hours per weekday (R11), in the project's time zone.
//!
//! Hours are local wall-clock minutes; instants are UTC [`Millis`]. Converting a local
//! boundary to an instant goes through chrono-tz: an ambiguous local time (clocks going back)
//! yields both instants as candidates, a local time that does not exist (clocks going forward)
//! is moved to the first local time after the gap. Whether a group is open at an instant is
//! always decided from the instant's own local time, so DST can at worst make a computed
//! change instant late by the size of the gap, never wrong about the state.

use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::Millis;

/// Minutes in a day: the largest valid `Span::end`.
pub const DAY_MINUTES: u16 = 1440;

/// How far ahead [`next_change`] looks, in local days. Hours repeat weekly, so a week and a
/// day of margin on each side finds any change that will ever happen.
const LOOKAHEAD_DAYS: i64 = 8;

/// How far a boundary inside a DST gap is pushed, in minutes, before giving up on it.
const DST_GAP_SEARCH_MIN: i64 = 180;

/// Minutes since local midnight, `[start, end)`; `end` may be 1440 (midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: u16,
    pub end: u16,
}

impl Span {
    fn contains(&self, minute: u16) -> bool {
        self.start <= minute && minute < self.end.min(DAY_MINUTES)
    }
}

/// Open spans per weekday, Monday first. An empty day is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours {
    pub days: [Vec<Span>; 7],
}

impl WeeklyHours {
    /// The same spans every day of the week.
    pub fn every_day(spans: &[Span]) -> Self {
        Self {
            days: std::array::from_fn(|_| spans.to_vec()),
        }
    }
}

/// Parses an IANA zone name (`Europe/Paris`).
pub fn parse_timezone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// Whether `now` falls in one of the spans of its local weekday.
pub fn is_open(hours: &WeeklyHours, tz: Tz, now: Millis) -> bool {
    let Some(utc) = DateTime::from_timestamp_millis(now) else {
        return false;
    };
    let local = utc.with_timezone(&tz);
    let day = local.weekday().num_days_from_monday() as usize;
    // hour < 24 and minute < 60, so this is < 1440 and fits a u16.
    let minute = (local.hour() * 60 + local.minute()) as u16;
    hours.days[day].iter().any(|span| span.contains(minute))
}

/// The next instant strictly after `now` at which [`is_open`] changes, if it ever does.
pub fn next_change(hours: &WeeklyHours, tz: Tz, now: Millis) -> Option<Millis> {
    let utc = DateTime::from_timestamp_millis(now)?;
    let today = utc.with_timezone(&tz).date_naive();
    let open_now = is_open(hours, tz, now);
    let mut candidates = Vec::new();
    for offset in -1..=LOOKAHEAD_DAYS {
        let date = if offset < 0 {
            today.checked_sub_days(Days::new(offset.unsigned_abs()))
        } else {
            today.checked_add_days(Days::new(offset.unsigned_abs()))
        };
        let Some(date) = date else { continue };
        let day = date.weekday().num_days_from_monday() as usize;
        for span in &hours.days[day] {
            for minute in [span.start, span.end] {
                local_instants(tz, date, minute, &mut candidates);
            }
        }
    }
    candidates.retain(|&t| t > now);
    candidates.sort_unstable();
    candidates.dedup();
    candidates
        .into_iter()
        .find(|&t| is_open(hours, tz, t) != open_now)
}

/// When open at `now`: the instant the current open period ends (spans that touch, such as
/// Monday until 24:00 and Tuesday from 0:00, make one period). `None` when closed now or
/// open for good.
pub fn current_span_end(hours: &WeeklyHours, tz: Tz, now: Millis) -> Option<Millis> {
    if !is_open(hours, tz, now) {
        return None;
    }
    next_change(hours, tz, now)
}

/// The instants at which local `date` + `minute` happens (`minute` may be 1440).
fn local_instants(tz: Tz, date: NaiveDate, minute: u16, out: &mut Vec<Millis>) {
    let Some(midnight) = date.and_hms_opt(0, 0, 0) else {
        return;
    };
    let Some(naive) = midnight.checked_add_signed(chrono::Duration::minutes(i64::from(minute)))
    else {
        return;
    };
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => out.push(t.timestamp_millis()),
        LocalResult::Ambiguous(a, b) => {
            out.push(a.timestamp_millis());
            out.push(b.timestamp_millis());
        }
        LocalResult::None => {
            if let Some(t) = after_gap(tz, naive) {
                out.push(t);
            }
        }
    }
}

/// The first instant after a DST gap containing `naive`: the first local minute that exists.
fn after_gap(tz: Tz, naive: NaiveDateTime) -> Option<Millis> {
    (1..=DST_GAP_SEARCH_MIN).find_map(|m| {
        let later = naive.checked_add_signed(chrono::Duration::minutes(m))?;
        tz.from_local_datetime(&later)
            .earliest()
            .map(|t| t.timestamp_millis())
    })
}

/// Midnight of `now`'s local day in `tz` (D15 "today"), as epoch milliseconds.
pub fn start_of_day(tz: Tz, now: Millis) -> Millis {
    let Some(utc) = DateTime::from_timestamp_millis(now) else {
        return now;
    };
    let date = utc.with_timezone(&tz).date_naive();
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    // A zone may skip midnight (a DST change at 00:00): the earliest valid instant that day.
    match tz.from_local_datetime(&midnight) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.timestamp_millis(),
        LocalResult::None => tz
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map_or(now, |t| t.timestamp_millis()),
    }
}

#[cfg(test)]
mod start_of_day_tests {
    use super::*;

    #[test]
    fn d15_today_starts_at_local_midnight() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        // 2026-11-22 08:30 UTC = 09:30 in Paris (UTC+1) → midnight Paris = 2026-11-21 23:00 UTC.
        let now = DateTime::parse_from_rfc3339("2026-11-22T08:30:00Z")
            .unwrap()
            .timestamp_millis();
        let expected = DateTime::parse_from_rfc3339("2026-11-21T23:00:00Z")
            .unwrap()
            .timestamp_millis();
        assert_eq!(start_of_day(paris, now), expected);
        // 23:30 UTC is already the next day in Paris.
        let late = DateTime::parse_from_rfc3339("2026-11-22T23:30:00Z")
            .unwrap()
            .timestamp_millis();
        let next = DateTime::parse_from_rfc3339("2026-11-22T23:00:00Z")
            .unwrap()
            .timestamp_millis();
        assert_eq!(start_of_day(paris, late), next);
    }
}
