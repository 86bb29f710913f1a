//! What browsers load from the hub: the widget script, the demo brand pages, the widget's
//! per-project configuration (W1), and files of conversations (W4, D12), uploaded by agents
//! (bearer token) or visitors (`X-Pupitre-Visitor` token) and served only to the
//! conversation's participants.
//!
//! The widget runs on brands' sites: its routes answer CORS from any origin. Files are served
//! with `nosniff` and a sandboxing CSP, so a hostile upload cannot run in the hub's origin.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pupitre_protocol::visitor::WidgetConfig;
use pupitre_protocol::{ConversationRef, ErrorCode, Message};
use serde::Deserialize;
use tower_http::cors::{Any, CorsLayer};

use crate::Hub;
use crate::auth::Claims;
use crate::http::{ApiError, ApiResult, blocking, caller, readable_conversation};
use crate::hub::{Command, FileSender};
use crate::store::{ProjectId, Store};

/// The header a widget authenticates with: its signed visitor token (W2).
pub const VISITOR_HEADER: &str = "x-pupitre-visitor";
/// Largest upload body; the project's own limit (widget settings) is checked by the writer.
const MAX_UPLOAD: usize = 12 * 1024 * 1024;

const WIDGET_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/widget.js"));
const DEMO_INDEX: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/demo-index.html"));
const DEMO_PRICING: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/demo-pricing.html"));
const DEMO_CONTACT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/demo-contact.html"));

/// The demo pages' policy: what a careful brand site would set; the widget works under it.
const DEMO_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob: https:; connect-src 'self' ws: wss:; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'";

pub fn routes() -> Router<Arc<Hub>> {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([CONTENT_TYPE, HeaderName::from_static(VISITOR_HEADER)]);
    let widget = Router::new()
        .route("/widget.js", get(widget_js))
        .route("/api/widget/config", get(widget_config))
        .route("/api/visitor/files", post(visitor_upload))
        .route("/api/files/{id}", get(download))
        .layer(cors);
    Router::new()
        .route("/demo", get(demo_page))
        .route("/demo/{page}", get(demo_page))
        .route("/api/conversations/{reference}/files", post(agent_upload))
        .merge(widget)
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_UPLOAD))
}

/// A file of the widget folder: from disk with `--widget-dir` (development), else embedded.
fn widget_file(hub: &Hub, relative: &str, embedded: &'static [u8]) -> Vec<u8> {
    if let Some(dir) = &hub.options.widget_dir {
        match std::fs::read(dir.join(relative)) {
            Ok(b) => return b,
            Err(e) => {
                tracing::warn!(file = relative, error = %e, "widget dir: serving the embedded copy")
            }
        }
    }
    embedded.to_vec()
}

