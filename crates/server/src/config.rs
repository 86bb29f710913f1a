//! The hub's configuration file (issue 13): `pupitre serve --config /etc/pupitre/hub.toml`.
//!
//! Everything the flags of `pupitre serve` hold, in TOML, one section per concern. The
//! environment (`PUPITRE_…`) overrides the file and a flag overrides both, key by key (the
//! README's "Configuration" lists every key beside its variable and flag). A wrong key or value
//! stops the start with the file's line and the reason; `pupitre config check FILE` says the
//! same without starting. [`EXAMPLE`] is the packaged `/etc/pupitre/hub.toml`: every key,
//! commented.
//!
//! Pure: text in, a [`HubConfig`] or a [`ConfigError`] out; reading the file and checking the
//! TLS pair are the callers' ([`load`] reads, `pupitre config check` also loads the pair).

use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

/// The packaged configuration (`/etc/pupitre/hub.toml`, printed by `pupitre config example`).
pub const EXAMPLE: &str = include_str!("../../../packaging/hub/hub.toml");

/// `server.listen` when nothing sets it: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8470";
/// `store.path` when nothing sets it (the package's file sets /var/lib/pupitre/pupitre.db).
pub const DEFAULT_DB: &str = "pupitre.db";

/// Every key the file may hold, as `section.key` (the README documents each; a test holds
/// both to this list and to [`HubConfig`]).
pub const KEYS: &[&str] = &[
    "server.listen",
    "server.public_url",
    "server.plain_http",
    "server.trusted_proxies",
    "server.demo",
    "server.widget_dir",
    "server.node_url",
    "store.path",
    "store.url",
    "store.connections",
    "tls.cert",
    "tls.key",
    "mail.smtp",
    "mail.dir",
    "mail.from",
    "limits.max_connections",
    "limits.max_visitor_connections_per_address",
    "log.level",
];

/// The file, as read: each key optional (absent, the environment, the flag or the default
/// decides).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubConfig {
    #[serde(default)]
    pub server: Server,
    #[serde(default)]
    pub store: Store,
    #[serde(default)]
    pub tls: Tls,
    #[serde(default)]
    pub mail: Mail,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub log: Log,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// The address and port the hub listens on.
    pub listen: Option<SocketAddr>,
    /// The hub's address as visitors' browsers reach it.
    pub public_url: Option<PublicUrl>,
    /// Plain HTTP on a non-loopback address, behind a TLS-terminating proxy.
    pub plain_http: Option<bool>,
    /// The reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Option<Vec<Proxy>>,
    /// Seed the demo project at start.
    pub demo: Option<bool>,
    /// Serve the widget from this folder (widget development).
    pub widget_dir: Option<PathBuf>,
    /// Several hubs on PostgreSQL: where the other hubs reach this one.
    pub node_url: Option<PublicUrl>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Store {
    /// The SQLite database file.
    pub path: Option<PathBuf>,
    /// Instead, a PostgreSQL database shared by several hubs (`postgres://…`).
    pub url: Option<Spanned<PostgresUrl>>,
    /// On PostgreSQL: the most connections this hub opens (its writers share them).
    pub connections: Option<Positive>,
}

impl Store {
    /// Where the data lives, as `--db` names it: the URL when one is set, else the path.
    pub fn location(&self) -> Option<String> {
        self.url
            .as_ref()
            .map(|u| u.get_ref().0.clone())
            .or_else(|| self.path.as_ref().map(|p| p.display().to_string()))
    }
}

/// A PostgreSQL connection URL the driver accepts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct PostgresUrl(pub String);

impl TryFrom<String> for PostgresUrl {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if !crate::store::postgres::is_url(&s) {
            return Err(format!(
                "not a PostgreSQL address: {s:?}; e.g. \"postgres://pupitre@db.internal:5432/pupitre\""
            ));
        }
        s.parse::<tokio_postgres::Config>()
            .map_err(|e| format!("not a PostgreSQL address ({e})"))?;
        Ok(Self(s))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    pub cert: Option<Spanned<PathBuf>>,
    pub key: Option<Spanned<PathBuf>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mail {
    pub smtp: Option<Spanned<SmtpUrl>>,
    pub dir: Option<Spanned<PathBuf>>,
    pub from: Option<Sender>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub max_connections: Option<Positive>,
    pub max_visitor_connections_per_address: Option<Positive>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Log {
    /// A tracing filter: `info`, `warn`, `info,pupitre_server=debug`.
    pub level: Option<LogFilter>,
}

/// An `http://` or `https://` address with a host.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct PublicUrl(pub String);

impl TryFrom<String> for PublicUrl {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let url = url::Url::parse(&s).map_err(|e| format!("not an address ({e}): {s:?}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!(
                "an http:// or https:// address is needed, not {s:?}"
            ));
        }
        Ok(Self(s.trim_end_matches('/').to_owned()))
    }
}

