//! Supervision against a real hub (SPEC M1–M3, D16 "ask a manager for help"): help requests
//! routed to an online manager of the group, moving on when declined, timed out or when the
//! manager leaves; the board; watching without anyone being told; whispers that never reach
//! the visitor (live, on resume, in the history of a later visit, in the answer e-mail of R8);
//! taking over within R4's slots.

mod common;

use common::*;
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent, AgentServerFrame, Role};
use pupitre_protocol::supervision::{Board, HelpRequest, HelpState};
use pupitre_protocol::visitor::VisitorClientFrame;
use pupitre_protocol::{Body, ConversationRef, ErrorCode};
use pupitre_server::RunningHub;

const SECRET: &str = "psst-never-for-the-visitor";

/// Alice (agent, Sales), Mona and Max (managers of Sales), Sam (manager of Support).
fn team(edit: impl FnOnce(&mut pupitre_server::store::ProjectSettings)) -> Setup {
    let setup = setup(&[("alice@test", &["Sales"], 3)], edit);
    add_account(&setup.db, PROJECT, "mona@test", Role::Manager, &["Sales"]);
    add_account(&setup.db, PROJECT, "max@test", Role::Manager, &["Sales"]);
    add_account(&setup.db, PROJECT, "sam@test", Role::Manager, &["Support"]);
    setup
}

async fn help_event(a: &mut Agent) -> HelpRequest {
    a.wait_event(|e| match e {
        AgentEvent::Help { request } => Some(request.clone()),
        _ => None,
    })
    .await
}

fn asked_of(r: &HelpRequest) -> Option<i64> {
    match &r.state {
        HelpState::Asking { manager, .. } => Some(*manager),
        _ => None,
    }
}

/// Alice available with a visitor's conversation on her desk.
async fn conversation(hub: &RunningHub, alice: &mut Agent) -> (Visitor, ConversationRef) {
    alice.available().await;
    let mut v = visitor(hub).await;
    v.say("My order never came").await;
    let reference = alice.assigned().await;
    (v, reference)
}

