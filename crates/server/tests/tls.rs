//! The hub over TLS (issue 9), with a CA made at test time: HTTPS and WSS work for a client
//! trusting that CA and carry HSTS; a client that does not trust it is refused; plain HTTP to
//! the TLS port gets nothing; new certificate files are served without a restart.
//!
//! The test runs again in a child process whose `SSL_CERT_FILE` (the system roots, for the
//! hub's own client) is the test's CA: a process's environment is set when it starts.

mod common;

use common::*;
use pupitre_server::tls::{TlsFiles, make_certificates};

fn with_tls(files: &TlsFiles) -> pupitre_server::HubOptions {
    pupitre_server::HubOptions {
        tls: Some(files.clone()),
        ..Default::default()
    }
}

fn trusting(ca: &std::path::Path) -> reqwest::Client {
    let pem = std::fs::read(ca).unwrap();
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

const CHILD: &str = "PUPITRE_TLS_TEST_DIR";

#[test]
fn https_and_wss_with_a_private_ca_and_certificates_reloaded_live() {
    if let Some(dir) = std::env::var_os(CHILD) {
        return tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
            .block_on(in_child(std::path::PathBuf::from(dir)));
    }
    let certs = tempfile::tempdir().unwrap();
    let names = ["127.0.0.1".to_owned(), "localhost".to_owned()];
    let made = make_certificates(&certs.path().join("first"), &names).unwrap();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "https_and_wss_with_a_private_ca_and_certificates_reloaded_live",
            "--nocapture",
        ])
        .env(CHILD, certs.path())
        .env("SSL_CERT_FILE", &made.ca)
        .status()
        .unwrap();
    assert!(status.success(), "the child test failed");
}

async fn in_child(certs: std::path::PathBuf) {
    let names = ["127.0.0.1".to_owned(), "localhost".to_owned()];
    let made = pupitre_server::tls::Made {
        ca: certs.join("first/ca.pem"),
        files: TlsFiles {
            cert: certs.join("first/hub.pem"),
            key: certs.join("first/hub-key.pem"),
        },
    };
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start_with(&setup, with_tls(&made.files)).await;
    assert!(hub.http_url().starts_with("https://"));

    // HTTPS with the CA: answers, with HSTS and the other security headers.
    let r = trusting(&made.ca)
        .get(format!("{}/healthz", hub.http_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["strict-transport-security"], "max-age=63072000");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");

    // The hub's own clients (login over HTTPS, the agent over WSS) trust the system roots.
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut visitor = visitor(&hub).await;
    visitor.say("hello over TLS").await;
    alice
        .wait_event(|e| {
            matches!(
                e,
                pupitre_protocol::agent::AgentEvent::ConversationAssigned { .. }
            )
            .then_some(())
        })
        .await;

    // A client that does not trust the CA is refused, and says why.
    let e = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap()
        .get(format!("{}/healthz", hub.http_url()))
        .send()
        .await
        .unwrap_err();
    let words = format!("{e:?}");
    assert!(words.contains("UnknownIssuer"), "{words}");
    // Plain HTTP to the TLS port gets no answer.
    let plain = reqwest::get(format!("http://{}/healthz", hub.addr)).await;
    assert!(
        plain.is_err() || !plain.unwrap().status().is_success(),
        "plain HTTP is not served on the TLS port"
    );

    // New files (a renewal, another CA here) are served without a restart, after SIGHUP.
    let renewed = make_certificates(&certs.join("second"), &names).unwrap();
    std::fs::copy(&renewed.files.cert, &made.files.cert).unwrap();
    std::fs::copy(&renewed.files.key, &made.files.key).unwrap();
    // The hub's watcher holds this process's SIGHUP handler.
    kill_hup();
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let r = trusting(&renewed.ca)
            .get(format!("{}/healthz", hub.http_url()))
            .send()
            .await;
        if r.is_ok() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the renewed certificate was not served: {r:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    hub.stop().await.unwrap();
}

/// `kill -HUP <this process>`.
fn kill_hup() {
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}
