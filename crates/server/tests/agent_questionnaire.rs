//! A5, R9: the questionnaire the agent fills in about a conversation: in the profile with the
//! admin's options, answers checked against it and kept in the thread for agents only, a close
//! refused while unanswered when the admin says so, and the answers in the closed list (D15).

mod common;

use std::collections::BTreeMap;

use common::*;
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent, AgentServerFrame};
use pupitre_protocol::{Body, ErrorCode, ThreadEvent};
use pupitre_server::questionnaires::{Answer, AnswerValue, Question, Questionnaire};

fn closing() -> Questionnaire {
    let text = |en: &str| BTreeMap::from([("en".to_owned(), en.to_owned())]);
    Questionnaire {
        id: "closing".into(),
        name: "Closing".into(),
        questions: vec![
            Question {
                id: "resolved".into(),
                text: text("Resolved?"),
                answer: Answer::YesNo,
                required: true,
            },
            Question {
                id: "topic".into(),
                text: text("Topic"),
                answer: Answer::Choice {
                    choices: vec![text("Delivery"), text("Product")],
                    multiple: false,
                },
                required: false,
            },
        ],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a5_r9_the_agent_answers_the_closing_questionnaire_before_closing() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |s| {
        s.questionnaires.list = vec![closing()];
        s.questionnaires.agent.questionnaire = Some("closing".into());
        s.questionnaires.agent.closable_without_answer = false;
    });
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    let AgentServerFrame::Welcome { agent: profile, .. } = &alice.welcome else {
        panic!("a welcome")
    };
    let q = profile.agent_questionnaire.clone().expect("in the profile");
    assert_eq!(q.questionnaire.id, "closing");
    assert!(!q.closable_without_answer && q.complete_button && q.cancel_button);
    alice.available().await;
    let mut v = visitor(&hub).await;
    v.say("Where is my parcel?").await;
    let reference = alice.assigned().await;
    let close = || AgentClientFrame::Close {
        client_id: cid(),
        conversation: reference.clone(),
        conversation_type: None,
    };
    let answer = |answers: BTreeMap<String, AnswerValue>| AgentClientFrame::AnswerQuestionnaire {
        client_id: cid(),
        conversation: reference.clone(),
        answers,
    };
    // Not answered yet: the close is refused, saying why.
    assert_eq!(alice.refused(close()).await.code, ErrorCode::InvalidState);
    // Wrong answers: refused by name.
    for (bad, why) in [
        (BTreeMap::new(), "the required one missing"),
        (
            BTreeMap::from([("resolved".into(), AnswerValue::Text("yes".into()))]),
            "a text for a yes/no",
        ),
        (
            BTreeMap::from([
                ("resolved".into(), AnswerValue::YesNo(true)),
                ("nope".into(), AnswerValue::YesNo(true)),
            ]),
            "no such question",
        ),
        (
            BTreeMap::from([
                ("resolved".into(), AnswerValue::YesNo(true)),
                ("topic".into(), AnswerValue::Choices(vec![7])),
            ]),
            "no such choice",
        ),
    ] {
        assert_eq!(
            alice.refused(answer(bad)).await.code,
            ErrorCode::InvalidInput,
            "{why}"
        );
    }
    alice
        .request(answer(BTreeMap::from([
            ("resolved".into(), AnswerValue::YesNo(true)),
            ("topic".into(), AnswerValue::Choices(vec![0])),
        ])))
        .await;
    let lines = alice
        .wait_event(|e| match e {
            AgentEvent::Message { message } => match &message.body {
                Body::Event {
                    event: ThreadEvent::AgentAnswered { answers, .. },
                } => Some(answers.clone()),
                _ => None,
            },
            _ => None,
        })
        .await;
    let read: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l.question.as_str(), l.answer.as_str()))
        .collect();
    assert_eq!(read, [("Resolved?", "Yes"), ("Topic", "Delivery")]);
    alice.request(close()).await;
    // Never to the visitor.
    for frame in v.drain().await {
        let text = serde_json::to_string(&frame).unwrap();
        assert!(
            !text.contains("agent_answered") && !text.contains("Delivery"),
            "{text}"
        );
    }
    // In the closed conversations' list (D15).
    let list: Vec<pupitre_protocol::stats::ClosedConversation> = reqwest::Client::new()
        .get(format!("{}/api/stats/closed", hub.http_url()))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].agent_answers, lines);
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a5_without_a_questionnaire_or_when_it_may_be_skipped_closing_needs_nothing() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |s| {
        s.questionnaires.list = vec![closing()];
    });
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    let AgentServerFrame::Welcome { agent: profile, .. } = &alice.welcome else {
        panic!("a welcome")
    };
    assert!(profile.agent_questionnaire.is_none(), "none chosen");
    alice.available().await;
    let mut v = visitor(&hub).await;
    v.say("Hello").await;
    let reference = alice.assigned().await;
    let refused = alice
        .refused(AgentClientFrame::AnswerQuestionnaire {
            client_id: cid(),
            conversation: reference.clone(),
            answers: BTreeMap::new(),
        })
        .await;
    assert_eq!(refused.code, ErrorCode::InvalidState);
    alice
        .request(AgentClientFrame::Close {
            client_id: cid(),
            conversation: reference,
            conversation_type: None,
        })
        .await;
    hub.stop().await.unwrap();
}
