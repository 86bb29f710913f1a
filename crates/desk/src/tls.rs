//! How the desk reaches its hub (issue 9): HTTPS and WSS with rustls, trusting the system's
//! roots plus, for private deployments, the CA certificates of the PEM file named by
//! `PUPITRE_EXTRA_CA`. One HTTP client for all requests (its connections are reused); it is
//! made again only if that variable changes.
//!
//! Also what the agent may type as the hub's address: `https://` is assumed without a scheme,
//! and `http://` is refused unless the hub is on this computer — a password must never cross
//! a network in clear.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

use crate::error::{DeskError, DeskErrorCode};

/// The environment variable naming an extra CA file (PEM) to trust.
pub const EXTRA_CA_VAR: &str = "PUPITRE_EXTRA_CA";

#[derive(Clone)]
pub struct Transport {
    pub http: reqwest::Client,
    /// `None` for a plain `http://` hub on this computer.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

/// A WebSocket to `url` over the transport (TLS with its roots, or plain for a local hub).
pub async fn connect_ws(
    url: String,
    transport: &Transport,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    tokio_tungstenite::tungstenite::Error,
> {
    let connector = match &transport.tls {
        Some(tls) => tokio_tungstenite::Connector::Rustls(tls.clone()),
        None => tokio_tungstenite::Connector::Plain,
    };
    tokio_tungstenite::connect_async_tls_with_config(url, None, false, Some(connector))
        .await
        .map(|(ws, _)| ws)
}

/// The transport for `hub`: a plain `http://` hub (on this computer: [`normalize_hub`]) needs
/// no certificates, so the system's store is not read for it (reading and parsing it doubled
/// the desk's cold start, P5); an `https://` one gets [`transport`].
pub fn transport_for(hub: &str) -> Result<Transport, DeskError> {
    if !hub.starts_with("http://") {
        return transport();
    }
    static PLAIN: std::sync::OnceLock<Transport> = std::sync::OnceLock::new();
    if let Some(t) = PLAIN.get() {
        return Ok(t.clone());
    }
    let http = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| DeskError::new(DeskErrorCode::Internal, e.to_string()))?;
    Ok(PLAIN.get_or_init(|| Transport { http, tls: None }).clone())
}

/// The transport for the current `PUPITRE_EXTRA_CA`.
pub fn transport() -> Result<Transport, DeskError> {
    static MADE: Mutex<Option<(Option<PathBuf>, Transport)>> = Mutex::new(None);
    let extra = std::env::var_os(EXTRA_CA_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((for_extra, transport)) = made.as_ref()
        && *for_extra == extra
    {
        return Ok(transport.clone());
    }
    let tls = Arc::new(client_config(extra.as_deref())?);
    let http = reqwest::Client::builder()
        .use_preconfigured_tls((*tls).clone())
        // A redirect could send the password elsewhere, or in clear: the hub never redirects.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| DeskError::new(DeskErrorCode::Internal, e.to_string()))?;
    let transport = Transport {
        http,
        tls: Some(tls),
    };
    *made = Some((extra, transport.clone()));
    Ok(transport)
}

#[allow(deprecated)] // ring: see the hub's `tls::provider`.
fn client_config(extra: Option<&std::path::Path>) -> Result<rustls::ClientConfig, DeskError> {
    let mut roots = rustls::RootCertStore::empty();
    // The system's store; unreadable entries are skipped (a broken one must not lock us out).
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = extra {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| {
                DeskError::new(
                    DeskErrorCode::InvalidInput,
                    format!(
                        "{EXTRA_CA_VAR}={}: not a PEM certificate file ({e})",
                        path.display()
                    ),
                )
            })?;
        let (added, _) = roots.add_parsable_certificates(certs);
        if added == 0 {
            return Err(DeskError::new(
                DeskErrorCode::InvalidInput,
                format!("{EXTRA_CA_VAR}={}: no CA certificate in it", path.display()),
            ));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DeskError::new(DeskErrorCode::Internal, e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// What went wrong reaching the hub, in words an agent can act on: a certificate problem is
/// named as such (the TLS error is found in the error's chain).
pub fn unreachable(hub: &str, e: &(dyn std::error::Error + 'static)) -> DeskError {
    let mut source = Some(e);
    while let Some(err) = source {
        let tls = err.downcast_ref::<rustls::Error>().or_else(|| {
            err.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if let Some(tls) = tls {
            return tls_error(hub, tls);
        }
        source = err.source();
    }
    let words = chain(e);
    if words.contains("InvalidContentType") || words.contains("invalid content type") {
        return not_https(hub);
    }
    // Some layers keep only the words of the TLS error (hyper-util boxes it).
    if let Some((_, why)) = words.split_once("invalid peer certificate: ") {
        let why = match why.split(':').next().unwrap_or(why).trim() {
            "UnknownIssuer" | "BadSignature" => certificate_words(
                hub,
                &rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
            ),
            "NotValidForName" => certificate_words(
                hub,
                &rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName),
            ),
            "Expired" => certificate_words(
                hub,
                &rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
            ),
            other => format!("the hub at {hub} showed a certificate the desk refuses: {other}"),
        };
        return DeskError::new(DeskErrorCode::UntrustedCertificate, why);
    }
    DeskError::new(
        DeskErrorCode::HubUnreachable,
        format!("cannot reach the hub at {hub}: {words}"),
    )
}

fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut words = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !words.contains(&more) {
            words = format!("{words}: {more}");
        }
        source = s.source();
    }
    words
}

/// A TLS failure: a refused certificate is named as such; anything else means the other end
/// does not speak TLS as a hub does (a plain http hub answering an https request, a proxy).
fn tls_error(hub: &str, e: &rustls::Error) -> DeskError {
    match e {
        rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
            DeskError::new(
                DeskErrorCode::UntrustedCertificate,
                certificate_words(hub, e),
            )
        }
        rustls::Error::InvalidMessage(_) => not_https(hub),
        other => DeskError::new(
            DeskErrorCode::HubUnreachable,
            format!("cannot speak TLS with the hub at {hub}: {other}"),
        ),
    }
}

fn not_https(hub: &str) -> DeskError {
    DeskError::new(
        DeskErrorCode::HubUnreachable,
        format!(
            "the hub at {hub} does not answer in https (a hub on this computer without TLS \
             is reached with http://)"
        ),
    )
}

fn certificate_words(hub: &str, e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    let why = match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => {
            "it is signed by an authority this computer does not trust (a private hub: ask \
             your administrator for its CA file)"
                .to_owned()
        }
        rustls::Error::InvalidCertificate(C::NotValidForName)
        | rustls::Error::InvalidCertificate(C::NotValidForNameContext { .. }) => {
            "it was made for another address".to_owned()
        }
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            "it has expired".to_owned()
        }
        other => other.to_string(),
    };
    format!("the hub at {hub} showed a certificate the desk refuses: {why}")
}

/// The hub's address as typed by the agent, normalized: no trailing slash, `https://` when no
/// scheme is given; `http://` only for this computer.
pub fn normalize_hub(hub: &str) -> Result<String, DeskError> {
    let hub = hub.trim().trim_end_matches('/');
    if hub.is_empty() {
        return Err(DeskError::new(
            DeskErrorCode::InvalidInput,
            "type the hub's address",
        ));
    }
    let hub = if hub.contains("://") {
        hub.to_owned()
    } else {
        format!("https://{hub}")
    };
    let Some(rest) = hub
        .strip_prefix("https://")
        .or_else(|| hub.strip_prefix("http://"))
    else {
        return Err(DeskError::new(
            DeskErrorCode::InvalidInput,
            "the hub's address starts with https://",
        ));
    };
    if !is_host_port(rest) {
        return Err(DeskError::new(
            DeskErrorCode::InvalidInput,
            "type the hub's address only, such as chat.example.com or chat.example.com:8443",
        ));
    }
    if hub.starts_with("http://") && !is_this_computer(rest) {
        return Err(DeskError::new(
            DeskErrorCode::InsecureHub,
            "this address would send your password unencrypted: use https:// (plain http:// \
             is only for a hub on this computer)",
        ));
    }
    Ok(hub)
}

/// `host`, `host:port` or `[v6]:port`: nothing else (no path, user or query).
fn is_host_port(text: &str) -> bool {
    let (host, port) = match text.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, rest)) => (h, rest.strip_prefix(':')),
            None => return false,
        },
        None => match text.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (text, None),
        },
    };
    !host.is_empty()
        && !host.contains(['/', '?', '#', ' ', '@', '[', ']'])
        && port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_this_computer(host_port: &str) -> bool {
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host_port.rsplit_once(':').map_or(host_port, |(h, _)| h)
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_assumed_and_plain_http_only_for_this_computer() {
        assert_eq!(
            normalize_hub(" chat.example.com/ ").unwrap(),
            "https://chat.example.com"
        );
        assert_eq!(
            normalize_hub("http://127.0.0.1:8470").unwrap(),
            "http://127.0.0.1:8470"
        );
        assert_eq!(
            normalize_hub("http://localhost:8470").unwrap(),
            "http://localhost:8470"
        );
        assert_eq!(
            normalize_hub("http://[::1]:8470").unwrap(),
            "http://[::1]:8470"
        );
        for remote in [
            "http://chat.example.com",
            "http://10.0.0.5:8470",
            "http://127.0.0.1.evil.test",
            "http://localhost.evil.test:80",
        ] {
            let e = normalize_hub(remote).unwrap_err();
            assert!(e.message.contains("unencrypted"), "{remote}: {e:?}");
        }
        for bad in [
            "",
            "ftp://x",
            "https://",
            "https://x/path",
            "https://user@x",
        ] {
            assert!(normalize_hub(bad).is_err(), "{bad}");
        }
    }
}
