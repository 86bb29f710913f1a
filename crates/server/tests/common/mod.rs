//! Helpers for the hub's tests: a real hub on port 0 over a real SQLite file, real WebSockets.
#![allow(dead_code)]

use std::time::Duration;

use pupitre_protocol::agent::{AgentClientFrame, AgentEvent, AgentServerFrame, Role};
use pupitre_protocol::visitor::{VisitorClientFrame, VisitorEvent, VisitorServerFrame};
use pupitre_protocol::{Channel, ChosenStatus, ClientId};
use pupitre_server::RunningHub;
use pupitre_server::admin::{self, NewAgentRequest};
use pupitre_server::client::{AgentConn, VisitorConn, login};
use pupitre_server::clock::{Clock, now_ms};
use pupitre_server::store::{Location, SqliteStore, Store as _};

pub const PROJECT: &str = "TEST";
pub const PASSWORD: &str = "password-123";
/// How long a test waits for a frame that must come.
pub const WAIT: Duration = Duration::from_secs(10);
/// How long a test listens to be sure a frame does not come.
pub const QUIET: Duration = Duration::from_millis(400);

pub struct Setup {
    pub dir: tempfile::TempDir,
    /// The SQLite file (unused when `location` is PostgreSQL).
    pub db: std::path::PathBuf,
    /// Where the hub's data lives: `db`, or a PostgreSQL database.
    pub location: Location,
}

impl Setup {
    /// As `pupitre serve --db` takes it.
    pub fn db_arg(&self) -> String {
        match &self.location {
            Location::File(path) => path.display().to_string(),
            Location::Postgres(url) => url.clone(),
        }
    }
}

/// A project `TEST` with groups `Sales` and `Support` and the given agents
/// `(email, groups, slot_max)`; `edit` adjusts the settings.
pub fn setup(
    agents: &[(&str, &[&str], u32)],
    edit: impl FnOnce(&mut pupitre_server::store::ProjectSettings),
) -> Setup {
    setup_on(None, agents, edit)
}

/// As [`setup`], in a new database of a PostgreSQL server (`None`: a SQLite file).
pub fn setup_on(
    postgres: Option<&pupitre_server::pg_server::PgServer>,
    agents: &[(&str, &[&str], u32)],
    edit: impl FnOnce(&mut pupitre_server::store::ProjectSettings),
) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let location = match postgres {
        None => Location::File(db.clone()),
        Some(server) => Location::parse(
            &server
                .create_database(&format!("t{}", uuid::Uuid::new_v4().simple()))
                .unwrap(),
        ),
    };
    let mut store = location.open().unwrap();
    let store = store.as_mut();
    let project = admin::create_project(store, PROJECT, "Test shop").unwrap();
    let mut settings = store.project(project).unwrap().unwrap().settings;
    settings.conversation_types = vec!["Sale".into(), "Other".into()];
    edit(&mut settings);
    admin::set_settings(store, project, &settings).unwrap();
    admin::create_group(store, project, "Sales", None).unwrap();
    admin::create_group(store, project, "Support", None).unwrap();
    for (email, groups, slots) in agents {
        admin::create_agent(
            store,
            project,
            NewAgentRequest {
                email: (*email).into(),
                name: email.split('@').next().unwrap().into(),
                password: PASSWORD.into(),
                role: Role::Agent,
                slot_max: Some(*slots),
                groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            },
        )
        .unwrap();
    }
    Setup { dir, db, location }
}

/// Adds an account to project `code` of the hub's database (`groups` by name).
pub fn add_account(db: &std::path::Path, code: &str, email: &str, role: Role, groups: &[&str]) {
    let mut store = SqliteStore::open(db).unwrap();
    let project = store.project_by_code(code).unwrap().unwrap().id;
    admin::create_agent(
        &mut store,
        project,
        NewAgentRequest {
            email: email.into(),
            name: email.split('@').next().unwrap().into(),
            password: PASSWORD.into(),
            role,
            slot_max: None,
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        },
    )
    .unwrap();
}

