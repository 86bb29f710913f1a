//! D16, A8: the knowledge tab: articles searched in the hub, and kept in the cache for reading
//! and searching offline ([`crate::knowledge_cache`]). Obeys the admin's switch (A3).

use pupitre_protocol::ErrorCode;
use pupitre_protocol::agent::DeskOptions as Switches;

use crate::desk::Desk;
use crate::door::{KnowledgeArticle, KnowledgeQuery, KnowledgeResult};
use crate::error::{DeskError, DeskErrorCode};

/// The hub's articles are read again after this long when the assistant asks (ms).
pub const KNOWLEDGE_FRESH_MS: i64 = 10 * 60 * 1000;

impl Desk {
    /// `Err(forbidden)` unless the admin leaves `on` switched on (A3), `logged_out` without a
    /// profile.
    pub(crate) fn require(
        &self,
        on: impl Fn(&Switches) -> bool,
        what: &str,
    ) -> Result<(), DeskError> {
        let options = self
            .profile_options()
            .ok_or_else(|| DeskError::new(DeskErrorCode::LoggedOut, "log in first"))?;
        if on(&options) {
            Ok(())
        } else {
            Err(DeskError::new(
                DeskErrorCode::Hub(ErrorCode::Forbidden),
                format!("this project's admin has switched off {what}"),
            ))
        }
    }

    /// The knowledge tab's search: the hub's answer, or offline the cache's.
    pub async fn knowledge_search(
        &self,
        query: &KnowledgeQuery,
    ) -> Result<KnowledgeResult, DeskError> {
        self.require(|o| o.knowledge_search, "the knowledge tab")?;
        let account = self.account_key()?;
        let text = query.text.trim();
        let mut path = format!("/api/knowledge?q={}", encode(text));
        if let Some(language) = query.language.as_deref().filter(|l| !l.is_empty()) {
            path += &format!("&language={}", encode(language));
        }
        match self.get(&path).await {
            Ok(json) => {
                let articles = articles_of(&json);
                // The whole list (nothing typed, any language): kept for offline use.
                if text.is_empty() && query.language.is_none() {
                    self.keep_knowledge(&account, &articles)?;
                }
                Ok(KnowledgeResult {
                    articles: articles
                        .into_iter()
                        .take(crate::knowledge_cache::KNOWLEDGE_LIMIT)
                        .collect(),
                    offline: false,
                })
            }
            Err(e) if e.code == DeskErrorCode::HubUnreachable => {
                let articles = self.with_cache(|c| {
                    c.search_knowledge(&account, text, query.language.as_deref())
                })?;
                Ok(KnowledgeResult {
                    articles,
                    offline: true,
                })
            }
            Err(e) => {
                if e.code == DeskErrorCode::Hub(ErrorCode::Forbidden) {
                    // Switched off: none kept for offline use either.
                    self.with_cache(|c| c.set_knowledge(&account, &[]))?;
                }
                Err(e)
            }
        }
    }

    /// Reads the hub's articles again when the copy is older than [`KNOWLEDGE_FRESH_MS`];
    /// the hub out of reach leaves the copy as it is.
    pub(crate) async fn refresh_knowledge(&self, now: i64) -> Result<(), DeskError> {
        let account = self.account_key()?;
        let key = format!("knowledge_at:{account}");
        let kept_at: i64 = self
            .with_cache(|c| c.meta(&key))?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if now - kept_at < KNOWLEDGE_FRESH_MS && kept_at <= now {
            return Ok(());
        }
        match self.get("/api/knowledge").await {
            Ok(json) => {
                self.keep_knowledge(&account, &articles_of(&json))?;
                self.with_cache(|c| c.set_meta(&key, &now.to_string()))
            }
            Err(e) if e.code == DeskErrorCode::Hub(ErrorCode::Forbidden) => {
                self.with_cache(|c| c.set_knowledge(&account, &[]))
            }
            Err(_) => Ok(()),
        }
    }

    fn keep_knowledge(
        &self,
        account: &str,
        articles: &[KnowledgeArticle],
    ) -> Result<(), DeskError> {
        self.with_cache(|c| c.set_knowledge(account, articles))
    }
}

fn articles_of(json: &serde_json::Value) -> Vec<KnowledgeArticle> {
    json.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(KnowledgeArticle::from_hub)
                .collect()
        })
        .unwrap_or_default()
}

fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}
