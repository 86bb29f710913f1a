//! The desk against a hub over TLS (issue 9), with a CA made at test time and trusted through
//! `PUPITRE_EXTRA_CA`: it logs in over HTTPS (also when the address is typed without a
//! scheme), connects over WSS, and resumes after the hub restarts; a hub whose certificate
//! comes from a CA it does not trust is refused with words an agent can act on.
//!
//! The test runs again in a child process whose environment names the CA (a process's
//! environment is set when it starts).

use std::sync::Arc;
use std::time::Duration;

use pupitre_desk::credentials::NoKeyring;
use pupitre_desk::{ConnectionState, Desk, DeskEvent, DeskOptions};
use pupitre_protocol::agent::{AgentClientFrame, Role};
use pupitre_server::RunningHub;
use pupitre_server::admin::{self, NewAgentRequest};
use pupitre_server::clock::Clock;
use pupitre_server::store::SqliteStore;
use pupitre_server::tls::{Made, TlsFiles, make_certificates};
use tokio::sync::broadcast;

const PASSWORD: &str = "password-123";
const WAIT: Duration = Duration::from_secs(20);
const CHILD: &str = "PUPITRE_DESK_TLS_TEST_DIR";

fn seed(db: &std::path::Path) {
    let mut store = SqliteStore::open(db).unwrap();
    let project = admin::create_project(&mut store, "TEST", "Test shop").unwrap();
    admin::create_group(&mut store, project, "Sales", None).unwrap();
    admin::create_agent(
        &mut store,
        project,
        NewAgentRequest {
            email: "alice@test".into(),
            name: "Alice".into(),
            password: PASSWORD.into(),
            role: Role::Agent,
            slot_max: Some(3),
            groups: vec!["Sales".into()],
        },
    )
    .unwrap();
}

fn made_in(dir: &std::path::Path) -> Made {
    Made {
        ca: dir.join("ca.pem"),
        files: TlsFiles {
            cert: dir.join("hub.pem"),
            key: dir.join("hub-key.pem"),
        },
    }
}

#[test]
fn d17_r12_the_desk_logs_in_connects_and_resumes_over_tls() {
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
    let trusted = make_certificates(&certs.path().join("trusted"), &names).unwrap();
    make_certificates(&certs.path().join("stranger"), &names).unwrap();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "d17_r12_the_desk_logs_in_connects_and_resumes_over_tls",
            "--nocapture",
        ])
        .env(CHILD, certs.path())
        .env(pupitre_desk::tls::EXTRA_CA_VAR, &trusted.ca)
        .status()
        .unwrap();
    assert!(status.success(), "the child test failed");
}

async fn wait_connection(events: &mut broadcast::Receiver<DeskEvent>, online: bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the connection changed in time")
        {
            Ok(DeskEvent::Connection { connection }) => {
                let is_online = connection == ConnectionState::Online;
                if is_online == online
                    && (online || matches!(connection, ConnectionState::Offline { .. }))
                {
                    return;
                }
            }
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(e) => panic!("{e}"),
        }
    }
}

fn available() -> AgentClientFrame {
    AgentClientFrame::SetStatus {
        client_id: uuid::Uuid::now_v7(),
        channel: pupitre_protocol::Channel::Chat,
        status: pupitre_protocol::ChosenStatus::Available,
    }
}

async fn in_child(certs: std::path::PathBuf) {
    let trusted = made_in(&certs.join("trusted"));
    let stranger = made_in(&certs.join("stranger"));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    seed(&db);
    let with_tls = |files: &TlsFiles| pupitre_server::HubOptions {
        tls: Some(files.clone()),
        ..Default::default()
    };
    let any = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let hub = RunningHub::start_with(&db, Clock::system(), any, with_tls(&trusted.files))
        .await
        .unwrap();
    let addr = hub.addr;
    let desk = Desk::open(DeskOptions {
        data_dir: dir.path().join("desk"),
        credentials: Arc::new(NoKeyring),
    })
    .unwrap();
    let mut events = desk.subscribe();
    // Typed without a scheme: https is assumed.
    desk.login(&addr.to_string(), "alice@test", PASSWORD, false)
        .await
        .unwrap();
    wait_connection(&mut events, true).await;
    desk.act(available()).await.unwrap();

    // The hub restarts (same address, same certificate): the desk resumes over WSS.
    hub.stop().await.unwrap();
    wait_connection(&mut events, false).await;
    let hub = RunningHub::start_with(&db, Clock::system(), addr, with_tls(&trusted.files))
        .await
        .unwrap();
    wait_connection(&mut events, true).await;
    desk.act(available()).await.unwrap();
    desk.logout().await;
    hub.stop().await.unwrap();

    // A hub whose certificate this computer does not trust.
    let other = RunningHub::start_with(&db, Clock::system(), any, with_tls(&stranger.files))
        .await
        .unwrap();
    let e = desk
        .login(&other.http_url(), "alice@test", PASSWORD, false)
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "untrusted_certificate");
    assert!(
        e.message.contains("certificate") && e.message.contains("does not trust"),
        "{e:?}"
    );
    // Plain HTTP to a TLS port is not a way in either.
    let e = desk
        .login(
            &format!("http://{}", other.addr),
            "alice@test",
            PASSWORD,
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "hub_unreachable", "{e:?}");
    other.stop().await.unwrap();

    // A hub on this computer without TLS, typed without a scheme: told it is not https.
    let plain = RunningHub::start_with(&db, Clock::system(), any, Default::default())
        .await
        .unwrap();
    let e = desk
        .login(&plain.addr.to_string(), "alice@test", PASSWORD, false)
        .await
        .unwrap_err();
    assert_eq!(e.code.as_str(), "hub_unreachable", "{e:?}");
    assert!(e.message.contains("does not answer in https"), "{e:?}");
    plain.stop().await.unwrap();
}
