//! The administration console's pages (issue 10): `console/dist`, built into the binary, served
//! under `/admin/` with a strict policy (its own scripts, styles and fonts only; no framing), and
//! the widget preview page it frames.
//! The console talks to the hub through `/api/console/session` and the admin API.

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION, X_FRAME_OPTIONS,
};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::Hub;

include!(concat!(env!("OUT_DIR"), "/console_files.rs"));

/// What the console's page may load: its own files only; it calls only its own hub and frames
/// only its own widget preview.
pub const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The widget preview's policy: the hub's widget script and the styles it sets, nothing to
/// connect to, framed by the console only.
const PREVIEW_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self'; connect-src 'none'; frame-ancestors 'self'; \
     base-uri 'none'; form-action 'none'";

/// The page the console's Widget page frames (A8, W1): the real widget in preview mode, which
/// draws a sample conversation with the look the console posts to it (same origin only) and
/// never connects.
const PREVIEW_PAGE: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Widget preview</title></head>\
<body><script src=\"/widget.js\" data-project=\"PREVIEW\" data-preview=\"true\"></script></body></html>\n";

const MISSING: &str = "<!doctype html><title>Pupitre console</title><p>This hub was built without its console (run <code>make console</code>, then rebuild the hub).</p>\n";

pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route(
            "/admin",
            get(|| async { (StatusCode::PERMANENT_REDIRECT, [(LOCATION, "/admin/")]) }),
        )
        .route("/admin/", get(|| async { file("index.html") }))
        .route("/admin/widget-preview", get(|| async { preview() }))
        .route(
            "/admin/{*path}",
            get(|Path(path): Path<String>| async move { file(&path) }),
        )
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

fn file(name: &str) -> Response {
    let found = CONSOLE_FILES.iter().find(|(n, _)| *n == name);
    let Some((name, bytes)) = found else {
        if name == "index.html" {
            return (
                [
                    (CONTENT_TYPE, "text/html; charset=utf-8"),
                    (CONTENT_SECURITY_POLICY, CONSOLE_CSP),
                ],
                MISSING,
            )
                .into_response();
        }
        return crate::api::error::ApiError::new(
            pupitre_protocol::ErrorCode::NotFound,
            format!("no console file {name:?}"),
        )
        .into_response();
    };
    // Assets carry a content hash in their names: cached for good; the page is always fresh.
    let cache = if name.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [
            (CONTENT_TYPE, content_type(name)),
            (CONTENT_SECURITY_POLICY, CONSOLE_CSP),
            (CACHE_CONTROL, cache),
        ],
        *bytes,
    )
        .into_response()
}

fn preview() -> Response {
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, PREVIEW_CSP),
            (CACHE_CONTROL, "no-cache"),
            (X_FRAME_OPTIONS, "SAMEORIGIN"),
        ],
        PREVIEW_PAGE,
    )
        .into_response()
}
