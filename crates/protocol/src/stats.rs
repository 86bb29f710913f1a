//! D15: statistics over time — an agent's (or a group's) figures day by day over a week or a
//! month, and the closed conversations to re-read. The hub answers them over HTTP
//! (`GET /api/stats/range`, `GET /api/stats/closed`); the desk shows them and keeps the last
//! ones for offline reading.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{AgentId, Availability, Channel, ConversationRef, GroupId, Millis};

/// Whose figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StatsScope {
    Agent {
        id: AgentId,
        name: String,
    },
    /// A distribution group: its agents' figures together (managers and admins).
    Group {
        id: GroupId,
        name: String,
    },
}

/// Time spent in one shown status on one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StatusTime {
    pub channel: Channel,
    pub availability: Availability,
    /// The admin's optional status the agent chose ("In training"), when it was one (then
    /// `availability` is `unavailable`).
    pub optional: Option<String>,
    pub ms: i64,
}

/// Sales attributed to the conversations, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SalesFigure {
    /// ISO 4217 (`EUR`).
    pub currency: String,
    pub count: u32,
    /// In the currency's minor unit (cents).
    pub amount_minor: i64,
}

/// One day's figures (or the whole range's, in [`StatsRange::total`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DayFigures {
    /// The day in the project's time zone, `YYYY-MM-DD` (empty for the range's total).
    pub day: String,
    /// Conversations closed that day that the agent handled (the last agent assigned).
    pub conversations: u32,
    /// Average time from the visitor's first message to the agent's first reply, ms.
    pub first_response_avg_ms: Option<i64>,
    /// Average time the visitor waited for each reply, ms.
    pub response_avg_ms: Option<i64>,
    /// Average time from the first assignment to the close, ms.
    pub handling_avg_ms: Option<i64>,
    /// Average survey score, of 5.
    pub satisfaction_avg: Option<f64>,
    pub satisfaction_count: u32,
    pub sales: Vec<SalesFigure>,
    /// Time per shown status per channel, within that day.
    pub status: Vec<StatusTime>,
}

/// `GET /api/stats/range`: `days` consecutive days from `from`, in the project's time zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StatsRange {
    pub scope: StatsScope,
    /// IANA name (`Europe/Paris`): where the days begin and end.
    pub time_zone: String,
    pub days: Vec<DayFigures>,
    /// The whole range (averages over every conversation, not of the days' averages).
    pub total: DayFigures,
    /// When the hub computed it (the desk shows the age of a copy read offline).
    pub computed_at: Millis,
}

/// `GET /api/stats/closed`: a closed conversation to re-read, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ClosedConversation {
    pub reference: ConversationRef,
    pub visitor_id: String,
    /// The visitor's name, empty when they gave none (the desk names them by their id then).
    pub visitor_name: String,
    /// The agent who handled it (the last assigned).
    pub agent_name: Option<String>,
    pub closed_at: Millis,
    pub conversation_type: Option<String>,
    pub important: bool,
    /// The survey's score, of 5.
    pub satisfaction: Option<f64>,
    /// What the visitor wrote in the survey's comment box.
    pub survey_comment: Option<String>,
    /// The visitor's first words (for the list).
    pub summary: String,
    /// A5, R9: the agent's answers to the closing questionnaire.
    #[serde(default)]
    pub agent_answers: Vec<crate::questionnaire::AnswerLine>,
}
