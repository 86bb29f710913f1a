//! Frames of a visitor connection (the widget ⇄ the hub), at `/ws/visitor`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

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
    Ping,
}

impl VisitorClientFrame {
    pub fn client_id(&self) -> Option<ClientId> {
        match self {
            Self::SendMessage { client_id, .. }
            | Self::Navigate { client_id, .. }
            | Self::SetProfile { client_id, .. } => Some(*client_id),
            Self::Hello { .. } | Self::Draft { .. } | Self::Ping => None,
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
        #[ts(type = "number")]
        seq: Seq,
        /// With `last_seq: null`: the visitor's conversations, oldest first.
        history: Option<Vec<VisitorConversation>>,
    },
    Event {
        #[ts(type = "number")]
        seq: Seq,
        event: VisitorEvent,
    },
    Ack {
        client_id: ClientId,
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
}
