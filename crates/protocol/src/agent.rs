//! Frames of an agent connection (the desk ⇄ the hub), at `/ws/agent`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{
    AgentId, Channel, ChannelStatus, ChosenStatus, ClientId, ConversationRef, ConversationState,
    ErrorFrame, GroupId, Message, Millis, Offer, Seq,
};

/// What the desk sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AgentClientFrame {
    /// First frame. `last_seq` is the last event seen; `null` asks for a fresh desk snapshot.
    Hello {
        version: u32,
        /// The access token from `POST /api/login` or `/api/refresh`.
        token: String,
        #[ts(type = "number | null")]
        last_seq: Option<Seq>,
    },
    SendMessage {
        client_id: ClientId,
        conversation: ConversationRef,
        text: String,
    },
    SetStatus {
        client_id: ClientId,
        channel: Channel,
        status: ChosenStatus,
    },
    /// R4: the agent lowers (or raises back, up to the admin maximum) their slot limit.
    SetSlotLimit {
        client_id: ClientId,
        limit: u32,
    },
    /// R5: pause until `until`; with `keep`, come back to this agent.
    Snooze {
        client_id: ClientId,
        conversation: ConversationRef,
        #[ts(type = "number")]
        until: Millis,
        keep: bool,
    },
    /// R7: to an agent or a group, with a comment for the recipient only.
    Transfer {
        client_id: ClientId,
        conversation: ConversationRef,
        to: TransferTarget,
        comment: Option<String>,
        /// Transfer to an agent who cannot take it now (R7, then R6 applies).
        anyway: bool,
    },
    /// D12: share an offer card with the visitor.
    SendOffer {
        client_id: ClientId,
        conversation: ConversationRef,
        offer: Offer,
    },
    /// D16: ask the visitor for a file; the widget shows an upload button (W4).
    RequestFile {
        client_id: ClientId,
        conversation: ConversationRef,
    },
    /// D5, C1: co-browsing: ask, ask to guide, guide, stop. Ephemeral: answered by
    /// `cobrowse` state frames, or an error.
    Cobrowse {
        conversation: ConversationRef,
        action: crate::cobrowse::AgentCobrowse,
    },
    /// A5: send the visitor the survey now, during the conversation (when the admin allows it).
    SendSurvey {
        client_id: ClientId,
        conversation: ConversationRef,
    },
    /// A5, R9: the agent's answers to the project's closing questionnaire, by question id;
    /// answering again replaces them.
    AnswerQuestionnaire {
        client_id: ClientId,
        conversation: ConversationRef,
        answers: std::collections::BTreeMap<String, crate::questionnaire::AnswerValue>,
    },
    /// D16: mark the conversation important, or not any more (when the admin allows it).
    MarkImportant {
        client_id: ClientId,
        conversation: ConversationRef,
        important: bool,
    },
    /// D16, M2: ask a manager of the conversation's group for help, with a note for them.
    AskHelp {
        client_id: ClientId,
        conversation: ConversationRef,
        note: Option<String>,
    },
    /// M2: a manager accepts (then watches the conversation) or declines (it goes to the next).
    AnswerHelp {
        client_id: ClientId,
        #[ts(type = "number")]
        request: i64,
        accept: bool,
    },
    /// M3: a manager watches a live conversation of their groups (answered by `watching`, then
    /// `watched` for each new message), or stops. Ephemeral: nobody else is told, nothing is
    /// marked read; a desk that reconnects asks again.
    Watch {
        conversation: ConversationRef,
        watch: bool,
    },
    /// M3: a manager's note to the conversation's agent; it never reaches the visitor.
    Whisper {
        client_id: ClientId,
        conversation: ConversationRef,
        text: String,
    },
    /// M3: a manager joins the conversation's agent (writes to the visitor too, holding one of
    /// their own slots, R4), or leaves (`join: false`); the agent and the visitor are told.
    Join {
        client_id: ClientId,
        conversation: ConversationRef,
        join: bool,
    },
    /// M3: a manager takes the conversation onto their own desk, within R4's slot rules; the
    /// agent and the visitor are told.
    TakeOver {
        client_id: ClientId,
        conversation: ConversationRef,
    },
    /// R9: close, with a conversation type from the project's list.
    Close {
        client_id: ClientId,
        conversation: ConversationRef,
        conversation_type: Option<String>,
    },
    Ping,
}

