//! The operator's commands on a hub's files: `config check|example`, `backup`, `restore`.

use std::path::PathBuf;

use clap::Subcommand;
use pupitre_server::config;
use pupitre_server::store::sqlite_files::{self, Checked};

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Check a configuration file without starting: its keys and values (with the line of the
    /// first wrong one), the TLS pair it names, the rule for an address other computers reach.
    Check { file: PathBuf },
    /// Print a configuration file with every key, commented (the package's
    /// /etc/pupitre/hub.toml).
    Example,
}

/// Where the database is: `--db`, else the configuration file's `store.path`.
#[derive(clap::Args)]
pub struct Database {
    /// The hub's database file.
    #[arg(long, env = "PUPITRE_DB", conflicts_with = "config")]
    db: Option<PathBuf>,
    /// The hub's configuration file: its `store.path` names the database.
    #[arg(long, env = "PUPITRE_CONFIG")]
    config: Option<PathBuf>,
}

impl Database {
    fn path(&self) -> anyhow::Result<PathBuf> {
        if let Some(db) = &self.db {
            return Ok(db.clone());
        }
        if let Some(file) = &self.config {
            let c = config::load(file)?;
            if c.store.url.is_some() {
                anyhow::bail!(
                    "{}: the hub's data is in PostgreSQL (store.url): back it up and restore it \
                     with PostgreSQL's own tools (pg_dump, pg_restore, or the server's \
                     continuous archiving)",
                    file.display()
                );
            }
            return c.store.path.ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: no store.path in it: name the database with --db",
                    file.display()
                )
            });
        }
        Ok(PathBuf::from(config::DEFAULT_DB))
    }
}

pub fn config_command(command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Example => {
            print!("{}", config::EXAMPLE);
            Ok(())
        }
        ConfigCommand::Check { file } => {
            let c = config::load(&file)?;
            let tls = match (&c.tls.cert, &c.tls.key) {
                (Some(cert), Some(key)) => {
                    let files = pupitre_server::tls::TlsFiles {
                        cert: cert.get_ref().clone(),
                        key: key.get_ref().clone(),
                    };
                    pupitre_server::tls::server_config(&files)
                        .map_err(|e| anyhow::anyhow!("{}: tls: {e:#}", file.display()))?;
                    true
                }
                _ => false,
            };
            let listen = c
                .server
                .listen
                .unwrap_or_else(|| config::DEFAULT_LISTEN.parse().expect("address"));
            config::exposure(listen, tls, c.server.plain_http.unwrap_or(false))
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let db = pupitre_server::store::Location::parse(
                &c.store
                    .location()
                    .unwrap_or_else(|| config::DEFAULT_DB.to_owned()),
            );
            println!("{}: valid", file.display());
            println!("  listens on {listen}{}", if tls { " (HTTPS)" } else { "" });
            println!("  database   {}", db.describe());
            if let Some(dir) = db
                .file()
                .and_then(|f| f.parent())
                .filter(|d| !d.as_os_str().is_empty() && !d.exists())
            {
                println!(
                    "  note: {} does not exist yet (the service's StateDirectory makes it)",
                    dir.display()
                );
            }
            Ok(())
        }
    }
}

pub fn backup(database: Database, to: PathBuf) -> anyhow::Result<()> {
    let db = database.path()?;
    let started = std::time::Instant::now();
    let checked = sqlite_files::backup(&db, &to)?;
    println!(
        "backed up {} to {} in {:.1} s: {}",
        db.display(),
        to.display(),
        started.elapsed().as_secs_f64(),
        summary(&checked)
    );
    Ok(())
}

pub fn restore(database: Database, from: PathBuf, check_only: bool) -> anyhow::Result<()> {
    if check_only {
        let checked = sqlite_files::check(&from)?;
        println!(
            "{}: a sound Pupitre database: {}",
            from.display(),
            summary(&checked)
        );
        return Ok(());
    }
    let db = database.path()?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let restored = sqlite_files::restore(&from, &db, &stamp)?;
    println!(
        "restored {} from {}: {}",
        db.display(),
        from.display(),
        summary(&restored.checked)
    );
    if let Some(previous) = restored.previous {
        println!(
            "the database that was there is kept as {}",
            previous.display()
        );
    }
    if restored.checked.schema < sqlite_files::LATEST_SCHEMA {
        println!(
            "it was made by an older release (schema {}): the hub upgrades it at its next start",
            restored.checked.schema
        );
    }
    Ok(())
}

fn summary(c: &Checked) -> String {
    format!(
        "schema {}, {} project(s), {} conversation(s), {} message(s), {}",
        c.schema,
        c.projects,
        c.conversations,
        c.messages,
        size(c.bytes)
    )
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1u64 << 20) as f64),
        b => format!("{:.0} KB", b as f64 / 1024.0),
    }
}
