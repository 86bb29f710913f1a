//! Vocabulary shared by agent and visitor frames.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;
/// Position in one client's event stream. Strictly increasing per stream; gaps are allowed.
pub type Seq = i64;
/// An agent's numeric id (shown in the desk's window title, D1).
pub type AgentId = i64;
/// A distribution group's id.
pub type GroupId = i64;

/// A client-chosen id (UUIDv7) that makes a change idempotent (R12).
pub type ClientId = uuid::Uuid;

/// A conversation's public reference: the project code and its number, e.g. `DEMO-1042`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct ConversationRef(pub String);

impl ConversationRef {
    pub fn new(project: &str, number: i64) -> Self {
        Self(format!("{project}-{number}"))
    }

    /// Splits `DEMO-1042` into `("DEMO", 1042)`. `None` when it is not of that form (a project
    /// code is capital letters and digits).
    pub fn parse(&self) -> Option<(&str, i64)> {
        let (project, number) = self.0.split_once('-')?;
        if project.is_empty()
            || !project
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            return None;
        }
        if !number.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let number: i64 = number.parse().ok()?;
        (number > 0).then_some((project, number))
    }
}

impl std::fmt::Display for ConversationRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A way of talking. Status is kept per channel (R3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Chat,
    Call,
    Video,
    Messaging,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Chat,
        Channel::Call,
        Channel::Video,
        Channel::Messaging,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Chat => "chat",
            Channel::Call => "call",
            Channel::Video => "video",
            Channel::Messaging => "messaging",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What the agent chose for a channel (R3). `Busy` is never chosen: it is derived.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum ChosenStatus {
    Available,
    Unavailable,
    /// An admin-defined optional status ("in training"…): unavailable for routing, shown by name.
    Optional(String),
}

/// The status others see, and that the tray shows (R3): green, orange, red, grey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Available,
    Busy,
    Unavailable,
    Offline,
}

/// One channel's status as shown on the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChannelStatus {
    pub channel: Channel,
    pub chosen: ChosenStatus,
    pub availability: Availability,
}

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Author {
    Visitor,
    Agent {
        id: AgentId,
        name: String,
    },
    /// The hub itself: system sentences and thread events.
    System,
}

/// The sentences the hub sends to a visitor on the project's behalf (W1, R8, R10, R2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SentenceKind {
    AutoReply,
    NoAgent,
    OutOfHours,
    Relaunch,
    Reengagement,
    AgentDisconnected,
    Transferred,
}

/// A thread event shown centred in italics on the desk ("‹Agent› paused this conversation").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ThreadEvent {
    Assigned {
        agent: String,
    },
    Snoozed {
        agent: String,
        #[ts(type = "number")]
        until: Millis,
        keep: bool,
    },
    Woke,
    Transferred {
        from: Option<String>,
        to: String,
    },
    Closed {
        by: Option<String>,
        conversation_type: Option<String>,
    },
    Reopened,
    Navigated {
        url: String,
        title: Option<String>,
    },
    EmailLeft,
    /// The agent asked the visitor for a file (D16); the widget offers an upload (W4).
    FileRequested {
        agent: String,
    },
    /// A5, R9: the agent's answers to the closing questionnaire, as read: agents only.
    AgentAnswered {
        agent: String,
        answers: Vec<crate::questionnaire::AnswerLine>,
    },
    /// D16: an agent marked the conversation important (or not any more): agents only.
    MarkedImportant {
        agent: String,
        important: bool,
    },
    /// M3: a manager joined the agent in the conversation (the visitor is told), or left.
    ManagerJoined {
        agent: String,
        joined: bool,
    },
    /// The agent sent the visitor the survey during the conversation (A5).
    SurveySent {
        agent: String,
    },
    /// The visitor's survey (R9, W4): agents only. `score`: the built-in survey's, or the
    /// questionnaire's first rating brought to a scale of 5; `answers`: the questionnaire's,
    /// as the visitor read them.
    SurveyAnswered {
        score: Option<u8>,
        comment: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        #[ts(optional, as = "Option<Vec<crate::questionnaire::AnswerLine>>")]
        answers: Vec<crate::questionnaire::AnswerLine>,
    },
}

/// A commercial offer the agent shares (D12, W1): a card with a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Offer {
    pub title: String,
    pub text: Option<String>,
    /// http or https only.
    pub link: String,
    /// An image URL (http or https), shown on the card.
    pub image: Option<String>,
}

/// A file stored by the hub (W4, D12, D16). Download it from `GET /api/files/{id}` with the
/// agent's bearer token or the visitor's token: only the conversation's participants may.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FileInfo {
    pub id: String,
    pub name: String,
    #[ts(type = "number")]
    pub size: u64,
    pub mime: String,
}

/// What a message carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    Text {
        text: String,
    },
    Sentence {
        sentence: SentenceKind,
        text: String,
    },
    Event {
        event: ThreadEvent,
    },
    /// A transfer comment: shown to agents only, never to the visitor (R7).
    Comment {
        text: String,
    },
    /// A manager's whisper to the agent (M3): shown to agents only, never to the visitor.
    Whisper {
        text: String,
    },
    /// An offer card (D12).
    Offer {
        offer: Offer,
    },
    /// A file sent by the agent or uploaded by the visitor.
    File {
        file: FileInfo,
    },
}

/// One entry of a conversation's thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Message {
    /// Hub-wide message id.
    #[ts(type = "number")]
    pub id: i64,
    pub conversation: ConversationRef,
    /// The sender's idempotency id, when a client sent it.
    pub client_id: Option<ClientId>,
    pub author: Author,
    pub body: Body,
    #[ts(type = "number")]
    pub at: Millis,
}

/// A conversation's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConversationState {
    /// Not routed yet or refused (no agent, async off).
    Unrouted,
    Queued,
    /// Waiting for one agent (kept snooze) to become available.
    Reserved,
    Assigned,
    Snoozed,
    Closed,
}
