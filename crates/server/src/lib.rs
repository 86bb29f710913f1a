//! Pupitre's hub: the routing server.
//!
//! Map of the crate:
//! - [`hub`]: the project writer — one thread per project owning the routing engine and a
//!   store connection; batches, commits, then delivers (R12).
//! - [`app`] (here): the one router: the API, the web pages and the two WebSocket gateways;
//!   [`serve`] runs it on a listener until shutdown.
//! - [`gateway`]: WebSocket connections of desks (`/ws/agent`) and widgets (`/ws/visitor`),
//!   with their bounds (frame size, rate, buffers).
//! - [`api`]: the HTTP API, one module per resource (sessions, conversations, visitors, team,
//!   canned responses, stats, admin, the widget's config, files, `/healthz` and `/metrics`),
//!   with its `{code, message}` errors ([`api::error`]) and callers ([`api::caller`]).
//! - [`web`]: what browsers load that is not the API: `/widget.js` and the `/demo` pages.
//! - [`store`]: the [`store::Store`] trait with its backend-neutral [`store::StoreError`], and
//!   its SQLite backend.
//! - [`auth`]: argon2id passwords and signed tokens.
//! - [`admin`]: project, group, agent and canned-response administration shared by the CLI
//!   and the HTTP API; [`demo`]: the demo project.
//! - [`client`]: scriptable agent and visitor clients (`pupitre client …`), used by tests and
//!   [`bench`].
//! - [`clock`]: time as an input.
//! - [`mail`]: answers by e-mail (R8) over SMTP.
//! - [`stats`]: an agent's figures of the day (D15).
//! - [`http`]: the old path of [`api::sessions::Session`], kept for the client.

pub mod admin;
pub mod api;
pub mod audit;
pub mod auth;
pub mod bench;
pub mod client;
pub mod clock;
pub mod cluster;
pub mod cluster_proxy;
pub mod cobrowse_settings;
pub mod config;
pub mod connection_limits;
pub mod console_pages;
pub mod demo;
pub mod gateway;
pub mod hub;
pub mod hub_child;
pub mod login_throttle;
pub mod mail;
pub mod password_gate;
pub mod pg_server;
pub mod questionnaires;
pub mod relay;
pub mod sales_key;
pub mod settings_rules;
pub mod stats;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod torture;
pub mod transcript;
pub mod visitor_card;
pub mod web;

/// Where the HTTP API's types lived before [`api`]; `crate::http::Session` still names the
/// session (the client uses it). New code names [`api::sessions::Session`].
pub mod http {
    pub use crate::api::sessions::Session;
}

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::TcpListener;

use crate::auth::Keys;
use crate::clock::Clock;
use crate::hub::ProjectHandle;
use crate::store::{Location, ProjectId, Store};

/// The running hub's shared state.
pub struct Hub {
    pub keys: Keys,
    pub clock: Clock,
    location: Location,
    /// Several hubs on PostgreSQL: the projects this node owns, and where the others are.
    cluster: std::sync::OnceLock<Arc<cluster::Cluster>>,
    /// On PostgreSQL: the node's connections, shared by its projects' writers.
    pool: Option<store::postgres::Pool>,
    /// A connection for HTTP reads and admin writes (on SQLite each writer has its own).
    store: Mutex<Box<dyn Store>>,
    projects: RwLock<HashMap<ProjectId, ProjectHandle>>,
    writers: Mutex<Vec<std::thread::JoinHandle<()>>>,
    next_conn: AtomicU64,
    runtime: tokio::runtime::Handle,
    mailer: Option<mail::Mailer>,
    shutdown: tokio::sync::watch::Sender<bool>,
    metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// Bounds the logins' password checks (argon2id's memory).
    pub password_gate: password_gate::PasswordGate,
    /// Growing delays after wrong passwords, per address and per account at an address.
    pub login_throttle: Mutex<login_throttle::LoginThrottle>,
    /// Console sessions signed out before their expiry: session id → expiry (issue 10). In
    /// memory: a restart forgets them (the cookies were cleared at sign-out anyway).
    pub signed_out: Mutex<HashMap<String, pupitre_protocol::Millis>>,
    /// Desk and widget connections, bounded.
    pub connections: Arc<connection_limits::Connections>,
    /// Co-browsing's relays (D5, C3): in memory only.
    pub relays: Arc<relay::Relays>,
    pub options: HubOptions,
}

