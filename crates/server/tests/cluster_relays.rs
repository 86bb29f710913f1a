//! Issue 14: what needs a project's writer works through any node of a cluster. On a node that
//! does not own the project, the writer's HTTP routes are forwarded to the owner (an upload,
//! the agents' live availability; one hop only, `unavailable` otherwise) and a co-browsing
//! socket is relayed to the node holding its session, frames and close codes unchanged.

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures_util::{SinkExt as _, StreamExt as _};
use pupitre_protocol::agent::{AgentClientFrame, AgentServerFrame};
use pupitre_protocol::cobrowse::{
    AgentCobrowse, CobrowsePhase, FLAG_FULL, RelayNotice, RelaySide, VisitorCobrowse,
};
use pupitre_protocol::visitor::{VisitorClientFrame, VisitorEvent, VisitorServerFrame};
use pupitre_protocol::{Availability, Body, Message};
use pupitre_server::admin;
use pupitre_server::api::team::AgentInfo;
use pupitre_server::client::{AgentConn, VisitorConn, login, ws_base};
use tokio_tungstenite::tungstenite::Message as Ws;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The url of `TEST`'s owner once each project is owned by a node of its own.
fn owner_of_test(db: &str, projects: usize) -> String {
    balanced(db, projects)
        .into_iter()
        .find(|(p, _, _)| *p == 1)
        .unwrap()
        .1
}

/// `TEST` with Alice, and a second project: each on a node of its own.
fn two_projects(server: &pupitre_server::pg_server::PgServer) -> Setup {
    let setup = setup_on(Some(server), &[("alice@test", &["Sales"], 3)], |_| {});
    let mut store = setup.location.open().unwrap();
    admin::create_project(store.as_mut(), "P2", "P2").unwrap();
    setup
}

