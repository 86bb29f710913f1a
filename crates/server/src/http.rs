//! The HTTP side: login and tokens, the admin API, health and metrics, and the routes of the
//! two WebSocket gateways. Every error is `{code, message}` with the code's HTTP status.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pupitre_protocol::agent::Role;
use pupitre_protocol::{AgentId, ErrorCode, ErrorFrame, Millis};
use serde::{Deserialize, Serialize};

use crate::Hub;
use crate::admin::{self, NewAgentRequest, NewCannedRequest};
use crate::auth::{self, ACCESS_TTL, Claims, REFRESH_TTL};
use crate::gateway;
use crate::hub::Command;
use crate::store::{CannedResponse, ProjectId, ProjectSettings, Store, StoreError};

/// Largest HTTP body accepted.
const MAX_BODY: usize = 256 * 1024;

pub fn app(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/ws/agent", get(gateway::agent_ws))
        .route("/ws/visitor", get(gateway::visitor_ws))
        .route("/api/login", post(login))
        .route("/api/refresh", post(refresh))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me))
        .route(
            "/api/canned-responses",
            get(canned_list).post(canned_create),
        )
        .route("/api/conversations", get(conversations_list))
        .route("/api/agents", get(agents_list))
        .route("/api/groups", get(groups_list))
        .route("/api/conversations/{reference}", get(conversation_read))
        .route(
            "/api/visitors/{id}/conversations",
            get(visitor_conversations),
        )
        .route("/api/stats/today", get(stats_today))
        .route(
            "/api/admin/projects",
            get(admin_projects).post(admin_create_project),
        )
        .route(
            "/api/admin/projects/{code}/groups",
            get(admin_groups).post(admin_create_group),
        )
        .route(
            "/api/admin/projects/{code}/agents",
            get(admin_agents).post(admin_create_agent),
        )
        .route(
            "/api/admin/projects/{code}/canned-responses",
            post(admin_create_canned),
        )
        .route(
            "/api/admin/projects/{code}/settings",
            get(admin_settings).put(admin_put_settings),
        )
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY))
        .merge(crate::web::routes())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(hub)
}

/// An error as the HTTP API answers it.
#[derive(Debug)]
pub struct ApiError(pub ErrorFrame);

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ErrorFrame::new(code, message))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.0)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => {
                ApiError::new(ErrorCode::Conflict, format!("{what} already exists"))
            }
            StoreError::NotFound(what) => {
                ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
            }
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::new(
                    ErrorCode::Internal,
                    "the hub could not read or write its database",
                )
            }
        }
    }
}

impl From<admin::AdminError> for ApiError {
    fn from(e: admin::AdminError) -> Self {
        match e {
            admin::AdminError::Invalid(m) => ApiError::new(ErrorCode::InvalidInput, m),
            admin::AdminError::Store(s) => s.into(),
        }
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|_| {
        Err(ApiError::new(
            ErrorCode::Internal,
            "the request's worker failed",
        ))
    })
}

async fn healthz(State(hub): State<Arc<Hub>>) -> Response {
    let ok = hub.with_store(|s| s.projects().is_ok());
    if ok {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
    }
}

async fn metrics(State(hub): State<Arc<Hub>>) -> Response {
    match &hub.metrics {
        Some(h) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; version=0.0.4",
            )],
            h.render(),
        )
            .into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder not installed\n",
        )
            .into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    /// When the access token expires (ms since the epoch).
    pub expires_at: Millis,
    pub agent_id: AgentId,
    pub project: String,
    pub role: Role,
}

fn new_session(hub: &Hub, agent: &crate::store::AgentRow) -> ApiResult<Session> {
    let now = hub.clock.now();
    let exp = now + ACCESS_TTL;
    let access_token = hub.keys.sign(&Claims::Access {
        agent: agent.id,
        project: agent.project_id,
        role: agent.role,
        exp,
    });
    let (refresh_token, hash) = auth::new_refresh_token();
    let project = hub.with_store(|s| -> Result<_, StoreError> {
        s.insert_refresh_token(&hash, agent.id, now + REFRESH_TTL)?;
        s.project(agent.project_id)
    })?;
    Ok(Session {
        access_token,
        refresh_token,
        expires_at: exp,
        agent_id: agent.id,
        project: project.map(|p| p.code).unwrap_or_default(),
        role: agent.role,
    })
}

