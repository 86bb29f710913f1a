//! The admin API, `/api/admin/projects/…`: groups, agents, shared canned responses and
//! settings, for the admins of the project only (issue 9: tenants apart). An admin of one
//! project gets `forbidden` on another's, `not_found` on a project that does not exist.
//! Creating projects is the operator's, on the hub's machine (`pupitre admin project-create`):
//! there is no role above a project's admin over HTTP. The rules live in [`crate::admin`],
//! shared with the CLI; a change the routing engine must see reloads the project's writer.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use pupitre_protocol::{AgentId, ErrorCode, GroupId};
use serde::{Deserialize, Serialize};

use crate::Hub;
use crate::admin::{self, Audited, NewAgentRequest, NewCannedRequest, config_file, people};
use crate::api::caller::admin_caller;
use crate::api::error::{ApiError, ApiResult, blocking};
use crate::audit::{self, Actor};
use crate::hub::Command;
use crate::store::StoreRead as _;
use crate::store::{CannedResponse, ProjectId, ProjectSettings, Store};

/// The project `code` and who acts on it, if the caller administers it.
fn own_project(hub: &Hub, headers: &HeaderMap, code: &str) -> ApiResult<ProjectId> {
    Ok(acting_on(hub, headers, code)?.0)
}

/// As [`own_project`], with the caller named as the audit log names them (A10).
fn acting_on(hub: &Hub, headers: &HeaderMap, code: &str) -> ApiResult<(ProjectId, Actor)> {
    let caller = admin_caller(hub, headers)?;
    let id = hub
        .with_store(|s| s.project_by_code(code))?
        .map(|p| p.id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no project {code:?}")))?;
    if id != caller.project {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("you administer your own project, not {code:?}"),
        ));
    }
    let name = hub.with_store(|s| s.agent(caller.agent))?.map_or_else(
        || format!("agent {}", caller.agent),
        |a| format!("{} <{}>", a.name, a.email),
    );
    Ok((
        id,
        Actor {
            id: Some(caller.agent),
            name,
        },
    ))
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
    let caller = admin_caller(&hub, &headers)?;
    let all = hub.with_store(|s| admin::list_projects(s))?;
    Ok(Json(
        all.into_iter().filter(|p| p.id == caller.project).collect(),
    ))
}

/// Refused: see the module's words on the operator.
pub(super) async fn create_project(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Json(_): Json<serde_json::Value>,
) -> ApiResult<(StatusCode, Json<admin::ProjectSummary>)> {
    admin_caller(&hub, &headers)?;
    Err(ApiError::new(
        ErrorCode::Forbidden,
        "projects are created by the hub's operator, on its machine: \
         pupitre admin project-create CODE \"Name\"",
    ))
}