pub async fn start(setup: &Setup, manual_clock: bool) -> RunningHub {
    let clock = if manual_clock {
        Clock::manual(now_ms())
    } else {
        Clock::system()
    };
    RunningHub::start_with(
        &setup.location,
        clock,
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        many_visitors_from_loopback(),
    )
    .await
    .unwrap()
}

/// A hub on a manual clock set to `at` (an RFC 3339 time: `2026-11-30T10:00:00+01:00`).
pub async fn start_at(setup: &Setup, at: &str) -> RunningHub {
    let at = chrono::DateTime::parse_from_rfc3339(at)
        .expect("an RFC 3339 time")
        .timestamp_millis();
    RunningHub::start_with(
        &setup.location,
        Clock::manual(at),
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        many_visitors_from_loopback(),
    )
    .await
    .unwrap()
}

/// Every test visitor comes from 127.0.0.1: the per-address cap (64 by default) is lifted.
pub fn many_visitors_from_loopback() -> pupitre_server::HubOptions {
    pupitre_server::HubOptions {
        connection_limits: Some(pupitre_server::connection_limits::ConnectionLimits {
            most: 100_000,
            most_per_visitor_address: 100_000,
        }),
        ..Default::default()
    }
}

/// As [`start`], with hub options (SMTP, widget folder).
pub async fn start_with(setup: &Setup, options: pupitre_server::HubOptions) -> RunningHub {
    RunningHub::start_with(
        &setup.location,
        Clock::system(),
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        options,
    )
    .await
    .unwrap()
}

pub fn cid() -> ClientId {
    uuid::Uuid::now_v7()
}

/// An agent logged in and connected, with the welcome it got.
pub struct Agent {
    pub conn: AgentConn,
    /// Frames received while waiting for an ack, not yet looked at.
    pub pending: std::collections::VecDeque<AgentServerFrame>,
    pub id: i64,
    pub token: String,
    pub welcome: AgentServerFrame,
}

pub async fn agent(hub: &RunningHub, email: &str) -> Agent {
    agent_with_password(hub, email, PASSWORD).await
}

pub async fn agent_with_password(hub: &RunningHub, email: &str, password: &str) -> Agent {
    let session = login(&hub.http_url(), email, password).await.unwrap();
    let (conn, welcome) = AgentConn::connect(&hub.ws_url(), &session.access_token, None)
        .await
        .unwrap();
    Agent {
        conn,
        pending: Default::default(),
        id: session.agent_id,
        token: session.access_token,
        welcome,
    }
}

impl Agent {
    /// Sends a frame and waits for its ack, returning the frames that came before it.
    /// Sends a frame and waits for its ack; what came before it stays pending.
    pub async fn request(&mut self, frame: AgentClientFrame) {
        let id = frame.client_id().expect("a frame with a client id");
        self.conn.send(&frame).await.unwrap();
        loop {
            match tokio::time::timeout(WAIT, self.conn.recv())
                .await
                .expect("ack in time")
                .unwrap()
            {
                AgentServerFrame::Ack { client_id } if client_id == id => return,
                AgentServerFrame::Error(e) if e.client_id == Some(id) => panic!("refused: {e:?}"),
                other => self.pending.push_back(other),
            }
        }
    }

    /// The next frame: a pending one first.
    pub async fn next(&mut self, deadline: tokio::time::Instant) -> Option<AgentServerFrame> {
        if let Some(f) = self.pending.pop_front() {
            return Some(f);
        }
        tokio::time::timeout_at(deadline, self.conn.recv())
            .await
            .ok()
            .map(|r| r.unwrap())
    }

    /// Sends a frame and returns the error it gets (other frames stay pending).
    pub async fn refused(&mut self, frame: AgentClientFrame) -> pupitre_protocol::ErrorFrame {
        let id = frame.client_id();
        self.conn.send(&frame).await.unwrap();
        loop {
            match tokio::time::timeout(WAIT, self.conn.recv())
                .await
                .expect("answer in time")
                .unwrap()
            {
                AgentServerFrame::Error(e) if e.client_id == id => return e,
                AgentServerFrame::Ack { client_id } if Some(client_id) == id => {
                    panic!("accepted: {frame:?}")
                }
                other => self.pending.push_back(other),
            }
        }
    }

