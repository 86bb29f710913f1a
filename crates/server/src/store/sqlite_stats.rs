//! D15 on SQLite: the closed conversations' figures and the agents' status changes, written
//! with the writer's batch and read by the statistics API (`conversation_facts`,
//! `status_log`, migration 004).

use pupitre_protocol::{AgentId, Channel, Millis};
use rusqlite::{Row, Transaction, params, params_from_iter, types::Value};

use super::names::{availability_name, channel_name, parse_availability};
use super::{ClosedFilter, ConversationFacts, FactSums, ProjectId, Result, SaleRow, StatusChange};

const FACTS_COLUMNS: &str = "number, agent_id, closed_at, first_response_ms, response_sum_ms, \
     response_count, handling_ms, conversation_type, important, satisfaction, survey_comment, \
     visitor_id, visitor_name, summary, agent_answers";

/// Writes a batch's facts and status changes (inside the commit's transaction).
pub(super) fn write(
    tx: &Transaction<'_>,
    project_id: ProjectId,
    facts: &[ConversationFacts],
    changes: &[StatusChange],
    late_surveys: &[(i64, Option<f64>, Option<String>)],
    sales: &[SaleRow],
) -> Result<()> {
    let mut sale = tx.prepare_cached(
        "INSERT OR IGNORE INTO sales (project_id, order_ref, number, agent_id, amount_minor, currency, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for s in sales {
        sale.execute(params![
            project_id,
            s.order,
            s.number,
            s.agent_id,
            s.amount_minor,
            s.currency,
            s.at,
        ])?;
    }
    let mut fact = tx.prepare_cached(&format!(
        "INSERT OR REPLACE INTO conversation_facts (project_id, {FACTS_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    ))?;
    for f in facts {
        fact.execute(params![
            project_id,
            f.number,
            f.agent_id,
            f.closed_at,
            f.first_response_ms,
            f.response_sum_ms,
            f.response_count,
            f.handling_ms,
            f.conversation_type,
            f.important,
            f.satisfaction,
            f.survey_comment,
            f.visitor_id,
            f.visitor_name,
            f.summary,
            serde_json::to_string(&f.agent_answers).unwrap_or_else(|_| "[]".into()),
        ])?;
    }
    let mut survey = tx.prepare_cached(
        "UPDATE conversation_facts SET satisfaction = ?3, survey_comment = ?4
         WHERE project_id = ?1 AND number = ?2",
    )?;
    for (number, score, comment) in late_surveys {
        survey.execute(params![project_id, number, score, comment])?;
    }
    // A change equal to the agent's latest on that channel says nothing new: not stored.
    let mut change = tx.prepare_cached(
        "INSERT INTO status_log (project_id, agent_id, channel, availability, optional, at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (
             SELECT 1 FROM (SELECT availability, optional FROM status_log
                            WHERE project_id = ?1 AND agent_id = ?2 AND channel = ?3
                            ORDER BY at DESC, id DESC LIMIT 1) AS latest
             WHERE latest.availability = ?4 AND latest.optional IS ?5)",
    )?;
    for c in changes {
        change.execute(params![
            project_id,
            c.agent_id,
            channel_name(c.channel),
            availability_name(c.availability),
            c.optional,
            c.at,
        ])?;
    }
    Ok(())
}

fn facts_from_row(r: &Row<'_>) -> rusqlite::Result<ConversationFacts> {
    Ok(ConversationFacts {
        number: r.get(0)?,
        agent_id: r.get(1)?,
        closed_at: r.get(2)?,
        first_response_ms: r.get(3)?,
        response_sum_ms: r.get(4)?,
        response_count: r.get(5)?,
        handling_ms: r.get(6)?,
        conversation_type: r.get(7)?,
        important: r.get(8)?,
        satisfaction: r.get(9)?,
        survey_comment: r.get(10)?,
        visitor_id: r.get(11)?,
        visitor_name: r.get(12)?,
        summary: r.get(13)?,
        agent_answers: serde_json::from_str(&r.get::<_, String>(14)?).unwrap_or_default(),
    })
}

/// `?, ?, …` for `n` values.
fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Summed by SQLite, day by day (one indexed range per agent and day: a join of the days
/// with the facts let the planner scan the whole project), from the covering index
/// `conversation_facts_agent`.
pub(super) fn facts_by_day(
    conn: &rusqlite::Connection,
    project_id: ProjectId,
    agents: &[AgentId],
    days: &[(Millis, Millis)],
) -> Result<Vec<FactSums>> {
    let mut out = vec![FactSums::default(); days.len()];
    if agents.is_empty() {
        return Ok(out);
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT count(*), coalesce(sum(first_response_ms), 0), count(first_response_ms),
                coalesce(sum(response_sum_ms), 0), coalesce(sum(response_count), 0),
                coalesce(sum(handling_ms), 0), count(handling_ms),
                coalesce(sum(satisfaction), 0.0), count(satisfaction)
         FROM conversation_facts INDEXED BY conversation_facts_agent
         WHERE project_id = ? AND closed_at >= ? AND closed_at < ? AND agent_id IN ({})",
        marks(agents.len())
    ))?;
    for (day, (start, end)) in out.iter_mut().zip(days) {
        let mut values: Vec<Value> = vec![project_id.into(), (*start).into(), (*end).into()];
        values.extend(agents.iter().map(|a| Value::from(*a)));
        *day = stmt.query_row(params_from_iter(values), |r| {
            Ok(FactSums {
                conversations: r.get(0)?,
                first_response: (r.get(1)?, r.get(2)?),
                response: (r.get(3)?, r.get(4)?),
                handling: (r.get(5)?, r.get(6)?),
                satisfaction: (r.get(7)?, r.get(8)?),
            })
        })?;
    }
    Ok(out)
}

pub(super) fn status_changes_between(
    conn: &rusqlite::Connection,
    project_id: ProjectId,
    agents: &[AgentId],
    from: Millis,
    to: Millis,
) -> Result<Vec<StatusChange>> {
    let mut out = vec![];
    let mut before = conn.prepare_cached(
        "SELECT channel, availability, optional, at FROM status_log
         WHERE project_id = ?1 AND agent_id = ?2 AND channel = ?3 AND at < ?4
         ORDER BY at DESC, id DESC LIMIT 1",
    )?;
    let mut within = conn.prepare_cached(
        "SELECT channel, availability, optional, at FROM status_log
         WHERE project_id = ?1 AND agent_id = ?2 AND channel = ?3 AND at >= ?4 AND at < ?5
         ORDER BY at, id",
    )?;
    for agent in agents {
        for channel in Channel::ALL {
            let name = channel_name(channel);
            let read = |r: &Row<'_>| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Millis>(3)?,
                ))
            };
            let rows = before
                .query_map(params![project_id, agent, name, from], read)?
                .chain(within.query_map(params![project_id, agent, name, from, to], read)?);
            for row in rows {
                let (_, availability, optional, at) = row?;
                out.push(StatusChange {
                    agent_id: *agent,
                    channel,
                    availability: parse_availability(&availability),
                    optional,
                    at,
                });
            }
        }
    }
    out.sort_by_key(|c| c.at);
    Ok(out)
}

