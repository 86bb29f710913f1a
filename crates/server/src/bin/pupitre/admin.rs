//! `pupitre admin`: projects, groups, agents, canned responses and settings, on the database
//! file.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Subcommand;
use pupitre_protocol::agent::Role;
use pupitre_server::admin::{self, NewAgentRequest, NewCannedRequest};
use pupitre_server::store::{Location, Store};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a project: `admin project-create DEMO "Demo shop"`.
    ProjectCreate {
        code: String,
        name: String,
    },
    ProjectList,
    GroupCreate {
        #[arg(long)]
        project: String,
        name: String,
    },
    GroupList {
        #[arg(long)]
        project: String,
    },
    AgentCreate {
        #[arg(long)]
        project: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Read from PUPITRE_PASSWORD when absent.
        #[arg(long, env = "PUPITRE_PASSWORD")]
        password: String,
        #[arg(long, value_enum, default_value = "agent")]
        role: RoleArg,
        #[arg(long)]
        slots: Option<u32>,
        /// Group name (repeat for several).
        #[arg(long = "group")]
        groups: Vec<String>,
    },
    AgentList {
        #[arg(long)]
        project: String,
    },
    CannedCreate {
        #[arg(long)]
        project: String,
        #[arg(long)]
        theme: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        body: String,
        #[arg(long)]
        shortcut: Option<String>,
        #[arg(long, default_value = "en")]
        language: String,
    },
    CannedList {
        #[arg(long)]
        project: String,
    },
    /// Print the project's settings (JSON).
    SettingsShow {
        #[arg(long)]
        project: String,
    },
    /// D15: make the project's sales key, for its own server to report sales
    /// (`POST /api/sales`); a new key replaces the old one at once. Printed once.
    SalesKey {
        #[arg(long)]
        project: String,
    },
    /// Set one setting by its dotted path: `settings-set --project DEMO routing.queue_per_agent 3`.
    SettingsSet {
        #[arg(long)]
        project: String,
        path: String,
        /// JSON, or a plain string.
        value: String,
    },
    /// Write the project's configuration (settings, groups and their hours, shared canned
    /// responses) as one JSON file, to stdout or `--out`.
    Export {
        #[arg(long)]
        project: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Apply a configuration file to the project, all of it or nothing; `--dry-run` says what
    /// it would change. A running hub applies it within a second.
    Import {
        #[arg(long)]
        project: String,
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the project's audit log, newest first (JSON): who changed what, when, before and
    /// after.
    Audit {
        #[arg(long)]
        project: String,
        /// Only actions starting with this (`settings`, `agent.create`).
        #[arg(long)]
        action: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum RoleArg {
    Agent,
    Manager,
    Admin,
}

fn project_id(store: &mut dyn Store, code: &str) -> anyhow::Result<i64> {
    Ok(store
        .project_by_code(code)?
        .with_context(|| format!("no project {code:?}"))?
        .id)
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

pub fn admin_command(db: String, command: AdminCommand) -> anyhow::Result<()> {
    let db = Location::parse(&db);
    // Run after a package upgrade before the hub's restart, this migrates the file first: it
    // keeps the same copy of the older database the hub would.
    if let Some(file) = db.file()
        && let Some(copy) = pupitre_server::store::sqlite_files::prepare_upgrade(file)?
    {
        eprintln!(
            "upgrading {}: the database as it was is kept in {}",
            file.display(),
            copy.display()
        );
    }
    let mut store = db.open()?;
    let s: &mut dyn Store = store.as_mut();
    match command {
        AdminCommand::ProjectCreate { code, name } => {
            let id = admin::create_project(s, &code, &name)?;
            println!("created project {code} (id {id})");
        }
        AdminCommand::ProjectList => print_json(&admin::list_projects(s)?)?,
        AdminCommand::GroupCreate { project, name } => {
            let p = project_id(s, &project)?;
            print_json(&operator(s, p).create_group(&name, None)?)?;
        }
        AdminCommand::GroupList { project } => {
            let p = project_id(s, &project)?;
            print_json(&admin::list_groups(s, p)?)?;
        }
        AdminCommand::AgentCreate {
            project,
            email,
            name,
            password,
            role,
            slots,
            groups,
        } => {
            let p = project_id(s, &project)?;
            let role = match role {
                RoleArg::Agent => Role::Agent,
                RoleArg::Manager => Role::Manager,
                RoleArg::Admin => Role::Admin,
            };
            let req = NewAgentRequest {
                email,
                name,
                password,
                role,
                slot_max: slots,
                groups,
            };
            print_json(&operator(s, p).create_agent(req)?)?;
        }
        AdminCommand::AgentList { project } => {
            let p = project_id(s, &project)?;
            print_json(&admin::list_agents(s, p)?)?;
        }
        AdminCommand::CannedCreate {
            project,
            theme,
            title,
            body,
            shortcut,
            language,
        } => {
            let p = project_id(s, &project)?;
            let req = NewCannedRequest {
                group: None,
                theme,
                title,
                body,
                shortcut,
                language,
            };
            print_json(&operator(s, p).create_canned(req)?)?;
        }
        AdminCommand::CannedList { project } => {
            let p = project_id(s, &project)?;
            print_json(&s.canned_responses(p, None)?)?;
        }
        AdminCommand::SettingsShow { project } => {
            let p = s
                .project_by_code(&project)?
                .with_context(|| format!("no project {project:?}"))?;
            print_json(&p.settings)?;
        }
        AdminCommand::SalesKey { project } => {
            let p = project_id(s, &project)?;
            let (key, hash) = pupitre_server::sales_key::new_key(&project);
            s.set_meta(&pupitre_server::sales_key::meta_key(p), &hash)?;
            println!("{key}");
            eprintln!(
                "Keep it on the shop's server only. It replaces any earlier key. Report a sale with:\n  curl -X POST https://<hub>/api/sales -H 'Authorization: Bearer {key}' \\\n    -H 'Content-Type: application/json' \\\n    -d '{{\"visitor\": \"<Pupitre.visitor() on the page>\", \"amount_minor\": 12990, \"currency\": \"EUR\", \"order\": \"A-1042\"}}'"
            );
        }
        AdminCommand::SettingsSet {
            project,
            path,
            value,
        } => {
            let p = project_id(s, &project)?;
            print_json(&operator(s, p).set_setting_path(&path, &value)?)?;
        }
        AdminCommand::Export { project, out } => {
            let p = project_id(s, &project)?;
            let file = admin::config_file::export(s, p)?;
            let text = serde_json::to_string_pretty(&file)? + "\n";
            match out {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{text}"),
            }
        }
        AdminCommand::Import {
            project,
            file,
            dry_run,
        } => {
            let p = project_id(s, &project)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let parsed: admin::config_file::ConfigFile = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a configuration file", file.display()))?;
            print_json(&operator(s, p).import(&parsed, dry_run)?)?;
        }
        AdminCommand::Audit {
            project,
            action,
            limit,
        } => {
            let p = project_id(s, &project)?;
            let filter = pupitre_server::audit::Filter {
                action,
                limit: Some(limit),
                ..Default::default()
            };
            let mut entries = s.audit_log(p, &filter)?;
            entries.truncate(filter.limit() as usize);
            print_json(&entries)?;
        }
    }
    Ok(())
}

/// A change made on the hub's machine: audited as the operator's; a running hub applies it
/// within a second (A10).
fn operator(store: &mut dyn Store, project: i64) -> admin::Audited<'_> {
    admin::Audited::new(store, project, pupitre_server::audit::Actor::operator())
}
