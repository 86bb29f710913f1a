//! D16: the assistant chatbox ("opérateur livechat augmenté"): the agent asks in plain words
//! and gets the best answers from the project's knowledge articles, the canned responses and
//! the agent's own past conversations, each with its source. Ranked by BM25 (SQLite FTS5) in
//! the desk's cache, on the agent's machine: nothing leaves it but the usual refresh of the
//! articles and canned responses from the hub.

use std::collections::HashSet;

use pupitre_protocol::{Author, Body, Message};

use crate::cache::{Cache, Result};
use crate::desk::Desk;
use crate::door::{AssistantAnswer, AssistantReply, AssistantSource, CannedResponse};
use crate::error::{DeskError, DeskErrorCode};
use crate::knowledge_cache::question_query;

/// Answers of one reply, at most.
pub const ANSWERS: usize = 6;
/// Of each source, at most.
const PER_SOURCE: usize = 3;
/// The longest question, in characters.
pub const MAX_QUESTION_CHARS: usize = 2_000;
/// A past conversation's messages read after a matching visitor message, to find the reply.
const REPLY_LOOKAHEAD: usize = 12;

impl Desk {
    /// The assistant's answers to `question`.
    pub async fn assistant_ask(
        &self,
        question: &str,
    ) -> std::result::Result<AssistantReply, DeskError> {
        self.require(|o| o.assistant, "the assistant")?;
        let question = question.trim();
        if question.is_empty() || question.chars().count() > MAX_QUESTION_CHARS {
            return Err(DeskError::new(
                DeskErrorCode::Hub(pupitre_protocol::ErrorCode::InvalidInput),
                format!("a question of 1 to {MAX_QUESTION_CHARS} characters"),
            ));
        }
        let account = self.account_key()?;
        if self.online() {
            // Fresh articles and canned responses when the hub answers; offline, the copies.
            self.refresh_knowledge(crate::desk::now_ms()).await?;
            if self.profile_options().is_some_and(|o| o.canned_responses) {
                let _ = self.canned_responses().await;
            }
        }
        let answers = match question_query(question) {
            Some(query) => self.with_cache(|c| answers(c, &account, &query))?,
            None => vec![],
        };
        Ok(AssistantReply {
            question: question.to_owned(),
            answers,
        })
    }
}

/// The best answers to the FTS5 `query` in `account`'s cache, best first.
pub fn answers(cache: &Cache, account: &str, query: &str) -> Result<Vec<AssistantAnswer>> {
    let mut out = vec![];
    for (article, score) in cache.rank_articles(account, query, PER_SOURCE)? {
        out.push(AssistantAnswer {
            source: AssistantSource::Article { id: article.id },
            title: article.title,
            text: article.body,
            score,
        });
    }
    for (json, score) in cache.rank_canned(account, query, PER_SOURCE)? {
        let canned = CannedResponse::from_hub(&json);
        out.push(AssistantAnswer {
            source: AssistantSource::Canned {
                id: canned.id,
                shortcut: canned.shortcut,
            },
            title: canned.title,
            text: canned.text,
            score,
        });
    }
    out.extend(past_answers(cache, account, query)?);
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out.truncate(ANSWERS);
    Ok(out)
}

/// What the agent answered in past conversations: a visitor's message like the question,
/// then the agent's reply that followed; or the agent's own message matching it. One per
/// conversation.
fn past_answers(cache: &Cache, account: &str, query: &str) -> Result<Vec<AssistantAnswer>> {
    let mut seen = HashSet::new();
    let mut out = vec![];
    for (message, score) in cache.rank_messages(account, query, 40)? {
        if out.len() == PER_SOURCE {
            break;
        }
        if seen.contains(&message.conversation) {
            continue;
        }
        let Some(text) = text_of(&message) else {
            continue;
        };
        let answer = match message.author {
            Author::Visitor => {
                let reply = cache
                    .thread_after(account, &message.conversation, message.id, REPLY_LOOKAHEAD)?
                    .into_iter()
                    .find(|m| matches!(m.author, Author::Agent { .. }) && text_of(m).is_some());
                let Some(reply) = reply else { continue };
                AssistantAnswer {
                    source: AssistantSource::Conversation {
                        reference: message.conversation.clone(),
                        at: reply.at,
                    },
                    title: text.to_owned(),
                    text: text_of(&reply).unwrap_or_default().to_owned(),
                    score,
                }
            }
            Author::Agent { .. } => AssistantAnswer {
                source: AssistantSource::Conversation {
                    reference: message.conversation.clone(),
                    at: message.at,
                },
                title: String::new(),
                text: text.to_owned(),
                score,
            },
            Author::System => continue,
        };
        seen.insert(message.conversation.clone());
        out.push(answer);
    }
    Ok(out)
}

/// The words of a text message (what the assistant can quote).
fn text_of(m: &Message) -> Option<&str> {
    match &m.body {
        Body::Text { text } => Some(text),
        _ => None,
    }
}
