//! The project's agents and groups as the transfer dialog shows them (R7, D9):
//! `GET /api/agents` (with their live availability) and `GET /api/groups`; and who is
//! connected now, per channel, with their load: `GET /api/team` (D16, M1); the manager's
//! board: `GET /api/board` (M1). What the project's writer knows comes, on a node of a cluster
//! that does not own the project, from the owner ([`super::elsewhere`]).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use pupitre_protocol::agent::{GroupInfo, Role};
use pupitre_protocol::team::TeamMember;
use pupitre_protocol::{AgentId, Availability, Channel, ErrorCode, GroupId};
use serde::{Deserialize, Serialize};

use crate::Hub;
use crate::api::caller::caller;
use crate::api::elsewhere::{Answered, Incoming, writer};
use crate::api::error::{ApiError, ApiResult};

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
    incoming: Incoming,
) -> Answered<Json<Vec<AgentInfo>>> {
    let c = caller(&hub, &incoming.headers)?;
    let project = writer(&hub, c.project, &incoming, Bytes::new).await?;
    let agents = hub
        .with_store(|s| s.agents(c.project))
        .map_err(ApiError::from)?;
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

/// `GET /api/team` (D16 "agents online", M1): the project's connected agents with their status
/// on each channel and their load, as the project's writer knows them. Agents see it when the
/// admin leaves the option on (A3); managers and admins always.
pub(super) async fn online(
    State(hub): State<Arc<Hub>>,
    incoming: Incoming,
) -> Answered<Json<Vec<TeamMember>>> {
    let c = caller(&hub, &incoming.headers)?;
    let (agents, options) = hub.with_store(|s| -> ApiResult<_> {
        let project = s
            .project(c.project)?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no project"))?;
        Ok((s.agents(c.project)?, project.settings.desk))
    })?;
    if c.role == Role::Agent && !options.online_agents {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "this project's admin does not show agents the list of agents online",
        )
        .into());
    }
    let project = writer(&hub, c.project, &incoming, Bytes::new).await?;
    let members = project
        .inspect(move |engine| {
            agents
                .iter()
                .filter(|a| a.active)
                .filter_map(|a| crate::hub::team_member(engine, a))
                .collect::<Vec<_>>()
        })
        .await
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the project's writer is not running"))?;
    Ok(Json(members))
}

/// `GET /api/board` (M1): the manager's groups now: waiting conversations and the longest
/// wait, the connected agents with status per channel, load and slots, the conversations on
/// desks (to watch), the open help requests. Managers and admins only (`forbidden` otherwise).
pub(super) async fn board(
    State(hub): State<Arc<Hub>>,
    incoming: Incoming,
) -> Answered<Json<pupitre_protocol::supervision::Board>> {
    let c = caller(&hub, &incoming.headers)?;
    if c.role == Role::Agent {
        return Err(
            ApiError::new(ErrorCode::Forbidden, "the board is for managers and admins").into(),
        );
    }
    let project = writer(&hub, c.project, &incoming, Bytes::new).await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let sent = project
        .send(crate::hub::Command::Board {
            agent: c.agent,
            reply: tx,
        })
        .await;
    match (sent, rx.await) {
        (true, Ok(board)) => Ok(Json(board.map_err(|e| ApiError::new(e.code, e.message))?)),
        _ => Err(ApiError::new(ErrorCode::Internal, "the project's writer is not running").into()),
    }
}
