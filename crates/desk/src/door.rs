//! The other shapes of the UI's door (DESIGN.md §7, §11): what the login, the canned responses
//! and the history commands take and answer. Declared once here, generated as TypeScript into
//! `ui/src/lib/desk/` with the model's, and made from the hub's JSON here, so the Tauri
//! commands only wire.

use pupitre_protocol::agent::AgentProfile;
use pupitre_protocol::{Author, ConversationRef, Millis};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::cache::SearchHit;
use crate::error::DeskError;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "desk/")]
pub struct LoginRequest {
    /// The hub's URL.
    pub hub: String,
    pub email: String,
    pub password: String,
    /// "Remember me" (D19): the refresh token goes to the OS keyring.
    pub remember: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "desk/")]
pub struct LoginResult {
    pub profile: AgentProfile,
    /// Logged in, but something to tell the agent: `keyring_unavailable` when `remember` was
    /// asked and the keyring refused (the password will be asked next time).
    pub notice: Option<DeskError>,
}

/// A canned response (D12): an admin one (with a theme) or a personal one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "desk/")]
pub struct CannedResponse {
    pub id: String,
    /// Typed after `/` in the composer, e.g. `hello` (without the slash).
    pub shortcut: String,
    pub title: String,
    pub text: String,
    /// Admin theme ("Delivery"); `null` for personal ones.
    pub theme: Option<String>,
    /// BCP 47 language of the text, e.g. `fr` or `en`; `null` when any.
    pub language: Option<String>,
    pub personal: bool,
}

impl CannedResponse {
    /// From the hub's JSON (`GET /api/canned-responses`, also kept in the cache).
    pub fn from_hub(c: &Value) -> Self {
        let text = |key: &str| c[key].as_str().map(String::from);
        let personal = !c["agent_id"].is_null();
        Self {
            id: c["id"].to_string(),
            shortcut: c["shortcut"]
                .as_str()
                .unwrap_or_default()
                .trim_start_matches('/')
                .to_owned(),
            title: text("title").unwrap_or_default(),
            text: text("body").unwrap_or_default(),
            theme: if personal { None } else { text("theme") },
            language: text("language"),
            personal,
        }
    }
}

/// A personal canned response the agent writes (D12).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "desk/")]
pub struct CannedResponseDraft {
    pub shortcut: String,
    pub title: String,
    pub text: String,
    pub language: Option<String>,
}

/// The hub's body for `POST /api/canned-responses`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewCannedResponse {
    pub theme: String,
    pub title: String,
    pub body: String,
    /// With its slash, as the hub keeps it.
    pub shortcut: Option<String>,
    pub language: String,
}