    pub async fn available(&mut self) {
        self.request(AgentClientFrame::SetStatus {
            client_id: cid(),
            channel: Channel::Chat,
            status: ChosenStatus::Available,
        })
        .await;
    }

    /// Waits for the next conversation assigned to this agent; its reference.
    pub async fn assigned(&mut self) -> pupitre_protocol::ConversationRef {
        self.wait_event(|e| match e {
            AgentEvent::ConversationAssigned { conversation, .. } => {
                Some(conversation.reference.clone())
            }
            _ => None,
        })
        .await
    }

    /// Closes a conversation (R9), with a type of the project's list or none.
    pub async fn close(
        &mut self,
        reference: &pupitre_protocol::ConversationRef,
        kind: Option<&str>,
    ) {
        self.request(AgentClientFrame::Close {
            client_id: cid(),
            conversation: reference.clone(),
            conversation_type: kind.map(str::to_owned),
        })
        .await;
    }

    /// Waits for the first event matching `f`, skipping others.
    pub async fn wait_event<T>(&mut self, mut f: impl FnMut(&AgentEvent) -> Option<T>) -> T {
        self.wait_frame(|frame| match frame {
            AgentServerFrame::Event { event, .. } => f(event),
            _ => None,
        })
        .await
    }

    /// Waits for the first frame matching `f`, skipping others.
    pub async fn wait_frame<T>(&mut self, mut f: impl FnMut(&AgentServerFrame) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let frame = self
                .next(deadline)
                .await
                .expect("the expected frame did not come");
            if let Some(t) = f(&frame) {
                return t;
            }
        }
    }

    /// M3: asks to watch a conversation (an ephemeral frame: no ack).
    pub async fn watch(&mut self, conversation: &pupitre_protocol::ConversationRef) {
        self.conn
            .send(&AgentClientFrame::Watch {
                conversation: conversation.clone(),
                watch: true,
            })
            .await
            .unwrap();
    }

    /// Waits for the next error frame (one answering an ephemeral frame has no client id).
    pub async fn error(&mut self) -> pupitre_protocol::ErrorFrame {
        self.wait_frame(|f| match f {
            AgentServerFrame::Error(e) => Some(e.clone()),
            _ => None,
        })
        .await
    }

    /// M3: waits for the view of a conversation this manager watches.
    pub async fn watching(&mut self) -> pupitre_protocol::agent::ConversationView {
        self.wait_frame(|f| match f {
            AgentServerFrame::Watching { conversation } => Some(conversation.clone()),
            _ => None,
        })
        .await
    }

    /// Every frame that arrives within `QUIET`.
    pub async fn drain(&mut self) -> Vec<AgentServerFrame> {
        let mut frames: Vec<_> = self.pending.drain(..).collect();
        while let Some(f) = self.conn.recv_timeout(QUIET).await.unwrap() {
            frames.push(f);
        }
        frames
    }
}

pub struct Visitor {
    pub conn: VisitorConn,
    pub pending: std::collections::VecDeque<VisitorServerFrame>,
    pub token: String,
    pub welcome: VisitorServerFrame,
}

pub async fn visitor(hub: &RunningHub) -> Visitor {
    visitor_with(hub, None, None).await
}

pub async fn visitor_with(
    hub: &RunningHub,
    token: Option<String>,
    last_seq: Option<i64>,
) -> Visitor {
    visitor_of(hub, PROJECT, token, last_seq).await
}

/// A visitor of the project `code`.
pub async fn visitor_of(
    hub: &RunningHub,
    code: &str,
    token: Option<String>,
    last_seq: Option<i64>,
) -> Visitor {
    let (conn, welcome) = VisitorConn::connect(&hub.ws_url(), code, token, last_seq)
        .await
        .unwrap();
    let VisitorServerFrame::Welcome { token, .. } = &welcome else {
        panic!("no welcome: {welcome:?}")
    };
    Visitor {
        token: token.clone(),
        conn,
        pending: Default::default(),
        welcome,
    }
}

