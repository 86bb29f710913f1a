//! An agent's or a group's figures day by day (D15), from the stored facts of the conversations
//! closed in the range and the agents' status changes, in the project's time zone: a day is
//! from one local midnight to the next (23 or 25 hours across a DST change).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use chrono_tz::Tz;
use pupitre_protocol::stats::{DayFigures, SalesFigure, StatsRange, StatsScope, StatusTime};
use pupitre_protocol::{AgentId, Availability, Channel, Millis};

use crate::store::{ConversationFacts, FactSums, SaleRow, StatusChange};

/// The most days one request covers (a month).
pub const MOST_DAYS: u32 = 31;

/// The days asked for: `(date, start, end)`, `end` the next day's start.
pub fn days(tz: Tz, first: NaiveDate, count: u32) -> Option<Vec<(NaiveDate, Millis, Millis)>> {
    if count == 0 || count > MOST_DAYS {
        return None;
    }
    let mut out = Vec::with_capacity(count as usize);
    let mut date = first;
    let mut start = pupitre_routing::hours::midnight(tz, date)?;
    for _ in 0..count {
        let next = date.succ_opt()?;
        let end = pupitre_routing::hours::midnight(tz, next)?;
        out.push((date, start, end));
        date = next;
        start = end;
    }
    Some(out)
}

/// Sums that become a [`DayFigures`].
#[derive(Default)]
struct Sums {
    facts: FactSums,
    /// `(channel, availability, optional)` → ms.
    status: BTreeMap<(Channel, AvailabilityKey, Option<String>), i64>,
    /// Currency → (count, amount).
    sales: BTreeMap<String, (u32, i64)>,
}

/// [`Availability`] in a stable order (available, busy, unavailable, offline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct AvailabilityKey(u8);

impl AvailabilityKey {
    fn of(a: Availability) -> Self {
        Self(match a {
            Availability::Available => 0,
            Availability::Busy => 1,
            Availability::Unavailable => 2,
            Availability::Offline => 3,
        })
    }
    fn availability(self) -> Availability {
        match self.0 {
            0 => Availability::Available,
            1 => Availability::Busy,
            2 => Availability::Unavailable,
            _ => Availability::Offline,
        }
    }
}

fn avg(sum: i64, n: i64) -> Option<i64> {
    (n > 0).then(|| sum / n)
}

/// Adds one closed conversation's figures to `sums`.
pub fn add_facts(sums: &mut FactSums, f: &ConversationFacts) {
    sums.conversations += 1;
    if let Some(ms) = f.first_response_ms {
        sums.first_response.0 += ms;
        sums.first_response.1 += 1;
    }
    sums.response.0 += f.response_sum_ms;
    sums.response.1 += f.response_count;
    if let Some(ms) = f.handling_ms {
        sums.handling.0 += ms;
        sums.handling.1 += 1;
    }
    if let Some(s) = f.satisfaction {
        sums.satisfaction.0 += s;
        sums.satisfaction.1 += 1;
    }
}

/// The sums of `facts` per day of `days` (what the store's `facts_by_day` answers, summed by
/// the database).
pub fn sums_by_day(days: &[(Millis, Millis)], facts: &[ConversationFacts]) -> Vec<FactSums> {
    let mut out = vec![FactSums::default(); days.len()];
    for f in facts {
        if let Some(i) = days
            .iter()
            .position(|(s, e)| *s <= f.closed_at && f.closed_at < *e)
        {
            add_facts(&mut out[i], f);
        }
    }
    out
}

fn merge(into: &mut FactSums, s: &FactSums) {
    into.conversations += s.conversations;
    into.first_response.0 += s.first_response.0;
    into.first_response.1 += s.first_response.1;
    into.response.0 += s.response.0;
    into.response.1 += s.response.1;
    into.handling.0 += s.handling.0;
    into.handling.1 += s.handling.1;
    into.satisfaction.0 += s.satisfaction.0;
    into.satisfaction.1 += s.satisfaction.1;
}

impl Sums {
    fn add_sale(&mut self, s: &SaleRow) {
        let entry = self.sales.entry(s.currency.clone()).or_default();
        entry.0 += 1;
        entry.1 += s.amount_minor;
    }

    fn add_status(&mut self, key: &(Channel, AvailabilityKey, Option<String>), ms: i64) {
        if ms > 0 {
            *self.status.entry(key.clone()).or_default() += ms;
        }
    }

    fn figures(self, day: String) -> DayFigures {
        let f = &self.facts;
        DayFigures {
            day,
            conversations: f.conversations,
            first_response_avg_ms: avg(f.first_response.0, f.first_response.1),
            response_avg_ms: avg(f.response.0, f.response.1),
            handling_avg_ms: avg(f.handling.0, f.handling.1),
            satisfaction_avg: (f.satisfaction.1 > 0)
                .then(|| f.satisfaction.0 / f64::from(f.satisfaction.1)),
            satisfaction_count: f.satisfaction.1,
            sales: sales_figures(self.sales),
            status: self
                .status
                .into_iter()
                .map(|((channel, a, optional), ms)| StatusTime {
                    channel,
                    availability: a.availability(),
                    optional,
                    ms,
                })
                .collect(),
        }
    }
}

