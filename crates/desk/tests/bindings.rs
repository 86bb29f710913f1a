//! What crosses the desk's door (DESIGN.md §7, §11) is generated as TypeScript from this crate
//! and committed in `ui/src/lib/desk/`, beside the wire contract's `ui/src/lib/protocol/`. This
//! test fails when they drift from the Rust types; `UPDATE_BINDINGS=1 cargo test -p
//! pupitre-desk --test bindings` (or `make bindings`) rewrites them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pupitre_desk::door::{
    AssistantReply, CannedResponse, CannedResponseDraft, ClosedQuery, HistoryHit, HistoryQuery,
    KnowledgeQuery, KnowledgeResult, LoginRequest, LoginResult, StatsQuery, StatsResult,
};
use pupitre_desk::{DeskError, DeskEvent, DeskState, OutboxItem};
use ts_rs::{Config, TS};

/// Where the desk's types go, relative to ui/src/lib (their `export_to`).
const DESK_DIR: &str = "desk";
/// Where the wire contract's types are, relative to ui/src/lib (crates/protocol/tests/bindings.rs).
const PROTOCOL_DIR: &str = "protocol";

fn ui_lib() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib")
}

/// Every `.ts` file under `dir`, by name.
fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".ts") {
                files.insert(name, std::fs::read_to_string(entry.path()).unwrap());
            }
        }
    }
    files
}

/// The desk's files as committed: ts-rs writes the protocol's types it depends on beside them,
/// at the root of the output; in ui/src/lib those live in `protocol/`, so the imports point
/// there (and those copies are dropped: crates/protocol checks its own).
fn generate() -> BTreeMap<String, String> {
    let out = std::env::temp_dir().join(format!("pupitre-desk-bindings-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    // Sequence numbers, ids and times fit in 2^53: plain `number` on the TypeScript side.
    let cfg = Config::new().with_large_int("number").with_out_dir(&out);
    DeskState::export_all(&cfg).unwrap();
    DeskEvent::export_all(&cfg).unwrap();
    OutboxItem::export_all(&cfg).unwrap();
    DeskError::export_all(&cfg).unwrap();
    LoginRequest::export_all(&cfg).unwrap();
    LoginResult::export_all(&cfg).unwrap();
    CannedResponse::export_all(&cfg).unwrap();
    CannedResponseDraft::export_all(&cfg).unwrap();
    HistoryQuery::export_all(&cfg).unwrap();
    HistoryHit::export_all(&cfg).unwrap();
    StatsQuery::export_all(&cfg).unwrap();
    StatsResult::export_all(&cfg).unwrap();
    ClosedQuery::export_all(&cfg).unwrap();
    KnowledgeQuery::export_all(&cfg).unwrap();
    KnowledgeResult::export_all(&cfg).unwrap();
    AssistantReply::export_all(&cfg).unwrap();
    pupitre_desk::cobrowse::ViewMessage::export_all(&cfg).unwrap();
    let desk = out.join(DESK_DIR);
    let protocol_types: Vec<String> = read_dir(&out)
        .keys()
        .map(|n| n.trim_end_matches(".ts").to_owned())
        .collect();
    let mut files: BTreeMap<String, String> = read_dir(&desk)
        .into_iter()
        .map(|(name, mut text)| {
            for t in &protocol_types {
                text = text.replace(
                    &format!("from \"../{t}\";"),
                    &format!("from \"../{PROTOCOL_DIR}/{t}\";"),
                );
            }
            (name, text)
        })
        .collect();
    let _ = std::fs::remove_dir_all(&out);
    let index: String = files
        .keys()
        .map(|n| format!("export * from \"./{}\";\n", n.trim_end_matches(".ts")))
        .collect();
    files.insert("index.ts".into(), index);
    files
}

#[test]
fn desk_door_bindings_are_current() {
    let fresh = generate();
    let dir = ui_lib().join(DESK_DIR);
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &fresh {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let committed = read_dir(&dir);
    assert!(
        committed == fresh,
        "the TypeScript bindings in ui/src/lib/{DESK_DIR} drifted from crates/desk; run `make bindings` and commit.\n\
         missing or changed: {:?}\nextra: {:?}",
        fresh
            .iter()
            .filter(|(n, t)| committed.get(*n) != Some(t))
            .map(|(n, _)| n)
            .collect::<Vec<_>>(),
        committed
            .keys()
            .filter(|n| !fresh.contains_key(*n))
            .collect::<Vec<_>>(),
    );
}
