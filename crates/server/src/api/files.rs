//! Files of conversations (W4, D12): uploaded by agents (bearer token) or visitors
//! (`X-Pupitre-Visitor` token) and served only to the conversation's participants.
//!
//! The project's writer checks an upload against the project's limits and stores it with its
//! message; here the body is only bounded (on a node of a cluster that does not own the
//! project, the upload is forwarded to the owner: [`super::elsewhere`]). Files are served with
//! `nosniff` and a sandboxing CSP, so a hostile upload cannot run in the hub's origin.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use pupitre_protocol::{ConversationRef, ErrorCode, Message};
use serde::Deserialize;

use crate::Hub;
use crate::api::access::readable_conversation;
use crate::api::caller::{VISITOR_HEADER, caller, visitor_caller};
use crate::api::elsewhere::{Answered, Incoming, writer};
use crate::api::error::{ApiError, ApiResult, blocking};
use crate::hub::{Command, FileSender};
use crate::store::ProjectId;

/// Largest upload body; the project's own limit (widget settings) is checked by the writer.
pub(super) const MAX_UPLOAD: usize = 12 * 1024 * 1024;

/// Types a browser may show inline; anything else downloads as an attachment.
const INLINE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
];

#[derive(Deserialize)]
pub(super) struct UploadQuery {
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

/// Hands the file to the project's writer and answers the file's message once it is durable.
#[allow(clippy::too_many_arguments)]
async fn add_file(
    hub: &Hub,
    incoming: &Incoming,
    project: ProjectId,
    from: FileSender,
    conversation: ConversationRef,
    name: String,
    mime: String,
    data: Bytes,
) -> Answered<Json<Message>> {
    let handle = writer(hub, project, incoming, || data.clone()).await?;
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
        return Err(ApiError::new(ErrorCode::Internal, "the hub is stopping").into());
    }
    match answer.await {
        Ok(Ok(message)) => Ok(Json(message)),
        Ok(Err(e)) => Err(ApiError::from(e).into()),
        Err(_) => Err(ApiError::new(ErrorCode::Internal, "the hub is stopping").into()),
    }
}

/// `POST /api/visitor/files?conversation=REF&name=NAME`, raw body: a file the agent asked for
/// (W4). Answers the file's message.
pub(super) async fn visitor_upload(
    State(hub): State<Arc<Hub>>,
    incoming: Incoming,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> Answered<Json<Message>> {
    let (project, visitor) = visitor_caller(&hub, &incoming.headers)?;
    let conversation = q
        .conversation
        .map(ConversationRef)
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidInput, "say which conversation"))?;
    let mime = content_type(&incoming.headers);
    add_file(
        &hub,
        &incoming,
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
pub(super) async fn agent_upload(
    State(hub): State<Arc<Hub>>,
    incoming: Incoming,
    Path(reference): Path<String>,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> Answered<Json<Message>> {
    let c = caller(&hub, &incoming.headers)?;
    let mime = content_type(&incoming.headers);
    add_file(
        &hub,
        &incoming,
        c.project,
        FileSender::Agent(c.agent),
        ConversationRef(reference),
        q.name,
        mime,
        body,
    )
    .await
}

/// `GET /api/files/{id}`: the file, for the conversation's visitor (`X-Pupitre-Visitor`) or an
/// agent who may read the conversation (bearer).
pub(super) async fn download(
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
