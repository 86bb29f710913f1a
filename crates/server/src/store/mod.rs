//! The hub's durable store, behind one trait so that a PostgreSQL backend can follow the SQLite
//! one (DESIGN.md §6) and pass the same scenario suite.
//!
//! The project writer ([`crate::hub`]) prepares every change of a batch of frames as data (a
//! [`Batch`]) and commits it in one transaction; it acknowledges the frames only after
//! [`Store::commit`] returned (R12). Everything else here is reads and admin writes.

mod location;
mod names;
pub mod postgres;
pub mod sqlite;
pub mod sqlite_files;
mod sqlite_stats;

use std::collections::BTreeMap;

use pupitre_protocol::agent::{DeskOptions, Role, VisitorCard};
use pupitre_protocol::{AgentId, Channel, ChosenStatus, ClientId, GroupId, Message, Millis, Seq};
use pupitre_routing::hours::WeeklyHours;
use pupitre_routing::{ConversationRecord, Settings};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use location::Location;
use names::*;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

pub type ProjectId = i64;

/// Why a store call failed. Backend-neutral: no driver type appears here, so callers match on
/// what happened (`NotFound`, `Conflict`) and a PostgreSQL backend can report through the same
/// type. Each backend turns its driver's errors into [`StoreError::Backend`] itself (SQLite:
/// in [`sqlite`]).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database itself failed (I/O, locking, a migration, a broken constraint). The
    /// backend's own error is kept for the logs; nobody matches on it.
    #[error("database: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0} already exists")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(String),
    /// Several hubs on one database: this node no longer owns the project (another took it
    /// over); nothing was written, and its writer must stop.
    #[error("project {0} is owned by another node now")]
    NotOwner(ProjectId),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Sentences the hub sends on the project's behalf, per language (`en`, `fr`…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Sentences {
    pub auto_reply: BTreeMap<String, String>,
    pub no_agent: BTreeMap<String, String>,
    pub out_of_hours: BTreeMap<String, String>,
    pub relaunch: BTreeMap<String, String>,
    pub reengagement: BTreeMap<String, String>,
    pub agent_disconnected: BTreeMap<String, String>,
    pub transferred: BTreeMap<String, String>,
}

fn both(en: &str, fr: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("en".to_owned(), en.to_owned()),
        ("fr".to_owned(), fr.to_owned()),
    ])
}

impl Default for Sentences {
    fn default() -> Self {
        Self {
            auto_reply: both(
                "👋 Hello! Leave us a message and we'll answer as soon as possible. If you don't get an answer right away, come back later: our advisers usually answer within a few hours!",
                "👋 Bonjour ! Laissez-nous un message et nous y répondrons dès que possible. Si vous n'avez pas de réponse immédiatement, revenez plus tard, nos conseillers répondent généralement en quelques heures !",
            ),
            no_agent: both(
                "Sorry, no adviser is available right now. Please try again later.",
                "Désolé, aucun conseiller n'est disponible pour le moment. Merci de réessayer plus tard.",
            ),
            out_of_hours: both(
                "We're closed right now. Please come back during our opening hours.",
                "Nous sommes fermés pour le moment. Revenez pendant nos heures d'ouverture.",
            ),
            relaunch: both(
                "Are you still there? We're here if you need anything else.",
                "Êtes-vous toujours là ? Nous restons à votre disposition.",
            ),
            reengagement: both(
                "Thanks for waiting, an adviser will answer you in a moment.",
                "Merci de patienter, un conseiller va vous répondre dans un instant.",
            ),
            agent_disconnected: both(
                "Your adviser got disconnected. Another adviser will take over shortly.",
                "Votre conseiller a été déconnecté. Un autre conseiller va prendre le relais.",
            ),
            transferred: both(
                "You have been transferred to another adviser.",
                "Vous avez été transféré à un autre conseiller.",
            ),
        }
    }
}

impl Sentences {
    /// The sentence in `language` (its first two letters), falling back to English.
    pub fn get(&self, kind: pupitre_protocol::SentenceKind, language: Option<&str>) -> String {
        use pupitre_protocol::SentenceKind as K;
        let map = match kind {
            K::AutoReply => &self.auto_reply,
            K::NoAgent => &self.no_agent,
            K::OutOfHours => &self.out_of_hours,
            K::Relaunch => &self.relaunch,
            K::Reengagement => &self.reengagement,
            K::AgentDisconnected => &self.agent_disconnected,
            K::Transferred => &self.transferred,
        };
        in_language(map, language)
    }
}

