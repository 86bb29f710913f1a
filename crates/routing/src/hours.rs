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
use ts_rs::TS;

use crate::Millis;

/// Minutes in a day: the largest valid `Span::end`.
pub const DAY_MINUTES: u16 = 1440;

/// How far ahead [`next_change`] looks, in local days. Hours repeat weekly, so a week and a
/// day of margin on each side finds any change that will ever happen.
const LOOKAHEAD_DAYS: i64 = 8;

/// How far a boundary inside a DST gap is pushed, in minutes, before giving up on it.
const DST_GAP_SEARCH_MIN: i64 = 180;

/// Minutes since local midnight, `[start, end)`; `end` may be 1440 (midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Span {
    pub start: u16,
    pub end: u16,
}

impl Span {
    fn contains(&self, minute: u16) -> bool {
        self.start <= minute && minute < self.end.min(DAY_MINUTES)
    }
}

/// Open spans per weekday, Monday first, and dates that differ (A11). An empty day is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WeeklyHours {
    pub days: [Vec<Span>; 7],
    /// Dates with hours of their own, which replace their weekday's.
    #[serde(default)]
    pub exceptions: Vec<Exception>,
}

/// A date with its own hours (A11): a holiday (no spans: closed all day) or special hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Exception {
    /// A local date of the project's zone, `YYYY-MM-DD`.
    #[ts(type = "string")]
    pub date: NaiveDate,
    #[serde(default)]
    pub spans: Vec<Span>,
    /// What the admin calls it ("Christmas").
    #[serde(default)]
    pub label: String,
}

/// Most ranges in one day (split shifts).
pub const MOST_SPANS_PER_DAY: usize = 8;
/// Most exception dates a group keeps.
pub const MOST_EXCEPTIONS: usize = 400;
/// Longest exception label, in characters.
pub const MOST_LABEL_CHARS: usize = 100;

impl WeeklyHours {
    /// The same spans every day of the week.
    pub fn every_day(spans: &[Span]) -> Self {
        Self {
            days: std::array::from_fn(|_| spans.to_vec()),
            exceptions: vec![],
        }
    }

    /// The open spans of a local date: its exception's, or its weekday's.
    pub fn spans_on(&self, date: NaiveDate) -> &[Span] {
        match self.exceptions.iter().find(|e| e.date == date) {
            Some(e) => &e.spans,
            None => &self.days[date.weekday().num_days_from_monday() as usize],
        }
    }

    /// What is wrong with these hours, as `(path, reason)` pairs (`days.0.1`,
    /// `exceptions.2.date`); empty when they are fine.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let spans = |path: String, spans: &[Span], out: &mut Vec<(String, String)>| {
            if spans.len() > MOST_SPANS_PER_DAY {
                out.push((
                    path.clone(),
                    format!("at most {MOST_SPANS_PER_DAY} ranges a day"),
                ));
            }
            for (i, s) in spans.iter().enumerate() {
                if s.start >= s.end || s.end > DAY_MINUTES {
                    out.push((
                        format!("{path}.{i}"),
                        "a range starts before it ends, within the day (0:00 to 24:00)".into(),
                    ));
                } else if spans[..i]
                    .iter()
                    .any(|o| s.start < o.end && o.start < s.end)
                {
                    out.push((format!("{path}.{i}"), "this range overlaps another".into()));
                }
            }
        };
        for (d, day) in self.days.iter().enumerate() {
            spans(format!("days.{d}"), day, &mut out);
        }
        if self.exceptions.len() > MOST_EXCEPTIONS {
            out.push((
                "exceptions".into(),
                format!("at most {MOST_EXCEPTIONS} dates"),
            ));
        }
        for (i, e) in self.exceptions.iter().enumerate() {
            spans(format!("exceptions.{i}.spans"), &e.spans, &mut out);
            if self.exceptions[..i].iter().any(|o| o.date == e.date) {
                out.push((
                    format!("exceptions.{i}.date"),
                    "this date is listed twice".into(),
                ));
            }
            if e.label.chars().count() > MOST_LABEL_CHARS || e.label.chars().any(|c| c.is_control())
            {
                out.push((
                    format!("exceptions.{i}.label"),
                    format!("a label is one line of at most {MOST_LABEL_CHARS} characters"),
                ));
            }
        }
        out
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
    // hour < 24 and minute < 60, so this is < 1440 and fits a u16.
    let minute = (local.hour() * 60 + local.minute()) as u16;
    hours
        .spans_on(local.date_naive())
        .iter()
        .any(|span| span.contains(minute))
}

/// The next instant strictly after `now` at which [`is_open`] changes, if it ever does.
pub fn next_change(hours: &WeeklyHours, tz: Tz, now: Millis) -> Option<Millis> {
    let utc = DateTime::from_timestamp_millis(now)?;
    let today = utc.with_timezone(&tz).date_naive();
    let open_now = is_open(hours, tz, now);
    // Day by day, from yesterday (a span of yesterday may end after now) to a week past the
    // last exception still to come (weekly hours repeat; an exception may close the only open
    // day of several weeks): each day's midnight and its spans' ends are where the state can
    // change; the first that changes it is the answer.
    let last_exception = hours
        .exceptions
        .iter()
        .map(|e| e.date)
        .filter(|d| *d >= today)
        .max()
        .unwrap_or(today);
    let horizon = last_exception
        .checked_add_days(Days::new(LOOKAHEAD_DAYS.unsigned_abs()))
        .unwrap_or(last_exception);
    let mut date = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    let mut candidates = Vec::new();
    while date <= horizon {
        candidates.clear();
        local_instants(tz, date, 0, &mut candidates);
        for span in hours.spans_on(date) {
            for minute in [span.start, span.end] {
                local_instants(tz, date, minute, &mut candidates);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        if let Some(t) = candidates
            .iter()
            .copied()
            .filter(|&t| t > now)
            .find(|&t| is_open(hours, tz, t) != open_now)
        {
            return Some(t);
        }
        date = date.succ_opt()?;
    }
    None
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
    midnight(tz, utc.with_timezone(&tz).date_naive()).unwrap_or(now)
}

/// When `date` begins in `tz`. A zone may skip midnight (a DST change at 00:00): then the
/// earliest valid instant that day.
pub fn midnight(tz: Tz, date: chrono::NaiveDate) -> Option<Millis> {
    let midnight = date.and_hms_opt(0, 0, 0)?;
    match tz.from_local_datetime(&midnight) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.timestamp_millis()),
        LocalResult::None => tz
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map(|t| t.timestamp_millis()),
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
