//! Property-based fuzzing on stable Rust (issue 9), against a real hub: frames of every type
//! mutated from valid ones (fields dropped, added, or given values of any JSON kind and
//! size), the HTTP routes with bodies, methods and content types of any kind, and the
//! project settings mutated the same way. The properties: every answer is in the contract
//! (an ack, an event, or `{code, message}` with a code of `error.rs`; over HTTP never a 5xx);
//! a connection is only ever closed with a code and a reason; the hub keeps serving (each
//! round ends with a visitor welcomed and a ping answered).
//!
//! `PUPITRE_FUZZ_CASES` (default 150 per property: `make test`) and `PUPITRE_FUZZ_SEED`
//! (printed) size and replay a run; `make fuzz` runs 5,000 cases per property.

mod common;

use common::*;
use futures_util::{SinkExt as _, StreamExt as _};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use pupitre_protocol::agent::{AgentClientFrame, Role, TransferTarget};
use pupitre_protocol::visitor::{Page, VisitorClientFrame};
use pupitre_protocol::{Channel, ChosenStatus, ConversationRef, ErrorCode, Offer};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn cases() -> u32 {
    std::env::var("PUPITRE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150)
}

fn runner(name: &str) -> TestRunner {
    let seed: u64 = std::env::var("PUPITRE_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand_seed);
    eprintln!(
        "fuzz {name}: PUPITRE_FUZZ_SEED={seed} PUPITRE_FUZZ_CASES={}",
        cases()
    );
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRunner::new_with_rng(
        Config {
            cases: cases(),
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

fn rand_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// Any JSON value, leaning to the kinds and edges a handler meets.
fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just(0i64),
            Just(-1),
            Just(1),
            Just(5),
            Just(i64::MAX),
            Just(i64::MIN)
        ]
        .prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        "[a-z_]{1,12}".prop_map(Value::String),
        (1i64..6).prop_map(|n| json!(format!("{PROJECT}-{n}"))),
        Just(json!("x".repeat(70_000))),
        Just(json!("invoice\u{202E}gpj.exe")),
        Just(json!(uuid::Uuid::now_v7().to_string())),
        Just(json!("https://example.com/a")),
        Just(json!("a@example.com?bcc=x@evil.test")),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, Value),
    Remove(usize),
    Add(String, Value),
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(
        prop_oneof![
            3 => (any::<usize>(), any_value()).prop_map(|(i, v)| Mutation::Set(i, v)),
            1 => any::<usize>().prop_map(Mutation::Remove),
            1 => ("[a-z_]{1,10}", any_value()).prop_map(|(k, v)| Mutation::Add(k, v)),
        ],
        0..3,
    )
}

/// Every place in `v` a mutation may touch: JSON pointers to each member and element, at any
/// depth (so nested settings such as `routing.timeouts…` are reached too).
fn places(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                places(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                places(child, p, out);
            }
        }
        _ => {}
    }
}

/// `seed` with the mutations applied at any depth: a value replaced, a member removed, a
/// member added to an object.
fn mutate(seed: &Value, mutations: &[Mutation]) -> Value {
    let mut doc = seed.clone();
    for m in mutations {
        let mut all = vec![];
        places(&doc, String::new(), &mut all);
        match m {
            Mutation::Set(i, v) if !all.is_empty() => {
                if let Some(slot) = doc.pointer_mut(&all[i % all.len()]) {
                    *slot = v.clone();
                }
            }
            Mutation::Remove(i) if !all.is_empty() => {
                let p = &all[i % all.len()];
                let (parent, key) = p.rsplit_once('/').unwrap_or(("", p));
                let parent = if parent.is_empty() {
                    Some(&mut doc)
                } else {
                    doc.pointer_mut(parent)
                };
                match parent {
                    Some(Value::Object(o)) => {
                        o.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(a)) => {
                        if let Ok(i) = key.parse::<usize>()
                            && i < a.len()
                        {
                            a.remove(i);
                        }
                    }
                    _ => {}
                }
            }
            Mutation::Add(k, v) => {
                if let Value::Object(o) = &mut doc {
                    o.insert(k.clone(), v.clone());
                }
            }
            _ => {}
        }
    }
    doc
}

