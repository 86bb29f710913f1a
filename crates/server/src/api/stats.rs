//! The agents' figures (D15); the figuring is [`crate::stats`]'s:
//! - `GET /api/stats/today`: the caller's figures since local midnight;
//! - `GET /api/stats/range`: day by day over a week or a month, the caller's or a group's;
//! - `GET /api/stats/closed`: the closed conversations to re-read, newest first.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use chrono::NaiveDate;
use chrono_tz::Tz;
use pupitre_protocol::agent::Role;
use pupitre_protocol::stats::{ClosedConversation, StatsRange, StatsScope};
use pupitre_protocol::{AgentId, ConversationRef, ErrorCode, GroupId, Millis};

use crate::Hub;
use crate::api::caller::{Caller, caller};
use crate::api::error::{ApiError, ApiResult, blocking};
use crate::stats::TodayStats;
use crate::store::{ClosedFilter, ProjectId, Store};

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
            let mut today = crate::stats::today(c.agent, &name, &messages);
            let mut sums = std::collections::BTreeMap::new();
            for sale in s.sales_between(c.project, &[c.agent], since, now + 1)? {
                let entry: &mut (u32, i64) = sums.entry(sale.currency).or_default();
                entry.0 += 1;
                entry.1 += sale.amount_minor;
            }
            today.sales = crate::stats::range::sales_figures(sums);
            Ok(Json(today))
        })
    })
    .await
}

/// `GET /api/stats/range?from=YYYY-MM-DD&days=N[&group=ID]` (D15).
#[derive(Debug, serde::Deserialize)]
pub(super) struct RangeQuery {
    from: String,
    days: u32,
    group: Option<GroupId>,
}

/// `GET /api/stats/closed?…` (D15): every parameter may be left out.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct ClosedQuery {
    from: Option<String>,
    to: Option<String>,
    text: Option<String>,
    #[serde(rename = "type")]
    conversation_type: Option<String>,
    important: Option<bool>,
    before: Option<Millis>,
    /// With `before`: the last listed one's reference (the next page starts below it).
    before_ref: Option<ConversationRef>,
    group: Option<GroupId>,
}

/// At most this many closed conversations per page.
pub const CLOSED_PAGE: usize = 50;

fn date(name: &str, value: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("{name}: a date such as 2026-12-07"),
        )
    })
}

/// Whose figures the caller asks for: their own, or a group's (a manager's own groups, any
/// for an admin). The scope and its agents.
fn scope_of(
    s: &mut dyn Store,
    c: &Caller,
    group: Option<GroupId>,
) -> ApiResult<(StatsScope, Vec<AgentId>)> {
    let me = s
        .agent(c.agent)?
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "no such agent"))?;
    let Some(group) = group else {
        return Ok((
            StatsScope::Agent {
                id: me.id,
                name: me.name,
            },
            vec![me.id],
        ));
    };
    let allowed = match c.role {
        Role::Admin => true,
        Role::Manager => me.groups.contains(&group),
        Role::Agent => false,
    };
    if !allowed {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "a group's figures are for its managers and the admins",
        ));
    }
    let found = s
        .groups(c.project)?
        .into_iter()
        .find(|g| g.id == group)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no group {group}")))?;
    let agents = s
        .agents(c.project)?
        .into_iter()
        .filter(|a| a.groups.contains(&group))
        .map(|a| a.id)
        .collect();
    Ok((
        StatsScope::Group {
            id: found.id,
            name: found.name,
        },
        agents,
    ))
}

fn time_zone(s: &mut dyn Store, project: ProjectId) -> ApiResult<Tz> {
    let project = s
        .project(project)?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no project"))?;
    Ok(
        pupitre_routing::hours::parse_timezone(&project.settings.routing.timezone)
            .unwrap_or(chrono_tz::UTC),
    )
}

pub(super) async fn range(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Query(q): Query<RangeQuery>,
) -> ApiResult<Json<StatsRange>> {
    let c = caller(&hub, &headers)?;
    let first = date("from", &q.from)?;
    let now = hub.clock.now();
    blocking(move || {
        hub.with_store(|s| {
            let tz = time_zone(s, c.project)?;
            let days = crate::stats::range::days(tz, first, q.days).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("days: from 1 to {}", crate::stats::range::MOST_DAYS),
                )
            })?;
            let (scope, agents) = scope_of(s, &c, q.group)?;
            let (start, end) = (days[0].1, days[days.len() - 1].2);
            let bounds: Vec<(Millis, Millis)> = days.iter().map(|(_, s, e)| (*s, *e)).collect();
            let facts = s.facts_by_day(c.project, &agents, &bounds)?;
            let changes = s.status_changes_between(c.project, &agents, start, end)?;
            let sales = s.sales_between(c.project, &agents, start, end)?;
            let recorded = crate::stats::range::Recorded {
                facts: &facts,
                sales: &sales,
                changes: &changes,
            };
            Ok(Json(crate::stats::range::range(
                scope, tz, &days, recorded, now,
            )))
        })
    })
    .await
}

pub(super) async fn closed(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Query(q): Query<ClosedQuery>,
) -> ApiResult<Json<Vec<ClosedConversation>>> {
    let c = caller(&hub, &headers)?;
    let from = q.from.as_deref().map(|d| date("from", d)).transpose()?;
    let to = q.to.as_deref().map(|d| date("to", d)).transpose()?;
    if let Some(text) = &q.text
        && text.chars().count() > 200
    {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "text: at most 200 characters",
        ));
    }
    blocking(move || {
        hub.with_store(|s| {
            let tz = time_zone(s, c.project)?;
            let (_, agents) = scope_of(s, &c, q.group)?;
            let midnight = |d: NaiveDate| pupitre_routing::hours::midnight(tz, d);
            let filter = ClosedFilter {
                agents: Some(agents),
                from: from.and_then(midnight),
                // `to` is the last day listed: up to the next midnight.
                to: to.and_then(|d| d.succ_opt()).and_then(midnight),
                before: q.before.map(|at| {
                    let number = q
                        .before_ref
                        .as_ref()
                        .and_then(|r| r.parse())
                        .map(|(_, n)| n);
                    (at, number)
                }),
                text: q.text.filter(|t| !t.trim().is_empty()),
                conversation_type: q.conversation_type.filter(|t| !t.is_empty()),
                important: q.important,
                limit: CLOSED_PAGE,
            };
            let names: std::collections::HashMap<AgentId, String> = s
                .agents(c.project)?
                .into_iter()
                .map(|a| (a.id, a.name))
                .collect();
            let code = s.project(c.project)?.map(|p| p.code).unwrap_or_default();
            let rows = s.closed_conversations(c.project, &filter)?;
            Ok(Json(
                rows.into_iter()
                    .map(|f| ClosedConversation {
                        reference: ConversationRef::new(&code, f.number),
                        visitor_id: f.visitor_id,
                        visitor_name: f.visitor_name,
                        agent_name: f.agent_id.and_then(|a| names.get(&a).cloned()),
                        closed_at: f.closed_at,
                        conversation_type: f.conversation_type,
                        important: f.important,
                        satisfaction: f.satisfaction,
                        survey_comment: f.survey_comment,
                        summary: f.summary,
                        agent_answers: f.agent_answers,
                    })
                    .collect(),
            ))
        })
    })
    .await
}
