//! D5, C4: the brand's images and fonts for the co-browsing replay, fetched by the desk's Rust
//! side and only from the project's site origins (the profile's `site_origins`, set by the
//! admin, A3).
//!
//! The replay never requests anything itself (`ui/src/lib/cobrowse/rewrite.ts`): an image or a
//! font of the brand's site is written as `pupitre-asset://localhost/<the URL, percent-encoded>`
//! ([`SCHEME`]), which the app answers through [`Assets::get`]:
//! - the URL must be `http(s)` on one of the site origins, and so must every redirect (at most
//!   [`MOST_REDIRECTS`]); nothing else is ever requested, whatever the page names;
//! - no cookies, no referrer, no credentials: the request says nothing about the agent;
//! - only images and fonts ([`served_type`]) of at most [`MAX_ASSET_BYTES`], read in chunks and
//!   dropped as soon as they grow past it; answered with `nosniff` and, for SVG, a policy that
//!   runs nothing ([`RESPONSE_CSP`]);
//! - what was fetched is kept in memory ([`CACHE_BYTES`] at most, least recently used first
//!   out) so a replay rebuilt on each full snapshot does not fetch again; a refusal is kept for
//!   [`REFUSAL_TTL`] so a page naming a hundred missing images asks once.
//!
//! The judging is pure ([`requested_url`], [`on_site`], [`served_type`]); [`Assets`] is the IO.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::Url;

/// The URI scheme the app registers (`pupitre-asset://localhost/…`; on Windows WebView2 maps it
/// to `http://pupitre-asset.localhost/…`).
pub const SCHEME: &str = "pupitre-asset";
/// The largest image or font fetched.
pub const MAX_ASSET_BYTES: usize = 2 * 1024 * 1024;
/// What the cache holds at most.
pub const CACHE_BYTES: usize = 32 * 1024 * 1024;
/// Redirects followed, each within the site origins.
pub const MOST_REDIRECTS: usize = 3;
/// How long a refused URL is answered from memory.
pub const REFUSAL_TTL: Duration = Duration::from_secs(60);
/// How long one fetch may take, from connecting to the last byte.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The policy sent with every asset: an SVG opened as a document runs nothing, loads nothing.
pub const RESPONSE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// An image or font, ready to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    /// One of [`served_type`]'s answers.
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Why an asset is not served. The replay shows nothing in its place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not an asset address")]
    BadRequest,
    #[error("not on the brand's site origins")]
    NotOnSite,
    #[error("larger than {MAX_ASSET_BYTES} bytes")]
    TooLarge,
    #[error("not an image or a font ({0})")]
    WrongType(String),
    #[error("the site answered {0}")]
    Status(u16),
    #[error("unreachable: {0}")]
    Unreachable(String),
}

impl Refusal {
    /// The HTTP status the app answers the replay with.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::BadRequest => 400,
            Refusal::NotOnSite => 403,
            Refusal::TooLarge => 413,
            Refusal::WrongType(_) => 415,
            Refusal::Status(_) | Refusal::Unreachable(_) => 502,
        }
    }
}

/// The URL an asset request's path names: `/<percent-encoded absolute http(s) URL>`.
pub fn requested_url(path: &str) -> Option<Url> {
    let encoded = path.strip_prefix('/')?;
    let decoded = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .ok()?;
    let url = Url::parse(&decoded).ok()?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.username().is_empty()
        && url.password().is_none();
    plain.then_some(url)
}

/// Whether `url` is on one of the site origins (`https://shop.example`, a trailing slash or a
/// path ignored; entries that are not origins never match).
pub fn on_site(url: &Url, origins: &[String]) -> bool {
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    let origin = url.origin();
    origins
        .iter()
        .filter_map(|o| Url::parse(o).ok())
        .any(|o| matches!(o.scheme(), "http" | "https") && o.origin() == origin)
}

/// The type an asset is served as, from the site's `Content-Type`: images and fonts only.
pub fn served_type(content_type: &str) -> Option<&'static str> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    Some(match essence.as_str() {
        "image/png" => "image/png",
        "image/jpeg" | "image/jpg" | "image/pjpeg" => "image/jpeg",
        "image/gif" => "image/gif",
        "image/webp" => "image/webp",
        "image/avif" => "image/avif",
        "image/bmp" => "image/bmp",
        "image/x-icon" | "image/vnd.microsoft.icon" => "image/x-icon",
        "image/svg+xml" => "image/svg+xml",
        "font/woff" | "application/font-woff" | "application/x-font-woff" => "font/woff",
        "font/woff2" | "application/font-woff2" => "font/woff2",
        "font/ttf" | "application/x-font-ttf" | "application/x-font-truetype" => "font/ttf",
        "font/otf" | "application/x-font-otf" | "application/x-font-opentype" => "font/otf",
        "font/sfnt" => "font/sfnt",
        "application/vnd.ms-fontobject" => "application/vnd.ms-fontobject",
        _ => return None,
    })
}

