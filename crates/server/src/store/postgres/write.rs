//! The [`Store`] side of the PostgreSQL backend: the writer's batch, the admin writes, the
//! audited changes, the mail queue and the refresh tokens. The same statements as `sqlite.rs`,
//! in its order, in PostgreSQL's words.

use tokio_postgres::error::SqlState;

use super::*;

/// A count or a size as BIGINT.
fn big(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `result`, with a unique constraint broken by another connection (another node) between the
/// check and the write reported as the check reports it: a conflict on `what`.
fn conflict_if_taken<T>(result: Result<T>, what: impl FnOnce() -> String) -> Result<T> {
    match result {
        Err(StoreError::Backend(e))
            if e.downcast_ref::<tokio_postgres::Error>()
                .and_then(|e| e.code())
                == Some(&SqlState::UNIQUE_VIOLATION) =>
        {
            Err(StoreError::Conflict(what()))
        }
        other => other,
    }
}

impl PgStore {
    /// Runs an `INSERT … RETURNING id`; the id.
    fn inserted_id(&mut self, sql: &str, params: Params<'_>) -> Result<i64> {
        match self.row(sql, params)? {
            Some(r) => Ok(r.try_get(0)?),
            None => Err(failed("an INSERT returned no id")),
        }
    }
}

impl Store for PgStore {
    fn is_broken(&self) -> bool {
        self.is_closed()
    }

    fn commit(&mut self, project_id: ProjectId, batch: &Batch) -> Result<()> {
        // A batch is a transaction of its own, never a savepoint of one left open.
        self.end_left_open("a batch")?;
        self.atomically(|s| {
            s.check_owner(project_id)?;
            for v in &batch.visitors {
                let card = serde_json::to_string(&v.card)?;
                s.execute(
                    "INSERT INTO visitors (id, project_id, card, created_at, seen) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (id) DO UPDATE SET card = excluded.card, seen = excluded.seen",
                    &[&v.id, &v.project_id, &card, &v.created_at, &v.seen],
                )?;
            }
            for f in &batch.files {
                s.execute(
                    "INSERT INTO files (id, project_id, conversation, name, mime, size, data, at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &f.id,
                        &project_id,
                        &f.conversation,
                        &f.name,
                        &f.mime,
                        &big(f.data.len()),
                        &f.data,
                        &f.at,
                    ],
                )?;
            }
            for m in &batch.mails {
                s.execute(
                    "INSERT INTO mail_outbox (project_id, conversation, up_to, to_addr, subject, text, html, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &project_id,
                        &m.conversation,
                        &m.up_to,
                        &m.to,
                        &m.subject,
                        &m.text,
                        &m.html,
                        &m.created_at,
                    ],
                )?;
            }
            for c in &batch.conversations {
                let record = serde_json::to_string(&c.record)?;
                let agent: Option<AgentId> = c.record.agent();
                s.execute(
                    "INSERT INTO conversations (project_id, number, visitor_id, record, state, agent_id, conversation_type)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (project_id, number) DO UPDATE SET record = excluded.record,
                       state = excluded.state, agent_id = excluded.agent_id,
                       conversation_type = COALESCE(excluded.conversation_type, conversations.conversation_type)",
                    &[
                        &project_id,
                        &c.record.id,
                        &c.visitor_id,
                        &record,
                        &state_name(&c.record),
                        &agent,
                        &c.conversation_type,
                    ],
                )?;
            }
            for m in &batch.messages {
                let number: i64 = m
                    .message
                    .conversation
                    .parse()
                    .map(|(_, n)| n)
                    .unwrap_or_default();
                let client_id: Option<String> = m.message.client_id.map(|c| c.to_string());
                let author = serde_json::to_string(&m.message.author)?;
                let body = serde_json::to_string(&m.message.body)?;
                s.execute(
                    "INSERT INTO messages (project_id, id, conversation, client_id, author, body, for_visitor, at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    &[
                        &project_id,
                        &m.message.id,
                        &number,
                        &client_id,
                        &author,
                        &body,
                        &m.for_visitor,
                        &m.message.at,
                    ],
                )?;
            }
            for (stream, seq, payload) in &batch.events {
                s.execute(
                    "INSERT INTO events (project_id, stream, seq, payload) VALUES ($1, $2, $3, $4)",
                    &[&project_id, stream, seq, payload],
                )?;
            }
            for (client_id, at) in &batch.applied {
                let client_id = client_id.to_string();
                s.execute(
                    "INSERT INTO applied (client_id, at) VALUES ($1, $2) ON CONFLICT (client_id) DO NOTHING",
                    &[&client_id, at],
                )?;
            }
            for (agent, rt) in &batch.agent_runtimes {
                let rt = serde_json::to_string(rt)?;
                s.execute(
                    "UPDATE agents SET runtime = $2 WHERE id = $1",
                    &[agent, &rt],
                )?;
            }
            for (number, name) in &batch.conversation_types {
                s.execute(
                    "UPDATE conversations SET conversation_type = $3 WHERE project_id = $1 AND number = $2",
                    &[&project_id, number, name],
                )?;
            }
            for (number, on) in &batch.important {
                s.execute(
                    "UPDATE conversations SET important = $3 WHERE project_id = $1 AND number = $2",
                    &[&project_id, number, on],
                )?;
            }
            for r in &batch.help {
                let record = serde_json::to_string(r)?;
                let open: bool = r.is_open();
                s.execute(
                    "INSERT INTO help_requests (project_id, id, conversation, open, record)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (project_id, id) DO UPDATE SET open = excluded.open, record = excluded.record",
                    &[&project_id, &r.id, &r.conversation, &open, &record],
                )?;
            }
            super::stats::write(
                s,
                project_id,
                &batch.facts,
                &batch.status_changes,
                &batch.late_surveys,
                &batch.sales,
            )
        })
    }

    fn project_by_code(&mut self, code: &str) -> Result<Option<ProjectRow>> {
        Ok(self.projects_where("WHERE code = $1", &[&code])?.pop())
    }

    fn projects(&mut self) -> Result<Vec<ProjectRow>> {
        self.projects_where("ORDER BY id", &[])
    }

    fn agent_by_email(&mut self, email: &str) -> Result<Option<AgentRow>> {
        // Case-insensitive, as SQLite's `COLLATE NOCASE` (the unique index is on lower(email)).
        Ok(self
            .agents_where("lower(email) = lower($1::text)", &[&email])?
            .pop())
    }

    fn file(&mut self, project_id: ProjectId, id: &str) -> Result<Option<FileRow>> {
        self.row(
            "SELECT id, conversation, name, mime, data, at FROM files WHERE project_id = $1 AND id = $2",
            &[&project_id, &id],
        )?
        .as_ref()
        .map(file_row)
        .transpose()
    }

    fn pending_mails(&mut self, limit: usize) -> Result<Vec<PendingMail>> {
        // Mails given up on are left out here, not after the LIMIT: fifty of them must not
        // stop every later mail.
        let max_attempts: i64 = crate::mail::MAX_ATTEMPTS;
        let rows = self.rows(
            "SELECT id, to_addr, subject, text, html, attempts FROM mail_outbox
             WHERE sent_at IS NULL AND attempts < $2 ORDER BY id LIMIT $1",
            &[&big(limit), &max_attempts],
        )?;
        rows.iter().map(pending_mail_row).collect()
    }

    fn mail_done(&mut self, id: i64, result: std::result::Result<Millis, String>) -> Result<()> {
        match result {
            Ok(at) => self.execute(
                "UPDATE mail_outbox SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1",
                &[&id, &at],
            )?,
            Err(e) => self.execute(
                "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
                &[&id, &e],
            )?,
        };
        Ok(())
    }

    fn messages_since(&mut self, project_id: ProjectId, at: Millis) -> Result<Vec<StoredMessage>> {
        self.messages_where(
            "WHERE project_id = $1 AND at >= $2 ORDER BY id",
            project_id,
            at,
        )
    }

    fn facts_by_day(
        &mut self,
        project_id: ProjectId,
        agents: &[AgentId],
        days: &[(Millis, Millis)],
    ) -> Result<Vec<FactSums>> {
        super::stats::facts_by_day(self, project_id, agents, days)
    }

    fn status_changes_between(
        &mut self,
        project_id: ProjectId,
        agents: &[AgentId],
        from: Millis,
        to: Millis,
    ) -> Result<Vec<StatusChange>> {
        super::stats::status_changes_between(self, project_id, agents, from, to)
    }

    fn sales_between(
        &mut self,
        project_id: ProjectId,
        agents: &[AgentId],
        from: Millis,
        to: Millis,
    ) -> Result<Vec<SaleRow>> {
        super::stats::sales_between(self, project_id, agents, from, to)
    }

    fn closed_conversations(
        &mut self,
        project_id: ProjectId,
        filter: &ClosedFilter,
    ) -> Result<Vec<ConversationFacts>> {
        super::stats::closed_conversations(self, project_id, filter)
    }

    fn canned_responses(
        &mut self,
        project_id: ProjectId,
        agent_id: Option<AgentId>,
    ) -> Result<Vec<CannedResponse>> {
        // An agent: the project's, their groups', their own. Without one: every shared one.
        // COLLATE "C": in bytes, as SQLite orders them, whatever the database's collation.
        let rows = self.rows(
            r#"SELECT id, agent_id, theme, shortcut, language, title, body, group_id FROM canned_responses
             WHERE project_id = $1 AND (
                 (agent_id IS NULL AND ($2::bigint IS NULL OR group_id IS NULL
                     OR group_id IN (SELECT group_id FROM agent_groups WHERE agent_id = $2)))
                 OR agent_id = $2)
             ORDER BY theme COLLATE "C", title COLLATE "C""#,
            &[&project_id, &agent_id],
        )?;
        rows.iter().map(canned_row).collect()
    }

    fn create_project(
        &mut self,
        code: &str,
        name: &str,
        settings: &ProjectSettings,
    ) -> Result<ProjectId> {
        if self.project_by_code(code)?.is_some() {
            return Err(StoreError::Conflict(format!("project {code}")));
        }
        let settings = serde_json::to_string(settings)?;
        let now: Millis = crate::clock::now_ms();
        let id = self.inserted_id(
            "INSERT INTO projects (code, name, settings, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&code, &name, &settings, &now],
        );
        conflict_if_taken(id, || format!("project {code}"))
    }

    fn update_settings(&mut self, project_id: ProjectId, settings: &ProjectSettings) -> Result<()> {
        let settings = serde_json::to_string(settings)?;
        let n = self.execute(
            "UPDATE projects SET settings = $2 WHERE id = $1",
            &[&project_id, &settings],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("project {project_id}")));
        }
        Ok(())
    }

    fn create_group(
        &mut self,
        project_id: ProjectId,
        name: &str,
        hours: Option<&WeeklyHours>,
    ) -> Result<GroupId> {
        if self.exists(
            "SELECT 1 FROM groups WHERE project_id = $1 AND name = $2",
            &[&project_id, &name],
        )? {
            return Err(StoreError::Conflict(format!("group {name}")));
        }
        let hours: Option<String> = hours.map(serde_json::to_string).transpose()?;
        let id = self.inserted_id(
            "INSERT INTO groups (project_id, name, hours) VALUES ($1, $2, $3) RETURNING id",
            &[&project_id, &name, &hours],
        );
        conflict_if_taken(id, || format!("group {name}"))
    }

    fn set_group_hours(&mut self, group_id: GroupId, hours: Option<&WeeklyHours>) -> Result<()> {
        let hours: Option<String> = hours.map(serde_json::to_string).transpose()?;
        let n = self.execute(
            "UPDATE groups SET hours = $2 WHERE id = $1",
            &[&group_id, &hours],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("group {group_id}")));
        }
        Ok(())
    }

    fn create_agent(&mut self, agent: &NewAgent) -> Result<AgentId> {
        if self.agent_by_email(&agent.email)?.is_some() {
            return Err(StoreError::Conflict(format!("agent {}", agent.email)));
        }
        // A savepoint: inside an audited change, or a transaction of its own.
        let created = self.atomically(|s| {
            let slot_max = i64::from(agent.slot_max);
            let now: Millis = crate::clock::now_ms();
            let id: AgentId = s.inserted_id(
                "INSERT INTO agents (project_id, email, name, password_hash, role, slot_max, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[
                    &agent.project_id,
                    &agent.email,
                    &agent.name,
                    &agent.password_hash,
                    &role_str(agent.role),
                    &slot_max,
                    &now,
                ],
            )?;
            for group in &agent.groups {
                let in_project = s.exists(
                    "SELECT 1 FROM groups WHERE id = $1 AND project_id = $2",
                    &[group, &agent.project_id],
                )?;
                if !in_project {
                    return Err(StoreError::NotFound(format!("group {group}")));
                }
                s.execute(
                    "INSERT INTO agent_groups (agent_id, group_id) VALUES ($1, $2)",
                    &[&id, group],
                )?;
            }
            Ok(id)
        });
        conflict_if_taken(created, || format!("agent {}", agent.email))
    }

    fn create_canned_response(&mut self, project_id: ProjectId, c: &CannedResponse) -> Result<i64> {
        self.inserted_id(
            "INSERT INTO canned_responses (project_id, agent_id, theme, shortcut, language, title, body, group_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &project_id,
                &c.agent_id,
                &c.theme,
                &c.shortcut,
                &c.language,
                &c.title,
                &c.body,
                &c.group_id,
            ],
        )
    }

    fn update_agent(&mut self, update: &AgentUpdate) -> Result<()> {
        let channels = serde_json::to_string(&update.channels)?;
        self.atomically(|s| {
            let slot_max = i64::from(update.slot_max);
            let n = s.execute(
                "UPDATE agents SET name = $2, role = $3, slot_max = $4, active = $5, channels = $6 WHERE id = $1",
                &[
                    &update.id,
                    &update.name,
                    &role_str(update.role),
                    &slot_max,
                    &update.active,
                    &channels,
                ],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("agent {}", update.id)));
            }
            s.execute(
                "DELETE FROM agent_groups WHERE agent_id = $1",
                &[&update.id],
            )?;
            for group in &update.groups {
                s.execute(
                    "INSERT INTO agent_groups (agent_id, group_id) VALUES ($1, $2)",
                    &[&update.id, group],
                )?;
            }
            if !update.active {
                // Signed out everywhere: no refresh token lives on.
                s.execute(
                    "DELETE FROM refresh_tokens WHERE agent_id = $1",
                    &[&update.id],
                )?;
            }
            Ok(())
        })
    }

    fn set_password_hash(&mut self, agent: AgentId, hash: &str, at: Millis) -> Result<()> {
        self.atomically(|s| {
            let n = s.execute(
                "UPDATE agents SET password_hash = $2, credentials_at = $3 WHERE id = $1",
                &[&agent, &hash, &at],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("agent {agent}")));
            }
            s.execute("DELETE FROM refresh_tokens WHERE agent_id = $1", &[&agent])?;
            Ok(())
        })
    }

    fn rename_project(&mut self, project_id: ProjectId, name: &str) -> Result<()> {
        let n = self.execute(
            "UPDATE projects SET name = $2 WHERE id = $1",
            &[&project_id, &name],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("project {project_id}")));
        }
        Ok(())
    }

    fn rename_group(&mut self, group: GroupId, name: &str) -> Result<()> {
        let project: ProjectId =
            match self.row("SELECT project_id FROM groups WHERE id = $1", &[&group])? {
                Some(r) => r.try_get(0)?,
                None => return Err(StoreError::NotFound(format!("group {group}"))),
            };
        if self.exists(
            "SELECT 1 FROM groups WHERE project_id = $1 AND name = $2 AND id <> $3",
            &[&project, &name, &group],
        )? {
            return Err(StoreError::Conflict(format!("group {name}")));
        }
        let renamed = self.execute(
            "UPDATE groups SET name = $2 WHERE id = $1",
            &[&group, &name],
        );
        conflict_if_taken(renamed, || format!("group {name}"))?;
        Ok(())
    }

    fn update_canned_response(&mut self, project_id: ProjectId, c: &CannedResponse) -> Result<()> {
        let n = self.execute(
            "UPDATE canned_responses SET theme = $3, shortcut = $4, language = $5, title = $6, body = $7, group_id = $8
             WHERE id = $1 AND project_id = $2 AND agent_id IS NULL",
            &[
                &c.id,
                &project_id,
                &c.theme,
                &c.shortcut,
                &c.language,
                &c.title,
                &c.body,
                &c.group_id,
            ],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("canned response {}", c.id)));
        }
        Ok(())
    }

    fn delete_canned_response(&mut self, project_id: ProjectId, id: i64) -> Result<()> {
        let n = self.execute(
            "DELETE FROM canned_responses WHERE id = $1 AND project_id = $2 AND agent_id IS NULL",
            &[&id, &project_id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("canned response {id}")));
        }
        Ok(())
    }

    fn knowledge(
        &mut self,
        project_id: ProjectId,
        search: &crate::admin::knowledge::Search,
    ) -> Result<Vec<crate::admin::knowledge::Article>> {
        let q: Option<String> = search
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| format!("%{}%", like_escaped(&q.to_lowercase())));
        let limit = big(crate::admin::knowledge::MOST_FOUND);
        let rows = self.rows(
            r"SELECT id, title, body, tags, language, updated_at FROM knowledge_articles
             WHERE project_id = $1
               AND ($2::text IS NULL OR language = $2)
               AND ($3::text IS NULL OR lower(title || ' ' || body || ' ' || tags) LIKE $3 ESCAPE '\')
             ORDER BY updated_at DESC, id DESC LIMIT $4",
            &[&project_id, &search.language, &q, &limit],
        )?;
        rows.iter().map(article_row).collect()
    }

    fn article(
        &mut self,
        project_id: ProjectId,
        id: i64,
    ) -> Result<Option<crate::admin::knowledge::Article>> {
        self.row(
            "SELECT id, title, body, tags, language, updated_at FROM knowledge_articles
             WHERE project_id = $1 AND id = $2",
            &[&project_id, &id],
        )?
        .as_ref()
        .map(article_row)
        .transpose()
    }

    fn put_article(
        &mut self,
        project_id: ProjectId,
        a: &crate::admin::knowledge::Article,
    ) -> Result<i64> {
        let tags = serde_json::to_string(&a.tags)?;
        if a.id == 0 {
            return self.inserted_id(
                "INSERT INTO knowledge_articles (project_id, title, body, tags, language, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    &project_id,
                    &a.title,
                    &a.body,
                    &tags,
                    &a.language,
                    &a.updated_at,
                ],
            );
        }
        let n = self.execute(
            "UPDATE knowledge_articles SET title = $3, body = $4, tags = $5, language = $6, updated_at = $7
             WHERE project_id = $1 AND id = $2",
            &[
                &project_id,
                &a.id,
                &a.title,
                &a.body,
                &tags,
                &a.language,
                &a.updated_at,
            ],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("article {}", a.id)));
        }
        Ok(a.id)
    }

    fn queue_mail(&mut self, project_id: ProjectId, m: &NewMail) -> Result<()> {
        self.execute(
            "INSERT INTO mail_outbox (project_id, conversation, up_to, to_addr, subject, text, html, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &project_id,
                &m.conversation,
                &m.up_to,
                &m.to,
                &m.subject,
                &m.text,
                &m.html,
                &m.created_at,
            ],
        )?;
        Ok(())
    }

    fn delete_article(&mut self, project_id: ProjectId, id: i64) -> Result<()> {
        let n = self.execute(
            "DELETE FROM knowledge_articles WHERE project_id = $1 AND id = $2",
            &[&project_id, &id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("article {id}")));
        }
        Ok(())
    }

    fn begin_audited(&mut self) -> Result<()> {
        // A plain BEGIN (READ COMMITTED): no IMMEDIATE as on SQLite. PostgreSQL locks the rows
        // a statement changes, not the database, and at READ COMMITTED each statement sees the
        // latest commits: a change that read first can still write after the project's writer
        // committed in between (no serialization failure at this level; a row the writer holds
        // is waited for).
        self.end_left_open("an audited change")?;
        self.begin()
    }

    fn finish_audited(
        &mut self,
        project_id: ProjectId,
        entry: Option<&crate::audit::NewEntry>,
    ) -> Result<()> {
        let written = match entry {
            None => Err(None),
            Some(e) => self
                .write_audit(project_id, e)
                .and_then(|()| self.commit_open())
                .map_err(Some),
        };
        match written {
            Ok(()) => Ok(()),
            Err(why) => {
                // Undone whatever failed (a failed statement leaves the transaction open, and
                // aborted): the connection never stays inside it, and the first error is the
                // one told.
                let undone = if self.depth > 0 {
                    self.rollback_open()
                } else {
                    Ok(())
                };
                match (why, undone) {
                    (Some(e), _) => Err(e),
                    (None, Err(e)) => Err(e),
                    (None, Ok(())) => Ok(()),
                }
            }
        }
    }

    fn audit_log(
        &mut self,
        project_id: ProjectId,
        filter: &crate::audit::Filter,
    ) -> Result<Vec<crate::audit::Entry>> {
        // The text is matched with LIKE, its own wildcards escaped.
        let text: Option<String> = filter
            .text
            .as_deref()
            .map(|t| format!("%{}%", like_escaped(&t.to_lowercase())));
        let action: Option<String> = filter
            .action
            .as_deref()
            .map(|a| format!("{}%", like_escaped(a)));
        let limit = i64::from(filter.fetch_limit());
        // ILIKE for the action: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
        let rows = self.rows(
            r"SELECT id, at, actor_id, actor, action, target, changes FROM audit_log
             WHERE project_id = $1
               AND ($2::bigint IS NULL OR id < $2)
               AND ($3::text IS NULL OR action ILIKE $3 ESCAPE '\')
               AND ($4::bigint IS NULL OR actor_id = $4)
               AND ($5::text IS NULL OR lower(actor || ' ' || target || ' ' || changes) LIKE $5 ESCAPE '\')
               AND ($6::bigint IS NULL OR at >= $6)
               AND ($7::bigint IS NULL OR at < $7)
             ORDER BY id DESC LIMIT $8",
            &[
                &project_id,
                &filter.before,
                &action,
                &filter.actor,
                &text,
                &filter.since,
                &filter.until,
                &limit,
            ],
        )?;
        rows.iter().map(audit_row).collect()
    }

    fn config_generations(&mut self) -> Result<Vec<(ProjectId, i64)>> {
        let rows = self.rows("SELECT id, config_generation FROM projects", &[])?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push((r.try_get(0)?, r.try_get(1)?));
        }
        Ok(out)
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>> {
        match self.row("SELECT value FROM meta WHERE key = $1", &[&key])? {
            Some(r) => Ok(Some(r.try_get(0)?)),
            None => Ok(None),
        }
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn insert_meta_if_absent(&mut self, key: &str, value: &str) -> Result<()> {
        self.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn insert_refresh_token(
        &mut self,
        hash: &str,
        agent_id: AgentId,
        expires_at: Millis,
    ) -> Result<()> {
        self.execute(
            "INSERT INTO refresh_tokens (hash, agent_id, expires_at) VALUES ($1, $2, $3)",
            &[&hash, &agent_id, &expires_at],
        )?;
        Ok(())
    }

    fn take_refresh_token(&mut self, hash: &str, now: Millis) -> Result<Option<AgentId>> {
        let Some(r) = self.row(
            "DELETE FROM refresh_tokens WHERE hash = $1 RETURNING agent_id, expires_at",
            &[&hash],
        )?
        else {
            return Ok(None);
        };
        let agent: AgentId = r.try_get(0)?;
        let expires_at: Millis = r.try_get(1)?;
        Ok((expires_at > now).then_some(agent))
    }
}

fn file_row(r: &Row) -> Result<FileRow> {
    Ok(FileRow {
        id: r.try_get(0)?,
        conversation: r.try_get(1)?,
        name: r.try_get(2)?,
        mime: r.try_get(3)?,
        data: r.try_get(4)?,
        at: r.try_get(5)?,
    })
}

fn pending_mail_row(r: &Row) -> Result<PendingMail> {
    Ok(PendingMail {
        id: r.try_get(0)?,
        to: r.try_get(1)?,
        subject: r.try_get(2)?,
        text: r.try_get(3)?,
        html: r.try_get(4)?,
        attempts: r.try_get(5)?,
    })
}

fn canned_row(r: &Row) -> Result<CannedResponse> {
    Ok(CannedResponse {
        id: r.try_get(0)?,
        agent_id: r.try_get(1)?,
        theme: r.try_get(2)?,
        shortcut: r.try_get(3)?,
        language: r.try_get(4)?,
        title: r.try_get(5)?,
        body: r.try_get(6)?,
        group_id: r.try_get(7)?,
    })
}

/// An article row; its tags are JSON (a broken row is an error, not a panic).
fn article_row(r: &Row) -> Result<crate::admin::knowledge::Article> {
    Ok(crate::admin::knowledge::Article {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        body: r.try_get(2)?,
        tags: json(r.try_get(3)?)?,
        language: r.try_get(4)?,
        updated_at: r.try_get(5)?,
    })
}

fn audit_row(r: &Row) -> Result<crate::audit::Entry> {
    Ok(crate::audit::Entry {
        id: r.try_get(0)?,
        at: r.try_get(1)?,
        actor_id: r.try_get(2)?,
        actor: r.try_get(3)?,
        action: r.try_get(4)?,
        target: r.try_get(5)?,
        changes: json(r.try_get(6)?)?,
    })
}

impl PgStore {
    fn write_audit(&mut self, project_id: ProjectId, e: &crate::audit::NewEntry) -> Result<()> {
        let changes = serde_json::to_string(&e.changes)?;
        self.execute(
            "INSERT INTO audit_log (project_id, at, actor_id, actor, action, target, changes)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &project_id,
                &e.at,
                &e.actor.id,
                &e.actor.name,
                &e.action,
                &e.target,
                &changes,
            ],
        )?;
        let n = self.execute(
            "UPDATE projects SET config_generation = config_generation + 1 WHERE id = $1",
            &[&project_id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("project {project_id}")));
        }
        Ok(())
    }
}