impl Visitor {
    /// Sends a frame and waits for its ack; what came before it stays pending.
    pub async fn request(&mut self, frame: VisitorClientFrame) {
        let id = frame.client_id().expect("a frame with a client id");
        self.conn.send(&frame).await.unwrap();
        loop {
            match tokio::time::timeout(WAIT, self.conn.recv())
                .await
                .expect("ack in time")
                .unwrap()
            {
                VisitorServerFrame::Ack { client_id } if client_id == id => return,
                VisitorServerFrame::Error(e) if e.client_id == Some(id) => panic!("refused: {e:?}"),
                other => self.pending.push_back(other),
            }
        }
    }

    /// The next frame: a pending one first.
    pub async fn next(&mut self, deadline: tokio::time::Instant) -> Option<VisitorServerFrame> {
        if let Some(f) = self.pending.pop_front() {
            return Some(f);
        }
        tokio::time::timeout_at(deadline, self.conn.recv())
            .await
            .ok()
            .map(|r| r.unwrap())
    }

    /// Sends a frame and returns the error it gets (other frames stay pending).
    pub async fn refused(&mut self, frame: VisitorClientFrame) -> pupitre_protocol::ErrorFrame {
        let id = frame.client_id();
        self.conn.send(&frame).await.unwrap();
        loop {
            match tokio::time::timeout(WAIT, self.conn.recv())
                .await
                .expect("answer in time")
                .unwrap()
            {
                VisitorServerFrame::Error(e) if e.client_id == id => return e,
                VisitorServerFrame::Ack { client_id } if Some(client_id) == id => {
                    panic!("accepted: {frame:?}")
                }
                other => self.pending.push_back(other),
            }
        }
    }

    pub async fn say(&mut self, text: &str) {
        self.request(VisitorClientFrame::SendMessage {
            client_id: cid(),
            text: text.into(),
        })
        .await
    }

    /// Waits for the first frame matching `f`, skipping others.
    pub async fn wait_frame<T>(
        &mut self,
        mut f: impl FnMut(&VisitorServerFrame) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let frame = self
                .next(deadline)
                .await
                .expect("the expected frame did not come");
            if let Some(t) = f(&frame) {
                return t;
            }
        }
    }

    pub async fn wait_event<T>(&mut self, mut f: impl FnMut(&VisitorEvent) -> Option<T>) -> T {
        self.wait_frame(|frame| match frame {
            VisitorServerFrame::Event { event, .. } => f(event),
            _ => None,
        })
        .await
    }

    pub async fn drain(&mut self) -> Vec<VisitorServerFrame> {
        let mut frames: Vec<_> = self.pending.drain(..).collect();
        while let Some(f) = self.conn.recv_timeout(QUIET).await.unwrap() {
            frames.push(f);
        }
        frames
    }
}

/// The text of a plain message body.
pub fn text_of(message: &pupitre_protocol::Message) -> Option<&str> {
    match &message.body {
        pupitre_protocol::Body::Text { text } => Some(text),
        _ => None,
    }
}

/// Hub options that write every e-mail as an `.eml` file into `dir` (R8, D16).
pub fn mail_hub(dir: &std::path::Path) -> pupitre_server::HubOptions {
    pupitre_server::HubOptions {
        mail: Some(pupitre_server::mail::MailSettings {
            target: pupitre_server::mail::MailTarget::Dir(dir.to_owned()),
            from: "Test shop <shop@test.example>".into(),
            public_url: "http://hub.test.example".into(),
        }),
        ..many_visitors_from_loopback()
    }
}