/// The desk's asset fetcher and its memory (one per app).
pub struct Assets {
    client: reqwest::Client,
    memory: Mutex<Memory>,
}

#[derive(Default)]
struct Memory {
    kept: HashMap<String, (Asset, u64)>,
    bytes: usize,
    tick: u64,
    refused: HashMap<String, (Refusal, Instant)>,
}

impl Memory {
    fn get(&mut self, key: &str, now: Instant) -> Option<Result<Asset, Refusal>> {
        self.tick += 1;
        let tick = self.tick;
        if let Some((asset, used)) = self.kept.get_mut(key) {
            *used = tick;
            return Some(Ok(asset.clone()));
        }
        match self.refused.get(key) {
            Some((refusal, at)) if now.duration_since(*at) < REFUSAL_TTL => {
                Some(Err(refusal.clone()))
            }
            _ => None,
        }
    }

    fn keep(&mut self, key: String, result: &Result<Asset, Refusal>, now: Instant) {
        match result {
            Ok(asset) => {
                self.tick += 1;
                self.bytes += asset.bytes.len();
                if let Some((old, _)) = self.kept.insert(key, (asset.clone(), self.tick)) {
                    self.bytes -= old.bytes.len();
                }
                while self.bytes > CACHE_BYTES {
                    let Some(oldest) = self
                        .kept
                        .iter()
                        .min_by_key(|(_, (_, used))| *used)
                        .map(|(k, _)| k.clone())
                    else {
                        break;
                    };
                    if let Some((gone, _)) = self.kept.remove(&oldest) {
                        self.bytes -= gone.bytes.len();
                    }
                }
            }
            // A network failure may pass: only the site's own answers are remembered.
            Err(Refusal::Unreachable(_)) => {}
            Err(refusal) => {
                if self.refused.len() >= 1024 {
                    self.refused
                        .retain(|_, (_, at)| now.duration_since(*at) < REFUSAL_TTL);
                    if self.refused.len() >= 1024 {
                        self.refused.clear();
                    }
                }
                self.refused.insert(key, (refusal.clone(), now));
            }
        }
    }
}

impl Assets {
    /// A fetcher trusting the system's roots and `PUPITRE_EXTRA_CA` (as for the hub), with no
    /// cookie store and no automatic redirects.
    pub fn new() -> Result<Self, crate::DeskError> {
        let transport = crate::tls::transport()?;
        let tls = transport
            .tls
            .map(|t| (*t).clone())
            .ok_or_else(|| crate::DeskError::new(crate::DeskErrorCode::Internal, "no TLS"))?;
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .connect_timeout(FETCH_TIMEOUT)
            .timeout(FETCH_TIMEOUT)
            .user_agent(concat!(
                "Pupitre-desk/",
                env!("CARGO_PKG_VERSION"),
                " (co-browsing)"
            ))
            .build()
            .map_err(|e| crate::DeskError::new(crate::DeskErrorCode::Internal, e.to_string()))?;
        Ok(Self {
            client,
            memory: Mutex::default(),
        })
    }

