//! D15: statistics over time for the desk: asked of the hub, and the last answers kept in the
//! cache so the agent can read them offline.

use pupitre_protocol::stats::{ClosedConversation, StatsRange};

use crate::desk::Desk;
use crate::door::{ClosedQuery, StatsQuery, StatsResult};
use crate::error::{DeskError, DeskErrorCode};

impl Desk {
    /// The figures `query` names; offline (the hub unreachable), the copy kept from the last
    /// answer to the same query, or `offline` when there is none.
    pub async fn stats_range(&self, query: &StatsQuery) -> Result<StatsResult, DeskError> {
        let key = query.query_string();
        let account = self.account_key()?;
        match self.get(&format!("/api/stats/range?{key}")).await {
            Ok(json) => {
                let range: StatsRange = serde_json::from_value(json).map_err(|e| {
                    DeskError::new(DeskErrorCode::Internal, format!("statistics: {e}"))
                })?;
                let text = serde_json::to_string(&range)
                    .map_err(|e| DeskError::new(DeskErrorCode::Internal, e.to_string()))?;
                self.with_cache(|c| c.keep_stats(&account, &key, &text, range.computed_at))?;
                Ok(StatsResult {
                    range,
                    offline: false,
                })
            }
            Err(e) if e.code == DeskErrorCode::HubUnreachable => {
                let kept = self.with_cache(|c| c.stats_copy(&account, &key))?;
                let range = kept
                    .and_then(|json| serde_json::from_str::<StatsRange>(&json).ok())
                    .ok_or_else(|| {
                        DeskError::new(
                            DeskErrorCode::Offline,
                            "these figures need the hub, and none were kept from before",
                        )
                    })?;
                Ok(StatsResult {
                    range,
                    offline: true,
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Closed conversations to re-read, newest first.
    pub async fn closed_conversations(
        &self,
        query: &ClosedQuery,
    ) -> Result<Vec<ClosedConversation>, DeskError> {
        let json = self
            .get(&format!("/api/stats/closed?{}", query.query_string()))
            .await
            .map_err(|e| match e.code {
                DeskErrorCode::HubUnreachable => {
                    DeskError::new(DeskErrorCode::Offline, "the list needs the hub")
                }
                _ => e,
            })?;
        serde_json::from_value(json)
            .map_err(|e| DeskError::new(DeskErrorCode::Internal, format!("closed list: {e}")))
    }
}
