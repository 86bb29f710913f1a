//! The API's one error type: every failure answers `{code, message}` with the code's HTTP
//! status, the codes being listed once in [`pupitre_protocol::ErrorCode`].

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pupitre_protocol::{ErrorCode, ErrorFrame};

use crate::admin::AdminError;
use crate::store::StoreError;

/// An error as the HTTP API answers it.
#[derive(Debug)]
pub struct ApiError(pub ErrorFrame, Option<i64>, Vec<(String, String)>);

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ErrorFrame::new(code, message), None, vec![])
    }

    /// Says when to come back (`Retry-After`, seconds); a load refusal says 1 s by default.
    pub fn retry_after(mut self, seconds: i64) -> Self {
        self.1 = Some(seconds.max(1));
        self
    }
}

impl From<ErrorFrame> for ApiError {
    fn from(frame: ErrorFrame) -> Self {
        Self(frame, None, vec![])
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // A refusal for load says when to come back (RFC 9110 §10.2.3), in seconds.
        let retry = self
            .1
            .or((self.0.code == ErrorCode::RateLimited).then_some(1));
        // Settings refused field by field add `fields: {"dotted.path": "message"}`.
        let mut body = serde_json::to_value(&self.0).unwrap_or_default();
        if !self.2.is_empty()
            && let Some(object) = body.as_object_mut()
        {
            let fields: serde_json::Map<String, serde_json::Value> = self
                .2
                .into_iter()
                .map(|(path, message)| (path, serde_json::Value::String(message)))
                .collect();
            object.insert("fields".into(), serde_json::Value::Object(fields));
        }
        if let Some(seconds) = retry {
            let seconds = seconds.to_string();
            return (status, [(header::RETRY_AFTER, seconds)], Json(body)).into_response();
        }
        (status, Json(body)).into_response()
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
            // The database's own words go to the log, not to the caller.
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

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Invalid(m) => ApiError::new(ErrorCode::InvalidInput, m),
            AdminError::Forbidden(m) => ApiError::new(ErrorCode::Forbidden, m),
            AdminError::Fields(problems) => {
                let first = problems
                    .first()
                    .map(|e| format!("{}: {}", e.path, e.message))
                    .unwrap_or_default();
                let mut e = ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("{} value(s) refused; first, {first}", problems.len()),
                );
                e.2 = problems.into_iter().map(|p| (p.path, p.message)).collect();
                e
            }
            AdminError::Store(s) => s.into(),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Runs store work that may take a while (a thread's messages, password hashing) on tokio's
/// blocking pool; a worker that panicked answers `internal`.
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
