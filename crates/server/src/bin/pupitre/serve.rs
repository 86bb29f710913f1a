//! `pupitre serve`: the hub, configured by its flags, the environment and its file.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use pupitre_server::clock::Clock;
use pupitre_server::store::{Location, sqlite_files};
use pupitre_server::{Hub, demo};

use crate::runtime;

/// The start's banner, on stdout: a closed stdout (a journal restarted, a pipe read once) must
/// not stop the hub, so write errors are ignored where `println!` would panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

#[derive(clap::Args)]
pub struct ServeArgs {
    /// The configuration file (TOML, every key in the README; `pupitre config example` prints
    /// one). The environment and the flags override its keys.
    #[arg(long, env = "PUPITRE_CONFIG")]
    config: Option<PathBuf>,
    /// What the hub logs: `warn`, `info`, `debug`, or a filter such as
    /// `info,pupitre_server=debug` (RUST_LOG, when set, wins). Default: `info,tower_http=warn`.
    #[arg(long, env = "PUPITRE_LOG", value_parser = log_filter)]
    log: Option<String>,
    /// The SQLite database file (created if missing), or a PostgreSQL database
    /// (`postgres://user@host:port/db`) shared by several hubs.
    #[arg(long, env = "PUPITRE_DB", default_value = pupitre_server::config::DEFAULT_DB)]
    db: String,
    /// On PostgreSQL: the connections to the database all this hub's projects share (three
    /// more are its own). Default: 10.
    #[arg(long, env = "PUPITRE_DB_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..))]
    db_connections: Option<u32>,
    #[arg(long, env = "PUPITRE_LISTEN", default_value = pupitre_server::config::DEFAULT_LISTEN)]
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
    /// On PostgreSQL, several hubs share the database: where the other hubs reach this one
    /// (`http://10.0.0.5:8470`), to send it the clients of the projects it owns. Default: the
    /// listening address.
    #[arg(long, env = "PUPITRE_NODE_URL")]
    node_url: Option<String>,
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
        value_delimiter = ',',
        value_parser = pupitre_server::config::parse_proxy
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

fn log_filter(s: &str) -> Result<String, String> {
    pupitre_server::config::LogFilter::try_from(s.to_owned()).map(|f| f.0)
}

impl ServeArgs {
    /// The log filter asked for (the flag, the environment or the file), if any.
    pub fn log(&self) -> Option<&str> {
        self.log.as_deref()
    }

