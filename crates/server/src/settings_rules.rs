//! What a project's settings may hold (SPEC A1–A6; issue 9's fuzzing found that almost
//! anything was taken): one rule per field, each failure named by its dotted path so the
//! console shows it next to its input. Pure: settings in, the list of problems out.

use std::collections::BTreeMap;

use pupitre_protocol::text::is_format_control;

use crate::store::{ProjectSettings, Question};

/// A field's problem: `path` as in the settings JSON (`routing.timeouts.relaunch_after_min`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

pub const MOST_SLOTS: u32 = 50;
pub const MOST_QUEUE_PER_AGENT: u32 = 1_000;
/// A week, the longest any R10 minute timeout may be.
pub const MOST_MINUTES: u32 = 7 * 24 * 60;
/// A day, the longest any R10 second timeout may be.
pub const MOST_SECONDS: u32 = 24 * 60 * 60;
pub const MOST_LIST_ITEMS: usize = 50;
pub const MOST_NAME_CHARS: usize = 60;
pub const MOST_SENTENCE_CHARS: usize = 2_000;
pub const MOST_FILE_BYTES: u64 = 100 * 1024 * 1024;

struct Check(Vec<FieldError>);

impl Check {
    fn fail(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            path: path.into(),
            message: message.into(),
        });
    }

    fn range(&mut self, path: &str, value: u32, most: u32, unit: &str) {
        if value > most {
            self.fail(path, format!("at most {most} {unit} (0 turns it off)"));
        }
    }

    /// A short one-line name: not blank, no control or bidi characters, at most `most` chars.
    fn name(&mut self, path: &str, text: &str, most: usize) {
        if text.trim().is_empty() {
            self.fail(path, "cannot be empty");
        } else if text.chars().count() > most {
            self.fail(path, format!("at most {most} characters"));
        } else if text.chars().any(|c| c.is_control() || is_format_control(c)) {
            self.fail(path, "no line breaks or invisible control characters");
        }
    }

    fn names(&mut self, path: &str, list: &[String]) {
        if list.len() > MOST_LIST_ITEMS {
            self.fail(path, format!("at most {MOST_LIST_ITEMS} entries"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, item) in list.iter().enumerate() {
            self.name(&format!("{path}.{i}"), item, MOST_NAME_CHARS);
            if !seen.insert(item.trim().to_lowercase()) {
                self.fail(format!("{path}.{i}"), "appears twice");
            }
        }
    }

    fn sentences(&mut self, path: &str, by_language: &BTreeMap<String, String>) {
        for (language, text) in by_language {
            let at = format!("{path}.{language}");
            if !is_language(language) {
                self.fail(&at, "a language is a code such as en, fr or pt-BR");
            }
            if text.chars().count() > MOST_SENTENCE_CHARS {
                self.fail(&at, format!("at most {MOST_SENTENCE_CHARS} characters"));
            }
        }
    }
}

pub(crate) fn is_language(code: &str) -> bool {
    let mut parts = code.split('-');
    let first = parts.next().unwrap_or_default();
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `#rgb` or `#rrggbb`: the widget derives its text colours from it.
fn is_hex_colour(text: &str) -> bool {
    text.strip_prefix('#').is_some_and(|hex| {
        (hex.len() == 3 || hex.len() == 6) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// A CSS font-family list of names (letters, digits, spaces, hyphens, quotes, commas): nothing
/// that could close the declaration it is written into.
fn is_font_list(text: &str) -> bool {
    !text.trim().is_empty()
        && text.len() <= 200
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || " -_,'\"".contains(c))
}

/// `type/subtype` of letters, digits and `.+-` (a MIME type), as uploads are checked against.
fn is_mime_type(text: &str) -> bool {
    let ok = |part: &str| {
        !part.is_empty()
            && part.len() <= 60
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
    };
    text.split_once('/').is_some_and(|(t, s)| ok(t) && ok(s))
}

/// The settings as they are stored: an optional status's labels go with it when it is renamed
/// or removed (a console that knows nothing of labels still saves), empty labels are no
/// labels.
pub fn normalized(settings: &ProjectSettings) -> ProjectSettings {
    let mut out = settings.clone();
    out.optional_status_labels
        .retain(|name, _| settings.optional_statuses.contains(name));
    for labels in out.optional_status_labels.values_mut() {
        labels.retain(|_, label| !label.trim().is_empty());
    }
    out.optional_status_labels
        .retain(|_, labels| !labels.is_empty());
    // A sentence left empty in a language is no sentence there: those visitors read another
    // language's rather than an empty message.
    let s = &mut out.sentences;
    for map in [
        &mut s.auto_reply,
        &mut s.no_agent,
        &mut s.out_of_hours,
        &mut s.relaunch,
        &mut s.reengagement,
        &mut s.agent_disconnected,
        &mut s.transferred,
    ] {
        map.retain(|_, text| !text.trim().is_empty());
    }
    out
}

/// Every problem of `settings`, in the order of the settings document (empty: acceptable).
pub fn check(settings: &ProjectSettings) -> Vec<FieldError> {
    let mut c = Check(vec![]);
    let r = &settings.routing;
    if r.queue_per_agent > MOST_QUEUE_PER_AGENT {
        c.fail(
            "routing.queue_per_agent",
            format!("between 0 and {MOST_QUEUE_PER_AGENT}"),
        );
    }
    let t = &r.timeouts;
    for (field, value) in [
        ("visitor_inactivity_min", t.visitor_inactivity_min),
        ("relaunch_after_min", t.relaunch_after_min),
        ("reengage_after_min", t.reengage_after_min),
        ("waiting_questionnaire_min", t.waiting_questionnaire_min),
        ("queue_close_before_end_min", t.queue_close_before_end_min),
    ] {
        c.range(
            &format!("routing.timeouts.{field}"),
            value,
            MOST_MINUTES,
            "minutes",
        );
    }
    for (field, value) in [
        ("reminder_before_timeout_s", t.reminder_before_timeout_s),
        ("auto_transfer_s", t.auto_transfer_s),
        ("agent_disconnected_notice_s", t.agent_disconnected_notice_s),
        ("disconnected_transfer_s", t.disconnected_transfer_s),
    ] {
        c.range(
            &format!("routing.timeouts.{field}"),
            value,
            MOST_SECONDS,
            "seconds",
        );
    }
    if t.visitor_inactivity_min > 0
        && u64::from(t.reminder_before_timeout_s) >= u64::from(t.visitor_inactivity_min) * 60
    {
        c.fail(
            "routing.timeouts.reminder_before_timeout_s",
            "the reminder comes before the inactivity close: shorter than it",
        );
    }
    if r.timezone.parse::<chrono_tz::Tz>().is_err() {
        c.fail(
            "routing.timezone",
            format!("unknown time zone {:?} (such as Europe/Paris)", r.timezone),
        );
    }
    if !(1..=MOST_SLOTS).contains(&settings.default_slot_max) {
        c.fail("default_slot_max", format!("between 1 and {MOST_SLOTS}"));
    }
    c.names("optional_statuses", &settings.optional_statuses);
    for (name, labels) in &settings.optional_status_labels {
        let at = format!("optional_status_labels.{name}");
        if !settings.optional_statuses.contains(name) {
            c.fail(&at, "labels for a status that is not in the list");
        }
        for (language, label) in labels {
            if !is_language(language) {
                c.fail(
                    format!("{at}.{language}"),
                    "a language is a code such as en, fr or pt-BR",
                );
            }
            c.name(&format!("{at}.{language}"), label, MOST_NAME_CHARS);
        }
    }
    c.names("conversation_types", &settings.conversation_types);
    let s = &settings.sentences;
    for (field, map) in [
        ("auto_reply", &s.auto_reply),
        ("no_agent", &s.no_agent),
        ("out_of_hours", &s.out_of_hours),
        ("relaunch", &s.relaunch),
        ("reengagement", &s.reengagement),
        ("agent_disconnected", &s.agent_disconnected),
        ("transferred", &s.transferred),
    ] {
        c.sentences(&format!("sentences.{field}"), map);
    }
    let w = &settings.widget;
    if !is_hex_colour(&w.color) {
        c.fail("widget.color", "a colour such as #1f6feb");
    }
    if !is_font_list(&w.font) {
        c.fail(
            "widget.font",
            "font names separated by commas (letters, digits, spaces, hyphens, quotes)",
        );
    }
    if w.questionnaire.len() > 20 {
        c.fail("widget.questionnaire", "at most 20 questions");
    }
    for (i, q) in w.questionnaire.iter().enumerate() {
        let at = format!("widget.questionnaire.{i}");
        match q {
            Question::Plain(text) => c.name(&at, text, 300),
            Question::Localized(map) => {
                if map.is_empty() {
                    c.fail(&at, "a question in at least one language");
                }
                for (language, text) in map {
                    if !is_language(language) {
                        c.fail(
                            format!("{at}.{language}"),
                            "a language code such as en or fr",
                        );
                    }
                    c.name(&format!("{at}.{language}"), text, 300);
                }
            }
        }
    }
    if w.questionnaire_seconds > 3_600 {
        c.fail("widget.questionnaire_seconds", "at most 3600 seconds");
    }
    if w.max_file_bytes == 0 || w.max_file_bytes > MOST_FILE_BYTES {
        c.fail(
            "widget.max_file_bytes",
            format!("between 1 byte and {} MiB", MOST_FILE_BYTES / (1024 * 1024)),
        );
    }
    if w.file_types.len() > MOST_LIST_ITEMS {
        c.fail(
            "widget.file_types",
            format!("at most {MOST_LIST_ITEMS} types"),
        );
    }
    for (i, kind) in w.file_types.iter().enumerate() {
        if !is_mime_type(kind) {
            c.fail(
                format!("widget.file_types.{i}"),
                "a file type such as image/png or application/pdf",
            );
        }
    }
    if !(1..=90).contains(&settings.sales.attribution_days) {
        c.fail("sales.attribution_days", "from 1 to 90 days");
    }
    for (path, message) in crate::visitor_card::problems(&settings.visitor_card)
        .into_iter()
        .chain(crate::questionnaires::problems(&settings.questionnaires))
        .chain(crate::cobrowse_settings::problems(&settings.cobrowse))
    {
        c.fail(path, message);
    }
    c.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(s: &ProjectSettings) -> Vec<String> {
        check(s).into_iter().map(|e| e.path).collect()
    }

    #[test]
    fn the_defaults_pass() {
        assert_eq!(check(&ProjectSettings::default()), vec![]);
    }

    #[test]
    fn a4_labels_follow_their_status_and_bad_ones_are_named() {
        let mut s = ProjectSettings::default();
        // Renamed by a console that knows nothing of labels: the old name's labels go.
        s.optional_statuses[0] = "Training".into();
        s.optional_status_labels
            .entry("On the phone".into())
            .or_default()
            .insert("de".into(), "  ".into());
        let n = normalized(&s);
        assert!(!n.optional_status_labels.contains_key("In training"));
        assert!(!n.optional_status_labels["On the phone"].contains_key("de"));
        s.sentences.out_of_hours.insert("fr".into(), " ".into());
        assert!(!normalized(&s).sentences.out_of_hours.contains_key("fr"));
        assert!(normalized(&s).sentences.out_of_hours.contains_key("en"));
        assert_eq!(check(&n), vec![]);
        s.optional_status_labels
            .entry("On the phone".into())
            .or_default()
            .insert("FR!".into(), "two\nlines".into());
        assert_eq!(
            paths(&normalized(&s)),
            [
                "optional_status_labels.On the phone.FR!",
                "optional_status_labels.On the phone.FR!"
            ]
        );
    }

    #[test]
    fn each_field_is_named_where_it_fails() {
        let mut s = ProjectSettings::default();
        s.routing.timeouts.relaunch_after_min = MOST_MINUTES + 1;
        s.routing.timeouts.auto_transfer_s = u32::MAX;
        s.routing.timezone = "Mars/Olympus".into();
        s.default_slot_max = 0;
        s.optional_statuses = vec!["Lunch".into(), "lunch".into(), "a\u{202E}b".into()];
        s.conversation_types.push(" ".into());
        s.sentences
            .no_agent
            .insert("not a language".into(), "x".repeat(3_000));
        s.widget.color = "red; background:url(//evil.test)".into();
        s.widget.font = "Inter; } body { display:none".into();
        s.widget.max_file_bytes = 0;
        s.widget.file_types = vec!["image/png".into(), "../../etc".into()];
        let found = paths(&s);
        for expected in [
            "routing.timeouts.relaunch_after_min",
            "routing.timeouts.auto_transfer_s",
            "routing.timezone",
            "default_slot_max",
            "optional_statuses.1",
            "optional_statuses.2",
            "sentences.no_agent.not a language",
            "widget.color",
            "widget.font",
            "widget.max_file_bytes",
            "widget.file_types.1",
        ] {
            assert!(
                found.iter().any(|p| p == expected),
                "{expected} in {found:?}"
            );
        }
        assert!(found.iter().any(|p| p.starts_with("conversation_types.")));
    }

    #[test]
    fn a_reminder_longer_than_the_close_is_named() {
        let mut s = ProjectSettings::default();
        s.routing.timeouts.visitor_inactivity_min = 2;
        s.routing.timeouts.reminder_before_timeout_s = 120;
        assert_eq!(paths(&s), ["routing.timeouts.reminder_before_timeout_s"]);
    }
}
