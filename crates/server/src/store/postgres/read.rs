//! The [`StoreRead`] side of the PostgreSQL backend, and the row helpers `write.rs` reuses
//! (projects, agents with their groups, messages and conversations by clause). The same
//! queries as `sqlite.rs`, in PostgreSQL's words.

use pupitre_routing::help::HelpRecord;

use super::*;

fn project_row(r: &Row) -> Result<ProjectRow> {
    Ok(ProjectRow {
        id: r.try_get(0)?,
        code: r.try_get(1)?,
        name: r.try_get(2)?,
        settings: json(r.try_get(3)?)?,
    })
}

fn group_row(r: &Row, project_id: ProjectId) -> Result<GroupRow> {
    let hours: Option<&str> = r.try_get(2)?;
    Ok(GroupRow {
        id: r.try_get(0)?,
        project_id,
        name: r.try_get(1)?,
        hours: hours.map(json).transpose()?,
    })
}

fn visitor_row(r: &Row) -> Result<VisitorRow> {
    Ok(VisitorRow {
        id: r.try_get(0)?,
        project_id: r.try_get(1)?,
        card: json(r.try_get(2)?)?,
        created_at: r.try_get(3)?,
        seen: r.try_get(4)?,
    })
}

/// A message row of the project whose code is `code`: `id, conversation, client_id, author,
/// body, for_visitor, at`.
fn message_row(r: &Row, code: &str) -> Result<StoredMessage> {
    let client_id: Option<&str> = r.try_get(2)?;
    Ok(StoredMessage {
        message: Message {
            id: r.try_get(0)?,
            conversation: pupitre_protocol::ConversationRef::new(code, r.try_get(1)?),
            client_id: client_id.and_then(|c| c.parse().ok()),
            author: json(r.try_get(3)?)?,
            body: json(r.try_get(4)?)?,
            at: r.try_get(6)?,
        },
        for_visitor: r.try_get(5)?,
    })
}

fn conversation_row(r: &Row) -> Result<ConversationRow> {
    Ok(ConversationRow {
        visitor_id: r.try_get(0)?,
        record: json(r.try_get(1)?)?,
        conversation_type: r.try_get(2)?,
        important: r.try_get(3)?,
    })
}

impl PgStore {
    /// Whether `sql` returns a row.
    pub(super) fn exists(&mut self, sql: &str, params: Params<'_>) -> Result<bool> {
        Ok(!self.rows(sql, params)?.is_empty())
    }

    /// The BIGINT `sql` (an aggregate over `$1`, the project) returns; 0 for NULL.
    fn highest(&mut self, sql: &str, project_id: ProjectId) -> Result<i64> {
        match self.row(sql, &[&project_id])? {
            Some(r) => Ok(r.try_get::<_, Option<i64>>(0)?.unwrap_or(0)),
            None => Ok(0),
        }
    }

    /// Projects by a clause (`WHERE …`, `ORDER BY …`) over `params`.
    pub(super) fn projects_where(
        &mut self,
        clause: &str,
        params: Params<'_>,
    ) -> Result<Vec<ProjectRow>> {
        let sql = format!("SELECT id, code, name, settings FROM projects {clause}");
        let rows = self.rows(&sql, params)?;
        rows.iter().map(project_row).collect()
    }

    fn agent_groups(&mut self, agent: AgentId) -> Result<Vec<GroupId>> {
        let rows = self.rows(
            "SELECT group_id FROM agent_groups WHERE agent_id = $1 ORDER BY group_id",
            &[&agent],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(r.try_get(0)?);
        }
        Ok(out)
    }

    /// Agents by a condition over `params`, with their groups, in id order.
    pub(super) fn agents_where(
        &mut self,
        condition: &str,
        params: Params<'_>,
    ) -> Result<Vec<AgentRow>> {
        let sql = format!(
            "SELECT id, project_id, email, name, password_hash, role, slot_max, runtime, active, credentials_at, channels FROM agents WHERE {condition} ORDER BY id"
        );
        let rows = self.rows(&sql, params)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: AgentId = r.try_get(0)?;
            let runtime: Option<&str> = r.try_get(7)?;
            out.push(AgentRow {
                id,
                project_id: r.try_get(1)?,
                email: r.try_get(2)?,
                name: r.try_get(3)?,
                password_hash: r.try_get(4)?,
                role: parse_role(r.try_get(5)?),
                slot_max: count(r.try_get(6)?),
                groups: self.agent_groups(id)?,
                runtime: match runtime {
                    Some(text) => json(text)?,
                    None => AgentRuntime::default(),
                },
                active: r.try_get(8)?,
                credentials_at: r.try_get(9)?,
                channels: json(r.try_get(10)?)?,
            });
        }
        Ok(out)
    }

    /// Messages of a project by a clause over `$1` (the project) and `$2`.
    pub(super) fn messages_where(
        &mut self,
        clause: &str,
        project_id: ProjectId,
        param: i64,
    ) -> Result<Vec<StoredMessage>> {
        // As SQLite's `query_row`: no such project is a failure of the call, not a `NotFound`.
        let project = self.row("SELECT code FROM projects WHERE id = $1", &[&project_id])?;
        let code: String = match project {
            Some(r) => r.try_get(0)?,
            None => return Err(failed(format!("project {project_id} not found"))),
        };
        let sql = format!(
            "SELECT id, conversation, client_id, author, body, for_visitor, at FROM messages {clause}"
        );
        let rows = self.rows(&sql, &[&project_id, &param])?;
        rows.iter().map(|r| message_row(r, &code)).collect()
    }

    /// Conversations by a clause (`WHERE …`) over `params`, in number order.
    pub(super) fn conversations_where(
        &mut self,
        clause: &str,
        params: Params<'_>,
    ) -> Result<Vec<ConversationRow>> {
        let sql = format!(
            "SELECT visitor_id, record, conversation_type, important FROM conversations {clause} ORDER BY number"
        );
        let rows = self.rows(&sql, params)?;
        rows.iter().map(conversation_row).collect()
    }
}

