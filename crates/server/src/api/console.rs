//! The administration console's session (issue 10): an HttpOnly, SameSite=Strict cookie
//! (Secure over TLS), never a token the page's scripts can read.
//!
//! - `POST /api/console/session` `{email, password}`: the same checks as the desk's login
//!   (throttle, password gate); admins and managers only. Sets `pupitre_console` (the signed
//!   session, HttpOnly) and `pupitre_csrf` (readable by the page).
//! - `GET /api/console/session`: who is signed in (401 otherwise); `DELETE`: signs out.
//!
//! Cross-site requests (OWASP's signed double submit): a request authenticated by the cookie
//! that changes something (not GET, HEAD or OPTIONS) must carry `X-Pupitre-CSRF` equal to
//! the `pupitre_csrf` cookie, which is an HMAC of the session's random id, and, when the
//! browser sends an `Origin`, come from the hub's own origin ([`csrf_guard`]). SameSite=Strict
//! already keeps the cookie off other sites' requests; this holds even where it does not.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{AppendHeaders, IntoResponse, Response};
use pupitre_protocol::agent::Role;
use pupitre_protocol::{AgentId, ErrorCode, Millis};
use serde::Serialize;

use crate::Hub;
use crate::api::caller::{Caller, caller};
use crate::api::error::{ApiError, ApiResult};
use crate::api::sessions::{LoginRequest, check_password};
use crate::auth::Claims;
use crate::store::AgentRow;

pub const SESSION_COOKIE: &str = "pupitre_console";
pub const CSRF_COOKIE: &str = "pupitre_csrf";
pub const CSRF_HEADER: &str = "x-pupitre-csrf";
/// A working day; then the person signs in again.
pub const SESSION_TTL: Millis = 10 * 3600 * 1000;

#[derive(Debug, Serialize)]
pub struct ConsoleSession {
    pub agent_id: AgentId,
    pub name: String,
    pub role: Role,
    pub project: String,
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// Both cookies (appended: two `Set-Cookie` headers, not one replacing the other).
fn set_cookies(
    hub: &Hub,
    session: &str,
    csrf: &str,
    max_age_s: i64,
) -> AppendHeaders<[(axum::http::HeaderName, String); 2]> {
    let secure = if hub.options.tls.is_some() {
        "; Secure"
    } else {
        ""
    };
    AppendHeaders([
        (
            SET_COOKIE,
            format!(
                "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}"
            ),
        ),
        (
            SET_COOKIE,
            format!("{CSRF_COOKIE}={csrf}; Path=/; SameSite=Strict; Max-Age={max_age_s}{secure}"),
        ),
    ])
}

/// Who a console session belongs to, as the page shows it.
fn session_of(hub: &Hub, agent: &AgentRow) -> ApiResult<ConsoleSession> {
    Ok(ConsoleSession {
        agent_id: agent.id,
        name: agent.name.clone(),
        role: agent.role,
        project: hub
            .with_store(|s| s.project(agent.project_id))?
            .map(|p| p.code)
            .unwrap_or_default(),
    })
}

fn describe(hub: &Hub, c: &Caller) -> ApiResult<ConsoleSession> {
    let agent = hub
        .with_store(|s| s.agent(c.agent))?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "this account no longer exists"))?;
    session_of(hub, &agent)
}

pub(super) async fn open(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let agent = check_password(&hub, peer, &headers, req).await?;
    if agent.role == Role::Agent {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "the console is for admins and managers; agents work in the desk",
        ));
    }
    let sid = crate::auth::new_refresh_token().0;
    let exp = hub.clock.now() + SESSION_TTL;
    let token = hub.keys.sign(&Claims::Console {
        agent: agent.id,
        project: agent.project_id,
        role: agent.role,
        exp,
        sid: sid.clone(),
    });
    let csrf = hub.keys.csrf_for(&sid);
    let session = session_of(&hub, &agent)?;
    Ok((
        set_cookies(&hub, &token, &csrf, SESSION_TTL / 1000),
        Json(session),
    )
        .into_response())
}

pub(super) async fn current(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<ConsoleSession>> {
    let c = caller(&hub, &headers)?;
    Ok(Json(describe(&hub, &c)?))
}

/// Signs out: the cookies are cleared, and the session itself ends on the hub (a copy of the
/// cookie no longer opens it).
pub(super) async fn close(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Response {
    if let Some(Claims::Console { sid, exp, .. }) =
        cookie(&headers, SESSION_COOKIE).and_then(|t| hub.keys.verify(t))
    {
        let now = hub.clock.now();
        let mut signed_out = hub.signed_out.lock().unwrap_or_else(|e| e.into_inner());
        signed_out.retain(|_, until| *until > now);
        signed_out.insert(sid, exp);
    }
    (
        set_cookies(&hub, "", "", 0),
        axum::http::StatusCode::NO_CONTENT,
    )
        .into_response()
}

/// Refuses a cookie-authenticated request that changes something without the CSRF header
/// matching its session, or from another origin (`forbidden`).
pub async fn csrf_guard(State(hub): State<Arc<Hub>>, request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let headers = request.headers();
    let by_cookie =
        !headers.contains_key(AUTHORIZATION) && cookie(headers, SESSION_COOKIE).is_some();
    // Signing in or out needs no session yet (or any more): its origin is checked, so another
    // site cannot sign a browser in to an account of its choosing.
    let opening = request.uri().path() == "/api/console/session";
    if safe || !(by_cookie || opening) {
        return next.run(request).await;
    }
    let sid = cookie(headers, SESSION_COOKIE).and_then(|t| match hub.keys.verify(t) {
        Some(Claims::Console { sid, .. }) => Some(sid),
        _ => None,
    });
    let header = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    let token_ok = match (&sid, header) {
        (Some(sid), Some(h)) => hub.keys.csrf_matches(sid, h),
        _ => false,
    };
    let origin_ok = match headers.get(ORIGIN) {
        None => true,
        Some(origin) => same_origin(origin, headers.get(HOST)),
    };
    if origin_ok && (opening || token_ok) {
        return next.run(request).await;
    }
    metrics::counter!("pupitre_console_csrf_refused_total").increment(1);
    ApiError::new(
        ErrorCode::Forbidden,
        "this request did not come from the console's own page (missing or wrong X-Pupitre-CSRF, or another origin)",
    )
    .into_response()
}

/// Whether `Origin` names this host (any scheme: the hub may sit behind a TLS proxy).
fn same_origin(origin: &HeaderValue, host: Option<&HeaderValue>) -> bool {
    let (Ok(origin), Some(Ok(host))) = (origin.to_str(), host.map(|h| h.to_str())) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_among_others_and_origins_compared_by_host() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, "a=1; pupitre_console=tok.en; b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("tok.en"));
        assert_eq!(cookie(&h, "pupitre"), None);
        let host = HeaderValue::from_static("hub.example:8443");
        assert!(same_origin(
            &HeaderValue::from_static("https://hub.example:8443"),
            Some(&host)
        ));
        assert!(!same_origin(
            &HeaderValue::from_static("https://evil.test"),
            Some(&host)
        ));
        assert!(!same_origin(&HeaderValue::from_static("null"), Some(&host)));
    }
}
