//! R11 opening hours (and R10's queue closing before the end of service) and shift ends.

mod common;

use chrono::{TimeZone, Utc};
use common::{Sim, T0, assigned, assignments, settings};
use pupitre_protocol::SentenceKind;
use pupitre_routing::hours::{Exception, current_span_end, is_open, next_change};
use pupitre_routing::{
    AssignCause, ConversationState, HOUR, Input, MINUTE, Millis, Output, RoutingError, Settings,
    Span, Timeouts, WeeklyHours,
};

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Millis {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .timestamp_millis()
}

/// Monday to Friday, 9:00 to 18:00.
fn office_hours() -> WeeklyHours {
    let day = vec![Span {
        start: 9 * 60,
        end: 18 * 60,
    }];
    WeeklyHours {
        days: [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            vec![],
            vec![],
        ],
        exceptions: vec![],
    }
}

fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn span(start_h: u16, end_h: u16) -> Span {
    Span {
        start: start_h * 60,
        end: end_h * 60,
    }
}

#[test]
fn a11_a_holiday_closes_its_day_and_special_hours_replace_the_weekday() {
    let tz = chrono_tz::UTC;
    let mut hours = office_hours();
    hours.exceptions = vec![
        Exception {
            date: date(2024, 1, 1),
            spans: vec![],
            label: "New year".into(),
        },
        Exception {
            date: date(2024, 1, 6), // a Saturday, normally closed
            spans: vec![span(10, 12), span(14, 16)],
            label: "Sales".into(),
        },
    ];
    assert!(!is_open(&hours, tz, utc(2024, 1, 1, 10, 0)), "the holiday");
    assert!(
        is_open(&hours, tz, utc(2024, 1, 2, 10, 0)),
        "the next day is as usual"
    );
    assert_eq!(
        next_change(&hours, tz, utc(2024, 1, 1, 10, 0)),
        Some(utc(2024, 1, 2, 9, 0))
    );
    // Split shift on the exception day: open, closed over lunch, open, closed.
    assert!(is_open(&hours, tz, utc(2024, 1, 6, 11, 0)));
    assert!(!is_open(&hours, tz, utc(2024, 1, 6, 13, 0)));
    assert_eq!(
        next_change(&hours, tz, utc(2024, 1, 6, 11, 0)),
        Some(utc(2024, 1, 6, 12, 0))
    );
    assert_eq!(
        next_change(&hours, tz, utc(2024, 1, 6, 12, 0)),
        Some(utc(2024, 1, 6, 14, 0))
    );
    assert_eq!(
        current_span_end(&hours, tz, utc(2024, 1, 6, 15, 0)),
        Some(utc(2024, 1, 6, 16, 0))
    );
}

#[test]
fn a11_a_holiday_weeks_ahead_is_the_next_change_of_a_group_always_open() {
    let tz: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
    let mut hours = WeeklyHours::every_day(&[span(0, 24)]);
    hours.exceptions = vec![Exception {
        date: date(2024, 12, 25),
        spans: vec![],
        label: "Noël".into(),
    }];
    // Christmas starts at midnight in Paris (UTC+1): 23:00 UTC the day before.
    assert_eq!(
        next_change(&hours, tz, utc(2024, 11, 1, 12, 0)),
        Some(utc(2024, 12, 24, 23, 0))
    );
    assert_eq!(
        next_change(&hours, tz, utc(2024, 12, 25, 12, 0)),
        Some(utc(2024, 12, 25, 23, 0))
    );
    assert_eq!(next_change(&hours, tz, utc(2024, 12, 26, 12, 0)), None);
}

#[test]
fn a11_a_week_of_holidays_leads_to_the_first_open_day_after_it() {
    let tz = chrono_tz::UTC;
    let mut hours = office_hours();
    // Monday 23 to Friday 27 December 2024 closed: from Saturday 21, the next opening is
    // Monday 30 at 9:00, more than a week of days without any.
    hours.exceptions = (23..=27)
        .map(|d| Exception {
            date: date(2024, 12, d),
            spans: vec![],
            label: "Holidays".into(),
        })
        .collect();
    assert_eq!(
        next_change(&hours, tz, utc(2024, 12, 21, 12, 0)),
        Some(utc(2024, 12, 30, 9, 0))
    );
    // Open only on Wednesdays, and the next three are holidays.
    let mut wednesdays = WeeklyHours::default();
    wednesdays.days[2] = vec![span(9, 12)];
    wednesdays.exceptions = [3, 10, 17]
        .into_iter()
        .map(|d| Exception {
            date: date(2024, 7, d),
            spans: vec![],
            label: String::new(),
        })
        .collect();
    assert_eq!(
        next_change(&wednesdays, tz, utc(2024, 7, 1, 0, 0)),
        Some(utc(2024, 7, 24, 9, 0))
    );
}

