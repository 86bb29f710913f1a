//! Changes of a project's configuration made by someone (the console, the admin API,
//! `pupitre admin …`): each one validated by [`crate::admin`], then stored in one transaction
//! with its audit entry and a new configuration generation (SPEC A10), which a running hub
//! notices within a second.

use serde::Serialize;
use serde_json::Value;

use super::people;
use super::{
    AgentSummary, GroupSummary, NewAgentRequest, NewCannedRequest, Result, create_agent,
    create_canned, create_group, set_group_hours, set_settings, with_setting_path,
};
use crate::audit::{self, Actor, Change, NewEntry};
use crate::store::{CannedResponse, ProjectId, ProjectSettings, Store, StoreError};
use pupitre_protocol::{AgentId, GroupId};
use pupitre_routing::hours::WeeklyHours;

pub struct Audited<'a> {
    store: &'a mut dyn Store,
    project: ProjectId,
    actor: Actor,
}

impl<'a> Audited<'a> {
    pub fn new(store: &'a mut dyn Store, project: ProjectId, actor: Actor) -> Self {
        Self {
            store,
            project,
            actor,
        }
    }

    /// Runs `change` and writes its entry in the same transaction; nothing of it stays if
    /// either fails. No entry (and nothing changed) when `changes` finds none.
    fn run<T>(
        &mut self,
        action: &str,
        change: impl FnOnce(&mut dyn Store) -> Result<T>,
        entry: impl FnOnce(&T) -> (String, Vec<Change>),
    ) -> Result<T> {
        self.store.begin_audited()?;
        let done = change(&mut *self.store);
        let value = match done {
            Ok(v) => v,
            Err(e) => {
                self.store.finish_audited(self.project, None)?;
                return Err(e);
            }
        };
        let (target, changes) = entry(&value);
        let entry = (!changes.is_empty()).then(|| NewEntry {
            at: crate::clock::now_ms(),
            actor: self.actor.clone(),
            action: action.to_owned(),
            target,
            changes,
        });
        match &entry {
            Some(e) => self.store.finish_audited(self.project, Some(e))?,
            // Nothing changed: nothing to keep either.
            None => self.store.finish_audited(self.project, None)?,
        }
        Ok(value)
    }

    pub fn create_group(
        &mut self,
        name: &str,
        hours: Option<&WeeklyHours>,
    ) -> Result<GroupSummary> {
        let project = self.project;
        self.run(
            "group.create",
            |s| create_group(s, project, name, hours),
            |g| (g.name.clone(), audit::created(&json(g))),
        )
    }

    /// A6: a group's opening hours; the entry holds the ranges before and after.
    pub fn set_group_hours(
        &mut self,
        group: GroupId,
        hours: Option<&WeeklyHours>,
    ) -> Result<GroupSummary> {
        let project = self.project;
        let before = self
            .store
            .groups(project)?
            .into_iter()
            .find(|g| g.id == group)
            .map(|g| g.hours);
        self.run(
            "group.hours",
            |s| set_group_hours(s, project, group, hours),
            |g| {
                let before = json(&before.flatten());
                let changes = audit::diff(
                    &json(&serde_json::json!({ "hours": before })),
                    &json(&serde_json::json!({ "hours": g.hours })),
                );
                (g.name.clone(), changes)
            },
        )
    }

    pub fn create_agent(&mut self, req: NewAgentRequest) -> Result<AgentSummary> {
        let project = self.project;
        self.run(
            "agent.create",
            |s| create_agent(s, project, req),
            // The summary has no password: the log never holds one.
            |a| (a.email.clone(), audit::created(&json(a))),
        )
    }

    /// An agent's name, role, groups, maximum, or whether they may sign in (A8).
    pub fn update_agent(
        &mut self,
        id: AgentId,
        changes: &people::AgentChanges,
    ) -> Result<AgentSummary> {
        let project = self.project;
        let by = self.actor.id;
        let before = people::summary(people::agent_of(&mut *self.store, project, id)?);
        self.run(
            "agent.update",
            |s| people::update_agent(s, project, id, changes, by),
            |after| {
                (
                    after.email.clone(),
                    audit::diff(&json(&before), &json(after)),
                )
            },
        )
    }

