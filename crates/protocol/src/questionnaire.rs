//! Questionnaires (SPEC A5, R9, W4): the admin writes them in the console; the agent fills one
//! in at close (issue 12) and the visitor answers the survey the project chose. The questions
//! travel to the widget with their text in every language; the answers come back by question
//! id, and the hub keeps them with the conversation as readable lines.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Questionnaire {
    /// Stable: answers keep it (`after-sales`).
    pub id: String,
    /// As the admin names it in the console (never shown to a visitor).
    pub name: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(rename = "QuestionnaireQuestion")]
pub struct Question {
    /// Stable within its questionnaire (`resolved`).
    pub id: String,
    /// The question per language (`{"en": "…", "fr": "…"}`).
    pub text: BTreeMap<String, String>,
    pub answer: Answer,
    #[serde(default)]
    pub required: bool,
}

/// How a question is answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Answer {
    Text,
    YesNo,
    /// A score from 1 to `max`.
    Rating {
        max: u8,
    },
    /// One of the choices (several with `multiple`), each per language.
    Choice {
        choices: Vec<BTreeMap<String, String>>,
        #[serde(default)]
        multiple: bool,
    },
}

/// One answer, as the question's kind wants it: text, yes/no, a score, or the chosen choices'
/// indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(untagged)]
pub enum AnswerValue {
    YesNo(bool),
    Score(u8),
    Text(String),
    Choices(Vec<u16>),
}

/// A5, R9: the questionnaire the agent fills in about a conversation (at close, or before with
/// "Complete questionnaire"), with the admin's options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AgentQuestionnaire {
    pub questionnaire: Questionnaire,
    /// A "Complete questionnaire" button under the composer.
    pub complete_button: bool,
    /// A "Cancel" button on the questionnaire.
    pub cancel_button: bool,
    /// The conversation may be closed without answering (else the hub refuses the close).
    pub closable_without_answer: bool,
}

/// A question and its answer as people read them, in the language the visitor answered in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AnswerLine {
    pub question: String,
    pub answer: String,
}
