//! What the hub does for the widget (issue 4): the script and the demo pages, the widget's
//! config, what the visitor has seen, the survey at close (R9, W4), the waiting questionnaire
//! (R10, W4), offers (D12), files on request (D16, W4), and the answer by e-mail (R8) received
//! by a real SMTP listener.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use pupitre_protocol::agent::{AgentClientFrame, AgentEvent};
use pupitre_protocol::visitor::{VisitorClientFrame, VisitorEvent, VisitorServerFrame};
use pupitre_protocol::{Author, Body, ConversationRef, ErrorCode, Message, Offer, ThreadEvent};
use pupitre_server::RunningHub;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

/// A visitor writes and `agent` (available) gets the conversation; returns its reference.
async fn conversation(hub: &RunningHub, alice: &mut Agent, v: &mut Visitor) -> ConversationRef {
    let _ = hub;
    v.say("Hello, I need help").await;
    alice
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned { conversation, .. } => {
                Some(conversation.reference.clone())
            }
            _ => None,
        })
        .await
}

async fn login_token(hub: &RunningHub, email: &str) -> String {
    pupitre_server::client::login(&hub.http_url(), email, PASSWORD)
        .await
        .unwrap()
        .access_token
}

async fn thread(hub: &RunningHub, token: &str, reference: &ConversationRef) -> Vec<Message> {
    let doc: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/conversations/{reference}", hub.http_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    serde_json::from_value(doc["messages"].clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w1_the_hub_serves_the_widget_the_demo_pages_and_the_project_config() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |s| {
        s.widget.color = "#123456".into();
    });
    let hub = start(&setup, false).await;
    let http = reqwest::Client::new();
    let js = http
        .get(format!("{}/widget.js", hub.http_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), 200);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    for page in ["/demo", "/demo/pricing", "/demo/contact"] {
        let r = http
            .get(format!("{}{page}", hub.http_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{page}");
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{csp}");
    }
    // The demo brand's picture: what the desk's co-browsing replay fetches from the site.
    let lamp = http
        .get(format!("{}/demo/lamp.svg", hub.http_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(lamp.status(), 200);
    assert_eq!(lamp.headers()["content-type"], "image/svg+xml");
    assert!(lamp.text().await.unwrap().starts_with("<svg"));
    let missing = http
        .get(format!("{}/demo/../../etc/passwd", hub.http_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    let config = http
        .get(format!("{}/api/widget/config?project=TEST", hub.http_url()))
        .header("origin", "https://shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(config.status(), 200);
    assert_eq!(
        config.headers()["access-control-allow-origin"],
        "*",
        "brand sites read it cross-origin"
    );
    let config: pupitre_protocol::visitor::WidgetConfig = config.json().await.unwrap();
    assert_eq!(config.project, "TEST");
    assert_eq!(config.name, "Test shop");
    assert_eq!(config.color, "#123456");
    let unknown = http
        .get(format!("{}/api/widget/config?project=NOPE", hub.http_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w1_seen_is_kept_across_visits_and_told_to_the_other_tabs() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    let reference = conversation(&hub, &mut alice, &mut v).await;
    let mut other_tab = visitor_with(&hub, Some(v.token.clone()), None).await;
    alice
        .request(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: reference.clone(),
            text: "How can I help?".into(),
        })
        .await;
    let id = v
        .wait_event(|e| match e {
            VisitorEvent::Message { message } if text_of(message) == Some("How can I help?") => {
                Some(message.id)
            }
            _ => None,
        })
        .await;
    v.conn
        .send(&VisitorClientFrame::Seen { up_to: id })
        .await
        .unwrap();
    let seen = other_tab
        .wait_event(|e| match e {
            VisitorEvent::Seen { up_to } => Some(*up_to),
            _ => None,
        })
        .await;
    assert_eq!(seen, id);
    // Beyond the last message id is clamped, not trusted.
    v.conn
        .send(&VisitorClientFrame::Seen { up_to: id + 1000 })
        .await
        .unwrap();
    tokio::time::sleep(QUIET).await;
    let again = visitor_with(&hub, Some(v.token.clone()), None).await;
    let VisitorServerFrame::Welcome { seen, .. } = again.welcome else {
        panic!()
    };
    assert!(
        (id..id + 1000).contains(&seen),
        "the next visit knows what was seen: {seen}"
    );
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r9_w4_the_survey_is_requested_at_close_answered_once_and_stored_for_agents() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    let reference = conversation(&hub, &mut alice, &mut v).await;
    // Not before the close.
    let early = v
        .refused(VisitorClientFrame::AnswerSurvey {
            client_id: cid(),
            conversation: reference.clone(),
            score: Some(5),
            comment: None,
            answers: Default::default(),
        })
        .await;
    assert_eq!(early.code, ErrorCode::InvalidState);
    alice
        .request(AgentClientFrame::Close {
            client_id: cid(),
            conversation: reference.clone(),
            conversation_type: None,
        })
        .await;
    let asked = v
        .wait_event(|e| match e {
            VisitorEvent::SurveyRequested { conversation, .. } => Some(conversation.clone()),
            _ => None,
        })
        .await;
    assert_eq!(asked, reference);
    let bad = v
        .refused(VisitorClientFrame::AnswerSurvey {
            client_id: cid(),
            conversation: reference.clone(),
            score: Some(9),
            comment: None,
            answers: Default::default(),
        })
        .await;
    assert_eq!(bad.code, ErrorCode::InvalidInput);
    v.request(VisitorClientFrame::AnswerSurvey {
        client_id: cid(),
        conversation: reference.clone(),
        score: Some(4),
        comment: Some("Quick <b>and</b> kind".into()),
        answers: Default::default(),
    })
    .await;
    v.wait_event(|e| matches!(e, VisitorEvent::SurveyAnswered { .. }).then_some(()))
        .await;
    let twice = v
        .refused(VisitorClientFrame::AnswerSurvey {
            client_id: cid(),
            conversation: reference.clone(),
            score: Some(1),
            comment: None,
            answers: Default::default(),
        })
        .await;
    assert_eq!(twice.code, ErrorCode::Conflict);
    // Another visitor cannot answer it.
    let mut stranger = visitor(&hub).await;
    let theirs = stranger
        .refused(VisitorClientFrame::AnswerSurvey {
            client_id: cid(),
            conversation: reference.clone(),
            score: Some(1),
            comment: None,
            answers: Default::default(),
        })
        .await;
    assert_eq!(theirs.code, ErrorCode::NotFound);

    let token = login_token(&hub, "alice@test").await;
    let messages = thread(&hub, &token, &reference).await;
    let answers: Vec<_> = messages
        .iter()
        .filter_map(|m| match &m.body {
            Body::Event {
                event: ThreadEvent::SurveyAnswered { score, comment, .. },
            } => Some((*score, comment.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        answers,
        vec![(Some(4), Some("Quick <b>and</b> kind".into()))]
    );
    hub.stop().await.unwrap();
}

/// A5: the project's own survey, two questions in two languages.
fn after_sales() -> pupitre_server::questionnaires::Questionnaire {
    use pupitre_server::questionnaires::{Answer, Question, Questionnaire};
    let text = |en: &str, fr: &str| {
        [("en", en), ("fr", fr)]
            .into_iter()
            .map(|(l, t)| (l.to_owned(), t.to_owned()))
            .collect()
    };
    Questionnaire {
        id: "after-sales".into(),
        name: "After sales (internal)".into(),
        questions: vec![
            Question {
                id: "resolved".into(),
                text: text("Was it solved?", "Est-ce résolu ?"),
                answer: Answer::YesNo,
                required: true,
            },
            Question {
                id: "mark".into(),
                text: text("Your mark", "Votre note"),
                answer: Answer::Rating { max: 10 },
                required: false,
            },
            Question {
                id: "why".into(),
                text: text("Why?", "Pourquoi ?"),
                answer: Answer::Choice {
                    choices: vec![text("Fast", "Rapide"), text("Kind", "Aimable")],
                    multiple: true,
                },
                required: false,
            },
        ],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a5_the_agent_sends_the_projects_survey_during_the_conversation_and_reads_the_answers() {
    use pupitre_server::questionnaires::AnswerValue;
    let setup = setup(&[("alice@test", &["Sales"], 3)], |s| {
        s.questionnaires.list = vec![after_sales()];
        s.questionnaires.visitor.questionnaire = Some("after-sales".into());
        s.questionnaires.visitor.agent_may_send = true;
    });
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let hello = VisitorClientFrame::Hello {
        version: pupitre_protocol::PROTOCOL_VERSION,
        project: PROJECT.into(),
        token: None,
        last_seq: None,
        language: Some("fr-FR".into()),
        page: None,
    };
    let (conn, welcome) = pupitre_server::client::VisitorConn::connect_hello(&hub.ws_url(), &hello)
        .await
        .unwrap();
    let VisitorServerFrame::Welcome { token, .. } = &welcome else {
        panic!("{welcome:?}")
    };
    let mut v = Visitor {
        token: token.clone(),
        conn,
        pending: Default::default(),
        welcome,
    };
    let reference = conversation(&hub, &mut alice, &mut v).await;
    let send = || AgentClientFrame::SendSurvey {
        client_id: cid(),
        conversation: reference.clone(),
    };
    // Not answerable before it is sent (nor closed).
    let early = v
        .refused(VisitorClientFrame::AnswerSurvey {
            client_id: cid(),
            conversation: reference.clone(),
            score: None,
            comment: None,
            answers: [("resolved".to_owned(), AnswerValue::YesNo(true))].into(),
        })
        .await;
    assert_eq!(early.code, ErrorCode::InvalidState);
    alice.request(send()).await;
    let questions = v
        .wait_event(|e| match e {
            VisitorEvent::SurveyRequested {
                conversation,
                questions,
            } if conversation == &reference => Some(questions.clone()),
            _ => None,
        })
        .await
        .expect("the project's questionnaire travels with the request");
    assert_eq!(
        questions,
        after_sales().questions,
        "the questions, not the name"
    );
    assert_eq!(
        alice.refused(send()).await.code,
        ErrorCode::Conflict,
        "once"
    );
    // Wrong answers are refused by name; nothing is stored.
    for (answers, field) in [
        (vec![("mark", AnswerValue::Score(7))], "answers.resolved"),
        (
            vec![
                ("resolved", AnswerValue::YesNo(true)),
                ("mark", AnswerValue::Score(11)),
            ],
            "answers.mark",
        ),
        (
            vec![
                ("resolved", AnswerValue::YesNo(true)),
                ("why", AnswerValue::Choices(vec![5])),
            ],
            "answers.why",
        ),
        (
            vec![("resolved", AnswerValue::Text("yes".into()))],
            "answers.resolved",
        ),
        (
            vec![
                ("resolved", AnswerValue::YesNo(true)),
                ("nope", AnswerValue::YesNo(true)),
            ],
            "answers.nope",
        ),
    ] {
        let refused = v
            .refused(VisitorClientFrame::AnswerSurvey {
                client_id: cid(),
                conversation: reference.clone(),
                score: None,
                comment: None,
                answers: answers
                    .into_iter()
                    .map(|(k, a)| (k.to_owned(), a))
                    .collect(),
            })
            .await;
        assert_eq!(refused.code, ErrorCode::InvalidInput);
        assert!(
            refused.message.starts_with(field),
            "{field}: {}",
            refused.message
        );
    }
    v.request(VisitorClientFrame::AnswerSurvey {
        client_id: cid(),
        conversation: reference.clone(),
        score: None,
        comment: Some("Merci <script>".into()),
        answers: [
            ("resolved".to_owned(), AnswerValue::YesNo(true)),
            ("mark".to_owned(), AnswerValue::Score(9)),
            ("why".to_owned(), AnswerValue::Choices(vec![1, 0])),
        ]
        .into(),
    })
    .await;
    v.wait_event(|e| matches!(e, VisitorEvent::SurveyAnswered { .. }).then_some(()))
        .await;
    let token = login_token(&hub, "alice@test").await;
    let events: Vec<ThreadEvent> = thread(&hub, &token, &reference)
        .await
        .into_iter()
        .filter_map(|m| match m.body {
            Body::Event { event } => Some(event),
            _ => None,
        })
        .collect();
    assert!(events.contains(&ThreadEvent::SurveySent {
        agent: "alice".into()
    }));
    let answered = events
        .iter()
        .find_map(|e| match e {
            ThreadEvent::SurveyAnswered {
                score,
                comment,
                answers,
            } => Some((*score, comment.clone(), answers.clone())),
            _ => None,
        })
        .expect("stored");
    let lines: Vec<(String, String)> = answered
        .2
        .into_iter()
        .map(|l| (l.question, l.answer))
        .collect();
    assert_eq!(
        lines,
        [
            ("Est-ce résolu ?".to_owned(), "Oui".to_owned()),
            ("Votre note".into(), "9/10".into()),
            ("Pourquoi ?".into(), "Aimable, Rapide".into()),
        ],
        "in the visitor's language, in the questionnaire's order"
    );
    assert_eq!(
        answered.0,
        Some(5),
        "9/10 counts as 5 of 5 in the statistics"
    );
    assert_eq!(answered.1.as_deref(), Some("Merci <script>"));
    // Answered already: the close does not ask again.
    alice
        .request(AgentClientFrame::Close {
            client_id: cid(),
            conversation: reference.clone(),
            conversation_type: None,
        })
        .await;
    v.wait_event(|e| matches!(e, VisitorEvent::ConversationClosed { .. }).then_some(()))
        .await;
    let after: Vec<_> = v.drain().await;
    assert!(
        !after.iter().any(|f| matches!(
            f,
            VisitorServerFrame::Event {
                event: VisitorEvent::SurveyRequested { .. },
                ..
            }
        )),
        "{after:?}"
    );
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a5_agents_cannot_send_the_survey_when_the_admin_says_no() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |s| {
        s.questionnaires.visitor.agent_may_send = false;
    });
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    let reference = conversation(&hub, &mut alice, &mut v).await;
    let refused = alice
        .refused(AgentClientFrame::SendSurvey {
            client_id: cid(),
            conversation: reference.clone(),
        })
        .await;
    assert_eq!(refused.code, ErrorCode::Forbidden);
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r10_w4_a_queued_visitor_gets_the_waiting_questionnaire_and_the_agent_sees_the_answers() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |s| {
        s.routing.async_messaging = true;
        s.widget.questionnaire = vec![
            pupitre_server::store::Question::Localized(
                [("en", "Order number"), ("fr", "Numéro de commande")]
                    .into_iter()
                    .map(|(l, t)| (l.to_owned(), t.to_owned()))
                    .collect(),
            ),
            "Topic".into(),
        ];
        s.widget.questionnaire_seconds = 90;
    });
    let hub = start(&setup, false).await;
    let mut v = visitor(&hub).await;
    v.say("Is anyone there?").await;
    let (questions, seconds) = v
        .wait_event(|e| match e {
            VisitorEvent::QuestionnaireRequested {
                questions,
                display_seconds,
                ..
            } => Some((questions.clone(), *display_seconds)),
            _ => None,
        })
        .await;
    assert_eq!(questions, vec!["Order number", "Topic"]);
    assert_eq!(seconds, 90);
    let too_many = v
        .refused(VisitorClientFrame::AnswerQuestionnaire {
            client_id: cid(),
            answers: vec!["a".into(), "b".into(), "c".into()],
        })
        .await;
    assert_eq!(too_many.code, ErrorCode::InvalidInput);
    v.request(VisitorClientFrame::AnswerQuestionnaire {
        client_id: cid(),
        answers: vec!["A-1042".into(), "  ".into()],
    })
    .await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let fields = alice
        .wait_event(|e| match e {
            AgentEvent::ConversationAssigned { conversation, .. } => {
                Some(conversation.visitor.fields.clone())
            }
            _ => None,
        })
        .await;
    assert_eq!(fields.len(), 1, "a blank answer is not a field: {fields:?}");
    assert_eq!(fields[0].label, "Order number");
    assert_eq!(fields[0].value, "A-1042");
    // A French visitor, queued (Alice steps away), reads the questions in French; the card
    // keeps the agent's labels.
    alice
        .request(AgentClientFrame::SetStatus {
            client_id: cid(),
            channel: pupitre_protocol::Channel::Chat,
            status: pupitre_protocol::ChosenStatus::Unavailable,
        })
        .await;
    let hello = VisitorClientFrame::Hello {
        version: pupitre_protocol::PROTOCOL_VERSION,
        project: PROJECT.into(),
        token: None,
        last_seq: None,
        language: Some("fr-FR".into()),
        page: None,
    };
    let (mut conn, _) =
        pupitre_server::client::VisitorConn::open(&format!("{}/ws/visitor", hub.ws_url()), &hello)
            .await
            .unwrap();
    conn.send(&VisitorClientFrame::SendMessage {
        client_id: cid(),
        text: "Bonjour ?".into(),
    })
    .await
    .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    let french = loop {
        let frame = tokio::time::timeout_at(deadline, conn.recv())
            .await
            .expect("the questionnaire in time")
            .unwrap();
        if let VisitorServerFrame::Event {
            event: VisitorEvent::QuestionnaireRequested { questions, .. },
            ..
        } = frame
        {
            break questions;
        }
    };
    assert_eq!(french, vec!["Numéro de commande", "Topic"]);
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d12_an_offer_reaches_the_visitor_and_a_bad_link_is_refused() {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start(&setup, false).await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    let reference = conversation(&hub, &mut alice, &mut v).await;
    let offer = Offer {
        title: "Lamp -20%".into(),
        text: Some("Until Sunday".into()),
        link: "https://shop.example/lamp".into(),
        image: Some("https://shop.example/lamp.jpg".into()),
    };
    alice
        .request(AgentClientFrame::SendOffer {
            client_id: cid(),
            conversation: reference.clone(),
            offer: offer.clone(),
        })
        .await;
    let got = v
        .wait_event(|e| match e {
            VisitorEvent::Message { message } => match &message.body {
                Body::Offer { offer } => Some(offer.clone()),
                _ => None,
            },
            _ => None,
        })
        .await;
    assert_eq!(got, offer);
    let bad = alice
        .refused(AgentClientFrame::SendOffer {
            client_id: cid(),
            conversation: reference,
            offer: Offer {
                link: "javascript:alert(1)".into(),
                ..offer
            },
        })
        .await;
    assert_eq!(bad.code, ErrorCode::InvalidInput);
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d16_w4_files_on_request_checked_stored_and_served_only_to_participants() {
    let setup = setup(
        &[
            ("alice@test", &["Sales"], 3),
            ("bruno@test", &["Support"], 3),
        ],
        |s| {
            s.widget.max_file_bytes = 1024;
        },
    );
    let hub = start(&setup, false).await;
    let http = reqwest::Client::new();
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    let reference = conversation(&hub, &mut alice, &mut v).await;
    let upload = |token: String, mime: &'static str, body: Vec<u8>| {
        let url = format!(
            "{}/api/visitor/files?conversation={reference}&name=..%2F..%2Fphoto.png",
            hub.http_url()
        );
        let http = http.clone();
        async move {
            http.post(url)
                .header("x-pupitre-visitor", token)
                .header("content-type", mime)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let png = b"\x89PNG\r\n\x1a\n not really".to_vec();
    // Nobody asked for a file yet.
    let unasked = upload(v.token.clone(), "image/png", png.clone()).await;
    assert_eq!(unasked.status(), 403);

    alice
        .request(AgentClientFrame::RequestFile {
            client_id: cid(),
            conversation: reference.clone(),
        })
        .await;
    let who = v
        .wait_event(|e| match e {
            VisitorEvent::Message { message } => match &message.body {
                Body::Event {
                    event: ThreadEvent::FileRequested { agent },
                } => Some(agent.clone()),
                _ => None,
            },
            _ => None,
        })
        .await;
    assert_eq!(who, "alice");

    let wrong_type = upload(v.token.clone(), "text/html", b"<script>".to_vec()).await;
    assert_eq!(wrong_type.status(), 400);
    let too_big = upload(v.token.clone(), "image/png", vec![0; 2048]).await;
    assert_eq!(too_big.status(), 400);
    let err: serde_json::Value = too_big.json().await.unwrap();
    assert_eq!(err["code"], "invalid_input");
    let bad_token = upload("forged".into(), "image/png", png.clone()).await;
    assert_eq!(bad_token.status(), 401);

    let ok = upload(v.token.clone(), "image/png", png.clone()).await;
    assert_eq!(ok.status(), 200);
    let message: Message = ok.json().await.unwrap();
    assert_eq!(message.author, Author::Visitor);
    let Body::File { file } = &message.body else {
        panic!("{message:?}")
    };
    assert_eq!(file.name, "photo.png", "no path from the visitor's name");
    assert_eq!(file.size, png.len() as u64);
    let on_desk = alice
        .wait_event(|e| match e {
            AgentEvent::Message { message } => match &message.body {
                Body::File { file } => Some(file.clone()),
                _ => None,
            },
            _ => None,
        })
        .await;
    assert_eq!(&on_desk, file);

    let url = format!("{}/api/files/{}", hub.http_url(), file.id);
    let mine = http
        .get(&url)
        .header("x-pupitre-visitor", &v.token)
        .send()
        .await
        .unwrap();
    assert_eq!(mine.status(), 200);
    assert_eq!(mine.headers()["x-content-type-options"], "nosniff");
    assert_eq!(mine.headers()["content-type"], "image/png");
    assert_eq!(mine.bytes().await.unwrap().to_vec(), png);
    let alice_token = login_token(&hub, "alice@test").await;
    let agent_get = http
        .get(&url)
        .bearer_auth(&alice_token)
        .send()
        .await
        .unwrap();
    assert_eq!(agent_get.status(), 200);

    let stranger = visitor(&hub).await;
    let theirs = http
        .get(&url)
        .header("x-pupitre-visitor", &stranger.token)
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 404);
    let bruno_token = login_token(&hub, "bruno@test").await;
    let bruno = http
        .get(&url)
        .bearer_auth(&bruno_token)
        .send()
        .await
        .unwrap();
    assert_eq!(bruno.status(), 404, "not his conversation");

    // The agent sends a file too (D12); an HTML file downloads, never renders.
    let sent = http
        .post(format!(
            "{}/api/conversations/{reference}/files?name=notice.html",
            hub.http_url()
        ))
        .bearer_auth(&alice_token)
        .header("content-type", "text/html")
        .body("<script>alert(1)</script>")
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let sent: Message = sent.json().await.unwrap();
    let Body::File { file } = sent.body else {
        panic!()
    };
    let got = http
        .get(format!("{}/api/files/{}", hub.http_url(), file.id))
        .header("x-pupitre-visitor", &v.token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.headers()["content-type"], "application/octet-stream");
    assert!(
        got.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    hub.stop().await.unwrap();
}

/// A real SMTP listener on loopback that keeps what it receives (the DATA of each mail).
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(vec![]));
    let kept = mails.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = &mut data {
                        if line == "." {
                            kept.lock().unwrap().push(std::mem::take(body));
                            data = None;
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.to_ascii_uppercase();
                    let reply: &[u8] = if verb.starts_with("EHLO") || verb.starts_with("HELO") {
                        b"250 sink\r\n"
                    } else if verb.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go on\r\n"
                    } else if verb.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, mails)
}

/// A visitor leaves an address, sees one answer, leaves; the agent answers again and closes.
async fn answer_while_away(target: pupitre_server::mail::MailTarget) -> (RunningHub, Setup) {
    let setup = setup(&[("alice@test", &["Sales"], 3)], |_| {});
    let hub = start_with(
        &setup,
        pupitre_server::HubOptions {
            mail: Some(pupitre_server::mail::MailSettings {
                target,
                from: "Test shop <shop@test.example>".into(),
                public_url: "http://hub.test.example".into(),
            }),
            ..Default::default()
        },
    )
    .await;
    let mut alice = agent(&hub, "alice@test").await;
    alice.available().await;
    let mut v = visitor(&hub).await;
    let reference = conversation(&hub, &mut alice, &mut v).await;
    v.request(VisitorClientFrame::SetProfile {
        client_id: cid(),
        name: Some("Zoé".into()),
        email: Some("zoe@example.com".into()),
    })
    .await;
    alice
        .request(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: reference.clone(),
            text: "You saw this one".into(),
        })
        .await;
    let seen = v
        .wait_event(|e| match e {
            VisitorEvent::Message { message } if text_of(message) == Some("You saw this one") => {
                Some(message.id)
            }
            _ => None,
        })
        .await;
    v.conn
        .send(&VisitorClientFrame::Seen { up_to: seen })
        .await
        .unwrap();
    // The visitor leaves; the answer comes later.
    drop(v);
    tokio::time::sleep(QUIET).await;
    alice
        .request(AgentClientFrame::SendMessage {
            client_id: cid(),
            conversation: reference.clone(),
            text: "Your parcel leaves tomorrow".into(),
        })
        .await;
    alice
        .request(AgentClientFrame::Close {
            client_id: cid(),
            conversation: reference.clone(),
            conversation_type: None,
        })
        .await;
    (hub, setup)
}

fn check_answer_mail(mail: &str) {
    assert!(mail.contains("To: zoe@example.com"), "{mail}");
    assert!(mail.contains("Your parcel leaves tomorrow"), "{mail}");
    assert!(!mail.contains("You saw this one"), "only what was not seen");
    assert!(mail.contains("text/plain") && mail.contains("text/html"));
    assert!(mail.contains("#pupitre-open"), "a link back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r8_unseen_agent_messages_are_emailed_once_when_followed_by_a_close() {
    let (port, mails) = smtp_sink().await;
    let (hub, _setup) = answer_while_away(pupitre_server::mail::MailTarget::Smtp(format!(
        "smtp://127.0.0.1:{port}"
    )))
    .await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while mails.lock().unwrap().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "no mail arrived");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(QUIET).await;
    let mails = mails.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "one mail: {mails:?}");
    check_answer_mail(&mails[0]);
    hub.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r8_without_a_mail_server_answers_land_as_eml_files() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("mail");
    let (hub, _setup) =
        answer_while_away(pupitre_server::mail::MailTarget::Dir(folder.clone())).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    // lettre writes the file in place: it may be seen empty or half written. Wait until it is
    // whole (a multipart mail ends with its closing boundary `--…--`) or the deadline, then
    // check what is there.
    let (files, mail) = loop {
        let files: Vec<_> = std::fs::read_dir(&folder)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        let mail = files
            .first()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .unwrap_or_default();
        if mail.trim_end().ends_with("--") || tokio::time::Instant::now() >= deadline {
            break (files, mail);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(files.len(), 1, "one .eml file: {files:?}");
    assert_eq!(files[0].extension().unwrap(), "eml");
    check_answer_mail(&mail);
    hub.stop().await.unwrap();
}
