//! The caller's canned responses: the project's shared ones and their own
//! (`GET`/`POST /api/canned-responses`), both refused when the admin switched canned
//! responses off in the desk options (A3).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use pupitre_protocol::ErrorCode;

use crate::Hub;
use crate::admin::{self, NewCannedRequest};
use crate::api::caller::{Caller, caller};
use crate::api::error::{ApiError, ApiResult};
use crate::store::CannedResponse;

/// The caller, if the project's desk options let them use canned responses.
fn allowed(hub: &Hub, headers: &HeaderMap) -> ApiResult<Caller> {
    let c = caller(hub, headers)?;
    let on = hub
        .with_store(|s| s.project(c.project))?
        .is_none_or(|p| p.settings.desk.canned_responses);
    if !on {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "canned responses are switched off in this project's desk options",
        ));
    }
    Ok(c)
}

pub(super) async fn list(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<CannedResponse>>> {
    let c = allowed(&hub, &headers)?;
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
    let c = allowed(&hub, &headers)?;
    let created = hub.with_store(|s| admin::create_canned(s, c.project, Some(c.agent), req))?;
    Ok((StatusCode::CREATED, Json(created)))
}
