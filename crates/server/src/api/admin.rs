//! The admin API, `/api/admin/projects/…`: projects, groups, agents, shared canned responses
//! and settings, for admins only. The rules live in [`crate::admin`], shared with the CLI; a
//! change the routing engine must see reloads the project's writer.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use pupitre_protocol::ErrorCode;
use serde::Deserialize;

use crate::Hub;
use crate::admin::{self, NewAgentRequest, NewCannedRequest};
use crate::api::caller::admin_caller;
use crate::api::error::{ApiError, ApiResult, blocking};
use crate::hub::Command;
use crate::store::{CannedResponse, ProjectId, ProjectSettings, Store};

fn project_id(hub: &Hub, code: &str) -> ApiResult<ProjectId> {
    hub.with_store(|s| s.project_by_code(code))?
        .map(|p| p.id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no project {code:?}")))
}

/// Lets the project's writer read again what an admin changed.
async fn reload(hub: &Hub, project: ProjectId) {
    if let Some(h) = hub.project(project) {
        h.send(Command::Reload).await;
    }
}

pub(super) async fn projects(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<admin::ProjectSummary>>> {
    admin_caller(&hub, &headers)?;
    Ok(Json(hub.with_store(|s| admin::list_projects(s))?))
}

#[derive(Debug, Deserialize)]
pub(super) struct NewProject {
    code: String,
    name: String,
}

pub(super) async fn create_project(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Json(req): Json<NewProject>,
) -> ApiResult<(StatusCode, Json<admin::ProjectSummary>)> {
    admin_caller(&hub, &headers)?;
    let id = hub.with_store(|s| admin::create_project(s, &req.code, &req.name))?;
    hub.start_project(id)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    Ok((
        StatusCode::CREATED,
        Json(admin::ProjectSummary {
            id,
            code: req.code,
            name: req.name,
        }),
    ))
}

pub(super) async fn groups(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<admin::GroupSummary>>> {
    admin_caller(&hub, &headers)?;
    let id = project_id(&hub, &code)?;
    Ok(Json(hub.with_store(|s| admin::list_groups(s, id))?))
}

#[derive(Debug, Deserialize)]
pub(super) struct NewGroup {
    name: String,
    #[serde(default)]
    hours: Option<pupitre_routing::hours::WeeklyHours>,
}

pub(super) async fn create_group(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(req): Json<NewGroup>,
) -> ApiResult<(StatusCode, Json<admin::GroupSummary>)> {
    admin_caller(&hub, &headers)?;
    let project = project_id(&hub, &code)?;
    let group =
        hub.with_store(|s| admin::create_group(s, project, &req.name, req.hours.as_ref()))?;
    reload(&hub, project).await;
    Ok((StatusCode::CREATED, Json(group)))
}

pub(super) async fn agents(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<admin::AgentSummary>>> {
    admin_caller(&hub, &headers)?;
    let id = project_id(&hub, &code)?;
    Ok(Json(hub.with_store(|s| admin::list_agents(s, id))?))
}

pub(super) async fn create_agent(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(req): Json<NewAgentRequest>,
) -> ApiResult<(StatusCode, Json<admin::AgentSummary>)> {
    admin_caller(&hub, &headers)?;
    let project = project_id(&hub, &code)?;
    let h = hub.clone();
    // Off the async threads: the password is hashed (argon2id).
    let agent =
        blocking(move || Ok(h.with_store(|s| admin::create_agent(s, project, req))?)).await?;
    reload(&hub, project).await;
    Ok((StatusCode::CREATED, Json(agent)))
}

/// A canned response shared by the project.
pub(super) async fn create_canned(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(req): Json<NewCannedRequest>,
) -> ApiResult<(StatusCode, Json<CannedResponse>)> {
    admin_caller(&hub, &headers)?;
    let project = project_id(&hub, &code)?;
    let created = hub.with_store(|s| admin::create_canned(s, project, None, req))?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub(super) async fn settings(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<ProjectSettings>> {
    admin_caller(&hub, &headers)?;
    let project = hub
        .with_store(|s| s.project_by_code(&code))?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no project {code:?}")))?;
    Ok(Json(project.settings))
}

pub(super) async fn put_settings(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(settings): Json<ProjectSettings>,
) -> ApiResult<Json<ProjectSettings>> {
    admin_caller(&hub, &headers)?;
    let project = project_id(&hub, &code)?;
    hub.with_store(|s| admin::set_settings(s, project, &settings))?;
    reload(&hub, project).await;
    Ok(Json(settings))
}
