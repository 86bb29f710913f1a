//! Several hubs on one PostgreSQL database (issue 14, DESIGN §14): a request that needs its
//! project's writer ([`writer`]) and reaches a node that does not own the project is forwarded
//! to the node that does, and the owner's answer given back as it came, as desks and widgets
//! are relayed ([`crate::cluster_proxy`]). One hop only; while no node owns the project (a
//! takeover under way) the caller is asked to come back (`unavailable`, `Retry-After: 1`).

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use pupitre_protocol::ErrorCode;

use crate::Hub;
use crate::api::caller::{VISITOR_HEADER, client_ip};
use crate::api::console::CSRF_HEADER;
use crate::api::error::ApiError;
use crate::cluster_proxy::RELAYED;
use crate::hub::ProjectHandle;
use crate::store::ProjectId;

/// How long the owner may take to answer a forwarded request.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What the owner needs of the request: who calls and what the body is. Not `Host` nor
/// `Origin`: the owner is reached at its own address, and this node checked the origin.
const REQUEST_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "cookie",
    "user-agent",
    "accept",
    "accept-language",
    VISITOR_HEADER,
    CSRF_HEADER,
];

/// What the caller gets of the owner's answer; its connection and CORS headers stay with it
/// (this node's layers add their own).
const RESPONSE_HEADERS: &[&str] = &[
    "content-type",
    "cache-control",
    "set-cookie",
    "retry-after",
    "content-disposition",
    "content-security-policy",
    "x-content-type-options",
];

/// One client for every forwarded request: its pool keeps connections to the other nodes.
static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        // Node to node on their own network: no system proxy; a redirect is the caller's.
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
});

/// An answer other than the handler's own result: an [`ApiError`], or the answer of the
/// project's node ([`writer`]). Boxed: a response is too large to carry in every `Result`.
pub(super) struct Answer(Box<Response>);

/// What a handler that may forward its request returns.
pub(super) type Answered<T> = Result<T, Answer>;

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        *self.0
    }
}

impl From<ApiError> for Answer {
    fn from(e: ApiError) -> Self {
        Self(Box::new(e.into_response()))
    }
}

/// A request as it came, to forward it: its headers (the handler reads the caller from
/// them), method, path and query, and the client's address.
pub(super) struct Incoming {
    pub(super) headers: HeaderMap,
    method: Method,
    target: String,
    client: Option<IpAddr>,
}

impl FromRequestParts<Arc<Hub>> for Incoming {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        hub: &Arc<Hub>,
    ) -> Result<Self, Self::Rejection> {
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or(&parts.uri, |o| &o.0);
        let target = uri
            .path_and_query()
            .map_or_else(|| uri.path().to_owned(), ToString::to_string);
        // Forwarded by another node: the caller it vouches for.
        let client =
            crate::cluster_proxy::vouched_client(&hub.keys, &parts.headers).or_else(|| {
                parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|ConnectInfo(peer)| {
                        client_ip(peer.ip(), &parts.headers, &hub.options.trusted_proxies)
                    })
            });
        Ok(Self {
            headers: parts.headers.clone(),
            method: parts.method.clone(),
            target,
            client,
        })
    }
}

/// The project's writer on this node. On a cluster node that does not own the project, the
/// `Err` is the owner's answer to this very request (`body` gives its body, as read) or, when
/// it cannot be asked, `unavailable`: the handler returns it as it is.
pub(super) async fn writer(
    hub: &Hub,
    project: ProjectId,
    incoming: &Incoming,
    body: impl FnOnce() -> Bytes,
) -> Answered<ProjectHandle> {
    if let Some(handle) = hub.project(project) {
        return Ok(handle);
    }
    let Some(cluster) = hub.cluster().cloned() else {
        return Err(ApiError::new(ErrorCode::NotFound, "project not served").into());
    };
    // One hop only, as the gateway's relay: two nodes disagreeing about the owner would pass
    // the request back and forth.
    if incoming.headers.contains_key(RELAYED) {
        return Err(moving());
    }
    let Some(owner) = tokio::task::spawn_blocking(move || cluster.owner_url(project))
        .await
        .ok()
        .flatten()
    else {
        return Err(moving());
    };
    match forward(&hub.keys, &owner, incoming, body()).await {
        Ok(answer) => Err(Answer(Box::new(answer))),
        Err(e) => {
            tracing::warn!(node_url = %owner, error = %e, "forwarding a request to the project's node");
            Err(moving())
        }
    }
}

/// The owner's answer to the request: its status, the headers the caller needs, its body.
async fn forward(
    keys: &crate::auth::Keys,
    owner: &str,
    incoming: &Incoming,
    body: Bytes,
) -> reqwest::Result<Response> {
    let url = format!("{}{}", owner.trim_end_matches('/'), incoming.target);
    let mut request = CLIENT
        .request(incoming.method.clone(), url)
        .headers(pick(&incoming.headers, REQUEST_HEADERS))
        .body(body);
    // One hop; the caller's address vouched for as a relayed socket's is (crate::cluster_proxy).
    request = match incoming.client {
        Some(ip) => {
            let ip = ip.to_string();
            request
                .header(RELAYED, keys.relay_proof(&ip))
                .header("x-forwarded-for", ip)
        }
        None => request.header(RELAYED, "1"),
    };
    let answer = request.send().await?;
    let status = answer.status();
    let headers = pick(answer.headers(), RESPONSE_HEADERS);
    let mut response = Response::new(Body::from(answer.bytes().await?));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}

/// The headers of `from` named in `names`, every value of each.
fn pick(from: &HeaderMap, names: &[&'static str]) -> HeaderMap {
    let mut picked = HeaderMap::new();
    for name in names {
        for value in from.get_all(*name) {
            picked.append(*name, value.clone());
        }
    }
    picked
}

/// No node to ask this instant (a takeover under way, or the request was forwarded once
/// already): the caller comes back in a second.
fn moving() -> Answer {
    ApiError::new(
        ErrorCode::Unavailable,
        "the project is moving between hubs; try again in a second",
    )
    .retry_after(1)
    .into()
}
