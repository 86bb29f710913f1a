//! HTTP reads the desk makes beyond its live stream: a visitor's earlier conversations (D14)
//! and the agent's figures of the day (D15).

mod common;

use common::*;
use pupitre_protocol::ConversationRef;
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent};
use pupitre_protocol::visitor::{VisitorClientFrame, VisitorEvent, VisitorServerFrame};
use pupitre_server::RunningHub;

async fn get(hub: &RunningHub, token: &str, path: &str) -> serde_json::Value {
    let r = reqwest::Client::new()
        .get(format!("{}{path}", hub.http_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

async fn assigned(alice: &mut Agent) -> ConversationRef {
    alice
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned { conversation, .. } => {
                Some(conversation.reference.clone())
            }
            _ => None,
        })
        .await
}

async fn close(alice: &mut Agent, reference: &ConversationRef) {
    alice
        .request(AgentClientFrame::Close {
            client_id: cid(),
            conversation: reference.clone(),
            conversation_type: Some("Sale".into()),
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d14_a_visitors_earlier_conversations_with_their_agents_newest_first() {
    let setup = setup(
        &[
            ("alice@test", &["Sales"], 3),
            ("bruno@test", &["Support"], 3),
        ],
        |_| {},
    );
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    v.request(VisitorClientFrame::SetProfile {
        client_id: cid(),
        name: Some("Zoé".into()),
        email: None,
    })
    .await;
    v.say("First question").await;
    let first = assigned(&mut alice).await;
    alice
        .request(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: first.clone(),
            text: "First answer".into(),
        })
        .await;
    close(&mut alice, &first).await;
    v.say("Second question").await;
    let second = assigned(&mut alice).await;
    assert_ne!(first, second);
    let VisitorServerFrame::Welcome { visitor_id, .. } = &v.welcome else {
        panic!()
    };

    let token = alice.token.clone();
    let docs = get(
        &hub,
        &token,
        &format!("/api/visitors/{visitor_id}/conversations"),
    )
    .await;
    let docs = docs.as_array().unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["reference"], second.0);
    assert_eq!(docs[1]["reference"], first.0);
    assert_eq!(docs[1]["state"], "closed");
    assert_eq!(docs[1]["agents"], serde_json::json!(["alice"]));
    assert_eq!(docs[1]["conversation_type"], "Sale");
    assert_eq!(docs[1]["excerpt"], "First question");
    assert_eq!(docs[1]["visitor_name"], "Zoé");

    // Bruno never handled them: he sees none.
    let bruno = login_token(&hub, "bruno@test").await;
    let none = get(
        &hub,
        &bruno,
        &format!("/api/visitors/{visitor_id}/conversations"),
    )
    .await;
    assert_eq!(none, serde_json::json!([]));
    hub.stop().await.unwrap();
}

async fn login_token(hub: &RunningHub, email: &str) -> String {
    pupitre_server::client::login(&hub.http_url(), email, PASSWORD)
        .await
        .unwrap()
        .access_token
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d15_todays_figures_count_answers_closes_and_the_survey() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let token = alice.token.clone();
    let empty = get(&hub, &token, "/api/stats/today").await;
    assert_eq!(empty["conversations"], 0);
    assert_eq!(empty["first_response_avg_ms"], serde_json::Value::Null);

    let mut v = visitor(&hub).await;
    v.say("Hello?").await;
    let reference = assigned(&mut alice).await;
    alice
        .request(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: reference.clone(),
            text: "Hello!".into(),
        })
        .await;
    close(&mut alice, &reference).await;
    v.wait_event(|e| matches!(e, VisitorEvent::SurveyRequested { .. }).then_some(()))
        .await;
    v.request(VisitorClientFrame::AnswerSurvey {
        client_id: cid(),
        conversation: reference.clone(),
        score: Some(5),
        comment: None,
        answers: Default::default(),
    })
    .await;

    let stats = get(&hub, &token, "/api/stats/today").await;
    assert_eq!(stats["conversations"], 1);
    assert_eq!(stats["closed"], 1);
    assert!(stats["first_response_avg_ms"].as_i64().unwrap() >= 0);
    assert_eq!(stats["satisfaction_count"], 1);
    assert_eq!(stats["satisfaction_avg"], 5.0);
    hub.stop().await.unwrap();
}
