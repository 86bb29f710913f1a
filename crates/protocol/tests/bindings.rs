//! The TypeScript bindings of the wire contract are generated from this crate and committed in
//! `ui/src/lib/protocol/` (the desk) and `widget/src/protocol/` (the widget). This test fails
//! when they drift from the Rust types; `UPDATE_BINDINGS=1 cargo test -p pupitre-protocol
//! --test bindings` (or `make bindings`) rewrites them.

#[path = "support/ts.rs"]
mod ts;

use pupitre_protocol::agent::{AgentClientFrame, AgentServerFrame};
use pupitre_protocol::cobrowse::{RelayHello, RelayNotice};
use pupitre_protocol::visitor::{VisitorClientFrame, VisitorServerFrame, WidgetConfig};
use ts::check;
use ts_rs::TS;

#[test]
fn desk_bindings_are_current() {
    check("ui/src/lib/protocol", |cfg| {
        AgentClientFrame::export_all(cfg)?;
        AgentServerFrame::export_all(cfg)?;
        RelayHello::export_all(cfg)?;
        RelayNotice::export_all(cfg)?;
        pupitre_protocol::stats::StatsRange::export_all(cfg)?;
        pupitre_protocol::stats::ClosedConversation::export_all(cfg)?;
        pupitre_protocol::team::TeamMember::export_all(cfg)?;
        pupitre_protocol::supervision::Board::export_all(cfg)
    });
}

#[test]
fn widget_bindings_are_current() {
    check("widget/src/protocol", |cfg| {
        VisitorClientFrame::export_all(cfg)?;
        VisitorServerFrame::export_all(cfg)?;
        RelayHello::export_all(cfg)?;
        RelayNotice::export_all(cfg)?;
        WidgetConfig::export_all(cfg)
    });
}
