//! A project's whole configuration as one file (SPEC A10): its settings, its groups with their
//! opening hours and its shared canned responses, so a brand can keep it in version control
//! and copy it between projects. Agents are not in it: accounts are invited, not copied (a
//! file must never carry passwords).
//!
//! Importing is one audited transaction: the settings are replaced (validated as a save from
//! the console is), groups are matched by name (created, or given the file's hours), canned
//! responses missing from the project (by theme and title) are added. Nothing is deleted:
//! groups and canned responses absent from the file stay, with their history.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{GroupSummary, NewCannedRequest, Result, check_hours, create_canned, create_group};
use crate::audit::{self, Change};
use crate::store::{ProjectId, ProjectSettings, Store, StoreError};
use pupitre_routing::hours::WeeklyHours;

/// The `format` of a configuration file.
pub const FORMAT: &str = "pupitre-configuration";
/// The version this hub writes and reads.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub format: String,
    pub version: u32,
    /// The project it was exported from (for the reader; an import ignores it).
    #[serde(default)]
    pub project: Option<String>,
    pub settings: ProjectSettings,
    #[serde(default)]
    pub groups: Vec<GroupEntry>,
    #[serde(default)]
    pub canned_responses: Vec<CannedEntry>,
    /// A8: knowledge articles (added when the project has none of the same title and
    /// language).
    #[serde(default)]
    pub knowledge: Vec<super::knowledge::ArticleRequest>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct GroupEntry {
    pub name: String,
    #[serde(default)]
    pub hours: Option<WeeklyHours>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CannedEntry {
    pub theme: String,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub shortcut: Option<String>,
    #[serde(default = "english")]
    pub language: String,
    /// The group it is shared with, by name (one of the file's or the project's groups);
    /// the whole project's when absent.
    #[serde(default)]
    pub group: Option<String>,
}

fn english() -> String {
    "en".into()
}

/// What an import did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct ImportReport {
    /// The settings paths that changed.
    pub settings: Vec<Change>,
    pub groups_created: Vec<String>,
    pub groups_with_new_hours: Vec<String>,
    pub canned_added: Vec<String>,
    /// Already in the project (same theme and title): left as they are.
    pub canned_kept: Vec<String>,
    pub articles_added: Vec<String>,
    /// Already in the project (same title and language): left as they are.
    pub articles_kept: Vec<String>,
}

impl ImportReport {
    /// The audit entry's changes.
    pub fn changes(&self) -> Vec<Change> {
        let mut out: Vec<Change> = self
            .settings
            .iter()
            .map(|c| Change {
                path: format!("settings.{}", c.path),
                ..c.clone()
            })
            .collect();
        let listed = |path: &str, names: &[String]| Change {
            path: path.to_owned(),
            before: serde_json::Value::Null,
            after: serde_json::json!(names),
        };
        for (path, names) in [
            ("groups.created", &self.groups_created),
            ("groups.new_hours", &self.groups_with_new_hours),
            ("canned_responses.added", &self.canned_added),
            ("knowledge.added", &self.articles_added),
        ] {
            if !names.is_empty() {
                out.push(listed(path, names));
            }
        }
        out
    }
}

/// The project's configuration as a file.
pub fn export(store: &mut dyn Store, project: ProjectId) -> Result<ConfigFile> {
    let row = store
        .project(project)?
        .ok_or_else(|| StoreError::NotFound(format!("project {project}")))?;
    let groups = store
        .groups(project)?
        .into_iter()
        .map(|g| GroupEntry {
            name: g.name,
            hours: g.hours,
        })
        .collect();
    let names: std::collections::HashMap<_, _> = store
        .groups(project)?
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect();
    let canned_responses = store
        .canned_responses(project, None)?
        .into_iter()
        .filter(|c| c.agent_id.is_none())
        .map(|c| CannedEntry {
            group: c.group_id.and_then(|g| names.get(&g).cloned()),
            theme: c.theme,
            title: c.title,
            body: c.body,
            shortcut: c.shortcut,
            language: c.language,
        })
        .collect();
    let knowledge = store
        .knowledge(project, &Default::default())?
        .into_iter()
        .rev()
        .map(|a| super::knowledge::ArticleRequest {
            title: a.title,
            body: a.body,
            tags: a.tags,
            language: a.language,
        })
        .collect();
    Ok(ConfigFile {
        format: FORMAT.into(),
        version: VERSION,
        project: Some(row.code),
        settings: row.settings,
        groups,
        canned_responses,
        knowledge,
    })
}