/// The text of `map` in `language` (its first two letters), falling back to English, then to
/// any.
pub(crate) fn in_language(map: &BTreeMap<String, String>, language: Option<&str>) -> String {
    let lang = language
        .and_then(|l| l.get(..2))
        .unwrap_or("en")
        .to_ascii_lowercase();
    map.get(&lang)
        .or_else(|| map.get("en"))
        .or_else(|| map.values().next())
        .cloned()
        .unwrap_or_default()
}

/// A question of the waiting questionnaire (R10, A5): one text, or one per language
/// (`{"en": "…", "fr": "…"}`) for visitors of each language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(untagged)]
pub enum Question {
    Plain(String),
    Localized(BTreeMap<String, String>),
}

impl Question {
    /// As the visitor reads it.
    pub fn text(&self, language: Option<&str>) -> String {
        match self {
            Question::Plain(t) => t.clone(),
            Question::Localized(map) => in_language(map, language),
        }
    }

    /// As the agent reads the answer on the visitor card: English when there is one.
    pub fn label(&self) -> String {
        self.text(Some("en"))
    }
}

impl From<&str> for Question {
    fn from(t: &str) -> Self {
        Question::Plain(t.to_owned())
    }
}

/// Everything an admin sets on a project (SPEC A1–A6), stored as one JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ProjectSettings {
    /// A1, A2, R8, R9, R11 time zone.
    pub routing: Settings,
    /// A1: conversations per agent: new agents get it, and agents at the project's value
    /// follow it when it changes (one given a maximum of their own keeps it).
    pub default_slot_max: u32,
    /// A4: optional statuses agents may pick, by name (the name is what an agent's chosen
    /// status holds).
    pub optional_statuses: Vec<String>,
    /// A4: each optional status in other languages, by name then language
    /// (`{"In training": {"fr": "En formation"}}`); the name itself where none is given.
    pub optional_status_labels: BTreeMap<String, BTreeMap<String, String>>,
    /// A8: conversation types for R9.
    pub conversation_types: Vec<String>,
    /// R2, R8, R10 sentences.
    pub sentences: Sentences,
    /// The widget's look and what it asks of visitors (W1, W4, R8, A5).
    pub widget: WidgetSettings,
    /// A3: the desk options.
    pub desk: DeskOptions,
    /// A7: the visitor card's fields.
    pub visitor_card: crate::visitor_card::CardSettings,
    /// A5: the agent's questionnaire at close and the visitor's survey.
    pub questionnaires: crate::questionnaires::Questionnaires,
    /// A3, C2, C4: co-browsing's masks and the brand's site origins.
    pub cobrowse: crate::cobrowse_settings::Settings,
    /// A9: the seed's "Divers" not held by `routing` (its other two are
    /// `routing.reopen_to_previous_agent` and `routing.timeouts.disconnected_transfer_s`).
    pub misc: Miscellaneous,
    /// D15: how sales reported by the brand's site are attributed.
    pub sales: SalesSettings,
}

/// D15: a sale the site reports (`Pupitre.sale`) goes to the visitor's latest conversation and
/// its agent when that conversation's last message is at most this many days old.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct SalesSettings {
    pub attribution_days: u32,
}

impl Default for SalesSettings {
    fn default() -> Self {
        Self {
            attribution_days: 7,
        }
    }
}

/// D15: a sale, attributed (`sales`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRow {
    pub order: String,
    pub number: i64,
    pub agent_id: Option<AgentId>,
    pub amount_minor: i64,
    pub currency: String,
    pub at: Millis,
}

/// A9, the seed's "Divers".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Miscellaneous {
    /// Answers that follow a knowledge redirect are shown as the agent's.
    pub knowledge_answers_as_agent: bool,
}

/// How a project's widget looks and what it offers (W1, W4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct WidgetSettings {
    /// CSS colour of the launcher and the visitor's bubbles.
    pub color: String,
    /// CSS font-family stack.
    pub font: String,
    /// R8: the visitor may leave an e-mail address to get the answer.
    pub email_capture: bool,
    /// R9, A5: the satisfaction survey is sent at close.
    pub survey: bool,
    /// R10, A5: the waiting questionnaire shown while queued (empty: none).
    pub questionnaire: Vec<Question>,
    /// R10: how long the waiting questionnaire stays on screen.
    pub questionnaire_seconds: u32,
    /// Largest file a visitor may upload, in bytes.
    pub max_file_bytes: u64,
    /// MIME types a visitor may upload.
    pub file_types: Vec<String>,
}

