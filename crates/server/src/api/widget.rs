//! `GET /api/widget/config?project=CODE`: the widget's look and options (W1), read by the
//! widget on a brand's page (CORS from any origin, as `caller::widget_cors` sets).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use pupitre_protocol::ErrorCode;
use pupitre_protocol::visitor::WidgetConfig;
use serde::Deserialize;

use crate::Hub;
use crate::api::error::{ApiError, ApiResult, blocking};

#[derive(Deserialize)]
pub(super) struct ConfigQuery {
    project: String,
}

pub(super) async fn config(
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
        cobrowse: project
            .settings
            .desk
            .cobrowse
            .then(|| project.settings.cobrowse.for_widget()),
    }))
}