async fn login(
    State(hub): State<Arc<Hub>>,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<Session>> {
    blocking(move || {
        let agent = hub.with_store(|s| s.agent_by_email(req.email.trim()))?;
        // Verify against a dummy hash when the e-mail is unknown, so timing tells nothing.
        static DUMMY: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| auth::hash_password("dummy"));
        let hash = agent
            .as_ref()
            .map_or(DUMMY.as_str(), |a| a.password_hash.as_str());
        let ok = auth::verify_password(hash, &req.password);
        match agent {
            Some(agent) if ok => Ok(Json(new_session(&hub, &agent)?)),
            _ => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "wrong e-mail or password",
            )),
        }
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

async fn refresh(
    State(hub): State<Arc<Hub>>,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<Json<Session>> {
    blocking(move || {
        let now = hub.clock.now();
        let hash = auth::refresh_hash(&req.refresh_token);
        let agent = hub.with_store(|s| -> Result<_, StoreError> {
            match s.take_refresh_token(&hash, now)? {
                Some(id) => s.agent(id),
                None => Ok(None),
            }
        })?;
        match agent {
            Some(agent) => Ok(Json(new_session(&hub, &agent)?)),
            None => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "this session ended; log in again",
            )),
        }
    })
    .await
}

async fn logout(
    State(hub): State<Arc<Hub>>,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<StatusCode> {
    let hash = auth::refresh_hash(&req.refresh_token);
    let now = hub.clock.now();
    hub.with_store(|s| s.take_refresh_token(&hash, now))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's access claims.
pub(crate) struct Caller {
    pub(crate) agent: AgentId,
    pub(crate) project: ProjectId,
    pub(crate) role: Role,
}

pub(crate) fn caller(hub: &Hub, headers: &HeaderMap) -> ApiResult<Caller> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unauthorized,
                "send Authorization: Bearer <access token>",
            )
        })?;
    match hub.keys.verify(token) {
        Some(Claims::Access {
            agent,
            project,
            role,
            exp,
        }) if exp > hub.clock.now() => Ok(Caller {
            agent,
            project,
            role,
        }),
        Some(Claims::Access { .. }) => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "the access token expired; refresh it",
        )),
        _ => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "invalid access token",
        )),
    }
}

fn admin_caller(hub: &Hub, headers: &HeaderMap) -> ApiResult<Caller> {
    let c = caller(hub, headers)?;
    if c.role != Role::Admin {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "this needs the admin role",
        ));
    }
    Ok(c)
}

#[derive(Debug, Serialize)]
struct Me {
    id: AgentId,
    name: String,
    email: String,
    role: Role,
    project: String,
}

async fn me(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> ApiResult<Json<Me>> {
    let c = caller(&hub, &headers)?;
    let (agent, project) = hub.with_store(|s| -> Result<_, StoreError> {
        Ok((s.agent(c.agent)?, s.project(c.project)?))
    })?;
    let agent = agent
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "this agent no longer exists"))?;
    Ok(Json(Me {
        id: agent.id,
        name: agent.name,
        email: agent.email,
        role: agent.role,
        project: project.map(|p| p.code).unwrap_or_default(),
    }))
}

