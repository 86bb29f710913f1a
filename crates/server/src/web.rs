//! What browsers load from the hub that is not the API: the widget script (`/widget.js`,
//! served with CORS to any origin since it runs on brands' sites) and its co-browsing recorder
//! (`/cobrowse.js`, loaded on consent only) and the demo brand pages
//! (`/demo`). The widget's own API calls (config, files) are in [`crate::api`].

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::Hub;
use crate::api::caller::widget_cors;

const WIDGET_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/widget.js"));
const COBROWSE_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/cobrowse.js"));
const DEMO_INDEX: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/demo-index.html"));
const DEMO_PRICING: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/demo-pricing.html"));
const DEMO_CONTACT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/demo-contact.html"));
const DEMO_LAMP: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/demo-lamp.svg"));

/// The demo pages' policy: what a careful brand site would set; the widget works under it.
const DEMO_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob: https:; connect-src 'self' ws: wss:; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'";

/// Headers on every answer of the hub: no content sniffing, no referrer leaving, no framing
/// of the hub's pages; over TLS (`tls`), HSTS: browsers then never try plain HTTP again for
/// two years. Use with `axum::middleware::map_response_with_state`.
pub async fn security_headers(State(tls): State<bool>, mut response: Response) -> Response {
    use axum::http::HeaderValue;
    use axum::http::header::{
        REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (REFERRER_POLICY, "no-referrer"),
        (X_FRAME_OPTIONS, "DENY"),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if tls {
        headers.insert(
            STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000"),
        );
    }
    response
}

pub fn routes() -> Router<Arc<Hub>> {
    let widget = Router::new()
        .route("/widget.js", get(widget_js))
        .route("/cobrowse.js", get(cobrowse_js))
        .layer(widget_cors());
    Router::new()
        .route("/demo", get(demo_page))
        .route("/demo/{page}", get(demo_page))
        .merge(widget)
}

/// A file of the widget folder: from disk with `--widget-dir` (development), else embedded.
fn widget_file(hub: &Hub, relative: &str, embedded: &'static [u8]) -> Vec<u8> {
    if let Some(dir) = &hub.options.widget_dir {
        match std::fs::read(dir.join(relative)) {
            Ok(b) => return b,
            Err(e) => {
                tracing::warn!(file = relative, error = %e, "widget dir: serving the embedded copy")
            }
        }
    }
    embedded.to_vec()
}

async fn widget_js(State(hub): State<Arc<Hub>>) -> Response {
    let body = widget_file(&hub, "dist/widget.js", WIDGET_JS);
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// W3: the co-browsing recorder, which the widget loads only when a visitor accepts (so the
/// widget itself stays small).
async fn cobrowse_js(State(hub): State<Arc<Hub>>) -> Response {
    let body = widget_file(&hub, "dist/cobrowse.js", COBROWSE_JS);
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

async fn demo_page(State(hub): State<Arc<Hub>>, page: Option<Path<String>>) -> Response {
    let page = page.map(|Path(p)| p).unwrap_or_default();
    if page == "lamp.svg" {
        // The demo brand's picture: what the desk's co-browsing replay fetches from the site.
        let body = widget_file(&hub, "demo/lamp.svg", DEMO_LAMP);
        return (
            [
                (CONTENT_TYPE, "image/svg+xml"),
                (CACHE_CONTROL, "public, max-age=3600"),
            ],
            body,
        )
            .into_response();
    }
    let (file, embedded) = match page.trim_end_matches(".html") {
        "" | "index" => ("demo/index.html", DEMO_INDEX),
        "pricing" => ("demo/pricing.html", DEMO_PRICING),
        "contact" => ("demo/contact.html", DEMO_CONTACT),
        _ => return (StatusCode::NOT_FOUND, "no such demo page\n").into_response(),
    };
    let body = widget_file(&hub, file, embedded);
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, DEMO_CSP),
            (CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}
