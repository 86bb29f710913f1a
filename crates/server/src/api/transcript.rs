//! `POST /api/conversations/{reference}/email` (D16 "e-mail it to oneself"): the whole
//! conversation, as [`crate::transcript`] writes it, queued for the caller's own address. Only
//! when the admin leaves the option on (A3) and a conversation the caller may read.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use pupitre_protocol::{ConversationRef, ErrorCode};
use serde::Deserialize;

use crate::Hub;
use crate::api::access::{number_in, readable_conversation};
use crate::api::caller::caller;
use crate::api::error::{ApiError, ApiResult, blocking};
use crate::store::NewMail;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct EmailQuery {
    /// The desk's language (`fr`, `en`…): the transcript's headings and dates.
    language: Option<String>,
}

pub(super) async fn email(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    Query(query): Query<EmailQuery>,
) -> ApiResult<StatusCode> {
    let c = caller(&hub, &headers)?;
    if hub.mailer().is_none() {
        return Err(ApiError::new(
            ErrorCode::Unavailable,
            "this hub sends no e-mail (no --smtp or --mail-dir)",
        ));
    }
    let reference = ConversationRef(reference);
    let now = hub.clock.now();
    let worker = hub.clone();
    blocking(move || {
        worker.with_store(|s| {
            let project = s
                .project(c.project)?
                .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no project"))?;
            if !project.settings.desk.email_to_self {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    "this project's admin does not let agents e-mail conversations to themselves",
                ));
            }
            let number = number_in(&project.code, &reference)?;
            let (row, messages) = readable_conversation(s, &c, number)?;
            let me = s
                .agent(c.agent)?
                .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "no such agent"))?;
            let visitor = s.visitor(&row.visitor_id)?;
            let tz = pupitre_routing::hours::parse_timezone(&project.settings.routing.timezone)
                .unwrap_or(chrono_tz::UTC);
            let messages: Vec<_> = messages.into_iter().map(|m| m.message).collect();
            let mail = crate::transcript::compose(&crate::transcript::Transcript {
                project: &project.name,
                reference: &reference,
                visitor_name: visitor.as_ref().and_then(|v| v.card.name.as_deref()),
                language: query.language.as_deref().unwrap_or("en"),
                tz,
                messages: &messages,
            });
            s.queue_mail(
                c.project,
                &NewMail {
                    conversation: number,
                    up_to: 0,
                    to: me.email,
                    subject: mail.subject,
                    text: mail.text,
                    html: mail.html,
                    created_at: now,
                },
            )?;
            Ok(())
        })
    })
    .await?;
    if let Some(mailer) = hub.mailer() {
        mailer.wake();
    }
    Ok(StatusCode::ACCEPTED)
}