/// A reverse proxy: an address (`10.0.0.7`) or a network (`10.0.0.0/8`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct Proxy(pub ipnet::IpNet);

impl TryFrom<String> for Proxy {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        parse_proxy(&s).map(Self)
    }
}

/// Reads a reverse proxy's address or network (the flag and the file alike).
pub fn parse_proxy(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            format!("not an address or a network: {s:?}; e.g. \"10.0.0.7\" or \"10.0.0.0/8\"")
        })
}

/// An SMTP address the mailer accepts (`smtp://`, `smtps://`, credentials, `?tls=required`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct SmtpUrl(pub String);

impl TryFrom<String> for SmtpUrl {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        use lettre::{AsyncSmtpTransport, Tokio1Executor};
        AsyncSmtpTransport::<Tokio1Executor>::from_url(&s).map_err(|e| {
            format!("not an SMTP address ({e}); e.g. smtp://mail.example.com:587?tls=required")
        })?;
        Ok(Self(s))
    }
}

/// A sender: `Name <address>` or an address.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct Sender(pub String);

impl TryFrom<String> for Sender {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse::<lettre::message::Mailbox>()
            .map_err(|e| format!("not a sender ({e}); e.g. \"Pupitre <no-reply@example.com>\""))?;
        Ok(Self(s))
    }
}

/// A count of at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(try_from = "i64")]
pub struct Positive(pub usize);

impl TryFrom<i64> for Positive {
    type Error = String;
    fn try_from(n: i64) -> Result<Self, String> {
        usize::try_from(n)
            .ok()
            .filter(|&n| n > 0)
            .map(Self)
            .ok_or_else(|| format!("at least 1 is needed, not {n}"))
    }
}

/// A tracing filter directive.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct LogFilter(pub String);

impl TryFrom<String> for LogFilter {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        tracing_subscriber::EnvFilter::builder()
            .parse(&s)
            .map_err(|e| format!("not a log level or filter ({e}); e.g. \"info\" or \"info,pupitre_server=debug\""))?;
        Ok(Self(s))
    }
}

/// Why a file cannot be used: where (a line when the reason has one) and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{}: {reason}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub reason: String,
}

/// Reads and parses `file`.
pub fn load(file: &Path) -> Result<HubConfig, ConfigError> {
    let text = std::fs::read_to_string(file).map_err(|e| ConfigError {
        file: file.to_owned(),
        line: None,
        reason: format!("cannot read it: {e}"),
    })?;
    parse(file, &text)
}