impl Default for WidgetSettings {
    fn default() -> Self {
        Self {
            color: "#1f6feb".into(),
            font: "system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif".into(),
            email_capture: true,
            survey: true,
            questionnaire: vec![],
            questionnaire_seconds: 120,
            max_file_bytes: 10 * 1024 * 1024,
            file_types: vec![
                "image/png".into(),
                "image/jpeg".into(),
                "image/gif".into(),
                "image/webp".into(),
                "application/pdf".into(),
                "text/plain".into(),
            ],
        }
    }
}

impl Default for ProjectSettings {
    fn default() -> Self {
        Self {
            routing: Settings::default(),
            default_slot_max: 3,
            optional_statuses: vec![
                "In training".into(),
                "On the phone".into(),
                "With supervisor".into(),
                "No new conversation".into(),
                "Looking up information".into(),
            ],
            optional_status_labels: [
                ("In training", "En formation"),
                ("On the phone", "Téléphone"),
                ("With supervisor", "Échange avec le superviseur"),
                ("No new conversation", "Pas de nouvelle conversation"),
                ("Looking up information", "En recherche d'information"),
            ]
            .into_iter()
            .map(|(name, fr)| {
                (
                    name.to_owned(),
                    BTreeMap::from([("fr".to_owned(), fr.to_owned())]),
                )
            })
            .collect(),
            conversation_types: vec![],
            sentences: Sentences::default(),
            widget: WidgetSettings::default(),
            desk: DeskOptions::default(),
            visitor_card: Default::default(),
            questionnaires: Default::default(),
            cobrowse: Default::default(),
            misc: Miscellaneous::default(),
            sales: SalesSettings::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRow {
    pub id: ProjectId,
    pub code: String,
    pub name: String,
    pub settings: ProjectSettings,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub id: GroupId,
    pub project_id: ProjectId,
    pub name: String,
    pub hours: Option<WeeklyHours>,
}

/// What the hub keeps of an agent's live settings across restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentRuntime {
    pub chosen: BTreeMap<Channel, ChosenStatus>,
    pub slot_limit: Option<u32>,
    pub last_assigned_at: Option<Millis>,
    pub shift_end: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AgentRow {
    pub id: AgentId,
    pub project_id: ProjectId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: Role,
    pub slot_max: u32,
    pub groups: Vec<GroupId>,
    pub runtime: AgentRuntime,
    /// A8: `false` once deactivated: no sign-in, no routing; the history stays.
    pub active: bool,
    /// A8: when the password was last set by an admin; tokens and sessions made before are
    /// void.
    pub credentials_at: Millis,
    /// A8: the channels the agent works on (R3: a status per channel).
    pub channels: Vec<Channel>,
}

/// What an admin changes of an agent (A8).
#[derive(Debug, Clone, PartialEq)]
pub struct AgentUpdate {
    pub id: AgentId,
    pub name: String,
    pub role: Role,
    pub slot_max: u32,
    pub groups: Vec<GroupId>,
    pub active: bool,
    pub channels: Vec<Channel>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VisitorRow {
    pub id: String,
    pub project_id: ProjectId,
    pub card: VisitorCard,
    pub created_at: Millis,
    /// The last message id the visitor has seen in the widget.
    pub seen: i64,
}

/// A file sent in a conversation (W4, D12).
#[derive(Debug, Clone, PartialEq)]
pub struct FileRow {
    pub id: String,
    pub conversation: i64,
    pub name: String,
    pub mime: String,
    pub data: Vec<u8>,
    pub at: Millis,
}

/// An answer by e-mail to queue (R8).
#[derive(Debug, Clone, PartialEq)]
pub struct NewMail {
    pub conversation: i64,
    pub up_to: i64,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub created_at: Millis,
}

/// A queued e-mail not sent yet.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingMail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attempts: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConversationRow {
    pub visitor_id: String,
    pub record: ConversationRecord,
    pub conversation_type: Option<String>,
    /// D16: marked important (read only: written by [`Batch::important`]).
    pub important: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredMessage {
    pub message: Message,
    /// `false`: agents only (transfer comments).
    pub for_visitor: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct CannedResponse {
    pub id: i64,
    /// `None`: the admin's, shared by the project; `Some`: an agent's personal one.
    pub agent_id: Option<AgentId>,
    /// A8: shared with one group only (its agents see it); `None`: the whole project.
    #[serde(default)]
    pub group_id: Option<GroupId>,
    pub theme: String,
    pub shortcut: Option<String>,
    pub language: String,
    pub title: String,
    pub body: String,
}

/// The highest ids a project has used, to continue numbering after a restart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub seq: Seq,
    pub message_id: i64,
    pub conversation: i64,
    /// M2: the last help request's id.
    pub help: i64,
}

/// D15: a closed conversation's figures (`conversation_facts`), computed from its thread by
/// [`crate::stats::facts`].
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationFacts {
    pub number: i64,
    /// The agent who handled it (the last assigned).
    pub agent_id: Option<AgentId>,
    pub closed_at: Millis,
    pub first_response_ms: Option<i64>,
    pub response_sum_ms: i64,
    pub response_count: i64,
    pub handling_ms: Option<i64>,
    pub conversation_type: Option<String>,
    pub important: bool,
    /// Of 5.
    pub satisfaction: Option<f64>,
    pub survey_comment: Option<String>,
    /// A5, R9: the agent's answers to the closing questionnaire (the latest).
    pub agent_answers: Vec<pupitre_protocol::questionnaire::AnswerLine>,
    pub visitor_id: String,
    /// Empty when the visitor gave none.
    pub visitor_name: String,
    pub summary: String,
}

/// D15: the sums of one day's closed conversations (what the day's figures are made of).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactSums {
    pub conversations: u32,
    pub first_response: (i64, i64),
    /// Sum of the waits, number of replies.
    pub response: (i64, i64),
    pub handling: (i64, i64),
    pub satisfaction: (f64, u32),
}

/// D15: an agent's shown status on one channel from `at` on (`status_log`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub agent_id: AgentId,
    pub channel: Channel,
    pub availability: pupitre_protocol::Availability,
    /// The optional status chosen ("In training"), if one.
    pub optional: Option<String>,
    pub at: Millis,
}

/// D15: which closed conversations to list, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClosedFilter {
    /// `None`: every agent's.
    pub agents: Option<Vec<AgentId>>,
    /// Closed at or after.
    pub from: Option<Millis>,
    /// Closed before.
    pub to: Option<Millis>,
    /// Paging: closed before this time, or at it with a lower number (the last one listed).
    pub before: Option<(Millis, Option<i64>)>,
    /// Words that must all appear in the visitor's name, the summary or the survey comment.
    pub text: Option<String>,
    pub conversation_type: Option<String>,
    pub important: Option<bool>,
    pub limit: usize,
}

/// Every change of a batch of frames, committed in one transaction.
#[derive(Debug, Default)]
pub struct Batch {
    pub visitors: Vec<VisitorRow>,
    pub conversations: Vec<ConversationRow>,
    pub conversation_types: Vec<(i64, String)>,
    pub messages: Vec<StoredMessage>,
    /// `(stream, seq, JSON payload)`.
    pub events: Vec<(String, Seq, String)>,
    pub applied: Vec<(ClientId, Millis)>,
    pub agent_runtimes: Vec<(AgentId, AgentRuntime)>,
    pub files: Vec<FileRow>,
    pub mails: Vec<NewMail>,
    /// D15: closed conversations' figures (replacing earlier ones of the same conversation).
    pub facts: Vec<ConversationFacts>,
    /// D15: shown statuses; one equal to the agent's latest on that channel is not stored.
    pub status_changes: Vec<StatusChange>,
    /// D16: conversations marked important, or not any more.
    pub important: Vec<(i64, bool)>,
    /// D15: sales attributed; an order already stored is kept as it was.
    pub sales: Vec<SaleRow>,
    /// D15: surveys answered after the close: `(number, score of 5, comment)` onto its facts.
    pub late_surveys: Vec<(i64, Option<f64>, Option<String>)>,
    /// M2: help requests made or changed (replacing the stored record).
    pub help: Vec<pupitre_routing::help::HelpRecord>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.visitors.is_empty()
            && self.conversations.is_empty()
            && self.conversation_types.is_empty()
            && self.messages.is_empty()
            && self.events.is_empty()
            && self.applied.is_empty()
            && self.agent_runtimes.is_empty()
            && self.files.is_empty()
            && self.mails.is_empty()
            && self.facts.is_empty()
            && self.status_changes.is_empty()
            && self.late_surveys.is_empty()
            && self.important.is_empty()
            && self.sales.is_empty()
            && self.help.is_empty()
    }
}