impl AgentClientFrame {
    /// The idempotency id of a frame that changes something.
    pub fn client_id(&self) -> Option<ClientId> {
        match self {
            Self::SendMessage { client_id, .. }
            | Self::SetStatus { client_id, .. }
            | Self::SetSlotLimit { client_id, .. }
            | Self::Snooze { client_id, .. }
            | Self::Transfer { client_id, .. }
            | Self::SendOffer { client_id, .. }
            | Self::RequestFile { client_id, .. }
            | Self::SendSurvey { client_id, .. }
            | Self::MarkImportant { client_id, .. }
            | Self::AnswerQuestionnaire { client_id, .. }
            | Self::AskHelp { client_id, .. }
            | Self::AnswerHelp { client_id, .. }
            | Self::Whisper { client_id, .. }
            | Self::TakeOver { client_id, .. }
            | Self::Join { client_id, .. }
            | Self::Close { client_id, .. } => Some(*client_id),
            Self::Hello { .. } | Self::Cobrowse { .. } | Self::Watch { .. } | Self::Ping => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TransferTarget {
    Agent {
        #[ts(type = "number")]
        id: AgentId,
    },
    Group {
        #[ts(type = "number")]
        id: GroupId,
    },
}

/// What the hub sends to a desk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentServerFrame {
    /// Answer to `hello`. With `desk`, the client replaces its state with it; without, it
    /// resumes and the missed events follow, in order. Live events after `seq` follow either way.
    Welcome {
        version: u32,
        agent: AgentProfile,
        /// Safe to store at once (R12): on a resume, the hello's `last_seq`, which the missed
        /// events that follow move on; with `desk`, the snapshot's.
        #[ts(type = "number")]
        seq: Seq,
        desk: Option<DeskSnapshot>,
    },
    Event {
        #[ts(type = "number")]
        seq: Seq,
        event: AgentEvent,
    },
    /// The change named by `client_id` is durable (or was already applied: same answer).
    Ack {
        client_id: ClientId,
    },
    /// Ephemeral, never replayed: a co-browsing session of one of the agent's conversations
    /// (D5); also sent after the welcome for each session under way.
    Cobrowse(crate::cobrowse::CobrowseState),
    /// Ephemeral, never replayed: the visitor's live draft (D11).
    VisitorDraft {
        conversation: ConversationRef,
        text: String,
    },
    /// Ephemeral, never replayed: the visitor's presence dot (R8).
    VisitorPresence {
        conversation: ConversationRef,
        online: bool,
    },
    /// Ephemeral, never replayed: the admin changed something of the agent's profile (A10:
    /// statuses, types, desk options, groups, slots). The desk replaces its profile; a desk
    /// that missed it gets the same in its next `welcome`.
    Profile {
        agent: AgentProfile,
    },
    /// Ephemeral, never replayed: the conversation a manager asked to watch (M3), as it is
    /// now; `watched` frames follow with each new message until `watch_ended`.
    Watching {
        conversation: ConversationView,
    },
    /// Ephemeral: a new message of a watched conversation (whispers included).
    Watched {
        message: Message,
    },
    /// Ephemeral: a watched conversation left every desk (closed, snoozed, queued) or the
    /// manager may not watch it any more.
    WatchEnded {
        conversation: ConversationRef,
    },
    Error(ErrorFrame),
    Pong,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    Manager,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GroupInfo {
    #[ts(type = "number")]
    pub id: GroupId,
    pub name: String,
}

/// Who the agent is and how their desk is set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AgentProfile {
    #[ts(type = "number")]
    pub id: AgentId,
    pub name: String,
    pub email: String,
    pub project: String,
    pub role: Role,
    pub groups: Vec<GroupInfo>,
    pub slot_limit: u32,
    pub slot_max: u32,
    pub statuses: Vec<ChannelStatus>,
    /// Admin-defined optional statuses the agent may pick (R3, A4).
    pub optional_statuses: Vec<String>,
    /// A4: their names in other languages, by name then language (`fr`); the desk shows the
    /// one of its language, or the name.
    #[serde(default)]
    pub optional_status_labels:
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
    pub conversation_types: Vec<String>,
    /// A3 / D16: the tools the admin leaves on; the desk hides the others and the hub refuses
    /// their frames with `forbidden`.
    #[serde(default)]
    pub options: DeskOptions,
    /// A5: the agent may send the visitor the survey during the conversation (`send_survey`).
    #[serde(default)]
    pub may_send_survey: bool,
    /// C4: the brand's site origins: the only hosts a co-browsing replay may show images and
    /// styles from (fetched by the desk's Rust side), and where guiding may send the visitor.
    #[serde(default)]
    pub site_origins: Vec<String>,
    /// A5, R9: the questionnaire the agent fills in about each conversation, if the admin set
    /// one.
    #[serde(default)]
    pub agent_questionnaire: Option<crate::questionnaire::AgentQuestionnaire>,
}

/// The desk options of the admin page (SPEC A3 in full, D16): each a switch. The desk hides
/// what is off, and the hub refuses with `forbidden` what it serves of it (asking for and
/// sending files, canned responses); the other tools are still to come (issue 12) and will
/// obey theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct DeskOptions {
    /// Print the conversation.
    pub print: bool,
    /// E-mail the conversation to oneself.
    pub email_to_self: bool,
    /// Mark the conversation important.
    pub mark_important: bool,
    /// Ask a manager for help (M2).
    pub ask_manager: bool,
    /// The list of agents online.
    pub online_agents: bool,
    /// The knowledge-search tab (A8 articles).
    pub knowledge_search: bool,
    /// Canned responses, published with their themes.
    pub canned_responses: bool,
    /// Ask the visitor to upload a file (W4).
    pub request_file: bool,
    /// Send a file to the visitor.
    pub send_file: bool,
    /// The assistant chatbox ("opérateur livechat augmenté").
    pub assistant: bool,
    /// Co-browsing: the agent may ask to see the visitor's page (D5, C1).
    pub cobrowse: bool,
}

impl Default for DeskOptions {
    /// Everything on: a new project's desk has every tool.
    fn default() -> Self {
        Self {
            print: true,
            email_to_self: true,
            mark_important: true,
            ask_manager: true,
            online_agents: true,
            knowledge_search: true,
            canned_responses: true,
            request_file: true,
            send_file: true,
            assistant: true,
            cobrowse: true,
        }
    }
}

/// Everything on the agent's desk, for a fresh start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DeskSnapshot {
    pub conversations: Vec<ConversationView>,
}

