//! D15: `POST /api/sales` — a sale reported by the brand's own server, with the project's
//! sales key (`Authorization: Bearer pk_…`, made by `pupitre admin sales-key`). Attributed as
//! the widget's `Pupitre.sale` is: to the visitor's latest conversation and its agent, within
//! the project's attribution window; an order already reported is kept as it was.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use pupitre_protocol::ErrorCode;
use serde::Deserialize;

use crate::Hub;
use crate::api::error::{ApiError, ApiResult};
use crate::hub::{Command, SaleReceipt};
use crate::sales_key;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SaleRequest {
    /// The widget's visitor id (`Pupitre.visitor()` on the site's pages).
    visitor: String,
    /// In the currency's minor unit (cents).
    amount_minor: i64,
    /// ISO 4217 (`EUR`).
    currency: String,
    /// The site's order reference.
    order: String,
}

fn refused() -> ApiError {
    ApiError::new(
        ErrorCode::Unauthorized,
        "send Authorization: Bearer <the project's sales key>",
    )
}

pub(super) async fn report(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Json(req): Json<SaleRequest>,
) -> ApiResult<Json<SaleReceipt>> {
    let key = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(refused)?
        .trim()
        .to_owned();
    let code = sales_key::project_of(&key).ok_or_else(refused)?.to_owned();
    let project = hub
        .with_store(|s| -> ApiResult<_> {
            let Some(p) = s.project_by_code(&code)? else {
                return Ok(None);
            };
            let stored = s.meta(&sales_key::meta_key(p.id))?;
            Ok(stored.filter(|h| sales_key::matches(&key, h)).map(|_| p.id))
        })?
        .ok_or_else(refused)?;
    if req.visitor.is_empty() || req.visitor.len() > 100 {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "visitor: the widget's visitor id",
        ));
    }
    let handle = hub
        .project(project)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "project not served"))?;
    let (reply, answer) = tokio::sync::oneshot::channel();
    let sent = handle
        .send(Command::ServerSale {
            visitor: req.visitor,
            amount_minor: req.amount_minor,
            currency: req.currency,
            order: req.order,
            reply,
        })
        .await;
    if !sent {
        return Err(ApiError::new(ErrorCode::Internal, "the hub is stopping"));
    }
    match answer.await {
        Ok(Ok(receipt)) => Ok(Json(receipt)),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Err(ApiError::new(ErrorCode::Internal, "the hub is stopping")),
    }
}