/// What a hub is configured with beyond its database.
#[derive(Debug, Clone, Default)]
pub struct HubOptions {
    /// SMTP for the answers by e-mail (R8); without it nothing is e-mailed.
    pub mail: Option<mail::MailSettings>,
    /// Serve `/widget.js` and the `/demo` pages from this `widget/` folder at each request
    /// instead of the copies built into the binary (widget development).
    pub widget_dir: Option<PathBuf>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`); from any
    /// other peer the header is ignored and the peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Serve HTTPS and WSS with this certificate and key (`--tls-cert`, `--tls-key`).
    pub tls: Option<tls::TlsFiles>,
    /// Bounds on connections; `None`: [`connection_limits::ConnectionLimits::for_this_process`].
    pub connection_limits: Option<connection_limits::ConnectionLimits>,
    /// On PostgreSQL: where the other hubs reach this one (`http://10.0.0.5:8470`), to send it
    /// the clients of the projects it owns. Default: its listening address.
    pub node_url: Option<String>,
    /// On PostgreSQL: how many connections this node opens at most for all its projects'
    /// writers (`store.connections`); `None`: [`DEFAULT_DB_CONNECTIONS`].
    pub db_connections: Option<usize>,
}

/// A node's PostgreSQL connections when nothing sets `store.connections`.
pub const DEFAULT_DB_CONNECTIONS: usize = 10;

/// How often a running hub looks for configuration changed by someone else (A10).
const CONFIGURATION_POLL: Duration = Duration::from_secs(1);

/// Applies configuration changed outside this process's admin API (`pupitre admin …` on the
/// same database): every audited change moves its project's generation; a project whose
/// generation moved is reloaded (its desks get their new profile), a new project is started.
async fn watch_configuration(
    hub: std::sync::Weak<Hub>,
    mut known: HashMap<ProjectId, i64>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(CONFIGURATION_POLL) => {}
            _ = shutdown.changed() => return,
        }
        let Some(hub) = hub.upgrade() else { return };
        let now = match hub.with_store(|s| s.config_generations()) {
            Ok(g) => g.into_iter().collect::<HashMap<_, _>>(),
            Err(e) => {
                tracing::warn!(error = %e, "reading the configuration generations failed");
                continue;
            }
        };
        for (&project, &generation) in &now {
            if known.get(&project) == Some(&generation) {
                continue;
            }
            if hub.project(project).is_none() {
                if hub.cluster().is_some() {
                    // On a cluster, the nodes' claims start new projects.
                    known.insert(project, generation);
                    continue;
                }
                match hub.start_project(project) {
                    Ok(_) => {
                        known.insert(project, generation);
                    }
                    // Not recorded: tried again at the next look.
                    Err(e) => tracing::error!(project, error = %e, "starting a new project failed"),
                }
                continue;
            }
            tracing::info!(project, generation, "configuration changed: reloading");
            if let Some(h) = hub.project(project) {
                h.send(hub::Command::Reload).await;
                known.insert(project, generation);
            }
        }
    }
}

impl Hub {
    /// Opens the database and starts a writer for every project. Call inside a tokio runtime.
    pub fn open(db: impl Into<Location>, clock: Clock) -> anyhow::Result<Arc<Self>> {
        Self::open_with(db, clock, HubOptions::default())
    }

