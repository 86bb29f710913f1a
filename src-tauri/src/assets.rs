//! The `pupitre-asset:` scheme: the co-browsing replay's images and fonts, fetched by
//! [`pupitre_desk::assets::Assets`] from the brand's site origins only (D5, C4).

use std::sync::LazyLock;

use pupitre_desk::Desk;
use pupitre_desk::assets::{Assets, RESPONSE_CSP};
use tauri::http::{Method, Request, Response, header};

/// One fetcher (and its memory) for the app; `None` when TLS could not be set up (then every
/// asset is refused and the replay shows placeholders).
static ASSETS: LazyLock<Option<Assets>> = LazyLock::new(|| match Assets::new() {
    Ok(a) => Some(a),
    Err(e) => {
        tracing::warn!("co-browsing images are off: {e}");
        None
    }
});

/// Answers one request of the replay, off the main thread.
pub fn answer(desk: &Desk, request: Request<Vec<u8>>, responder: tauri::UriSchemeResponder) {
    let origins = desk.site_origins();
    let path = request.uri().path().to_owned();
    let get = request.method() == Method::GET;
    tauri::async_runtime::spawn(async move {
        let result = match ASSETS.as_ref() {
            Some(assets) if get => assets.get(&path, &origins).await,
            _ => Err(pupitre_desk::assets::Refusal::BadRequest),
        };
        let builder = Response::builder()
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .header(header::CONTENT_SECURITY_POLICY, RESPONSE_CSP)
            // Fonts load in CORS mode from the replay's document.
            .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
            .header(header::CACHE_CONTROL, "no-store");
        let response = match result {
            Ok(asset) => builder
                .header(header::CONTENT_TYPE, asset.content_type)
                .body(asset.bytes),
            Err(refusal) => {
                tracing::debug!(%refusal, "co-browsing asset refused");
                builder.status(refusal.status()).body(Vec::new())
            }
        };
        match response {
            Ok(r) => responder.respond(r),
            Err(e) => tracing::warn!("co-browsing asset answer: {e}"),
        }
    });
}
