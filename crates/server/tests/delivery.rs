//! R12 over real sockets: reconnect and resume with no gap and no duplicate; a resent frame is
//! applied once.

mod common;

use common::*;
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent, AgentServerFrame};
use pupitre_protocol::visitor::{VisitorClientFrame, VisitorEvent, VisitorServerFrame};
use pupitre_protocol::{Author, ConversationRef};
use pupitre_server::client::{AgentConn, VisitorConn};
use pupitre_server::store::StoreRead as _;

/// The texts of agent-side message events, in order.
fn agent_texts(frames: &[AgentServerFrame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| match f {
            AgentServerFrame::Event {
                event: AgentEvent::Message { message },
                ..
            } => text_of(message).map(String::from),
            _ => None,
        })
        .collect()
}

fn visitor_texts(frames: &[VisitorServerFrame], from_agent: bool) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| match f {
            VisitorServerFrame::Event {
                event: VisitorEvent::Message { message },
                ..
            } if matches!(message.author, Author::Agent { .. }) == from_agent => {
                text_of(message).map(String::from)
            }
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r12_reconnecting_clients_get_every_missed_event_once_in_order() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut visitor = visitor(&hub).await;
    visitor.say("first").await;
    let conv = alice
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned { conversation, .. } => {
                Some(conversation.reference.clone())
            }
            _ => None,
        })
        .await;
    alice.drain().await;

    // The agent drops while the visitor keeps writing (every message acknowledged = durable).
    let agent_seq = alice.conn.last_seq;
    let Agent { conn, token, .. } = alice;
    conn.close().await;
    for i in 0..20 {
        visitor.say(&format!("while you were away {i}")).await;
    }
    let (mut conn, welcome) = AgentConn::connect(&hub.ws_url(), &token, agent_seq)
        .await
        .unwrap();
    let AgentServerFrame::Welcome { desk, .. } = &welcome else {
        panic!("{welcome:?}")
    };
    assert!(
        desk.is_none(),
        "a resuming desk gets the missed events, not a snapshot"
    );
    let mut frames = vec![];
    while let Some(f) = conn.recv_timeout(QUIET).await.unwrap() {
        frames.push(f);
    }
    let expected: Vec<String> = (0..20)
        .map(|i| format!("while you were away {i}"))
        .collect();
    assert_eq!(
        agent_texts(&frames),
        expected,
        "every missed message, once, in order"
    );
    let seqs: Vec<i64> = frames
        .iter()
        .filter_map(|f| match f {
            AgentServerFrame::Event { seq, .. } => Some(*seq),
            _ => None,
        })
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "seqs strictly increase: {seqs:?}"
    );
    assert!(
        seqs.iter().all(|s| Some(*s) > agent_seq),
        "nothing already seen is replayed"
    );

    // The visitor drops while the agent writes.
    let visitor_seq = visitor.conn.last_seq;
    visitor.drain().await;
    let visitor_seq = visitor.conn.last_seq.max(visitor_seq);
    let token = visitor.token.clone();
    visitor.conn.close().await;
    for i in 0..20 {
        let frame = AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: conv.clone(),
            text: format!("answer {i}"),
        };
        conn.send(&frame).await.unwrap();
        loop {
            match conn.recv().await.unwrap() {
                AgentServerFrame::Ack { .. } => break,
                AgentServerFrame::Error(e) => panic!("{e:?}"),
                _ => {}
            }
        }
    }
    let (mut vconn, welcome) =
        VisitorConn::connect(&hub.ws_url(), PROJECT, Some(token.clone()), visitor_seq)
            .await
            .unwrap();
    let VisitorServerFrame::Welcome { history, .. } = &welcome else {
        panic!("{welcome:?}")
    };
    assert!(
        history.is_none(),
        "a resuming widget gets the missed events, not the history"
    );
    let mut frames = vec![];
    while let Some(f) = vconn.recv_timeout(QUIET).await.unwrap() {
        frames.push(f);
    }
    let expected: Vec<String> = (0..20).map(|i| format!("answer {i}")).collect();
    assert_eq!(visitor_texts(&frames, true), expected);

    // A frame resent after a reconnect (same client id) is acknowledged and applied once.
    let client_id = cid();
    let again = VisitorClientFrame::SendMessage {
        client_id,
        text: "sent twice".into(),
    };
    for _ in 0..2 {
        vconn.send(&again).await.unwrap();
        loop {
            match vconn.recv().await.unwrap() {
                VisitorServerFrame::Ack { client_id: id } if id == client_id => break,
                VisitorServerFrame::Error(e) => panic!("{e:?}"),
                _ => {}
            }
        }
    }
    let frames = {
        let mut v = vec![];
        while let Some(f) = conn.recv_timeout(QUIET).await.unwrap() {
            v.push(f);
        }
        v
    };
    assert_eq!(agent_texts(&frames), ["sent twice"], "applied once");
    let stored = hub
        .hub
        .with_store(|s| {
            let p = s.project_by_code(PROJECT).unwrap().unwrap();
            s.messages(p.id, ConversationRef::parse(&conv).unwrap().1)
                .unwrap()
        })
        .into_iter()
        .filter(|m| text_of(&m.message) == Some("sent twice"))
        .count();
    assert_eq!(stored, 1);
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r12_acknowledged_means_durable_in_the_file() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, false).await;
    let mut visitor = visitor(&hub).await;
    // 30: within a visitor's burst allowance (the rate limit has its own test).
    for i in 0..30 {
        visitor.say(&format!("m{i}")).await;
    }
    // Read the file through a separate connection while the hub still runs.
    let mut other = pupitre_server::store::SqliteStore::open(&setup.db).unwrap();
    use pupitre_server::store::Store;
    let p = other.project_by_code(PROJECT).unwrap().unwrap();
    let texts: Vec<String> = other
        .messages(p.id, 1)
        .unwrap()
        .iter()
        .filter_map(|m| text_of(&m.message).map(String::from))
        .collect();
    let expected: Vec<String> = (0..30).map(|i| format!("m{i}")).collect();
    assert_eq!(texts, expected);
    hub.stop().await.unwrap();
}

