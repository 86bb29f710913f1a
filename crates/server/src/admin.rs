//! Administration shared by `pupitre admin …` and the HTTP admin API (SPEC A1–A8): validation
//! lives here once.

use pupitre_protocol::agent::Role;
use pupitre_protocol::{AgentId, GroupId};
use pupitre_routing::hours::WeeklyHours;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::auth;
use crate::store::{CannedResponse, NewAgent, ProjectId, ProjectSettings, Store, StoreError};

mod audited;
pub mod config_file;
pub mod knowledge;
pub mod people;
pub use audited::Audited;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    /// Outside what the caller may change (a manager's groups).
    #[error("{0}")]
    Forbidden(String),
    /// Settings refused field by field (`path: message`, one per line).
    #[error("{}", .0.iter().map(|e| format!("{}: {}", e.path, e.message)).collect::<Vec<_>>().join("\n"))]
    Fields(Vec<crate::settings_rules::FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AdminError {
    /// The same refusal, its fields named under `prefix` (`groups.2` + `hours.days.0.1`): for
    /// a part of a larger document, such as an entry of a configuration file.
    pub fn under(self, prefix: &str) -> Self {
        match self {
            AdminError::Fields(list) => AdminError::Fields(
                list.into_iter()
                    .map(|mut f| {
                        f.path = format!("{prefix}.{}", f.path);
                        f
                    })
                    .collect(),
            ),
            other => other,
        }
    }
}

type Result<T> = std::result::Result<T, AdminError>;

fn invalid<T>(msg: impl Into<String>) -> Result<T> {
    Err(AdminError::Invalid(msg.into()))
}

/// Refused for one field, named by its path in the request (`email`, `slot_max`): the API
/// answers it under `fields`, as for settings.
fn invalid_field<T>(path: &str, msg: impl Into<String>) -> Result<T> {
    Err(AdminError::Fields(vec![
        crate::settings_rules::FieldError {
            path: path.to_owned(),
            message: msg.into(),
        },
    ]))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectSummary {
    pub id: ProjectId,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct GroupSummary {
    pub id: GroupId,
    pub name: String,
    pub hours: Option<WeeklyHours>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AgentSummary {
    pub id: AgentId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub slot_max: u32,
    pub groups: Vec<GroupId>,
    /// A8: `false` once deactivated.
    pub active: bool,
    /// A8: the channels the agent works on.
    pub channels: Vec<pupitre_protocol::Channel>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewAgentRequest {
    pub email: String,
    pub name: String,
    pub password: String,
    #[serde(default = "default_role")]
    pub role: Role,
    /// A1; the project's default when absent.
    pub slot_max: Option<u32>,
    /// Group names or ids.
    #[serde(default)]
    pub groups: Vec<String>,
}

fn default_role() -> Role {
    Role::Agent
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewCannedRequest {
    pub theme: String,
    pub title: String,
    pub body: String,
    pub shortcut: Option<String>,
    #[serde(default = "default_language")]
    pub language: String,
    /// A8: for this group's agents only (a shared one); the project's when absent.
    #[serde(default)]
    pub group: Option<GroupId>,
}

fn default_language() -> String {
    "en".into()
}

/// Project codes prefix conversation numbers (`DEMO-1042`): capitals and digits only.
pub fn check_code(code: &str) -> Result<()> {
    if code.is_empty()
        || code.len() > 16
        || !code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return invalid("a project code is 1 to 16 capital letters or digits, e.g. DEMO");
    }
    Ok(())
}

/// A name of 1 to 200 characters, refused under the field `path`.
fn check_name(path: &str, what: &str, name: &str) -> Result<()> {
    if name.trim().is_empty() || name.chars().count() > 200 {
        return invalid_field(path, format!("{what} must be 1 to 200 characters"));
    }
    Ok(())
}

pub fn create_project(store: &mut dyn Store, code: &str, name: &str) -> Result<ProjectId> {
    check_code(code)?;
    check_name("name", "the project name", name)?;
    Ok(store.create_project(code, name, &ProjectSettings::default())?)
}

pub fn list_projects(store: &mut dyn Store) -> Result<Vec<ProjectSummary>> {
    Ok(store
        .projects()?
        .into_iter()
        .map(|p| ProjectSummary {
            id: p.id,
            code: p.code,
            name: p.name,
        })
        .collect())
}

pub fn create_group(
    store: &mut dyn Store,
    project: ProjectId,
    name: &str,
    hours: Option<&WeeklyHours>,
) -> Result<GroupSummary> {
    check_name("name", "the group name", name)?;
    if let Some(h) = hours {
        check_hours(h)?;
    }
    let id = store.create_group(project, name, hours)?;
    Ok(GroupSummary {
        id,
        name: name.to_owned(),
        hours: hours.cloned(),
    })
}

/// A6, A11: each range within its day, no overlap, exception dates once each; the errors
/// name their field (`hours.days.0.1`).
fn check_hours(hours: &WeeklyHours) -> Result<()> {
    let problems = hours.problems();
    if problems.is_empty() {
        return Ok(());
    }
    Err(AdminError::Fields(
        problems
            .into_iter()
            .map(|(path, message)| crate::settings_rules::FieldError { path, message })
            .collect(),
    )
    .under("hours"))
}

/// A6: a group's opening hours (`None`: always open, R11).
pub fn set_group_hours(
    store: &mut dyn Store,
    project: ProjectId,
    group: GroupId,
    hours: Option<&WeeklyHours>,
) -> Result<GroupSummary> {
    if let Some(h) = hours {
        check_hours(h)?;
    }
    let row = store
        .groups(project)?
        .into_iter()
        .find(|g| g.id == group)
        .ok_or_else(|| StoreError::NotFound(format!("group {group}")))?;
    store.set_group_hours(group, hours)?;
    Ok(GroupSummary {
        id: group,
        name: row.name,
        hours: hours.cloned(),
    })
}

pub fn list_groups(store: &mut dyn Store, project: ProjectId) -> Result<Vec<GroupSummary>> {
    Ok(store
        .groups(project)?
        .into_iter()
        .map(|g| GroupSummary {
            id: g.id,
            name: g.name,
            hours: g.hours,
        })
        .collect())
}

pub fn create_agent(
    store: &mut dyn Store,
    project: ProjectId,
    req: NewAgentRequest,
) -> Result<AgentSummary> {
    let email = req.email.trim().to_owned();
    if !email.contains('@') || email.len() > 254 {
        return invalid_field("email", "the e-mail address is not valid");
    }
    check_name("name", "the agent name", &req.name)?;
    if req.password.chars().count() < 8 {
        return invalid_field("password", "a password has at least 8 characters");
    }
    let settings = store
        .project(project)?
        .ok_or_else(|| StoreError::NotFound(format!("project {project}")))?
        .settings;
    let slot_max = req.slot_max.unwrap_or(settings.default_slot_max);
    if !(1..=50).contains(&slot_max) {
        return invalid_field("slot_max", "the slot maximum is between 1 and 50");
    }
    let ids = resolve_groups(store, project, &req.groups)?;
    let password_hash = auth::hash_password(&req.password);
    let id = store.create_agent(&NewAgent {
        project_id: project,
        email: email.clone(),
        name: req.name.clone(),
        password_hash,
        role: req.role,
        slot_max,
        groups: ids.clone(),
    })?;
    Ok(AgentSummary {
        id,
        email,
        name: req.name,
        role: req.role,
        slot_max,
        groups: ids,
        active: true,
        channels: vec![pupitre_protocol::Channel::Chat],
    })
}

/// A8: the channels of an agent: at least one, each once.
fn checked_channels(list: &[pupitre_protocol::Channel]) -> Result<Vec<pupitre_protocol::Channel>> {
    let mut out = Vec::new();
    for c in list {
        if !out.contains(c) {
            out.push(*c);
        }
    }
    if out.is_empty() {
        return invalid_field("channels", "an agent works on at least one channel");
    }
    Ok(out)
}

/// A8: a project's name, as an admin sets it.
pub fn rename_project(
    store: &mut dyn Store,
    project: ProjectId,
    name: &str,
) -> Result<ProjectSummary> {
    check_name("name", "the project name", name)?;
    let row = store
        .project(project)?
        .ok_or_else(|| StoreError::NotFound(format!("project {project}")))?;
    store.rename_project(project, name.trim())?;
    Ok(ProjectSummary {
        id: project,
        code: row.code,
        name: name.trim().to_owned(),
    })
}

/// Group names or ids of the project, as ids.
fn resolve_groups(
    store: &mut dyn Store,
    project: ProjectId,
    names: &[String],
) -> Result<Vec<GroupId>> {
    let groups = store.groups(project)?;
    let mut ids = vec![];
    for g in names {
        match groups
            .iter()
            .find(|row| row.name == *g || row.id.to_string() == *g)
        {
            Some(row) if !ids.contains(&row.id) => ids.push(row.id),
            Some(_) => {}
            None => return invalid_field("groups", format!("no group {g:?} in this project")),
        }
    }
    Ok(ids)
}

pub fn list_agents(store: &mut dyn Store, project: ProjectId) -> Result<Vec<AgentSummary>> {
    Ok(store
        .agents(project)?
        .into_iter()
        .map(|a| AgentSummary {
            id: a.id,
            email: a.email,
            name: a.name,
            role: a.role,
            slot_max: a.slot_max,
            groups: a.groups,
            active: a.active,
            channels: a.channels,
        })
        .collect())
}

pub fn create_canned(
    store: &mut dyn Store,
    project: ProjectId,
    agent: Option<AgentId>,
    req: NewCannedRequest,
) -> Result<CannedResponse> {
    let mut canned = checked_canned(store, project, agent, req)?;
    canned.id = store.create_canned_response(project, &canned)?;
    Ok(canned)
}

/// A canned response as stored, once its fields are checked (id 0 until stored).
fn checked_canned(
    store: &mut dyn Store,
    project: ProjectId,
    agent: Option<AgentId>,
    req: NewCannedRequest,
) -> Result<CannedResponse> {
    if let Some(g) = req.group {
        if agent.is_some() {
            return invalid_field(
                "group",
                "an agent's own canned response belongs to no group",
            );
        }
        if !store.groups(project)?.iter().any(|row| row.id == g) {
            return invalid_field("group", format!("no group {g} in this project"));
        }
    }
    check_name("theme", "the theme", &req.theme)?;
    check_name("title", "the title", &req.title)?;
    if req.body.trim().is_empty() || req.body.chars().count() > 10_000 {
        return invalid_field("body", "the body must be 1 to 10,000 characters");
    }
    if let Some(s) = &req.shortcut
        && (!s.starts_with('/') || s.len() < 2 || s.chars().any(char::is_whitespace))
    {
        return invalid_field(
            "shortcut",
            "a shortcut starts with / and has no spaces, e.g. /hello",
        );
    }
    Ok(CannedResponse {
        id: 0,
        agent_id: agent,
        group_id: req.group,
        theme: req.theme,
        shortcut: req.shortcut,
        language: req.language,
        title: req.title,
        body: req.body,
    })
}

/// Validates and stores the project's settings.
pub fn set_settings(
    store: &mut dyn Store,
    project: ProjectId,
    settings: &ProjectSettings,
) -> Result<()> {
    let settings = &crate::settings_rules::normalized(settings);
    let problems = crate::settings_rules::check(settings);
    if !problems.is_empty() {
        return Err(AdminError::Fields(problems));
    }
    Ok(store.update_settings(project, settings)?)
}

/// Sets one value of the settings by a dotted path (`routing.queue_per_agent`), for the CLI.
/// The value is JSON, or a plain string.
pub fn set_setting_path(
    store: &mut dyn Store,
    project: ProjectId,
    path: &str,
    value: &str,
) -> Result<ProjectSettings> {
    let current = store
        .project(project)?
        .ok_or_else(|| StoreError::NotFound(format!("project {project}")))?
        .settings;
    let settings = with_setting_path(&current, path, value)?;
    set_settings(store, project, &settings)?;
    Ok(settings)
}

/// `current` with one value set by its dotted path; the value is JSON, or a plain string.
fn with_setting_path(
    current: &ProjectSettings,
    path: &str,
    value: &str,
) -> Result<ProjectSettings> {
    let mut doc = serde_json::to_value(current).map_err(StoreError::from)?;
    let mut slot = &mut doc;
    for key in path.split('.') {
        slot = match slot.get_mut(key) {
            Some(s) => s,
            None => return invalid(format!("no setting {path:?}")),
        };
    }
    *slot =
        serde_json::from_str(value).unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
    serde_json::from_value(doc).map_err(|e| AdminError::Invalid(format!("{path}: {e}")))
}
