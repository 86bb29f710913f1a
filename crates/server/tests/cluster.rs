//! Issue 14: three hubs on one PostgreSQL database. Each project is owned by one node; clients
//! reach any node and are relayed to the owner; when the owner is killed (SIGKILL), another
//! node takes the project over and the clients' resumes are exact (R12): nothing acknowledged
//! lost, a message sent again with its client id stored once, the conversation still on its
//! agent's desk, and a snooze due after the kill wakes on the new owner on time (a timer at
//! most the cluster's tick + 1 s late).

mod common;

use std::time::{Duration, Instant};

use common::*;
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent, AgentServerFrame, AssignCause, Role};
use pupitre_protocol::visitor::{VisitorClientFrame, VisitorServerFrame};
use pupitre_protocol::{Author, Body, Channel, ChosenStatus};
use pupitre_server::admin::{self, NewAgentRequest};
use pupitre_server::client::{AgentConn, VisitorConn};
use pupitre_server::store::postgres::ownership;

/// How long a node's death may take to be over for a client (the takeover goal, 3 s,
/// plus a loaded test machine's margin).
const TAKEOVER: Duration = Duration::from_secs(8);

/// Connects (again) until welcomed: a node that lost the project says "reconnect" (1012).
async fn agent_until_welcome(url: &str, token: &str, last_seq: Option<i64>) -> AgentConn {
    let deadline = Instant::now() + TAKEOVER;
    loop {
        if let Ok((conn, AgentServerFrame::Welcome { .. })) =
            AgentConn::connect(url, token, last_seq).await
        {
            return conn;
        }
        assert!(Instant::now() < deadline, "the agent was not welcomed back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn visitor_until_welcome(
    url: &str,
    token: Option<String>,
    last_seq: Option<i64>,
) -> (VisitorConn, String) {
    let deadline = Instant::now() + TAKEOVER;
    loop {
        if let Ok((conn, VisitorServerFrame::Welcome { token, .. })) =
            VisitorConn::connect(url, PROJECT, token.clone(), last_seq).await
        {
            return (conn, token);
        }
        assert!(
            Instant::now() < deadline,
            "the visitor was not welcomed back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads the agent's frames until the visitor's `want` is among them (a new conversation
/// brings its messages with it). A snooze's wake-up seen meanwhile is noted in `woke` (the
/// wall clock's milliseconds then).
async fn agent_sees(conn: &mut AgentConn, want: &str, woke: &mut Option<i64>) {
    loop {
        let frame = tokio::time::timeout(WAIT, conn.recv())
            .await
            .unwrap_or_else(|_| panic!("the agent never saw {want:?}"))
            .unwrap();
        if let AgentServerFrame::Event {
            event:
                AgentEvent::ConversationAssigned {
                    cause: AssignCause::SnoozeWake,
                    ..
                },
            ..
        } = &frame
        {
            woke.get_or_insert(pupitre_server::clock::now_ms());
        }
        let messages = match &frame {
            AgentServerFrame::Event {
                event: AgentEvent::Message { message },
                ..
            } => vec![message.clone()],
            AgentServerFrame::Event {
                event: AgentEvent::ConversationAssigned { conversation, .. },
                ..
            } => conversation.messages.clone(),
            _ => vec![],
        };
        if messages.iter().any(|m| {
            matches!(m.author, Author::Visitor)
                && matches!(&m.body, Body::Text { text } if text == want)
        }) {
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_one_killed_its_project_taken_over_and_resumed_exactly() {
    let Some(server) = postgres_or_skip() else {
        return;
    };
    let setup = setup_on(Some(&server), &[("alice@test", &["Sales"], 3)], |_| {});
    let db = setup.db_arg();
    {
        let mut store = setup.location.open().unwrap();
        for code in ["P2", "P3"] {
            let p = admin::create_project(store.as_mut(), code, code).unwrap();
            admin::create_group(store.as_mut(), p, "Sales", None).unwrap();
            admin::create_agent(
                store.as_mut(),
                p,
                NewAgentRequest {
                    email: format!("agent@{code}"),
                    name: "Agent".into(),
                    password: PASSWORD.into(),
                    role: Role::Agent,
                    slot_max: Some(3),
                    groups: vec!["Sales".into()],
                },
            )
            .unwrap();
        }
    }
    let mut nodes: Vec<HubProcess> = (0..3).map(|_| spawn_hub(&db)).collect();
    let owners = balanced(&db, 3);
    let test_project = owners.iter().find(|(p, _, _)| *p == 1).unwrap().clone();
    let owner = nodes.iter().position(|n| n.url == test_project.1).unwrap();
    let others: Vec<String> = (0..3)
        .filter(|i| *i != owner)
        .map(|i| nodes[i].url.clone())
        .collect();

    // Alice on one node, the visitor on the other: both relayed to the owner.
    let session = pupitre_server::client::login(&others[0], "alice@test", PASSWORD)
        .await
        .unwrap();
    let mut alice = agent_until_welcome(&others[0], &session.access_token, None).await;
    ack_agent(
        &mut alice,
        AgentClientFrame::SetStatus {
            client_id: cid(),
            channel: Channel::Chat,
            status: ChosenStatus::Available,
        },
    )
    .await;
    let (mut visitor, token) = visitor_until_welcome(&others[1], None, None).await;
    let first = cid();
    ack_visitor(
        &mut visitor,
        VisitorClientFrame::SendMessage {
            client_id: first,
            text: "Bonjour, ma commande ?".into(),
        },
    )
    .await;
    let mut woke = None;
    agent_sees(&mut alice, "Bonjour, ma commande ?", &mut woke).await;
    // A second visitor's conversation, snoozed by Alice until a moment after the kill.
    let (mut snoozed_visitor, _) = visitor_until_welcome(&others[1], None, None).await;
    ack_visitor(
        &mut snoozed_visitor,
        VisitorClientFrame::SendMessage {
            client_id: cid(),
            text: "Rappelez-moi".into(),
        },
    )
    .await;
    let snoozed = loop {
        match tokio::time::timeout(WAIT, alice.recv())
            .await
            .unwrap()
            .unwrap()
        {
            AgentServerFrame::Event {
                event: AgentEvent::ConversationAssigned { conversation, .. },
                ..
            } if conversation
                .messages
                .iter()
                .any(|m| matches!(&m.body, Body::Text { text } if text == "Rappelez-moi")) =>
            {
                break conversation.reference;
            }
            _ => {}
        }
    };
    let until = pupitre_server::clock::now_ms() + 3_000;
    ack_agent(
        &mut alice,
        AgentClientFrame::Snooze {
            client_id: cid(),
            conversation: snoozed,
            until,
            keep: true,
        },
    )
    .await;
    // Everything that came is read: the resume starts from the last seq seen.
    while alice.recv_timeout(QUIET).await.unwrap().is_some() {}
    while visitor.recv_timeout(QUIET).await.unwrap().is_some() {}

    // The owner is killed.
    let killed = Instant::now();
    nodes[owner].child.kill().unwrap();
    nodes[owner].child.wait().unwrap();
    let (mut visitor, _) = visitor_until_welcome(&others[1], Some(token), visitor.last_seq).await;
    let visitor_back = killed.elapsed();
    let mut alice = agent_until_welcome(&others[0], &session.access_token, alice.last_seq).await;
    let alice_back = killed.elapsed();
    eprintln!(
        "takeover: the visitor welcomed back after {visitor_back:?}, the agent after {alice_back:?}"
    );

    // Sent again with its id: acknowledged, stored once. A new one reaches Alice, whose
    // conversation is still hers.
    ack_visitor(
        &mut visitor,
        VisitorClientFrame::SendMessage {
            client_id: first,
            text: "Bonjour, ma commande ?".into(),
        },
    )
    .await;
    ack_visitor(
        &mut visitor,
        VisitorClientFrame::SendMessage {
            client_id: cid(),
            text: "Toujours là ?".into(),
        },
    )
    .await;
    agent_sees(&mut alice, "Toujours là ?", &mut woke).await;
    // The snooze was due after the kill: the new owner loaded it and wakes it on time.
    while woke.is_none() {
        let frame = tokio::time::timeout(WAIT, alice.recv())
            .await
            .expect("the snoozed conversation never woke")
            .unwrap();
        if matches!(
            frame,
            AgentServerFrame::Event {
                event: AgentEvent::ConversationAssigned {
                    cause: AssignCause::SnoozeWake,
                    ..
                },
                ..
            }
        ) {
            woke = Some(pupitre_server::clock::now_ms());
        }
    }
    let late = woke.unwrap() - until;
    eprintln!("the snooze woke on the new owner {late} ms after its time");
    assert!(
        (-50..=1_200).contains(&late),
        "a timer at most the tick (200 ms) + 1 s late, never early: {late} ms"
    );

    let after = ownership::owners(&db).unwrap();
    let (_, new_owner, epoch) = after.iter().find(|(p, _, _)| *p == 1).unwrap();
    assert!(others.contains(new_owner), "{after:?}");
    assert!(*epoch > test_project.2, "the epoch moved: {after:?}");
    let mut store = setup.location.open().unwrap();
    let texts: Vec<String> = store
        .messages(1, 1)
        .unwrap()
        .iter()
        .filter(|m| matches!(m.message.author, Author::Visitor))
        .filter_map(|m| match &m.message.body {
            Body::Text { text } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["Bonjour, ma commande ?", "Toujours là ?"]);
    let conversation = store.conversation(1, 1).unwrap().unwrap();
    assert_eq!(
        conversation.record.agent(),
        Some(session.agent_id),
        "{conversation:?}"
    );
    for mut n in nodes {
        let _ = n.child.kill();
        let _ = n.child.wait();
    }
}
