//! Embeds the widget (`widget/dist/widget.js`, built by `make widget`) and the demo pages
//! (`widget/demo/*.html`) in the hub binary. A missing file is replaced by a notice so the hub
//! still builds; `make` always builds the widget first.

use std::path::Path;

const FILES: &[(&str, &str, &str)] = &[
    (
        "dist/widget.js",
        "widget.js",
        "console.error('Pupitre: this hub was built without its widget (run `make widget`, then rebuild the hub).');\n",
    ),
    ("demo/index.html", "demo-index.html", MISSING_PAGE),
    ("demo/pricing.html", "demo-pricing.html", MISSING_PAGE),
    ("demo/contact.html", "demo-contact.html", MISSING_PAGE),
];

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
}