pub(super) fn sales_between(
    conn: &rusqlite::Connection,
    project_id: ProjectId,
    agents: &[AgentId],
    from: Millis,
    to: Millis,
) -> Result<Vec<SaleRow>> {
    if agents.is_empty() {
        return Ok(vec![]);
    }
    let mut values: Vec<Value> = vec![project_id.into(), from.into(), to.into()];
    values.extend(agents.iter().map(|a| Value::from(*a)));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT order_ref, number, agent_id, amount_minor, currency, at FROM sales
         WHERE project_id = ?1 AND at >= ?2 AND at < ?3 AND agent_id IN ({})",
        marks(agents.len())
    ))?;
    let rows = stmt
        .query_map(params_from_iter(values), |r| {
            Ok(SaleRow {
                order: r.get(0)?,
                number: r.get(1)?,
                agent_id: r.get(2)?,
                amount_minor: r.get(3)?,
                currency: r.get(4)?,
                at: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(super) fn closed_conversations(
    conn: &rusqlite::Connection,
    project_id: ProjectId,
    filter: &ClosedFilter,
) -> Result<Vec<ConversationFacts>> {
    if filter.agents.as_ref().is_some_and(Vec::is_empty) {
        return Ok(vec![]);
    }
    let mut sql = format!("SELECT {FACTS_COLUMNS} FROM conversation_facts WHERE project_id = ?");
    let mut values: Vec<Value> = vec![project_id.into()];
    if let Some(agents) = &filter.agents {
        sql += &format!(" AND agent_id IN ({})", marks(agents.len()));
        values.extend(agents.iter().map(|a| Value::from(*a)));
    }
    if let Some(from) = filter.from {
        sql += " AND closed_at >= ?";
        values.push(from.into());
    }
    if let Some(to) = filter.to {
        sql += " AND closed_at < ?";
        values.push(to.into());
    }
    match filter.before {
        Some((at, Some(number))) => {
            sql += " AND (closed_at < ? OR (closed_at = ? AND number < ?))";
            values.extend([at.into(), at.into(), number.into()]);
        }
        Some((at, None)) => {
            sql += " AND closed_at < ?";
            values.push(at.into());
        }
        None => {}
    }
    if let Some(kind) = &filter.conversation_type {
        sql += " AND conversation_type = ?";
        values.push(kind.clone().into());
    }
    if let Some(important) = filter.important {
        sql += " AND important = ?";
        values.push(i64::from(important).into());
    }
    for word in filter
        .text
        .iter()
        .flat_map(|t| t.split_whitespace())
        .take(8)
    {
        sql += " AND (instr(lower(visitor_name), ?) > 0 OR instr(lower(summary), ?) > 0
                 OR instr(lower(coalesce(survey_comment, '')), ?) > 0)";
        let w = word.to_lowercase();
        values.extend([w.clone().into(), w.clone().into(), w.into()]);
    }
    sql += " ORDER BY closed_at DESC, number DESC LIMIT ?";
    values.push((filter.limit as i64).into());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(values), facts_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