fn agent_seeds() -> Vec<Value> {
    let c = ConversationRef(format!("{PROJECT}-1"));
    let id = || uuid::Uuid::now_v7();
    let frames = [
        AgentClientFrame::SendMessage {
            client_id: id(),
            conversation: c.clone(),
            text: "hi".into(),
        },
        AgentClientFrame::SetStatus {
            client_id: id(),
            channel: Channel::Chat,
            status: ChosenStatus::Available,
        },
        AgentClientFrame::SetStatus {
            client_id: id(),
            channel: Channel::Chat,
            status: ChosenStatus::Optional("Lunch".into()),
        },
        AgentClientFrame::SetSlotLimit {
            client_id: id(),
            limit: 2,
        },
        AgentClientFrame::Snooze {
            client_id: id(),
            conversation: c.clone(),
            until: i64::MAX / 2,
            keep: true,
        },
        AgentClientFrame::Transfer {
            client_id: id(),
            conversation: c.clone(),
            to: TransferTarget::Group { id: 1 },
            comment: Some("x".into()),
            anyway: false,
        },
        AgentClientFrame::SendOffer {
            client_id: id(),
            conversation: c.clone(),
            offer: Offer {
                title: "T".into(),
                text: None,
                link: "https://example.com".into(),
                image: None,
            },
        },
        AgentClientFrame::Cobrowse {
            conversation: c.clone(),
            action: pupitre_protocol::cobrowse::AgentCobrowse::Ask,
        },
        AgentClientFrame::Cobrowse {
            conversation: c.clone(),
            action: pupitre_protocol::cobrowse::AgentCobrowse::Point { x: 1e300, y: -1.0 },
        },
        AgentClientFrame::SendSurvey {
            client_id: id(),
            conversation: c.clone(),
        },
        AgentClientFrame::RequestFile {
            client_id: id(),
            conversation: c.clone(),
        },
        AgentClientFrame::Close {
            client_id: id(),
            conversation: c.clone(),
            conversation_type: Some("Sale".into()),
        },
        AgentClientFrame::Ping,
    ];
    frames
        .iter()
        .map(|f| serde_json::to_value(f).unwrap())
        .collect()
}

fn visitor_seeds() -> Vec<Value> {
    let c = ConversationRef(format!("{PROJECT}-1"));
    let id = || uuid::Uuid::now_v7();
    let frames = [
        VisitorClientFrame::SendMessage {
            client_id: id(),
            text: "hello".into(),
        },
        VisitorClientFrame::Draft { text: "hel".into() },
        VisitorClientFrame::Navigate {
            client_id: id(),
            page: Page {
                url: "https://shop.example/a".into(),
                title: Some("A".into()),
            },
        },
        VisitorClientFrame::SetProfile {
            client_id: id(),
            name: Some("Ann".into()),
            email: Some("ann@example.com".into()),
        },
        VisitorClientFrame::Seen { up_to: 3 },
        VisitorClientFrame::AnswerSurvey {
            client_id: id(),
            conversation: c.clone(),
            score: Some(4),
            comment: None,
            answers: Default::default(),
        },
        VisitorClientFrame::Cobrowse {
            conversation: c.clone(),
            action: pupitre_protocol::cobrowse::VisitorCobrowse::Accept,
        },
        VisitorClientFrame::AnswerQuestionnaire {
            client_id: id(),
            answers: vec!["yes".into()],
        },
        VisitorClientFrame::Ping,
    ];
    frames
        .iter()
        .map(|f| serde_json::to_value(f).unwrap())
        .collect()
}

