//! [`Desk`]: the agent's side of the hub, what the Tauri shell wires to the UI.
//!
//! One task owns the WebSocket. It reconnects with capped, jittered backoff and resumes from
//! the last event seen (kept in the cache file, so an app restart resumes too, R12). What the
//! agent types goes to the outbox first (SQLite), then to the hub; the outbox is resent in
//! order after every reconnect and each item is applied once by the hub thanks to its client id
//! (D18). What the hub and the agent do is applied to the [`DeskModel`] (crates/desk/src/model.rs)
//! and its changes go out as the [`DeskEvent`] stream: everything the UI, the tray and the
//! notifications show is [`Desk::snapshot`] plus that stream, so a page that loads late loses
//! nothing and they all agree.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent, AgentProfile, AgentServerFrame, Role};
use pupitre_protocol::{ClientId, ConversationRef, ErrorCode, Millis, PROTOCOL_VERSION};
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::cache::{Cache, PendingFrame, SearchHit};
use crate::credentials::Credentials;
use crate::error::{DeskError, DeskErrorCode};
use crate::model::{
    Changes, ConnectionState, DeskEvent, DeskModel, DeskState, OutboxItem, OutboxState, SnoozedItem,
};
use crate::session::{self, Tokens};

/// The first wait before reconnecting; doubled each failure up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(250);
/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15);
/// Events buffered for a slow subscriber before it starts missing them (it then re-reads the
/// snapshot).
const EVENT_BUFFER: usize = 1024;
/// How long an action waits for the hub's answer.
const ACTION_TIMEOUT: Duration = Duration::from_secs(10);
/// Refresh the access token this long before it expires.
const REFRESH_MARGIN: Millis = 60_000;
/// Commands waiting for the connection task.
const COMMAND_QUEUE: usize = 256;

pub(crate) fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as Millis
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Account {
    hub: String,
    email: String,
}

impl Account {
    fn key(&self) -> String {
        format!("{}|{}", self.email.to_lowercase(), self.hub)
    }
}

struct State {
    account: Option<Account>,
    tokens: Option<Tokens>,
    remember: bool,
    /// What the desk shows; changed only through [`publish`], so that every change is sent.
    model: DeskModel,
}

enum Command {
    /// Send a frame; with a reply channel, answer when the hub acks or refuses it.
    Send {
        client_id: Option<ClientId>,
        text: String,
        reply: Option<oneshot::Sender<Result<(), DeskError>>>,
    },
    /// Try to connect now (skip the backoff wait).
    Wake,
}

