//! The console's types are generated from the hub's (issue 10: the settings document, the
//! configuration file, the audit log, people and content) and committed in
//! `console/src/lib/hub/`. This test fails when they drift from the Rust types;
//! `UPDATE_BINDINGS=1 cargo test -p pupitre-server --test bindings` (or `make bindings`)
//! rewrites them.

#[path = "../../protocol/tests/support/ts.rs"]
mod ts;

use pupitre_server::admin::config_file::{ConfigFile, ImportReport};
use pupitre_server::admin::knowledge::{Article, ArticleRequest};
use pupitre_server::admin::{AgentSummary, GroupSummary};
use pupitre_server::audit::Entry;
use pupitre_server::store::{CannedResponse, ProjectSettings};
use ts_rs::TS;

#[test]
fn console_bindings_are_current() {
    ts::check("console/src/lib/hub", |cfg| {
        ProjectSettings::export_all(cfg)?;
        ConfigFile::export_all(cfg)?;
        ImportReport::export_all(cfg)?;
        Entry::export_all(cfg)?;
        Article::export_all(cfg)?;
        ArticleRequest::export_all(cfg)?;
        AgentSummary::export_all(cfg)?;
        GroupSummary::export_all(cfg)?;
        CannedResponse::export_all(cfg)
    });
}
