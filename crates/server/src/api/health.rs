//! For the operator (DESIGN.md §10): `GET /healthz` (can the hub read its database) and
//! `GET /metrics` (Prometheus).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use crate::Hub;

pub(super) async fn healthz(State(hub): State<Arc<Hub>>) -> Response {
    let ok = hub.with_store(|s| s.projects().is_ok());
    if ok {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
    }
}

pub(super) async fn metrics(State(hub): State<Arc<Hub>>) -> Response {
    match &hub.metrics {
        Some(h) => ([(CONTENT_TYPE, "text/plain; version=0.0.4")], h.render()).into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder not installed\n",
        )
            .into_response(),
    }
}
