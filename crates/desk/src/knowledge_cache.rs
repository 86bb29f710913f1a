//! D16: what the knowledge tab and the assistant read in the desk's cache: the project's
//! knowledge articles (kept from the hub's last answer), and the ranked lookups the assistant
//! makes over articles, canned responses and the agent's past conversations — all with
//! SQLite FTS5's BM25, on the agent's machine.

use pupitre_protocol::Message;
use rusqlite::params;

use crate::cache::{Cache, Result, fts_query};
use crate::door::KnowledgeArticle;

/// Articles the knowledge tab lists at most.
pub const KNOWLEDGE_LIMIT: usize = 50;
/// Past messages ranked per question, at most: the newest matches (ranking every match of a
/// long history is too slow, P6).
const MESSAGE_CANDIDATES: usize = 1_000;
/// Column weights of `knowledge_fts` (title, body, tags): a word in the title counts most.
const ARTICLE_WEIGHTS: &str = "bm25(knowledge_fts, 4.0, 1.0, 2.0)";

/// Words too common to say anything about a question (English and French).
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "at", "be", "but", "by", "can", "do", "does", "for", "from", "how",
    "i", "if", "in", "is", "it", "me", "my", "no", "not", "of", "on", "or", "so", "that", "the",
    "their", "them", "there", "they", "this", "to", "was", "we", "what", "when", "where", "which",
    "who", "why", "will", "with", "you", "your", "au", "aux", "avec", "ce", "ces", "comment",
    "dans", "de", "des", "du", "elle", "en", "est", "et", "il", "ils", "je", "la", "le", "les",
    "leur", "ma", "mais", "me", "mes", "mon", "ne", "nous", "on", "ou", "où", "par", "pas", "pour",
    "quand", "que", "quel", "quelle", "qui", "sa", "se", "ses", "son", "sur", "ta", "te", "tes",
    "ton", "tu", "un", "une", "vos", "votre", "vous", "y",
];

/// A question in plain words as an FTS5 query: its meaningful words, any of them (`OR`), each
/// quoted so nothing in it is syntax; BM25 ranks documents holding more and rarer ones first.
/// `None` when no word is left.
pub fn question_query(question: &str) -> Option<String> {
    let mut words: Vec<String> = question
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 2 && !STOP_WORDS.contains(&w.as_str()))
        .collect();
    let mut seen = std::collections::HashSet::new();
    words.retain(|w| seen.insert(w.clone()));
    words.truncate(24);
    if words.is_empty() {
        return None;
    }
    Some(
        words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" OR "),
    )
}

impl Cache {
    /// Replaces the account's articles with `articles` (the hub's whole list).
    pub fn set_knowledge(&mut self, account: &str, articles: &[KnowledgeArticle]) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM knowledge_fts WHERE rowid IN (SELECT rowid FROM knowledge WHERE account = ?)",
            [account],
        )?;
        tx.execute("DELETE FROM knowledge WHERE account = ?", [account])?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO knowledge (account, id, language, json, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut index = tx.prepare_cached(
                "INSERT INTO knowledge_fts (rowid, title, body, tags) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for a in articles {
                insert.execute(params![
                    account,
                    a.id,
                    a.language,
                    serde_json::to_string(a)?,
                    a.updated_at
                ])?;
                index.execute(params![
                    tx.last_insert_rowid(),
                    a.title,
                    a.body,
                    a.tags.join(" ")
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The knowledge tab offline: articles holding every word typed (the last as a prefix),
    /// best first; nothing typed: the newest.
    pub fn search_knowledge(
        &self,
        account: &str,
        text: &str,
        language: Option<&str>,
    ) -> Result<Vec<KnowledgeArticle>> {
        let rows: Vec<String> = match fts_query(text) {
            None => {
                let mut stmt = self.conn.prepare_cached(
                    "SELECT json FROM knowledge WHERE account = ?1 AND (?2 IS NULL OR language = ?2)
                     ORDER BY updated_at DESC, id DESC LIMIT ?3",
                )?;
                stmt.query_map(params![account, language, KNOWLEDGE_LIMIT as i64], |r| {
                    r.get(0)
                })?
                .collect::<rusqlite::Result<_>>()?
            }
            Some(fts) => {
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT k.json FROM knowledge_fts f JOIN knowledge k ON k.rowid = f.rowid
                     WHERE knowledge_fts MATCH ?1 AND k.account = ?2 AND (?3 IS NULL OR k.language = ?3)
                     ORDER BY {ARTICLE_WEIGHTS} LIMIT ?4"
                ))?;
                stmt.query_map(
                    params![fts, account, language, KNOWLEDGE_LIMIT as i64],
                    |r| r.get(0),
                )?
                .collect::<rusqlite::Result<_>>()?
            }
        };
        rows.iter()
            .map(|json| Ok(serde_json::from_str(json)?))
            .collect()
    }

    /// The assistant: articles matching `query` ([`question_query`]) with their relevance
    /// (higher is better), best first.
    pub fn rank_articles(
        &self,
        account: &str,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(KnowledgeArticle, f64)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT k.json, -{ARTICLE_WEIGHTS} AS score FROM knowledge_fts f JOIN knowledge k ON k.rowid = f.rowid
             WHERE knowledge_fts MATCH ?1 AND k.account = ?2 ORDER BY score DESC LIMIT ?3"
        ))?;
        scored(&mut stmt, params![query, account, limit as i64])
    }

    /// The assistant: canned responses (the hub's JSON) matching `query`, best first.
    pub fn rank_canned(
        &self,
        account: &str,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(serde_json::Value, f64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT k.json, -bm25(canned_fts) AS score FROM canned_fts f JOIN canned k ON k.id = f.rowid
             WHERE canned_fts MATCH ?1 AND k.account = ?2 ORDER BY score DESC LIMIT ?3",
        )?;
        scored(&mut stmt, params![query, account, limit as i64])
    }

    /// The assistant: the account's past messages matching `query`, best first, among the
    /// newest [`MESSAGE_CANDIDATES`] matches.
    pub fn rank_messages(
        &self,
        account: &str,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(Message, f64)>> {
        let mut stmt = self.conn.prepare_cached(
            "WITH candidates AS (
                 SELECT rowid, rank FROM messages_fts WHERE messages_fts MATCH ?1
                 ORDER BY rowid DESC LIMIT ?3
             )
             SELECT m.json, -c.rank AS score FROM candidates c JOIN messages m ON m.rowid = c.rowid
             WHERE m.account = ?2 ORDER BY score DESC LIMIT ?4",
        )?;
        scored(
            &mut stmt,
            params![query, account, MESSAGE_CANDIDATES as i64, limit as i64],
        )
    }
}

/// A ranked query's rows, `(JSON, score)`, as `(T, score)`.
fn scored<T: serde::de::DeserializeOwned>(
    stmt: &mut rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<(T, f64)>> {
    let rows = stmt.query_map(params, |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?))
    })?;
    let mut out = vec![];
    for row in rows {
        let (json, score) = row?;
        out.push((serde_json::from_str(&json)?, score));
    }
    Ok(out)
}
