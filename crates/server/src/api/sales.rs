//! D15: `POST /api/sales` — a sale reported by the brand's own server, with the project's
//! sales key (`Authorization: Bearer pk_…`, made by `pupitre admin sales-key`). Attributed as
//! the widget's `Pupitre.sale` is: to the visitor's latest conversation and its agent, within
//! the project's attribution window; an order already reported is kept as it was. On a node of
//! a cluster that does not own the project, the report is forwarded to the owner
//! ([`super::elsewhere`]).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use pupitre_protocol::ErrorCode;
use serde::{Deserialize, Serialize};

use crate::Hub;
use crate::api::elsewhere::{Answered, Incoming, writer};
use crate::api::error::{ApiError, ApiResult};
use crate::hub::{Command, SaleReceipt};
use crate::sales_key;

/// Serialized again to be forwarded to the project's node.
#[derive(Debug, Deserialize, Serialize)]
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
    incoming: Incoming,
    Json(req): Json<SaleRequest>,
) -> Answered<Json<SaleReceipt>> {
    let key = incoming
        .headers
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
        return Err(
            ApiError::new(ErrorCode::InvalidInput, "visitor: the widget's visitor id").into(),
        );
    }
    // The same fields as read, in JSON.
    let handle = writer(&hub, project, &incoming, || {
        Bytes::from(serde_json::to_vec(&req).expect("a sale serializes"))
    })
    .await?;
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
        return Err(ApiError::new(ErrorCode::Internal, "the hub is stopping").into());
    }
    match answer.await {
        Ok(Ok(receipt)) => Ok(Json(receipt)),
        Ok(Err(e)) => Err(ApiError::from(e).into()),
        Err(_) => Err(ApiError::new(ErrorCode::Internal, "the hub is stopping").into()),
    }
}
