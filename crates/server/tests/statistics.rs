//! D15: statistics over time through the real hub, on a manual clock set to a known Monday in
//! Paris: known conversations and statuses → known figures day by day; the closed
//! conversations to re-read with their survey comment; who may see a group's figures.

mod common;

use common::*;
use pupitre_protocol::agent::{AgentClientFrame, Role};
use pupitre_protocol::stats::{ClosedConversation, StatsRange, StatsScope};
use pupitre_protocol::visitor::{VisitorClientFrame, VisitorEvent};
use pupitre_protocol::{Availability, Channel, ChosenStatus};
use pupitre_server::RunningHub;
use pupitre_server::store::{SqliteStore, Store as _, StoreRead as _};

const SECOND: i64 = 1_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

async fn get(hub: &RunningHub, token: &str, path: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", hub.http_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

async fn range(hub: &RunningHub, token: &str, query: &str) -> StatsRange {
    let (status, body) = get(hub, token, &format!("/api/stats/range?{query}")).await;
    assert_eq!(status, 200, "{query}: {body}");
    serde_json::from_value(body).unwrap()
}

async fn closed(hub: &RunningHub, token: &str, query: &str) -> Vec<ClosedConversation> {
    let (status, body) = get(hub, token, &format!("/api/stats/closed?{query}")).await;
    assert_eq!(status, 200, "{query}: {body}");
    serde_json::from_value(body).unwrap()
}

fn hours(
    figures: &pupitre_protocol::stats::DayFigures,
) -> Vec<(Availability, Option<String>, i64)> {
    figures
        .status
        .iter()
        .filter(|s| s.channel == Channel::Chat)
        .map(|s| (s.availability, s.optional.clone(), s.ms / MINUTE))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d15_a_week_day_by_day_the_closed_list_and_who_sees_a_group() {
    let setup = setup(
        &[
            ("alice@test", &["Sales"], 3),
            ("bruno@test", &["Support"], 3),
        ],
        |s| {
            s.routing.timezone = "Europe/Paris".into();
            s.optional_statuses = vec!["In training".into()];
        },
    );
    add_account(&setup.db, PROJECT, "chloe@test", Role::Manager, &["Sales"]);
    let (sales, support) = {
        let mut store = SqliteStore::open(&setup.db).unwrap();
        let p = store.project_by_code(PROJECT).unwrap().unwrap().id;
        let groups = store.groups(p).unwrap();
        let id = |name: &str| groups.iter().find(|g| g.name == name).unwrap().id;
        (id("Sales"), id("Support"))
    };
    // Monday 2026-11-30, 10:00 in Paris (09:00 UTC).
    let hub = start_at(&setup, "2026-11-30T10:00:00+01:00").await;
    let clock = hub.hub.clock.clone();
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;

    // A visitor writes at 10:00; Alice answers 20 s later and closes ten minutes after.
    let mut v = visitor(&hub).await;
    v.say("  My lamp\nflickers  ").await;
    let reference = alice.assigned().await;
    clock.advance(20 * SECOND);
    alice
        .request(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: reference.clone(),
            text: "Hello, which lamp?".into(),
        })
        .await;
    clock.advance(10 * MINUTE);
    alice.close(&reference, Some("Sale")).await;
    // The survey, answered after the close, reaches the figures too.
    v.wait_event(|e| matches!(e, VisitorEvent::SurveyRequested { .. }).then_some(()))
        .await;
    let comment = "<img src=x onerror=alert(1)> Quick & kind";
    v.request(VisitorClientFrame::AnswerSurvey {
        client_id: cid(),
        conversation: reference.clone(),
        score: Some(4),
        comment: Some(comment.into()),
        answers: Default::default(),
    })
    .await;
    // 11:00: "In training" until the next morning.
    clock.advance(HOUR - 10 * MINUTE - 20 * SECOND);
    alice
        .request(AgentClientFrame::SetStatus {
            client_id: cid(),
            channel: Channel::Chat,
            status: ChosenStatus::Optional("In training".into()),
        })
        .await;
    // Tuesday 09:00 (access tokens last minutes: Alice's desk would have refreshed its own).
    clock.advance(22 * HOUR);
    let alice = agent(&hub, "alice@test").await;

    let week = range(&hub, &alice.token, "from=2026-11-30&days=7").await;
    assert_eq!(week.time_zone, "Europe/Paris");
    assert_eq!(
        week.scope,
        StatsScope::Agent {
            id: alice.id,
            name: "alice".into()
        }
    );
    let days: Vec<&str> = week.days.iter().map(|d| d.day.as_str()).collect();
    assert_eq!(
        days,
        [
            "2026-11-30",
            "2026-12-01",
            "2026-12-02",
            "2026-12-03",
            "2026-12-04",
            "2026-12-05",
            "2026-12-06"
        ]
    );
    let monday = &week.days[0];
    assert_eq!(monday.conversations, 1);
    assert_eq!(monday.first_response_avg_ms, Some(20 * SECOND));
    assert_eq!(monday.response_avg_ms, Some(20 * SECOND));
    assert_eq!(monday.handling_avg_ms, Some(10 * MINUTE + 20 * SECOND));
    assert_eq!(
        (monday.satisfaction_avg, monday.satisfaction_count),
        (Some(4.0), 1)
    );
    // Available (busy or not while the conversation ran) from 10:00, then in training from 11:00
    // to midnight; Tuesday in training until now (09:00); nothing after now.
    let monday_hours = hours(monday);
    let in_training = (
        Availability::Unavailable,
        Some("In training".to_owned()),
        13 * 60,
    );
    assert!(monday_hours.contains(&in_training), "{monday_hours:?}");
    let worked: i64 = monday_hours
        .iter()
        .filter(|h| h.1.is_none())
        .map(|h| h.2)
        .sum();
    assert_eq!(worked, 60, "{monday_hours:?}");
    assert_eq!(
        hours(&week.days[1]),
        [(
            Availability::Unavailable,
            Some("In training".to_owned()),
            9 * 60
        )]
    );
    assert!(
        week.days[2..]
            .iter()
            .all(|d| d.conversations == 0 && d.status.is_empty())
    );
    assert_eq!(week.total.conversations, 1);
    assert_eq!(week.computed_at, clock.now());
    // The week before: nothing.
    let before = range(&hub, &alice.token, "from=2026-11-23&days=7").await;
    assert_eq!(before.total.conversations, 0);
    assert!(before.total.status.is_empty());

    // The closed conversations to re-read, with the survey's comment as the visitor wrote it.
    let list = closed(&hub, &alice.token, "").await;
    assert_eq!(list.len(), 1);
    let c = &list[0];
    assert_eq!(c.reference, reference);
    assert_eq!(c.summary, "My lamp flickers");
    assert_eq!(c.survey_comment.as_deref(), Some(comment));
    assert_eq!(c.satisfaction, Some(4.0));
    assert_eq!(c.agent_name.as_deref(), Some("alice"));
    assert_eq!(c.conversation_type.as_deref(), Some("Sale"));
    assert!(!c.visitor_id.is_empty() && !c.important);
    assert_eq!(
        closed(&hub, &alice.token, "text=LAMP%20flick").await.len(),
        1
    );
    assert_eq!(
        closed(&hub, &alice.token, "text=quick").await.len(),
        1,
        "the survey comment"
    );
    for none in [
        "text=parcel",
        "type=Other",
        "important=true",
        "from=2026-12-01",
        "to=2026-11-29",
        &format!("before={}", c.closed_at),
    ] {
        assert!(closed(&hub, &alice.token, none).await.is_empty(), "{none}");
    }
    assert_eq!(
        closed(
            &hub,
            &alice.token,
            "from=2026-11-30&to=2026-11-30&type=Sale&important=false"
        )
        .await
        .len(),
        1
    );
    let bruno = agent(&hub, "bruno@test").await;
    assert!(
        closed(&hub, &bruno.token, "").await.is_empty(),
        "another agent's are not listed"
    );
    assert_eq!(
        range(&hub, &bruno.token, "from=2026-11-30&days=7")
            .await
            .total
            .conversations,
        0
    );

    // A group's figures: its managers and the admins only.
    let chloe = agent(&hub, "chloe@test").await;
    let group = range(
        &hub,
        &chloe.token,
        &format!("from=2026-11-30&days=7&group={sales}"),
    )
    .await;
    assert_eq!(
        group.scope,
        StatsScope::Group {
            id: sales,
            name: "Sales".into()
        }
    );
    assert_eq!(group.total.conversations, 1);
    assert_eq!(
        closed(&hub, &chloe.token, &format!("group={sales}"))
            .await
            .len(),
        1
    );
    for (token, query, code) in [
        (
            &alice.token,
            format!("from=2026-11-30&days=7&group={sales}"),
            "forbidden",
        ),
        (
            &chloe.token,
            format!("from=2026-11-30&days=7&group={support}"),
            "forbidden",
        ),
        (
            &alice.token,
            "from=30/11/2026&days=7".to_owned(),
            "invalid_input",
        ),
        (
            &alice.token,
            "from=2026-11-30&days=0".to_owned(),
            "invalid_input",
        ),
        (
            &alice.token,
            "from=2026-11-30&days=32".to_owned(),
            "invalid_input",
        ),
    ] {
        let (status, body) = get(&hub, token, &format!("/api/stats/range?{query}")).await;
        assert!(status >= 400, "{query}");
        assert_eq!(body["code"], code, "{query}: {body}");
    }
    let (status, body) = get(
        &hub,
        &alice.token,
        &format!("/api/stats/closed?group={sales}"),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d16_important_on_the_desk_in_the_thread_for_agents_only_and_in_the_closed_list() {
    use pupitre_protocol::agent::{AgentEvent, AgentServerFrame};
    use pupitre_protocol::{Body, ThreadEvent};
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    v.say("Urgent: my order").await;
    let reference = alice
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned { conversation, .. } => {
                assert!(!conversation.important);
                Some(conversation.reference.clone())
            }
            _ => None,
        })
        .await;
    let mark = |important| AgentClientFrame::MarkImportant {
        client_id: cid(),
        conversation: reference.clone(),
        important,
    };
    alice.request(mark(true)).await;
    // In the thread (agents only), then on the desk.
    alice
        .wait_event(|e| match e {
            AgentEvent::Message { message } => matches!(
                &message.body,
                Body::Event {
                    event: ThreadEvent::MarkedImportant {
                        important: true,
                        ..
                    }
                }
            )
            .then_some(()),
            _ => None,
        })
        .await;
    let marked = alice
        .wait_event(|e| match e {
            AgentEvent::ConversationMarked { important, .. } => Some(*important),
            _ => None,
        })
        .await;
    assert!(marked);
    // Marking it again as it is changes nothing.
    alice.request(mark(true)).await;
    // A new connection (the desk restarted) sees the flag in its desk.
    let again = agent(&hub, "alice@test").await;
    let AgentServerFrame::Welcome {
        desk: Some(desk), ..
    } = &again.welcome
    else {
        panic!("a welcome with the desk: {:?}", again.welcome)
    };
    assert!(
        desk.conversations
            .iter()
            .any(|c| c.reference == reference && c.important)
    );
    // The visitor is never told.
    for frame in v.drain().await {
        let text = serde_json::to_string(&frame).unwrap();
        assert!(!text.contains("important"), "the visitor saw {text}");
    }
    // Closed: the list shows it, and filters on it.
    alice.close(&reference, None).await;
    let list = closed(&hub, &alice.token, "important=true").await;
    assert_eq!(list.len(), 1);
    assert!(list[0].important);
    assert!(
        closed(&hub, &alice.token, "important=false")
            .await
            .is_empty()
    );
    // Switched off by the admin: refused with its code.
    {
        let mut store = SqliteStore::open(&setup.db).unwrap();
        let p = store.project_by_code(PROJECT).unwrap().unwrap().id;
        pupitre_server::admin::Audited::new(
            &mut store,
            p,
            pupitre_server::audit::Actor::operator(),
        )
        .set_setting_path("desk.mark_important", "false")
        .unwrap();
    }
    // The running hub follows within a second, and tells the desk.
    alice
        .wait_frame(|f| match f {
            AgentServerFrame::Profile { agent } => (!agent.options.mark_important).then_some(()),
            _ => None,
        })
        .await;
    let mut bob_v = visitor(&hub).await;
    bob_v.say("Another question").await;
    let second = alice.assigned().await;
    let refused = alice
        .refused(AgentClientFrame::MarkImportant {
            client_id: cid(),
            conversation: second,
            important: true,
        })
        .await;
    assert_eq!(refused.code, pupitre_protocol::ErrorCode::Forbidden);
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d15_sales_go_to_the_latest_conversation_and_its_agent_within_the_window() {
    use pupitre_protocol::ErrorCode;
    let setup = setup(&[("alice@test", &["Sales"], 3)], |s| {
        s.sales.attribution_days = 2;
    });
    // Noon in Paris (the project's zone): the day's figures hold the sales.
    let hub = start_at(&setup, "2026-12-02T12:00:00+01:00").await;
    let clock = hub.hub.clock.clone();
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let sale = |amount_minor: i64, currency: &str, order: &str| VisitorClientFrame::Sale {
        client_id: cid(),
        amount_minor,
        currency: currency.into(),
        order: order.into(),
    };
    // A visitor who never talked has nothing to attribute a sale to: told so.
    let mut stranger = visitor(&hub).await;
    let refused = stranger.refused(sale(100, "EUR", "S-1")).await;
    assert_eq!(refused.code, ErrorCode::InvalidState);

    let mut v = visitor(&hub).await;
    v.say("Is the Opaline in stock?").await;
    let reference = alice.assigned().await;
    alice
        .request(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: reference.clone(),
            text: "Yes, two left.".into(),
        })
        .await;
    alice.close(&reference, None).await;
    clock.advance(HOUR);
    v.request(sale(21_900, "EUR", "A-1042")).await;
    // The same order again: acknowledged, counted once.
    v.request(sale(21_900, "EUR", "A-1042")).await;
    v.request(sale(500, "USD", "A-1043")).await;
    for (bad, why) in [
        (sale(-1, "EUR", "B-1"), "negative"),
        (sale(100, "eur", "B-2"), "lower case"),
        (sale(100, "EURO", "B-3"), "four letters"),
        (sale(100, "EUR", "  "), "no order"),
        (sale(100, "EUR", &"x".repeat(101)), "order too long"),
        (sale(1_000_000_000_001, "EUR", "B-4"), "too large"),
    ] {
        assert_eq!(v.refused(bad).await.code, ErrorCode::InvalidInput, "{why}");
    }
    let alice_token = agent(&hub, "alice@test").await.token;
    let (status, today) = get(&hub, &alice_token, "/api/stats/today").await;
    assert_eq!(status, 200);
    assert_eq!(
        today["sales"],
        serde_json::json!([
            {"currency": "EUR", "count": 1, "amount_minor": 21_900},
            {"currency": "USD", "count": 1, "amount_minor": 500}
        ])
    );
    let r = range(&hub, &alice_token, "from=2026-12-02&days=1").await;
    assert_eq!(r.total.sales.len(), 2);
    assert_eq!(r.total.sales[0].amount_minor, 21_900);
    // Past the window (two days after the conversation's last message): not attributed.
    clock.advance(2 * 24 * HOUR);
    assert_eq!(
        v.refused(sale(100, "EUR", "C-1")).await.code,
        ErrorCode::InvalidState
    );
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d15_paging_does_not_skip_conversations_closed_in_the_same_millisecond() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, true).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut references = vec![];
    for text in ["First", "Second"] {
        let mut v = visitor(&hub).await;
        v.say(text).await;
        references.push(alice.assigned().await);
    }
    // The manual clock stands still: both close in the same millisecond.
    for reference in &references {
        alice.close(reference, None).await;
    }
    let all = closed(&hub, &alice.token, "").await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].closed_at, all[1].closed_at);
    assert_eq!(
        all[0].reference, references[1],
        "newest first, then by number"
    );
    let after_first = closed(
        &hub,
        &alice.token,
        &format!(
            "before={}&before_ref={}",
            all[0].closed_at, all[0].reference
        ),
    )
    .await;
    assert_eq!(after_first.len(), 1);
    assert_eq!(after_first[0].reference, references[0]);
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d15_the_brands_server_reports_a_sale_with_the_projects_key_for_a_visitor_gone_away() {
    use pupitre_server::sales_key;
    use pupitre_server::store::{SqliteStore, Store as _};
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let (key, other_key) = {
        let mut store = SqliteStore::open(&setup.db).unwrap();
        let project = store.project_by_code(PROJECT).unwrap().unwrap().id;
        let (key, hash) = sales_key::new_key(PROJECT);
        store
            .set_meta(&sales_key::meta_key(project), &hash)
            .unwrap();
        // A key of the right shape for this project that the hub never made.
        (key, sales_key::new_key(PROJECT).0)
    };
    let hub = start_at(&setup, "2026-12-02T12:00:00+01:00").await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    let pupitre_protocol::visitor::VisitorServerFrame::Welcome { visitor_id, .. } = &v.welcome
    else {
        panic!()
    };
    let visitor_id = visitor_id.clone();
    v.say("Is the Opaline in stock?").await;
    let reference = alice.assigned().await;
    alice.close(&reference, None).await;
    // She left the site; the shop's server reports her order.
    drop(v);
    tokio::time::sleep(QUIET).await;
    let post = |key: Option<String>, body: serde_json::Value| {
        let url = format!("{}/api/sales", hub.http_url());
        async move {
            let mut r = reqwest::Client::new().post(url).json(&body);
            if let Some(k) = key {
                r = r.bearer_auth(k);
            }
            let r = r.send().await.unwrap();
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
    };
    let sale = |order: &str| serde_json::json!({"visitor": visitor_id, "amount_minor": 12_990, "currency": "EUR", "order": order});
    for (k, why) in [
        (None, "no key"),
        (Some(other_key.clone()), "a key the hub did not make"),
        (
            Some(format!("pk_NOPE_{}", "0".repeat(64))),
            "another project",
        ),
        (Some("not-a-key".to_owned()), "garbage"),
    ] {
        let (status, body) = post(k, sale("A-1")).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("unauthorized")),
            "{why}"
        );
    }
    let (status, body) = post(Some(key.clone()), sale("A-1042")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conversation"], reference.0.as_str());
    assert_eq!(body["agent"], "alice");
    // Reported twice (a retry): counted once.
    assert_eq!(post(Some(key.clone()), sale("A-1042")).await.0, 200);
    let (status, body) = post(
        Some(key.clone()),
        serde_json::json!({"visitor": "nobody", "amount_minor": 1, "currency": "EUR", "order": "Z"}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("invalid_state")),
        "{body}"
    );
    let (status, body) = post(
        Some(key.clone()),
        serde_json::json!({"visitor": visitor_id, "amount_minor": -5, "currency": "EUR", "order": "Z"}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_input")),
        "{body}"
    );
    let (_, today) = get(&hub, &alice.token, "/api/stats/today").await;
    assert_eq!(
        today["sales"],
        serde_json::json!([{"currency": "EUR", "count": 1, "amount_minor": 12_990}])
    );
    hub.stop().await.unwrap();
}