    /// As [`Hub::open`], with options.
    pub fn open_with(
        db: impl Into<Location>,
        clock: Clock,
        options: HubOptions,
    ) -> anyhow::Result<Arc<Self>> {
        let location = db.into();
        let pool = match &location {
            Location::Postgres(url) => Some(
                store::postgres::Pool::connect(
                    url,
                    options.db_connections.unwrap_or(DEFAULT_DB_CONNECTIONS),
                )
                .with_context(|| format!("opening {}", location.describe()))?,
            ),
            Location::File(_) => None,
        };
        // The HTTP side's connection is its own, not the writers' pool: its calls hold the
        // `store` lock, and waiting there for writers to free a pooled connection would queue
        // every request behind one.
        let mut store = location
            .open()
            .with_context(|| format!("opening {}", location.describe()))?;
        let keys = Keys::load_or_create(store.as_mut())?;
        let projects = store.projects()?;
        let hub = Arc::new(Self {
            keys,
            clock,
            location,
            pool,
            cluster: std::sync::OnceLock::new(),
            store: Mutex::new(store),
            projects: RwLock::new(HashMap::new()),
            writers: Mutex::new(vec![]),
            next_conn: AtomicU64::new(1),
            runtime: tokio::runtime::Handle::current(),
            shutdown: tokio::sync::watch::channel(false).0,
            metrics: metrics_handle(),
            mailer: options.mail.clone().map(mail::Mailer::new),
            password_gate: password_gate::PasswordGate::for_this_machine(),
            relays: Arc::default(),
            login_throttle: Mutex::default(),
            signed_out: Mutex::default(),
            connections: connection_limits::Connections::new(
                options
                    .connection_limits
                    .unwrap_or_else(connection_limits::ConnectionLimits::for_this_process),
            ),
            options,
        });
        // Read before the writers load: a change made meanwhile is seen as one.
        let generations = hub.with_store(|s| s.config_generations())?;
        match &hub.location {
            // Several hubs may share the database: this one runs the projects it owns.
            Location::Postgres(url) => {
                let node_url = hub.options.node_url.clone().unwrap_or_default();
                let cluster = cluster::Cluster::start(&hub, url, &node_url)?;
                let _ = hub.cluster.set(cluster);
            }
            Location::File(_) => {
                for project in projects {
                    hub.start_project(project.id)?;
                }
            }
        }
        if let Some(mailer) = hub.mailer.clone() {
            tokio::spawn(mailer.run(hub.clone(), hub.shutdown_signal()));
        }
        tokio::spawn(watch_configuration(
            Arc::downgrade(&hub),
            generations.into_iter().collect(),
            hub.shutdown_signal(),
        ));
        Ok(hub)
    }

    /// Starts the writer of a project (after it was created) if it is not running.
    pub fn start_project(&self, id: ProjectId) -> anyhow::Result<ProjectHandle> {
        if let Some(h) = self.projects.read().expect("projects lock").get(&id) {
            return Ok(h.clone());
        }
        let store = self.location.open()?;
        self.spawn_writer(id, store)
    }

    /// Starts the writer of a project this node won at `epoch` (several hubs on PostgreSQL):
    /// it loads the project from the database; its commits fail once another node owns it.
    pub fn start_owned_project(&self, id: ProjectId, epoch: i64) -> anyhow::Result<ProjectHandle> {
        self.forget_project(id);
        let pool = self
            .pool
            .as_ref()
            .context("a cluster node without a pool")?;
        let store = store::PgStore::pooled_owned(pool, id, epoch);
        self.spawn_writer(id, Box::new(store))
    }

    /// Loads project `id` into a writer of its own over `store`, and keeps its handle.
    fn spawn_writer(&self, id: ProjectId, store: Box<dyn Store>) -> anyhow::Result<ProjectHandle> {
        let project = self
            .with_store(|s| s.project(id))?
            .context("no such project")?;
        let (handle, thread) = hub::spawn_project(
            project,
            store,
            self.clock.clone(),
            self.runtime.clone(),
            self.mailer.clone(),
            self.relays.clone(),
        )?;
        self.projects
            .write()
            .expect("projects lock")
            .insert(id, handle.clone());
        self.writers.lock().expect("writers lock").push(thread);
        Ok(handle)
    }