pub(super) async fn groups(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<admin::GroupSummary>>> {
    let id = own_project(&hub, &headers, &code)?;
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
    let (project, actor) = acting_on(&hub, &headers, &code)?;
    let group = hub.with_store(|s| {
        Audited::new(s, project, actor).create_group(&req.name, req.hours.as_ref())
    })?;
    reload(&hub, project).await;
    Ok((StatusCode::CREATED, Json(group)))
}

/// `PUT …/groups/{id}/hours`, body: the weekly hours with their exceptions, or `null` for a
/// group always open (A6, A11). Routing uses them at once.
pub(super) async fn put_group_hours(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path((code, group)): Path<(String, GroupId)>,
    Json(hours): Json<Option<pupitre_routing::hours::WeeklyHours>>,
) -> ApiResult<Json<admin::GroupSummary>> {
    let (project, actor) = acting_on(&hub, &headers, &code)?;
    let group =
        hub.with_store(|s| Audited::new(s, project, actor).set_group_hours(group, hours.as_ref()))?;
    reload(&hub, project).await;
    Ok(Json(group))
}

pub(super) async fn agents(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<admin::AgentSummary>>> {
    let id = own_project(&hub, &headers, &code)?;
    Ok(Json(hub.with_store(|s| admin::list_agents(s, id))?))
}

pub(super) async fn create_agent(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(req): Json<NewAgentRequest>,
) -> ApiResult<(StatusCode, Json<admin::AgentSummary>)> {
    let (project, actor) = acting_on(&hub, &headers, &code)?;
    let h = hub.clone();
    // Off the async threads: the password is hashed (argon2id).
    let agent =
        blocking(move || Ok(h.with_store(|s| Audited::new(s, project, actor).create_agent(req))?))
            .await?;
    reload(&hub, project).await;
    Ok((StatusCode::CREATED, Json(agent)))
}

/// `PATCH …/agents/{id}`: name, role, groups, maximum, active (A8). Deactivated, the agent
/// is signed out everywhere and their conversations go back to their groups.
pub(super) async fn update_agent(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, AgentId)>,
    Json(changes): Json<people::AgentChanges>,
) -> ApiResult<Json<admin::AgentSummary>> {
    let (project, actor) = acting_on(&hub, &headers, &code)?;
    let agent = hub.with_store(|s| Audited::new(s, project, actor).update_agent(id, &changes))?;
    reload(&hub, project).await;
    Ok(Json(agent))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewPassword {
    password: String,
}

/// `PUT …/agents/{id}/password`: the admin sets a new password (to give to the agent); every
/// session of the agent ends.
pub(super) async fn set_password(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, AgentId)>,
    Json(req): Json<NewPassword>,
) -> ApiResult<Json<admin::AgentSummary>> {
    let (project, actor) = acting_on(&hub, &headers, &code)?;
    let h = hub.clone();
    // Off the async threads: the password is hashed (argon2id).
    let agent = blocking(move || {
        Ok(h.with_store(|s| Audited::new(s, project, actor).set_password(id, &req.password))?)
    })
    .await?;
    Ok(Json(agent))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GroupName {
    name: String,
}

/// `PATCH …/groups/{id}`: a new name.
pub(super) async fn rename_group(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, GroupId)>,
    Json(req): Json<GroupName>,
) -> ApiResult<Json<admin::GroupSummary>> {
    let (project, actor) = acting_on(&hub, &headers, &code)?;
    let group = hub.with_store(|s| Audited::new(s, project, actor).rename_group(id, &req.name))?;
    reload(&hub, project).await;
    Ok(Json(group))
}

/// `GET …/canned-responses`: the project's shared ones.
pub(super) async fn canned(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<CannedResponse>>> {
    let project = own_project(&hub, &headers, &code)?;
    Ok(Json(hub.with_store(|s| people::shared_canned(s, project))?))
}

pub(super) async fn update_canned(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, i64)>,
    Json(req): Json<NewCannedRequest>,
) -> ApiResult<Json<CannedResponse>> {
    let (project, actor) = acting_on(&hub, &headers, &code)?;
    Ok(Json(hub.with_store(|s| {
        Audited::new(s, project, actor).update_canned(id, req)
    })?))
}

pub(super) async fn delete_canned(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let (project, actor) = acting_on(&hub, &headers, &code)?;
    hub.with_store(|s| Audited::new(s, project, actor).delete_canned(id))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A canned response shared by the project.
pub(super) async fn create_canned(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(req): Json<NewCannedRequest>,
) -> ApiResult<(StatusCode, Json<CannedResponse>)> {
    let (project, actor) = acting_on(&hub, &headers, &code)?;
    let created = hub.with_store(|s| Audited::new(s, project, actor).create_canned(req))?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub(super) async fn settings(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<ProjectSettings>> {
    let id = own_project(&hub, &headers, &code)?;
    let project = hub
        .with_store(|s| s.project(id))?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no project {code:?}")))?;
    Ok(Json(project.settings))
}

pub(super) async fn put_settings(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(settings): Json<ProjectSettings>,
) -> ApiResult<Json<ProjectSettings>> {
    let (project, actor) = acting_on(&hub, &headers, &code)?;
    hub.with_store(|s| Audited::new(s, project, actor).set_settings(&settings))?;
    reload(&hub, project).await;
    Ok(Json(settings))
}

/// `GET …/configuration`: the project's configuration as one file to download (A10).
pub(super) async fn export_configuration(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<impl axum::response::IntoResponse> {
    let project = own_project(&hub, &headers, &code)?;
    let file = hub.with_store(|s| config_file::export(s, project))?;
    let disposition = format!("attachment; filename=\"pupitre-{code}-configuration.json\"");
    Ok((
        [(axum::http::header::CONTENT_DISPOSITION, disposition)],
        Json(file),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ImportQuery {
    /// Say what the import would change, and change nothing.
    dry_run: bool,
}

/// `POST …/configuration[?dry_run=true]`, body: a configuration file. All of it is applied,
/// or nothing (A10).
pub(super) async fn import_configuration(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<ImportQuery>,
    Json(file): Json<config_file::ConfigFile>,
) -> ApiResult<Json<config_file::ImportReport>> {
    let (project, actor) = acting_on(&hub, &headers, &code)?;
    let report = hub.with_store(|s| Audited::new(s, project, actor).import(&file, q.dry_run))?;
    if !q.dry_run {
        reload(&hub, project).await;
    }
    Ok(Json(report))
}

/// `GET …/audit?action=&actor=&text=&before=&since=&until=&limit=`: the audit log, newest
/// first; `before` (the last id of a page) reads the next page.
pub(super) async fn audit_log(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(filter): Query<audit::Filter>,
) -> ApiResult<Json<AuditPage>> {
    let project = own_project(&hub, &headers, &code)?;
    let entries = hub.with_store(|s| s.audit_log(project, &filter))?;
    let next_before = (entries.len() == filter.limit() as usize)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(Json(AuditPage {
        entries,
        next_before,
    }))
}

#[derive(Debug, Serialize)]
pub(super) struct AuditPage {
    entries: Vec<audit::Entry>,
    /// Pass as `before` for the next page; `null` on the last one.
    next_before: Option<i64>,
}
