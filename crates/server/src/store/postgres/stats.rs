//! D15 on PostgreSQL: the closed conversations' figures and the agents' status changes, written
//! with the writer's batch and read by the statistics API (`conversation_facts`, `status_log`,
//! `sales`). The same queries as `sqlite_stats.rs`, in PostgreSQL's words.

use pupitre_protocol::{AgentId, Channel, Millis};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::{PgStore, count};
use crate::store::names::{availability_name, channel_name, parse_availability};
use crate::store::{
    ClosedFilter, ConversationFacts, FactSums, ProjectId, Result, SaleRow, StatusChange,
};

const FACTS_COLUMNS: &str = "number, agent_id, closed_at, first_response_ms, response_sum_ms, \
     response_count, handling_ms, conversation_type, important, satisfaction, survey_comment, \
     visitor_id, visitor_name, summary, agent_answers";

/// Writes a batch's facts and status changes (inside the commit's open transaction).
pub(super) fn write(
    s: &mut PgStore,
    project_id: ProjectId,
    facts: &[ConversationFacts],
    changes: &[StatusChange],
    late_surveys: &[(i64, Option<f64>, Option<String>)],
    sales: &[SaleRow],
) -> Result<()> {
    // An order already stored is kept as it was.
    for sale in sales {
        s.execute(
            "INSERT INTO sales (project_id, order_ref, number, agent_id, amount_minor, currency, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (project_id, order_ref) DO NOTHING",
            &[
                &project_id,
                &sale.order,
                &sale.number,
                &sale.agent_id,
                &sale.amount_minor,
                &sale.currency,
                &sale.at,
            ],
        )?;
    }
    // A conversation's facts replace its earlier ones (closed again, or answered late).
    let upsert = format!(
        "INSERT INTO conversation_facts (project_id, {FACTS_COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (project_id, number) DO UPDATE SET
             agent_id = excluded.agent_id, closed_at = excluded.closed_at,
             first_response_ms = excluded.first_response_ms,
             response_sum_ms = excluded.response_sum_ms,
             response_count = excluded.response_count, handling_ms = excluded.handling_ms,
             conversation_type = excluded.conversation_type, important = excluded.important,
             satisfaction = excluded.satisfaction, survey_comment = excluded.survey_comment,
             visitor_id = excluded.visitor_id, visitor_name = excluded.visitor_name,
             summary = excluded.summary, agent_answers = excluded.agent_answers"
    );
    for f in facts {
        let answers = serde_json::to_string(&f.agent_answers).unwrap_or_else(|_| "[]".into());
        s.execute(
            &upsert,
            &[
                &project_id,
                &f.number,
                &f.agent_id,
                &f.closed_at,
                &f.first_response_ms,
                &f.response_sum_ms,
                &f.response_count,
                &f.handling_ms,
                &f.conversation_type,
                &f.important,
                &f.satisfaction,
                &f.survey_comment,
                &f.visitor_id,
                &f.visitor_name,
                &f.summary,
                &answers,
            ],
        )?;
    }
    for (number, score, comment) in late_surveys {
        s.execute(
            "UPDATE conversation_facts SET satisfaction = $3, survey_comment = $4
             WHERE project_id = $1 AND number = $2",
            &[&project_id, number, score, comment],
        )?;
    }
    // A change equal to the agent's latest on that channel says nothing new: not stored.
    // (`IS NOT DISTINCT FROM` is SQLite's `IS`: NULL equals NULL.)
    for c in changes {
        s.execute(
            "INSERT INTO status_log (project_id, agent_id, channel, availability, optional, at)
             SELECT $1::bigint, $2::bigint, $3::text, $4::text, $5::text, $6::bigint
             WHERE NOT EXISTS (
                 SELECT 1 FROM (SELECT availability, optional FROM status_log
                                WHERE project_id = $1 AND agent_id = $2 AND channel = $3
                                ORDER BY at DESC, id DESC LIMIT 1) AS latest
                 WHERE latest.availability = $4 AND latest.optional IS NOT DISTINCT FROM $5)",
            &[
                &project_id,
                &c.agent_id,
                &channel_name(c.channel),
                &availability_name(c.availability),
                &c.optional,
                &c.at,
            ],
        )?;
    }
    Ok(())
}