    /// Forgets a project's writer (it stopped).
    pub fn forget_project(&self, id: ProjectId) {
        self.projects.write().expect("projects lock").remove(&id);
    }

    /// Stops a project's writer (this node lost it) and forgets it.
    pub fn stop_project(&self, id: ProjectId) {
        let handle = self.projects.write().expect("projects lock").remove(&id);
        if let Some(h) = handle {
            // From the cluster's thread: waits for room in the writer's queue, so that the
            // stop is never dropped (a writer left running would serve a project it lost).
            if tokio::runtime::Handle::try_current().is_err() {
                h.shutdown_blocking();
            } else {
                h.stop_soon();
            }
        }
    }

    /// Several hubs on PostgreSQL: this node's part.
    pub fn cluster(&self) -> Option<&Arc<cluster::Cluster>> {
        self.cluster.get()
    }

    /// Whether answers by e-mail (R8) and transcripts (D16) can be sent: a mailer is set.
    pub fn mailer(&self) -> Option<&mail::Mailer> {
        self.mailer.as_ref()
    }

    pub fn project(&self, id: ProjectId) -> Option<ProjectHandle> {
        self.projects
            .read()
            .expect("projects lock")
            .get(&id)
            .cloned()
    }

    pub fn project_by_code(&self, code: &str) -> Option<ProjectHandle> {
        self.projects
            .read()
            .expect("projects lock")
            .values()
            .find(|p| p.code == code)
            .cloned()
    }

    /// Runs `f` with the HTTP side's store connection.
    pub fn with_store<T>(&self, f: impl FnOnce(&mut dyn Store) -> T) -> T {
        let mut store = self.store.lock().expect("store lock");
        if store.is_broken() {
            // PostgreSQL restarted (or the connection was cut): a new one, else the call
            // fails on the old one and the next tries again.
            match self.location.open() {
                Ok(fresh) => {
                    tracing::warn!("the database connection was lost: connected again");
                    *store = fresh;
                }
                Err(e) => tracing::error!(error = %e, "connecting to the database again"),
            }
        }
        f(store.as_mut())
    }