/// The `.eml` files in `dir`, waiting up to [`WAIT`] for `count` of them, sorted. The mailer
/// writes each file in place: one still being written (empty, or before the multipart's
/// closing boundary) is not counted yet.
pub async fn mails(dir: &std::path::Path, count: usize) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let mut found: Vec<String> = std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .filter(|m| m.trim_end().ends_with("--"))
                    .collect()
            })
            .unwrap_or_default();
        if found.len() >= count || tokio::time::Instant::now() > deadline {
            found.sort();
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A mail's text as written: lettre folds long lines with `=\r\n` and escapes `=` as `=3D`.
pub fn quoted_printable_free(mail: &str) -> String {
    mail.replace("=\r\n", "").replace("=3D", "=")
}

/// A PostgreSQL server of the test's own, or `None` (said on stderr) where PostgreSQL is not
/// installed, unless `PUPITRE_REQUIRE_POSTGRES` makes that a failure (`make test`, CI).
pub fn postgres_or_skip() -> Option<pupitre_server::pg_server::PgServer> {
    if !pupitre_server::pg_server::available() {
        assert!(
            std::env::var_os("PUPITRE_REQUIRE_POSTGRES").is_none(),
            "PUPITRE_REQUIRE_POSTGRES is set but PostgreSQL is not installed"
        );
        eprintln!("PostgreSQL is not installed: this test's PostgreSQL half is skipped");
        return None;
    }
    Some(pupitre_server::pg_server::PgServer::start().unwrap())
}

/// A hub in a process of its own (`pupitre serve`), to be killed.
pub struct HubProcess {
    pub child: std::process::Child,
    pub url: String,
}

impl Drop for HubProcess {
    /// A test that fails leaves no hub behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `pupitre serve` on a free port over `db` (a file or a PostgreSQL URL).
pub fn spawn_hub(db: &str) -> HubProcess {
    spawn_hub_with(db, &[])
}

/// As [`spawn_hub`], with more of `serve`'s flags.
pub fn spawn_hub_with(db: &str, flags: &[&str]) -> HubProcess {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_pupitre"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(flags)
        .env(
            "RUST_LOG",
            std::env::var("PUPITRE_TEST_HUB_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the hub");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("the hub prints its address").unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    // Keep draining stdout so the hub never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    HubProcess { child, url }
}

/// Sends a frame on a bare agent connection and waits for its ack (other frames are skipped;
/// any error to it fails the test).
pub async fn ack_agent(conn: &mut AgentConn, frame: AgentClientFrame) {
    let id = frame.client_id().expect("a frame with a client id");
    conn.send(&frame).await.unwrap();
    loop {
        match tokio::time::timeout(WAIT, conn.recv())
            .await
            .expect("ack in time")
            .unwrap()
        {
            AgentServerFrame::Ack { client_id } if client_id == id => return,
            AgentServerFrame::Error(e) if e.client_id.is_none_or(|c| c == id) => panic!("{e:?}"),
            _ => {}
        }
    }
}

/// As [`ack_agent`], on a bare visitor connection.
pub async fn ack_visitor(conn: &mut VisitorConn, frame: VisitorClientFrame) {
    let id = frame.client_id().expect("a frame with a client id");
    conn.send(&frame).await.unwrap();
    loop {
        match tokio::time::timeout(WAIT, conn.recv())
            .await
            .expect("ack in time")
            .unwrap()
        {
            VisitorServerFrame::Ack { client_id } if client_id == id => return,
            VisitorServerFrame::Error(e) if e.client_id.is_none_or(|c| c == id) => panic!("{e:?}"),
            _ => {}
        }
    }
}

/// Several hubs on one database: waits until every project is owned, each by another node;
/// `(project, owner's url, epoch)` by project.
pub fn balanced(db: &str, projects: usize) -> Vec<(i64, String, i64)> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let owners = pupitre_server::store::postgres::ownership::owners(db).unwrap();
        let mut nodes: Vec<&String> = owners.iter().map(|(_, url, _)| url).collect();
        nodes.sort();
        nodes.dedup();
        if owners.len() == projects && nodes.len() == projects {
            return owners;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not balanced: {owners:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A co-browsing relay's socket (`ws_base`: `ws://host:port`), its hello sent.
pub type RelaySocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn open_relay(
    ws_base: &str,
    key: &str,
    side: pupitre_protocol::cobrowse::RelaySide,
) -> RelaySocket {
    use futures_util::SinkExt as _;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("{ws_base}/ws/cobrowse"))
        .await
        .unwrap();
    let hello = pupitre_protocol::cobrowse::RelayHello {
        relay: key.to_owned(),
        side,
    };
    ws.send(tokio_tungstenite::tungstenite::Message::text(
        serde_json::to_string(&hello).unwrap(),
    ))
    .await
    .unwrap();
    ws
}
