//! Who acts in the console and the admin API, and on what (SPEC M4): an admin on their
//! project, a manager on their own groups. Every handler of `/api/admin/projects/{code}/…`
//! starts here; the audit log names the actor as given here (A10).

use axum::http::HeaderMap;
use pupitre_protocol::agent::Role;
use pupitre_protocol::{ErrorCode, GroupId};

use crate::Hub;
use crate::api::caller::caller;
use crate::api::error::{ApiError, ApiResult};
use crate::audit::Actor;
use crate::hub::Command;
use crate::store::ProjectId;

/// What the caller may act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Scope {
    /// An admin: the whole project.
    Project,
    /// A manager: these groups only.
    Groups(Vec<GroupId>),
}

impl Scope {
    /// Whether the caller may act on `group`.
    pub(super) fn covers(&self, group: GroupId) -> bool {
        match self {
            Scope::Project => true,
            Scope::Groups(mine) => mine.contains(&group),
        }
    }

    /// Refused unless the caller may act on `group`.
    pub(super) fn check(&self, group: GroupId) -> ApiResult<()> {
        if self.covers(group) {
            return Ok(());
        }
        Err(ApiError::new(
            ErrorCode::Forbidden,
            "you manage your own groups; this one is not among them",
        ))
    }
}

pub(super) struct Acting {
    pub project: ProjectId,
    pub actor: Actor,
    pub scope: Scope,
}

/// The caller on project `code`, an admin of it or (when `managers`) one of its managers.
pub(super) fn acting(
    hub: &Hub,
    headers: &HeaderMap,
    code: &str,
    managers: bool,
) -> ApiResult<Acting> {
    let c = caller(hub, headers)?;
    let allowed = c.role == Role::Admin || (managers && c.role == Role::Manager);
    if !allowed {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            if managers {
                "this needs the admin or manager role"
            } else {
                "this needs the admin role"
            },
        ));
    }
    let id = hub
        .with_store(|s| s.project_by_code(code))?
        .map(|p| p.id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no project {code:?}")))?;
    if id != c.project {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!("you work in your own project, not {code:?}"),
        ));
    }
    let row = hub
        .with_store(|s| s.agent(c.agent))?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "this account is gone"))?;
    let scope = match c.role {
        Role::Admin => Scope::Project,
        _ => Scope::Groups(row.groups.clone()),
    };
    Ok(Acting {
        project: id,
        actor: Actor {
            id: Some(c.agent),
            name: format!("{} <{}>", row.name, row.email),
        },
        scope,
    })
}

/// The caller on project `code`, if they administer it.
pub(super) fn admin_of(hub: &Hub, headers: &HeaderMap, code: &str) -> ApiResult<Acting> {
    acting(hub, headers, code, false)
}

/// The caller on project `code`, an admin or a manager of it.
pub(super) fn staff_of(hub: &Hub, headers: &HeaderMap, code: &str) -> ApiResult<Acting> {
    acting(hub, headers, code, true)
}

/// Lets the project's writer read again what was changed.
pub(super) async fn reload(hub: &Hub, project: ProjectId) {
    if let Some(h) = hub.project(project) {
        h.send(Command::Reload).await;
    }
}