fn facts_from_row(r: &Row) -> Result<ConversationFacts> {
    Ok(ConversationFacts {
        number: r.try_get(0)?,
        agent_id: r.try_get(1)?,
        closed_at: r.try_get(2)?,
        first_response_ms: r.try_get(3)?,
        response_sum_ms: r.try_get(4)?,
        response_count: r.try_get(5)?,
        handling_ms: r.try_get(6)?,
        conversation_type: r.try_get(7)?,
        important: r.try_get(8)?,
        satisfaction: r.try_get(9)?,
        survey_comment: r.try_get(10)?,
        visitor_id: r.try_get(11)?,
        visitor_name: r.try_get(12)?,
        summary: r.try_get(13)?,
        // As on SQLite: answers that no longer read are shown as none, not an error.
        agent_answers: serde_json::from_str(r.try_get::<_, &str>(14)?).unwrap_or_default(),
    })
}

/// Summed by PostgreSQL, day by day (one indexed range per day over the covering index
/// `conversation_facts_agent`). Sums of BIGINT are NUMERIC in PostgreSQL: cast back.
pub(super) fn facts_by_day(
    s: &mut PgStore,
    project_id: ProjectId,
    agents: &[AgentId],
    days: &[(Millis, Millis)],
) -> Result<Vec<FactSums>> {
    let mut out = vec![FactSums::default(); days.len()];
    if agents.is_empty() {
        return Ok(out);
    }
    for (day, (start, end)) in out.iter_mut().zip(days) {
        let row = s.row(
            "SELECT count(*), coalesce(sum(first_response_ms), 0)::bigint, count(first_response_ms),
                    coalesce(sum(response_sum_ms), 0)::bigint,
                    coalesce(sum(response_count), 0)::bigint,
                    coalesce(sum(handling_ms), 0)::bigint, count(handling_ms),
                    coalesce(sum(satisfaction), 0)::double precision, count(satisfaction)
             FROM conversation_facts
             WHERE project_id = $1 AND closed_at >= $2 AND closed_at < $3
                   AND agent_id = ANY($4)",
            &[&project_id, start, end, &agents],
        )?;
        // An aggregate without GROUP BY always gives its one row.
        if let Some(r) = row {
            *day = FactSums {
                conversations: count(r.try_get(0)?),
                first_response: (r.try_get(1)?, r.try_get(2)?),
                response: (r.try_get(3)?, r.try_get(4)?),
                handling: (r.try_get(5)?, r.try_get(6)?),
                satisfaction: (r.try_get(7)?, count(r.try_get(8)?)),
            };
        }
    }
    Ok(out)
}

/// For each agent and channel, the last change before `from` then those in `[from, to)`;
/// all of them oldest first (a stable sort: equal times keep that order).
pub(super) fn status_changes_between(
    s: &mut PgStore,
    project_id: ProjectId,
    agents: &[AgentId],
    from: Millis,
    to: Millis,
) -> Result<Vec<StatusChange>> {
    let mut out = vec![];
    for agent in agents {
        for channel in Channel::ALL {
            let name = channel_name(channel);
            let mut rows = s.rows(
                "SELECT availability, optional, at FROM status_log
                 WHERE project_id = $1 AND agent_id = $2 AND channel = $3 AND at < $4
                 ORDER BY at DESC, id DESC LIMIT 1",
                &[&project_id, agent, &name, &from],
            )?;
            rows.extend(s.rows(
                "SELECT availability, optional, at FROM status_log
                 WHERE project_id = $1 AND agent_id = $2 AND channel = $3
                       AND at >= $4 AND at < $5
                 ORDER BY at, id",
                &[&project_id, agent, &name, &from, &to],
            )?);
            for r in &rows {
                out.push(StatusChange {
                    agent_id: *agent,
                    channel,
                    availability: parse_availability(r.try_get::<_, &str>(0)?),
                    optional: r.try_get(1)?,
                    at: r.try_get(2)?,
                });
            }
        }
    }
    out.sort_by_key(|c| c.at);
    Ok(out)
}

