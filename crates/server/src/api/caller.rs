//! Who is calling: an agent by the bearer access token of their session, a widget by its
//! signed visitor token in `X-Pupitre-Visitor` (W2), and the CORS policy that lets a widget
//! on a brand's page send that header.
//!
//! These are functions a handler calls once its extractors succeeded, not extractors: a
//! request with both a bad token and a bad body keeps being refused for its body first.

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, Method};
use pupitre_protocol::agent::Role;
use pupitre_protocol::{AgentId, ErrorCode, Millis};
use tower_http::cors::{Any, CorsLayer};

use crate::Hub;
use crate::api::error::{ApiError, ApiResult};
use crate::auth::Claims;
use crate::store::ProjectId;

/// The header a widget authenticates with: its signed visitor token (W2).
pub const VISITOR_HEADER: &str = "x-pupitre-visitor";

/// The caller's access claims.
pub(crate) struct Caller {
    pub(crate) agent: AgentId,
    pub(crate) project: ProjectId,
    pub(crate) role: Role,
}

/// The agent a request comes from: by its `Authorization: Bearer` access token (the desk),
/// or without one by the console's session cookie (checked against cross-site use by
/// [`crate::api::console::csrf_guard`]).
pub(crate) fn caller(hub: &Hub, headers: &HeaderMap) -> ApiResult<Caller> {
    if !headers.contains_key(AUTHORIZATION)
        && let Some(token) =
            crate::api::console::cookie(headers, crate::api::console::SESSION_COOKIE)
    {
        return match hub.keys.verify(token) {
            // A session lasts a working day: the account is read again at each request, so
            // an agent removed or given another role since signing in loses it at once.
            Some(Claims::Console {
                agent,
                project,
                role,
                exp,
                sid,
            }) if exp > hub.clock.now()
                && !made_before_credentials(hub, agent, exp - crate::api::console::SESSION_TTL)
                && !hub
                    .signed_out
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .contains_key(&sid)
                && hub
                    .with_store(|s| s.agent(agent))
                    .ok()
                    .flatten()
                    .is_some_and(|row| {
                        row.role == role && row.project_id == project && row.active
                    }) =>
            {
                Ok(Caller {
                    agent,
                    project,
                    role,
                })
            }
            _ => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "the console session ended; sign in again",
            )),
        };
    }
    let token = headers
        .get(AUTHORIZATION)
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
        }) if exp > hub.clock.now() => {
            // The account as it is now: one deactivated or given another role since the token
            // was made loses it at once (A8).
            let current = hub.with_store(|s| s.agent(agent))?;
            match current {
                Some(row)
                    if row.active
                        && row.role == role
                        && row.project_id == project
                        && exp - crate::auth::ACCESS_TTL >= row.credentials_at =>
                {
                    Ok(Caller {
                        agent,
                        project,
                        role,
                    })
                }
                _ => Err(ApiError::new(
                    ErrorCode::Unauthorized,
                    "this account changed or was deactivated: sign in again",
                )),
            }
        }
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

/// As [`caller`], for an admin only (`forbidden` otherwise).
/// A8: whether a token of `agent` made at `issued` predates their last new password (every
/// session ends with the old password); an agent that is gone counts as such.
pub(crate) fn made_before_credentials(hub: &Hub, agent: AgentId, issued: Millis) -> bool {
    match hub.with_store(|s| s.agent(agent)) {
        Ok(Some(row)) => issued < row.credentials_at,
        Ok(None) => true,
        Err(_) => false,
    }
}

pub(crate) fn admin_caller(hub: &Hub, headers: &HeaderMap) -> ApiResult<Caller> {
    let c = caller(hub, headers)?;
    if c.role != Role::Admin {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "this needs the admin role",
        ));
    }
    Ok(c)
}

/// The visitor a request comes from, by its `X-Pupitre-Visitor` token.
pub(crate) fn visitor_caller(hub: &Hub, headers: &HeaderMap) -> ApiResult<(ProjectId, String)> {
    let token = headers
        .get(VISITOR_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unauthorized,
                "send X-Pupitre-Visitor: <visitor token>",
            )
        })?;
    match hub.keys.verify(token) {
        Some(Claims::Visitor { visitor, project }) => Ok((project, visitor)),
        _ => Err(ApiError::new(
            ErrorCode::Unauthorized,
            "invalid visitor token",
        )),
    }
}

/// The widget runs on brands' sites: what it loads and calls answers CORS from any origin,
/// and may carry the visitor token.
pub(crate) fn widget_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([CONTENT_TYPE, HeaderName::from_static(VISITOR_HEADER)])
}

/// The client's address: the TCP peer, unless the peer is a trusted reverse proxy, in which
/// case the right-most `X-Forwarded-For` hop that is not itself a trusted proxy (each proxy
/// appends the address it saw; only the hops a trusted proxy added can be believed).
pub(crate) fn client_ip(
    peer: std::net::IpAddr,
    headers: &HeaderMap,
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    // On a dual-stack listener an IPv4 peer arrives as `::ffff:a.b.c.d`: compare it as IPv4.
    let peer = peer.to_canonical();
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        match hop.trim().parse::<std::net::IpAddr>() {
            Ok(ip) => {
                let ip = ip.to_canonical();
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            // A hop we cannot read: stop at the last address a trusted proxy vouched for.
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let proxy: std::net::IpAddr = "10.0.0.2".parse().unwrap();
        let stranger: std::net::IpAddr = "198.51.100.9".parse().unwrap();
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        let xff = headers(&["1.2.3.4, 203.0.113.7"]);
        assert_eq!(
            client_ip(stranger, &xff, &trusted),
            stranger,
            "forged by the client"
        );
        assert_eq!(client_ip(proxy, &xff, &[]), proxy, "no proxy configured");
        assert_eq!(
            client_ip(proxy, &xff, &trusted),
            "203.0.113.7".parse::<std::net::IpAddr>().unwrap(),
            "the hop the proxy added, not what the client prepended"
        );
        let chain = headers(&["203.0.113.7, 10.0.0.5", "10.0.0.3"]);
        assert_eq!(
            client_ip(proxy, &chain, &trusted),
            "203.0.113.7".parse::<std::net::IpAddr>().unwrap(),
            "through two trusted proxies"
        );
        assert_eq!(client_ip(proxy, &headers(&["junk"]), &trusted), proxy);
        let mapped: std::net::IpAddr = "::ffff:10.0.0.2".parse().unwrap();
        assert_eq!(
            client_ip(mapped, &xff, &trusted),
            "203.0.113.7".parse::<std::net::IpAddr>().unwrap(),
            "an IPv4 proxy seen through a dual-stack socket"
        );
    }
}
