//! The admin API, `/api/admin/projects/…`: the settings, the audit log, the configuration
//! file, for the admins of the project (issue 9: tenants apart; managers may read the
//! settings, which their pages show). An admin of one project gets `forbidden` on another's,
//! `not_found` on a project that does not exist. Creating projects is the operator's, on the
//! hub's machine (`pupitre admin project-create`): there is no role above a project's admin
//! over HTTP. People and content are in [`super::people`]. The rules live in
//! [`crate::admin`], shared with the CLI; a change the routing engine must see reloads the
//! project's writer.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use pupitre_protocol::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::Hub;
use crate::admin::{self, Audited, config_file};
use crate::api::caller::admin_caller;
use crate::api::error::{ApiError, ApiResult};
use crate::api::staff::{Acting, admin_of, reload, staff_of};
use crate::audit;
use crate::store::ProjectSettings;

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProjectName {
    name: String,
}

/// `PATCH /api/admin/projects/{code}`: the project's name (A8); its code stays.
pub(super) async fn rename_project(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(req): Json<ProjectName>,
) -> ApiResult<Json<admin::ProjectSummary>> {
    let Acting { project, actor, .. } = admin_of(&hub, &headers, &code)?;
    let renamed = hub.with_store(|s| Audited::new(s, project, actor).rename_project(&req.name))?;
    reload(&hub, project).await;
    Ok(Json(renamed))
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

pub(super) async fn settings(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<ProjectSettings>> {
    let id = staff_of(&hub, &headers, &code)?.project;
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
    let Acting { project, actor, .. } = admin_of(&hub, &headers, &code)?;
    let settings = crate::settings_rules::normalized(&settings);
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
    let project = admin_of(&hub, &headers, &code)?.project;
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
    let Acting { project, actor, .. } = admin_of(&hub, &headers, &code)?;
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
    let project = admin_of(&hub, &headers, &code)?.project;
    // One more than the page: a next page is offered only when there is one.
    let limit = filter.limit();
    let ask = audit::Filter {
        limit: Some(limit + 1),
        ..filter
    };
    let mut entries = hub.with_store(|s| s.audit_log(project, &ask))?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next_before = more.then(|| entries.last().map(|e| e.id)).flatten();
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