/// What the hub said after a frame and a ping.
enum Heard {
    Pong,
    /// The ping itself was refused for the rate: ask again later.
    SlowDown,
    /// Closed, with a code and a reason (checked).
    Closed,
}

/// Reads until a pong: every frame before it must be in the contract.
async fn until_pong(ws: &mut Ws) -> Heard {
    let mut slow_down = false;
    loop {
        let wait = if slow_down {
            std::time::Duration::from_millis(300)
        } else {
            WAIT
        };
        let Ok(next) = tokio::time::timeout(wait, ws.next()).await else {
            assert!(slow_down, "the hub answers within the wait");
            return Heard::SlowDown;
        };
        match next {
            Some(Ok(WsMessage::Text(text))) => {
                let v: Value = serde_json::from_str(&text).expect("JSON from the hub");
                match v["type"].as_str() {
                    Some("pong") => return Heard::Pong,
                    Some("error") => {
                        let code: Result<ErrorCode, _> = serde_json::from_value(v["code"].clone());
                        assert!(code.is_ok(), "an error outside the contract: {text}");
                        let code = code.unwrap();
                        assert!(
                            code != ErrorCode::Internal,
                            "the hub failed on a frame: {text}"
                        );
                        // A refused ping names no frame; the ping is the last thing sent.
                        if code == ErrorCode::RateLimited {
                            slow_down = true;
                        }
                    }
                    Some(_) => {}
                    None => panic!("a frame without a type: {text}"),
                }
            }
            Some(Ok(WsMessage::Close(Some(frame)))) => {
                assert!(!frame.reason.is_empty(), "a close has a reason");
                assert_ne!(
                    u16::from(frame.code),
                    1011,
                    "the hub failed: {}",
                    frame.reason
                );
                return Heard::Closed;
            }
            Some(Ok(WsMessage::Close(None))) | None => panic!("closed without a code"),
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("dropped without a close frame: {e}"),
        }
    }
}

async fn raw(url: String, hello: Value) -> Ws {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    ws.send(WsMessage::text(hello.to_string())).await.unwrap();
    ws
}