#[test]
fn a11_hours_are_checked_range_by_range() {
    let mut hours = office_hours();
    assert!(hours.problems().is_empty());
    hours.days[2] = vec![span(9, 12), span(11, 14), span(15, 15)];
    hours.exceptions = vec![
        Exception {
            date: date(2024, 1, 1),
            spans: vec![],
            label: String::new(),
        },
        Exception {
            date: date(2024, 1, 1),
            spans: vec![],
            label: "two\nlines".into(),
        },
    ];
    let paths: Vec<String> = hours.problems().into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "days.2.1",
            "days.2.2",
            "exceptions.1.date",
            "exceptions.1.label"
        ]
    );
}

#[test]
fn a11_on_a_holiday_a_visitor_gets_the_out_of_hours_sentence() {
    let mut sim = Sim::new(Settings {
        async_messaging: false,
        ..settings()
    });
    let mut hours = office_hours();
    // T0 is Monday 1 January 2024, 9:00 UTC.
    hours.exceptions.push(Exception {
        date: date(2024, 1, 1),
        spans: vec![],
        label: "New year".into(),
    });
    sim.group(1, Some(hours));
    sim.agent(1, &[1], 2);
    assert_eq!(
        sim.new_chat(1, 1),
        vec![Output::Refused {
            conversation: 1,
            sentence: SentenceKind::OutOfHours
        }]
    );
}

#[test]
fn r11_outside_hours_the_visitor_gets_the_out_of_hours_sentence() {
    let mut sim = Sim::new(Settings {
        async_messaging: false,
        ..settings()
    });
    sim.group(1, Some(office_hours()));
    sim.agent(1, &[1], 2);
    assert_eq!(assignments(&sim.new_chat(1, 1)), vec![(1, 1)]); // Monday 9:00: open
    sim.advance(9 * HOUR); // 18:00: closed
    assert_eq!(
        sim.new_chat(2, 1),
        vec![Output::Refused {
            conversation: 2,
            sentence: SentenceKind::OutOfHours
        }]
    );
}

#[test]
fn r11_async_conversations_wait_for_the_group_to_open() {
    let mut sim = Sim::basic();
    sim.group(2, Some(office_hours()));
    sim.agent(1, &[2], 2);
    sim.advance(9 * HOUR + 30 * MINUTE); // Monday 18:30
    let out = sim.new_chat(1, 2);
    assert_eq!(
        out,
        vec![
            Output::Queued {
                conversation: 1,
                group: 2,
                position: 1,
                asynchronous: true
            },
            Output::AutoReply { conversation: 1 },
        ]
    );
    let tuesday_nine = utc(2024, 1, 2, 9, 0);
    assert_eq!(sim.engine.poll_timeout(), Some(tuesday_nine));
    let out = sim.advance_to(tuesday_nine);
    assert_eq!(out, vec![assigned(1, 1, AssignCause::Queue)]);
    assert_eq!(sim.now, tuesday_nine);
}

#[test]
fn r11_queue_closes_before_the_end_of_service() {
    let mut sim = Sim::new(Settings {
        async_messaging: false,
        timeouts: Timeouts {
            queue_close_before_end_min: 30,
            ..Timeouts::default()
        },
        ..settings()
    });
    sim.group(1, Some(office_hours()));
    sim.agent(1, &[1], 1);
    sim.advance(8 * HOUR + 20 * MINUTE); // 17:20
    sim.new_chat(1, 1); // -> 1
    assert!(matches!(sim.new_chat(2, 1)[0], Output::Queued { .. }));
    sim.advance(10 * MINUTE); // 17:30: the queue is closed
    assert_eq!(
        sim.new_chat(3, 1),
        vec![Output::Refused {
            conversation: 3,
            sentence: SentenceKind::OutOfHours
        }]
    );
    // An agent with room still takes new conversations until the end.
    sim.input(Input::Close {
        conversation: 2,
        agent: None,
    });
    sim.input(Input::Close {
        conversation: 1,
        agent: Some(1),
    });
    assert_eq!(assignments(&sim.new_chat(4, 1)), vec![(4, 1)]);
}

