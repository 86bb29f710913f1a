//! Today's performance of one agent (SPEC D15), computed from the day's thread messages.
//!
//! - Response time: from the first visitor message the agent had not answered yet to the
//!   agent's next message (text, offer or file) in that conversation.
//! - First response: the first such time in each conversation the agent answered today.
//! - Conversations: those the agent wrote in or was assigned today; closed: those they closed.
//! - Satisfaction: the surveys answered today on conversations the agent wrote in today.

use std::collections::{BTreeMap, BTreeSet};

use pupitre_protocol::{AgentId, Author, Body, ThreadEvent};
use serde::{Deserialize, Serialize};

use crate::store::StoredMessage;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TodayStats {
    pub conversations: u32,
    pub closed: u32,
    pub first_response_avg_ms: Option<i64>,
    pub response_avg_ms: Option<i64>,
    pub satisfaction_avg: Option<f64>,
    pub satisfaction_count: u32,
    /// Sales attributed to the agent today, per currency (the API adds them).
    #[serde(default)]
    pub sales: Vec<pupitre_protocol::stats::SalesFigure>,
}

fn average(values: &[i64]) -> Option<i64> {
    (!values.is_empty()).then(|| values.iter().sum::<i64>() / values.len() as i64)
}

/// `messages`: the project's messages of the day, in id order.
pub fn today(agent: AgentId, agent_name: &str, messages: &[StoredMessage]) -> TodayStats {
    let mut by_conversation: BTreeMap<&str, Vec<&StoredMessage>> = BTreeMap::new();
    for m in messages {
        by_conversation
            .entry(m.message.conversation.0.as_str())
            .or_default()
            .push(m);
    }
    let mut stats = TodayStats::default();
    let mut firsts = vec![];
    let mut responses = vec![];
    let mut scores = vec![];
    let mut mine = BTreeSet::new();
    for (reference, thread) in &by_conversation {
        let mut waiting_since = None;
        let mut first = true;
        let mut wrote = false;
        let mut surveys = vec![];
        for m in thread {
            let replying = matches!(
                m.message.body,
                Body::Text { .. } | Body::Offer { .. } | Body::File { .. }
            );
            match (&m.message.author, &m.message.body) {
                (Author::Visitor, Body::Text { .. } | Body::File { .. }) => {
                    waiting_since.get_or_insert(m.message.at);
                }
                (Author::Agent { id, .. }, _) if *id == agent && replying => {
                    wrote = true;
                    if let Some(since) = waiting_since.take() {
                        let delay = m.message.at - since;
                        responses.push(delay);
                        if first {
                            firsts.push(delay);
                        }
                        first = false;
                    }
                }
                (Author::Agent { .. }, _) if replying => {
                    waiting_since = None;
                }
                (
                    _,
                    Body::Event {
                        event: ThreadEvent::Assigned { agent: name },
                    },
                ) if name == agent_name => {
                    mine.insert(*reference);
                }
                (
                    _,
                    Body::Event {
                        event: ThreadEvent::Closed { by: Some(name), .. },
                    },
                ) if name == agent_name => {
                    stats.closed += 1;
                }
                (
                    _,
                    Body::Event {
                        event:
                            ThreadEvent::SurveyAnswered {
                                score: Some(score), ..
                            },
                    },
                ) => surveys.push(f64::from(*score)),
                _ => {}
            }
        }
        if wrote {
            mine.insert(*reference);
            scores.extend(surveys);
        }
    }
    stats.conversations = mine.len() as u32;
    stats.first_response_avg_ms = average(&firsts);
    stats.response_avg_ms = average(&responses);
    stats.satisfaction_count = scores.len() as u32;
    stats.satisfaction_avg =
        (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
    stats
}

#[cfg(test)]
mod tests {
    use super::*;
    use pupitre_protocol::{ConversationRef, Message};

    fn m(id: i64, conversation: &str, author: Author, body: Body, at: i64) -> StoredMessage {
        StoredMessage {
            message: Message {
                id,
                conversation: ConversationRef(conversation.into()),
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

    fn alice() -> Author {
        Author::Agent {
            id: 1,
            name: "Alice".into(),
        }
    }

    fn bruno() -> Author {
        Author::Agent {
            id: 2,
            name: "Bruno".into(),
        }
    }

    #[test]
    fn d15_first_and_average_response_times_closes_and_satisfaction() {
        let event = |e: ThreadEvent| Body::Event { event: e };
        let messages = vec![
            // DEMO-1: visitor waits 10 s, then 4 s (two messages, timed from the first).
            m(
                1,
                "DEMO-1",
                Author::System,
                event(ThreadEvent::Assigned {
                    agent: "Alice".into(),
                }),
                0,
            ),
            m(2, "DEMO-1", Author::Visitor, text("hi"), 1_000),
            m(3, "DEMO-1", alice(), text("hello"), 11_000),
            m(4, "DEMO-1", Author::Visitor, text("a"), 20_000),
            m(5, "DEMO-1", Author::Visitor, text("b"), 22_000),
            m(6, "DEMO-1", alice(), text("ok"), 24_000),
            m(
                7,
                "DEMO-1",
                Author::System,
                event(ThreadEvent::Closed {
                    by: Some("Alice".into()),
                    conversation_type: None,
                }),
                25_000,
            ),
            m(
                8,
                "DEMO-1",
                Author::Visitor,
                event(ThreadEvent::SurveyAnswered {
                    score: Some(4),
                    answers: vec![],
                    comment: None,
                }),
                26_000,
            ),
            // DEMO-2: Bruno answered; Alice's later message answers nothing.
            m(9, "DEMO-2", Author::Visitor, text("hey"), 30_000),
            m(10, "DEMO-2", bruno(), text("yes?"), 31_000),
            m(11, "DEMO-2", alice(), text("me too"), 32_000),
            m(
                12,
                "DEMO-2",
                Author::Visitor,
                event(ThreadEvent::SurveyAnswered {
                    score: Some(2),
                    answers: vec![],
                    comment: None,
                }),
                33_000,
            ),
            // DEMO-3: only Bruno.
            m(13, "DEMO-3", Author::Visitor, text("x"), 40_000),
            m(14, "DEMO-3", bruno(), text("y"), 41_000),
        ];
        let s = today(1, "Alice", &messages);
        assert_eq!(s.conversations, 2);
        assert_eq!(s.closed, 1);
        assert_eq!(s.first_response_avg_ms, Some(10_000));
        assert_eq!(s.response_avg_ms, Some(7_000));
        assert_eq!(s.satisfaction_count, 2);
        assert_eq!(s.satisfaction_avg, Some(3.0));

        let nobody = today(9, "Zed", &messages);
        assert_eq!(nobody, TodayStats::default());
    }
}
