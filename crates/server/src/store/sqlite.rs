//! The SQLite backend: one file, WAL, `synchronous=FULL` so that an acknowledged commit survives
//! a crash of the process or of the machine (R12).

use std::path::Path;
use std::sync::LazyLock;

use pupitre_protocol::agent::VisitorCard;
use pupitre_protocol::{AgentId, ClientId, GroupId, Message, Seq};
use pupitre_routing::help::HelpRecord;
use pupitre_routing::hours::WeeklyHours;
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};

use super::*;

/// The schema, one migration per release that changed it; a database's `user_version` says how
/// many it has had. Append only: a released migration is never edited.
const MIGRATION_FILES: &[&str] = &[
    include_str!("../../migrations/001_initial.sql"),
    include_str!("../../migrations/002_widget.sql"),
    include_str!("../../migrations/003_admin.sql"),
    include_str!("../../migrations/004_statistics.sql"),
    include_str!("../../migrations/005_supervision.sql"),
];

/// This release's schema version.
pub const LATEST_SCHEMA: usize = MIGRATION_FILES.len();

static MIGRATIONS: LazyLock<Migrations<'static>> =
    LazyLock::new(|| Migrations::new(MIGRATION_FILES.iter().map(|sql| M::up(sql)).collect()));

/// A database's schema version (0: a new, empty file).
pub fn schema_version(conn: &Connection) -> rusqlite::Result<usize> {
    conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map(|v| usize::try_from(v).unwrap_or(0))
}

/// Creates a database at `version` only (the upgrade tests make an older release's file).
#[doc(hidden)]
pub fn create_at_version(path: &Path, version: usize) -> Result<()> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    MIGRATIONS.to_version(&mut conn, version)?;
    Ok(())
}

// The driver's errors become the store's backend-neutral one here, and only here: nothing
// outside this file sees a rusqlite type.
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

impl From<rusqlite_migration::Error> for StoreError {
    fn from(e: rusqlite_migration::Error) -> Self {
        StoreError::Backend(Box::new(MigrationFailed(e)))
    }
}

/// A migration that failed, named as such in the logs.
#[derive(Debug, thiserror::Error)]
#[error("migration: {0}")]
struct MigrationFailed(rusqlite_migration::Error);

/// How long a connection waits for another writer's lock before failing.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

pub struct SqliteStore {
    pub(super) conn: Connection,
    /// Shared by every connection of this process to the same file: see [`commit_lock`].
    commits: std::sync::Arc<std::sync::Mutex<()>>,
}