/// New agent fields (admin).
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub project_id: ProjectId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: Role,
    pub slot_max: u32,
    pub groups: Vec<GroupId>,
}

/// What the project writer reads (its core takes nothing more), apart from what it writes;
/// a second backend implements both.
pub trait StoreRead: Send {
    fn counters(&mut self, project_id: ProjectId) -> Result<Counters>;
    fn is_applied(&mut self, client_id: ClientId) -> Result<bool>;
    /// M2: the project's open help requests, oldest first.
    fn open_help(
        &mut self,
        project_id: ProjectId,
    ) -> Result<Vec<pupitre_routing::help::HelpRecord>>;
    /// Events of `stream` after `after`, oldest first, at most `limit`.
    fn events_since(
        &mut self,
        stream: &str,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<(Seq, String)>>;

    fn project(&mut self, id: ProjectId) -> Result<Option<ProjectRow>>;
    fn groups(&mut self, project_id: ProjectId) -> Result<Vec<GroupRow>>;
    fn agents(&mut self, project_id: ProjectId) -> Result<Vec<AgentRow>>;
    fn agent(&mut self, id: AgentId) -> Result<Option<AgentRow>>;
    fn visitor(&mut self, id: &str) -> Result<Option<VisitorRow>>;
    /// The last message id already e-mailed for a conversation (0: none).
    fn mailed_up_to(&mut self, project_id: ProjectId, conversation: i64) -> Result<i64>;
    /// Conversations not closed.
    fn live_conversations(&mut self, project_id: ProjectId) -> Result<Vec<ConversationRow>>;
    fn conversation(
        &mut self,
        project_id: ProjectId,
        number: i64,
    ) -> Result<Option<ConversationRow>>;
    fn visitor_conversations(
        &mut self,
        project_id: ProjectId,
        visitor_id: &str,
    ) -> Result<Vec<ConversationRow>>;
    fn messages(&mut self, project_id: ProjectId, conversation: i64) -> Result<Vec<StoredMessage>>;
}

/// The durable store. Implementations are used from one thread at a time (`&mut self`); the hub
/// opens one per project writer and one for HTTP reads and admin writes.
pub trait Store: StoreRead {
    /// Whether the connection is gone for good (a database server restarted): the caller opens
    /// another. A file never is.
    fn is_broken(&self) -> bool {
        false
    }
    fn commit(&mut self, project_id: ProjectId, batch: &Batch) -> Result<()>;
    fn project_by_code(&mut self, code: &str) -> Result<Option<ProjectRow>>;
    fn projects(&mut self) -> Result<Vec<ProjectRow>>;
    fn agent_by_email(&mut self, email: &str) -> Result<Option<AgentRow>>;
    fn file(&mut self, project_id: ProjectId, id: &str) -> Result<Option<FileRow>>;
    /// Queued e-mails not sent yet and not given up on (fewer than `mail::MAX_ATTEMPTS` tries),
    /// oldest first (every project).
    fn pending_mails(&mut self, limit: usize) -> Result<Vec<PendingMail>>;
    /// Marks a queued e-mail sent (`Ok(at)`) or counts a failed attempt.
    fn mail_done(&mut self, id: i64, result: std::result::Result<Millis, String>) -> Result<()>;
    /// The project's messages written at or after `at`, in id order (D15).
    fn messages_since(&mut self, project_id: ProjectId, at: Millis) -> Result<Vec<StoredMessage>>;
    /// D15: the sums of the conversations of `agents` closed in each of `days` (`[start,
    /// end)`), one per day, in order.
    fn facts_by_day(
        &mut self,
        project_id: ProjectId,
        agents: &[AgentId],
        days: &[(Millis, Millis)],
    ) -> Result<Vec<FactSums>>;
    /// D15: the status changes of `agents` in `[from, to)`, and for each agent and channel the
    /// last one before `from` (what held at `from`), oldest first.
    fn status_changes_between(
        &mut self,
        project_id: ProjectId,
        agents: &[AgentId],
        from: Millis,
        to: Millis,
    ) -> Result<Vec<StatusChange>>;
    /// D15: the sales of `agents` in `[from, to)`.
    fn sales_between(
        &mut self,
        project_id: ProjectId,
        agents: &[AgentId],
        from: Millis,
        to: Millis,
    ) -> Result<Vec<SaleRow>>;
    /// D15: closed conversations, newest first.
    fn closed_conversations(
        &mut self,
        project_id: ProjectId,
        filter: &ClosedFilter,
    ) -> Result<Vec<ConversationFacts>>;
    fn canned_responses(
        &mut self,
        project_id: ProjectId,
        agent_id: Option<AgentId>,
    ) -> Result<Vec<CannedResponse>>;

