//! DESIGN §8: the window may call exactly the desk's commands. A command the shell registers
//! (`generate_handler!` in main.rs) must also be declared to tauri-build (build.rs) and granted
//! in capabilities/desk.json, or Tauri refuses it at run time ("not allowed by ACL") — which
//! no unit test of the UI or of crates/desk would notice. This reads the three lists.

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The quoted or module-prefixed names between `start` and the next `]`.
fn names(text: &str, start: &str, pick: impl Fn(&str) -> Option<String>) -> BTreeSet<String> {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not found"));
    let list = &text[from + start.len()..];
    let list = &list[..list.find(']').expect("the list ends")];
    list.split(',')
        .filter_map(|item| pick(item.trim()))
        .collect()
}

#[test]
fn every_registered_command_is_declared_and_granted_and_nothing_more() {
    let registered = names(&read("src-tauri/src/main.rs"), "generate_handler![", |s| {
        s.strip_prefix("commands::")
            .or_else(|| s.strip_prefix("tools::"))
            .or_else(|| s.strip_prefix("supervision::"))
            .or_else(|| s.strip_prefix("autostart::"))
            .map(str::to_owned)
    });
    let declared = names(&read("src-tauri/build.rs"), "let commands = &[", |s| {
        Some(s.trim_matches('"').to_owned()).filter(|s| !s.is_empty())
    });
    let capabilities: serde_json::Value =
        serde_json::from_str(&read("capabilities/desk.json")).unwrap();
    let granted: BTreeSet<String> = capabilities["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    assert!(
        registered.len() > 30,
        "the handler list was read: {registered:?}"
    );
    assert_eq!(
        declared, registered,
        "build.rs declares what main.rs registers"
    );
    assert_eq!(
        granted, registered,
        "capabilities/desk.json grants what main.rs registers"
    );
}