#[test]
fn fuzzed_frames_get_answers_in_the_contract_and_the_hub_keeps_serving() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = rt.block_on(start(&setup, false));
    let (token, alice_ws) = rt.block_on(async {
        let mut alice = agent(&hub, "alice@test").await;
        alice.available().await;
        let mut v = visitor(&hub).await;
        v.say("hello").await;
        alice.drain().await;
        let hello = json!({"type": "hello", "version": pupitre_protocol::PROTOCOL_VERSION, "token": alice.token, "last_seq": null});
        (alice.token.clone(), raw(format!("{}/ws/agent", hub.ws_url()), hello).await)
    });
    let agent_hello = |token: &str| json!({"type": "hello", "version": pupitre_protocol::PROTOCOL_VERSION, "token": token, "last_seq": null});
    let visitor_hello = json!({"type": "hello", "version": pupitre_protocol::PROTOCOL_VERSION, "project": PROJECT, "token": null, "last_seq": null});
    let visitor_ws = rt.block_on(raw(
        format!("{}/ws/visitor", hub.ws_url()),
        visitor_hello.clone(),
    ));
    let (agents, visitors) = (agent_seeds(), visitor_seeds());
    // The runner takes a `Fn`: the connections change behind locks.
    let (alice_ws, visitor_ws) = (
        tokio::sync::Mutex::new(alice_ws),
        tokio::sync::Mutex::new(visitor_ws),
    );
    let sent_to_visitor = std::cell::Cell::new(0);
    let strategy = (any::<bool>(), any::<usize>(), mutations());
    runner("frames")
        .run(&strategy, |(to_agent, which, muts)| {
            rt.block_on(async {
                // Visitors may send 10 frames a second: a fresh one now and then.
                if !to_agent {
                    sent_to_visitor.set(sent_to_visitor.get() + 1);
                    if sent_to_visitor.get() % 20 == 0 {
                        *visitor_ws.lock().await = raw(
                            format!("{}/ws/visitor", hub.ws_url()),
                            visitor_hello.clone(),
                        )
                        .await;
                    }
                }
                let mut alice_ws = alice_ws.lock().await;
                let mut visitor_ws = visitor_ws.lock().await;
                let (ws, seeds, url, hello) = if to_agent {
                    (
                        &mut *alice_ws,
                        &agents,
                        format!("{}/ws/agent", hub.ws_url()),
                        agent_hello(&token),
                    )
                } else {
                    (
                        &mut *visitor_ws,
                        &visitors,
                        format!("{}/ws/visitor", hub.ws_url()),
                        visitor_hello.clone(),
                    )
                };
                let frame = mutate(&seeds[which % seeds.len()], &muts);
                let _ = ws.send(WsMessage::text(frame.to_string())).await;
                loop {
                    let _ = ws.send(WsMessage::text(r#"{"type":"ping"}"#)).await;
                    match until_pong(ws).await {
                        Heard::Pong => break,
                        Heard::SlowDown => {
                            tokio::time::sleep(std::time::Duration::from_millis(200)).await
                        }
                        Heard::Closed => {
                            // Closed with a code and a reason (checked): start again.
                            *ws = raw(url, hello).await;
                            break;
                        }
                    }
                }
            });
            Ok(())
        })
        .unwrap();
    // The hub still serves: a new visitor is welcomed and heard.
    rt.block_on(async {
        let mut v = visitor(&hub).await;
        v.say("still there?").await;
        hub.stop().await.unwrap();
    });
}

#[test]
fn fuzzed_http_requests_get_answers_in_the_contract() {
    let panics = panics_anywhere();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    add_admin(&setup);
    let hub = rt.block_on(start(&setup, false));
    let token = rt.block_on(async { agent(&hub, "adam@test").await.token });
    let client = reqwest::Client::new();
    let paths = [
        "/api/login",
        "/api/refresh",
        "/api/logout",
        "/api/me",
        "/api/canned-responses",
        "/api/conversations",
        "/api/conversations/TEST-1",
        "/api/agents",
        "/api/groups",
        "/api/visitors/x/conversations",
        "/api/stats/today",
        "/api/admin/projects",
        "/api/admin/projects/TEST/groups",
        "/api/admin/projects/TEST/agents",
        "/api/admin/projects/TEST/canned-responses",
        "/api/admin/projects/TEST/settings",
        "/api/widget/config?project=TEST",
        "/api/visitor/files?name=a.png",
        "/api/files/1",
        "/api/conversations/TEST-1/files?name=a.txt",
        "/demo/%00",
        "/api/%ff%fe",
    ];
    let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];
    let types = [
        "application/json",
        "text/plain",
        "multipart/form-data",
        "",
        "application/json; charset=latin1",
    ];
    let strategy = (
        any::<usize>(),
        any::<usize>(),
        any::<usize>(),
        any::<bool>(),
        prop_oneof![
            any_value().prop_map(|v| v.to_string().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..300),
        ],
    );
    runner("http")
        .run(&strategy, |(p, m, t, authed, body)| {
            rt.block_on(async {
                let (path, method, kind) = (
                    paths[p % paths.len()],
                    methods[m % methods.len()],
                    types[t % types.len()],
                );
                let mut req = client
                    .request(method.parse().unwrap(), format!("{}{path}", hub.http_url()))
                    .body(body);
                if !kind.is_empty() {
                    req = req.header("content-type", kind);
                }
                if authed {
                    req = req.bearer_auth(&token);
                }
                let r = match req.send().await {
                    Ok(r) => r,
                    // The hub may answer (a 404, a refusal) before reading a body it does not
                    // want, and close: the client's write then fails, or the close resets
                    // the connection before the client reads the answer. A handler that
                    // panicked would look the same: the panic hook below catches that.
                    Err(e)
                        if [
                            "BodyWrite",
                            "IncompleteMessage",
                            "ConnectionReset",
                            "connection reset",
                        ]
                        .iter()
                        .any(|w| format!("{e:?}").contains(w)) =>
                    {
                        return;
                    }
                    Err(e) => panic!("{method} {path}: {e:?}"),
                };
                let status = r.status().as_u16();
                assert!(
                    status < 500,
                    "{method} {path} ({kind}): {status} {}",
                    r.text().await.unwrap_or_default()
                );
                if status >= 400 && method != "HEAD" {
                    let text = r.text().await.unwrap();
                    let v: Value = serde_json::from_str(&text)
                        .unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text}"));
                    let code: ErrorCode = serde_json::from_value(v["code"].clone())
                        .unwrap_or_else(|_| panic!("{method} {path}: no code: {text}"));
                    assert_eq!(status, code.http_status(), "{method} {path}: {text}");
                }
            });
            Ok(())
        })
        .unwrap();
    assert_eq!(
        panics.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "a handler panicked (see the output above)"
    );
    rt.block_on(async {
        let r = client
            .get(format!("{}/healthz", hub.http_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        hub.stop().await.unwrap();
    });
}

/// Counts panics on every thread of this process (a panicking handler only closes its
/// connection: the hub would go on, and the client would see a cut).
fn panics_anywhere() -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    let before = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        before(info);
    }));
    count
}

