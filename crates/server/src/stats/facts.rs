//! A closed conversation's figures, from its thread (D15). Stored at close, and again when the
//! visitor answers the survey afterwards.
//!
//! - Response time: from the first visitor message not answered yet to the next reply of an
//!   agent (text, offer or file); the first one is the first response.
//! - Handling time: from the first assignment to the close.
//! - Satisfaction: the latest survey answer's score (of 5) and comment.
//! - Summary: the visitor's first words.

use pupitre_protocol::{AgentId, Author, Body, Millis, ThreadEvent};

use crate::store::{ConversationFacts, StoredMessage};

/// The longest summary kept, in characters.
pub const SUMMARY_CHARS: usize = 160;

/// What the writer knows of the conversation besides its thread.
pub struct Closing<'a> {
    pub number: i64,
    pub agent_id: Option<AgentId>,
    pub closed_at: Millis,
    pub conversation_type: Option<&'a str>,
    pub important: bool,
    pub visitor_id: &'a str,
    pub visitor_name: &'a str,
}

/// The figures of a conversation closed as `closing` says, from its `thread` (id order).
pub fn facts(closing: &Closing<'_>, thread: &[StoredMessage]) -> ConversationFacts {
    let mut waiting_since = None;
    let mut first_response_ms = None;
    let mut response_sum_ms = 0;
    let mut response_count = 0;
    let mut assigned_at = None;
    let mut satisfaction = None;
    let mut survey_comment = None;
    let mut summary = None;
    let mut agent_answers = vec![];
    for m in thread {
        let at = m.message.at;
        match (&m.message.author, &m.message.body) {
            (Author::Visitor, Body::Text { text }) => {
                waiting_since.get_or_insert(at);
                if summary.is_none() && !text.trim().is_empty() {
                    summary = Some(shorten(text));
                }
            }
            (Author::Visitor, Body::File { .. }) => {
                waiting_since.get_or_insert(at);
            }
            (Author::Agent { .. }, Body::Text { .. } | Body::Offer { .. } | Body::File { .. }) => {
                if let Some(since) = waiting_since.take() {
                    let delay = (at - since).max(0);
                    first_response_ms.get_or_insert(delay);
                    response_sum_ms += delay;
                    response_count += 1;
                }
            }
            (
                _,
                Body::Event {
                    event: ThreadEvent::Assigned { .. },
                },
            ) => {
                assigned_at.get_or_insert(at);
            }
            (
                _,
                Body::Event {
                    event: ThreadEvent::SurveyAnswered { score, comment, .. },
                },
            ) => {
                satisfaction = score.map(f64::from).or(satisfaction);
                if let Some(c) = comment.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                    survey_comment = Some(c.to_owned());
                }
            }
            (
                _,
                Body::Event {
                    event: ThreadEvent::AgentAnswered { answers, .. },
                },
            ) => agent_answers = answers.clone(),
            _ => {}
        }
    }
    ConversationFacts {
        number: closing.number,
        agent_id: closing.agent_id,
        closed_at: closing.closed_at,
        first_response_ms,
        response_sum_ms,
        response_count,
        handling_ms: assigned_at.map(|a| (closing.closed_at - a).max(0)),
        conversation_type: closing.conversation_type.map(str::to_owned),
        important: closing.important,
        satisfaction,
        survey_comment,
        agent_answers,
        visitor_id: closing.visitor_id.to_owned(),
        visitor_name: closing.visitor_name.to_owned(),
        summary: summary.unwrap_or_default(),
    }
}

/// The text on one line, at most [`SUMMARY_CHARS`] characters.
fn shorten(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= SUMMARY_CHARS {
        return line;
    }
    let mut out: String = line.chars().take(SUMMARY_CHARS - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pupitre_protocol::{ConversationRef, Message};

    fn m(id: i64, author: Author, body: Body, at: i64) -> StoredMessage {
        StoredMessage {
            message: Message {
                id,
                conversation: ConversationRef("DEMO-7".into()),
                client_id: None,
                author,
                body,
                at,
            },
            for_visitor: true,
        }
    }
    fn text(t: &str) -> Body {
        Body::Text { text: t.into() }
    }
    fn event(event: ThreadEvent) -> Body {
        Body::Event { event }
    }
    fn alice() -> Author {
        Author::Agent {
            id: 1,
            name: "Alice".into(),
        }
    }

    #[test]
    fn d15_known_thread_known_figures() {
        let thread = [
            m(
                1,
                Author::Visitor,
                text("  Hello,\n my lamp\tflickers  "),
                1_000,
            ),
            m(2, Author::Visitor, text("it is the Opaline"), 3_000),
            m(
                3,
                Author::System,
                event(ThreadEvent::Assigned {
                    agent: "Alice".into(),
                }),
                4_000,
            ),
            m(4, alice(), text("Hello!"), 11_000),
            m(5, alice(), text("Which bulb?"), 12_000),
            m(6, Author::Visitor, text("E27"), 20_000),
            m(
                7,
                Author::System,
                event(ThreadEvent::Assigned {
                    agent: "Bruno".into(),
                }),
                21_000,
            ),
            m(8, alice(), text("A new one is on its way."), 50_000),
            m(
                9,
                Author::Visitor,
                event(ThreadEvent::SurveyAnswered {
                    score: Some(4),
                    comment: Some("  Quick and kind  ".into()),
                    answers: vec![],
                }),
                60_000,
            ),
        ];
        let closing = Closing {
            number: 7,
            agent_id: Some(2),
            closed_at: 64_000,
            conversation_type: Some("After-sales"),
            important: true,
            visitor_id: "v1",
            visitor_name: "Jeanne",
        };
        let f = facts(&closing, &thread);
        assert_eq!(
            f.first_response_ms,
            Some(10_000),
            "from the first visitor message"
        );
        assert_eq!((f.response_sum_ms, f.response_count), (10_000 + 30_000, 2));
        assert_eq!(f.handling_ms, Some(60_000), "from the first assignment");
        assert_eq!(f.satisfaction, Some(4.0));
        assert_eq!(f.survey_comment.as_deref(), Some("Quick and kind"));
        assert_eq!(f.summary, "Hello, my lamp flickers");
        assert_eq!(f.conversation_type.as_deref(), Some("After-sales"));
        assert!(f.important);
        assert_eq!((f.number, f.agent_id, f.closed_at), (7, Some(2), 64_000));
    }

    #[test]
    fn d15_a_conversation_never_answered_has_no_times() {
        let long = "word ".repeat(100);
        let thread = [m(1, Author::Visitor, text(&long), 5)];
        let closing = Closing {
            number: 1,
            agent_id: None,
            closed_at: 10,
            conversation_type: None,
            important: false,
            visitor_id: "v2",
            visitor_name: "",
        };
        let f = facts(&closing, &thread);
        assert_eq!(
            (f.first_response_ms, f.response_count, f.handling_ms),
            (None, 0, None)
        );
        assert_eq!(f.summary.chars().count(), SUMMARY_CHARS);
        assert!(f.summary.ends_with('…'));
        assert_eq!(f.satisfaction, None);
    }
}