async fn canned_list(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<CannedResponse>>> {
    let c = caller(&hub, &headers)?;
    Ok(Json(hub.with_store(|s| {
        s.canned_responses(c.project, Some(c.agent))
    })?))
}

async fn canned_create(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Json(req): Json<NewCannedRequest>,
) -> ApiResult<(StatusCode, Json<CannedResponse>)> {
    let c = caller(&hub, &headers)?;
    let created = hub.with_store(|s| admin::create_canned(s, c.project, Some(c.agent), req))?;
    Ok((StatusCode::CREATED, Json(created)))
}

fn project_id(hub: &Hub, code: &str) -> ApiResult<ProjectId> {
    hub.with_store(|s| s.project_by_code(code))?
        .map(|p| p.id)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no project {code:?}")))
}

async fn reload(hub: &Hub, project: ProjectId) {
    if let Some(h) = hub.project(project) {
        h.send(Command::Reload).await;
    }
}

async fn admin_projects(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<admin::ProjectSummary>>> {
    admin_caller(&hub, &headers)?;
    Ok(Json(hub.with_store(|s| admin::list_projects(s))?))
}

#[derive(Debug, Deserialize)]
struct NewProject {
    code: String,
    name: String,
}

async fn admin_create_project(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Json(req): Json<NewProject>,
) -> ApiResult<(StatusCode, Json<admin::ProjectSummary>)> {
    admin_caller(&hub, &headers)?;
    let id = hub.with_store(|s| admin::create_project(s, &req.code, &req.name))?;
    hub.start_project(id)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    Ok((
        StatusCode::CREATED,
        Json(admin::ProjectSummary {
            id,
            code: req.code,
            name: req.name,
        }),
    ))
}

async fn admin_groups(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<admin::GroupSummary>>> {
    admin_caller(&hub, &headers)?;
    let id = project_id(&hub, &code)?;
    Ok(Json(hub.with_store(|s| admin::list_groups(s, id))?))
}

#[derive(Debug, Deserialize)]
struct NewGroup {
    name: String,
    #[serde(default)]
    hours: Option<pupitre_routing::hours::WeeklyHours>,
}

async fn admin_create_group(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(req): Json<NewGroup>,
) -> ApiResult<(StatusCode, Json<admin::GroupSummary>)> {
    admin_caller(&hub, &headers)?;
    let project = project_id(&hub, &code)?;
    let group =
        hub.with_store(|s| admin::create_group(s, project, &req.name, req.hours.as_ref()))?;
    reload(&hub, project).await;
    Ok((StatusCode::CREATED, Json(group)))
}

async fn admin_agents(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<admin::AgentSummary>>> {
    admin_caller(&hub, &headers)?;
    let id = project_id(&hub, &code)?;
    Ok(Json(hub.with_store(|s| admin::list_agents(s, id))?))
}

async fn admin_create_agent(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(req): Json<NewAgentRequest>,
) -> ApiResult<(StatusCode, Json<admin::AgentSummary>)> {
    admin_caller(&hub, &headers)?;
    let project = project_id(&hub, &code)?;
    let h = hub.clone();
    let agent =
        blocking(move || Ok(h.with_store(|s| admin::create_agent(s, project, req))?)).await?;
    reload(&hub, project).await;
    Ok((StatusCode::CREATED, Json(agent)))
}

async fn admin_create_canned(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(req): Json<NewCannedRequest>,
) -> ApiResult<(StatusCode, Json<CannedResponse>)> {
    admin_caller(&hub, &headers)?;
    let project = project_id(&hub, &code)?;
    let created = hub.with_store(|s| admin::create_canned(s, project, None, req))?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn admin_settings(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> ApiResult<Json<ProjectSettings>> {
    admin_caller(&hub, &headers)?;
    let project = hub
        .with_store(|s| s.project_by_code(&code))?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no project {code:?}")))?;
    Ok(Json(project.settings))
}

async fn admin_put_settings(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(settings): Json<ProjectSettings>,
) -> ApiResult<Json<ProjectSettings>> {
    admin_caller(&hub, &headers)?;
    let project = project_id(&hub, &code)?;
    hub.with_store(|s| admin::set_settings(s, project, &settings))?;
    reload(&hub, project).await;
    Ok(Json(settings))
}

/// A conversation as the HTTP API returns it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ConversationDoc {
    pub reference: pupitre_protocol::ConversationRef,
    pub group: pupitre_protocol::GroupId,
    pub agent: Option<AgentId>,
    pub previous_agent: Option<AgentId>,
    pub state: String,
    pub created_at: Millis,
    pub conversation_type: Option<String>,
    pub visitor: pupitre_protocol::agent::VisitorCard,
    /// While snoozed (R5): when it wakes, and whether it comes back to the same agent.
    pub snoozed_until: Option<Millis>,
    pub keep: Option<bool>,
    /// With `GET /api/conversations/{reference}` only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<pupitre_protocol::Message>,
}

/// Who may read a conversation: its agent and the agents who held it, the managers of its
/// group, the project's admins. Nobody else learns that it exists.
fn may_read(
    caller: &Caller,
    caller_groups: &[pupitre_protocol::GroupId],
    row: &crate::store::ConversationRow,
    handled: bool,
) -> bool {
    match caller.role {
        Role::Admin => true,
        Role::Manager => {
            caller_groups.contains(&row.record.group)
                || row.record.agent() == Some(caller.agent)
                || handled
        }
        Role::Agent => row.record.agent() == Some(caller.agent) || handled,
    }
}

fn state_name(state: &pupitre_routing::ConversationState) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v["state"].as_str().map(String::from))
        .unwrap_or_default()
}

fn doc(
    store: &mut dyn Store,
    code: &str,
    row: crate::store::ConversationRow,
    messages: Vec<pupitre_protocol::Message>,
) -> ApiResult<ConversationDoc> {
    let visitor = store
        .visitor(&row.visitor_id)?
        .map(|v| v.card)
        .unwrap_or_else(|| pupitre_protocol::agent::VisitorCard {
            id: row.visitor_id.clone(),
            ..Default::default()
        });
    Ok(ConversationDoc {
        reference: pupitre_protocol::ConversationRef::new(code, row.record.id),
        group: row.record.group,
        agent: row.record.agent(),
        previous_agent: row.record.previous_agent,
        state: state_name(&row.record.state),
        created_at: row.record.created_at,
        conversation_type: row.conversation_type.clone(),
        visitor,
        snoozed_until: match row.record.state {
            pupitre_routing::ConversationState::Snoozed { until, .. } => Some(until),
            _ => None,
        },
        keep: match row.record.state {
            pupitre_routing::ConversationState::Snoozed { keep, .. } => Some(keep),
            _ => None,
        },
        messages,
    })
}

/// `GET /api/conversations`: the live conversations the caller may see (an agent: their
/// desk; a manager: their groups'; an admin: the project's).
async fn conversations_list(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<ConversationDoc>>> {
    let c = caller(&hub, &headers)?;
    blocking(move || {
        hub.with_store(|s| {
            let project = s
                .project(c.project)?
                .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no project"))?;
            let groups = s.agent(c.agent)?.map(|a| a.groups).unwrap_or_default();
            let rows = s.live_conversations(c.project)?;
            let mut docs = vec![];
            for row in rows {
                // The agent's own snoozed conversations are part of their desk (D8).
                let snoozed_by_me = matches!(row.record.state,
                    pupitre_routing::ConversationState::Snoozed { by, .. } if by == c.agent);
                if snoozed_by_me || may_read(&c, &groups, &row, false) {
                    docs.push(doc(s, &project.code, row, vec![])?);
                }
            }
            Ok(Json(docs))
        })
    })
    .await
}

/// `GET /api/conversations/{reference}`: one conversation with its whole thread.
async fn conversation_read(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(reference): Path<String>,
) -> ApiResult<Json<ConversationDoc>> {
    let c = caller(&hub, &headers)?;
    let reference = pupitre_protocol::ConversationRef(reference);
    blocking(move || {
        hub.with_store(|s| {
            let project = s
                .project(c.project)?
                .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no project"))?;
            let number = match reference.parse() {
                Some((code, n)) if code == project.code => n,
                _ => {
                    return Err(ApiError::new(
                        ErrorCode::NotFound,
                        format!("no conversation {reference} for you"),
                    ));
                }
            };
            let (row, messages) = readable_conversation(s, &c, number)?;
            let messages = messages.into_iter().map(|m| m.message).collect();
            doc(s, &project.code, row, messages)
        })
        .map(Json)
    })
    .await
}

/// One of a visitor's conversations, for the desk's history (D14).
#[derive(Debug, Serialize, Deserialize)]
pub struct HistoryDoc {
    pub reference: pupitre_protocol::ConversationRef,
    pub state: String,
    pub created_at: Millis,
    /// The last message's time.
    pub last_at: Millis,
    pub visitor_name: Option<String>,
    /// The agents who wrote in it, in order of first message.
    pub agents: Vec<String>,
    pub conversation_type: Option<String>,
    /// The visitor's last words.
    pub excerpt: String,
}

/// `GET /api/visitors/{id}/conversations`: the visitor's conversations the caller may read,
/// newest first (D14).
async fn visitor_conversations(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(visitor): Path<String>,
) -> ApiResult<Json<Vec<HistoryDoc>>> {
    let c = caller(&hub, &headers)?;
    blocking(move || {
        hub.with_store(|s| {
            let project = s
                .project(c.project)?
                .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no project"))?;
            let name = s.visitor(&visitor)?.and_then(|v| v.card.name);
            let groups = s.agent(c.agent)?.map(|a| a.groups).unwrap_or_default();
            let mut docs = vec![];
            for row in s.visitor_conversations(c.project, &visitor)? {
                let messages = s.messages(c.project, row.record.id)?;
                if !may_read_thread(&c, &groups, &row, &messages) {
                    continue;
                }
                let mut agents: Vec<String> = vec![];
                for m in &messages {
                    if let pupitre_protocol::Author::Agent { name, .. } = &m.message.author
                        && !agents.contains(name)
                    {
                        agents.push(name.clone());
                    }
                }
                let excerpt = messages
                    .iter()
                    .rev()
                    .find_map(|m| match (&m.message.author, &m.message.body) {
                        (
                            pupitre_protocol::Author::Visitor,
                            pupitre_protocol::Body::Text { text },
                        ) => Some(text.clone()),
                        _ => None,
                    })
                    .unwrap_or_default();
                docs.push(HistoryDoc {
                    reference: pupitre_protocol::ConversationRef::new(&project.code, row.record.id),
                    state: state_name(&row.record.state),
                    created_at: row.record.created_at,
                    last_at: messages
                        .last()
                        .map_or(row.record.created_at, |m| m.message.at),
                    visitor_name: name.clone(),
                    agents,
                    conversation_type: row.conversation_type.clone(),
                    excerpt,
                });
            }
            docs.reverse();
            Ok(Json(docs))
        })
    })
    .await
}

/// `GET /api/stats/today`: the caller's figures since local midnight (D15).
async fn stats_today(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<crate::stats::TodayStats>> {
    let c = caller(&hub, &headers)?;
    let now = hub.clock.now();
    blocking(move || {
        hub.with_store(|s| {
            let project = s
                .project(c.project)?
                .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no project"))?;
            let name = s.agent(c.agent)?.map(|a| a.name).unwrap_or_default();
            let tz = pupitre_routing::hours::parse_timezone(&project.settings.routing.timezone)
                .unwrap_or(chrono_tz::UTC);
            let since = pupitre_routing::hours::start_of_day(tz, now);
            let messages = s.messages_since(c.project, since)?;
            Ok(Json(crate::stats::today(c.agent, &name, &messages)))
        })
    })
    .await
}

/// Conversation `number` of the caller's project with its thread, if the caller may read it
/// (`not_found` otherwise: nobody learns that it exists).
pub(crate) fn readable_conversation(
    s: &mut dyn Store,
    c: &Caller,
    number: i64,
) -> ApiResult<(
    crate::store::ConversationRow,
    Vec<crate::store::StoredMessage>,
)> {
    let hidden = || ApiError::new(ErrorCode::NotFound, "no such conversation for you");
    let row = s.conversation(c.project, number)?.ok_or_else(hidden)?;
    let messages = s.messages(c.project, number)?;
    let groups = s.agent(c.agent)?.map(|a| a.groups).unwrap_or_default();
    if !may_read_thread(c, &groups, &row, &messages) {
        return Err(hidden());
    }
    Ok((row, messages))
}

/// [`may_read`], where having written in the thread counts as having handled it.
fn may_read_thread(
    c: &Caller,
    groups: &[pupitre_protocol::GroupId],
    row: &crate::store::ConversationRow,
    messages: &[crate::store::StoredMessage],
) -> bool {
    let handled = messages.iter().any(
        |m| matches!(m.message.author, pupitre_protocol::Author::Agent { id, .. } if id == c.agent),
    ) || row.record.previous_agent == Some(c.agent);
    may_read(c, groups, row, handled)
}

/// An agent as the transfer dialog shows it (R7, D9).
#[derive(Debug, Serialize, Deserialize)]
pub struct AgentInfo {
    pub id: AgentId,
    pub name: String,
    /// On the chat channel, now.
    pub availability: pupitre_protocol::Availability,
    pub groups: Vec<pupitre_protocol::GroupId>,
}

/// `GET /api/agents`: the project's agents with their live availability.
async fn agents_list(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<AgentInfo>>> {
    let c = caller(&hub, &headers)?;
    let agents = hub.with_store(|s| s.agents(c.project))?;
    let project = hub
        .project(c.project)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "project not served"))?;
    let ids: Vec<AgentId> = agents.iter().map(|a| a.id).collect();
    let availability = project
        .inspect(move |engine| {
            ids.iter()
                .map(|id| {
                    engine
                        .agent(*id)
                        .and_then(|v| {
                            v.availability
                                .iter()
                                .find(|(ch, _)| *ch == pupitre_protocol::Channel::Chat)
                                .map(|(_, a)| *a)
                        })
                        .unwrap_or(pupitre_protocol::Availability::Offline)
                })
                .collect::<Vec<_>>()
        })
        .await
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the project's writer is not running"))?;
    Ok(Json(
        agents
            .into_iter()
            .zip(availability)
            .map(|(a, availability)| AgentInfo {
                id: a.id,
                name: a.name,
                availability,
                groups: a.groups,
            })
            .collect(),
    ))
}

/// `GET /api/groups`: the project's groups (transfer targets).
async fn groups_list(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<pupitre_protocol::agent::GroupInfo>>> {
    let c = caller(&hub, &headers)?;
    let groups = hub.with_store(|s| s.groups(c.project))?;
    Ok(Json(
        groups
            .into_iter()
            .map(|g| pupitre_protocol::agent::GroupInfo {
                id: g.id,
                name: g.name,
            })
            .collect(),
    ))
}