async fn board(hub: &RunningHub, token: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .get(format!("{}/api/board", hub.http_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m2_help_goes_to_a_manager_of_the_group_then_the_next_when_declined_or_timed_out() {
    let setup = team(|_| {});
    let hub = start(&setup, true).await;
    let mut alice = agent(&hub, "alice@test").await;
    let (_v, reference) = conversation(&hub, &mut alice).await;

    // Nobody to ask yet: refused, with a clear code.
    let e = alice
        .refused(AgentClientFrame::AskHelp {
            client_id: cid(),
            conversation: reference.clone(),
            note: None,
        })
        .await;
    assert_eq!(e.code, ErrorCode::Unavailable, "{e:?}");

    let mut sam = agent(&hub, "sam@test").await;
    let mut mona = agent(&hub, "mona@test").await;
    let mut max = agent(&hub, "max@test").await;
    // Sam manages another group: never asked, whatever the order.
    alice
        .request(AgentClientFrame::AskHelp {
            client_id: cid(),
            conversation: reference.clone(),
            note: Some("She wants a refund <b>today</b>".into()),
        })
        .await;
    let mine = help_event(&mut alice).await;
    let first = asked_of(&mine).expect("asking");
    assert!(first == mona.id || first == max.id, "{mine:?}");
    assert_eq!(
        mine.note.as_deref(),
        Some("She wants a refund <b>today</b>")
    );
    let (first_conn, second_conn) = if first == mona.id {
        (&mut mona, &mut max)
    } else {
        (&mut max, &mut mona)
    };
    let seen = help_event(first_conn).await;
    assert_eq!(
        (seen.id, seen.conversation.clone()),
        (mine.id, reference.clone())
    );
    // A second request on the same conversation, and an answer by someone not asked: refused.
    let e = alice
        .refused(AgentClientFrame::AskHelp {
            client_id: cid(),
            conversation: reference.clone(),
            note: None,
        })
        .await;
    assert_eq!(e.code, ErrorCode::InvalidState);
    let e = second_conn
        .refused(AgentClientFrame::AnswerHelp {
            client_id: cid(),
            request: mine.id,
            accept: true,
        })
        .await;
    assert_eq!(e.code, ErrorCode::Forbidden);

    // Declined: the other manager of the group is asked, the first is told it left them.
    first_conn
        .request(AgentClientFrame::AnswerHelp {
            client_id: cid(),
            request: mine.id,
            accept: false,
        })
        .await;
    let moved = help_event(first_conn).await;
    let second = asked_of(&moved).expect("asked of the second");
    assert_ne!(second, first);
    assert_eq!(asked_of(&help_event(second_conn).await), Some(second));
    assert_eq!(asked_of(&help_event(&mut alice).await), Some(second));

    // The second lets it time out: nobody is left to ask; everyone concerned is told.
    hub.hub.advance_clock(59_000).await;
    assert!(
        !second_conn.drain().await.iter().any(|f| matches!(
            f,
            AgentServerFrame::Event {
                event: AgentEvent::Help { .. },
                ..
            }
        )),
        "not before its minute"
    );
    hub.hub.advance_clock(2_000).await;
    assert_eq!(help_event(&mut alice).await.state, HelpState::Unanswered);
    assert_eq!(help_event(second_conn).await.state, HelpState::Unanswered);
    assert!(
        !sam.drain().await.iter().any(|f| matches!(
            f,
            AgentServerFrame::Event {
                event: AgentEvent::Help { .. },
                ..
            }
        )),
        "a manager of another group is never asked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m2_accepted_help_starts_watching_and_a_manager_leaving_hands_it_on() {
    let setup = team(|_| {});
    let hub = start(&setup, true).await;
    let mut alice = agent(&hub, "alice@test").await;
    let (mut v, reference) = conversation(&hub, &mut alice).await;
    let mona = agent(&hub, "mona@test").await;
    let max = agent(&hub, "max@test").await;
    alice
        .request(AgentClientFrame::AskHelp {
            client_id: cid(),
            conversation: reference.clone(),
            note: None,
        })
        .await;
    let asked = help_event(&mut alice).await;
    // Whoever was asked first leaves: it goes to the other at once.
    let (gone, mut stays) = if asked_of(&asked) == Some(mona.id) {
        (mona, max)
    } else {
        (max, mona)
    };
    let gone_id = gone.id;
    gone.conn.close().await;
    // Ten seconds' grace to come back (a reconnect, a hub restart); then the other is asked.
    let shortened = help_event(&mut alice).await;
    assert_eq!(asked_of(&shortened), Some(gone_id));
    hub.hub.advance_clock(10_000).await;
    assert_eq!(asked_of(&help_event(&mut alice).await), Some(stays.id));
    assert_eq!(help_event(&mut stays).await.id, asked.id);

    // The board shows the request asked of the one who stayed.
    let (status, body) = board(&hub, &stays.token).await;
    assert_eq!(status, 200, "{body}");
    let b: Board = serde_json::from_value(body).unwrap();
    assert_eq!(b.help.len(), 1);
    assert_eq!(asked_of(&b.help[0]), Some(stays.id));
    assert_eq!(b.conversations.len(), 1);
    assert_eq!(b.conversations[0].reference, reference);
    assert!(b.agents.iter().any(|a| a.name == "alice" && a.load == 1));
    let sales = b.groups.iter().find(|g| g.name == "Sales").unwrap();
    assert_eq!((sales.live, sales.waiting), (1, 0));
    assert!(
        b.groups.iter().all(|g| g.name != "Support"),
        "only their groups"
    );

    stays
        .request(AgentClientFrame::AnswerHelp {
            client_id: cid(),
            request: asked.id,
            accept: true,
        })
        .await;
    let watching = stays.watching().await;
    assert_eq!(watching.reference, reference);
    assert!(
        matches!(help_event(&mut alice).await.state, HelpState::Accepted { manager, .. } if manager == stays.id)
    );
    // The visitor's next message reaches the watching manager too.
    v.say("Hello?").await;
    let seen = stays
        .wait_frame(|f| match f {
            AgentServerFrame::Watched { message } => text_of(message).map(str::to_owned),
            _ => None,
        })
        .await;
    assert_eq!(seen, "Hello?");
    // Closed: the request is withdrawn and the watch ends.
    alice.close(&reference, None).await;
    assert_eq!(help_event(&mut alice).await.state, HelpState::Withdrawn);
    stays
        .wait_frame(|f| matches!(f, AgentServerFrame::WatchEnded { .. }).then_some(()))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d16_m4_help_switched_off_is_refused_and_only_managers_supervise() {
    let setup = team(|s| s.desk.ask_manager = false);
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    let (_v, reference) = conversation(&hub, &mut alice).await;
    let mut sam = agent(&hub, "sam@test").await;
    let _mona = agent(&hub, "mona@test").await;
    let e = alice
        .refused(AgentClientFrame::AskHelp {
            client_id: cid(),
            conversation: reference.clone(),
            note: None,
        })
        .await;
    assert_eq!(e.code, ErrorCode::Forbidden);
    // An agent has no board; a manager of another group may not watch, whisper or take over.
    let (status, body) = board(&hub, &alice.token).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    for frame in [
        AgentClientFrame::Whisper {
            client_id: cid(),
            conversation: reference.clone(),
            text: SECRET.into(),
        },
        AgentClientFrame::TakeOver {
            client_id: cid(),
            conversation: reference.clone(),
        },
    ] {
        assert_eq!(sam.refused(frame).await.code, ErrorCode::Forbidden);
    }
    let e = alice
        .refused(AgentClientFrame::Whisper {
            client_id: cid(),
            conversation: reference.clone(),
            text: "hi".into(),
        })
        .await;
    assert_eq!(e.code, ErrorCode::Forbidden, "an agent does not whisper");
    sam.watch(&reference).await;
    assert_eq!(sam.error().await.code, ErrorCode::Forbidden);
}

/// Every frame a visitor got, as JSON, must not hold the whisper.
fn no_secret<T: serde::Serialize>(frames: &[T], path: &str) {
    for f in frames {
        let json = serde_json::to_string(f).unwrap();
        assert!(!json.contains(SECRET), "{path}: the whisper leaked: {json}");
        assert!(
            !json.contains("whisper"),
            "{path}: a whisper body leaked: {json}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m3_a_whisper_reaches_the_agent_and_never_the_visitor_on_any_path() {
    let mail_dir = tempfile::tempdir().unwrap();
    let setup = team(|_| {});
    let hub = start_with(&setup, mail_hub(mail_dir.path())).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    v.request(VisitorClientFrame::SetProfile {
        client_id: cid(),
        name: Some("Zoé".into()),
        email: Some("zoe@example.com".into()),
    })
    .await;
    v.say("Where is my parcel?").await;
    let reference = alice.assigned().await;
    let mut mona = agent(&hub, "mona@test").await;

    // Watching tells nobody: neither the agent nor the visitor gets anything.
    alice.drain().await;
    v.drain().await;
    mona.watch(&reference).await;
    let view = mona.watching().await;
    assert!(
        view.messages
            .iter()
            .any(|m| text_of(m) == Some("Where is my parcel?")),
        "{view:?}"
    );
    assert!(
        alice.drain().await.is_empty(),
        "the agent is not told of a watch"
    );
    assert!(
        v.drain().await.is_empty(),
        "the visitor is not told of a watch"
    );

    mona.request(AgentClientFrame::Whisper {
        client_id: cid(),
        conversation: reference.clone(),
        text: SECRET.into(),
    })
    .await;
    let whisper = alice
        .wait_event(|e| match e {
            AgentEvent::Message { message } => match &message.body {
                Body::Whisper { text } => Some(text.clone()),
                _ => None,
            },
            _ => None,
        })
        .await;
    assert_eq!(whisper, SECRET);
    // The watching manager sees their own whisper in the thread.
    mona.wait_frame(|f| match f {
        AgentServerFrame::Watched { message } => {
            matches!(message.body, Body::Whisper { .. }).then_some(())
        }
        _ => None,
    })
    .await;
    alice
        .request(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: reference.clone(),
            text: "It leaves tomorrow".into(),
        })
        .await;
    // Live: the visitor gets the answer and nothing of the whisper.
    let live = v.drain().await;
    assert!(
        serde_json::to_string(&live)
            .unwrap()
            .contains("It leaves tomorrow"),
        "{live:?}"
    );
    no_secret(&live, "live stream");
    // Resumed from the start of her stream, and with a fresh welcome.
    let token = v.token.clone();
    drop(v);
    let mut replay = visitor_with(&hub, Some(token.clone()), Some(0)).await;
    let mut frames = vec![serde_json::to_value(&replay.welcome).unwrap()];
    frames.extend(
        replay
            .drain()
            .await
            .iter()
            .map(|f| serde_json::to_value(f).unwrap()),
    );
    assert!(
        serde_json::to_string(&frames)
            .unwrap()
            .contains("It leaves tomorrow"),
        "the replay holds the answer: {frames:?}"
    );
    no_secret(&frames, "resume from seq 0");
    drop(replay);
    tokio::time::sleep(QUIET).await;

    // Closed while she was away: her answer e-mail (R8) holds the answer, not the whisper.
    alice.close(&reference, None).await;
    let mail = mails(mail_dir.path(), 1)
        .await
        .iter()
        .map(|m| quoted_printable_free(m))
        .find(|m| m.contains("zoe@example.com"))
        .expect("an answer e-mail to the visitor");
    assert!(mail.contains("It leaves tomorrow"), "{mail}");
    assert!(
        !mail.contains(SECRET),
        "the whisper is in the answer e-mail: {mail}"
    );

    // A later visit: the closed conversation is readable (W2), without the whisper.
    let later = visitor_with(&hub, Some(token), None).await;
    let welcome = serde_json::to_string(&later.welcome).unwrap();
    assert!(welcome.contains("It leaves tomorrow"), "{welcome}");
    no_secret(&[later.welcome], "history of a later visit");

    // The desk's own reading keeps it, for agents.
    let r = reqwest::Client::new()
        .get(format!("{}/api/conversations/{reference}", hub.http_url()))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains(SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m3_r4_a_manager_takes_over_only_with_a_free_slot_and_both_sides_are_told() {
    let setup = team(|_| {});
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    let (mut v, reference) = conversation(&hub, &mut alice).await;
    let mut mona = agent(&hub, "mona@test").await;
    let take_over = || AgentClientFrame::TakeOver {
        client_id: cid(),
        conversation: reference.clone(),
    };
    let slots = |limit| AgentClientFrame::SetSlotLimit {
        client_id: cid(),
        limit,
    };
    // Unavailable: R4 refuses; available without a free slot too.
    let e = mona.refused(take_over()).await;
    assert_eq!(e.code, ErrorCode::AgentUnavailable, "{e:?}");
    mona.request(slots(0)).await;
    mona.available().await;
    let e = mona.refused(take_over()).await;
    assert_eq!(e.code, ErrorCode::AgentUnavailable, "no free slot: {e:?}");
    mona.request(slots(2)).await;
    mona.request(take_over()).await;
    assert_eq!(mona.assigned().await, reference);
    alice
        .wait_event(|e| matches!(e, AgentEvent::ConversationRemoved { .. }).then_some(()))
        .await;
    // The visitor is told who answers now.
    v.wait_event(|e| match e {
        pupitre_protocol::visitor::VisitorEvent::AgentJoined { agent, .. } => {
            (agent.name == "mona").then_some(())
        }
        _ => None,
    })
    .await;
    // Now hers: she writes to the visitor; Alice may not any more.
    let e = alice
        .refused(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: reference.clone(),
            text: "still mine?".into(),
        })
        .await;
    assert_eq!(e.code, ErrorCode::Forbidden);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m2_an_open_request_survives_a_restart_and_still_times_out() {
    let setup = team(|_| {});
    let hub = start(&setup, true).await;
    let mut alice = agent(&hub, "alice@test").await;
    let (_v, reference) = conversation(&hub, &mut alice).await;
    let mut mona = agent(&hub, "mona@test").await;
    alice
        .request(AgentClientFrame::AskHelp {
            client_id: cid(),
            conversation: reference.clone(),
            note: Some("refund".into()),
        })
        .await;
    let asked = help_event(&mut mona).await;
    drop((alice, mona));
    hub.stop().await.unwrap();

    let hub = start(&setup, true).await;
    let mut alice = agent(&hub, "alice@test").await;
    let mut mona = agent(&hub, "mona@test").await;
    let (status, body) = board(&hub, &mona.token).await;
    assert_eq!(status, 200);
    let b: Board = serde_json::from_value(body).unwrap();
    assert_eq!(
        b.help.iter().map(|h| h.id).collect::<Vec<_>>(),
        vec![asked.id]
    );
    // Still asked of Mona after the restart; her minute still runs out.
    hub.hub.advance_clock(61_000).await;
    assert_eq!(help_event(&mut alice).await.state, HelpState::Unanswered);
    assert_eq!(help_event(&mut mona).await.state, HelpState::Unanswered);
    // A new request gets a new number.
    alice
        .request(AgentClientFrame::AskHelp {
            client_id: cid(),
            conversation: reference.clone(),
            note: None,
        })
        .await;
    assert!(help_event(&mut alice).await.id > asked.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m3_r4_a_manager_joins_with_a_slot_writes_to_the_visitor_and_everyone_is_told() {
    let setup = team(|_| {});
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    let (mut v, reference) = conversation(&hub, &mut alice).await;
    let mut mona = agent(&hub, "mona@test").await;
    let join = |join| AgentClientFrame::Join {
        client_id: cid(),
        conversation: reference.clone(),
        join,
    };
    assert_eq!(
        mona.refused(join(true)).await.code,
        ErrorCode::AgentUnavailable
    );
    mona.request(AgentClientFrame::SetSlotLimit {
        client_id: cid(),
        limit: 1,
    })
    .await;
    mona.available().await;
    mona.request(join(true)).await;
    assert_eq!(mona.watching().await.joined, vec![mona.id]);
    // The visitor and the agent are told, in the thread.
    let told = |e: &pupitre_protocol::Message| {
        matches!(
            &e.body,
            Body::Event {
                event: pupitre_protocol::ThreadEvent::ManagerJoined { agent, joined: true }
            } if agent == "mona"
        )
    };
    v.wait_event(|e| match e {
        pupitre_protocol::visitor::VisitorEvent::Message { message } => told(message).then_some(()),
        _ => None,
    })
    .await;
    alice
        .wait_event(|e| match e {
            AgentEvent::Message { message } => told(message).then_some(()),
            _ => None,
        })
        .await;
    // She writes to the visitor, as herself; Alice sees it too.
    mona.request(AgentClientFrame::SendMessage {
        client_id: cid(),
        conversation: reference.clone(),
        text: "I'm the manager, I can help".into(),
    })
    .await;
    let from = v
        .wait_event(|e| match e {
            pupitre_protocol::visitor::VisitorEvent::Message { message } => {
                match (&message.author, text_of(message)) {
                    (
                        pupitre_protocol::Author::Agent { name, .. },
                        Some("I'm the manager, I can help"),
                    ) => Some(name.clone()),
                    _ => None,
                }
            }
            _ => None,
        })
        .await;
    assert_eq!(from, "mona");
    alice
        .wait_event(|e| match e {
            AgentEvent::Message { message } => {
                (text_of(message) == Some("I'm the manager, I can help")).then_some(())
            }
            _ => None,
        })
        .await;
    // The join holds her only slot: a new visitor is not routed to her (R4).
    let (_, body) = board(&hub, &mona.token).await;
    let b: Board = serde_json::from_value(body).unwrap();
    let me = b.agents.iter().find(|a| a.id == mona.id).unwrap();
    assert_eq!((me.load, me.slot_limit), (1, 1));
    assert_eq!(
        me.statuses[0].availability,
        pupitre_protocol::Availability::Busy
    );
    // Leaving says so; she may not write any more.
    mona.request(join(false)).await;
    v.wait_event(|e| match e {
        pupitre_protocol::visitor::VisitorEvent::Message { message } => matches!(
            &message.body,
            Body::Event {
                event: pupitre_protocol::ThreadEvent::ManagerJoined { joined: false, .. }
            }
        )
        .then_some(()),
        _ => None,
    })
    .await;
    let e = mona
        .refused(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: reference.clone(),
            text: "still here?".into(),
        })
        .await;
    assert_eq!(e.code, ErrorCode::Forbidden);
    // Joined again with her one slot, she can still take it over: the join's slot is reused.
    mona.request(join(true)).await;
    mona.request(AgentClientFrame::TakeOver {
        client_id: cid(),
        conversation: reference.clone(),
    })
    .await;
    assert_eq!(mona.assigned().await, reference);
}
