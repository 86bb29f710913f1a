//! Changes of a project's configuration made by someone (the console, the admin API,
//! `pupitre admin …`): each one validated by [`crate::admin`], then stored in one transaction
//! with its audit entry and a new configuration generation (SPEC A10), which a running hub
//! notices within a second. What a change is compared with is read inside that transaction:
//! a change made meanwhile by someone else is never hidden by a stale "before".

use serde::Serialize;
use serde_json::Value;

use super::{
    AgentSummary, GroupSummary, NewAgentRequest, NewCannedRequest, Result, create_agent,
    create_canned, create_group, set_group_hours, set_settings, with_setting_path,
};
use super::{knowledge, people};
use crate::audit::{self, Actor, Change, NewEntry};
use crate::store::{CannedResponse, ProjectId, ProjectSettings, Store, StoreError};
use pupitre_protocol::{AgentId, GroupId};
use pupitre_routing::hours::WeeklyHours;

pub struct Audited<'a> {
    store: &'a mut dyn Store,
    project: ProjectId,
    actor: Actor,
}

/// What a change did: its result, what it was done to, what changed.
struct Done<T> {
    value: T,
    target: String,
    changes: Vec<Change>,
}

impl<'a> Audited<'a> {
    pub fn new(store: &'a mut dyn Store, project: ProjectId, actor: Actor) -> Self {
        Self {
            store,
            project,
            actor,
        }
    }

    /// Runs `change` inside one transaction with its entry; nothing of it stays if either
    /// fails. No entry (and nothing kept) when it changed nothing.
    fn run<T>(
        &mut self,
        action: &str,
        change: impl FnOnce(&mut dyn Store) -> Result<Done<T>>,
    ) -> Result<T> {
        self.store.begin_audited()?;
        let done = match change(&mut *self.store) {
            Ok(done) => done,
            Err(e) => {
                // The change's own error is the one to tell, even if undoing it failed too.
                if let Err(undo) = self.store.finish_audited(self.project, None) {
                    tracing::error!(error = %undo, "undoing a refused change failed");
                }
                return Err(e);
            }
        };
        let entry = (!done.changes.is_empty()).then(|| NewEntry {
            at: crate::clock::now_ms(),
            actor: self.actor.clone(),
            action: action.to_owned(),
            target: done.target,
            changes: done.changes,
        });
        // Without an entry nothing changed: nothing to keep either.
        self.store.finish_audited(self.project, entry.as_ref())?;
        Ok(done.value)
    }

    pub fn create_group(
        &mut self,
        name: &str,
        hours: Option<&WeeklyHours>,
    ) -> Result<GroupSummary> {
        let project = self.project;
        self.run("group.create", |s| {
            let g = create_group(s, project, name, hours)?;
            Ok(Done {
                target: g.name.clone(),
                changes: audit::created(&json(&g)),
                value: g,
            })
        })
    }

    /// A6: a group's opening hours; the entry holds the ranges before and after.
    pub fn set_group_hours(
        &mut self,
        group: GroupId,
        hours: Option<&WeeklyHours>,
    ) -> Result<GroupSummary> {
        let project = self.project;
        self.run("group.hours", |s| {
            let before = s
                .groups(project)?
                .into_iter()
                .find(|g| g.id == group)
                .and_then(|g| g.hours);
            let g = set_group_hours(s, project, group, hours)?;
            Ok(Done {
                target: g.name.clone(),
                changes: audit::diff(
                    &serde_json::json!({ "hours": before }),
                    &serde_json::json!({ "hours": g.hours }),
                ),
                value: g,
            })
        })
    }

    pub fn create_agent(&mut self, req: NewAgentRequest) -> Result<AgentSummary> {
        let project = self.project;
        self.run("agent.create", |s| {
            let a = create_agent(s, project, req)?;
            Ok(Done {
                target: a.email.clone(),
                // The summary has no password: the log never holds one.
                changes: audit::created(&json(&a)),
                value: a,
            })
        })
    }

    /// An agent's name, role, groups, maximum, or whether they may sign in (A8).
    pub fn update_agent(
        &mut self,
        id: AgentId,
        changes: &people::AgentChanges,
    ) -> Result<AgentSummary> {
        let project = self.project;
        let by = self.actor.id;
        self.run("agent.update", |s| {
            let before = people::summary(people::agent_of(s, project, id)?);
            let after = people::update_agent(s, project, id, changes, by)?;
            Ok(Done {
                target: after.email.clone(),
                changes: audit::diff(&json(&before), &json(&after)),
                value: after,
            })
        })
    }

    /// A new password for an agent; the log says it changed, never what it is.
    pub fn set_password(&mut self, id: AgentId, password: &str) -> Result<AgentSummary> {
        let project = self.project;
        self.run("agent.password", |s| {
            let a = people::set_password(s, project, id, password)?;
            Ok(Done {
                target: a.email.clone(),
                changes: vec![Change {
                    path: "password".into(),
                    before: Value::Null,
                    after: Value::String("changed; every session ended".into()),
                }],
                value: a,
            })
        })
    }

    /// A8: the project's name (its code, which prefixes conversation numbers, never changes).
    pub fn rename_project(&mut self, name: &str) -> Result<super::ProjectSummary> {
        let project = self.project;
        self.run("project.rename", |s| {
            let before = s
                .project(project)?
                .ok_or_else(|| StoreError::NotFound(format!("project {project}")))?
                .name;
            let p = super::rename_project(s, project, name)?;
            Ok(Done {
                target: p.code.clone(),
                changes: audit::diff(
                    &serde_json::json!({ "name": before }),
                    &serde_json::json!({ "name": p.name }),
                ),
                value: p,
            })
        })
    }