    /// The asset a request's path names, if it is on `origins` (see the module's doc).
    pub async fn get(&self, path: &str, origins: &[String]) -> Result<Asset, Refusal> {
        let url = requested_url(path).ok_or(Refusal::BadRequest)?;
        if !on_site(&url, origins) {
            return Err(Refusal::NotOnSite);
        }
        let key = url.as_str().to_owned();
        if let Some(known) = self.memory().get(&key, Instant::now()) {
            return known;
        }
        let result = self.fetch(url, origins).await;
        self.memory().keep(key, &result, Instant::now());
        result
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn fetch(&self, mut url: Url, origins: &[String]) -> Result<Asset, Refusal> {
        let unreachable = |e: reqwest::Error| Refusal::Unreachable(e.without_url().to_string());
        let mut redirects = 0;
        let mut response = loop {
            let response = self
                .client
                .get(url.clone())
                .header(
                    reqwest::header::ACCEPT,
                    "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,font/*;q=0.8",
                )
                .send()
                .await
                .map_err(unreachable)?;
            if !response.status().is_redirection() {
                break response;
            }
            let next = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .and_then(|l| url.join(l).ok())
                .ok_or(Refusal::Status(response.status().as_u16()))?;
            redirects += 1;
            if redirects > MOST_REDIRECTS || !on_site(&next, origins) {
                return Err(Refusal::NotOnSite);
            }
            url = next;
        };
        if !response.status().is_success() {
            return Err(Refusal::Status(response.status().as_u16()));
        }
        let declared = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|t| t.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let content_type = served_type(&declared).ok_or(Refusal::WrongType(declared))?;
        if response
            .content_length()
            .is_some_and(|n| n > MAX_ASSET_BYTES as u64)
        {
            return Err(Refusal::TooLarge);
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if bytes.len() + chunk.len() > MAX_ASSET_BYTES {
                return Err(Refusal::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Asset {
            content_type,
            bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins() -> Vec<String> {
        vec![
            "https://shop.example/".into(),
            "http://127.0.0.1:8080".into(),
            "nonsense".into(),
        ]
    }

    #[test]
    fn the_path_names_one_plain_http_url() {
        let url = requested_url("/https%3A%2F%2Fshop.example%2Fimg%2Flogo.png%3Fv%3D2").unwrap();
        assert_eq!(url.as_str(), "https://shop.example/img/logo.png?v=2");
        for bad in [
            "",
            "/",
            "https%3A%2F%2Fshop.example%2Fa.png",
            "/javascript%3Aalert(1)",
            "/data%3Aimage%2Fpng%3Bbase64%2CAAAA",
            "/file%3A%2F%2F%2Fetc%2Fpasswd",
            "/https%3A%2F%2Fuser%3Apw%40shop.example%2Fa.png",
            "/%FF%FE",
            "/shop.example%2Fa.png",
        ] {
            assert_eq!(requested_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_site_origins_match() {
        let o = origins();
        for ok in [
            "https://shop.example/a.png",
            "https://shop.example:443/deep/b.woff2?x#y",
            "http://127.0.0.1:8080/demo/logo.svg",
        ] {
            assert!(on_site(&Url::parse(ok).unwrap(), &o), "{ok}");
        }
        for no in [
            "http://shop.example/a.png",
            "https://shop.example.evil.test/a.png",
            "https://evil.test/?https://shop.example/",
            "https://sub.shop.example/a.png",
            "http://127.0.0.1:8081/demo/logo.svg",
            "http://localhost:8080/demo/logo.svg",
        ] {
            assert!(!on_site(&Url::parse(no).unwrap(), &o), "{no}");
        }
        assert!(!on_site(&Url::parse("https://shop.example/").unwrap(), &[]));
    }

    #[test]
    fn only_images_and_fonts_are_served() {
        assert_eq!(served_type("image/PNG; charset=binary"), Some("image/png"));
        assert_eq!(served_type("application/font-woff"), Some("font/woff"));
        assert_eq!(served_type("image/svg+xml"), Some("image/svg+xml"));
        for no in [
            "text/html",
            "",
            "text/css",
            "application/javascript",
            "image/svg",
            "text/xml",
        ] {
            assert_eq!(served_type(no), None, "{no}");
        }
    }

    #[test]
    fn the_memory_keeps_the_latest_within_its_bytes() {
        let mut m = Memory::default();
        let now = Instant::now();
        let big = |n: u8| Asset {
            content_type: "image/png",
            bytes: vec![n; CACHE_BYTES / 3],
        };
        m.keep("a".into(), &Ok(big(1)), now);
        m.keep("b".into(), &Ok(big(2)), now);
        m.keep("c".into(), &Ok(big(3)), now);
        assert!(m.get("a", now).is_some(), "a used: b is now the oldest");
        m.keep("d".into(), &Ok(big(4)), now);
        assert!(m.bytes <= CACHE_BYTES);
        assert!(m.get("b", now).is_none());
        assert!(m.get("a", now).is_some() && m.get("d", now).is_some());
        m.keep("e".into(), &Err(Refusal::Status(404)), now);
        assert_eq!(m.get("e", now), Some(Err(Refusal::Status(404))));
        assert_eq!(
            m.get("e", now + REFUSAL_TTL),
            None,
            "refusals are forgotten"
        );
        m.keep("f".into(), &Err(Refusal::Unreachable("x".into())), now);
        assert_eq!(m.get("f", now), None, "network failures are not remembered");
    }
}