    /// Reads `--config` (if given) into the keys the environment and the flags left unset:
    /// a flag beats the environment, which beats the file, which beats the default.
    pub fn configure(&mut self, matches: &clap::ArgMatches) -> anyhow::Result<()> {
        let Some(file) = self.config.clone() else {
            return Ok(());
        };
        let c = pupitre_server::config::load(&file)?;
        use clap::parser::ValueSource;
        let unset = |id: &str| {
            !matches!(
                matches.value_source(id),
                Some(ValueSource::CommandLine | ValueSource::EnvVariable)
            )
        };
        macro_rules! take {
            ($id:literal, $field:expr, $value:expr) => {
                if unset($id) {
                    if let Some(v) = $value {
                        $field = v;
                    }
                }
            };
        }
        take!("db", self.db, c.store.location());
        take!(
            "db_connections",
            self.db_connections,
            c.store
                .connections
                .map(|n| Some(u32::try_from(n.0).unwrap_or(u32::MAX)))
        );
        take!("listen", self.listen, c.server.listen);
        take!("demo", self.demo, c.server.demo);
        take!(
            "public_url",
            self.public_url,
            c.server.public_url.map(|u| Some(u.0))
        );
        take!("widget_dir", self.widget_dir, c.server.widget_dir.map(Some));
        take!(
            "node_url",
            self.node_url,
            c.server.node_url.map(|u| Some(u.0))
        );
        take!(
            "trusted_proxies",
            self.trusted_proxies,
            c.server
                .trusted_proxies
                .map(|p| p.into_iter().map(|p| p.0).collect())
        );
        take!("plain_http", self.plain_http, c.server.plain_http);
        take!("mail_from", self.mail_from, c.mail.from.map(|f| f.0));
        take!(
            "max_connections",
            self.max_connections,
            c.limits.max_connections.map(|n| Some(n.0))
        );
        take!(
            "max_visitor_connections_per_address",
            self.max_visitor_connections_per_address,
            c.limits.max_visitor_connections_per_address.map(|n| n.0)
        );
        take!("log", self.log, c.log.level.map(|l| Some(l.0)));
        // Keys that go in pairs come from one place: a flag naming either wins for both.
        if unset("smtp") && unset("mail_dir") {
            self.smtp = c.mail.smtp.map(|u| u.into_inner().0).or(self.smtp.take());
            self.mail_dir = c.mail.dir.map(|d| d.into_inner()).or(self.mail_dir.take());
        }
        if let (true, Some(cert), Some(key)) =
            (unset("tls_cert") && unset("tls_key"), c.tls.cert, c.tls.key)
        {
            self.tls_cert = Some(cert.into_inner());
            self.tls_key = Some(key.into_inner());
        }
        Ok(())
    }
}

pub fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let ServeArgs {
        config: _,
        log: _,
        db,
        db_connections,
        listen,
        demo: with_demo,
        smtp,
        mail_dir,
        mail_from,
        public_url,
        node_url,
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
    }
    pupitre_server::config::exposure(listen, tls.is_some(), plain_http)
        .map_err(anyhow::Error::msg)?;
    let db = Location::parse(&db);
    // One hub per database file; an older release's database is copied before it is upgraded.
    // (On PostgreSQL, several hubs share the database, each running the projects it owns; its
    // backups are PostgreSQL's.)
    let _lock = db.file().map(sqlite_files::HubLock::take).transpose()?;
    if let Some(file) = db.file()
        && let Some(copy) = sqlite_files::prepare_upgrade(file)?
    {
        tracing::info!(
            "upgrading {} to schema {}: the database as it was is kept in {}",
            file.display(),
            sqlite_files::LATEST_SCHEMA,
            copy.display()
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
        let mut store = db.open()?;
        // The demo pages' origin, when it is known before listening (not on port 0).
        let site = public_url
            .clone()
            .or_else(|| (listen.port() != 0).then(|| format!("{scheme}://{listen}")))
            .and_then(|u| pupitre_server::cobrowse_settings::origin_of(&u));
        if demo::seed(store.as_mut(), site.as_deref())? {
            tracing::info!("seeded the demo project {}", demo::PROJECT);
        }
    }
    runtime()?.block_on(async move {
        // SIGHUP (`systemctl reload pupitre`) reads the TLS pair again when there is one, and
        // never ends the hub (its default action would, and systemd calls that a clean exit).
        #[cfg(unix)]
        if let Ok(mut hup) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        {
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    tracing::info!("SIGHUP: the TLS certificate and key, if any, are read again");
                }
            });
        }
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
                node_url: Some(node_url.unwrap_or_else(|| format!("{scheme}://{addr}"))),
                db_connections: db_connections.map(|n| n as usize),
            },
        )?;
        say!(
            "Pupitre hub listening on {scheme}://{addr}  (database: {})",
            db.describe()
        );
        say!("  desk WebSocket:    {ws_scheme}://{addr}/ws/agent");
        say!("  widget WebSocket:  {ws_scheme}://{addr}/ws/visitor");
        say!("  health / metrics:  {scheme}://{addr}/healthz  {scheme}://{addr}/metrics");
        say!(
            "  connections:       at most {} ({} per visitor address)",
            connection_limits.most, connection_limits.most_per_visitor_address
        );
        say!("  widget:            <script src=\"{public_url}/widget.js\" data-project=\"…\" async></script>");
        if with_demo {
            say!(
                "Demo project {} — agents (e-mail / password):",
                demo::PROJECT
            );
            for (name, email, password, role, groups) in demo::AGENTS {
                say!(
                    "  {name:<14} {email:<26} {password:<14} {role:?} in {}",
                    groups.join(", ")
                );
            }
            say!("Act as a visitor:  open {public_url}/demo in a browser, or");
            say!(
                "                   pupitre client visitor --hub {scheme}://{addr} --project {}",
                demo::PROJECT
            );
            say!("  then type: {{\"type\":\"send_message\",\"text\":\"Hello!\"}}");
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