/// An agent connected through `node`, once welcomed: right after the balance the owner may not
/// serve the project yet, and the relaying node says "reconnect".
async fn agent_on(node: &str, email: &str) -> Agent {
    let session = login(node, email, PASSWORD).await.unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok((conn, welcome @ AgentServerFrame::Welcome { .. })) =
            AgentConn::connect(node, &session.access_token, None).await
        {
            return Agent {
                conn,
                pending: Default::default(),
                id: session.agent_id,
                token: session.access_token,
                welcome,
            };
        }
        assert!(Instant::now() < deadline, "the agent was not welcomed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// As [`agent_on`], a new visitor of `TEST`.
async fn visitor_on(node: &str) -> Visitor {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok((conn, welcome)) = VisitorConn::connect(node, PROJECT, None, None).await
            && let VisitorServerFrame::Welcome { token, .. } = &welcome
        {
            return Visitor {
                token: token.clone(),
                conn,
                pending: Default::default(),
                welcome,
            };
        }
        assert!(Instant::now() < deadline, "the visitor was not welcomed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn relay(node: &str, key: &str, side: RelaySide) -> Socket {
    open_relay(&ws_base(node), key, side).await
}

/// The next frame of a relay socket: a notice, a page frame's events, or how it closed.
#[derive(Debug, PartialEq)]
enum Relayed {
    Notice(RelayNotice),
    Data(String),
    Closed(Option<u16>),
}

async fn next(ws: &mut Socket) -> Relayed {
    loop {
        match tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame in time")
        {
            Some(Ok(Ws::Text(t))) => return Relayed::Notice(serde_json::from_str(&t).unwrap()),
            Some(Ok(Ws::Binary(b))) => {
                return Relayed::Data(String::from_utf8_lossy(&b[1..]).into_owned());
            }
            Some(Ok(Ws::Close(frame))) => return Relayed::Closed(frame.map(|f| f.code.into())),
            Some(Ok(_)) => {}
            None | Some(Err(_)) => return Relayed::Closed(None),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_writers_routes_and_cobrowsing_work_through_any_node() {
    let Some(server) = postgres_or_skip() else {
        return;
    };
    // A second project on another node: a co-browsing key naming it is relayed to its owner.
    let setup = two_projects(&server);
    let db = setup.db_arg();
    let nodes: Vec<HubProcess> = (0..3).map(|_| spawn_hub(&db)).collect();
    let owner = owner_of_test(&db, 2);
    let others: Vec<&str> = nodes
        .iter()
        .map(|n| n.url.as_str())
        .filter(|url| *url != owner)
        .collect();
    let [a, b] = others[..] else {
        panic!("{others:?}")
    };

    // Alice on one node, the visitor on the other: both relayed to the owner.
    let mut alice = agent_on(a, "alice@test").await;
    alice.available().await;
    let mut v = visitor_on(b).await;
    v.say("Can you look at my cart?").await;
    let reference = alice.assigned().await;

    // Her live availability is the owner's writer's: asked of another node, it is forwarded.
    let http = reqwest::Client::new();
    let agents = http
        .get(format!("{a}/api/agents"))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(agents.status(), 200);
    let agents: Vec<AgentInfo> = agents.json().await.unwrap();
    assert_eq!(agents.len(), 1);
    assert_eq!(agents[0].availability, Availability::Available);
    // Forwarded once only: a request forwarded already is asked to come back.
    let again = http
        .get(format!("{a}/api/agents"))
        .bearer_auth(&alice.token)
        .header("x-pupitre-relayed", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 503);
    assert_eq!(again.headers()["retry-after"], "1");
    let refused: serde_json::Value = again.json().await.unwrap();
    assert_eq!(refused["code"], "unavailable");

    // An upload to a node that does not own the project reaches the visitor and is stored.
    let sent = http
        .post(format!(
            "{b}/api/conversations/{reference}/files?name=order.txt"
        ))
        .bearer_auth(&alice.token)
        .header("content-type", "text/plain")
        .body("order 1042")
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let sent: Message = sent.json().await.unwrap();
    let Body::File { file } = &sent.body else {
        panic!("{sent:?}")
    };
    let seen = v
        .wait_event(|e| match e {
            VisitorEvent::Message { message } => match &message.body {
                Body::File { file } => Some(file.clone()),
                _ => None,
            },
            _ => None,
        })
        .await;
    assert_eq!(&seen, file);
    let got = http
        .get(format!("{a}/api/files/{}", file.id))
        .header("x-pupitre-visitor", &v.token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.text().await.unwrap(), "order 1042");

    // Co-browsing: the session lives on the owner; the view and the page reach it from the
    // two other nodes.
    alice
        .conn
        .send(&AgentClientFrame::Cobrowse {
            conversation: reference.clone(),
            action: AgentCobrowse::Ask,
        })
        .await
        .unwrap();
    v.wait_frame(|f| match f {
        VisitorServerFrame::Cobrowse(s) if s.phase == CobrowsePhase::Asked => Some(()),
        _ => None,
    })
    .await;
    v.conn
        .send(&VisitorClientFrame::Cobrowse {
            conversation: reference.clone(),
            action: VisitorCobrowse::Accept,
        })
        .await
        .unwrap();
    let key = v
        .wait_frame(|f| match f {
            VisitorServerFrame::Cobrowse(s) if s.phase == CobrowsePhase::Running => s.relay.clone(),
            _ => None,
        })
        .await;
    let mut view = relay(a, &key, RelaySide::Agent).await;
    assert_eq!(
        next(&mut view).await,
        Relayed::Notice(RelayNotice::VisitorAway),
        "the view is in the session, the page not yet"
    );
    let mut page = relay(b, &key, RelaySide::Visitor).await;
    let mut full = vec![FLAG_FULL];
    full.extend_from_slice(br#"[{"type":2,"n":"full"}]"#);
    page.send(Ws::binary(full)).await.unwrap();
    assert_eq!(
        next(&mut view).await,
        Relayed::Data(r#"[{"type":2,"n":"full"}]"#.into())
    );
    view.send(Ws::text(r#"{"type":"checkout"}"#)).await.unwrap();
    assert_eq!(
        next(&mut page).await,
        Relayed::Notice(RelayNotice::Checkout)
    );

    // A session no node holds: closed as a single hub closes it (the widget stops trying).
    let mut stranger = relay(b, "0123456789abcdef0123456789abcdef", RelaySide::Agent).await;
    assert_eq!(next(&mut stranger).await, Relayed::Closed(Some(4404)));
    // One naming a project but unknown to it, on every node (the project's owner, a node
    // relaying it there), or naming no project: closed the same way.
    for node in nodes.iter().map(|n| n.url.as_str()) {
        for project in [1, 2, 99] {
            let key = format!("{project}.0123456789abcdef0123456789abcdef");
            let mut stranger = relay(node, &key, RelaySide::Agent).await;
            assert_eq!(
                next(&mut stranger).await,
                Relayed::Closed(Some(4404)),
                "{key} on {node}"
            );
        }
    }

    // Alice stops: both sides are told, and closed as the owner closes them.
    alice
        .conn
        .send(&AgentClientFrame::Cobrowse {
            conversation: reference.clone(),
            action: AgentCobrowse::Stop,
        })
        .await
        .unwrap();
    for socket in [&mut view, &mut page] {
        assert_eq!(
            next(socket).await,
            Relayed::Notice(RelayNotice::Ended {
                reason: "stopped_by_agent".into()
            })
        );
        assert_eq!(next(socket).await, Relayed::Closed(Some(1000)));
    }
}

/// A visitor of `TEST` connected to `node` from the loopback address `source`, once welcomed
/// (right after the balance the owner may not serve the project yet: "reconnect").
async fn visitor_from(node: &str, source: [u8; 4]) {
    let addr: std::net::SocketAddr = node.trim_start_matches("http://").parse().unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket
            .bind((std::net::Ipv4Addr::from(source), 0).into())
            .unwrap();
        let stream = socket.connect(addr).await.unwrap();
        let (mut ws, _) =
            tokio_tungstenite::client_async(format!("ws://{addr}/ws/visitor"), stream)
                .await
                .unwrap();
        let hello = VisitorClientFrame::Hello {
            version: pupitre_protocol::PROTOCOL_VERSION,
            project: PROJECT.into(),
            token: None,
            last_seq: None,
            language: None,
            page: None,
        };
        ws.send(Ws::text(serde_json::to_string(&hello).unwrap()))
            .await
            .unwrap();
        let answer = tokio::time::timeout(WAIT, ws.next()).await.unwrap();
        match answer {
            Some(Ok(Ws::Text(t))) if t.contains(r#""type":"welcome""#) => {
                // Kept open: the owner counts it until the end of the test.
                std::mem::forget(ws);
                return;
            }
            Some(Ok(Ws::Close(Some(frame)))) if u16::from(frame.code) == 1012 => {}
            other => panic!("{source:?}: {other:?}"),
        }
        assert!(Instant::now() < deadline, "{source:?}: not welcomed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A node relaying visitors vouches for their addresses: the owner counts its per-address
/// limit on theirs, not on the relaying node's, which every visitor it relays shares (before,
/// the owner refused the relaying node's visitors beyond the limit with 1013).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relayed_visitors_count_under_their_own_addresses() {
    let Some(server) = postgres_or_skip() else {
        return;
    };
    let setup = two_projects(&server);
    let db = setup.db_arg();
    let flags = ["--max-visitor-connections-per-address", "2"];
    let nodes: Vec<HubProcess> = (0..2).map(|_| spawn_hub_with(&db, &flags)).collect();
    let owner = owner_of_test(&db, 2);
    let other = nodes.iter().find(|n| n.url != owner).unwrap().url.clone();
    // Five visitors from three addresses, two at most from each: all through the node that
    // does not own their project, all welcomed by the owner.
    for source in [2, 3, 4, 2, 3] {
        visitor_from(&other, [127, 0, 0, source]).await;
    }
}