    pub fn rename_group(&mut self, id: GroupId, name: &str) -> Result<GroupSummary> {
        let project = self.project;
        self.run("group.rename", |s| {
            let before = s
                .groups(project)?
                .into_iter()
                .find(|g| g.id == id)
                .map(|g| g.name);
            let g = people::rename_group(s, project, id, name)?;
            Ok(Done {
                target: g.name.clone(),
                changes: audit::diff(
                    &serde_json::json!({ "name": before }),
                    &serde_json::json!({ "name": g.name }),
                ),
                value: g,
            })
        })
    }

    /// A shared canned response changed; `allowed` sees it as it is first (a manager's scope,
    /// checked in the same transaction as the change).
    pub fn update_canned(
        &mut self,
        id: i64,
        req: NewCannedRequest,
        allowed: impl FnOnce(&CannedResponse) -> Result<()>,
    ) -> Result<CannedResponse> {
        let project = self.project;
        self.run("canned.update", |s| {
            let before = people::shared_canned(s, project)?
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| StoreError::NotFound(format!("canned response {id}")))?;
            allowed(&before)?;
            let c = people::update_canned(s, project, id, req)?;
            Ok(Done {
                target: c.title.clone(),
                changes: audit::diff(&json(&before), &json(&c)),
                value: c,
            })
        })
    }

    /// A shared canned response removed; `allowed` as for [`Self::update_canned`].
    pub fn delete_canned(
        &mut self,
        id: i64,
        allowed: impl FnOnce(&CannedResponse) -> Result<()>,
    ) -> Result<CannedResponse> {
        let project = self.project;
        self.run("canned.delete", |s| {
            if let Some(c) = people::shared_canned(s, project)?
                .iter()
                .find(|c| c.id == id)
            {
                allowed(c)?;
            }
            let c = people::delete_canned(s, project, id)?;
            Ok(Done {
                target: c.title.clone(),
                changes: audit::deleted(&json(&c)),
                value: c,
            })
        })
    }

    /// A canned response shared by the project (or one group).
    pub fn create_canned(&mut self, req: NewCannedRequest) -> Result<CannedResponse> {
        let project = self.project;
        self.run("canned.create", |s| {
            let c = create_canned(s, project, None, req)?;
            Ok(Done {
                target: c.title.clone(),
                changes: audit::created(&json(&c)),
                value: c,
            })
        })
    }

    /// A8: a knowledge article written.
    pub fn create_article(&mut self, req: knowledge::ArticleRequest) -> Result<knowledge::Article> {
        let project = self.project;
        self.run("knowledge.create", |s| {
            let a = knowledge::create(s, project, req)?;
            Ok(Done {
                target: a.title.clone(),
                changes: audit::created(&json(&without_time(&a))),
                value: a,
            })
        })
    }

    pub fn update_article(
        &mut self,
        id: i64,
        req: knowledge::ArticleRequest,
    ) -> Result<knowledge::Article> {
        let project = self.project;
        self.run("knowledge.update", |s| {
            let before = knowledge::article(s, project, id)?;
            let after = knowledge::update(s, project, id, req)?;
            Ok(Done {
                target: after.title.clone(),
                changes: audit::diff(&json(&without_time(&before)), &json(&without_time(&after))),
                value: after,
            })
        })
    }

    pub fn delete_article(&mut self, id: i64) -> Result<knowledge::Article> {
        let project = self.project;
        self.run("knowledge.delete", |s| {
            let a = knowledge::delete(s, project, id)?;
            Ok(Done {
                target: a.title.clone(),
                changes: audit::deleted(&json(&without_time(&a))),
                value: a,
            })
        })
    }

    /// The whole settings document; the entry lists the paths that changed.
    pub fn set_settings(&mut self, settings: &ProjectSettings) -> Result<Vec<Change>> {
        let settings = &crate::settings_rules::normalized(settings);
        let project = self.project;
        self.run("settings.update", |s| {
            let before = s
                .project(project)?
                .ok_or_else(|| StoreError::NotFound(format!("project {project}")))?
                .settings;
            let mut changes = audit::diff(&json(&before), &json(settings));
            if !changes.is_empty() {
                set_settings(s, project, settings)?;
            }
            // A1: agents at the project's capacity follow it; one the admin gave a maximum of
            // their own keeps it.
            if before.default_slot_max != settings.default_slot_max {
                let mut moved = Vec::new();
                for a in s.agents(project)? {
                    if a.slot_max == before.default_slot_max {
                        s.update_agent(&crate::store::AgentUpdate {
                            id: a.id,
                            name: a.name.clone(),
                            role: a.role,
                            slot_max: settings.default_slot_max,
                            groups: a.groups.clone(),
                            active: a.active,
                            channels: a.channels.clone(),
                        })?;
                        moved.push(a.email);
                    }
                }
                if !moved.is_empty() {
                    changes.push(Change {
                        path: "default_slot_max.agents".into(),
                        before: Value::Null,
                        after: serde_json::json!(moved),
                    });
                }
            }
            Ok(Done {
                value: changes.clone(),
                target: "settings".to_owned(),
                changes,
            })
        })
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
        self.run("config.import", |s| {
            let report = super::config_file::import(s, project, file)?;
            Ok(Done {
                target: file.project.clone().unwrap_or_else(|| "a file".into()),
                changes: report.changes(),
                value: report,
            })
        })
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

/// An article as the log shows it: its content, not when it was saved (the entry says when).
fn without_time(a: &knowledge::Article) -> Value {
    let mut v = json(a);
    if let Value::Object(map) = &mut v {
        map.remove("updated_at");
    }
    v
}

fn json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