/// The writers' commits to one file, one at a time in this process. SQLite has one write lock
/// per file, and connections waiting for it sleep in its busy handler (up to 100 ms a turn,
/// first come not first served): with 100 projects' writers committing at once (S1), some
/// waited past [`BUSY_TIMEOUT`] and their batches failed. Here a commit waits for the one
/// before it, and no longer. (Another process on the file still meets the busy handler.)
fn commit_lock(path: &Path) -> std::sync::Arc<std::sync::Mutex<()>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, Weak};
    static LOCKS: LazyLock<Mutex<HashMap<std::path::PathBuf, Weak<Mutex<()>>>>> =
        LazyLock::new(Mutex::default);
    let key = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    let mut locks = LOCKS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(lock) = locks.get(&key).and_then(Weak::upgrade) {
        return lock;
    }
    locks.retain(|_, lock| lock.strong_count() > 0);
    let lock = Arc::new(Mutex::new(()));
    locks.insert(key, Arc::downgrade(&lock));
    lock
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database file.
    pub fn open(path: &Path) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        MIGRATIONS.to_latest(&mut conn)?;
        Ok(Self {
            conn,
            commits: commit_lock(path),
        })
    }

    fn project_from_row(
        row: &rusqlite::Row<'_>,
    ) -> rusqlite::Result<(ProjectId, String, String, String)> {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
    }

    fn to_project(raw: (ProjectId, String, String, String)) -> Result<ProjectRow> {
        Ok(ProjectRow {
            id: raw.0,
            code: raw.1,
            name: raw.2,
            settings: serde_json::from_str(&raw.3)?,
        })
    }

    fn agent_groups(&mut self, agent: AgentId) -> Result<Vec<GroupId>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT group_id FROM agent_groups WHERE agent_id = ? ORDER BY group_id",
        )?;
        let rows = stmt.query_map([agent], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn agents_where(&mut self, clause: &str, param: &dyn rusqlite::ToSql) -> Result<Vec<AgentRow>> {
        let sql = format!(
            "SELECT id, project_id, email, name, password_hash, role, slot_max, runtime, active, credentials_at, channels FROM agents WHERE {clause} ORDER BY id"
        );
        let raw: Vec<_> = {
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let rows = stmt.query_map([param], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, u32>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, bool>(8)?,
                    r.get::<_, Millis>(9)?,
                    r.get::<_, String>(10)?,
                ))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        raw.into_iter()
            .map(
                |(
                    id,
                    project_id,
                    email,
                    name,
                    password_hash,
                    role,
                    slot_max,
                    runtime,
                    active,
                    credentials_at,
                    channels,
                )| {
                    Ok(AgentRow {
                        id,
                        project_id,
                        email,
                        name,
                        password_hash,
                        role: parse_role(&role),
                        slot_max,
                        groups: self.agent_groups(id)?,
                        runtime: match runtime {
                            Some(json) => serde_json::from_str(&json)?,
                            None => AgentRuntime::default(),
                        },
                        active,
                        credentials_at,
                        channels: serde_json::from_str(&channels)?,
                    })
                },
            )
            .collect()
    }

    /// Messages of a project by a clause over `?1` (the project) and `?2`.
    fn messages_where(
        &mut self,
        clause: &str,
        project_id: ProjectId,
        param: i64,
    ) -> Result<Vec<StoredMessage>> {
        let code: String = self.conn.query_row(
            "SELECT code FROM projects WHERE id = ?",
            [project_id],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT id, conversation, client_id, author, body, for_visitor, at FROM messages {clause}"
        ))?;
        type Raw = (i64, i64, Option<String>, String, String, bool, i64);
        let raw: Vec<Raw> = stmt
            .query_map([project_id, param], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        raw.into_iter()
            .map(
                |(id, conversation, client_id, author, body, for_visitor, at)| {
                    Ok(StoredMessage {
                        message: Message {
                            id,
                            conversation: pupitre_protocol::ConversationRef::new(
                                &code,
                                conversation,
                            ),
                            client_id: client_id.and_then(|c| c.parse().ok()),
                            author: serde_json::from_str(&author)?,
                            body: serde_json::from_str(&body)?,
                            at,
                        },
                        for_visitor,
                    })
                },
            )
            .collect()
    }

    fn conversations_where(
        &mut self,
        clause: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<ConversationRow>> {
        let sql = format!(
            "SELECT visitor_id, record, conversation_type, important FROM conversations {clause} ORDER BY number"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let raw: Vec<(String, String, Option<String>, bool)> = stmt
            .query_map(params, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        raw.into_iter()
            .map(|(visitor_id, record, conversation_type, important)| {
                Ok(ConversationRow {
                    visitor_id,
                    record: serde_json::from_str(&record)?,
                    conversation_type,
                    important,
                })
            })
            .collect()
    }
}

impl StoreRead for SqliteStore {
    fn counters(&mut self, project_id: ProjectId) -> Result<Counters> {
        let q = |conn: &Connection, sql: &str| -> rusqlite::Result<i64> {
            conn.query_row(sql, [project_id], |r| r.get::<_, Option<i64>>(0))
                .map(|v| v.unwrap_or(0))
        };
        Ok(Counters {
            seq: q(
                &self.conn,
                "SELECT MAX(seq) FROM events WHERE project_id = ?",
            )?,
            message_id: q(
                &self.conn,
                "SELECT MAX(id) FROM messages WHERE project_id = ?",
            )?,
            conversation: q(
                &self.conn,
                "SELECT MAX(number) FROM conversations WHERE project_id = ?",
            )?,
            help: q(
                &self.conn,
                "SELECT MAX(id) FROM help_requests WHERE project_id = ?",
            )?,
        })
    }

    fn open_help(&mut self, project_id: ProjectId) -> Result<Vec<HelpRecord>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT record FROM help_requests WHERE project_id = ? AND open = 1 ORDER BY id",
        )?;
        let rows = stmt.query_map([project_id], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(serde_json::from_str(&row?)?);
        }
        Ok(out)
    }

    fn is_applied(&mut self, client_id: ClientId) -> Result<bool> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM applied WHERE client_id = ?")?;
        Ok(stmt.exists([client_id.to_string()])?)
    }

    fn events_since(
        &mut self,
        stream: &str,
        after: Seq,
        limit: usize,
    ) -> Result<Vec<(Seq, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, payload FROM events WHERE stream = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![stream, after, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn project(&mut self, id: ProjectId) -> Result<Option<ProjectRow>> {
        let raw = self
            .conn
            .query_row(
                "SELECT id, code, name, settings FROM projects WHERE id = ?",
                [id],
                Self::project_from_row,
            )
            .optional()?;
        raw.map(Self::to_project).transpose()
    }

    fn groups(&mut self, project_id: ProjectId) -> Result<Vec<GroupRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, hours FROM groups WHERE project_id = ? ORDER BY id",
        )?;
        let raw: Vec<(GroupId, String, Option<String>)> = stmt
            .query_map([project_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        raw.into_iter()
            .map(|(id, name, hours)| {
                Ok(GroupRow {
                    id,
                    project_id,
                    name,
                    hours: hours.map(|h| serde_json::from_str(&h)).transpose()?,
                })
            })
            .collect()
    }

    fn agents(&mut self, project_id: ProjectId) -> Result<Vec<AgentRow>> {
        self.agents_where("project_id = ?", &project_id)
    }

    fn agent(&mut self, id: AgentId) -> Result<Option<AgentRow>> {
        Ok(self.agents_where("id = ?", &id)?.pop())
    }

    fn visitor(&mut self, id: &str) -> Result<Option<VisitorRow>> {
        let raw: Option<(String, ProjectId, String, i64, i64)> = self
            .conn
            .query_row(
                "SELECT id, project_id, card, created_at, seen FROM visitors WHERE id = ?",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        raw.map(|(id, project_id, card, created_at, seen)| {
            let card: VisitorCard = serde_json::from_str(&card)?;
            Ok(VisitorRow {
                id,
                project_id,
                card,
                created_at,
                seen,
            })
        })
        .transpose()
    }

    fn mailed_up_to(&mut self, project_id: ProjectId, conversation: i64) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(MAX(up_to), 0) FROM mail_outbox WHERE project_id = ? AND conversation = ?",
            params![project_id, conversation],
            |r| r.get(0),
        )?)
    }

    fn live_conversations(&mut self, project_id: ProjectId) -> Result<Vec<ConversationRow>> {
        self.conversations_where("WHERE project_id = ? AND state <> 'closed'", &[&project_id])
    }

    fn conversation(
        &mut self,
        project_id: ProjectId,
        number: i64,
    ) -> Result<Option<ConversationRow>> {
        Ok(self
            .conversations_where(
                "WHERE project_id = ? AND number = ?",
                &[&project_id, &number],
            )?
            .pop())
    }

    fn visitor_conversations(
        &mut self,
        project_id: ProjectId,
        visitor_id: &str,
    ) -> Result<Vec<ConversationRow>> {
        // Through the visitor's index, not a walk of the project's conversations.
        self.conversations_where(
            "INDEXED BY conversations_visitor WHERE visitor_id = ? AND project_id = ?",
            &[&visitor_id, &project_id],
        )
    }

    fn messages(&mut self, project_id: ProjectId, conversation: i64) -> Result<Vec<StoredMessage>> {
        // INDEXED BY: without it SQLite may walk the primary key, every message of the
        // project, for one conversation's thread (found by the bench, P4).
        self.messages_where(
            "INDEXED BY messages_conversation WHERE project_id = ?1 AND conversation = ?2 ORDER BY id",
            project_id,
            conversation,
        )
    }
}

