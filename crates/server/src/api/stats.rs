//! `GET /api/stats/today`: the caller's figures since local midnight (D15); the figuring is
//! [`crate::stats`]'s.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use pupitre_protocol::ErrorCode;

use crate::Hub;
use crate::api::caller::caller;
use crate::api::error::{ApiError, ApiResult, blocking};
use crate::stats::TodayStats;
use crate::store::Store;
use crate::store::StoreRead as _;

pub(super) async fn today(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> ApiResult<Json<TodayStats>> {
    let c = caller(&hub, &headers)?;
    let now = hub.clock.now();
    blocking(move || {
        hub.with_store(|s| {
            let project = s
                .project(c.project)?
                .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no project"))?;
            let name = s.agent(c.agent)?.map(|a| a.name).unwrap_or_default();
            let tz = pupitre_routing::hours::parse_timezone(&project.settings.routing.timezone)
                .unwrap_or(chrono_tz::UTC);
            let since = pupitre_routing::hours::start_of_day(tz, now);
            let messages = s.messages_since(c.project, since)?;
            Ok(Json(crate::stats::today(c.agent, &name, &messages)))
        })
    })
    .await
}