    /// A new password for an agent; the log says it changed, never what it is.
    pub fn set_password(&mut self, id: AgentId, password: &str) -> Result<AgentSummary> {
        let project = self.project;
        self.run(
            "agent.password",
            |s| people::set_password(s, project, id, password),
            |a| {
                (
                    a.email.clone(),
                    vec![Change {
                        path: "password".into(),
                        before: Value::Null,
                        after: Value::String("changed; every session ended".into()),
                    }],
                )
            },
        )
    }

    pub fn rename_group(&mut self, id: GroupId, name: &str) -> Result<GroupSummary> {
        let project = self.project;
        let before = self
            .store
            .groups(project)?
            .into_iter()
            .find(|g| g.id == id)
            .map(|g| g.name);
        self.run(
            "group.rename",
            |s| people::rename_group(s, project, id, name),
            |g| {
                let changes = audit::diff(
                    &serde_json::json!({ "name": before }),
                    &serde_json::json!({ "name": g.name }),
                );
                (g.name.clone(), changes)
            },
        )
    }

    pub fn update_canned(&mut self, id: i64, req: NewCannedRequest) -> Result<CannedResponse> {
        let project = self.project;
        let before = people::shared_canned(&mut *self.store, project)?
            .into_iter()
            .find(|c| c.id == id);
        self.run(
            "canned.update",
            |s| people::update_canned(s, project, id, req),
            |c| (c.title.clone(), audit::diff(&json(&before), &json(c))),
        )
    }

    pub fn delete_canned(&mut self, id: i64) -> Result<CannedResponse> {
        let project = self.project;
        self.run(
            "canned.delete",
            |s| people::delete_canned(s, project, id),
            |c| (c.title.clone(), audit::deleted(&json(c))),
        )
    }

    /// A canned response shared by the project.
    pub fn create_canned(&mut self, req: NewCannedRequest) -> Result<CannedResponse> {
        let project = self.project;
        self.run(
            "canned.create",
            |s| create_canned(s, project, None, req),
            |c| (c.title.clone(), audit::created(&json(c))),
        )
    }

    /// The whole settings document; the entry lists the paths that changed.
    pub fn set_settings(&mut self, settings: &ProjectSettings) -> Result<Vec<Change>> {
        let settings = &crate::settings_rules::normalized(settings);
        let project = self.project;
        let before = self
            .store
            .project(project)?
            .ok_or_else(|| StoreError::NotFound(format!("project {project}")))?
            .settings;
        let changes = audit::diff(&json(&before), &json(settings));
        let logged = changes.clone();
        self.run(
            "settings.update",
            |s| set_settings(s, project, settings),
            move |()| ("settings".to_owned(), logged),
        )?;
        Ok(changes)
    }

    /// A whole configuration file (A10), in one transaction: all of it or nothing. With `dry`,
    /// nothing is kept and nothing logged: the report says what it would do.
    pub fn import(
        &mut self,
        file: &super::config_file::ConfigFile,
        dry: bool,
    ) -> Result<super::config_file::ImportReport> {
        let project = self.project;
        if dry {
            self.store.begin_audited()?;
            let report = super::config_file::import(&mut *self.store, project, file);
            self.store.finish_audited(project, None)?;
            return report;
        }
        self.run(
            "config.import",
            |s| super::config_file::import(s, project, file),
            |r| {
                (
                    file.project.clone().unwrap_or_else(|| "a file".into()),
                    r.changes(),
                )
            },
        )
    }

    /// One value of the settings by its dotted path (the CLI).
    pub fn set_setting_path(&mut self, path: &str, value: &str) -> Result<ProjectSettings> {
        let current = self
            .store
            .project(self.project)?
            .ok_or_else(|| StoreError::NotFound(format!("project {}", self.project)))?
            .settings;
        let settings = with_setting_path(&current, path, value)?;
        self.set_settings(&settings)?;
        Ok(settings)
    }
}

fn json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
