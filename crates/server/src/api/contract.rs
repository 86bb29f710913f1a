//! Every HTTP failure in the contract (issue 9): whatever answered it — a handler, an
//! extractor's rejection (axum answers those in plain text, 400/415/422), the router (an empty
//! 404 or 405) or a body limit (413) — the client gets `{code, message}` JSON with a code from
//! [`pupitre_protocol::ErrorCode`] and that code's status. Headers such as `Allow`,
//! `Retry-After` and CORS are kept.

use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pupitre_protocol::ErrorCode;

use crate::api::error::ApiError;

/// Most bytes of a plain-text error kept as its message.
const MOST_TEXT: usize = 2048;

pub async fn json_errors(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MOST_TEXT)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let code = code_for(status.as_u16(), &text);
    let message = match (code, text.is_empty()) {
        (ErrorCode::NotFound, true) => format!("no such route: {method} {path}"),
        (ErrorCode::MethodNotAllowed, _) => {
            let allowed = parts
                .headers
                .get(axum::http::header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            format!("{path} does not take {method} (it takes: {allowed})")
        }
        (ErrorCode::FrameTooLarge, _) => "the request body is larger than this route takes".into(),
        (ErrorCode::UnsupportedMediaType, _) => {
            format!("{text} (send Content-Type: application/json)")
        }
        (_, true) => format!("{method} {path} failed ({status})"),
        (_, false) => text,
    };
    let mut answer = ApiError::new(code, message).into_response();
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            answer.headers_mut().append(name, value.clone());
        }
    }
    answer
}

/// What answers a path no route takes.
pub async fn no_route(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("no such route: {method} {}", uri.path()),
    )
}

/// The contract's code for a status answered outside it.
fn code_for(status: u16, text: &str) -> ErrorCode {
    match status {
        // axum's `JsonRejection::JsonSyntaxError`.
        400 if text.contains("Failed to parse the request body as JSON") => {
            ErrorCode::MalformedJson
        }
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::FrameTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        429 => ErrorCode::RateLimited,
        503 => ErrorCode::Unavailable,
        500..=599 => ErrorCode::Internal,
        // 400 and 422 (a body of the wrong shape), 426 (not a WebSocket upgrade), the rest.
        _ => ErrorCode::InvalidInput,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_codes() {
        assert_eq!(
            code_for(400, "Failed to parse the request body as JSON: EOF"),
            ErrorCode::MalformedJson
        );
        assert_eq!(
            code_for(422, "missing field `email`"),
            ErrorCode::InvalidInput
        );
        assert_eq!(code_for(405, ""), ErrorCode::MethodNotAllowed);
        assert_eq!(code_for(426, ""), ErrorCode::InvalidInput);
        assert_eq!(code_for(502, ""), ErrorCode::Internal);
    }
}