    fn create_project(
        &mut self,
        code: &str,
        name: &str,
        settings: &ProjectSettings,
    ) -> Result<ProjectId>;
    fn update_settings(&mut self, project_id: ProjectId, settings: &ProjectSettings) -> Result<()>;
    fn create_group(
        &mut self,
        project_id: ProjectId,
        name: &str,
        hours: Option<&WeeklyHours>,
    ) -> Result<GroupId>;
    fn set_group_hours(&mut self, group_id: GroupId, hours: Option<&WeeklyHours>) -> Result<()>;
    fn create_agent(&mut self, agent: &NewAgent) -> Result<AgentId>;
    fn create_canned_response(
        &mut self,
        project_id: ProjectId,
        canned: &CannedResponse,
    ) -> Result<i64>;
    /// An agent's name, role, maximum, groups and whether they may sign in; deactivating
    /// also ends their refresh tokens.
    fn update_agent(&mut self, update: &AgentUpdate) -> Result<()>;
    /// A new password; every refresh token of the agent ends with the old one.
    fn set_password_hash(&mut self, agent: AgentId, hash: &str, at: Millis) -> Result<()>;
    fn rename_group(&mut self, group: GroupId, name: &str) -> Result<()>;
    fn rename_project(&mut self, project_id: ProjectId, name: &str) -> Result<()>;
    /// A shared canned response of the project (not an agent's own).
    fn update_canned_response(
        &mut self,
        project_id: ProjectId,
        canned: &CannedResponse,
    ) -> Result<()>;
    fn delete_canned_response(&mut self, project_id: ProjectId, id: i64) -> Result<()>;
    /// Starts a change of configuration that [`Store::finish_audited`] ends: everything in
    /// between is one transaction with its audit entry (A10).
    fn begin_audited(&mut self) -> Result<()>;
    /// A8: the project's knowledge articles matching `search`, newest first.
    fn knowledge(
        &mut self,
        project_id: ProjectId,
        search: &crate::admin::knowledge::Search,
    ) -> Result<Vec<crate::admin::knowledge::Article>>;
    fn article(
        &mut self,
        project_id: ProjectId,
        id: i64,
    ) -> Result<Option<crate::admin::knowledge::Article>>;
    /// Creates the article (id 0) or replaces it; its id.
    fn put_article(
        &mut self,
        project_id: ProjectId,
        article: &crate::admin::knowledge::Article,
    ) -> Result<i64>;
    fn delete_article(&mut self, project_id: ProjectId, id: i64) -> Result<()>;
    /// Queues an e-mail outside a writer's batch (D16: a conversation e-mailed to its agent,
    /// `up_to` 0 so that R8's count of what the visitor was sent ignores it).
    fn queue_mail(&mut self, project_id: ProjectId, mail: &NewMail) -> Result<()>;
    /// With an entry: writes it, moves the project's configuration generation and makes the
    /// change durable. Without: undoes everything since [`Store::begin_audited`].
    fn finish_audited(
        &mut self,
        project_id: ProjectId,
        entry: Option<&crate::audit::NewEntry>,
    ) -> Result<()>;
    /// The project's audit log, newest first.
    fn audit_log(
        &mut self,
        project_id: ProjectId,
        filter: &crate::audit::Filter,
    ) -> Result<Vec<crate::audit::Entry>>;
    /// Every project's configuration generation, moved by each audited change.
    fn config_generations(&mut self) -> Result<Vec<(ProjectId, i64)>>;
    fn meta(&mut self, key: &str) -> Result<Option<String>>;
    fn set_meta(&mut self, key: &str, value: &str) -> Result<()>;
    /// The value of `key`, set to `value` first if it has none: of several hubs starting
    /// together on one database, the first one's value is everyone's.
    fn meta_or_insert(&mut self, key: &str, value: &str) -> Result<String> {
        self.insert_meta_if_absent(key, value)?;
        self.meta(key)?
            .ok_or_else(|| StoreError::NotFound(format!("meta {key}")))
    }
    fn insert_meta_if_absent(&mut self, key: &str, value: &str) -> Result<()>;
    fn insert_refresh_token(
        &mut self,
        hash: &str,
        agent_id: AgentId,
        expires_at: Millis,
    ) -> Result<()>;
    /// Removes and returns the agent of a refresh token still valid at `now` (rotation).
    fn take_refresh_token(&mut self, hash: &str, now: Millis) -> Result<Option<AgentId>>;
}
