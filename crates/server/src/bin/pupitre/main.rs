//! `pupitre`: the hub, its administration, scriptable clients and the load generator.

mod admin;
mod cluster;
mod ops;
mod serve;

use std::path::PathBuf;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use admin::{AdminCommand, admin_command};
use serve::{ServeArgs, serve};

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

#[derive(Subcommand)]
enum Command {
    /// Run the hub.
    Serve(Box<ServeArgs>),
    /// Administer projects, groups, agents, canned responses and settings (on the database
    /// file, while the hub runs: it applies them within a second).
    Admin {
        /// The SQLite database file, or a PostgreSQL database (`postgres://…`).
        #[arg(long, env = "PUPITRE_DB", default_value = pupitre_server::config::DEFAULT_DB)]
        db: String,
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
    /// Check or print the hub's configuration file.
    Config {
        #[command(subcommand)]
        command: ops::ConfigCommand,
    },
    /// Copy a hub's database consistently, while it runs (SQLite's online backup): every
    /// message acknowledged before the copy began is in it. The copy is checked.
    Backup {
        #[command(flatten)]
        database: ops::Database,
        /// The copy to make (never overwritten).
        #[arg(long)]
        to: PathBuf,
    },
    /// Install a backup as the hub's database, the hub stopped: the copy is checked first,
    /// the database that was there is kept beside it.
    Restore {
        #[command(flatten)]
        database: ops::Database,
        /// The backup to install.
        #[arg(long)]
        from: PathBuf,
        /// Only check the backup; install nothing.
        #[arg(long)]
        check: bool,
    },
    /// The load generator: prints P1–P4 figures.
    Bench(pupitre_server::bench::BenchArgs),
    /// Several hubs on one PostgreSQL to try on this machine (`make cluster`): PostgreSQL in a
    /// temporary folder, the demo data, the nodes on loopback; Ctrl-C stops them.
    Cluster(cluster::ClusterArgs),
    /// The fault harness: clients talking at once while the hub is killed; checks exact
    /// delivery (R12) and the routing invariants; exits 1 on a violation.
    Torture(pupitre_server::torture::TortureArgs),
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

/// An error ends the command with its reasons on one line (no backtrace: this is what an
/// operator reads in the journal), and exit status 1.
fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // The hub's configuration file may name the log level: read it before logging starts.
    let mut level = None;
    if let (Command::Serve(args), Some(m)) = (&mut cli.command, matches.subcommand_matches("serve"))
    {
        args.configure(m)?;
        level = args.log().map(str::to_owned);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| level.as_deref().unwrap_or("info,tower_http=warn").into()),
        )
        .with_writer(std::io::stderr)
        // Colours for a terminal only: the journal would store the escape codes.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
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
        Command::Config { command } => ops::config_command(command),
        Command::Backup { database, to } => ops::backup(database, to),
        Command::Restore {
            database,
            from,
            check,
        } => ops::restore(database, from, check),
        Command::Bench(args) => runtime()?.block_on(pupitre_server::bench::run(args)),
        Command::Cluster(args) => cluster::cluster(args),
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

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
