//! Sessions: `POST /api/login`, `/api/refresh` (rotating refresh tokens), `/api/logout`, and
//! `GET /api/me`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use pupitre_protocol::agent::Role;
use pupitre_protocol::{AgentId, ErrorCode, Millis};
use serde::{Deserialize, Serialize};

use crate::Hub;
use crate::api::caller::{self, caller};
use crate::api::error::{ApiError, ApiResult, blocking};
use crate::auth::{self, ACCESS_TTL, Claims, REFRESH_TTL};
use crate::login_throttle::Verdict;
use crate::store::{AgentRow, StoreError};

/// RFC 5321's limit on an address.
const MOST_EMAIL_BYTES: usize = 254;
const MOST_PASSWORD_BYTES: usize = 1024;

#[derive(Debug, Deserialize)]
pub(crate) struct LoginRequest {
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

fn new_session(hub: &Hub, agent: &AgentRow) -> ApiResult<Session> {
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

pub(super) async fn login(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<Session>> {
    let agent = check_password(&hub, peer, &headers, req).await?;
    blocking(move || Ok(Json(new_session(&hub, &agent)?))).await
}

/// The agent whose e-mail and password these are, under every bound of a login: sizes, the
/// throttle, the password gate (issue 9). Shared by the desk's login and the console's.
pub(crate) async fn check_password(
    hub: &Arc<Hub>,
    peer: SocketAddr,
    headers: &HeaderMap,
    req: LoginRequest,
) -> ApiResult<AgentRow> {
    let hub = hub.clone();
    let ip = caller::client_ip(peer.ip(), headers, &hub.options.trusted_proxies);
    // Bounded before anything keeps them (the throttle keys by account).
    if req.email.len() > MOST_EMAIL_BYTES || req.password.len() > MOST_PASSWORD_BYTES {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!(
                "an e-mail address has at most {MOST_EMAIL_BYTES} characters and a password at most {MOST_PASSWORD_BYTES}"
            ),
        ));
    }
    let account = req.email.trim().to_lowercase();
    let verdict = hub
        .login_throttle
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .check(hub.clock.now(), ip, &account);
    if let Verdict::Wait(ms) = verdict {
        metrics::counter!("pupitre_logins_refused_throttled_total").increment(1);
        let seconds = (ms + 999) / 1000;
        return Err(ApiError::new(
            ErrorCode::RateLimited,
            format!("too many wrong passwords from this address: try again in {seconds} s"),
        )
        .retry_after(seconds));
    }
    let Some(in_flight) = InFlight::begin(&hub, ip) else {
        metrics::counter!("pupitre_logins_refused_busy_total").increment(1);
        return Err(ApiError::new(
            ErrorCode::RateLimited,
            "logins from this address are already under way: try again in a moment",
        ));
    };
    let Some(mut permit) = hub.password_gate.enter(in_flight.rank).await else {
        metrics::counter!("pupitre_logins_refused_busy_total").increment(1);
        return Err(ApiError::new(
            ErrorCode::RateLimited,
            "too many logins at once: try again in a moment",
        ));
    };
    blocking(move || {
        let _in_flight = in_flight;
        let agent = hub.with_store(|s| s.agent_by_email(req.email.trim()))?;
        // Verify against a dummy hash when the e-mail is unknown, so timing tells nothing.
        static DUMMY: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| auth::hash_password("dummy"));
        let hash = agent
            .as_ref()
            .map_or(DUMMY.as_str(), |a| a.password_hash.as_str());
        let ok = auth::verify_password_in(hash, &req.password, permit.memory());
        drop(permit);
        let mut throttle = hub.login_throttle.lock().unwrap_or_else(|e| e.into_inner());
        match agent {
            // The right password of a deactivated account: said plainly, since only its owner
            // knows the password (A8).
            Some(agent) if ok && !agent.active => {
                throttle.succeeded(ip, &account);
                Err(ApiError::new(
                    ErrorCode::Unauthorized,
                    "this account was deactivated: ask your admin",
                ))
            }
            Some(agent) if ok => {
                throttle.succeeded(ip, &account);
                Ok(agent)
            }
            _ => {
                throttle.failed(hub.clock.now(), ip, &account);
                Err(ApiError::new(
                    ErrorCode::Unauthorized,
                    "wrong e-mail or password",
                ))
            }
        }
    })
    .await
}

/// A login being checked, counted against its address until it ends (also if the client
/// hangs up while it waits).
struct InFlight {
    hub: Arc<Hub>,
    ip: IpAddr,
    rank: u32,
}

impl InFlight {
    fn begin(hub: &Arc<Hub>, ip: IpAddr) -> Option<Self> {
        let rank = hub
            .login_throttle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .begin(hub.clock.now(), ip)?;
        Some(Self {
            hub: hub.clone(),
            ip,
            rank,
        })
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.hub
            .login_throttle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .end(self.ip);
    }
}

#[derive(Debug, Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

pub(super) async fn refresh(
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
            Some(agent) if agent.active => Ok(Json(new_session(&hub, &agent)?)),
            _ => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "this session ended; log in again",
            )),
        }
    })
    .await
}

pub(super) async fn logout(
    State(hub): State<Arc<Hub>>,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<StatusCode> {
    let hash = auth::refresh_hash(&req.refresh_token);
    let now = hub.clock.now();
    hub.with_store(|s| s.take_refresh_token(&hash, now))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize)]
pub(super) struct Me {
    id: AgentId,
    name: String,
    email: String,
    role: Role,
    project: String,
}

pub(super) async fn me(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> ApiResult<Json<Me>> {
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