async fn widget_js(State(hub): State<Arc<Hub>>) -> Response {
    let body = widget_file(&hub, "dist/widget.js", WIDGET_JS);
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

async fn demo_page(State(hub): State<Arc<Hub>>, page: Option<Path<String>>) -> Response {
    let page = page.map(|Path(p)| p).unwrap_or_default();
    let (file, embedded) = match page.trim_end_matches(".html") {
        "" | "index" => ("demo/index.html", DEMO_INDEX),
        "pricing" => ("demo/pricing.html", DEMO_PRICING),
        "contact" => ("demo/contact.html", DEMO_CONTACT),
        _ => return (StatusCode::NOT_FOUND, "no such demo page\n").into_response(),
    };
    let body = widget_file(&hub, file, embedded);
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, DEMO_CSP),
            (CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

#[derive(Deserialize)]
struct ConfigQuery {
    project: String,
}

/// `GET /api/widget/config?project=CODE`: the widget's look and options (W1).
async fn widget_config(
    State(hub): State<Arc<Hub>>,
    Query(q): Query<ConfigQuery>,
) -> ApiResult<Json<WidgetConfig>> {
    let project = blocking(move || {
        hub.with_store(|s| s.project_by_code(&q.project))?
            .ok_or_else(|| {
                ApiError::new(ErrorCode::NotFound, format!("no project {:?}", q.project))
            })
    })
    .await?;
    let w = project.settings.widget;
    Ok(Json(WidgetConfig {
        project: project.code,
        name: project.name,
        color: w.color,
        font: w.font,
        email_capture: w.email_capture,
        max_file_bytes: w.max_file_bytes,
        file_types: w.file_types,
    }))
}

/// The visitor a request comes from, by its `X-Pupitre-Visitor` token.
fn visitor_caller(hub: &Hub, headers: &HeaderMap) -> ApiResult<(ProjectId, String)> {
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

#[derive(Deserialize)]
struct UploadQuery {
    name: String,
    conversation: Option<String>,
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or("application/octet-stream")
        .to_owned()
}

async fn add_file(
    hub: &Hub,
    project: ProjectId,
    from: FileSender,
    conversation: ConversationRef,
    name: String,
    mime: String,
    data: Bytes,
) -> ApiResult<Json<Message>> {
    let handle = hub
        .project(project)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "project not served"))?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    let sent = handle
        .send(Command::AddFile {
            from,
            conversation,
            name,
            mime,
            data: data.to_vec(),
            reply,
        })
        .await;
    if !sent {
        return Err(ApiError::new(ErrorCode::Internal, "the hub is stopping"));
    }
    match answer.await {
        Ok(Ok(message)) => Ok(Json(message)),
        Ok(Err(e)) => Err(ApiError(e)),
        Err(_) => Err(ApiError::new(ErrorCode::Internal, "the hub is stopping")),
    }
}

/// `POST /api/visitor/files?conversation=REF&name=NAME`, raw body: a file the agent asked for
/// (W4). Answers the file's message.
async fn visitor_upload(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> ApiResult<Json<Message>> {
    let (project, visitor) = visitor_caller(&hub, &headers)?;
    let conversation = q
        .conversation
        .map(ConversationRef)
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidInput, "say which conversation"))?;
    let mime = content_type(&headers);
    add_file(
        &hub,
        project,
        FileSender::Visitor(visitor),
        conversation,
        q.name,
        mime,
        body,
    )
    .await
}

/// `POST /api/conversations/{reference}/files?name=NAME`, raw body: a file the agent sends
/// (D12).
async fn agent_upload(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> ApiResult<Json<Message>> {
    let c = caller(&hub, &headers)?;
    let mime = content_type(&headers);
    add_file(
        &hub,
        c.project,
        FileSender::Agent(c.agent),
        ConversationRef(reference),
        q.name,
        mime,
        body,
    )
    .await
}

/// Types a browser may show inline; anything else downloads as an attachment.
const INLINE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
];

/// `GET /api/files/{id}`: the file, for the conversation's visitor (`X-Pupitre-Visitor`) or an
/// agent who may read the conversation (bearer).
async fn download(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let hidden = || ApiError::new(ErrorCode::NotFound, "no such file for you");
    let file = if headers.contains_key(VISITOR_HEADER) {
        let (project, visitor) = visitor_caller(&hub, &headers)?;
        blocking(move || {
            hub.with_store(|s| {
                let file = s.file(project, &id)?.ok_or_else(hidden)?;
                match s.conversation(project, file.conversation)? {
                    Some(row) if row.visitor_id == visitor => Ok(file),
                    _ => Err(hidden()),
                }
            })
        })
        .await?
    } else {
        let c = caller(&hub, &headers)?;
        blocking(move || {
            hub.with_store(|s| {
                let file = s.file(c.project, &id)?.ok_or_else(hidden)?;
                readable_conversation(s, &c, file.conversation)?;
                Ok(file)
            })
        })
        .await?
    };
    let inline = INLINE_TYPES.contains(&file.mime.as_str());
    let mime = if inline {
        file.mime.as_str()
    } else {
        "application/octet-stream"
    };
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        percent_encode(&file.name)
    );
    let mut response = file.data.into_response();
    let h = response.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(response)
}

/// RFC 5987 encoding of a file name for `filename*`.
fn percent_encode(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}
