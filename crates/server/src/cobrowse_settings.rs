//! What the admin sets for co-browsing (SPEC A3, C2, C4): the fields the recorder shows as
//! typed, the elements it leaves out, and the brand's site origins (where the agent may send
//! the visitor, and the only hosts the desk fetches the replayed page's images and styles
//! from). Whether it is offered at all is the desk option `cobrowse`. Pure: shape and rules.

use pupitre_protocol::visitor::CobrowseConfig;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub const MOST_SELECTORS: usize = 50;
pub const MOST_SELECTOR_CHARS: usize = 200;
pub const MOST_ORIGINS: usize = 20;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(rename = "CobrowseSettings")]
#[serde(default)]
pub struct Settings {
    /// CSS selectors of fields shown as typed. Password, hidden, e-mail, tel and payment
    /// fields stay masked whatever this says.
    pub unmask: Vec<String>,
    /// CSS selectors of whole elements left out of the recording.
    pub mask: Vec<String>,
    /// The brand's site, as origins (`https://shop.example`): guiding goes only there, and
    /// the desk fetches the page's images and styles only from there.
    pub site_origins: Vec<String>,
}

impl Settings {
    /// What the widget's recorder needs.
    pub fn for_widget(&self) -> CobrowseConfig {
        CobrowseConfig {
            unmask: self.unmask.clone(),
            mask: self.mask.clone(),
        }
    }

    /// Whether `url` is a page of the brand's site. With no origins set, any http(s) URL:
    /// the widget still refuses to leave its own origin.
    pub fn allows_page(&self, url: &str) -> bool {
        let Some(origin) = origin_of(url) else {
            return false;
        };
        self.site_origins.is_empty() || self.site_origins.contains(&origin)
    }
}

/// `scheme://host[:port]` of an http(s) URL, lowercased; none for anything else.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty()
        || authority.contains('@')
        || authority
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// Whether a selector's brackets, parentheses and quotes close: one that does not (`a[href`)
/// swallows the selectors joined after it, and the browser's recorder would then mask
/// nothing of the list.
fn balanced(selector: &str) -> bool {
    let mut open = Vec::new();
    let mut quote = None;
    let mut escaped = false;
    for c in selector.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (_, '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '(') => open.push(c),
            (None, ']') if open.pop() != Some('[') => return false,
            (None, ')') if open.pop() != Some('(') => return false,
            _ => {}
        }
    }
    open.is_empty() && quote.is_none() && !escaped
}

/// What is wrong, as `(path, reason)` under `cobrowse`.
pub fn problems(s: &Settings) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, list) in [("unmask", &s.unmask), ("mask", &s.mask)] {
        if list.len() > MOST_SELECTORS {
            out.push((
                format!("cobrowse.{name}"),
                format!("at most {MOST_SELECTORS} selectors"),
            ));
        }
        for (i, selector) in list.iter().enumerate() {
            let t = selector.trim();
            if t.is_empty()
                || t.chars().count() > MOST_SELECTOR_CHARS
                || t.chars().any(char::is_control)
                || t.contains(['{', '}', ';'])
                || !balanced(t)
            {
                out.push((
                    format!("cobrowse.{name}.{i}"),
                    format!("a CSS selector of 1 to {MOST_SELECTOR_CHARS} characters (such as #newsletter or .promo-code)"),
                ));
            }
        }
    }
    if s.site_origins.len() > MOST_ORIGINS {
        out.push((
            "cobrowse.site_origins".into(),
            format!("at most {MOST_ORIGINS} origins"),
        ));
    }
    for (i, o) in s.site_origins.iter().enumerate() {
        if origin_of(o).as_deref() != Some(o.as_str()) {
            out.push((
                format!("cobrowse.site_origins.{i}"),
                "an origin such as https://shop.example (scheme and host, lowercase, no path)"
                    .into(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c4_origins_are_scheme_and_host_only() {
        assert_eq!(
            origin_of("https://Shop.example:8443/a?b#c").as_deref(),
            Some("https://shop.example:8443")
        );
        for bad in [
            "javascript:alert(1)",
            "ftp://x.example",
            "https://",
            "https://user@evil.example",
            "data:text/html,x",
        ] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
        let s = Settings {
            site_origins: vec!["https://shop.example/".into(), "https://ok.example".into()],
            unmask: vec![
                "#quantity".into(),
                "a{}".into(),
                "[name=\"size\"], input[type=text]".into(),
                "a[href".into(),
                "[title=\"x".into(),
                ":not(.a".into(),
            ],
            ..Default::default()
        };
        let paths: Vec<String> = problems(&s).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "cobrowse.unmask.1",
                "cobrowse.unmask.3",
                "cobrowse.unmask.4",
                "cobrowse.unmask.5",
                "cobrowse.site_origins.0"
            ]
        );
    }

    #[test]
    fn c1_guiding_stays_on_the_brands_site() {
        let s = Settings {
            site_origins: vec!["https://shop.example".into()],
            ..Default::default()
        };
        assert!(s.allows_page("https://shop.example/pricing"));
        assert!(!s.allows_page("https://evil.example/"));
        assert!(!s.allows_page("javascript:alert(1)"));
        assert!(Settings::default().allows_page("http://127.0.0.1:8080/demo/pricing"));
    }
}
