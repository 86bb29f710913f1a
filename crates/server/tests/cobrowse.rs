//! Co-browsing through a real hub (issue 11; SPEC D5, C1, C3): the agent asks, the visitor
//! consents, the page's frames go through the relay to the agent's view (a view that joins late
//! starts from the latest full snapshot), guiding needs its own consent and stays on the
//! brand's site, and the session ends on Stop from either side, on close or transfer, and when
//! the admin switches it off. The relay keeps nothing: the database never holds a frame.

mod common;

use std::time::Duration;

use common::*;
use futures_util::{SinkExt as _, StreamExt as _};
use pupitre_protocol::ConversationRef;
use pupitre_protocol::ErrorCode;
use pupitre_protocol::agent::Role;
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent, AgentServerFrame, TransferTarget};
use pupitre_protocol::cobrowse::{
    AgentCobrowse, CobrowseEnd, CobrowsePhase, CobrowseState, FLAG_FULL, Guide, Guiding,
    RelayNotice, RelaySide, VisitorCobrowse,
};
use pupitre_protocol::visitor::{VisitorClientFrame, VisitorServerFrame};
use pupitre_server::RunningHub;
use pupitre_server::admin::Audited;
use pupitre_server::audit::Actor;
use pupitre_server::store::{SqliteStore, Store as _};
use tokio_tungstenite::tungstenite::Message as Ws;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn relay(hub: &RunningHub, key: &str, side: RelaySide) -> Socket {
    open_relay(&hub.ws_url(), key, side).await
}

fn page_frame(flags: u8, events: &str) -> Ws {
    let mut bytes = vec![flags];
    bytes.extend_from_slice(events.as_bytes());
    Ws::binary(bytes)
}

/// The next data frame's events, skipping notices.
async fn next_data(ws: &mut Socket) -> String {
    loop {
        match tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame in time")
        {
            Some(Ok(Ws::Binary(b))) => return String::from_utf8_lossy(&b[1..]).into_owned(),
            Some(Ok(_)) => {}
            other => panic!("the relay closed: {other:?}"),
        }
    }
}

/// The next notice, skipping data.
async fn next_notice(ws: &mut Socket) -> Option<RelayNotice> {
    loop {
        match tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame in time")
        {
            Some(Ok(Ws::Text(t))) => return Some(serde_json::from_str(&t).unwrap()),
            Some(Ok(Ws::Binary(_) | Ws::Ping(_) | Ws::Pong(_))) => {}
            _ => return None,
        }
    }
}

/// Whether the relay tells this socket the session ended (skipping other notices) and closes.
async fn told_ended(ws: &mut Socket) -> bool {
    loop {
        match next_notice(ws).await {
            Some(RelayNotice::Ended { .. }) => return true,
            Some(_) => {}
            None => return false,
        }
    }
}

/// The first state the agent is told that matches `want`, skipping earlier ones.
async fn agent_state(alice: &mut Agent, want: impl Fn(&CobrowseState) -> bool) -> CobrowseState {
    alice
        .wait_frame(|f| match f {
            AgentServerFrame::Cobrowse(s) if want(s) => Some(s.clone()),
            _ => None,
        })
        .await
}

async fn visitor_state(v: &mut Visitor, want: impl Fn(&CobrowseState) -> bool) -> CobrowseState {
    v.wait_frame(|f| match f {
        VisitorServerFrame::Cobrowse(s) if want(s) => Some(s.clone()),
        _ => None,
    })
    .await
}

fn phase(p: CobrowsePhase) -> impl Fn(&CobrowseState) -> bool {
    move |s| s.phase == p
}

fn ask(reference: &ConversationRef, action: AgentCobrowse) -> AgentClientFrame {
    AgentClientFrame::Cobrowse {
        conversation: reference.clone(),
        action,
    }
}

fn answer(reference: &ConversationRef, action: VisitorCobrowse) -> VisitorClientFrame {
    VisitorClientFrame::Cobrowse {
        conversation: reference.clone(),
        action,
    }
}

async fn conversation(alice: &mut Agent, v: &mut Visitor) -> ConversationRef {
    v.say("Hello, can you look at my cart?").await;
    alice
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned { conversation, .. } => {
                Some(conversation.reference.clone())
            }
            _ => None,
        })
        .await
}