/// Issue 8, bug 2: a replay longer than a connection's outbound queue (1,024) was cut short
/// and the client moved past the holes. 4,000 missed events arrive, all, in order; a client
/// cut in the middle of the replay stores what it really got and resumes from there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r12_a_resume_4000_events_behind_loses_none_even_cut_mid_replay() {
    use pupitre_server::store::{Batch, SqliteStore, Store};
    const MISSED: i64 = 4_000;
    let s = setup(&[("ann@test.test", &["Sales"], 3)], |_| {});
    let agent_id = {
        let mut store = SqliteStore::open(&s.db).unwrap();
        let row = store.agent_by_email("ann@test.test").unwrap().unwrap();
        let event =
            serde_json::to_string(&AgentEvent::SlotLimitChanged { limit: 3, max: 3 }).unwrap();
        let batch = Batch {
            events: (1..=MISSED)
                .map(|seq| (format!("a:{}", row.id), seq, event.clone()))
                .collect(),
            ..Default::default()
        };
        store.commit(row.project_id, &batch).unwrap();
        row.id
    };
    let hub = start(&s, false).await;
    let session = pupitre_server::client::login(&hub.http_url(), "ann@test.test", PASSWORD)
        .await
        .unwrap();
    assert_eq!(session.agent_id, agent_id);
    let events = |frames: &[AgentServerFrame]| -> Vec<i64> {
        frames
            .iter()
            .filter_map(|f| match f {
                AgentServerFrame::Event { seq, .. } => Some(*seq),
                _ => None,
            })
            .collect()
    };
    // The whole replay.
    let (mut conn, welcome) = AgentConn::connect(&hub.ws_url(), &session.access_token, Some(0))
        .await
        .unwrap();
    assert!(
        matches!(
            welcome,
            AgentServerFrame::Welcome {
                seq: 0,
                desk: None,
                ..
            }
        ),
        "a resume: the welcome's seq is the hello's, no snapshot: {welcome:?}"
    );
    let mut frames = vec![];
    while frames.len() < MISSED as usize {
        match conn.recv_timeout(WAIT).await.unwrap() {
            Some(f) => frames.push(f),
            None => break,
        }
    }
    assert_eq!(events(&frames), (1..=MISSED).collect::<Vec<_>>());
    conn.close().await;

    // Cut after 1,500: the client stored the welcome's seq, then each event's.
    let (mut conn, _) = AgentConn::connect(&hub.ws_url(), &session.access_token, Some(0))
        .await
        .unwrap();
    let mut got = vec![];
    while got.len() < 1_500 {
        got.push(conn.recv().await.unwrap());
    }
    let resume = conn.last_seq;
    assert_eq!(resume, Some(1_500));
    drop(conn);
    let (mut conn, _) = AgentConn::connect(&hub.ws_url(), &session.access_token, resume)
        .await
        .unwrap();
    let mut rest = vec![];
    while rest.len() < (MISSED - 1_500) as usize {
        match conn.recv_timeout(WAIT).await.unwrap() {
            Some(f) => rest.push(f),
            None => break,
        }
    }
    assert_eq!(events(&rest), (1_501..=MISSED).collect::<Vec<_>>());
    hub.stop().await.unwrap();
}
