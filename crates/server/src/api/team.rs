//! The project's agents and groups as the transfer dialog shows them (R7, D9):
//! `GET /api/agents` (with their live availability) and `GET /api/groups`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use pupitre_protocol::agent::GroupInfo;
use pupitre_protocol::{AgentId, Availability, Channel, ErrorCode, GroupId};
use serde::{Deserialize, Serialize};

use crate::Hub;
use crate::api::caller::caller;
use crate::api::error::{ApiError, ApiResult};

use crate::store::StoreRead as _;

/// An agent as the transfer dialog shows it (R7, D9).
#[derive(Debug, Serialize, Deserialize)]
pub struct AgentInfo {
    pub id: AgentId,
    pub name: String,
    /// On the chat channel, now.
    pub availability: Availability,
    pub groups: Vec<GroupId>,
}

/// `GET /api/agents`: the project's agents with their live availability, as the project's
/// writer knows it.
pub(super) async fn agents(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<AgentInfo>>> {
    let c = caller(&hub, &headers)?;
    let agents = hub.with_store(|s| s.agents(c.project))?;
    let project = hub
        .project(c.project)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "project not served"))?;
    let ids: Vec<AgentId> = agents.iter().map(|a| a.id).collect();
    let availability = project
        .inspect(move |engine| {
            ids.iter()
                .map(|id| {
                    engine
                        .agent(*id)
                        .and_then(|v| {
                            v.availability
                                .iter()
                                .find(|(ch, _)| *ch == Channel::Chat)
                                .map(|(_, a)| *a)
                        })
                        .unwrap_or(Availability::Offline)
                })
                .collect::<Vec<_>>()
        })
        .await
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the project's writer is not running"))?;
    Ok(Json(
        agents
            .into_iter()
            .zip(availability)
            .map(|(a, availability)| AgentInfo {
                id: a.id,
                name: a.name,
                availability,
                groups: a.groups,
            })
            .collect(),
    ))
}

/// `GET /api/groups`: the project's groups (transfer targets).
pub(super) async fn groups(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<GroupInfo>>> {
    let c = caller(&hub, &headers)?;
    let groups = hub.with_store(|s| s.groups(c.project))?;
    Ok(Json(
        groups
            .into_iter()
            .map(|g| GroupInfo {
                id: g.id,
                name: g.name,
            })
            .collect(),
    ))
}