impl StoreRead for PgStore {
    fn counters(&mut self, project_id: ProjectId) -> Result<Counters> {
        Ok(Counters {
            seq: self.highest(
                "SELECT MAX(seq) FROM events WHERE project_id = $1",
                project_id,
            )?,
            message_id: self.highest(
                "SELECT MAX(id) FROM messages WHERE project_id = $1",
                project_id,
            )?,
            conversation: self.highest(
                "SELECT MAX(number) FROM conversations WHERE project_id = $1",
                project_id,
            )?,
            help: self.highest(
                "SELECT MAX(id) FROM help_requests WHERE project_id = $1",
                project_id,
            )?,
        })
    }

    fn open_help(&mut self, project_id: ProjectId) -> Result<Vec<HelpRecord>> {
        let rows = self.rows(
            "SELECT record FROM help_requests WHERE project_id = $1 AND open ORDER BY id",
            &[&project_id],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(json(r.try_get(0)?)?);
        }
        Ok(out)
    }

    fn is_applied(&mut self, client_id: ClientId) -> Result<bool> {
        self.exists(
            "SELECT 1 FROM applied WHERE client_id = $1",
            &[&client_id.to_string()],
        )
    }

    fn events_since(
        &mut self,
        stream: &str,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<(Seq, String)>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.rows(
            "SELECT seq, payload FROM events WHERE stream = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&stream, &after, &limit],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push((r.try_get(0)?, r.try_get(1)?));
        }
        Ok(out)
    }

    fn project(&mut self, id: ProjectId) -> Result<Option<ProjectRow>> {
        Ok(self.projects_where("WHERE id = $1", &[&id])?.pop())
    }

    fn groups(&mut self, project_id: ProjectId) -> Result<Vec<GroupRow>> {
        let rows = self.rows(
            "SELECT id, name, hours FROM groups WHERE project_id = $1 ORDER BY id",
            &[&project_id],
        )?;
        rows.iter().map(|r| group_row(r, project_id)).collect()
    }

    fn agents(&mut self, project_id: ProjectId) -> Result<Vec<AgentRow>> {
        self.agents_where("project_id = $1", &[&project_id])
    }

    fn agent(&mut self, id: AgentId) -> Result<Option<AgentRow>> {
        Ok(self.agents_where("id = $1", &[&id])?.pop())
    }

    fn visitor(&mut self, id: &str) -> Result<Option<VisitorRow>> {
        self.row(
            "SELECT id, project_id, card, created_at, seen FROM visitors WHERE id = $1",
            &[&id],
        )?
        .as_ref()
        .map(visitor_row)
        .transpose()
    }

    fn mailed_up_to(&mut self, project_id: ProjectId, conversation: i64) -> Result<i64> {
        match self.row(
            "SELECT COALESCE(MAX(up_to), 0) FROM mail_outbox WHERE project_id = $1 AND conversation = $2",
            &[&project_id, &conversation],
        )? {
            Some(r) => Ok(r.try_get(0)?),
            None => Ok(0),
        }
    }

    fn live_conversations(&mut self, project_id: ProjectId) -> Result<Vec<ConversationRow>> {
        self.conversations_where(
            "WHERE project_id = $1 AND state <> 'closed'",
            &[&project_id],
        )
    }

    fn conversation(
        &mut self,
        project_id: ProjectId,
        number: i64,
    ) -> Result<Option<ConversationRow>> {
        Ok(self
            .conversations_where(
                "WHERE project_id = $1 AND number = $2",
                &[&project_id, &number],
            )?
            .pop())
    }

    fn visitor_conversations(
        &mut self,
        project_id: ProjectId,
        visitor_id: &str,
    ) -> Result<Vec<ConversationRow>> {
        // The planner picks the visitor's index by itself (SQLite needed INDEXED BY).
        self.conversations_where(
            "WHERE visitor_id = $1 AND project_id = $2",
            &[&visitor_id, &project_id],
        )
    }

    fn messages(&mut self, project_id: ProjectId, conversation: i64) -> Result<Vec<StoredMessage>> {
        self.messages_where(
            "WHERE project_id = $1 AND conversation = $2 ORDER BY id",
            project_id,
            conversation,
        )
    }
}