/// The visitor card (D6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VisitorCard {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub page_url: Option<String>,
    pub page_title: Option<String>,
    pub language: Option<String>,
    pub user_agent: Option<String>,
    /// Answers to the waiting questionnaire (R10, W4) and other custom fields (A7).
    #[serde(default)]
    pub fields: Vec<CardField>,
    /// A7: the order the admin gave the card's lines, by key: built-in ones (`name`, `email`,
    /// `page`, `language`, `browser`, `questionnaire`) and custom ones (the `key` of a line of
    /// `fields`). Empty: the desk's own order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(optional, as = "Option<Vec<String>>")]
    pub order: Vec<String>,
    /// A7: the admin's names for built-in lines, by key then language
    /// (`{"email": {"fr": "Courriel"}}`); the desk names the others itself.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[ts(
        optional,
        as = "Option<std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>>"
    )]
    pub names: std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
    /// A7: what the brand's site passed (`Pupitre.set({cart: "129,90 €"})`), by key, as the
    /// hub keeps it. A desk never gets these: it gets the fields the admin chose, in `fields`.
    #[serde(default)]
    pub custom: std::collections::BTreeMap<String, String>,
}

/// One custom line of the visitor card (D6, A7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CardField {
    pub label: String,
    pub value: String,
    /// A7: the custom field's key (`cart`); none for the waiting questionnaire's answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub key: Option<String>,
    /// A7: the admin's label in each language (`{"fr": "Panier"}`); the desk shows the one of
    /// its language, else `label`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    #[ts(optional, as = "Option<std::collections::BTreeMap<String, String>>")]
    pub labels: std::collections::BTreeMap<String, String>,
}

/// One conversation as the desk shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ConversationView {
    pub reference: ConversationRef,
    pub state: ConversationState,
    #[ts(type = "number")]
    pub group: GroupId,
    pub channel: Channel,
    pub visitor: VisitorCard,
    pub visitor_online: bool,
    #[ts(type = "number")]
    pub created_at: Millis,
    #[ts(type = "number | null")]
    pub assigned_agent: Option<AgentId>,
    /// Since when the visitor waits for the agent's reply (D7 red box); `null` when not.
    #[ts(type = "number | null")]
    pub waiting_since: Option<Millis>,
    #[ts(type = "number | null")]
    pub last_agent_message_at: Option<Millis>,
    #[ts(type = "number | null")]
    pub snoozed_until: Option<Millis>,
    /// D16: marked important.
    #[serde(default)]
    pub important: bool,
    /// M3: managers who joined its agent.
    #[serde(default)]
    #[ts(type = "Array<number>")]
    pub joined: Vec<AgentId>,
    pub messages: Vec<Message>,
}

/// Why a conversation arrived on the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AssignCause {
    New,
    Queue,
    SnoozeWake,
    Transfer {
        #[ts(type = "number | null")]
        from: Option<AgentId>,
        comment: Option<String>,
    },
    Reassigned,
    Reopened,
}

/// Why a conversation left the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RemoveCause {
    Snoozed {
        #[ts(type = "number")]
        until: Millis,
        keep: bool,
    },
    Transferred,
    Closed,
    /// R6 / R10: taken away and given to someone else by a rule.
    Reassigned,
    /// R10: the visitor was inactive for too long.
    VisitorTimeout,
}

/// Sequenced events of an agent's stream: durable and replayed on resume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AgentEvent {
    ConversationAssigned {
        conversation: ConversationView,
        cause: AssignCause,
    },
    ConversationRemoved {
        conversation: ConversationRef,
        cause: RemoveCause,
    },
    Message {
        message: Message,
    },
    StatusChanged {
        statuses: Vec<ChannelStatus>,
    },
    SlotLimitChanged {
        limit: u32,
        max: u32,
    },
    /// R10: the visitor-inactivity timeout will close the conversation at `closes_at`.
    TimeoutReminder {
        conversation: ConversationRef,
        #[ts(type = "number")]
        closes_at: Millis,
    },
    VisitorUpdated {
        conversation: ConversationRef,
        visitor: VisitorCard,
    },
    /// D16: the conversation was marked important, or not any more.
    ConversationMarked {
        conversation: ConversationRef,
        important: bool,
    },
    /// M2: a help request was made, asked of this manager, moved on, answered or withdrawn;
    /// the agent who asked and each manager it concerns get every change.
    Help {
        request: crate::supervision::HelpRequest,
    },
}
