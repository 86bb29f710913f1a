//! `pupitre`: the hub, its administration, scriptable clients and the load generator.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use pupitre_protocol::agent::Role;
use pupitre_server::admin::{self, NewAgentRequest, NewCannedRequest};
use pupitre_server::clock::Clock;
use pupitre_server::store::{SqliteStore, Store};
use pupitre_server::{Hub, demo};

#[derive(Parser)]
#[command(
    name = "pupitre",
    version,
    about = "Pupitre: live chat for customer-service agents"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// The SQLite database file (created if missing).
    #[arg(long, env = "PUPITRE_DB", default_value = "pupitre.db")]
    db: PathBuf,
    #[arg(long, env = "PUPITRE_LISTEN", default_value = "127.0.0.1:8470")]
    listen: SocketAddr,
    /// Seed the demo project (DEMO) with agents, groups and canned responses.
    #[arg(long)]
    demo: bool,
    /// SMTP server for the answers by e-mail (R8), e.g. `smtp://127.0.0.1:2525`,
    /// `smtp://user:pass@mail.example.com:587?tls=required`, `smtps://mail.example.com`.
    /// Without it, nothing is e-mailed.
    #[arg(long, env = "PUPITRE_SMTP_URL", conflicts_with = "mail_dir")]
    smtp: Option<String>,
    /// Instead of SMTP, write each answer by e-mail as an `.eml` file in this folder.
    #[arg(long, env = "PUPITRE_MAIL_DIR")]
    mail_dir: Option<PathBuf>,
    /// The sender of those e-mails.
    #[arg(
        long,
        env = "PUPITRE_MAIL_FROM",
        default_value = "Pupitre <no-reply@pupitre.invalid>"
    )]
    mail_from: String,
    /// The hub's address as visitors' browsers reach it (links in e-mails). Default: the
    /// listening address.
    #[arg(long, env = "PUPITRE_PUBLIC_URL")]
    public_url: Option<String>,
    /// Serve `/widget.js` and `/demo` from this `widget/` folder at each request instead of
    /// the copies built in (widget development).
    #[arg(long, env = "PUPITRE_WIDGET_DIR")]
    widget_dir: Option<PathBuf>,
    /// A reverse proxy in front of the hub (an address or a network, e.g. `10.0.0.0/8`;
    /// repeat for several): only its `X-Forwarded-For` names the client, for the login
    /// throttle. Without it, the header is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "PUPITRE_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<ipnet::IpNet>,
    /// Serve HTTPS and WSS with this certificate chain (PEM; read again when it changes, or on
    /// SIGHUP). Needs `--tls-key`.
    #[arg(long, env = "PUPITRE_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key of `--tls-cert` (PEM).
    #[arg(long, env = "PUPITRE_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve plain HTTP on an address other computers reach: only behind a reverse proxy that
    /// terminates TLS. Without TLS, the hub otherwise listens on loopback only.
    #[arg(long, env = "PUPITRE_PLAIN_HTTP")]
    plain_http: bool,
    /// Most desk and widget connections at once; beyond, a connection is closed with 1013
    /// (try again later). Default: the descriptor limit (raised to its hard limit at start)
    /// less 256.
    #[arg(long, env = "PUPITRE_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Most widget connections from one client address.
    #[arg(long, env = "PUPITRE_MAX_VISITOR_CONNECTIONS_PER_ADDRESS", default_value_t = pupitre_server::connection_limits::DEFAULT_PER_VISITOR_ADDRESS)]
    max_visitor_connections_per_address: usize,
}

