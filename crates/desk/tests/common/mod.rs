//! Helpers for the desk's tests against a real hub: a seeded project, waiting for desk
//! events, a visitor's message.
#![allow(dead_code)]

use std::time::Duration;

use pupitre_desk::{ConnectionState, DeskEvent, OutboxState};
use pupitre_protocol::agent::Role;
use pupitre_protocol::visitor::{VisitorClientFrame, VisitorServerFrame};
use pupitre_server::admin::{self, NewAgentRequest};
use pupitre_server::client::VisitorConn;
use pupitre_server::store::SqliteStore;
use tokio::sync::broadcast;

pub const PASSWORD: &str = "password-123";
pub const WAIT: Duration = Duration::from_secs(20);

pub fn seed(db: &std::path::Path) {
    let mut store = SqliteStore::open(db).unwrap();
    let project = admin::create_project(&mut store, "TEST", "Test shop").unwrap();
    admin::create_group(&mut store, project, "Sales", None).unwrap();
    admin::create_canned(
        &mut store,
        project,
        None,
        admin::NewCannedRequest {
            group: None,
            theme: "Greetings".into(),
            title: "Hello".into(),
            body: "Hello, how can I help?".into(),
            shortcut: Some("/hello".into()),
            language: "en".into(),
        },
    )
    .unwrap();
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

pub async fn wait_for<T>(
    events: &mut broadcast::Receiver<DeskEvent>,
    mut f: impl FnMut(&DeskEvent) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("the expected desk event came")
        {
            Ok(e) => {
                if let Some(t) = f(&e) {
                    return t;
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(e) => panic!("{e}"),
        }
    }
}

/// The outbox item a change says the hub has: acknowledged, or already in the thread (the
/// hub's message may come before its ack).
pub fn delivered(e: &DeskEvent) -> Option<uuid::Uuid> {
    match e {
        DeskEvent::Outbox { item } if item.state == OutboxState::Sent => Some(item.local_id),
        DeskEvent::OutboxRemoved { local_id, .. } => Some(*local_id),
        _ => None,
    }
}

pub async fn online(events: &mut broadcast::Receiver<DeskEvent>) {
    wait_for(events, |e| {
        matches!(
            e,
            DeskEvent::Connection {
                connection: ConnectionState::Online
            }
        )
        .then_some(())
    })
    .await;
}

pub async fn visitor_say(v: &mut VisitorConn, text: &str) {
    let client_id = uuid::Uuid::now_v7();
    v.send(&VisitorClientFrame::SendMessage {
        client_id,
        text: text.into(),
    })
    .await
    .unwrap();
    loop {
        match tokio::time::timeout(WAIT, v.recv()).await.unwrap().unwrap() {
            VisitorServerFrame::Ack { client_id: id } if id == client_id => return,
            VisitorServerFrame::Error(e) => panic!("{e:?}"),
            _ => {}
        }
    }
}

/// A desk of its own folder under `dir`, logged in as `email` and online.
pub async fn desk_logged_in(
    hub: &pupitre_server::RunningHub,
    dir: &std::path::Path,
    email: &str,
) -> (pupitre_desk::Desk, broadcast::Receiver<DeskEvent>) {
    let desk = pupitre_desk::Desk::open(pupitre_desk::DeskOptions {
        data_dir: dir.join(email),
        credentials: std::sync::Arc::new(pupitre_desk::credentials::NoKeyring),
    })
    .unwrap();
    let mut events = desk.subscribe();
    desk.login(&hub.http_url(), email, PASSWORD, false)
        .await
        .unwrap();
    online(&mut events).await;
    (desk, events)
}

/// Makes the desk available on the chat channel.
pub async fn available(desk: &pupitre_desk::Desk) {
    desk.act(pupitre_protocol::agent::AgentClientFrame::SetStatus {
        client_id: uuid::Uuid::now_v7(),
        channel: pupitre_protocol::Channel::Chat,
        status: pupitre_protocol::ChosenStatus::Available,
    })
    .await
    .unwrap();
}