struct Inner {
    cache: Mutex<Cache>,
    credentials: Arc<dyn Credentials>,
    state: Mutex<State>,
    events: broadcast::Sender<DeskEvent>,
    commands: Mutex<Option<mpsc::Sender<Command>>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// The desk. Cheap to clone; one per app.
#[derive(Clone)]
pub struct Desk {
    inner: Arc<Inner>,
}

pub struct DeskOptions {
    /// Where the cache file goes (`$XDG_DATA_HOME/pupitre` in the app).
    pub data_dir: PathBuf,
    pub credentials: Arc<dyn Credentials>,
}

impl Desk {
    pub fn open(options: DeskOptions) -> Result<Self, DeskError> {
        let cache = Cache::open(&options.data_dir.join("desk.db"))?;
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        Ok(Self {
            inner: Arc::new(Inner {
                cache: Mutex::new(cache),
                credentials: options.credentials,
                state: Mutex::new(State {
                    account: None,
                    tokens: None,
                    remember: false,
                    model: DeskModel::new(),
                }),
                events,
                commands: Mutex::new(None),
                task: Mutex::new(None),
            }),
        })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DeskEvent> {
        self.inner.events.subscribe()
    }

    /// Everything the UI needs to draw the desk now; the stream's changes follow from it.
    pub fn snapshot(&self) -> DeskState {
        self.inner.state.lock().expect("state lock").model.state()
    }

    /// The brand's site origins (the profile's `site_origins`): where the co-browsing replay's
    /// images and fonts may come from ([`crate::assets`]). Empty when logged out.
    pub fn site_origins(&self) -> Vec<String> {
        let state = self.inner.state.lock().expect("state lock");
        if state.tokens.is_none() {
            return Vec::new();
        }
        state
            .model
            .profile()
            .map(|p| p.site_origins.clone())
            .unwrap_or_default()
    }

    /// The admin's switches of the desk's tools (A3), `None` when logged out.
    pub fn profile_options(&self) -> Option<pupitre_protocol::agent::DeskOptions> {
        let state = self.inner.state.lock().expect("state lock");
        state.tokens.as_ref()?;
        state.model.profile().map(|p| p.options)
    }

    /// Whether the desk is connected to the hub now.
    pub(crate) fn online(&self) -> bool {
        let state = self.inner.state.lock().expect("state lock");
        matches!(state.model.connection(), ConnectionState::Online)
    }

    /// Logs in and connects; returns once the hub welcomed the desk, with the agent's profile.
    /// With `remember`, the refresh token goes to the keyring; when there is none,
    /// [`DeskState::keyring_warning`] says so and the desk works anyway.
    pub async fn login(
        &self,
        hub: &str,
        email: &str,
        password: &str,
        remember: bool,
    ) -> Result<AgentProfile, DeskError> {
        let hub = session::normalize_hub(hub)?;
        let email = email.trim().to_owned();
        let tokens = session::login(&hub, &email, password).await?;
        let mut events = self.subscribe();
        self.start(Account { hub, email }, tokens, remember).await;
        self.welcomed(&mut events).await
    }

    /// Waits for the first welcome of a new connection.
    async fn welcomed(
        &self,
        events: &mut broadcast::Receiver<DeskEvent>,
    ) -> Result<AgentProfile, DeskError> {
        let deadline = tokio::time::Instant::now() + ACTION_TIMEOUT;
        loop {
            {
                // One lock: taking it twice in one condition would deadlock on itself.
                let state = self.inner.state.lock().expect("state lock");
                if *state.model.connection() == ConnectionState::Online
                    && let Some(p) = state.model.profile()
                {
                    return Ok(p.clone());
                }
            }
            match tokio::time::timeout_at(deadline, events.recv()).await {
                Ok(Ok(DeskEvent::Connection {
                    connection: ConnectionState::LoggedOut,
                })) => {
                    return Err(DeskError::new(
                        DeskErrorCode::LoggedOut,
                        "the hub refused this session; log in again",
                    ));
                }
                Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
                Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => {
                    let connection = self
                        .inner
                        .state
                        .lock()
                        .expect("state lock")
                        .model
                        .connection()
                        .clone();
                    let reason = match connection {
                        ConnectionState::Offline { reason, .. } => reason,
                        _ => "the hub did not answer in time".to_owned(),
                    };
                    self.stop().await;
                    return Err(DeskError::new(DeskErrorCode::HubUnreachable, reason));
                }
            }
        }
    }

    /// "Remember me": restores the last session from the keyring. `Ok(false)` when there is
    /// nothing to restore (the UI shows the login form).
    pub async fn restore_session(&self) -> Result<bool, DeskError> {
        let last = self
            .inner
            .cache
            .lock()
            .expect("cache lock")
            .meta("account")?;
        let Some(account) = last.and_then(|j| serde_json::from_str::<Account>(&j).ok()) else {
            return Ok(false);
        };
        // A hub remembered before the rules of issue 9 (plain http:// to another computer)
        // is not used again: the login form asks for its address.
        if session::normalize_hub(&account.hub).is_err() {
            return Ok(false);
        }
        let refresh_token = match self.inner.credentials.load(&account.key()) {
            Ok(Some(t)) => t,
            Ok(None) => return Ok(false),
            Err(e) => {
                let mut state = self.inner.state.lock().expect("state lock");
                state.model.set_keyring_warning(Some(e.to_string()));
                return Ok(false);
            }
        };
        match session::refresh(&account.hub, &refresh_token).await {
            Ok(tokens) => {
                let mut events = self.subscribe();
                self.start(account, tokens, true).await;
                self.welcomed(&mut events).await.map(|_| true)
            }
            Err(e) if e.code == DeskErrorCode::Hub(ErrorCode::Unauthorized) => {
                let _ = self.inner.credentials.delete(&account.key());
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    async fn start(&self, account: Account, tokens: Tokens, remember: bool) {
        self.stop().await;
        let warning = if remember {
            self.inner
                .credentials
                .save(&account.key(), &tokens.refresh_token)
                .err()
                .map(|e| e.to_string())
        } else {
            let _ = self.inner.credentials.delete(&account.key());
            None
        };
        if let Ok(json) = serde_json::to_string(&account) {
            let _ = self
                .inner
                .cache
                .lock()
                .expect("cache lock")
                .set_meta("account", &json);
        }
        let outbox: Vec<OutboxItem> = self
            .inner
            .cache
            .lock()
            .expect("cache lock")
            .outbox_pending(&account.key())
            .unwrap_or_default()
            .into_iter()
            .map(outbox_item)
            .collect();
        {
            let mut state = self.inner.state.lock().expect("state lock");
            state.account = Some(account);
            state.tokens = Some(tokens);
            state.remember = remember;
            state.model.clear();
            state.model.set_keyring_warning(warning);
            state.model.load_outbox(outbox);
        }
        let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
        *self.inner.commands.lock().expect("commands lock") = Some(tx);
        let task = tokio::spawn(run(self.inner.clone(), rx));
        *self.inner.task.lock().expect("task lock") = Some(task);
    }

    async fn stop(&self) {
        self.inner.commands.lock().expect("commands lock").take();
        let task = self.inner.task.lock().expect("task lock").take();
        if let Some(task) = task {
            task.abort();
            let _ = task.await;
        }
    }

    /// Logs out: closes the connection, ends the session on the hub, erases the keyring entry.
    pub async fn logout(&self) {
        self.stop().await;
        let (account, tokens) = {
            let mut state = self.inner.state.lock().expect("state lock");
            state.model.clear();
            state.model.forget_profile();
            (state.account.take(), state.tokens.take())
        };
        if let Some(account) = account {
            if let Some(tokens) = tokens {
                session::logout(&account.hub, &tokens.refresh_token).await;
            }
            let _ = self.inner.credentials.delete(&account.key());
            let _ = self
                .inner
                .cache
                .lock()
                .expect("cache lock")
                .set_meta("account", "null");
        }
        set_connection(&self.inner, ConnectionState::LoggedOut);
    }

    /// Runs `f` on the cache (for the desk's other modules: [`crate::stats`]).
    pub(crate) fn with_cache<T>(
        &self,
        f: impl FnOnce(&mut crate::cache::Cache) -> crate::cache::Result<T>,
    ) -> Result<T, DeskError> {
        Ok(f(&mut self.inner.cache.lock().expect("cache lock"))?)
    }

    pub(crate) fn account_key(&self) -> Result<String, DeskError> {
        let state = self.inner.state.lock().expect("state lock");
        state
            .account
            .as_ref()
            .map(Account::key)
            .ok_or_else(|| DeskError::new(DeskErrorCode::LoggedOut, "log in first"))
    }

    /// Queues a message (D18): it is in the outbox before this returns, shown pending, and sent
    /// once — now if online, else after the next reconnect.
    pub async fn send_message(
        &self,
        conversation: ConversationRef,
        text: String,
    ) -> Result<ClientId, DeskError> {
        if text.trim().is_empty() {
            return Err(DeskError::new(
                DeskErrorCode::InvalidInput,
                "the message is empty",
            ));
        }
        let account = self.account_key()?;
        let client_id = uuid::Uuid::now_v7();
        let item = OutboxItem {
            local_id: client_id,
            conversation: conversation.clone(),
            text: text.clone(),
            queued_at: now_ms(),
            state: OutboxState::Pending,
            error: None,
        };
        let frame = AgentClientFrame::SendMessage {
            client_id,
            conversation,
            text,
        };
        let json = serde_json::to_string(&frame).expect("frames serialize");
        self.inner.cache.lock().expect("cache lock").outbox_add(
            &account,
            client_id,
            &json,
            item.queued_at,
        )?;
        publish(&self.inner, |m| m.queued(item));
        let commands = self.inner.commands.lock().expect("commands lock").clone();
        if let Some(tx) = commands {
            let _ = tx.try_send(Command::Send {
                client_id: Some(client_id),
                text: json,
                reply: None,
            });
        }
        Ok(client_id)
    }

    /// An action that needs the hub now (status, slots, snooze, transfer, close): its answer, or
    /// `offline`.
    pub async fn act(&self, frame: AgentClientFrame) -> Result<(), DeskError> {
        let client_id = frame.client_id();
        if *self
            .inner
            .state
            .lock()
            .expect("state lock")
            .model
            .connection()
            != ConnectionState::Online
        {
            return Err(DeskError::new(
                DeskErrorCode::Offline,
                "the hub is out of reach; try again when back online",
            ));
        }
        let commands = self.inner.commands.lock().expect("commands lock").clone();
        let tx =
            commands.ok_or_else(|| DeskError::new(DeskErrorCode::LoggedOut, "log in first"))?;
        let (reply, answer) = oneshot::channel();
        let text = serde_json::to_string(&frame).expect("frames serialize");
        tx.send(Command::Send {
            client_id,
            text,
            reply: Some(reply),
        })
        .await
        .map_err(|_| DeskError::new(DeskErrorCode::Offline, "not connected"))?;
        match tokio::time::timeout(ACTION_TIMEOUT, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(DeskError::new(
                DeskErrorCode::Offline,
                "the connection dropped; try again",
            )),
            Err(_) => Err(DeskError::new(
                DeskErrorCode::Offline,
                "the hub did not answer in time",
            )),
        }
    }

    /// A GET on the hub's HTTP API with the current access token.
    pub(crate) async fn get(&self, path: &str) -> Result<serde_json::Value, DeskError> {
        let (hub, token) = self.hub_and_token()?;
        session::get_json(&hub, path, &token).await
    }

    pub(crate) async fn post(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, DeskError> {
        let (hub, token) = self.hub_and_token()?;
        session::post_json(&hub, path, &token, body).await
    }

    /// M3: a watch this desk stopped leaves the desk at once.
    pub(crate) fn forget_watch(&self, conversation: &ConversationRef) {
        publish(&self.inner, |m| m.watch_ended(conversation));
    }

    pub(crate) fn profile_role(&self) -> Option<Role> {
        let state = self.inner.state.lock().expect("state lock");
        state.model.profile().map(|p| p.role)
    }

    /// Creates a personal canned response on the hub (D4, D12).
    pub async fn create_canned_response(
        &self,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, DeskError> {
        let (hub, token) = self.hub_and_token()?;
        session::post_json(&hub, "/api/canned-responses", &token, body).await
    }

    /// The project's agents with their availability (transfer dialog, R7).
    pub async fn agents(&self) -> Result<serde_json::Value, DeskError> {
        self.get("/api/agents").await
    }

    /// The project's groups (transfer dialog, R7).
    pub async fn groups(&self) -> Result<serde_json::Value, DeskError> {
        self.get("/api/groups").await
    }

    /// The hub's administration console for an admin or a manager (issue 10): the address to
    /// open in the system browser, where they sign in with the same account.
    pub fn console_url(&self) -> Result<String, DeskError> {
        let state = self.inner.state.lock().expect("state lock");
        let hub = state
            .account
            .as_ref()
            .map(|a| a.hub.clone())
            .ok_or_else(|| DeskError::new(DeskErrorCode::LoggedOut, "log in first"))?;
        match state.model.profile().map(|p| p.role) {
            Some(Role::Admin | Role::Manager) => {
                Ok(format!("{}/admin/", hub.trim_end_matches('/')))
            }
            _ => Err(DeskError::new(
                DeskErrorCode::Hub(ErrorCode::Forbidden),
                "the console is for admins and managers",
            )),
        }
    }

    /// The agent's figures of the day (D15).
    pub async fn today_stats(&self) -> Result<serde_json::Value, DeskError> {
        self.get("/api/stats/today").await
    }

    /// A visitor's conversations this agent may read, newest first (D14).
    pub async fn visitor_history(&self, visitor: &str) -> Result<serde_json::Value, DeskError> {
        let visitor: String =
            percent_encoding::utf8_percent_encode(visitor, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        self.get(&format!("/api/visitors/{visitor}/conversations"))
            .await
    }

    fn hub_and_token(&self) -> Result<(String, String), DeskError> {
        let state = self.inner.state.lock().expect("state lock");
        match (
            state.account.as_ref().map(|a| a.hub.clone()),
            state.tokens.as_ref().map(|t| t.access_token.clone()),
        ) {
            (Some(hub), Some(token)) => Ok((hub, token)),
            _ => Err(DeskError::new(DeskErrorCode::LoggedOut, "log in first")),
        }
    }

    /// D5: opens the view of a co-browsing session's relay; `on` gets what the page sends.
    pub fn cobrowse_view(
        &self,
        relay: String,
        on: impl Fn(crate::cobrowse::ViewMessage) + Send + Sync + 'static,
    ) -> Result<crate::cobrowse::View, DeskError> {
        let (hub, _) = self.hub_and_token()?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            DeskError::new(
                DeskErrorCode::Internal,
                "co-browsing views open from the async runtime",
            )
        })?;
        Ok(crate::cobrowse::open(&runtime, hub, relay, on))
    }

    /// Sends a file in a conversation (D12); answers its message.
    pub async fn send_file(
        &self,
        conversation: &ConversationRef,
        name: &str,
        mime: &str,
        data: Vec<u8>,
    ) -> Result<pupitre_protocol::Message, DeskError> {
        let (hub, token) = self.hub_and_token()?;
        let name = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
        let path = format!("/api/conversations/{}/files?name={name}", conversation.0);
        let value = session::post_bytes(&hub, &path, &token, mime, data).await?;
        let message: pupitre_protocol::Message = serde_json::from_value(value)
            .map_err(|e| DeskError::new(DeskErrorCode::Internal, e.to_string()))?;
        // On the desk at once; the hub's event carrying it changes nothing then.
        if let Ok(account) = self.account_key() {
            let _ = self
                .inner
                .cache
                .lock()
                .expect("cache lock")
                .store_message(&account, &message);
        }
        publish(&self.inner, |m| m.sent(&message));
        Ok(message)
    }

    /// A conversation's file (D12, W4).
    pub async fn file(&self, id: &str) -> Result<Vec<u8>, DeskError> {
        let (hub, token) = self.hub_and_token()?;
        let id = percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
        session::get_bytes(&hub, &format!("/api/files/{id}"), &token).await
    }

    /// Downloads a conversation's file into `dir` under a free name (the visitor chose the
    /// name: no folders, no control characters); answers the path written.
    pub async fn save_file(
        &self,
        id: &str,
        name: &str,
        dir: &std::path::Path,
    ) -> Result<std::path::PathBuf, DeskError> {
        let bytes = self.file(id).await?;
        let disk = |e: std::io::Error| DeskError::new(DeskErrorCode::Internal, e.to_string());
        std::fs::create_dir_all(dir).map_err(disk)?;
        let name = safe_file_name(name);
        let (stem, ext) = match name.rsplit_once('.') {
            Some((s, e)) if !s.is_empty() => (s.to_owned(), format!(".{e}")),
            _ => (name.clone(), String::new()),
        };
        for n in 0..1000 {
            let candidate = if n == 0 {
                dir.join(&name)
            } else {
                dir.join(format!("{stem} ({n}){ext}"))
            };
            // create_new: never overwrite what is there, even in a race.
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&candidate)
            {
                Ok(mut f) => {
                    use std::io::Write as _;
                    f.write_all(&bytes).map_err(disk)?;
                    return Ok(candidate);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(disk(e)),
            }
        }
        Err(DeskError::new(
            DeskErrorCode::Internal,
            "no free file name in the folder",
        ))
    }

    /// Tells the desk which conversation the agent clicked in a notification (D17).
    pub fn notification_opened(&self, conversation: ConversationRef) {
        let _ = self
            .inner
            .events
            .send(DeskEvent::NotificationOpened { conversation });
    }

    /// Tries to reconnect now instead of waiting for the backoff.
    pub fn reconnect_now(&self) {
        if let Some(tx) = self.inner.commands.lock().expect("commands lock").as_ref() {
            let _ = tx.try_send(Command::Wake);
        }
    }

    /// History search (works with the hub down, D18).
    pub fn search(&self, query: &str) -> Result<Vec<SearchHit>, DeskError> {
        let account = self.account_key()?;
        Ok(self
            .inner
            .cache
            .lock()
            .expect("cache lock")
            .search(&account, query)?)
    }

    /// A conversation's cached thread, paged backwards from `before`.
    pub fn thread(
        &self,
        conversation: &ConversationRef,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<pupitre_protocol::Message>, DeskError> {
        let account = self.account_key()?;
        Ok(self.inner.cache.lock().expect("cache lock").thread(
            &account,
            conversation,
            before,
            limit,
        )?)
    }

    /// A conversation's cached thread after message `after`, oldest first.
    pub fn thread_after(
        &self,
        conversation: &ConversationRef,
        after: i64,
        limit: usize,
    ) -> Result<Vec<pupitre_protocol::Message>, DeskError> {
        let account = self.account_key()?;
        Ok(self.inner.cache.lock().expect("cache lock").thread_after(
            &account,
            conversation,
            after,
            limit,
        )?)
    }

    /// As [`Desk::thread`]; a conversation the cache does not hold at all (an earlier one handled
    /// by someone else, D14) is read from the hub once and cached, so it reads offline next time.
    pub async fn thread_or_fetch(
        &self,
        conversation: &ConversationRef,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<pupitre_protocol::Message>, DeskError> {
        let page = self.thread(conversation, before, limit)?;
        if !page.is_empty() || before.is_some() {
            return Ok(page);
        }
        let reference: String = percent_encoding::utf8_percent_encode(
            &conversation.0,
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        let Ok(doc) = self.get(&format!("/api/conversations/{reference}")).await else {
            // Offline or not readable: what the cache has (nothing).
            return Ok(page);
        };
        let messages: Vec<pupitre_protocol::Message> =
            serde_json::from_value(doc["messages"].clone()).unwrap_or_default();
        let account = self.account_key()?;
        self.inner
            .cache
            .lock()
            .expect("cache lock")
            .store_messages(&account, messages.iter())?;
        self.thread(conversation, None, limit)
    }

    /// Canned responses: fresh from the hub when online (and cached), else from the cache.
    pub async fn canned_responses(&self) -> Result<Vec<serde_json::Value>, DeskError> {
        let account = self.account_key()?;
        let (hub, token) = {
            let state = self.inner.state.lock().expect("state lock");
            (
                state.account.as_ref().map(|a| a.hub.clone()),
                state.tokens.as_ref().map(|t| t.access_token.clone()),
            )
        };
        if let (Some(hub), Some(token)) = (hub, token) {
            match session::get_json(&hub, "/api/canned-responses", &token).await {
                Ok(serde_json::Value::Array(items)) => {
                    self.inner
                        .cache
                        .lock()
                        .expect("cache lock")
                        .set_canned(&account, &items)?;
                    return Ok(items);
                }
                // A3: switched off by the admin: none, and none kept for offline use either.
                Err(e) if e.code == DeskErrorCode::Hub(ErrorCode::Forbidden) => {
                    self.inner
                        .cache
                        .lock()
                        .expect("cache lock")
                        .set_canned(&account, &[])?;
                    return Ok(vec![]);
                }
                _ => {}
            }
        }
        Ok(self
            .inner
            .cache
            .lock()
            .expect("cache lock")
            .canned(&account)?)
    }
}

/// Applies one input to the model and sends its changes, in the order they were made (the
/// state lock is held until they are sent, so two inputs never interleave their changes).
fn publish(inner: &Inner, input: impl FnOnce(&mut DeskModel) -> Changes) {
    let mut state = inner.state.lock().expect("state lock");
    for event in input(&mut state.model) {
        // No subscriber is not an error: the changes are in the model.
        let _ = inner.events.send(event);
    }
}

fn set_connection(inner: &Inner, connection: ConnectionState) {
    publish(inner, |m| m.set_connection(connection));
}

fn backoff(attempt: u32) -> Duration {
    let base = MIN_BACKOFF
        .saturating_mul(1 << attempt.min(8))
        .min(MAX_BACKOFF);
    base.mul_f64(rand::rng().random_range(0.5..=1.0))
}

/// The connection task: connect, serve, reconnect; until the desk stops it.
async fn run(inner: Arc<Inner>, mut commands: mpsc::Receiver<Command>) {
    let mut attempt = 0u32;
    // Actions waiting for their ack, by client id.
    let mut waiting: HashMap<ClientId, oneshot::Sender<Result<(), DeskError>>> = HashMap::new();
    loop {
        set_connection(&inner, ConnectionState::Connecting);
        let reason = match serve(&inner, &mut commands, &mut waiting).await {
            Ok(()) => return,
            Err(e) => e,
        };
        for (_, reply) in waiting.drain() {
            let _ = reply.send(Err(DeskError::new(
                DeskErrorCode::Offline,
                "the connection dropped; try again",
            )));
        }
        if reason.code == DeskErrorCode::LoggedOut {
            set_connection(&inner, ConnectionState::LoggedOut);
            return;
        }
        tracing::warn!(reason = %reason.message, "connection to the hub dropped");
        let wait = backoff(attempt);
        attempt = attempt.saturating_add(1);
        set_connection(
            &inner,
            ConnectionState::Offline {
                retry_at: Some(now_ms() + wait.as_millis() as Millis),
                reason: reason.message,
            },
        );
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => break,
                cmd = commands.recv() => match cmd {
                    None => return,
                    Some(Command::Wake) => break,
                    Some(Command::Send { reply: Some(reply), .. }) => {
                        let _ = reply.send(Err(DeskError::new(DeskErrorCode::Offline, "the hub is out of reach")));
                    }
                    // A queued message stays in the outbox; it is sent after the reconnect.
                    Some(Command::Send { .. }) => {}
                },
            }
        }
        if attempt > 0
            && *inner.state.lock().expect("state lock").model.connection()
                == ConnectionState::Online
        {
            attempt = 0;
        }
    }
}

/// A fresh access token (refreshing it when it is about to expire).
async fn access_token(inner: &Inner) -> Result<(String, String, String), DeskError> {
    let (account, tokens, remember) = {
        let s = inner.state.lock().expect("state lock");
        (s.account.clone(), s.tokens.clone(), s.remember)
    };
    let account =
        account.ok_or_else(|| DeskError::new(DeskErrorCode::LoggedOut, "log in first"))?;
    let mut tokens =
        tokens.ok_or_else(|| DeskError::new(DeskErrorCode::LoggedOut, "log in first"))?;
    if tokens.expires_at < now_ms() + REFRESH_MARGIN {
        tokens = match session::refresh(&account.hub, &tokens.refresh_token).await {
            Ok(t) => t,
            Err(e) if e.code == DeskErrorCode::Hub(ErrorCode::Unauthorized) => {
                return Err(DeskError::new(
                    DeskErrorCode::LoggedOut,
                    "the session ended; log in again",
                ));
            }
            Err(e) => return Err(e),
        };
        if remember {
            let _ = inner
                .credentials
                .save(&account.key(), &tokens.refresh_token);
        }
        inner.state.lock().expect("state lock").tokens = Some(tokens.clone());
    }
    Ok((account.hub.clone(), account.key(), tokens.access_token))
}

/// One connection's life. `Ok` when the desk stopped it; `Err` when it dropped.
async fn serve(
    inner: &Arc<Inner>,
    commands: &mut mpsc::Receiver<Command>,
    waiting: &mut HashMap<ClientId, oneshot::Sender<Result<(), DeskError>>>,
) -> Result<(), DeskError> {
    let (hub, account, token) = access_token(inner).await?;
    let last_seq = inner.cache.lock().expect("cache lock").last_seq(&account)?;
    let transport = crate::tls::transport_for(&hub)?;
    let mut ws = crate::tls::connect_ws(session::ws_url(&hub), &transport)
        .await
        .map_err(|e| crate::tls::unreachable(&hub, &e))?;
    let hello = AgentClientFrame::Hello {
        version: PROTOCOL_VERSION,
        token,
        last_seq,
    };
    let drop_err = |e: tokio_tungstenite::tungstenite::Error| {
        DeskError::new(DeskErrorCode::HubUnreachable, e.to_string())
    };
    ws.send(WsMessage::text(
        serde_json::to_string(&hello).expect("serialize"),
    ))
    .await
    .map_err(drop_err)?;
    let mut welcomed = false;
    loop {
        tokio::select! {
            frame = ws.next() => {
                let text = match frame {
                    Some(Ok(WsMessage::Text(t))) => t,
                    Some(Ok(WsMessage::Close(c))) => {
                        return Err(DeskError::new(DeskErrorCode::HubUnreachable, format!("the hub closed the connection: {c:?}")));
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => return Err(drop_err(e)),
                    None => return Err(DeskError::new(DeskErrorCode::HubUnreachable, "the connection ended")),
                };
                let frame: AgentServerFrame = match serde_json::from_str(&text) {
                    Ok(f) => f,
                    Err(e) => {
                        tracing::warn!(error = %e, "unexpected frame from the hub");
                        continue;
                    }
                };
                if let AgentServerFrame::Error(e) = &frame
                    && !welcomed
                {
                    // Refused at hello: an expired token is refreshed on the next attempt.
                    if e.code == ErrorCode::Unauthorized
                        && let Some(t) = inner.state.lock().expect("state lock").tokens.as_mut()
                    {
                        t.expires_at = 0;
                    }
                    return Err(DeskError::from(e.clone()));
                }
                if matches!(frame, AgentServerFrame::Welcome { .. }) {
                    welcomed = true;
                    on_frame(inner, &account, frame, waiting);
                    set_connection(inner, ConnectionState::Online);
                    tokio::spawn(refresh_snoozed(inner.clone(), hub.clone()));
                    // M3: watches are ephemeral at the hub: ask again for each one kept.
                    let watched = inner.state.lock().expect("state lock").model.watched();
                    for view in watched {
                        let frame = AgentClientFrame::Watch {
                            conversation: view.reference,
                            watch: true,
                        };
                        let text = serde_json::to_string(&frame).expect("frames serialize");
                        ws.send(WsMessage::text(text)).await.map_err(drop_err)?;
                    }
                    // Resend what was never acknowledged, in order; the hub applies each once.
                    let pending = inner.cache.lock().expect("cache lock").outbox_pending(&account)?;
                    for item in pending {
                        ws.send(WsMessage::text(item.frame)).await.map_err(drop_err)?;
                    }
                } else {
                    on_frame(inner, &account, frame, waiting);
                }
            }
            cmd = commands.recv() => match cmd {
                None => {
                    let _ = ws.close(None).await;
                    return Ok(());
                }
                Some(Command::Wake) => {}
                Some(Command::Send { client_id, text, reply }) => {
                    if !welcomed {
                        if let Some(reply) = reply {
                            let _ = reply.send(Err(DeskError::new(DeskErrorCode::Offline, "still connecting")));
                        }
                        continue;
                    }
                    ws.send(WsMessage::text(text)).await.map_err(drop_err)?;
                    match (client_id, reply) {
                        (Some(id), Some(reply)) => {
                            waiting.insert(id, reply);
                        }
                        // An ephemeral frame (co-browsing) has no ack: sent is done; a refusal
                        // comes back as state or as an error without a client id.
                        (None, Some(reply)) => {
                            let _ = reply.send(Ok(()));
                        }
                        _ => {}
                    }
                }
            },
        }
    }
}

fn on_frame(
    inner: &Inner,
    account: &str,
    frame: AgentServerFrame,
    waiting: &mut HashMap<ClientId, oneshot::Sender<Result<(), DeskError>>>,
) {
    match frame {
        AgentServerFrame::Welcome {
            agent, seq, desk, ..
        } => {
            if let Some(desk) = &desk {
                let mut cache = inner.cache.lock().expect("cache lock");
                let messages = desk.conversations.iter().flat_map(|c| c.messages.iter());
                let _ = cache.store_messages(account, messages);
                let _ = cache.set_last_seq(account, seq);
            }
            publish(inner, |m| m.welcome(agent, desk));
        }
        AgentServerFrame::Event { seq, event } => {
            {
                let mut cache = inner.cache.lock().expect("cache lock");
                match &event {
                    AgentEvent::Message { message } => {
                        let _ = cache.store_message(account, message);
                    }
                    AgentEvent::ConversationAssigned { conversation, .. } => {
                        let _ = cache.store_messages(account, conversation.messages.iter());
                    }
                    _ => {}
                }
                let _ = cache.set_last_seq(account, seq);
            }
            publish(inner, |m| m.apply(&event));
        }
        AgentServerFrame::Ack { client_id } => {
            if let Some(reply) = waiting.remove(&client_id) {
                let _ = reply.send(Ok(()));
            }
            settle(inner, client_id);
            publish(inner, |m| m.acked(client_id));
        }
        AgentServerFrame::Error(e) => {
            let Some(client_id) = e.client_id else {
                tracing::warn!(code = e.code.as_str(), message = %e.message, "the hub refused a frame");
                return;
            };
            if let Some(reply) = waiting.remove(&client_id) {
                let _ = reply.send(Err(e.into()));
                return;
            }
            // A queued message the hub refused (the conversation left the desk…): not resent.
            settle(inner, client_id);
            publish(inner, |m| m.refused(client_id, e.into()));
        }
        AgentServerFrame::Cobrowse(state) => publish(inner, |m| m.cobrowse(state)),
        AgentServerFrame::VisitorDraft { conversation, text } => {
            publish(inner, |m| m.visitor_draft(&conversation, &text));
        }
        AgentServerFrame::VisitorPresence {
            conversation,
            online,
        } => {
            publish(inner, |m| m.visitor_presence(&conversation, online));
        }
        AgentServerFrame::Profile { agent } => {
            publish(inner, |m| m.profile_changed(agent));
        }
        AgentServerFrame::Watching { conversation } => {
            publish(inner, |m| m.watching(conversation));
        }
        AgentServerFrame::Watched { message } => {
            publish(inner, |m| m.watched_message(message));
        }
        AgentServerFrame::WatchEnded { conversation } => {
            publish(inner, |m| m.watch_ended(&conversation));
        }
        AgentServerFrame::Pong => {}
    }
}

/// Reads this agent's snoozed conversations from the hub (D8) after a (re)connection.
async fn refresh_snoozed(inner: Arc<Inner>, hub: String) {
    let Some(token) = inner
        .state
        .lock()
        .expect("state lock")
        .tokens
        .as_ref()
        .map(|t| t.access_token.clone())
    else {
        return;
    };
    let Ok(serde_json::Value::Array(docs)) =
        session::get_json(&hub, "/api/conversations", &token).await
    else {
        return;
    };
    let items: BTreeMap<ConversationRef, SnoozedItem> = docs
        .iter()
        .filter(|d| d["state"] == "snoozed")
        .filter_map(|d| {
            let reference = ConversationRef(d["reference"].as_str()?.to_owned());
            Some((
                reference.clone(),
                SnoozedItem {
                    reference,
                    visitor_name: d["visitor"]["name"].as_str().map(String::from),
                    until: d["snoozed_until"].as_i64()?,
                    keep: d["keep"].as_bool().unwrap_or(false),
                    last_visitor_text: None,
                },
            ))
        })
        .collect();
    // The hub's list carries no thread: the visitor's last words come from the cache (an app
    // restart knows them too).
    let account = inner
        .state
        .lock()
        .expect("state lock")
        .account
        .as_ref()
        .map(Account::key);
    let mut items = items;
    if let Some(account) = account {
        let cache = inner.cache.lock().expect("cache lock");
        for (reference, item) in &mut items {
            item.last_visitor_text = crate::notify::latest_visitor_text(
                &cache
                    .thread(&account, reference, None, 50)
                    .unwrap_or_default(),
            );
        }
    }
    publish(&inner, |m| m.snoozed_listed(items.into_values().collect()));
}

/// Marks an outbox item answered in the cache: it is not resent.
fn settle(inner: &Inner, client_id: ClientId) {
    let _ = inner
        .cache
        .lock()
        .expect("cache lock")
        .outbox_sent(client_id, now_ms());
}

/// An outbox item as the cache keeps it (a stored `send_message` frame).
fn outbox_item(frame: PendingFrame) -> OutboxItem {
    let value: serde_json::Value = serde_json::from_str(&frame.frame).unwrap_or_default();
    OutboxItem {
        local_id: frame.client_id,
        conversation: ConversationRef(
            value["conversation"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ),
        text: value["text"].as_str().unwrap_or_default().to_owned(),
        queued_at: frame.created_at,
        state: if frame.sent_at.is_some() {
            OutboxState::Sent
        } else {
            OutboxState::Pending
        },
        error: None,
    }
}

/// A file name someone else chose, safe to create in a folder: no separators, no control
/// characters, no leading dots, at most 200 characters.
pub fn safe_file_name(name: &str) -> String {
    // Bidi and zero-width controls go: `invoice\u{202E}gpj.exe` must not be saved (and listed
    // by the file manager) as "invoiceexe.jpg".
    let cleaned: String = name
        .chars()
        .filter(|c| !crate::notify::is_format_control(*c))
        .map(|c| {
            if c.is_control() || c == '/' || c == '\\' {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned.chars().take(200).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn d12_a_saved_file_keeps_its_real_extension_and_no_path() {
        assert_eq!(safe_file_name("invoice\u{202E}gpj.exe"), "invoicegpj.exe");
        assert_eq!(safe_file_name("../../.bashrc"), "_.._.bashrc");
        assert_eq!(safe_file_name("\u{200B}\u{2066}"), "file");
    }
}