#[test]
fn r11_an_agent_whose_shift_ended_keeps_conversations_but_gets_no_new_ones() {
    let mut sim = Sim::basic();
    sim.agent(1, &[1], 3);
    sim.agent(2, &[1], 3);
    sim.input(Input::SetShiftEnd {
        agent: 1,
        at: Some(T0 + HOUR),
    });
    sim.new_chat(1, 1); // -> 1
    sim.advance(HOUR);
    assert!(
        !sim.engine
            .can_take(1, pupitre_routing::Channel::Chat, sim.now)
    );
    assert_eq!(assignments(&sim.new_chat(2, 1)), vec![(2, 2)]);
    assert_eq!(assignments(&sim.new_chat(3, 1)), vec![(3, 2)]);
    assert_eq!(sim.holder(1), Some(1));
    sim.input(Input::SetStatus {
        agent: 2,
        channel: pupitre_routing::Channel::Chat,
        status: pupitre_routing::ChosenStatus::Unavailable,
    });
    assert!(matches!(sim.new_chat(4, 1)[0], Output::Queued { .. }));
    // A new shift: takes the queue.
    let out = sim.input(Input::SetShiftEnd { agent: 1, at: None });
    assert_eq!(assignments(&out), vec![(4, 1)]);
}

#[test]
fn r11_an_unknown_time_zone_is_refused() {
    let mut sim = Sim::basic();
    assert_eq!(
        sim.try_input(Input::SetSettings(Settings {
            timezone: "Mars/Olympus".into(),
            ..settings()
        })),
        Err(RoutingError::Invalid("unknown time zone"))
    );
    sim.input(Input::SetSettings(Settings {
        timezone: "Europe/Paris".into(),
        ..settings()
    }));
    assert_eq!(sim.engine.settings().timezone, "Europe/Paris");
}

#[test]
fn r11_hours_are_local_to_the_project_time_zone_across_dst() {
    let paris = chrono_tz::Europe::Paris;
    let hours = WeeklyHours::every_day(&[Span {
        start: 9 * 60,
        end: 18 * 60,
    }]);
    // Winter, UTC+1.
    assert!(!is_open(&hours, paris, utc(2024, 3, 30, 7, 59)));
    assert!(is_open(&hours, paris, utc(2024, 3, 30, 8, 0)));
    assert_eq!(
        next_change(&hours, paris, utc(2024, 3, 30, 12, 0)),
        Some(utc(2024, 3, 30, 17, 0))
    );
    // Clocks go forward on 31 March: UTC+2.
    assert_eq!(
        next_change(&hours, paris, utc(2024, 3, 30, 17, 0)),
        Some(utc(2024, 3, 31, 7, 0))
    );
    assert!(is_open(&hours, paris, utc(2024, 3, 31, 7, 0)));
    assert!(!is_open(&hours, paris, utc(2024, 3, 31, 6, 59)));
    // A span starting inside the gap (02:30 does not exist) opens when the gap ends.
    let early = WeeklyHours::every_day(&[Span {
        start: 150,
        end: 600,
    }]);
    assert_eq!(
        next_change(&early, paris, utc(2024, 3, 30, 23, 0)),
        Some(utc(2024, 3, 31, 1, 0))
    );
    // Clocks go back on 27 October: UTC+1 again.
    assert_eq!(
        next_change(&hours, paris, utc(2024, 10, 26, 16, 0)),
        Some(utc(2024, 10, 27, 8, 0))
    );
}

#[test]
fn r11_a_span_until_midnight_joins_the_next_day() {
    let tz = chrono_tz::UTC;
    let mut hours = WeeklyHours::default();
    hours.days[0] = vec![Span {
        start: 22 * 60,
        end: 1440,
    }];
    hours.days[1] = vec![Span {
        start: 0,
        end: 2 * 60,
    }];
    let monday_23 = utc(2024, 1, 1, 23, 0);
    assert!(is_open(&hours, tz, monday_23));
    assert_eq!(
        current_span_end(&hours, tz, monday_23),
        Some(utc(2024, 1, 2, 2, 0))
    );
    assert_eq!(
        next_change(&hours, tz, utc(2024, 1, 2, 2, 0)),
        Some(utc(2024, 1, 8, 22, 0))
    );
    assert_eq!(current_span_end(&hours, tz, utc(2024, 1, 2, 3, 0)), None);
    // Never open, always open: no change.
    assert_eq!(next_change(&WeeklyHours::default(), tz, monday_23), None);
    let always = WeeklyHours::every_day(&[Span {
        start: 0,
        end: 1440,
    }]);
    assert_eq!(next_change(&always, tz, monday_23), None);
}

#[test]
fn r11_a_closed_group_takes_no_conversation_from_its_queue_even_with_agents() {
    let mut sim = Sim::basic();
    sim.group(2, Some(office_hours()));
    sim.agent(1, &[2], 1);
    sim.new_chat(1, 2); // -> 1
    sim.new_chat(2, 2); // queued
    sim.advance(9 * HOUR); // 18:00
    sim.input(Input::Close {
        conversation: 1,
        agent: Some(1),
    });
    assert_eq!(
        sim.state(2),
        ConversationState::Queued {
            since: T0,
            asynchronous: false
        }
    );
    let out = sim.advance_to(utc(2024, 1, 2, 9, 0));
    assert_eq!(out[0], assigned(2, 1, AssignCause::Queue));
}
