//! HTTPS and WSS served by the hub itself (issue 9): rustls with the ring provider, the
//! certificate chain and key read from PEM files, and read again when they change (a renewal
//! by certbot or an operator needs no restart), or at once on SIGHUP.
//!
//! Also [`make_certificates`]: a private CA and a hub certificate signed by it, for private
//! deployments and for the tests (`pupitre tls-certificates`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use axum_server::accept::NoDelayAcceptor;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// How often the files are looked at for a change.
const WATCH_EVERY: Duration = Duration::from_secs(30);
/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The certificate chain and private key of the hub, as PEM files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The one crypto provider, named (never the process default another crate may have set).
/// ring, not aws-lc: no C toolchain beyond cc, and a build minutes shorter on our machines;
/// rustls marks it deprecated only for lacking post-quantum key exchange.
#[allow(deprecated)]
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A server configuration from the files, checked: the key must match the certificate.
pub fn server_config(files: &TlsFiles) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .with_context(|| format!("reading the certificate {}", files.cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("a certificate in {} is not PEM", files.cert.display()))?;
    anyhow::ensure!(
        !chain.is_empty(),
        "{} holds no certificate",
        files.cert.display()
    );
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .with_context(|| format!("reading the private key {}", files.key.display()))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .with_context(|| {
            format!(
                "the key {} does not go with the certificate {}",
                files.key.display(),
                files.cert.display()
            )
        })?;
    // WebSockets upgrade HTTP/1.1 connections.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn modified(files: &TlsFiles) -> Option<(SystemTime, SystemTime)> {
    let at = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    Some((at(&files.cert)?, at(&files.key)?))
}

/// Reads the files again when they change or on SIGHUP; a broken pair is logged and the
/// running certificate kept.
async fn watch(files: TlsFiles, config: RustlsConfig) {
    let mut seen = modified(&files);
    #[cfg(unix)]
    let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    loop {
        #[cfg(unix)]
        let asked = async {
            match hup.as_mut() {
                Some(h) => {
                    h.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let asked = std::future::pending::<()>();
        let forced = tokio::select! {
            () = tokio::time::sleep(WATCH_EVERY) => false,
            () = asked => true,
        };
        let now = modified(&files);
        if !forced && now == seen {
            continue;
        }
        seen = now;
        match server_config(&files) {
            Ok(c) => {
                config.reload_from_config(c);
                tracing::info!(cert = %files.cert.display(), "TLS certificate reloaded");
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "TLS certificate not reloaded; keeping the running one")
            }
        }
    }
}

/// Serves the hub over TLS on `listener` until `shutdown` resolves.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    files: TlsFiles,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let config = RustlsConfig::from_config(server_config(&files)?);
    let watcher = tokio::spawn(watch(files, config.clone()));
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(Duration::from_secs(5)));
    });
    let acceptor = RustlsAcceptor::new(config)
        .handshake_timeout(HANDSHAKE_TIMEOUT)
        .acceptor(NoDelayAcceptor::new());
    let result = axum_server::Server::<SocketAddr>::from_listener(listener)
        .acceptor(acceptor)
        .handle(handle)
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await;
    watcher.abort();
    result.context("serving HTTPS")
}

/// What [`make_certificates`] wrote.
pub struct Made {
    pub ca: PathBuf,
    pub files: TlsFiles,
}

/// Writes into `dir` a private CA (`ca.pem`, `ca-key.pem`) and a certificate for `names`
/// (host names or IP addresses) signed by it (`hub.pem`, `hub-key.pem`, the key readable by
/// its owner only). Clients trust `ca.pem`.
pub fn make_certificates(dir: &Path, names: &[String]) -> anyhow::Result<Made> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    anyhow::ensure!(!names.is_empty(), "name at least one host");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    // A name of its own: two private CAs must not pass for one another.
    let mut tag = [0u8; 4];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut tag);
    let tag: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    ca.distinguished_name.push(
        DnType::CommonName,
        format!("Pupitre private CA for {} ({tag})", names[0]),
    );
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca.self_signed(&ca_key)?;
    let hub_key = KeyPair::generate()?;
    let mut hub = CertificateParams::new(names.to_vec())?;
    hub.distinguished_name.push(DnType::CommonName, &names[0]);
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let hub_cert = hub.signed_by(&hub_key, &issuer)?;
    let made = Made {
        ca: dir.join("ca.pem"),
        files: TlsFiles {
            cert: dir.join("hub.pem"),
            key: dir.join("hub-key.pem"),
        },
    };
    std::fs::write(&made.ca, ca_cert.pem())?;
    write_private(&dir.join("ca-key.pem"), &issuer.key().serialize_pem())?;
    std::fs::write(&made.files.cert, hub_cert.pem())?;
    write_private(&made.files.key, &hub_key.serialize_pem())?;
    Ok(made)
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_certificates_load_and_a_mismatched_key_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let made =
            make_certificates(dir.path(), &["127.0.0.1".into(), "localhost".into()]).unwrap();
        server_config(&made.files).unwrap();
        let other = make_certificates(&dir.path().join("other"), &["x.test".into()]).unwrap();
        let wrong = TlsFiles {
            cert: made.files.cert.clone(),
            key: other.files.key,
        };
        let e = format!("{:#}", server_config(&wrong).unwrap_err());
        assert!(e.contains("does not go with"), "{e}");
    }
}