pub(super) fn sales_between(
    s: &mut PgStore,
    project_id: ProjectId,
    agents: &[AgentId],
    from: Millis,
    to: Millis,
) -> Result<Vec<SaleRow>> {
    if agents.is_empty() {
        return Ok(vec![]);
    }
    let rows = s.rows(
        "SELECT order_ref, number, agent_id, amount_minor, currency, at FROM sales
         WHERE project_id = $1 AND at >= $2 AND at < $3 AND agent_id = ANY($4)",
        &[&project_id, &from, &to, &agents],
    )?;
    rows.iter()
        .map(|r| -> Result<SaleRow> {
            Ok(SaleRow {
                order: r.try_get(0)?,
                number: r.try_get(1)?,
                agent_id: r.try_get(2)?,
                amount_minor: r.try_get(3)?,
                currency: r.try_get(4)?,
                at: r.try_get(5)?,
            })
        })
        .collect()
}

/// Adds a parameter; its placeholder (`$n`).
fn arg(values: &mut Vec<Box<dyn ToSql + Sync>>, value: impl ToSql + Sync + 'static) -> String {
    values.push(Box::new(value));
    format!("${}", values.len())
}

pub(super) fn closed_conversations(
    s: &mut PgStore,
    project_id: ProjectId,
    filter: &ClosedFilter,
) -> Result<Vec<ConversationFacts>> {
    if filter.agents.as_ref().is_some_and(Vec::is_empty) {
        return Ok(vec![]);
    }
    let mut values: Vec<Box<dyn ToSql + Sync>> = vec![];
    let mut sql = format!(
        "SELECT {FACTS_COLUMNS} FROM conversation_facts WHERE project_id = {}",
        arg(&mut values, project_id)
    );
    if let Some(agents) = &filter.agents {
        sql += &format!(" AND agent_id = ANY({})", arg(&mut values, agents.clone()));
    }
    if let Some(from) = filter.from {
        sql += &format!(" AND closed_at >= {}", arg(&mut values, from));
    }
    if let Some(to) = filter.to {
        sql += &format!(" AND closed_at < {}", arg(&mut values, to));
    }
    match filter.before {
        Some((at, Some(number))) => {
            let at = arg(&mut values, at);
            let number = arg(&mut values, number);
            sql += &format!(" AND (closed_at < {at} OR (closed_at = {at} AND number < {number}))");
        }
        Some((at, None)) => sql += &format!(" AND closed_at < {}", arg(&mut values, at)),
        None => {}
    }
    if let Some(kind) = &filter.conversation_type {
        sql += &format!(
            " AND conversation_type = {}",
            arg(&mut values, kind.clone())
        );
    }
    if let Some(important) = filter.important {
        sql += &format!(" AND important = {}", arg(&mut values, important));
    }
    for word in filter
        .text
        .iter()
        .flat_map(|t| t.split_whitespace())
        .take(8)
    {
        let w = arg(&mut values, word.to_lowercase());
        sql += &format!(
            " AND (strpos(lower(visitor_name), {w}) > 0 OR strpos(lower(summary), {w}) > 0
                   OR strpos(lower(coalesce(survey_comment, '')), {w}) > 0)"
        );
    }
    sql += &format!(
        " ORDER BY closed_at DESC, number DESC LIMIT {}",
        arg(&mut values, filter.limit as i64)
    );
    let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| &**v).collect();
    let rows = s.rows(&sql, &params)?;
    rows.iter().map(facts_from_row).collect()
}