/// Sales per currency, in currency order.
pub fn sales_figures(sums: BTreeMap<String, (u32, i64)>) -> Vec<SalesFigure> {
    sums.into_iter()
        .map(|(currency, (count, amount_minor))| SalesFigure {
            currency,
            count,
            amount_minor,
        })
        .collect()
}

/// What [`range`] reads: the sums of the conversations closed each day (one per day), the
/// sales made in the days, and the status changes of the scope's agents (with, per agent and
/// channel, the last one before the first day).
pub struct Recorded<'a> {
    pub facts: &'a [FactSums],
    pub sales: &'a [SaleRow],
    pub changes: &'a [StatusChange],
}

/// The figures of `scope` over `days` (from [`days`]). Time after `now` counts in no status.
pub fn range(
    scope: StatsScope,
    tz: Tz,
    days: &[(NaiveDate, Millis, Millis)],
    recorded: Recorded<'_>,
    now: Millis,
) -> StatsRange {
    let Recorded {
        facts,
        sales,
        changes,
    } = recorded;
    let mut sums: Vec<Sums> = days.iter().map(|_| Sums::default()).collect();
    let mut total = Sums::default();
    let day_of = |at: Millis| -> Option<usize> {
        let i = days.partition_point(|(_, start, _)| *start <= at);
        (i > 0 && at < days[i - 1].2).then(|| i - 1)
    };
    for (day, f) in sums.iter_mut().zip(facts) {
        merge(&mut day.facts, f);
        merge(&mut total.facts, f);
    }
    for s in sales {
        if let Some(i) = day_of(s.at) {
            sums[i].add_sale(s);
            total.add_sale(s);
        }
    }
    // Each agent's and channel's timeline: a status holds from its change to the next one.
    let mut timelines: BTreeMap<(AgentId, Channel), Vec<&StatusChange>> = BTreeMap::new();
    for c in changes {
        timelines
            .entry((c.agent_id, c.channel))
            .or_default()
            .push(c);
    }
    let (range_start, range_end) = match (days.first(), days.last()) {
        (Some(f), Some(l)) => (f.1, l.2.min(now)),
        _ => (0, 0),
    };
    for ((_, channel), mut line) in timelines {
        line.sort_by_key(|c| c.at);
        for (i, c) in line.iter().enumerate() {
            let from = c.at.max(range_start);
            let to = line.get(i + 1).map_or(range_end, |n| n.at.min(range_end));
            if to <= from {
                continue;
            }
            let key = (
                channel,
                AvailabilityKey::of(c.availability),
                c.optional.clone(),
            );
            for (d, (_, start, end)) in days.iter().enumerate() {
                let ms = to.min(*end) - from.max(*start);
                sums[d].add_status(&key, ms);
                total.add_status(&key, ms);
            }
        }
    }
    StatsRange {
        scope,
        time_zone: tz.name().to_owned(),
        days: days
            .iter()
            .zip(sums)
            .map(|((date, _, _), s)| s.figures(date.format("%Y-%m-%d").to_string()))
            .collect(),
        total: total.figures(String::new()),
        computed_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ms(rfc3339: &str) -> Millis {
        chrono::DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .timestamp_millis()
    }

    fn fact(closed_at: Millis, first: Option<i64>, satisfaction: Option<f64>) -> ConversationFacts {
        ConversationFacts {
            number: 1,
            agent_id: Some(1),
            closed_at,
            first_response_ms: first,
            response_sum_ms: first.unwrap_or(0) * 2,
            response_count: if first.is_some() { 2 } else { 0 },
            handling_ms: Some(600_000),
            conversation_type: None,
            important: false,
            satisfaction,
            survey_comment: None,
            agent_answers: vec![],
            visitor_id: String::new(),
            visitor_name: String::new(),
            summary: String::new(),
        }
    }

    fn change(at: Millis, availability: Availability, optional: Option<&str>) -> StatusChange {
        StatusChange {
            agent_id: 1,
            channel: Channel::Chat,
            availability,
            optional: optional.map(str::to_owned),
            at,
        }
    }

    fn sale(at: Millis, currency: &str, amount_minor: i64) -> SaleRow {
        SaleRow {
            order: format!("o{at}"),
            number: 1,
            agent_id: Some(1),
            amount_minor,
            currency: currency.into(),
            at,
        }
    }

    fn scope() -> StatsScope {
        StatsScope::Agent {
            id: 1,
            name: "Alice".into(),
        }
    }

    #[test]
    fn d15_days_follow_the_zone_across_dst() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        // 2026-03-29: clocks go forward in Paris, the day has 23 hours; 2026-10-25: 25 hours.
        let spring = days(paris, date("2026-03-28"), 3).unwrap();
        let lengths: Vec<i64> = spring.iter().map(|(_, s, e)| (e - s) / H).collect();
        assert_eq!(lengths, [24, 23, 24]);
        assert_eq!(spring[0].1, ms("2026-03-28T00:00:00+01:00"));
        assert_eq!(spring[2].1, ms("2026-03-30T00:00:00+02:00"));
        let autumn = days(paris, date("2026-10-25"), 1).unwrap();
        assert_eq!((autumn[0].2 - autumn[0].1) / H, 25);
        // A month of 31 days is the most; none is nothing.
        assert!(days(paris, date("2026-01-01"), 31).is_some());
        assert!(days(paris, date("2026-01-01"), 32).is_none());
        assert!(days(paris, date("2026-01-01"), 0).is_none());
    }

    #[test]
    fn d15_a_close_counts_on_its_local_day_and_the_total_averages_conversations() {
        // Week of Monday 2026-11-30 in New York (UTC-5).
        let ny: Tz = "America/New_York".parse().unwrap();
        let week = days(ny, date("2026-11-30"), 7).unwrap();
        let facts = [
            // 23:30 on Monday in New York is Tuesday 04:30 UTC: Monday's.
            fact(ms("2026-12-01T04:30:00Z"), Some(10_000), Some(5.0)),
            fact(ms("2026-11-30T15:00:00Z"), Some(30_000), None),
            fact(ms("2026-12-02T15:00:00Z"), None, Some(2.0)),
            // Sunday 2026-11-29 23:59 in New York: the week before, not counted.
            fact(ms("2026-11-30T04:59:00Z"), Some(1), Some(1.0)),
            // Monday 2026-12-07 00:00 in New York: the next week.
            fact(ms("2026-12-07T05:00:00Z"), Some(1), Some(1.0)),
        ];
        let sales = [
            sale(ms("2026-12-01T04:00:00Z"), "EUR", 12_990),
            sale(ms("2026-11-30T12:00:00Z"), "EUR", 1_000),
            sale(ms("2026-11-30T13:00:00Z"), "USD", 500),
            sale(ms("2026-11-30T04:00:00Z"), "EUR", 7),
        ];
        let bounds: Vec<(Millis, Millis)> = week.iter().map(|(_, s, e)| (*s, *e)).collect();
        let recorded = Recorded {
            facts: &sums_by_day(&bounds, &facts),
            sales: &sales,
            changes: &[],
        };
        let r = range(scope(), ny, &week, recorded, ms("2026-12-10T00:00:00Z"));
        assert_eq!(r.time_zone, "America/New_York");
        let counts: Vec<u32> = r.days.iter().map(|d| d.conversations).collect();
        assert_eq!(counts, [2, 0, 1, 0, 0, 0, 0]);
        assert_eq!(r.days[0].day, "2026-11-30");
        assert_eq!(r.days[6].day, "2026-12-06");
        assert_eq!(r.days[0].first_response_avg_ms, Some(20_000));
        assert_eq!(r.days[0].response_avg_ms, Some(20_000));
        assert_eq!(r.days[0].satisfaction_avg, Some(5.0));
        assert_eq!(r.days[1].first_response_avg_ms, None);
        assert_eq!(r.total.conversations, 3);
        assert_eq!(r.total.first_response_avg_ms, Some(20_000));
        assert_eq!(r.total.handling_avg_ms, Some(600_000));
        assert_eq!(
            (r.total.satisfaction_avg, r.total.satisfaction_count),
            (Some(3.5), 2)
        );
    }

    #[test]
    fn d15_time_per_status_is_cut_at_midnight_and_now() {
        let utc: Tz = "UTC".parse().unwrap();
        let two = days(utc, date("2026-12-01"), 2).unwrap();
        let changes = [
            // Held since the day before: counts from the first midnight.
            change(ms("2026-11-30T20:00:00Z"), Availability::Available, None),
            change(ms("2026-12-01T08:00:00Z"), Availability::Busy, None),
            change(
                ms("2026-12-01T09:00:00Z"),
                Availability::Unavailable,
                Some("In training"),
            ),
            change(ms("2026-12-01T22:00:00Z"), Availability::Available, None),
        ];
        // Now: 2026-12-02 06:00, so the second day has 6 hours of "available".
        let recorded = Recorded {
            facts: &[FactSums::default(), FactSums::default()],
            sales: &[],
            changes: &changes,
        };
        let r = range(scope(), utc, &two, recorded, ms("2026-12-02T06:00:00Z"));
        let hours = |d: &DayFigures| -> Vec<(Availability, Option<String>, i64)> {
            d.status
                .iter()
                .map(|s| (s.availability, s.optional.clone(), s.ms / H))
                .collect()
        };
        assert_eq!(
            hours(&r.days[0]),
            [
                (Availability::Available, None, 8 + 2),
                (Availability::Busy, None, 1),
                (Availability::Unavailable, Some("In training".into()), 13),
            ]
        );
        assert_eq!(hours(&r.days[1]), [(Availability::Available, None, 6)]);
        assert_eq!(hours(&r.total)[0], (Availability::Available, None, 16));
        let day_total: i64 = r.days[0].status.iter().map(|s| s.ms).sum();
        assert_eq!(
            day_total,
            24 * H,
            "every hour of a past day is in one status"
        );
    }
}
