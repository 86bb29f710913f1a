//! D15: a sale the brand's site reports through the widget (`Pupitre.sale`) or its server
//! (`POST /api/sales` with the project's sales key), attributed to the visitor's latest
//! conversation and its agent, within the project's attribution window.

use crate::hub::*;
use crate::store::SaleRow;

/// Where a sale went: the conversation and, if it had one, its agent (D15).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct SaleReceipt {
    pub conversation: ConversationRef,
    pub agent: Option<String>,
}

/// The largest amount taken, in minor units (ten billion euros).
pub const MOST_AMOUNT_MINOR: i64 = 1_000_000_000_000;
/// The longest order reference, in characters.
pub const MOST_ORDER_CHARS: usize = 100;
const DAY: Millis = 86_400_000;

impl Project {
    pub(in crate::hub) fn sale(
        &mut self,
        store: &mut dyn StoreRead,
        visitor: &str,
        amount_minor: i64,
        currency: String,
        order: String,
        now: Millis,
    ) -> Result<SaleReceipt, ErrorFrame> {
        if !(0..=MOST_AMOUNT_MINOR).contains(&amount_minor) {
            return Err(invalid(format!(
                "amount_minor: from 0 to {MOST_AMOUNT_MINOR} (the amount in cents)"
            )));
        }
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(invalid("currency: three capital letters such as EUR"));
        }
        let order = order.trim().to_owned();
        if order.is_empty() {
            return Err(invalid("order: the site's order reference"));
        }
        check_text("order", &order, MOST_ORDER_CHARS)?;
        // A visitor in memory (connected, or with a live conversation) knows their latest; one
        // reported by the brand's server may be away: the store knows it.
        let last = match self.visitors.get(visitor) {
            Some(v) => v.last,
            None => store
                .visitor_conversations(self.project.id, visitor)
                .map_err(|e| {
                    tracing::error!(error = %e, "reading a visitor's conversations");
                    ErrorFrame::new(ErrorCode::Internal, "the hub could not read this visitor")
                })?
                .last()
                .map(|c| c.record.id),
        };
        let Some(n) = last else {
            return Err(ErrorFrame::new(
                ErrorCode::InvalidState,
                "this visitor has no conversation to attribute the sale to",
            ));
        };
        let thread = self.messages_of(store, n);
        let last = thread.last().map_or(0, |m| m.message.at);
        let window = DAY * Millis::from(self.project.settings.sales.attribution_days);
        if now - last > window {
            return Err(ErrorFrame::new(
                ErrorCode::InvalidState,
                "the visitor's latest conversation is older than the attribution window",
            ));
        }
        let record = match self.engine.conversation(n) {
            Some(r) => Some(r.clone()),
            None => store
                .conversation(self.project.id, n)
                .ok()
                .flatten()
                .map(|row| row.record),
        };
        let agent_id = record.and_then(|r| r.agent().or(r.previous_agent));
        self.batch.sales.push(SaleRow {
            order,
            number: n,
            agent_id,
            amount_minor,
            currency,
            at: now,
        });
        Ok(SaleReceipt {
            conversation: self.reference(n),
            agent: agent_id.map(|a| self.agent_name(a)),
        })
    }
}
