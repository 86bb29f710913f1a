//! Restart: a real hub process is killed (SIGKILL) mid-story and restarted on the same data,
//! a SQLite file or a PostgreSQL database (DESIGN §6: one story, both backends). Nothing
//! acknowledged is lost (R12), identities and sessions survive, and a pending snooze fires at
//! its time, not before (R5, DESIGN §9).

mod common;

use std::time::{Duration, Instant};

use common::*;
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent, AgentServerFrame, AssignCause};
use pupitre_protocol::visitor::VisitorServerFrame;
use pupitre_server::client::{AgentConn, VisitorConn};
use pupitre_server::clock::now_ms;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r12_killed_hub_loses_nothing_acknowledged_and_timers_fire_after_restart() {
    killed_hub_story(setup(&[("alice@test", &["Sales"], 3)], |_| {})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r12_on_postgres_killed_hub_loses_nothing_acknowledged_and_timers_fire_after_restart() {
    let Some(server) = postgres_or_skip() else {
        return;
    };
    killed_hub_story(setup_on(
        Some(&server),
        &[("alice@test", &["Sales"], 3)],
        |_| {},
    ))
    .await;
}

async fn killed_hub_story(setup: Setup) {
    let mut hub = spawn_hub(&setup.db_arg());

    let session = pupitre_server::client::login(&hub.url, "alice@test", PASSWORD)
        .await
        .unwrap();
    let (mut alice, _) = AgentConn::connect(&hub.url, &session.access_token, None)
        .await
        .unwrap();
    ack_agent(
        &mut alice,
        AgentClientFrame::SetStatus {
            client_id: cid(),
            channel: pupitre_protocol::Channel::Chat,
            status: pupitre_protocol::ChosenStatus::Available,
        },
    )
    .await;
    let (mut visitor, welcome) = VisitorConn::connect(&hub.url, PROJECT, None, None)
        .await
        .unwrap();
    let VisitorServerFrame::Welcome { token, .. } = welcome else {
        panic!()
    };
    let mut sent = vec![];
    for i in 0..5 {
        let client_id = cid();
        let text = format!("before the crash {i}");
        visitor
            .send(
                &pupitre_protocol::visitor::VisitorClientFrame::SendMessage {
                    client_id,
                    text: text.clone(),
                },
            )
            .await
            .unwrap();
        loop {
            match tokio::time::timeout(WAIT, visitor.recv())
                .await
                .unwrap()
                .unwrap()
            {
                VisitorServerFrame::Ack { client_id: id } if id == client_id => break,
                VisitorServerFrame::Error(e) => panic!("{e:?}"),
                _ => {}
            }
        }
        sent.push(text);
    }
    let conv = loop {
        if let AgentServerFrame::Event {
            event: AgentEvent::ConversationAssigned { conversation, .. },
            ..
        } = tokio::time::timeout(WAIT, alice.recv())
            .await
            .unwrap()
            .unwrap()
        {
            break conversation.reference;
        }
    };
    ack_agent(
        &mut alice,
        AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: conv.clone(),
            text: "on it".into(),
        },
    )
    .await;
    sent.push("on it".into());
    // A kept pause that ends shortly after the hub is back.
    let until = now_ms() + 6_000;
    ack_agent(
        &mut alice,
        AgentClientFrame::Snooze {
            client_id: cid(),
            conversation: conv.clone(),
            until,
            keep: true,
        },
    )
    .await;
    while alice.recv_timeout(QUIET).await.unwrap().is_some() {}
    let last_seq = alice.last_seq;

    // Crash.
    hub.child.kill().unwrap();
    hub.child.wait().unwrap();
    let mut hub = spawn_hub(&setup.db_arg());

    // The session and the visitor's identity survive; the history has every acknowledged message.
    let (mut alice, welcome) = AgentConn::connect(&hub.url, &session.access_token, last_seq)
        .await
        .unwrap();
    assert!(
        matches!(welcome, AgentServerFrame::Welcome { desk: None, .. }),
        "{welcome:?}"
    );
    let (_v, welcome) = VisitorConn::connect(&hub.url, PROJECT, Some(token), None)
        .await
        .unwrap();
    let VisitorServerFrame::Welcome {
        history: Some(history),
        ..
    } = welcome
    else {
        panic!("no history")
    };
    let texts: Vec<String> = history[0]
        .messages
        .iter()
        .filter_map(text_of)
        .map(String::from)
        .collect();
    assert_eq!(texts, sent);

    // The kept pause ends at its time, on the restarted hub, and comes back to Alice, who is
    // still available (her status survived the crash too).
    let started = Instant::now();
    let (cause, at) = loop {
        let left = Duration::from_secs(15).saturating_sub(started.elapsed());
        let frame = tokio::time::timeout(left, alice.recv())
            .await
            .expect("the pause ended")
            .unwrap();
        if let AgentServerFrame::Event {
            event:
                AgentEvent::ConversationAssigned {
                    conversation,
                    cause,
                },
            ..
        } = frame
        {
            assert_eq!(conversation.reference, conv);
            break (cause, now_ms());
        }
    };
    assert_eq!(cause, AssignCause::SnoozeWake);
    assert!(at >= until, "woke {} ms early", until - at);
    assert!(at < until + 3_000, "woke {} ms late", at - until);
    hub.child.kill().unwrap();
    hub.child.wait().unwrap();
}
