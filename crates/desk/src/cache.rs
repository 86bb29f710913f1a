//! The desk's local SQLite file (D18): the outbox of messages typed while offline, the last
//! event seen (so even a restarted app resumes exactly, R12), canned responses, and the history
//! of the agent's conversations, searchable with FTS5 while the hub is down.
//!
//! The file is created with mode 0600 under the XDG data directory.

use std::path::Path;

use pupitre_protocol::{ClientId, ConversationRef, Message, Seq};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// Search results returned at most.
pub const SEARCH_LIMIT: usize = 50;
/// D15: statistics answers kept for reading offline, per account.
pub const STATS_COPIES: usize = 60;
/// Matching messages read, per conversation listed, at most (several may be of one).
const SEARCH_SCAN: usize = 20;
/// Canned-response candidates ranked by bm25 for a lookup: ranking every match is too slow
/// over thousands of responses, so a bounded set is (P6).
const SEARCH_CANDIDATES: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cache JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cache file: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, CacheError>;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
    client_id  TEXT PRIMARY KEY,
    account    TEXT NOT NULL,
    frame      TEXT NOT NULL,      -- AgentClientFrame JSON, sent as is (the hub applies it once)
    created_at INTEGER NOT NULL,
    sent_at    INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (account, created_at) WHERE sent_at IS NULL;
CREATE TABLE IF NOT EXISTS canned (
    id       INTEGER PRIMARY KEY,
    account  TEXT NOT NULL,
    json     TEXT NOT NULL
);
-- Canned responses' words (shortcut, title, body), kept in step by `set_canned`.
CREATE VIRTUAL TABLE IF NOT EXISTS canned_fts USING fts5 (text, content = '', contentless_delete = 1, prefix = '2 3');
CREATE TABLE IF NOT EXISTS messages (
    account      TEXT NOT NULL,
    id           INTEGER NOT NULL,
    conversation TEXT NOT NULL,
    text         TEXT NOT NULL,     -- what search looks into
    json         TEXT NOT NULL,     -- the protocol Message
    at           INTEGER NOT NULL,
    PRIMARY KEY (account, id)
);
CREATE INDEX IF NOT EXISTS messages_conversation ON messages (account, conversation, id);
CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5 (text, content = 'messages', content_rowid = 'rowid', prefix = '2 3');
CREATE TRIGGER IF NOT EXISTS messages_ai AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.rowid, new.text);
END;
-- D15: the statistics last read from the hub, per query, for reading offline.
CREATE TABLE IF NOT EXISTS stats_copies (
    account  TEXT NOT NULL,
    query    TEXT NOT NULL,
    json     TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (account, query)
) WITHOUT ROWID;
-- D16: the project's knowledge articles, for the knowledge tab and the assistant offline
-- (crate::knowledge_cache); their words indexed by column: title, body, tags.
CREATE TABLE IF NOT EXISTS knowledge (
    account    TEXT NOT NULL,
    id         INTEGER NOT NULL,   -- the hub's article id
    language   TEXT NOT NULL,
    json       TEXT NOT NULL,      -- door::KnowledgeArticle
    updated_at INTEGER NOT NULL,
    UNIQUE (account, id)
);
CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_fts USING fts5 (title, body, tags, content = '', contentless_delete = 1, prefix = '2 3');
"#;

/// One cache file. `account` (`email@hub`) keeps two agents sharing a computer apart.
pub struct Cache {
    pub(crate) conn: Connection,
}

/// A frame typed by the agent, kept until the hub acknowledged it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingFrame {
    pub client_id: ClientId,
    /// The frame's JSON.
    pub frame: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub conversation: ConversationRef,
    pub message: Message,
}

/// The words of a message, as the history search indexes them and shows them (`None` for
/// thread events).
pub fn searchable(message: &Message) -> Option<String> {
    use pupitre_protocol::Body;
    match &message.body {
        Body::Text { text }
        | Body::Comment { text }
        | Body::Whisper { text }
        | Body::Sentence { text, .. } => Some(text.clone()),
        Body::Offer { offer } => Some(match &offer.text {
            Some(t) => format!("{} {t}", offer.title),
            None => offer.title.clone(),
        }),
        Body::File { file } => Some(file.name.clone()),
        Body::Event { .. } => None,
    }
}

