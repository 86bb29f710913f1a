//! `GET /api/knowledge?q=&language=` (D16, A8): the project's knowledge articles as an agent's
//! desk searches them (its knowledge tab and assistant), when the admin leaves either on (A3).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use pupitre_protocol::ErrorCode;

use crate::Hub;
use crate::admin::knowledge::{Article, Search};
use crate::api::caller::caller;
use crate::api::error::{ApiError, ApiResult, blocking};

pub(super) async fn search(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Query(search): Query<Search>,
) -> ApiResult<Json<Vec<Article>>> {
    let c = caller(&hub, &headers)?;
    blocking(move || {
        hub.with_store(|s| {
            let project = s
                .project(c.project)?
                .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no project"))?;
            let options = project.settings.desk;
            if !options.knowledge_search && !options.assistant {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "this project's admin does not let agents search the knowledge articles",
                ));
            }
            Ok(Json(crate::admin::knowledge::search(
                s, c.project, &search,
            )?))
        })
    })
    .await
}
