//! One function per client frame, after the gateway checked its shape and the writer its
//! client id: `agent` (a desk's frames), `visitor` (a widget's), `file` (uploads, W4, D12),
//! `cobrowse` (co-browsing's sessions, D5, C1), `sale` (sales the site reports, D15), `supervision` (help
//! requests, watching, whispers, taking over: M2, M3).

mod agent;
mod cobrowse;
mod file;
mod sale;
mod supervision;

pub(in crate::hub) use cobrowse::{RelayChange, Session as CobrowseSession};
pub use sale::SaleReceipt;
mod visitor;
