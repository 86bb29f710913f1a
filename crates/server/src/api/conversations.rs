//! Conversations as the desk reads them: `GET /api/conversations` (the caller's live ones) and
//! `GET /api/conversations/{reference}` (one, with its whole thread). Who may read what is
//! [`crate::api::access`]'s.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use pupitre_protocol::agent::VisitorCard;
use pupitre_protocol::{AgentId, ConversationRef, ErrorCode, GroupId, Message, Millis};
use pupitre_routing::ConversationState;
use serde::{Deserialize, Serialize};

use crate::Hub;
use crate::api::access::{may_read, number_in, readable_conversation};
use crate::api::caller::caller;
use crate::api::error::{ApiError, ApiResult, blocking};
use crate::store::{ConversationRow, Store};

/// A conversation as the HTTP API returns it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ConversationDoc {
    pub reference: ConversationRef,
    pub group: GroupId,
    pub agent: Option<AgentId>,
    pub previous_agent: Option<AgentId>,
    pub state: String,
    pub created_at: Millis,
    pub conversation_type: Option<String>,
    pub visitor: VisitorCard,
    /// While snoozed (R5): when it wakes, and whether it comes back to the same agent.
    pub snoozed_until: Option<Millis>,
    pub keep: Option<bool>,
    /// With `GET /api/conversations/{reference}` only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<Message>,
}

/// The state's tag as the wire spells it (`queued`, `assigned`…).
pub(crate) fn state_name(state: &ConversationState) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v["state"].as_str().map(String::from))
        .unwrap_or_default()
}

fn doc(
    store: &mut dyn Store,
    code: &str,
    row: ConversationRow,
    messages: Vec<Message>,
) -> ApiResult<ConversationDoc> {
    let card_settings = store
        .project_by_code(code)?
        .map(|p| p.settings.visitor_card)
        .unwrap_or_default();
    // A7: as a desk sees it; what the admin hides never leaves the hub.
    let visitor = store
        .visitor(&row.visitor_id)?
        .map(|v| crate::visitor_card::for_desk(&v.card, &card_settings, "en"))
        .unwrap_or_else(|| VisitorCard {
            id: row.visitor_id.clone(),
            ..Default::default()
        });
    Ok(ConversationDoc {
        reference: ConversationRef::new(code, row.record.id),
        group: row.record.group,
        agent: row.record.agent(),
        previous_agent: row.record.previous_agent,
        state: state_name(&row.record.state),
        created_at: row.record.created_at,
        conversation_type: row.conversation_type.clone(),
        visitor,
        snoozed_until: match row.record.state {
            ConversationState::Snoozed { until, .. } => Some(until),
            _ => None,
        },
        keep: match row.record.state {
            ConversationState::Snoozed { keep, .. } => Some(keep),
            _ => None,
        },
        messages,
    })
}

/// `GET /api/conversations`: the live conversations the caller may see (an agent: their
/// desk; a manager: their groups'; an admin: the project's).
pub(super) async fn list(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<ConversationDoc>>> {
    let c = caller(&hub, &headers)?;
    blocking(move || {
        hub.with_store(|s| {
            let project = s
                .project(c.project)?
                .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no project"))?;
            let groups = s.agent(c.agent)?.map(|a| a.groups).unwrap_or_default();
            let rows = s.live_conversations(c.project)?;
            let mut docs = vec![];
            for row in rows {
                // The agent's own snoozed conversations are part of their desk (D8).
                let snoozed_by_me = matches!(row.record.state,
                    ConversationState::Snoozed { by, .. } if by == c.agent);
                if snoozed_by_me || may_read(&c, &groups, &row, false) {
                    docs.push(doc(s, &project.code, row, vec![])?);
                }
            }
            Ok(Json(docs))
        })
    })
    .await
}

/// `GET /api/conversations/{reference}`: one conversation with its whole thread.
pub(super) async fn read(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> ApiResult<Json<ConversationDoc>> {
    let c = caller(&hub, &headers)?;
    let reference = ConversationRef(reference);
    blocking(move || {
        hub.with_store(|s| {
            let project = s
                .project(c.project)?
                .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no project"))?;
            let number = number_in(&project.code, &reference)?;
            let (row, messages) = readable_conversation(s, &c, number)?;
            let messages = messages.into_iter().map(|m| m.message).collect();
            doc(s, &project.code, row, messages)
        })
        .map(Json)
    })
    .await
}