impl Cache {
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Create the file 0600 before SQLite opens it: history and outbox are private.
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            let _ = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(path)?;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self { conn })
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The last event seen from the hub for this account (R12 resume across app restarts).
    pub fn last_seq(&self, account: &str) -> Result<Option<Seq>> {
        Ok(self
            .meta(&format!("last_seq:{account}"))?
            .and_then(|s| s.parse().ok()))
    }

    pub fn set_last_seq(&self, account: &str, seq: Seq) -> Result<()> {
        self.set_meta(&format!("last_seq:{account}"), &seq.to_string())
    }

    pub fn outbox_add(
        &self,
        account: &str,
        client_id: ClientId,
        frame: &str,
        now: i64,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT OR IGNORE INTO outbox (client_id, account, frame, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![client_id.to_string(), account, frame, now],
        )?;
        Ok(())
    }

    /// What still waits for the hub's ack, oldest first.
    pub fn outbox_pending(&self, account: &str) -> Result<Vec<PendingFrame>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT client_id, frame, created_at, sent_at FROM outbox
             WHERE account = ? AND sent_at IS NULL ORDER BY created_at, client_id",
        )?;
        let rows = stmt.query_map([account], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        let mut items = vec![];
        for row in rows {
            let (id, frame, created_at, sent_at) = row?;
            if let Ok(client_id) = id.parse() {
                items.push(PendingFrame {
                    client_id,
                    frame,
                    created_at,
                    sent_at,
                });
            }
        }
        Ok(items)
    }

    /// An outbox item, pending or not.
    pub fn outbox_frame(&self, client_id: ClientId) -> Result<Option<PendingFrame>> {
        Ok(self
            .conn
            .query_row(
                "SELECT client_id, frame, created_at, sent_at FROM outbox WHERE client_id = ?",
                [client_id.to_string()],
                |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?
            .and_then(|(id, frame, created_at, sent_at)| {
                id.parse().ok().map(|client_id| PendingFrame {
                    client_id,
                    frame,
                    created_at,
                    sent_at,
                })
            }))
    }

    /// The conversation an outbox item is for, read from its frame.
    pub fn outbox_conversation(&self, client_id: ClientId) -> Result<Option<ConversationRef>> {
        let frame: Option<String> = self
            .conn
            .query_row(
                "SELECT frame FROM outbox WHERE client_id = ?",
                [client_id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(frame
            .and_then(|f| serde_json::from_str::<serde_json::Value>(&f).ok())
            .and_then(|v| {
                v["conversation"]
                    .as_str()
                    .map(|c| ConversationRef(c.to_owned()))
            }))
    }

    /// Marks an item acknowledged. `true` when it was pending.
    pub fn outbox_sent(&self, client_id: ClientId, now: i64) -> Result<bool> {
        let n = self.conn.execute(
            "UPDATE outbox SET sent_at = ?2 WHERE client_id = ?1 AND sent_at IS NULL",
            params![client_id.to_string(), now],
        )?;
        // Acknowledged items are kept a day for the UI's "sent" tick, then dropped.
        self.conn.execute(
            "DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?1",
            [now - 86_400_000],
        )?;
        Ok(n > 0)
    }

    /// Keeps a message of the agent's conversations for offline reading and search (D18).
    pub fn store_message(&self, account: &str, message: &Message) -> Result<()> {
        let text = searchable(message).unwrap_or_default();
        self.conn.execute(
            "INSERT OR IGNORE INTO messages (account, id, conversation, text, json, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![account, message.id, message.conversation.0, text, serde_json::to_string(message)?, message.at],
        )?;
        Ok(())
    }

    pub fn store_messages<'a>(
        &mut self,
        account: &str,
        messages: impl IntoIterator<Item = &'a Message>,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO messages (account, id, conversation, text, json, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for m in messages {
                let text = searchable(m).unwrap_or_default();
                stmt.execute(params![
                    account,
                    m.id,
                    m.conversation.0,
                    text,
                    serde_json::to_string(m)?,
                    m.at
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A conversation's cached thread, oldest first; at most `limit` messages before `before`
    /// (a message id), for paging older messages into a virtualized thread.
    pub fn thread(
        &self,
        account: &str,
        conversation: &ConversationRef,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Message>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT json FROM messages WHERE account = ?1 AND conversation = ?2 AND id < ?3 ORDER BY id DESC LIMIT ?4",
        )?;
        let rows = stmt.query_map(
            params![
                account,
                conversation.0,
                before.unwrap_or(i64::MAX),
                limit as i64
            ],
            |r| r.get::<_, String>(0),
        )?;
        let mut out = vec![];
        for json in rows {
            out.push(serde_json::from_str(&json?)?);
        }
        out.reverse();
        Ok(out)
    }

    /// A conversation's cached thread after message `after`, oldest first, at most `limit`
    /// (the virtualized thread pages forward again after dropping what it scrolled past).
    pub fn thread_after(
        &self,
        account: &str,
        conversation: &ConversationRef,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Message>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT json FROM messages WHERE account = ?1 AND conversation = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
        )?;
        let rows = stmt.query_map(params![account, conversation.0, after, limit as i64], |r| {
            r.get::<_, String>(0)
        })?;
        let mut out = vec![];
        for json in rows {
            out.push(serde_json::from_str(&json?)?);
        }
        Ok(out)
    }

    /// Full-text search in the history (words as typed; prefix on the last word), newest first.
    pub fn search(&self, account: &str, query: &str) -> Result<Vec<SearchHit>> {
        let Some(fts) = fts_query(query) else {
            return Ok(vec![]);
        };
        let mut stmt = self.conn.prepare_cached(
            // Newest matches first: FTS5 walks its index in rowid order and stops at the limit,
            // instead of scoring every match (P6).
            "SELECT m.conversation, m.json FROM messages_fts f JOIN messages m ON m.rowid = f.rowid
             WHERE messages_fts MATCH ?1 AND m.account = ?2 ORDER BY f.rowid DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(
            params![fts, account, (SEARCH_LIMIT * SEARCH_SCAN) as i64],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )?;
        // One hit per conversation (its newest matching message): the history lists
        // conversations, and several messages of one must not list it twice.
        let mut seen = std::collections::HashSet::new();
        let mut hits = vec![];
        for row in rows {
            let (conversation, json) = row?;
            if !seen.insert(conversation) {
                continue;
            }
            let message: Message = serde_json::from_str(&json)?;
            hits.push(SearchHit {
                conversation: message.conversation.clone(),
                message,
            });
            if hits.len() == SEARCH_LIMIT {
                break;
            }
        }
        Ok(hits)
    }

    /// D15: keeps the statistics answered to `query` (the newest [`STATS_COPIES`] queries).
    pub fn keep_stats(&self, account: &str, query: &str, json: &str, at: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO stats_copies (account, query, json, at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account, query) DO UPDATE SET json = excluded.json, at = excluded.at",
            params![account, query, json, at],
        )?;
        self.conn.execute(
            "DELETE FROM stats_copies WHERE account = ?1 AND query NOT IN
               (SELECT query FROM stats_copies WHERE account = ?1 ORDER BY at DESC LIMIT ?2)",
            params![account, STATS_COPIES as i64],
        )?;
        Ok(())
    }

    /// D15: the statistics kept for `query`, if any.
    pub fn stats_copy(&self, account: &str, query: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT json FROM stats_copies WHERE account = ?1 AND query = ?2",
                params![account, query],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn set_canned(&mut self, account: &str, items: &[serde_json::Value]) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM canned_fts WHERE rowid IN (SELECT id FROM canned WHERE account = ?)",
            [account],
        )?;
        tx.execute("DELETE FROM canned WHERE account = ?", [account])?;
        {
            let mut insert =
                tx.prepare_cached("INSERT INTO canned (account, json) VALUES (?1, ?2)")?;
            let mut index =
                tx.prepare_cached("INSERT INTO canned_fts (rowid, text) VALUES (?1, ?2)")?;
            for item in items {
                insert.execute(params![account, item.to_string()])?;
                let words = ["shortcut", "title", "body", "theme"]
                    .iter()
                    .filter_map(|k| item[*k].as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                index.execute(params![tx.last_insert_rowid(), words])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Canned responses matching what the agent typed after `/` (shortcut, title, body, theme),
    /// best first. A bounded set of candidates is ranked, so a lookup stays fast over thousands
    /// of responses (P6).
    pub fn search_canned(
        &self,
        account: &str,
        query: &str,
        limit: usize,
    ) -> Result<Vec<serde_json::Value>> {
        let Some(fts) = fts_query(query) else {
            return self.canned(account).map(|mut v| {
                v.truncate(limit);
                v
            });
        };
        let mut stmt = self.conn.prepare_cached(
            "WITH candidates AS (
                 SELECT rowid, rank FROM canned_fts WHERE canned_fts MATCH ?1 LIMIT ?3
             )
             SELECT k.json FROM candidates c JOIN canned k ON k.id = c.rowid
             WHERE k.account = ?2 ORDER BY c.rank LIMIT ?4",
        )?;
        let rows = stmt.query_map(
            params![fts, account, SEARCH_CANDIDATES as i64, limit as i64],
            |r| r.get::<_, String>(0),
        )?;
        let mut out = vec![];
        for json in rows {
            out.push(serde_json::from_str(&json?)?);
        }
        Ok(out)
    }

    pub fn canned(&self, account: &str) -> Result<Vec<serde_json::Value>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT json FROM canned WHERE account = ? ORDER BY id")?;
        let rows = stmt.query_map([account], |r| r.get::<_, String>(0))?;
        let mut out = vec![];
        for json in rows {
            out.push(serde_json::from_str(&json?)?);
        }
        Ok(out)
    }
}

/// Turns what the agent typed into a safe FTS5 query: each word quoted (so `"`, `-`, `:`,
/// `OR` are text, not syntax), the last one as a prefix. `None` when nothing is left.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\""))
        .collect();
    let last = words.len().checked_sub(1)?;
    Some(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if i == last {
                    format!("{w}*")
                } else {
                    w.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d12_canned_lookup_by_shortcut_title_or_body_follows_replacements() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(&dir.path().join("c.db")).unwrap();
        let item = |s: &str, t: &str, b: &str| serde_json::json!({"shortcut": s, "title": t, "body": b, "theme": "Orders"});
        cache
            .set_canned(
                "a",
                &[
                    item("/delivery", "Delivery times", "Orders ship in 24 h"),
                    item("/hello", "Hello", "Hi!"),
                ],
            )
            .unwrap();
        let found = cache.search_canned("a", "deliv", 10).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0]["shortcut"], "/delivery");
        assert_eq!(
            cache.search_canned("a", "ship", 10).unwrap()[0]["title"],
            "Delivery times"
        );
        assert!(
            cache.search_canned("b", "deliv", 10).unwrap().is_empty(),
            "another account's"
        );
        // Replaced lists leave nothing stale behind in the index.
        cache
            .set_canned("a", &[item("/bye", "Goodbye", "Bye")])
            .unwrap();
        assert!(cache.search_canned("a", "deliv", 10).unwrap().is_empty());
        assert_eq!(
            cache.search_canned("a", "bye", 10).unwrap()[0]["shortcut"],
            "/bye"
        );
    }

    #[test]
    fn d15_a_conversation_is_listed_once_however_many_of_its_messages_match() {
        use pupitre_protocol::{Author, Body};
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache::open(&dir.path().join("c.db")).unwrap();
        let message = |id: i64, conversation: i64, text: &str| Message {
            id,
            conversation: ConversationRef::new("DEMO", conversation),
            client_id: None,
            author: Author::Visitor,
            body: Body::Text { text: text.into() },
            at: 1_800_000_000_000 + id,
        };
        let messages = [
            message(1, 1, "my parcel is late"),
            message(2, 1, "the parcel number is 45"),
            message(3, 2, "a parcel for Lyon"),
            message(4, 1, "parcel found, thanks"),
            message(5, 3, "nothing to see"),
        ];
        cache.store_messages("a", messages.iter()).unwrap();
        let hits = cache.search("a", "parcel").unwrap();
        let listed: Vec<_> = hits
            .iter()
            .map(|h| (h.conversation.to_string(), h.message.id))
            .collect();
        assert_eq!(
            listed,
            [("DEMO-1".to_owned(), 4), ("DEMO-2".to_owned(), 3)],
            "newest match of each"
        );
    }

    #[test]
    fn queries_are_quoted_words_with_a_prefix() {
        assert_eq!(
            fts_query("where is my ord").as_deref(),
            Some("\"where\" \"is\" \"my\" \"ord\"*")
        );
        assert_eq!(
            fts_query("a\" OR -b:c").as_deref(),
            Some("\"a\" \"OR\" \"b\" \"c\"*")
        );
        assert_eq!(fts_query("  ?! "), None);
    }
}