impl From<CannedResponseDraft> for NewCannedResponse {
    fn from(draft: CannedResponseDraft) -> Self {
        let shortcut = draft.shortcut.trim().trim_start_matches('/');
        Self {
            theme: "Personal".into(),
            title: draft.title,
            body: draft.text,
            shortcut: (!shortcut.is_empty()).then(|| format!("/{shortcut}")),
            language: draft.language.unwrap_or_else(|| "en".into()),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "desk/")]
pub struct HistoryQuery {
    /// Free text over references, visitor names and messages.
    #[ts(optional)]
    pub text: Option<String>,
    /// Only this visitor's conversations (D14).
    #[ts(optional)]
    pub visitor: Option<String>,
}

/// A conversation found in the history (D14, D15 re-read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "desk/")]
pub struct HistoryHit {
    pub reference: ConversationRef,
    pub visitor_name: Option<String>,
    pub closed_at: Millis,
    /// Several agents joined by ", ".
    pub agent_name: Option<String>,
    pub conversation_type: Option<String>,
    pub excerpt: String,
}

impl HistoryHit {
    /// One of a visitor's conversations, from the hub's JSON
    /// (`GET /api/visitors/{id}/conversations`).
    pub fn from_hub(d: &Value) -> Self {
        let text = |key: &str| d[key].as_str().map(String::from);
        let agents: Vec<&str> = d["agents"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        Self {
            reference: ConversationRef(text("reference").unwrap_or_default()),
            visitor_name: text("visitor_name"),
            closed_at: d["last_at"].as_i64().unwrap_or_default(),
            agent_name: (!agents.is_empty()).then(|| agents.join(", ")),
            conversation_type: text("conversation_type"),
            excerpt: text("excerpt").unwrap_or_default(),
        }
    }

    /// A message of the local cache that matched a search (D18, works offline).
    pub fn from_search(hit: SearchHit) -> Self {
        let agent_name = match &hit.message.author {
            Author::Agent { name, .. } => Some(name.clone()),
            _ => None,
        };
        Self {
            excerpt: crate::cache::searchable(&hit.message).unwrap_or_default(),
            reference: hit.conversation,
            visitor_name: None,
            closed_at: hit.message.at,
            agent_name,
            conversation_type: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d12_canned_responses_cross_the_door_without_their_slash() {
        let admin = serde_json::json!({"id": 3, "agent_id": null, "theme": "Delivery",
            "title": "Delay", "body": "2 days", "shortcut": "/delai", "language": "fr"});
        let c = CannedResponse::from_hub(&admin);
        assert_eq!(
            (c.id.as_str(), c.shortcut.as_str(), c.text.as_str()),
            ("3", "delai", "2 days")
        );
        assert_eq!((c.theme.as_deref(), c.personal), (Some("Delivery"), false));
        let draft = CannedResponseDraft {
            shortcut: " /thanks ".into(),
            title: "Thanks".into(),
            text: "Thank you!".into(),
            language: None,
        };
        let body = NewCannedResponse::from(draft);
        assert_eq!(
            (body.shortcut.as_deref(), body.language.as_str()),
            (Some("/thanks"), "en")
        );
    }

    #[test]
    fn d14_a_visitors_conversation_names_all_its_agents() {
        let doc = serde_json::json!({"reference": "DEMO-7", "visitor_name": "Léa",
            "last_at": 42, "agents": ["Alice", "Bruno"], "conversation_type": null, "excerpt": "hi"});
        let hit = HistoryHit::from_hub(&doc);
        assert_eq!(hit.agent_name.as_deref(), Some("Alice, Bruno"));
        assert_eq!((hit.closed_at, hit.conversation_type), (42, None));
    }
}

/// D15: which figures the statistics view asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "desk/")]
pub struct StatsQuery {
    /// The first day, `YYYY-MM-DD`, in the project's time zone.
    pub from: String,
    /// 1 to 31 consecutive days (7: a week; a month: its length).
    pub days: u32,
    /// A group's figures instead of the agent's own (managers: their groups; admins: any).
    pub group: Option<pupitre_protocol::GroupId>,
}

impl StatsQuery {
    /// The hub's query string (also the key of the copy kept for offline reading).
    pub fn query_string(&self) -> String {
        let mut q = format!("from={}&days={}", encode(&self.from), self.days);
        if let Some(g) = self.group {
            q += &format!("&group={g}");
        }
        q
    }
}

/// D15: the figures, and whether they are the copy kept from the last time the hub answered.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "desk/")]
pub struct StatsResult {
    pub range: pupitre_protocol::stats::StatsRange,
    pub offline: bool,
}

/// D15: which closed conversations to list to re-read (`null`: any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "desk/")]
pub struct ClosedQuery {
    /// First day, `YYYY-MM-DD`, inclusive (project's time zone).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    /// Words in the visitor's name, their first words or their survey comment.
    pub text: Option<String>,
    pub conversation_type: Option<String>,
    pub important: Option<bool>,
    /// Paging: closed before this time (the last listed one's `closed_at`)…
    pub before: Option<Millis>,
    /// …or at that time with a lower reference (two closed in the same millisecond).
    #[serde(default)]
    #[ts(optional)]
    pub before_reference: Option<String>,
    /// A group's (managers: their groups; admins: any).
    #[serde(default)]
    #[ts(optional)]
    pub group: Option<pupitre_protocol::GroupId>,
}

impl ClosedQuery {
    /// The hub's query string.
    pub fn query_string(&self) -> String {
        let mut parts = vec![];
        let mut add = |name: &str, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                parts.push(format!("{name}={}", encode(&v)));
            }
        };
        add("from", self.from.clone());
        add("to", self.to.clone());
        add("text", self.text.clone());
        add("type", self.conversation_type.clone());
        add("important", self.important.map(|b| b.to_string()));
        add("before", self.before.map(|b| b.to_string()));
        add("before_ref", self.before_reference.clone());
        add("group", self.group.map(|g| g.to_string()));
        parts.join("&")
    }
}

fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// D16, A8: a knowledge article as the desk shows it (searched in the hub, kept in the cache
/// for offline reading).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "desk/")]
pub struct KnowledgeArticle {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    /// `en`, `fr`…
    pub language: String,
    pub updated_at: Millis,
}

impl KnowledgeArticle {
    /// From the hub's JSON (`GET /api/knowledge`); `None` when it is not an article.
    pub fn from_hub(a: &Value) -> Option<Self> {
        serde_json::from_value(a.clone()).ok()
    }
}

/// D16: the knowledge tab's search: words (empty: the newest articles).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "desk/")]
pub struct KnowledgeQuery {
    pub text: String,
    /// Only articles in this language (`null`: any).
    pub language: Option<String>,
}

/// D16: the articles found, and whether the hub was out of reach (then they come from the
/// desk's cache).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "desk/")]
pub struct KnowledgeResult {
    pub articles: Vec<KnowledgeArticle>,
    pub offline: bool,
}

/// D16: where one of the assistant's answers comes from (shown with it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "desk/")]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AssistantSource {
    /// A knowledge article (A8).
    Article { id: i64 },
    /// A canned response (D12): the admin's or the agent's own.
    Canned { id: String, shortcut: String },
    /// What the agent answered in one of their past conversations.
    Conversation {
        reference: pupitre_protocol::ConversationRef,
        /// When that answer was written.
        at: Millis,
    },
}

/// D16: one answer of the assistant ("opérateur livechat augmenté").
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "desk/")]
pub struct AssistantAnswer {
    pub source: AssistantSource,
    /// The article's or canned response's title; for a past conversation, the visitor's
    /// question it answered.
    pub title: String,
    /// The text to read or insert into the composer.
    pub text: String,
    /// BM25 relevance, higher is better (comparable within one reply only).
    pub score: f64,
}

/// D16: the assistant's reply to a question: its best answers first (none found: empty).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export_to = "desk/")]
pub struct AssistantReply {
    pub question: String,
    pub answers: Vec<AssistantAnswer>,
}