/// Applies `file` to the project (the caller wraps it in one audited transaction).
pub(super) fn import(
    store: &mut dyn Store,
    project: ProjectId,
    file: &ConfigFile,
) -> Result<ImportReport> {
    if file.format != FORMAT || file.version != VERSION {
        return super::invalid(format!(
            "this is not a configuration file this hub reads (format {FORMAT:?}, version \
             {VERSION}; the file says {:?}, version {})",
            file.format, file.version
        ));
    }
    let before = store
        .project(project)?
        .ok_or_else(|| StoreError::NotFound(format!("project {project}")))?
        .settings;
    let settings = crate::settings_rules::normalized(&file.settings);
    let mut report = ImportReport {
        settings: audit::diff(&to_json(&before), &to_json(&settings)),
        ..Default::default()
    };
    if !report.settings.is_empty() {
        super::set_settings(store, project, &settings)?;
    }
    for (i, g) in file.groups.iter().enumerate() {
        if file.groups[..i].iter().any(|o| o.name == g.name) {
            return Err(super::AdminError::Fields(vec![
                crate::settings_rules::FieldError {
                    path: format!("groups.{i}.name"),
                    message: format!("the group {:?} is in the file twice", g.name),
                },
            ]));
        }
    }

    let groups = store.groups(project)?;
    for (i, entry) in file.groups.iter().enumerate() {
        // Errors name the file's group: `groups.2.hours.days.0.1`.
        if let Some(h) = &entry.hours {
            check_hours(h).map_err(|e| e.under(&format!("groups.{i}")))?;
        }
        match groups.iter().find(|g| g.name == entry.name) {
            Some(g) if g.hours != entry.hours => {
                store.set_group_hours(g.id, entry.hours.as_ref())?;
                report.groups_with_new_hours.push(entry.name.clone());
            }
            Some(_) => {}
            None => {
                let GroupSummary { name, .. } =
                    create_group(store, project, &entry.name, entry.hours.as_ref())?;
                report.groups_created.push(name);
            }
        }
    }

    let mut existing = store.canned_responses(project, None)?;
    let groups = store.groups(project)?;
    for c in &file.canned_responses {
        let group = match &c.group {
            None => None,
            Some(name) => match groups.iter().find(|g| &g.name == name) {
                Some(g) => Some(g.id),
                None => {
                    return super::invalid(format!(
                        "the canned response {:?} is for a group {name:?} that is neither in \
                         the file nor in the project",
                        c.title
                    ));
                }
            },
        };
        let name = format!("{} / {}", c.theme, c.title);
        let known = existing
            .iter()
            .any(|e| e.agent_id.is_none() && e.theme == c.theme && e.title == c.title);
        if known {
            report.canned_kept.push(name);
            continue;
        }
        let created = create_canned(
            store,
            project,
            None,
            NewCannedRequest {
                theme: c.theme.clone(),
                title: c.title.clone(),
                body: c.body.clone(),
                shortcut: c.shortcut.clone(),
                language: c.language.clone(),
                group,
            },
        )?;
        // A second response of the same theme and title in the file is kept, not added.
        existing.push(created);
        report.canned_added.push(name);
    }
    let mut known: Vec<(String, String)> = store
        .knowledge(project, &Default::default())?
        .into_iter()
        .map(|a| (a.language, a.title))
        .collect();
    for (i, article) in file.knowledge.iter().enumerate() {
        let key = (article.language.clone(), article.title.trim().to_owned());
        let name = format!("{} ({})", key.1, key.0);
        if known.contains(&key) {
            report.articles_kept.push(name);
            continue;
        }
        super::knowledge::create(store, project, article.clone())
            .map_err(|e| e.under(&format!("knowledge.{i}")))?;
        known.push(key);
        report.articles_added.push(name);
    }
    Ok(report)
}

fn to_json(v: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
