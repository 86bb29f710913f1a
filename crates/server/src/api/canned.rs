//! The caller's canned responses: the project's shared ones and their own
//! (`GET`/`POST /api/canned-responses`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use crate::Hub;
use crate::admin::{self, NewCannedRequest};
use crate::api::caller::caller;
use crate::api::error::ApiResult;
use crate::store::{CannedResponse, Store};

pub(super) async fn list(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<CannedResponse>>> {
    let c = caller(&hub, &headers)?;
    Ok(Json(hub.with_store(|s| {
        s.canned_responses(c.project, Some(c.agent))
    })?))
}

/// A personal canned response of the caller's.
pub(super) async fn create(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Json(req): Json<NewCannedRequest>,
) -> ApiResult<(StatusCode, Json<CannedResponse>)> {
    let c = caller(&hub, &headers)?;
    let created = hub.with_store(|s| admin::create_canned(s, c.project, Some(c.agent), req))?;
    Ok((StatusCode::CREATED, Json(created)))
}