fn add_admin(setup: &Setup) {
    let mut store = pupitre_server::store::SqliteStore::open(&setup.db).unwrap();
    use pupitre_server::store::Store as _;
    let project = store.project_by_code(PROJECT).unwrap().unwrap().id;
    pupitre_server::admin::create_agent(
        &mut store,
        project,
        pupitre_server::admin::NewAgentRequest {
            email: "adam@test".into(),
            name: "Adam".into(),
            password: PASSWORD.into(),
            role: Role::Admin,
            slot_max: Some(3),
            groups: vec![],
        },
    )
    .unwrap();
}

#[test]
fn fuzzed_settings_are_taken_or_refused_and_the_project_keeps_running() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    add_admin(&setup);
    let hub = rt.block_on(start(&setup, false));
    let client = reqwest::Client::new();
    let url = format!("{}/api/admin/projects/{PROJECT}/settings", hub.http_url());
    let (token, valid) = rt.block_on(async {
        let token = agent(&hub, "adam@test").await.token;
        let valid: Value = client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (token, valid)
    });
    let taken = std::cell::Cell::new(0);
    runner("settings")
        .run(&mutations(), |muts| {
            rt.block_on(async {
                let settings = mutate(&valid, &muts);
                let r = client
                    .put(&url)
                    .bearer_auth(&token)
                    .json(&settings)
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                let text = r.text().await.unwrap();
                match status {
                    200 => {
                        taken.set(taken.get() + 1);
                        // The project's writer took them: a visitor is still welcomed.
                        let (_v, welcome) = pupitre_server::client::VisitorConn::connect(
                            &hub.ws_url(),
                            PROJECT,
                            None,
                            None,
                        )
                        .await
                        .unwrap_or_else(|e| panic!("after {settings}: {e:#}"));
                        assert!(
                            matches!(
                                welcome,
                                pupitre_protocol::visitor::VisitorServerFrame::Welcome { .. }
                            ),
                            "after {settings}: {welcome:?}"
                        );
                    }
                    400 => {
                        let v: Value = serde_json::from_str(&text).unwrap();
                        let code: ErrorCode = serde_json::from_value(v["code"].clone()).unwrap();
                        assert!(
                            matches!(code, ErrorCode::InvalidInput | ErrorCode::MalformedJson),
                            "{text}"
                        );
                    }
                    other => panic!("settings {settings} answered {other}: {text}"),
                }
            });
            Ok(())
        })
        .unwrap();
    eprintln!("fuzz settings: {} of {} taken", taken.get(), cases());
    rt.block_on(hub.stop()).unwrap();
}