#[derive(Subcommand)]
enum Command {
    /// Run the hub.
    Serve(Box<ServeArgs>),
    /// Administer projects, groups, agents, canned responses and settings (on the database
    /// file; a running hub picks changes up at an agent's next connection, or use the HTTP
    /// admin API for immediate effect).
    Admin {
        #[arg(long, env = "PUPITRE_DB", default_value = "pupitre.db")]
        db: PathBuf,
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Scriptable clients: JSON-lines frames on stdin, JSON-lines frames on stdout.
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
    /// Make a private CA and a certificate for the hub signed by it (private deployments,
    /// tests): `ca.pem` is what the desks trust (`PUPITRE_EXTRA_CA`), `hub.pem` and
    /// `hub-key.pem` go to `--tls-cert` and `--tls-key`.
    TlsCertificates {
        /// The folder to write into (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// The hub's host names or IP addresses as clients type them (repeat for several).
        #[arg(long = "name", required = true)]
        names: Vec<String>,
    },
    /// The load generator: prints P1–P4 figures.
    Bench(pupitre_server::bench::BenchArgs),
    /// The fault harness: clients talking at once while the hub is killed; checks exact
    /// delivery (R12) and the routing invariants; exits 1 on a violation.
    Torture(pupitre_server::torture::TortureArgs),
}

#[derive(Subcommand)]
enum AdminCommand {
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
enum RoleArg {
    Agent,
    Manager,
    Admin,
}

#[derive(Subcommand)]
enum ClientCommand {
    Agent {
        #[arg(long)]
        hub: String,
        #[arg(long)]
        email: String,
        #[arg(long, env = "PUPITRE_PASSWORD")]
        password: String,
    },
    Visitor {
        #[arg(long)]
        hub: String,
        #[arg(long)]
        project: String,
        /// Keep the visitor's identity in this file across runs (W2).
        #[arg(long)]
        identity: Option<PathBuf>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve(args) => serve(*args),
        Command::Admin { db, command } => admin_command(db, command),
        Command::Client { command } => runtime()?.block_on(async {
            match command {
                ClientCommand::Agent {
                    hub,
                    email,
                    password,
                } => pupitre_server::client::run_agent_cli(hub, email, password).await,
                ClientCommand::Visitor {
                    hub,
                    project,
                    identity,
                } => pupitre_server::client::run_visitor_cli(hub, project, identity).await,
            }
        }),
        Command::TlsCertificates { out, names } => {
            let made = pupitre_server::tls::make_certificates(&out, &names)?;
            println!("CA (trust it on the desks):  {}", made.ca.display());
            println!(
                "hub certificate (--tls-cert): {}",
                made.files.cert.display()
            );
            println!("hub key (--tls-key):          {}", made.files.key.display());
            Ok(())
        }
        Command::Bench(args) => runtime()?.block_on(pupitre_server::bench::run(args)),
        Command::Torture(args) => {
            let report = runtime()?.block_on(pupitre_server::torture::run(args))?;
            print!("{}", report.summary);
            if report.verdict.total() > 0 {
                anyhow::bail!(
                    "{} violations (seed {})",
                    report.verdict.total(),
                    report.seed
                );
            }
            Ok(())
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let ServeArgs {
        db,
        listen,
        demo: with_demo,
        smtp,
        mail_dir,
        mail_from,
        public_url,
        widget_dir,
        trusted_proxies,
        tls_cert,
        tls_key,
        plain_http,
        max_connections,
        max_visitor_connections_per_address,
    } = args;
    // Connections are descriptors: take what the system allows before sizing the bound.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
    let mut connection_limits =
        pupitre_server::connection_limits::ConnectionLimits::for_this_process();
    if let Some(most) = max_connections {
        connection_limits.most = most;
    }
    connection_limits.most_per_visitor_address = max_visitor_connections_per_address;
    let tls = tls_cert
        .zip(tls_key)
        .map(|(cert, key)| pupitre_server::tls::TlsFiles { cert, key });
    if let Some(files) = &tls {
        // A wrong pair stops the start with its reason, not the first client's handshake.
        pupitre_server::tls::server_config(files)?;
    } else if !listen.ip().is_loopback() && !plain_http {
        anyhow::bail!(
            "{listen} is reachable from other computers, and without TLS passwords and tokens \
             would cross the network in clear: give --tls-cert and --tls-key (see \
             `pupitre tls-certificates` for a private CA), or --plain-http if a reverse proxy \
             in front of the hub terminates TLS"
        );
    }
    if plain_http && trusted_proxies.is_empty() && !listen.ip().is_loopback() {
        tracing::warn!(
            "--plain-http without --trusted-proxy: behind a proxy every client looks like the \
             proxy, so one stranger's wrong passwords delay every agent's login; name the proxy"
        );
    }
    let scheme = if tls.is_some() { "https" } else { "http" };
    let ws_scheme = if tls.is_some() { "wss" } else { "ws" };
    if with_demo {
        let mut store = SqliteStore::open(&db)?;
        // The demo pages' origin, when it is known before listening (not on port 0).
        let site = public_url
            .clone()
            .or_else(|| (listen.port() != 0).then(|| format!("{scheme}://{listen}")))
            .and_then(|u| pupitre_server::cobrowse_settings::origin_of(&u));
        if demo::seed(&mut store, site.as_deref())? {
            tracing::info!("seeded the demo project {}", demo::PROJECT);
        }
    }
    runtime()?.block_on(async move {
        let listener = pupitre_server::listen(listen)
            .with_context(|| format!("cannot listen on {listen} (is another hub running?)"))?;
        let addr = listener.local_addr()?;
        let public_url = public_url
            .unwrap_or_else(|| format!("{scheme}://{addr}"));
        use pupitre_server::mail::{MailSettings, MailTarget};
        let target = match (smtp, mail_dir) {
            (Some(url), _) => Some(MailTarget::Smtp(url)),
            (None, Some(dir)) => Some(MailTarget::Dir(dir)),
            (None, None) => None,
        };
        let mail = target.map(|target| MailSettings {
            target,
            from: mail_from,
            public_url: public_url.clone(),
        });
        let hub = Hub::open_with(
            &db,
            Clock::system(),
            pupitre_server::HubOptions {
                mail,
                widget_dir,
                trusted_proxies,
                tls,
                connection_limits: Some(connection_limits),
            },
        )?;
        println!(
            "Pupitre hub listening on {scheme}://{addr}  (database: {})",
            db.display()
        );
        println!("  desk WebSocket:    {ws_scheme}://{addr}/ws/agent");
        println!("  widget WebSocket:  {ws_scheme}://{addr}/ws/visitor");
        println!("  health / metrics:  {scheme}://{addr}/healthz  {scheme}://{addr}/metrics");
        println!(
            "  connections:       at most {} ({} per visitor address)",
            connection_limits.most, connection_limits.most_per_visitor_address
        );
        println!("  widget:            <script src=\"{public_url}/widget.js\" data-project=\"…\" async></script>");
        if with_demo {
            println!(
                "Demo project {} — agents (e-mail / password):",
                demo::PROJECT
            );
            for (name, email, password, role, groups) in demo::AGENTS {
                println!(
                    "  {name:<14} {email:<26} {password:<14} {role:?} in {}",
                    groups.join(", ")
                );
            }
            println!("Act as a visitor:  open {public_url}/demo in a browser, or");
            println!(
                "                   pupitre client visitor --hub {scheme}://{addr} --project {}",
                demo::PROJECT
            );
            println!("  then type: {{\"type\":\"send_message\",\"text\":\"Hello!\"}}");
        }
        let shutdown = async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                        .expect("install SIGTERM handler");
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            #[cfg(not(unix))]
            let _ = ctrl_c.await;
            tracing::info!("shutting down: closing connections, committing what is pending");
        };
        pupitre_server::serve(listener, hub, shutdown).await
    })
}

fn project_id(store: &mut SqliteStore, code: &str) -> anyhow::Result<i64> {
    Ok(store
        .project_by_code(code)?
        .with_context(|| format!("no project {code:?}"))?
        .id)
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn admin_command(db: PathBuf, command: AdminCommand) -> anyhow::Result<()> {
    let mut store = SqliteStore::open(&db)?;
    let s: &mut SqliteStore = &mut store;
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
fn operator(store: &mut SqliteStore, project: i64) -> admin::Audited<'_> {
    admin::Audited::new(store, project, pupitre_server::audit::Actor::operator())
}
