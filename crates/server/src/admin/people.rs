//! People and content (SPEC A8) beyond creation: an agent's name, role, groups, maximum and
//! whether they may sign in; a new password; a group's name; the project's shared canned
//! responses. Validation lives here, for the API and the CLI alike.
//!
//! An admin cannot lock the project out: the last active admin is never demoted nor
//! deactivated, and nobody deactivates or demotes their own account.

use pupitre_protocol::agent::Role;
use pupitre_protocol::{AgentId, GroupId};
use serde::Deserialize;

use super::{
    AgentSummary, GroupSummary, NewCannedRequest, Result, check_name, invalid, invalid_field,
    resolve_groups,
};
use crate::auth;
use crate::store::{AgentRow, AgentUpdate, CannedResponse, ProjectId, Store, StoreError};

/// What an admin changes of an agent; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub slot_max: Option<u32>,
    /// Group names or ids: the agent's whole list.
    pub groups: Option<Vec<String>>,
    /// `false`: deactivate (history kept, sign-in refused, conversations sent back to their
    /// groups); `true`: activate again.
    pub active: Option<bool>,
    /// The channels the agent works on (at least one, each once).
    pub channels: Option<Vec<pupitre_protocol::Channel>>,
}

/// The project's agent `id`.
pub(super) fn agent_of(store: &mut dyn Store, project: ProjectId, id: AgentId) -> Result<AgentRow> {
    store
        .agent(id)?
        .filter(|a| a.project_id == project)
        .ok_or_else(|| StoreError::NotFound(format!("agent {id}")).into())
}

pub(super) fn summary(a: AgentRow) -> AgentSummary {
    AgentSummary {
        id: a.id,
        email: a.email,
        name: a.name,
        role: a.role,
        slot_max: a.slot_max,
        groups: a.groups,
        active: a.active,
        channels: a.channels,
    }
}

/// Changes agent `id` on behalf of `by` (an admin's own account, or `None` for the operator).
pub fn update_agent(
    store: &mut dyn Store,
    project: ProjectId,
    id: AgentId,
    changes: &AgentChanges,
    by: Option<AgentId>,
) -> Result<AgentSummary> {
    let row = agent_of(store, project, id)?;
    if let Some(name) = &changes.name {
        check_name("name", "the agent name", name)?;
    }
    let slot_max = changes.slot_max.unwrap_or(row.slot_max);
    if !(1..=crate::settings_rules::MOST_SLOTS).contains(&slot_max) {
        return invalid_field(
            "slot_max",
            format!(
                "the slot maximum is between 1 and {}",
                crate::settings_rules::MOST_SLOTS
            ),
        );
    }
    let role = changes.role.unwrap_or(row.role);
    let active = changes.active.unwrap_or(row.active);
    let loses_admin = row.role == Role::Admin && row.active && (role != Role::Admin || !active);
    if loses_admin {
        if by == Some(id) {
            return invalid(
                "you cannot deactivate your own account or give up your own admin role",
            );
        }
        let admins = store
            .agents(project)?
            .into_iter()
            .filter(|a| a.role == Role::Admin && a.active && a.id != id)
            .count();
        if admins == 0 {
            return invalid("the project needs at least one active admin: make another one first");
        }
    }
    let groups = match &changes.groups {
        Some(names) => resolve_groups(store, project, names)?,
        None => row.groups.clone(),
    };
    let channels = match &changes.channels {
        Some(list) => super::checked_channels(list)?,
        None => row.channels.clone(),
    };
    store.update_agent(&AgentUpdate {
        id,
        name: changes.name.clone().unwrap_or(row.name),
        role,
        slot_max,
        groups,
        active,
        channels,
    })?;
    Ok(summary(agent_of(store, project, id)?))
}

/// A new password for agent `id`, typed by the admin (given to the agent by them); every
/// session of the agent ends.
pub fn set_password(
    store: &mut dyn Store,
    project: ProjectId,
    id: AgentId,
    password: &str,
) -> Result<AgentSummary> {
    let row = agent_of(store, project, id)?;
    if password.chars().count() < 8 {
        return invalid_field("password", "a password has at least 8 characters");
    }
    if password.len() > 1024 {
        return invalid_field("password", "a password has at most 1,024 characters");
    }
    store.set_password_hash(id, &auth::hash_password(password), crate::clock::now_ms())?;
    Ok(summary(row))
}

pub fn rename_group(
    store: &mut dyn Store,
    project: ProjectId,
    id: GroupId,
    name: &str,
) -> Result<GroupSummary> {
    check_name("name", "the group name", name)?;
    let row = store
        .groups(project)?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or_else(|| StoreError::NotFound(format!("group {id}")))?;
    store.rename_group(id, name.trim())?;
    Ok(GroupSummary {
        id,
        name: name.trim().to_owned(),
        hours: row.hours,
    })
}

/// The project's shared canned responses (not the agents' own).
pub fn shared_canned(store: &mut dyn Store, project: ProjectId) -> Result<Vec<CannedResponse>> {
    Ok(store
        .canned_responses(project, None)?
        .into_iter()
        .filter(|c| c.agent_id.is_none())
        .collect())
}

pub fn update_canned(
    store: &mut dyn Store,
    project: ProjectId,
    id: i64,
    req: NewCannedRequest,
) -> Result<CannedResponse> {
    if !shared_canned(store, project)?.iter().any(|c| c.id == id) {
        return Err(StoreError::NotFound(format!("canned response {id}")).into());
    }
    let mut canned = super::checked_canned(store, project, None, req)?;
    canned.id = id;
    store.update_canned_response(project, &canned)?;
    Ok(canned)
}

pub fn delete_canned(store: &mut dyn Store, project: ProjectId, id: i64) -> Result<CannedResponse> {
    let canned = shared_canned(store, project)?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| StoreError::NotFound(format!("canned response {id}")))?;
    store.delete_canned_response(project, id)?;
    Ok(canned)
}
