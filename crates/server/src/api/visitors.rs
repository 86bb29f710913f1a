//! A visitor's history for the desk (D14): `GET /api/visitors/{id}/conversations`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use pupitre_protocol::{Author, Body, ConversationRef, ErrorCode, Millis};
use serde::{Deserialize, Serialize};

use crate::Hub;
use crate::api::access::may_read_thread;
use crate::api::caller::caller;
use crate::api::conversations::state_name;
use crate::api::error::{ApiError, ApiResult, blocking};

/// One of a visitor's conversations, for the desk's history (D14).
#[derive(Debug, Serialize, Deserialize)]
pub struct HistoryDoc {
    pub reference: ConversationRef,
    pub state: String,
    pub created_at: Millis,
    /// The last message's time.
    pub last_at: Millis,
    pub visitor_name: Option<String>,
    /// The agents who wrote in it, in order of first message.
    pub agents: Vec<String>,
    pub conversation_type: Option<String>,
    /// The visitor's last words.
    pub excerpt: String,
}

/// `GET /api/visitors/{id}/conversations`: the visitor's conversations the caller may read,
/// newest first (D14).
pub(super) async fn conversations(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(visitor): Path<String>,
) -> ApiResult<Json<Vec<HistoryDoc>>> {
    let c = caller(&hub, &headers)?;
    blocking(move || {
        hub.with_store(|s| {
            let project = s
                .project(c.project)?
                .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no project"))?;
            let name = s.visitor(&visitor)?.and_then(|v| v.card.name);
            let groups = s.agent(c.agent)?.map(|a| a.groups).unwrap_or_default();
            let mut docs = vec![];
            for row in s.visitor_conversations(c.project, &visitor)? {
                let messages = s.messages(c.project, row.record.id)?;
                if !may_read_thread(&c, &groups, &row, &messages) {
                    continue;
                }
                let mut agents: Vec<String> = vec![];
                for m in &messages {
                    if let Author::Agent { name, .. } = &m.message.author
                        && !agents.contains(name)
                    {
                        agents.push(name.clone());
                    }
                }
                let excerpt = messages
                    .iter()
                    .rev()
                    .find_map(|m| match (&m.message.author, &m.message.body) {
                        (Author::Visitor, Body::Text { text }) => Some(text.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                docs.push(HistoryDoc {
                    reference: ConversationRef::new(&project.code, row.record.id),
                    state: state_name(&row.record.state),
                    created_at: row.record.created_at,
                    last_at: messages
                        .last()
                        .map_or(row.record.created_at, |m| m.message.at),
                    visitor_name: name.clone(),
                    agents,
                    conversation_type: row.conversation_type.clone(),
                    excerpt,
                });
            }
            docs.reverse();
            Ok(Json(docs))
        })
    })
    .await
}
