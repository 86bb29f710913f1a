//! Frames of a visitor connection (the widget ⇄ the hub), at `/ws/visitor`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::questionnaire::{AnswerValue, Question};
use crate::{ClientId, ConversationRef, ConversationState, ErrorFrame, Message, Seq};

/// What the widget sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum VisitorClientFrame {
    /// First frame. `token` is the signed visitor token from an earlier `welcome` (W2); without
    /// it the hub makes a new visitor. `last_seq: null` asks for the history.
    Hello {
        version: u32,
        project: String,
        token: Option<String>,
        #[ts(type = "number | null")]
        last_seq: Option<Seq>,
        language: Option<String>,
        page: Option<Page>,
    },
    SendMessage {
        client_id: ClientId,
        text: String,
    },
    /// The visitor's typing draft, throttled by the widget (D11). Ephemeral.
    Draft {
        text: String,
    },
    /// A page the visitor opened during the conversation (D13).
    Navigate {
        client_id: ClientId,
        page: Page,
    },
    /// The visitor's name and e-mail, for the answer by e-mail (R8).
    SetProfile {
        client_id: ClientId,
        name: Option<String>,
        email: Option<String>,
    },
    /// The visitor has seen the messages up to this message id (the panel was open and visible).
    /// Agent messages left unseen are e-mailed (R8).
    Seen {
        #[ts(type = "number")]
        up_to: i64,
    },
    /// The survey (R9, W4, A5): the built-in one is a score from 1 to 5 and an optional
    /// comment; the project's questionnaire (the `questions` of `survey_requested`) is answered
    /// in `answers`, by question id.
    AnswerSurvey {
        client_id: ClientId,
        conversation: ConversationRef,
        #[serde(default)]
        score: Option<u8>,
        #[serde(default)]
        comment: Option<String>,
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        #[ts(
            optional,
            as = "Option<std::collections::BTreeMap<String, AnswerValue>>"
        )]
        answers: std::collections::BTreeMap<String, AnswerValue>,
    },
    /// The waiting questionnaire (R10, W4): one answer per question, in order.
    AnswerQuestionnaire {
        client_id: ClientId,
        answers: Vec<String>,
    },
    /// A7: custom fields the brand's site passes (`Pupitre.set({cart: "129,90 €"})`): keys of
    /// 1 to 40 lowercase letters, digits or `_` (a letter first), values of at most
    /// [`crate::MAX_CARD_VALUE_CHARS`] characters; an empty value removes the key.
    SetFields {
        client_id: ClientId,
        fields: std::collections::BTreeMap<String, String>,
    },
    /// D5, C1: the visitor's answer to co-browsing, or Stop. Ephemeral.
    Cobrowse {
        conversation: ConversationRef,
        action: crate::cobrowse::VisitorCobrowse,
    },
    /// D15: the brand's site reports a sale (`Pupitre.sale({amount, currency, order})`): the hub
    /// attributes it to the visitor's latest conversation and its agent, within the project's
    /// attribution window; one per `order` (a second report of an order is acknowledged and
    /// changes nothing).
    Sale {
        client_id: ClientId,
        /// In the currency's minor unit (cents), 0 to 10^12.
        #[ts(type = "number")]
        amount_minor: i64,
        /// ISO 4217, three capital letters (`EUR`).
        currency: String,
        /// The site's order reference, 1 to 100 characters.
        order: String,
    },
    Ping,
}

