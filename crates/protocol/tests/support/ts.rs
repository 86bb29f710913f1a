//! Generates TypeScript from Rust types into a folder of the repository and checks it is
//! current: shared by the bindings tests of the protocol and of the hub (the console's types),
//! which include this file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::Config;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.ts` file under `dir`, by name.
pub fn read_dir(dir: &Path) -> BTreeMap<String, String> {
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

pub fn generate(
    out: &Path,
    export: impl Fn(&Config) -> Result<(), ts_rs::ExportError>,
) -> BTreeMap<String, String> {
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).unwrap();
    // Sequence numbers, ids and times fit in 2^53: plain `number` on the TypeScript side.
    let cfg = Config::new().with_large_int("number").with_out_dir(out);
    export(&cfg).unwrap();
    let mut files = read_dir(out);
    let names: Vec<String> = files
        .keys()
        .map(|n| n.trim_end_matches(".ts").to_owned())
        .collect();
    let index: String = names
        .iter()
        .map(|n| format!("export * from \"./{n}\";\n"))
        .collect();
    files.insert("index.ts".into(), index);
    files
}

pub fn check(target: &str, export: impl Fn(&Config) -> Result<(), ts_rs::ExportError>) {
    let tmp = std::env::temp_dir().join(format!(
        "pupitre-bindings-{}-{}",
        std::process::id(),
        target.replace('/', "_")
    ));
    let fresh = generate(&tmp, export);
    let _ = std::fs::remove_dir_all(&tmp);
    let dir = repo_root().join(target);
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
        "the TypeScript bindings in {target} drifted from the Rust types; run `make bindings` and commit.\n\
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