    pub fn next_conn_id(&self) -> hub::ConnId {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    pub fn shutdown_signal(&self) -> tokio::sync::watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Moves a manual clock forward and lets every writer fire what is due (tests).
    pub async fn advance_clock(&self, by: pupitre_protocol::Millis) {
        self.clock.advance(by);
        let handles: Vec<_> = self
            .projects
            .read()
            .expect("projects lock")
            .values()
            .cloned()
            .collect();
        for h in handles {
            h.send(hub::Command::Tick).await;
            // A round trip makes sure the tick was applied before returning.
            h.inspect(|_| ()).await;
        }
    }

    /// Closes every connection, lets the writers commit what they hold, and waits for them.
    pub fn stop(&self) {
        let _ = self.shutdown.send(true);
        let projects: Vec<_> = self
            .projects
            .write()
            .expect("projects lock")
            .drain()
            .map(|(_, h)| h)
            .collect();
        for p in &projects {
            p.shutdown_blocking();
        }
        let writers = std::mem::take(&mut *self.writers.lock().expect("writers lock"));
        for w in writers {
            let _ = w.join();
        }
    }
}

fn metrics_handle() -> Option<metrics_exporter_prometheus::PrometheusHandle> {
    static HANDLE: std::sync::OnceLock<Option<metrics_exporter_prometheus::PrometheusHandle>> =
        std::sync::OnceLock::new();
    HANDLE.get_or_init(telemetry::install).clone()
}

/// The hub's one router: the API (with its own body bounds and CORS), the web pages and the
/// WebSocket gateways, traced.
pub fn app(hub: Arc<Hub>) -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route("/ws/agent", get(gateway::agent_ws))
        .route("/ws/visitor", get(gateway::visitor_ws))
        .route("/ws/cobrowse", get(relay::relay_ws))
        .merge(api::routes())
        .merge(web::routes())
        .merge(console_pages::routes())
        .fallback(api::contract::no_route)
        .layer(axum::middleware::from_fn_with_state(
            hub.clone(),
            api::console::csrf_guard,
        ))
        .layer(axum::middleware::from_fn(api::contract::json_errors))
        .layer(axum::middleware::map_response_with_state(
            hub.options.tls.is_some(),
            web::security_headers,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(hub)
}

/// Connections the kernel may hold accepted-but-not-yet-taken. A hub restart or a network cut
/// brings every desk and widget back within the same second; with the usual backlog of 128 the
/// rest overflow, and their SYNs wait a second or more for a retransmission (measured: resume
/// p99 1.1 s for 1,000 visitors at 128, 0.17 s at 4,096). Linux caps it at `net.core.somaxconn`
/// (4,096 since 5.4).
pub const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `addr` with [`LISTEN_BACKLOG`] and `SO_REUSEADDR` (a restarted hub binds the
/// port its predecessor left in TIME_WAIT).
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves the hub on `listener` until `shutdown` resolves, then stops it gracefully.
pub async fn serve(
    listener: TcpListener,
    hub: Arc<Hub>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = app(hub.clone());
    let mut closing = hub.shutdown_signal();
    let shutdown = async move {
        tokio::select! {
            () = shutdown => {}
            _ = closing.changed() => {}
        }
    };
    let result = match hub.options.tls.clone() {
        Some(files) => tls::serve_tls(listener, app, files, shutdown).await,
        None => {
            // Small frames (an event, then its ack) go out at once instead of waiting for Nagle.
            use axum::serve::ListenerExt as _;
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown)
            .await
            .context("serving HTTP")
        }
    };
    let h = hub.clone();
    tokio::task::spawn_blocking(move || h.stop()).await?;
    result
}

/// A hub running in this process on a free port: for tests and the bench.
pub struct RunningHub {
    pub hub: Arc<Hub>,
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningHub {
    pub async fn start(db: impl Into<Location>, clock: Clock) -> anyhow::Result<Self> {
        Self::start_at(db, clock, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// As [`RunningHub::start`], on a given address (to restart a hub where clients expect it).
    pub async fn start_at(
        db: impl Into<Location>,
        clock: Clock,
        addr: SocketAddr,
    ) -> anyhow::Result<Self> {
        Self::start_with(db, clock, addr, HubOptions::default()).await
    }

    /// As [`RunningHub::start_at`], with options (SMTP, widget folder).
    pub async fn start_with(
        db: impl Into<Location>,
        clock: Clock,
        addr: SocketAddr,
        options: HubOptions,
    ) -> anyhow::Result<Self> {
        let listener = listen(addr)?;
        let addr = listener.local_addr()?;
        let scheme = if options.tls.is_some() {
            "https"
        } else {
            "http"
        };
        let options = HubOptions {
            node_url: options.node_url.or(Some(format!("{scheme}://{addr}"))),
            ..options
        };
        let hub = Hub::open_with(db, clock, options)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(serve(listener, hub.clone(), async move {
            let _ = rx.await;
        }));
        Ok(Self {
            hub,
            addr,
            stop: Some(tx),
            task,
        })
    }

    pub fn http_url(&self) -> String {
        match self.hub.options.tls {
            Some(_) => format!("https://{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }

    pub fn ws_url(&self) -> String {
        match self.hub.options.tls {
            Some(_) => format!("wss://{}", self.addr),
            None => format!("ws://{}", self.addr),
        }
    }

    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await?
    }
}
