//! People and content over HTTP (SPEC A8, M4): groups and their opening hours, agents,
//! shared canned responses. An admin acts on the whole project; a manager reads their own
//! groups and their agents, sets their groups' hours and shares canned responses with them.
//! Every change is audited and applied to the running hub at once (A10).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use pupitre_protocol::{AgentId, ErrorCode, GroupId};
use serde::Deserialize;

use crate::Hub;
use crate::admin::{self, Audited, NewAgentRequest, NewCannedRequest, people};
use crate::api::error::{ApiError, ApiResult, blocking};
use crate::api::staff::{Scope, admin_of, reload, staff_of};
use crate::store::CannedResponse;

/// The caller's groups: all of an admin's project, a manager's own.
pub(super) async fn groups(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<admin::GroupSummary>>> {
    let a = staff_of(&hub, &headers, &code)?;
    let all = hub.with_store(|s| admin::list_groups(s, a.project))?;
    Ok(Json(
        all.into_iter().filter(|g| a.scope.covers(g.id)).collect(),
    ))
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
    let a = admin_of(&hub, &headers, &code)?;
    let group = hub.with_store(|s| {
        Audited::new(s, a.project, a.actor).create_group(&req.name, req.hours.as_ref())
    })?;
    reload(&hub, a.project).await;
    Ok((StatusCode::CREATED, Json(group)))
}

/// `PUT …/groups/{id}/hours`, body: the weekly hours with their exceptions, or `null` for a
/// group always open (A6, A11); an admin, or a manager of the group. Routing uses them at
/// once.
pub(super) async fn put_group_hours(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path((code, group)): Path<(String, GroupId)>,
    Json(hours): Json<Option<pupitre_routing::hours::WeeklyHours>>,
) -> ApiResult<Json<admin::GroupSummary>> {
    let a = staff_of(&hub, &headers, &code)?;
    a.scope.check(group)?;
    let group = hub.with_store(|s| {
        Audited::new(s, a.project, a.actor).set_group_hours(group, hours.as_ref())
    })?;
    reload(&hub, a.project).await;
    Ok(Json(group))
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
    let a = admin_of(&hub, &headers, &code)?;
    let group =
        hub.with_store(|s| Audited::new(s, a.project, a.actor).rename_group(id, &req.name))?;
    reload(&hub, a.project).await;
    Ok(Json(group))
}

/// The project's agents; a manager's: those of their groups.
pub(super) async fn agents(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<admin::AgentSummary>>> {
    let a = staff_of(&hub, &headers, &code)?;
    let all = hub.with_store(|s| admin::list_agents(s, a.project))?;
    Ok(Json(
        all.into_iter()
            .filter(|agent| match &a.scope {
                Scope::Project => true,
                Scope::Groups(_) => agent.groups.iter().any(|g| a.scope.covers(*g)),
            })
            .collect(),
    ))
}

pub(super) async fn create_agent(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(req): Json<NewAgentRequest>,
) -> ApiResult<(StatusCode, Json<admin::AgentSummary>)> {
    let a = admin_of(&hub, &headers, &code)?;
    let project = a.project;
    let h = hub.clone();
    // Off the async threads: the password is hashed (argon2id).
    let agent =
        blocking(
            move || Ok(h.with_store(|s| Audited::new(s, project, a.actor).create_agent(req))?),
        )
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
    let a = admin_of(&hub, &headers, &code)?;
    let agent =
        hub.with_store(|s| Audited::new(s, a.project, a.actor).update_agent(id, &changes))?;
    reload(&hub, a.project).await;
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
    let a = admin_of(&hub, &headers, &code)?;
    let project = a.project;
    let h = hub.clone();
    // Off the async threads: the password is hashed (argon2id).
    let agent = blocking(move || {
        Ok(h.with_store(|s| Audited::new(s, project, a.actor).set_password(id, &req.password))?)
    })
    .await?;
    // Desks still connected with the old password close.
    reload(&hub, project).await;
    Ok(Json(agent))
}

/// A manager shares canned responses with one of their groups, never with the project.
fn check_canned_scope(scope: &Scope, group: Option<GroupId>) -> ApiResult<()> {
    match (scope, group) {
        (Scope::Project, _) => Ok(()),
        (Scope::Groups(_), Some(g)) => scope.check(g),
        (Scope::Groups(_), None) => Err(ApiError::new(
            ErrorCode::Forbidden,
            "a manager shares canned responses with one of their groups: choose it",
        )),
    }
}

/// `GET …/canned-responses`: the shared ones the caller may edit (a manager: their groups').
pub(super) async fn canned(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<CannedResponse>>> {
    let a = staff_of(&hub, &headers, &code)?;
    let all = hub.with_store(|s| people::shared_canned(s, a.project))?;
    Ok(Json(
        all.into_iter()
            .filter(|c| check_canned_scope(&a.scope, c.group_id).is_ok())
            .collect(),
    ))
}

/// A canned response shared by the project, or by one group.
pub(super) async fn create_canned(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(req): Json<NewCannedRequest>,
) -> ApiResult<(StatusCode, Json<CannedResponse>)> {
    let a = staff_of(&hub, &headers, &code)?;
    check_canned_scope(&a.scope, req.group)?;
    let created = hub.with_store(|s| Audited::new(s, a.project, a.actor).create_canned(req))?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// A manager edits only their groups' canned responses: checked on the response as it is,
/// in the change's own transaction.
fn scope_of(scope: &Scope) -> impl FnOnce(&CannedResponse) -> Result<(), admin::AdminError> + '_ {
    move |c| {
        check_canned_scope(scope, c.group_id).map_err(|_| {
            admin::AdminError::Forbidden(
                "you manage your own groups' canned responses; this one is not among them".into(),
            )
        })
    }
}

pub(super) async fn update_canned(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, i64)>,
    Json(req): Json<NewCannedRequest>,
) -> ApiResult<Json<CannedResponse>> {
    let a = staff_of(&hub, &headers, &code)?;
    check_canned_scope(&a.scope, req.group)?;
    let scope = a.scope.clone();
    Ok(Json(hub.with_store(|s| {
        Audited::new(s, a.project, a.actor).update_canned(id, req, scope_of(&scope))
    })?))
}

pub(super) async fn delete_canned(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let a = staff_of(&hub, &headers, &code)?;
    let scope = a.scope.clone();
    hub.with_store(|s| Audited::new(s, a.project, a.actor).delete_canned(id, scope_of(&scope)))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET …/knowledge?q=&language=`: the project's knowledge articles, newest first (A8); a
/// manager reads them too.
pub(super) async fn knowledge(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(search): Query<admin::knowledge::Search>,
) -> ApiResult<Json<Vec<admin::knowledge::Article>>> {
    let a = staff_of(&hub, &headers, &code)?;
    Ok(Json(hub.with_store(|s| {
        admin::knowledge::search(s, a.project, &search)
    })?))
}

pub(super) async fn create_article(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(req): Json<admin::knowledge::ArticleRequest>,
) -> ApiResult<(StatusCode, Json<admin::knowledge::Article>)> {
    let a = admin_of(&hub, &headers, &code)?;
    let created = hub.with_store(|s| Audited::new(s, a.project, a.actor).create_article(req))?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub(super) async fn update_article(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, i64)>,
    Json(req): Json<admin::knowledge::ArticleRequest>,
) -> ApiResult<Json<admin::knowledge::Article>> {
    let a = admin_of(&hub, &headers, &code)?;
    Ok(Json(hub.with_store(|s| {
        Audited::new(s, a.project, a.actor).update_article(id, req)
    })?))
}

pub(super) async fn delete_article(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let a = admin_of(&hub, &headers, &code)?;
    hub.with_store(|s| Audited::new(s, a.project, a.actor).delete_article(id))?;
    Ok(StatusCode::NO_CONTENT)
}