impl Store for SqliteStore {
    fn commit(&mut self, project_id: ProjectId, batch: &Batch) -> Result<()> {
        let commits = self.commits.clone();
        let _turn = commits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tx = self.conn.transaction()?;
        {
            let mut visitor = tx.prepare_cached(
                "INSERT INTO visitors (id, project_id, card, created_at, seen) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET card = excluded.card, seen = excluded.seen",
            )?;
            for v in &batch.visitors {
                visitor.execute(params![
                    v.id,
                    v.project_id,
                    serde_json::to_string(&v.card)?,
                    v.created_at,
                    v.seen,
                ])?;
            }
            let mut file = tx.prepare_cached(
                "INSERT INTO files (id, project_id, conversation, name, mime, size, data, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for f in &batch.files {
                file.execute(params![
                    f.id,
                    project_id,
                    f.conversation,
                    f.name,
                    f.mime,
                    f.data.len() as i64,
                    f.data,
                    f.at,
                ])?;
            }
            let mut mail = tx.prepare_cached(
                "INSERT INTO mail_outbox (project_id, conversation, up_to, to_addr, subject, text, html, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for m in &batch.mails {
                mail.execute(params![
                    project_id,
                    m.conversation,
                    m.up_to,
                    m.to,
                    m.subject,
                    m.text,
                    m.html,
                    m.created_at,
                ])?;
            }
            let mut conversation = tx.prepare_cached(
                "INSERT INTO conversations (project_id, number, visitor_id, record, state, agent_id, conversation_type)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (project_id, number) DO UPDATE SET record = excluded.record,
                   state = excluded.state, agent_id = excluded.agent_id,
                   conversation_type = COALESCE(excluded.conversation_type, conversation_type)",
            )?;
            for c in &batch.conversations {
                conversation.execute(params![
                    project_id,
                    c.record.id,
                    c.visitor_id,
                    serde_json::to_string(&c.record)?,
                    state_name(&c.record),
                    c.record.agent(),
                    c.conversation_type,
                ])?;
            }
            let mut message = tx.prepare_cached(
                "INSERT INTO messages (project_id, id, conversation, client_id, author, body, for_visitor, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for m in &batch.messages {
                let number = m
                    .message
                    .conversation
                    .parse()
                    .map(|(_, n)| n)
                    .unwrap_or_default();
                message.execute(params![
                    project_id,
                    m.message.id,
                    number,
                    m.message.client_id.map(|c| c.to_string()),
                    serde_json::to_string(&m.message.author)?,
                    serde_json::to_string(&m.message.body)?,
                    m.for_visitor,
                    m.message.at,
                ])?;
            }
            let mut event = tx.prepare_cached(
                "INSERT INTO events (project_id, stream, seq, payload) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (stream, seq, payload) in &batch.events {
                event.execute(params![project_id, stream, seq, payload])?;
            }
            let mut applied =
                tx.prepare_cached("INSERT OR IGNORE INTO applied (client_id, at) VALUES (?1, ?2)")?;
            for (client_id, at) in &batch.applied {
                applied.execute(params![client_id.to_string(), at])?;
            }
            let mut runtime = tx.prepare_cached("UPDATE agents SET runtime = ?2 WHERE id = ?1")?;
            for (agent, rt) in &batch.agent_runtimes {
                runtime.execute(params![agent, serde_json::to_string(rt)?])?;
            }
            let mut ctype = tx.prepare_cached(
                "UPDATE conversations SET conversation_type = ?3 WHERE project_id = ?1 AND number = ?2",
            )?;
            for (number, name) in &batch.conversation_types {
                ctype.execute(params![project_id, number, name])?;
            }
            let mut important = tx.prepare_cached(
                "UPDATE conversations SET important = ?3 WHERE project_id = ?1 AND number = ?2",
            )?;
            for (number, on) in &batch.important {
                important.execute(params![project_id, number, on])?;
            }
            let mut help = tx.prepare_cached(
                "INSERT INTO help_requests (project_id, id, conversation, open, record)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (project_id, id) DO UPDATE SET open = ?4, record = ?5",
            )?;
            for r in &batch.help {
                help.execute(params![
                    project_id,
                    r.id,
                    r.conversation,
                    r.is_open(),
                    serde_json::to_string(r)?
                ])?;
            }
            super::sqlite_stats::write(
                &tx,
                project_id,
                &batch.facts,
                &batch.status_changes,
                &batch.late_surveys,
                &batch.sales,
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn project_by_code(&mut self, code: &str) -> Result<Option<ProjectRow>> {
        let raw = self
            .conn
            .query_row(
                "SELECT id, code, name, settings FROM projects WHERE code = ?",
                [code],
                Self::project_from_row,
            )
            .optional()?;
        raw.map(Self::to_project).transpose()
    }

    fn projects(&mut self) -> Result<Vec<ProjectRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, code, name, settings FROM projects ORDER BY id")?;
        let raw: Vec<_> = stmt
            .query_map([], Self::project_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        raw.into_iter().map(Self::to_project).collect()
    }

    fn agent_by_email(&mut self, email: &str) -> Result<Option<AgentRow>> {
        Ok(self.agents_where("email = ?", &email)?.pop())
    }

    fn file(&mut self, project_id: ProjectId, id: &str) -> Result<Option<FileRow>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, conversation, name, mime, data, at FROM files WHERE project_id = ? AND id = ?",
                params![project_id, id],
                |r| {
                    Ok(FileRow {
                        id: r.get(0)?,
                        conversation: r.get(1)?,
                        name: r.get(2)?,
                        mime: r.get(3)?,
                        data: r.get(4)?,
                        at: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    fn pending_mails(&mut self, limit: usize) -> Result<Vec<PendingMail>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, to_addr, subject, text, html, attempts FROM mail_outbox
             WHERE sent_at IS NULL AND attempts < ?2 ORDER BY id LIMIT ?1",
        )?;
        // Mails given up on are left out here, not after the LIMIT: fifty of them must not
        // stop every later mail.
        let rows = stmt
            .query_map(params![limit as i64, crate::mail::MAX_ATTEMPTS], |r| {
                Ok(PendingMail {
                    id: r.get(0)?,
                    to: r.get(1)?,
                    subject: r.get(2)?,
                    text: r.get(3)?,
                    html: r.get(4)?,
                    attempts: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn mail_done(&mut self, id: i64, result: std::result::Result<Millis, String>) -> Result<()> {
        match result {
            Ok(at) => self.conn.execute(
                "UPDATE mail_outbox SET sent_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
                params![id, at],
            )?,
            Err(e) => self.conn.execute(
                "UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                params![id, e],
            )?,
        };
        Ok(())
    }

    fn messages_since(&mut self, project_id: ProjectId, at: Millis) -> Result<Vec<StoredMessage>> {
        self.messages_where(
            "INDEXED BY messages_at WHERE project_id = ?1 AND at >= ?2 ORDER BY id",
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
        super::sqlite_stats::facts_by_day(&self.conn, project_id, agents, days)
    }

    fn status_changes_between(
        &mut self,
        project_id: ProjectId,
        agents: &[AgentId],
        from: Millis,
        to: Millis,
    ) -> Result<Vec<StatusChange>> {
        super::sqlite_stats::status_changes_between(&self.conn, project_id, agents, from, to)
    }

    fn sales_between(
        &mut self,
        project_id: ProjectId,
        agents: &[AgentId],
        from: Millis,
        to: Millis,
    ) -> Result<Vec<SaleRow>> {
        super::sqlite_stats::sales_between(&self.conn, project_id, agents, from, to)
    }

    fn closed_conversations(
        &mut self,
        project_id: ProjectId,
        filter: &ClosedFilter,
    ) -> Result<Vec<ConversationFacts>> {
        super::sqlite_stats::closed_conversations(&self.conn, project_id, filter)
    }

    fn canned_responses(
        &mut self,
        project_id: ProjectId,
        agent_id: Option<AgentId>,
    ) -> Result<Vec<CannedResponse>> {
        // An agent: the project's, their groups', their own. Without one: every shared one.
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, agent_id, theme, shortcut, language, title, body, group_id FROM canned_responses
             WHERE project_id = ?1 AND (
                 (agent_id IS NULL AND (?2 IS NULL OR group_id IS NULL
                     OR group_id IN (SELECT group_id FROM agent_groups WHERE agent_id = ?2)))
                 OR agent_id = ?2)
             ORDER BY theme, title",
        )?;
        let rows = stmt.query_map(params![project_id, agent_id], |r| {
            Ok(CannedResponse {
                id: r.get(0)?,
                agent_id: r.get(1)?,
                theme: r.get(2)?,
                shortcut: r.get(3)?,
                language: r.get(4)?,
                title: r.get(5)?,
                body: r.get(6)?,
                group_id: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
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
        self.conn.execute(
            "INSERT INTO projects (code, name, settings, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                code,
                name,
                serde_json::to_string(settings)?,
                crate::clock::now_ms()
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn update_settings(&mut self, project_id: ProjectId, settings: &ProjectSettings) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE projects SET settings = ?2 WHERE id = ?1",
            params![project_id, serde_json::to_string(settings)?],
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
        let exists: bool = self
            .conn
            .prepare_cached("SELECT 1 FROM groups WHERE project_id = ? AND name = ?")?
            .exists(params![project_id, name])?;
        if exists {
            return Err(StoreError::Conflict(format!("group {name}")));
        }
        self.conn.execute(
            "INSERT INTO groups (project_id, name, hours) VALUES (?1, ?2, ?3)",
            params![
                project_id,
                name,
                hours.map(serde_json::to_string).transpose()?
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn set_group_hours(&mut self, group_id: GroupId, hours: Option<&WeeklyHours>) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE groups SET hours = ?2 WHERE id = ?1",
            params![group_id, hours.map(serde_json::to_string).transpose()?],
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
        let tx = self.conn.savepoint()?;
        tx.execute(
            "INSERT INTO agents (project_id, email, name, password_hash, role, slot_max, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                agent.project_id,
                agent.email,
                agent.name,
                agent.password_hash,
                role_str(agent.role),
                agent.slot_max,
                crate::clock::now_ms()
            ],
        )?;
        let id = tx.last_insert_rowid();
        for group in &agent.groups {
            let in_project: bool = tx
                .prepare_cached("SELECT 1 FROM groups WHERE id = ? AND project_id = ?")?
                .exists(params![group, agent.project_id])?;
            if !in_project {
                return Err(StoreError::NotFound(format!("group {group}")));
            }
            tx.execute(
                "INSERT INTO agent_groups (agent_id, group_id) VALUES (?1, ?2)",
                params![id, group],
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    fn create_canned_response(&mut self, project_id: ProjectId, c: &CannedResponse) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO canned_responses (project_id, agent_id, theme, shortcut, language, title, body, group_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![project_id, c.agent_id, c.theme, c.shortcut, c.language, c.title, c.body, c.group_id],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    fn update_agent(&mut self, update: &AgentUpdate) -> Result<()> {
        let tx = self.conn.savepoint()?;
        let n = tx.execute(
            "UPDATE agents SET name = ?2, role = ?3, slot_max = ?4, active = ?5, channels = ?6 WHERE id = ?1",
            params![
                update.id,
                update.name,
                role_str(update.role),
                update.slot_max,
                update.active,
                serde_json::to_string(&update.channels)?
            ],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("agent {}", update.id)));
        }
        tx.execute("DELETE FROM agent_groups WHERE agent_id = ?1", [update.id])?;
        for group in &update.groups {
            tx.execute(
                "INSERT INTO agent_groups (agent_id, group_id) VALUES (?1, ?2)",
                params![update.id, group],
            )?;
        }
        if !update.active {
            // Signed out everywhere: no refresh token lives on.
            tx.execute(
                "DELETE FROM refresh_tokens WHERE agent_id = ?1",
                [update.id],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn set_password_hash(&mut self, agent: AgentId, hash: &str, at: Millis) -> Result<()> {
        let tx = self.conn.savepoint()?;
        let n = tx.execute(
            "UPDATE agents SET password_hash = ?2, credentials_at = ?3 WHERE id = ?1",
            params![agent, hash, at],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("agent {agent}")));
        }
        tx.execute("DELETE FROM refresh_tokens WHERE agent_id = ?1", [agent])?;
        tx.commit()?;
        Ok(())
    }

    fn rename_project(&mut self, project_id: ProjectId, name: &str) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE projects SET name = ?2 WHERE id = ?1",
            params![project_id, name],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("project {project_id}")));
        }
        Ok(())
    }

    fn rename_group(&mut self, group: GroupId, name: &str) -> Result<()> {
        let project: Option<ProjectId> = self
            .conn
            .query_row(
                "SELECT project_id FROM groups WHERE id = ?1",
                [group],
                |r| r.get(0),
            )
            .optional()?;
        let project = project.ok_or_else(|| StoreError::NotFound(format!("group {group}")))?;
        let taken: bool = self
            .conn
            .prepare_cached("SELECT 1 FROM groups WHERE project_id = ? AND name = ? AND id != ?")?
            .exists(params![project, name, group])?;
        if taken {
            return Err(StoreError::Conflict(format!("group {name}")));
        }
        self.conn.execute(
            "UPDATE groups SET name = ?2 WHERE id = ?1",
            params![group, name],
        )?;
        Ok(())
    }

    fn update_canned_response(&mut self, project_id: ProjectId, c: &CannedResponse) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE canned_responses SET theme = ?3, shortcut = ?4, language = ?5, title = ?6, body = ?7, group_id = ?8
             WHERE id = ?1 AND project_id = ?2 AND agent_id IS NULL",
            params![c.id, project_id, c.theme, c.shortcut, c.language, c.title, c.body, c.group_id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("canned response {}", c.id)));
        }
        Ok(())
    }

    fn delete_canned_response(&mut self, project_id: ProjectId, id: i64) -> Result<()> {
        let n = self.conn.execute(
            "DELETE FROM canned_responses WHERE id = ?1 AND project_id = ?2 AND agent_id IS NULL",
            params![id, project_id],
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
        let q = search
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| format!("%{}%", like_escaped(&q.to_lowercase())));
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, title, body, tags, language, updated_at FROM knowledge_articles
             WHERE project_id = ?1
               AND (?2 IS NULL OR language = ?2)
               AND (?3 IS NULL OR lower(title || ' ' || body || ' ' || tags) LIKE ?3 ESCAPE '\\')
             ORDER BY updated_at DESC, id DESC LIMIT ?4",
        )?;
        let rows = stmt.query_map(
            params![
                project_id,
                search.language,
                q,
                crate::admin::knowledge::MOST_FOUND as i64
            ],
            article_row,
        )?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }

    fn article(
        &mut self,
        project_id: ProjectId,
        id: i64,
    ) -> Result<Option<crate::admin::knowledge::Article>> {
        self.conn
            .query_row(
                "SELECT id, title, body, tags, language, updated_at FROM knowledge_articles
                 WHERE project_id = ?1 AND id = ?2",
                params![project_id, id],
                article_row,
            )
            .optional()?
            .transpose()
    }

    fn put_article(
        &mut self,
        project_id: ProjectId,
        a: &crate::admin::knowledge::Article,
    ) -> Result<i64> {
        let tags = serde_json::to_string(&a.tags)?;
        if a.id == 0 {
            self.conn.execute(
                "INSERT INTO knowledge_articles (project_id, title, body, tags, language, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![project_id, a.title, a.body, tags, a.language, a.updated_at],
            )?;
            return Ok(self.conn.last_insert_rowid());
        }
        let n = self.conn.execute(
            "UPDATE knowledge_articles SET title = ?3, body = ?4, tags = ?5, language = ?6, updated_at = ?7
             WHERE project_id = ?1 AND id = ?2",
            params![project_id, a.id, a.title, a.body, tags, a.language, a.updated_at],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("article {}", a.id)));
        }
        Ok(a.id)
    }

    fn queue_mail(&mut self, project_id: ProjectId, m: &NewMail) -> Result<()> {
        self.conn.execute(
            "INSERT INTO mail_outbox (project_id, conversation, up_to, to_addr, subject, text, html, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                project_id,
                m.conversation,
                m.up_to,
                m.to,
                m.subject,
                m.text,
                m.html,
                m.created_at
            ],
        )?;
        Ok(())
    }

    fn delete_article(&mut self, project_id: ProjectId, id: i64) -> Result<()> {
        let n = self.conn.execute(
            "DELETE FROM knowledge_articles WHERE project_id = ?1 AND id = ?2",
            params![project_id, id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("article {id}")));
        }
        Ok(())
    }

    fn begin_audited(&mut self) -> Result<()> {
        // IMMEDIATE: the write lock from the start. A deferred transaction that read first
        // could not write once the project's writer committed in between (SQLITE_BUSY on a
        // stale snapshot, which no busy timeout waits out).
        if !self.conn.is_autocommit() {
            // A transaction left open by a failure (a panic inside a change): it ends here
            // rather than holding the write lock for ever.
            tracing::error!("an audited change found a transaction still open; rolling it back");
            self.conn.execute_batch("ROLLBACK")?;
        }
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
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
                .and_then(|()| Ok(self.conn.execute_batch("COMMIT")?))
                .map_err(Some),
        };
        match written {
            Ok(()) => Ok(()),
            Err(why) => {
                // Undone whatever failed (a COMMIT may fail and leave the transaction open):
                // the connection never stays inside it, and the first error is the one told.
                let undone = if self.conn.is_autocommit() {
                    Ok(())
                } else {
                    self.conn.execute_batch("ROLLBACK")
                };
                match (why, undone) {
                    (Some(e), _) => Err(e),
                    (None, Err(e)) => Err(e.into()),
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
        let text = filter
            .text
            .as_deref()
            .map(|t| format!("%{}%", like_escaped(&t.to_lowercase())));
        let action = filter
            .action
            .as_deref()
            .map(|a| format!("{}%", like_escaped(a)));
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, at, actor_id, actor, action, target, changes FROM audit_log
             WHERE project_id = ?1
               AND (?2 IS NULL OR id < ?2)
               AND (?3 IS NULL OR action LIKE ?3 ESCAPE '\\')
               AND (?4 IS NULL OR actor_id = ?4)
               AND (?5 IS NULL OR lower(actor || ' ' || target || ' ' || changes) LIKE ?5 ESCAPE '\\')
               AND (?6 IS NULL OR at >= ?6)
               AND (?7 IS NULL OR at < ?7)
             ORDER BY id DESC LIMIT ?8",
        )?;
        let rows = stmt.query_map(
            params![
                project_id,
                filter.before,
                action,
                filter.actor,
                text,
                filter.since,
                filter.until,
                filter.fetch_limit()
            ],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Millis>(1)?,
                    r.get::<_, Option<AgentId>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (id, at, actor_id, actor, action, target, changes) = row?;
            out.push(crate::audit::Entry {
                id,
                at,
                actor_id,
                actor,
                action,
                target,
                changes: serde_json::from_str(&changes)?,
            });
        }
        Ok(out)
    }

    fn config_generations(&mut self) -> Result<Vec<(ProjectId, i64)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, config_generation FROM projects")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?", [key], |r| r.get(0))
            .optional()?)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    fn insert_meta_if_absent(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
            params![key, value],
        )?;
        Ok(())
    }

    fn insert_refresh_token(
        &mut self,
        hash: &str,
        agent_id: AgentId,
        expires_at: Millis,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO refresh_tokens (hash, agent_id, expires_at) VALUES (?1, ?2, ?3)",
            params![hash, agent_id, expires_at],
        )?;
        Ok(())
    }

    fn take_refresh_token(&mut self, hash: &str, now: Millis) -> Result<Option<AgentId>> {
        let row: Option<(AgentId, Millis)> = self
            .conn
            .query_row(
                "DELETE FROM refresh_tokens WHERE hash = ? RETURNING agent_id, expires_at",
                [hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.filter(|(_, exp)| *exp > now).map(|(a, _)| a))
    }
}

/// An article row; its tags are JSON (a broken row is an error, not a panic).
fn article_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<Result<crate::admin::knowledge::Article>> {
    let tags: String = r.get(3)?;
    Ok(match serde_json::from_str(&tags) {
        Ok(tags) => Ok(crate::admin::knowledge::Article {
            id: r.get(0)?,
            title: r.get(1)?,
            body: r.get(2)?,
            tags,
            language: r.get(4)?,
            updated_at: r.get(5)?,
        }),
        Err(e) => Err(e.into()),
    })
}

impl SqliteStore {
    fn write_audit(&mut self, project_id: ProjectId, e: &crate::audit::NewEntry) -> Result<()> {
        self.conn.execute(
            "INSERT INTO audit_log (project_id, at, actor_id, actor, action, target, changes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                project_id,
                e.at,
                e.actor.id,
                e.actor.name,
                e.action,
                e.target,
                serde_json::to_string(&e.changes)?
            ],
        )?;
        let n = self.conn.execute(
            "UPDATE projects SET config_generation = config_generation + 1 WHERE id = ?1",
            params![project_id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("project {project_id}")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a8_an_agent_is_updated_and_deactivated_inside_an_audited_change() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("a8.db")).unwrap();
        let p = store
            .create_project("T", "T", &ProjectSettings::default())
            .unwrap();
        let g = store.create_group(p, "Sales", None).unwrap();
        let id = store
            .create_agent(&NewAgent {
                project_id: p,
                email: "a@t".into(),
                name: "A".into(),
                password_hash: "x".into(),
                role: Role::Agent,
                slot_max: 3,
                groups: vec![],
            })
            .unwrap();
        store.begin_audited().unwrap();
        store
            .update_agent(&AgentUpdate {
                id,
                name: "B".into(),
                role: Role::Manager,
                slot_max: 4,
                groups: vec![g],
                active: false,
                channels: vec![Channel::Chat],
            })
            .unwrap();
        store.finish_audited(p, None).unwrap();
        assert!(store.agent(id).unwrap().unwrap().active, "rolled back");
        store
            .update_agent(&AgentUpdate {
                id,
                name: "B".into(),
                role: Role::Manager,
                slot_max: 4,
                groups: vec![g],
                active: false,
                channels: vec![Channel::Chat],
            })
            .unwrap();
        let row = store.agent(id).unwrap().unwrap();
        assert_eq!(
            (
                row.name.as_str(),
                row.role,
                row.slot_max,
                row.groups,
                row.active
            ),
            ("B", Role::Manager, 4, vec![g], false)
        );
    }

    #[test]
    fn migrations_are_valid() {
        MIGRATIONS.validate().unwrap();
    }

    /// The hot reads use their index, not a walk of the project (P1, P4).
    #[test]
    fn thread_and_visitor_reads_use_their_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("plan.db")).unwrap();
        let plan = |sql: &str| -> String {
            let mut stmt = store
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let rows: Vec<String> = stmt
                .query_map([], |r| r.get::<_, String>(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.join(" | ")
        };
        let thread = plan(
            "SELECT id FROM messages INDEXED BY messages_conversation WHERE project_id = 1 AND conversation = 2 ORDER BY id",
        );
        assert!(thread.contains("messages_conversation"), "{thread}");
        assert!(!thread.contains("TEMP B-TREE"), "{thread}");
        let visitor = plan(
            "SELECT record FROM conversations INDEXED BY conversations_visitor WHERE visitor_id = 'v' AND project_id = 1 ORDER BY number",
        );
        assert!(visitor.contains("conversations_visitor"), "{visitor}");
        assert!(!visitor.contains("TEMP B-TREE"), "{visitor}");
    }
}