/// Alice asks, the visitor accepts: the relay's key.
async fn running(alice: &mut Agent, v: &mut Visitor, reference: &ConversationRef) -> String {
    alice
        .conn
        .send(&ask(reference, AgentCobrowse::Ask))
        .await
        .unwrap();
    let asked = visitor_state(v, phase(CobrowsePhase::Asked)).await;
    let AgentServerFrame::Welcome { agent: me, .. } = &alice.welcome else {
        panic!("no welcome")
    };
    assert_eq!(
        (asked.phase, asked.agent.as_str(), asked.relay.as_deref()),
        (CobrowsePhase::Asked, me.name.as_str(), None),
        "the visitor is asked, by name, and has no relay yet"
    );
    agent_state(alice, phase(CobrowsePhase::Asked)).await;
    v.conn
        .send(&answer(reference, VisitorCobrowse::Accept))
        .await
        .unwrap();
    let on = visitor_state(v, phase(CobrowsePhase::Running)).await;
    let seen = agent_state(alice, phase(CobrowsePhase::Running)).await;
    assert_eq!(seen.relay, on.relay, "both sides hold the same relay");
    on.relay.expect("a relay while it runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c1_c3_consent_relay_guiding_and_stop() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |s| {
        s.cobrowse.site_origins = vec!["https://shop.example".into()];
    });
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    let reference = conversation(&mut alice, &mut v).await;

    // Nothing to answer before the agent asks; guiding not before sharing.
    let early = v.refused(answer(&reference, VisitorCobrowse::Accept)).await;
    assert_eq!(early.code, ErrorCode::InvalidState);
    let key = running(&mut alice, &mut v, &reference).await;
    let twice = alice.refused(ask(&reference, AgentCobrowse::Ask)).await;
    assert_eq!(twice.code, ErrorCode::Conflict);

    // The page sends; a stranger's key opens nothing.
    let mut stranger = relay(&hub, "0123456789abcdef0123456789abcdef", RelaySide::Agent).await;
    assert!(next_notice(&mut stranger).await.is_none(), "closed at once");
    let mut page = relay(&hub, &key, RelaySide::Visitor).await;
    page.send(page_frame(FLAG_FULL, r#"[{"type":2,"n":"full"}]"#))
        .await
        .unwrap();
    page.send(page_frame(0, r#"[{"type":3,"n":"scroll"}]"#))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A view that joins now starts from the full snapshot, then gets what follows, live.
    let mut view = relay(&hub, &key, RelaySide::Agent).await;
    assert!(next_data(&mut view).await.contains("full"));
    assert!(next_data(&mut view).await.contains("scroll"));
    page.send(page_frame(0, r#"[{"type":3,"n":"input ****"}]"#))
        .await
        .unwrap();
    assert!(next_data(&mut view).await.contains("input"));
    // A view that asks for a new snapshot gets it asked of the page.
    view.send(Ws::text(r#"{"type":"checkout"}"#)).await.unwrap();
    assert_eq!(next_notice(&mut page).await, Some(RelayNotice::Checkout));

    // Guiding needs its own consent and stays on the brand's site.
    let go = |url: &str| ask(&reference, AgentCobrowse::Navigate { url: url.into() });
    let not_yet = alice.refused(go("https://shop.example/pricing")).await;
    assert_eq!(not_yet.code, ErrorCode::InvalidState);
    alice
        .conn
        .send(&ask(&reference, AgentCobrowse::AskGuide))
        .await
        .unwrap();
    visitor_state(&mut v, |s| s.guiding == Guiding::Asked).await;
    v.conn
        .send(&answer(&reference, VisitorCobrowse::AcceptGuide))
        .await
        .unwrap();
    agent_state(&mut alice, |s| s.guiding == Guiding::Allowed).await;
    for bad in ["https://evil.example/", "javascript:alert(1)"] {
        let refused = alice.refused(go(bad)).await;
        assert_eq!(refused.code, ErrorCode::InvalidInput, "{bad}");
    }
    let nan = alice
        .refused(ask(
            &reference,
            AgentCobrowse::Point {
                x: f64::NAN,
                y: 1.0,
            },
        ))
        .await;
    assert_eq!(nan.code, ErrorCode::InvalidInput);
    alice
        .conn
        .send(&go("https://shop.example/pricing"))
        .await
        .unwrap();
    let guide = v
        .wait_frame(|f| match f {
            VisitorServerFrame::CobrowseGuide { guide, .. } => Some(guide.clone()),
            _ => None,
        })
        .await;
    assert_eq!(
        guide,
        Guide::Navigate {
            url: "https://shop.example/pricing".into()
        }
    );

    // The visitor's next page (a new connection) is told the session runs.
    let mut next_page = visitor_with(&hub, Some(v.token.clone()), None).await;
    let resumed = visitor_state(&mut next_page, |_| true).await;
    assert_eq!(resumed.relay.as_deref(), Some(key.as_str()));

    // The visitor stops: both sides are told why, the relay closes on both ends.
    v.conn
        .send(&answer(&reference, VisitorCobrowse::Stop))
        .await
        .unwrap();
    let ended = agent_state(&mut alice, phase(CobrowsePhase::Ended)).await;
    assert_eq!(
        (ended.phase, ended.end, ended.relay),
        (
            CobrowsePhase::Ended,
            Some(CobrowseEnd::StoppedByVisitor),
            None
        )
    );
    assert_eq!(
        next_notice(&mut view).await,
        Some(RelayNotice::Ended {
            reason: "stopped_by_visitor".into()
        })
    );
    assert!(told_ended(&mut page).await);
    assert_eq!(hub.hub.relays.live(), 0);
    hub.stop().await.unwrap();

    // C3: no frame ever reached the database.
    let mut bytes = std::fs::read(&setup.db).unwrap();
    if let Ok(wal) = std::fs::read(setup.db.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    for canary in ["scroll", "input ****", "\"full\""] {
        assert!(
            !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
            "{canary} is in the database"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c1_declined_too_large_transferred_or_switched_off_it_ends() {
    let setup = setup(
        &[("alice@test", &["Sales"], 3), ("bob@test", &["Sales"], 3)],
        |_| {},
    );
    add_account(&setup.db, PROJECT, "root@test", Role::Admin, &[]);
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    let reference = conversation(&mut alice, &mut v).await;

    // Declined.
    alice
        .conn
        .send(&ask(&reference, AgentCobrowse::Ask))
        .await
        .unwrap();
    visitor_state(&mut v, phase(CobrowsePhase::Asked)).await;
    v.conn
        .send(&answer(&reference, VisitorCobrowse::Decline))
        .await
        .unwrap();
    let declined = agent_state(&mut alice, phase(CobrowsePhase::Ended)).await;
    visitor_state(&mut v, phase(CobrowsePhase::Ended)).await;
    assert_eq!(declined.end, Some(CobrowseEnd::Declined));

    // The page is too large to share: it says so, and the agent is told why.
    running(&mut alice, &mut v, &reference).await;
    v.conn
        .send(&answer(&reference, VisitorCobrowse::TooLarge))
        .await
        .unwrap();
    let big = agent_state(&mut alice, phase(CobrowsePhase::Ended)).await;
    assert_eq!(big.end, Some(CobrowseEnd::TooLarge));
    visitor_state(&mut v, phase(CobrowsePhase::Ended)).await;

    // Transferred: the session ends with the conversation's move.
    let key = running(&mut alice, &mut v, &reference).await;
    let mut view = relay(&hub, &key, RelaySide::Agent).await;
    let mut bob = agent(&hub, "bob@test").await;
    bob.available().await;
    alice
        .request(AgentClientFrame::Transfer {
            client_id: cid(),
            conversation: reference.clone(),
            to: TransferTarget::Agent { id: bob.id },
            comment: None,
            anyway: false,
        })
        .await;
    let moved = visitor_state(&mut v, phase(CobrowsePhase::Ended)).await;
    assert_eq!(moved.end, Some(CobrowseEnd::ConversationMoved));
    assert!(told_ended(&mut view).await);

    // The admin switches co-browsing off: a running session ends, asking is forbidden.
    running(&mut bob, &mut v, &reference).await;
    {
        let mut store = SqliteStore::open(&setup.db).unwrap();
        let p = store.project_by_code(PROJECT).unwrap().unwrap().id;
        Audited::new(&mut store, p, Actor::operator())
            .set_setting_path("desk.cobrowse", "false")
            .unwrap();
    }
    let off = agent_state(&mut bob, phase(CobrowsePhase::Ended)).await;
    assert_eq!(off.end, Some(CobrowseEnd::SwitchedOff));
    let refused = bob.refused(ask(&reference, AgentCobrowse::Ask)).await;
    assert_eq!(refused.code, ErrorCode::Forbidden);
    assert_eq!(hub.hub.relays.live(), 0);
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m3_a_watching_manager_gets_a_second_view_of_the_page_and_nothing_more() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    add_account(&setup.db, PROJECT, "mona@test", Role::Manager, &["Sales"]);
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    let reference = conversation(&mut alice, &mut v).await;
    let key = running(&mut alice, &mut v, &reference).await;
    let mut page = relay(&hub, &key, RelaySide::Visitor).await;
    page.send(page_frame(FLAG_FULL, r#"[{"type":2,"n":"full"}]"#))
        .await
        .unwrap();
    // Mona starts watching while it runs: she is told of the session and its relay.
    let mut mona = agent(&hub, "mona@test").await;
    mona.watch(&reference).await;
    let seen = mona
        .wait_frame(|f| match f {
            AgentServerFrame::Cobrowse(s) => Some(s.clone()),
            _ => None,
        })
        .await;
    assert_eq!(
        (seen.phase, seen.relay.as_deref()),
        (CobrowsePhase::Running, Some(key.as_str()))
    );
    let mut view = relay(&hub, &key, RelaySide::Agent).await;
    assert!(next_data(&mut view).await.contains("full"));
    // She may not drive it: stopping or guiding is the agent's.
    mona.conn
        .send(&ask(&reference, AgentCobrowse::Stop))
        .await
        .unwrap();
    assert_eq!(mona.error().await.code, ErrorCode::Forbidden);
    // Alice stops: Mona is told it ended.
    alice
        .conn
        .send(&ask(&reference, AgentCobrowse::Stop))
        .await
        .unwrap();
    let ended = mona
        .wait_frame(|f| match f {
            AgentServerFrame::Cobrowse(s) if s.phase == CobrowsePhase::Ended => Some(s.clone()),
            _ => None,
        })
        .await;
    assert_eq!(ended.conversation, reference);
}
