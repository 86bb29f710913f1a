//! The caller's canned responses: the project's shared ones and their own
//! (`GET`/`POST /api/canned-responses`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use crate::Hub;
use crate::admin::{self, NewCannedRequest};
use crate::api::caller::caller;
use crate::api::error::{ApiError, ApiResult};
use crate::store::StoreRead as _;
use crate::store::{CannedResponse, Store, StoreError};
use pupitre_protocol::ErrorCode;

pub(super) async fn list(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<Vec<CannedResponse>>> {
    let c = caller(&hub, &headers)?;
    let (on, list) = hub.with_store(|s| {
        let on = s
            .project(c.project)?
            .is_none_or(|p| p.settings.desk.canned_responses);
        Ok::<_, StoreError>((
            on,
            if on {
                s.canned_responses(c.project, Some(c.agent))?
            } else {
                vec![]
            },
        ))
    })?;
    if !on {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "canned responses are switched off in this project's desk options",
        ));
    }
    Ok(Json(list))
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