impl VisitorClientFrame {
    pub fn client_id(&self) -> Option<ClientId> {
        match self {
            Self::SendMessage { client_id, .. }
            | Self::Navigate { client_id, .. }
            | Self::SetProfile { client_id, .. }
            | Self::AnswerSurvey { client_id, .. }
            | Self::AnswerQuestionnaire { client_id, .. }
            | Self::SetFields { client_id, .. }
            | Self::Sale { client_id, .. } => Some(*client_id),
            Self::Hello { .. }
            | Self::Draft { .. }
            | Self::Seen { .. }
            | Self::Cobrowse { .. }
            | Self::Ping => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Page {
    pub url: String,
    pub title: Option<String>,
}

/// What the hub sends to a widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VisitorServerFrame {
    Welcome {
        version: u32,
        /// Keep it (localStorage): it is the visitor's identity on the next visit (W2).
        token: String,
        visitor_id: String,
        /// Safe to store at once (R12): on a resume, the hello's `last_seq`, which the missed
        /// events that follow move on; with `history`, the history's.
        #[ts(type = "number")]
        seq: Seq,
        /// With `last_seq: null`: the visitor's conversations, oldest first.
        history: Option<Vec<VisitorConversation>>,
        /// The last message id the visitor has seen (any tab): drives the unread badge.
        #[ts(type = "number")]
        seen: i64,
    },
    Event {
        #[ts(type = "number")]
        seq: Seq,
        event: VisitorEvent,
    },
    Ack {
        client_id: ClientId,
    },
    /// Ephemeral: a co-browsing session of the visitor's conversation (D5, C1); also sent after
    /// the welcome while one is asked or runs.
    Cobrowse(crate::cobrowse::CobrowseState),
    /// Ephemeral: the agent guides (after the second consent).
    CobrowseGuide {
        conversation: ConversationRef,
        guide: crate::cobrowse::Guide,
    },
    Error(ErrorFrame),
    Pong,
}

/// The agent as the visitor sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AgentCard {
    pub name: String,
}

/// A conversation as the visitor sees it: no transfer comments, no internal events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VisitorConversation {
    pub reference: ConversationRef,
    pub state: ConversationState,
    pub agent: Option<AgentCard>,
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VisitorEvent {
    ConversationStarted {
        conversation: ConversationRef,
    },
    /// A message the visitor may see: theirs (echoed to their other tabs), the agent's, or a
    /// system sentence.
    Message {
        message: Message,
    },
    AgentJoined {
        conversation: ConversationRef,
        agent: AgentCard,
    },
    ConversationClosed {
        conversation: ConversationRef,
    },
    /// The project asks for the survey of this conversation (R9, W4): at close, or when the
    /// agent sends it (A5). `questions`: the project's questionnaire; none: the built-in
    /// satisfaction survey (a score from 1 to 5 and a comment).
    SurveyRequested {
        conversation: ConversationRef,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        questions: Option<Vec<Question>>,
    },
    /// The survey was answered (in this tab or another): hide it.
    SurveyAnswered {
        conversation: ConversationRef,
    },
    /// The conversation waits in the queue: show the waiting questionnaire for
    /// `display_seconds` (R10, W4), unless it was answered.
    QuestionnaireRequested {
        conversation: ConversationRef,
        questions: Vec<String>,
        display_seconds: u32,
    },
    /// Another tab read up to this message id.
    Seen {
        #[ts(type = "number")]
        up_to: i64,
    },
}

/// What the widget reads before connecting: `GET /api/widget/config?project=CODE` (W1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WidgetConfig {
    pub project: String,
    /// The brand's name, shown in the panel's header.
    pub name: String,
    /// CSS colour of the launcher and the visitor's bubbles.
    pub color: String,
    /// CSS font-family stack.
    pub font: String,
    /// Whether the visitor may leave an e-mail address (R8).
    pub email_capture: bool,
    /// Largest file a visitor may upload, in bytes.
    #[ts(type = "number")]
    pub max_file_bytes: u64,
    /// MIME types a visitor may upload (`image/png`, `application/pdf`…).
    pub file_types: Vec<String>,
    /// Co-browsing, when the project offers it (A3): what the recorder masks or shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cobrowse: Option<CobrowseConfig>,
}

/// How the widget's recorder treats the brand's page (C2). Every input, select, textarea and
/// contenteditable is masked anyway; password, hidden, e-mail, tel and payment fields always.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CobrowseConfig {
    /// CSS selectors of fields shown as typed (never one of the always-masked kinds).
    pub unmask: Vec<String>,
    /// CSS selectors of whole elements left out (a placeholder of their size instead).
    pub mask: Vec<String>,
}
