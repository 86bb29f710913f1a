//! Embeds the widget (`widget/dist/widget.js` and its co-browsing recorder `cobrowse.js`, built
//! by `make widget`), the demo pages
//! (`widget/demo/*.html`) and the administration console (`console/dist/`, built by `make
//! console`) in the hub binary. A missing file is replaced by a notice so the hub still
//! builds; `make` always builds the widget and the console first.

use std::path::Path;

const FILES: &[(&str, &str, &str)] = &[
    (
        "dist/widget.js",
        "widget.js",
        "console.error('Pupitre: this hub was built without its widget (run `make widget`, then rebuild the hub).');\n",
    ),
    (
        "dist/cobrowse.js",
        "cobrowse.js",
        "console.error('Pupitre: this hub was built without the co-browsing recorder (run `make widget`, then rebuild the hub).');\n",
    ),
    ("demo/index.html", "demo-index.html", MISSING_PAGE),
    ("demo/pricing.html", "demo-pricing.html", MISSING_PAGE),
    ("demo/contact.html", "demo-contact.html", MISSING_PAGE),
    ("demo/lamp.svg", "demo-lamp.svg", MISSING_IMAGE),
];

const MISSING_IMAGE: &str =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\"/>\n";
const MISSING_PAGE: &str = "<!doctype html><title>Pupitre demo</title><p>This hub was built without the demo pages (widget/demo).</p>\n";

fn main() {
    // At run time, not `env!`: a build script compiled in one checkout must not read another's.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let widget = Path::new(&manifest).join("../../widget");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for (source, target, fallback) in FILES {
        let path = widget.join(source);
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(_) => {
                println!(
                    "cargo:warning={} is missing: the hub embeds a notice instead (run `make widget`)",
                    path.display()
                );
                fallback.as_bytes().to_vec()
            }
        };
        std::fs::write(Path::new(&out).join(target), bytes).expect("write OUT_DIR");
    }
    console(
        Path::new(&manifest).join("../../console/dist"),
        Path::new(&out),
    );
}

/// `console_files.rs`: every file of `console/dist` as `(path under /admin/, bytes)`.
fn console(dist: std::path::PathBuf, out: &Path) {
    println!("cargo:rerun-if-changed={}", dist.display());
    let mut files = vec![];
    let mut stack = vec![dist.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                println!("cargo:rerun-if-changed={}", path.display());
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(&dist) {
                files.push((relative.to_string_lossy().replace('\\', "/"), path.clone()));
            }
        }
    }
    files.sort();
    if !files.iter().any(|(name, _)| name == "index.html") {
        println!(
            "cargo:warning={} is missing: the hub serves a notice at /admin/ instead (run `make console`)",
            dist.display()
        );
    }
    let mut code = String::from("pub const CONSOLE_FILES: &[(&str, &[u8])] = &[\n");
    for (name, path) in files {
        code.push_str(&format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    std::fs::write(out.join("console_files.rs"), code).expect("write OUT_DIR");
}