/// Parses the text of `file`: its syntax, its keys, each value, and the keys that go in pairs.
pub fn parse(file: &Path, text: &str) -> Result<HubConfig, ConfigError> {
    let at = |span: Option<Range<usize>>, reason: String| ConfigError {
        file: file.to_owned(),
        line: span.map(|s| line_of(text, s.start)),
        reason,
    };
    let config: HubConfig =
        toml::from_str(text).map_err(|e| at(e.span(), e.message().trim().to_owned()))?;
    match (&config.tls.cert, &config.tls.key) {
        (Some(cert), None) => {
            return Err(at(
                Some(cert.span()),
                "tls.cert needs tls.key (the certificate's private key)".into(),
            ));
        }
        (None, Some(key)) => {
            return Err(at(
                Some(key.span()),
                "tls.key needs tls.cert (the certificate chain)".into(),
            ));
        }
        _ => {}
    }
    if let (Some(_), Some(url)) = (&config.store.path, &config.store.url) {
        return Err(at(
            Some(url.span()),
            "store.path (SQLite) and store.url (PostgreSQL) are two databases: keep one".into(),
        ));
    }
    if let (Some(_), Some(dir)) = (&config.mail.smtp, &config.mail.dir) {
        return Err(at(
            Some(dir.span()),
            "mail.smtp and mail.dir are two ways to send: keep one".into(),
        ));
    }
    Ok(config)
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The rule a hub reachable from other computers obeys (checked at start and by `config
/// check`): TLS, or plain HTTP said on purpose (a TLS-terminating proxy in front).
pub fn exposure(listen: SocketAddr, tls: bool, plain_http: bool) -> Result<(), String> {
    if tls || plain_http || listen.ip().is_loopback() {
        return Ok(());
    }
    Err(format!(
        "{listen} is reachable from other computers, and without TLS passwords and tokens would \
         cross the network in clear: give --tls-cert and --tls-key (tls.cert and tls.key; see \
         `pupitre tls-certificates` for a private CA), or --plain-http (server.plain_http) if a \
         reverse proxy in front of the hub terminates TLS"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<HubConfig, ConfigError> {
        parse(Path::new("hub.toml"), text)
    }

    fn error(text: &str) -> (Option<usize>, String) {
        let e = parsed(text).expect_err("an error");
        (e.line, e.reason)
    }

    #[test]
    fn a_store_is_a_file_or_a_postgres_database_never_both() {
        let c = parse(
            Path::new("hub.toml"),
            "[store]\nurl = \"postgres://hub@db:5432/pupitre\"\n",
        )
        .expect("a URL");
        assert_eq!(
            c.store.location().as_deref(),
            Some("postgres://hub@db:5432/pupitre")
        );
        let e = parse(
            Path::new("hub.toml"),
            "[store]\npath = \"/var/lib/pupitre/pupitre.db\"\nurl = \"postgres://hub@db/pupitre\"\n",
        )
        .expect_err("both");
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.reason.contains("keep one"), "{e}");
        let e = parse(
            Path::new("hub.toml"),
            "[store]\nurl = \"mysql://db/pupitre\"\n",
        )
        .expect_err("not PostgreSQL");
        assert!(e.reason.contains("not a PostgreSQL address"), "{e}");
    }

    #[test]
    fn the_packaged_example_is_valid_and_sets_what_a_service_needs() {
        let c = parsed(EXAMPLE).expect("the example parses");
        assert_eq!(
            c.store.path.as_deref(),
            Some(Path::new("/var/lib/pupitre/pupitre.db"))
        );
        assert!(c.server.listen.is_some());
    }

    #[test]
    fn every_key_is_read() {
        let file = r#"
[server]
listen = "0.0.0.0:443"
public_url = "https://chat.example.com/"
plain_http = false
trusted_proxies = ["10.0.0.0/8", "192.168.1.7"]
demo = false
widget_dir = "/srv/widget"
node_url = "http://10.0.0.5:8470"
[store]
path = "/var/lib/pupitre/pupitre.db"
connections = 12
[tls]
cert = "/etc/pupitre/tls/fullchain.pem"
key = "/etc/pupitre/tls/privkey.pem"
[mail]
smtp = "smtp://user:secret@mail.example.com:587?tls=required"
from = "Support <support@example.com>"
[limits]
max_connections = 20000
max_visitor_connections_per_address = 16
[log]
level = "info,pupitre_server=debug"
"#;
        let c = parsed(file).expect("parses");
        assert_eq!(c.server.listen, Some("0.0.0.0:443".parse().unwrap()));
        assert_eq!(
            c.server.public_url,
            Some(PublicUrl("https://chat.example.com".into()))
        );
        assert_eq!(c.server.trusted_proxies.as_ref().map(Vec::len), Some(2));
        assert_eq!(
            c.tls.key.map(|k| k.into_inner()),
            Some(PathBuf::from("/etc/pupitre/tls/privkey.pem"))
        );
        assert_eq!(c.limits.max_connections, Some(Positive(20000)));
        assert_eq!(c.store.connections, Some(Positive(12)));
        assert_eq!(
            c.log.level,
            Some(LogFilter("info,pupitre_server=debug".into()))
        );
        // Every key of the list appears in this file: the list and the struct agree.
        for key in KEYS {
            let (section, name) = key.split_once('.').unwrap();
            let in_file =
                file.contains(&format!("[{section}]")) && file.contains(&format!("\n{name} = "));
            // mail.dir and store.url each exclude another key of the file: read below.
            assert!(
                in_file || *key == "mail.dir" || *key == "store.url",
                "{key} is not in the test's file"
            );
        }
        assert!(parsed("[mail]\ndir = \"/var/spool/pupitre\"\n").is_ok());
        assert!(parsed("[store]\nurl = \"postgres://hub@db/pupitre\"\n").is_ok());
    }

    #[test]
    fn the_readme_documents_every_key_and_the_example_holds_each() {
        let readme = include_str!("../../../README.md");
        for key in KEYS {
            assert!(
                readme.contains(&format!("`{key}`")),
                "README.md does not document `{key}`"
            );
            let name = key.split_once('.').unwrap().1;
            assert!(
                EXAMPLE.contains(&format!("\n{name} = "))
                    || EXAMPLE.contains(&format!("\n# {name} = ")),
                "packaging/hub/hub.toml does not show {key}"
            );
        }
    }

    #[test]
    fn an_empty_file_sets_nothing() {
        let c = parsed("# nothing yet\n").unwrap();
        assert!(c.server.listen.is_none() && c.store.path.is_none() && c.log.level.is_none());
    }

    #[test]
    fn a_wrong_key_or_value_is_refused_with_its_line() {
        let (line, reason) = error("[server]\nlisten = \"127.0.0.1:8470\"\nlisen = \"x\"\n");
        assert_eq!(line, Some(3));
        assert!(reason.contains("unknown field `lisen`"), "{reason}");
        let (line, reason) = error("[sever]\n");
        assert_eq!(line, Some(1));
        assert!(reason.contains("sever"), "{reason}");
        let (line, reason) = error("\n[server]\nlisten = \"localhost\"\n");
        assert_eq!(line, Some(3));
        assert!(reason.contains("address"), "{reason}");
        let (line, _) = error("[server]\nplain_http = \"yes\"\n");
        assert_eq!(line, Some(2));
        let (line, reason) = error("[server]\npublic_url = \"chat.example.com\"\n");
        assert_eq!(line, Some(2));
        assert!(reason.contains("not an address"), "{reason}");
        let (line, reason) = error("[server]\npublic_url = \"ftp://chat.example.com\"\n");
        assert_eq!(line, Some(2));
        assert!(reason.contains("http:// or https://"), "{reason}");
        let (line, reason) = error("[server]\ntrusted_proxies = [\"10.0.0.0/33\"]\n");
        assert_eq!(line, Some(2));
        assert!(!reason.is_empty());
        let (line, reason) = error("[mail]\n\nsmtp = \"mail.example.com\"\n");
        assert_eq!(line, Some(3));
        assert!(reason.contains("SMTP"), "{reason}");
        let (line, reason) = error("[mail]\nfrom = \"Support <not an address>\"\n");
        assert_eq!(line, Some(2));
        assert!(reason.contains("sender"), "{reason}");
        let (line, reason) = error("[limits]\nmax_connections = 0\n");
        assert_eq!(line, Some(2));
        assert!(reason.contains("at least 1"), "{reason}");
        let (line, _) = error("[limits]\nmax_connections = -5\n");
        assert_eq!(line, Some(2));
        let (line, reason) = error("[log]\nlevel = \"loud=?\"\n");
        assert_eq!(line, Some(2));
        assert!(reason.contains("log level"), "{reason}");
        let (line, _) = error("[server\nlisten = 1\n");
        assert_eq!(line, Some(1));
    }

    #[test]
    fn keys_that_go_in_pairs() {
        let (line, reason) = error("[tls]\n\ncert = \"/etc/pupitre/hub.pem\"\n");
        assert_eq!(line, Some(3));
        assert!(reason.contains("tls.key"), "{reason}");
        let (line, reason) = error("[tls]\nkey = \"/etc/pupitre/hub-key.pem\"\n");
        assert_eq!(line, Some(2));
        assert!(reason.contains("tls.cert"), "{reason}");
        let (line, reason) =
            error("[mail]\nsmtp = \"smtp://127.0.0.1:2525\"\ndir = \"/tmp/mails\"\n");
        assert_eq!(line, Some(3));
        assert!(reason.contains("keep one"), "{reason}");
    }

    #[test]
    fn the_error_names_the_file_and_line() {
        let e = parse(Path::new("/etc/pupitre/hub.toml"), "[server]\nlisen = 1\n").unwrap_err();
        assert!(
            e.to_string().starts_with("/etc/pupitre/hub.toml:2: "),
            "{e}"
        );
        let e = load(Path::new("/nonexistent/hub.toml")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("/nonexistent/hub.toml: cannot read it"),
            "{e}"
        );
    }

    #[test]
    fn a_reachable_hub_needs_tls_or_plain_http_said_on_purpose() {
        let lan: SocketAddr = "0.0.0.0:8470".parse().unwrap();
        assert!(exposure("127.0.0.1:8470".parse().unwrap(), false, false).is_ok());
        assert!(exposure(lan, true, false).is_ok());
        assert!(exposure(lan, false, true).is_ok());
        assert!(
            exposure(lan, false, false)
                .unwrap_err()
                .contains("tls.cert")
        );
    }
}
