//! The model's rules, one test each, named after the rule (SPEC ids).

use pupitre_protocol::agent::{
    AgentEvent, AgentProfile, AssignCause, ConversationView, DeskSnapshot, RemoveCause, Role,
    VisitorCard,
};
use pupitre_protocol::{
    Author, Availability, Body, Channel, ChannelStatus, ChosenStatus, ConversationRef,
    ConversationState, ErrorCode, FileInfo, Message, Millis, Offer,
};

use super::*;
use crate::error::{DeskError, DeskErrorCode};
use crate::notify::Input;

const T0: Millis = 1_741_957_200_000;

fn r(n: u32) -> ConversationRef {
    ConversationRef(format!("TEST-{n}"))
}

fn profile() -> AgentProfile {
    AgentProfile {
        id: 7,
        name: "Alice".into(),
        email: "alice@test".into(),
        project: "TEST".into(),
        role: Role::Agent,
        groups: vec![],
        slot_limit: 3,
        slot_max: 5,
        statuses: vec![ChannelStatus {
            channel: Channel::Chat,
            chosen: ChosenStatus::Available,
            availability: Availability::Available,
        }],
        optional_statuses: vec!["Lunch".into()],
        optional_status_labels: Default::default(),
        conversation_types: vec![],
        options: Default::default(),
        may_send_survey: true,
        site_origins: vec![],
        agent_questionnaire: None,
    }
}

fn view(n: u32) -> ConversationView {
    ConversationView {
        reference: r(n),
        state: ConversationState::Assigned,
        group: 1,
        channel: Channel::Chat,
        visitor: VisitorCard {
            name: Some("Zoé".into()),
            ..VisitorCard::default()
        },
        visitor_online: true,
        created_at: T0,
        assigned_agent: Some(7),
        waiting_since: None,
        last_agent_message_at: None,
        snoozed_until: None,
        important: false,
        joined: vec![],
        messages: vec![],
    }
}

fn message(n: u32, id: i64, author: Author, body: Body, at: Millis) -> Message {
    Message {
        id,
        conversation: r(n),
        client_id: None,
        author,
        body,
        at,
    }
}

fn agent() -> Author {
    Author::Agent {
        id: 7,
        name: "Alice".into(),
    }
}

fn text(t: &str) -> Body {
    Body::Text { text: t.into() }
}

fn file() -> Body {
    Body::File {
        file: FileInfo {
            id: "f1".into(),
            name: "invoice.pdf".into(),
            size: 10,
            mime: "application/pdf".into(),
        },
    }
}

fn offer() -> Body {
    Body::Offer {
        offer: Offer {
            title: "-10 %".into(),
            text: None,
            link: "https://shop.test/offer".into(),
            image: None,
        },
    }
}

fn said(m: Message) -> AgentEvent {
    AgentEvent::Message { message: m }
}

fn assigned(v: ConversationView) -> AgentEvent {
    AgentEvent::ConversationAssigned {
        conversation: v,
        cause: AssignCause::New,
    }
}

/// Online, with the conversations `ns` on the desk, none waiting.
fn desk(ns: &[u32]) -> DeskModel {
    let mut m = DeskModel::new();
    m.set_connection(ConnectionState::Online);
    m.welcome(
        profile(),
        Some(DeskSnapshot {
            conversations: ns.iter().map(|n| view(*n)).collect(),
        }),
    );
    m
}

fn waiting_since(m: &DeskModel, n: u32) -> Option<Millis> {
    m.conversation(&r(n)).unwrap().waiting_since
}

fn item(n: u32, id: u128) -> OutboxItem {
    OutboxItem {
        local_id: uuid::Uuid::from_u128(id),
        conversation: r(n),
        text: "hello".into(),
        queued_at: T0,
        state: OutboxState::Pending,
        error: None,
    }
}

/// Every way the agent writes: each answers the wait (D7), as the hub and the UI count it.
fn agent_answers_the_wait(body: Body) {
    let mut m = desk(&[1]);
    m.apply(&said(message(1, 1, Author::Visitor, text("hello?"), T0)));
    assert_eq!(waiting_since(&m, 1), Some(T0));
    assert_eq!(m.waiting(), 1);
    let changes = m.apply(&said(message(1, 2, agent(), body, T0 + 9_000)));
    assert_eq!(waiting_since(&m, 1), None);
    assert_eq!(
        m.conversation(&r(1)).unwrap().last_agent_message_at,
        Some(T0 + 9_000)
    );
    assert_eq!(m.waiting(), 0);
    assert_eq!(changes.waiting(), Some(0), "the tray hears the new count");
    assert!(changes.events.iter().any(|e| matches!(e,
        DeskEvent::ConversationUpdated { conversation } if conversation.waiting_since.is_none())));
}

#[test]
fn d7_a_text_from_the_agent_answers_the_wait() {
    agent_answers_the_wait(text("yes"));
}

#[test]
fn d7_a_file_from_the_agent_answers_the_wait() {
    agent_answers_the_wait(file());
}

#[test]
fn d7_an_offer_from_the_agent_answers_the_wait() {
    agent_answers_the_wait(offer());
}

#[test]
fn d7_the_wait_starts_at_the_first_unanswered_visitor_message() {
    let mut m = desk(&[1]);
    let changes = m.apply(&said(message(1, 1, Author::Visitor, text("hi"), T0)));
    assert_eq!(
        changes.events,
        vec![
            DeskEvent::MessageAdded {
                message: message(1, 1, Author::Visitor, text("hi"), T0)
            },
            DeskEvent::ConversationUpdated {
                conversation: ConversationUpdate {
                    waiting_since: Some(T0),
                    ..ConversationUpdate::of(&view(1))
                }
            },
            DeskEvent::Waiting { count: 1 },
        ]
    );
    m.apply(&said(message(1, 2, Author::Visitor, file(), T0 + 5_000)));
    assert_eq!(waiting_since(&m, 1), Some(T0));
}

#[test]
fn d7_system_sentences_thread_events_and_comments_move_no_turn() {
    let mut m = desk(&[1]);
    let sentence = Body::Sentence {
        sentence: pupitre_protocol::SentenceKind::AutoReply,
        text: "We answer soon".into(),
    };
    let changes = m.apply(&said(message(1, 1, Author::System, sentence, T0)));
    assert_eq!(changes.events.len(), 1, "only the message: {changes:?}");
    let comment = Body::Comment {
        text: "VIP customer".into(),
    };
    m.apply(&said(message(1, 2, agent(), comment, T0)));
    assert_eq!(waiting_since(&m, 1), None);
    assert_eq!(m.conversation(&r(1)).unwrap().last_agent_message_at, None);
}

#[test]
fn r12_an_event_applied_twice_changes_nothing() {
    let mut m = desk(&[1]);
    let mut v2 = view(2);
    v2.waiting_since = Some(T0);
    let events = [
        assigned(v2),
        said(message(1, 1, Author::Visitor, text("hi"), T0)),
        AgentEvent::StatusChanged {
            statuses: vec![ChannelStatus {
                channel: Channel::Chat,
                chosen: ChosenStatus::Unavailable,
                availability: Availability::Unavailable,
            }],
        },
        AgentEvent::SlotLimitChanged { limit: 2, max: 5 },
        AgentEvent::TimeoutReminder {
            conversation: r(1),
            closes_at: T0 + 60_000,
        },
        AgentEvent::VisitorUpdated {
            conversation: r(1),
            visitor: VisitorCard {
                name: Some("Zoé Martin".into()),
                ..VisitorCard::default()
            },
        },
        AgentEvent::ConversationRemoved {
            conversation: r(2),
            cause: RemoveCause::Snoozed {
                until: T0 + 3_600_000,
                keep: true,
            },
        },
    ];
    for event in &events {
        assert!(!m.apply(event).is_empty(), "{event:?} changes something");
        let state = m.state();
        assert!(m.apply(event).is_empty(), "{event:?} again changes nothing");
        assert_eq!(m.state(), state);
    }
}

#[test]
fn r12_a_message_of_a_conversation_not_on_the_desk_changes_nothing() {
    let mut m = desk(&[1]);
    assert!(
        m.apply(&said(message(9, 1, Author::Visitor, text("hi"), T0)))
            .is_empty()
    );
}

#[test]
fn d7_conversations_keep_their_arrival_order_and_a_new_assignment_replaces_in_place() {
    let mut m = desk(&[3, 1]);
    m.apply(&assigned(view(2)));
    let order = |m: &DeskModel| -> Vec<ConversationRef> {
        m.conversations()
            .iter()
            .map(|c| c.reference.clone())
            .collect()
    };
    assert_eq!(order(&m), vec![r(3), r(1), r(2)]);
    let mut again = view(1);
    again.waiting_since = Some(T0);
    let changes = m.apply(&AgentEvent::ConversationAssigned {
        conversation: again,
        cause: AssignCause::Reassigned,
    });
    assert_eq!(order(&m), vec![r(3), r(1), r(2)]);
    assert_eq!(changes.waiting(), Some(1));
}

#[test]
fn d18_an_outbox_item_goes_pending_then_sent_then_leaves_with_its_message() {
    let mut m = desk(&[1]);
    let pending = item(1, 1);
    assert_eq!(
        m.queued(pending.clone()).events,
        vec![DeskEvent::Outbox {
            item: pending.clone()
        }]
    );
    assert!(m.queued(pending.clone()).is_empty(), "queued once");
    let sent = OutboxItem {
        state: OutboxState::Sent,
        ..pending.clone()
    };
    assert_eq!(
        m.acked(pending.local_id).events,
        vec![DeskEvent::Outbox { item: sent }]
    );
    assert!(
        m.acked(pending.local_id).is_empty(),
        "a second ack changes nothing"
    );
    let mut echo = message(1, 5, agent(), text("hello"), T0 + 1);
    echo.client_id = Some(pending.local_id);
    let changes = m.apply(&said(echo));
    assert!(changes.events.contains(&DeskEvent::OutboxRemoved {
        conversation: r(1),
        local_id: pending.local_id
    }));
    assert!(m.state().outbox.is_empty());
    assert!(
        m.queued(pending).is_empty(),
        "already in the thread: not shown twice"
    );
}

#[test]
fn d18_a_refused_item_fails_and_leaves_with_its_conversation_while_pending_ones_stay() {
    let mut m = desk(&[1]);
    m.queued(item(1, 1));
    m.queued(item(1, 2));
    let error = DeskError::new(DeskErrorCode::Hub(ErrorCode::Forbidden), "not yours");
    let changes = m.refused(uuid::Uuid::from_u128(1), error.clone());
    assert!(matches!(&changes.events[..], [DeskEvent::Outbox { item }]
        if item.state == OutboxState::Failed && item.error == Some(error.clone())));
    m.apply(&AgentEvent::ConversationRemoved {
        conversation: r(1),
        cause: RemoveCause::Transferred,
    });
    let left: Vec<ClientId> = m.state().outbox.iter().map(|o| o.local_id).collect();
    assert_eq!(
        left,
        vec![uuid::Uuid::from_u128(2)],
        "the pending one is resent later"
    );
}

#[test]
fn r5_a_snoozed_conversation_goes_to_the_list_and_leaves_it_when_it_comes_back() {
    let mut m = desk(&[1]);
    m.apply(&said(message(1, 1, Author::Visitor, text("later"), T0)));
    let changes = m.apply(&AgentEvent::ConversationRemoved {
        conversation: r(1),
        cause: RemoveCause::Snoozed {
            until: T0 + 3_600_000,
            keep: true,
        },
    });
    let item = SnoozedItem {
        reference: r(1),
        visitor_name: Some("Zoé".into()),
        until: T0 + 3_600_000,
        keep: true,
        last_visitor_text: Some("later".into()),
    };
    assert!(changes.events.contains(&DeskEvent::Snoozed {
        items: vec![item.clone()]
    }));
    assert_eq!(
        changes.waiting(),
        Some(0),
        "a snoozed visitor waits on no one's desk"
    );
    assert_eq!(m.state().snoozed, vec![item]);
    let changes = m.apply(&AgentEvent::ConversationAssigned {
        conversation: view(1),
        cause: AssignCause::SnoozeWake,
    });
    assert!(
        changes
            .events
            .contains(&DeskEvent::Snoozed { items: vec![] })
    );
}

#[test]
fn d8_the_hubs_snoozed_list_merges_and_keeps_the_last_words_known() {
    let mut m = desk(&[1]);
    m.apply(&said(message(1, 1, Author::Visitor, text("later"), T0)));
    m.apply(&AgentEvent::ConversationRemoved {
        conversation: r(1),
        cause: RemoveCause::Snoozed {
            until: T0 + 10,
            keep: false,
        },
    });
    let listed = |n: u32, until: Millis| SnoozedItem {
        reference: r(n),
        visitor_name: None,
        until,
        keep: false,
        last_visitor_text: None,
    };
    let changes = m.snoozed_listed(vec![listed(1, T0 + 10), listed(2, T0 + 5)]);
    let [DeskEvent::Snoozed { items }] = &changes.events[..] else {
        panic!("{changes:?}");
    };
    assert_eq!(
        items
            .iter()
            .map(|i| i.reference.clone())
            .collect::<Vec<_>>(),
        vec![r(2), r(1)]
    );
    assert_eq!(items[1].last_visitor_text.as_deref(), Some("later"));
    assert!(m.snoozed_listed(vec![listed(2, T0 + 5)]).is_empty());
}

#[test]
fn r10_a_timeout_reminder_holds_until_someone_writes() {
    let mut m = desk(&[1]);
    let remind = AgentEvent::TimeoutReminder {
        conversation: r(1),
        closes_at: T0 + 222_000,
    };
    m.apply(&remind);
    assert_eq!(
        m.state().timeout_reminders.get(&r(1)),
        Some(&(T0 + 222_000))
    );
    let event = Body::Event {
        event: pupitre_protocol::ThreadEvent::EmailLeft,
    };
    m.apply(&said(message(1, 1, Author::System, event, T0)));
    assert!(
        m.state().timeout_reminders.contains_key(&r(1)),
        "a thread event is no one writing"
    );
    let changes = m.apply(&said(message(1, 2, agent(), text("still there?"), T0 + 1)));
    assert!(changes.events.contains(&DeskEvent::TimeoutReminder {
        conversation: r(1),
        closes_at: None
    }));
    m.apply(&remind);
    m.apply(&said(message(1, 3, Author::Visitor, file(), T0 + 2)));
    assert!(m.state().timeout_reminders.is_empty());
    m.apply(&remind);
    m.apply(&AgentEvent::ConversationRemoved {
        conversation: r(1),
        cause: RemoveCause::VisitorTimeout,
    });
    assert!(m.state().timeout_reminders.is_empty());
}

#[test]
fn d11_the_visitors_draft_ends_with_their_message() {
    let mut m = desk(&[1]);
    assert!(!m.visitor_draft(&r(1), "Et si je comm").is_empty());
    assert!(m.visitor_draft(&r(1), "Et si je comm").is_empty());
    assert!(m.visitor_draft(&r(9), "not on the desk").is_empty());
    let changes = m.apply(&said(message(
        1,
        1,
        Author::Visitor,
        text("Et si je commande ?"),
        T0,
    )));
    assert!(changes.events.contains(&DeskEvent::VisitorDraft {
        conversation: r(1),
        text: String::new()
    }));
    assert!(m.state().visitor_drafts.is_empty());
}

#[test]
fn r8_the_visitors_presence_updates_the_conversation() {
    let mut m = desk(&[1]);
    let changes = m.visitor_presence(&r(1), false);
    assert!(
        matches!(&changes.events[..], [DeskEvent::ConversationUpdated { conversation }]
        if !conversation.visitor_online)
    );
    assert!(m.visitor_presence(&r(1), false).is_empty());
}

#[test]
fn r3_r4_statuses_and_slot_limit_change_the_profile() {
    let mut m = desk(&[]);
    let changes = m.apply(&AgentEvent::SlotLimitChanged { limit: 2, max: 4 });
    let [DeskEvent::ProfileChanged { profile }] = &changes.events[..] else {
        panic!("{changes:?}");
    };
    assert_eq!((profile.slot_limit, profile.slot_max), (2, 4));
}

#[test]
fn r12_a_welcome_without_a_desk_resumes_and_announces_only_a_new_profile() {
    let mut m = desk(&[1]);
    assert!(m.welcome(profile(), None).is_empty());
    let renamed = AgentProfile {
        name: "Alice M.".into(),
        ..profile()
    };
    assert!(matches!(
        &m.welcome(renamed, None).events[..],
        [DeskEvent::ProfileChanged { .. }]
    ));
    assert_eq!(m.conversations().len(), 1);
}

#[test]
fn a10_a_pushed_profile_replaces_the_desk_options_once() {
    let mut m = desk(&[1]);
    let mut changed = profile();
    changed.options.request_file = false;
    changed.optional_statuses.push("Backoffice".into());
    let [DeskEvent::ProfileChanged { profile }] = &m.profile_changed(changed.clone()).events[..]
    else {
        panic!("the change is announced");
    };
    assert!(!profile.options.request_file);
    assert_eq!(m.profile(), Some(&changed));
    assert!(
        m.profile_changed(changed).is_empty(),
        "the same profile again is no news"
    );
    assert_eq!(m.conversations().len(), 1, "the conversations stay");
}

#[test]
fn r12_a_fresh_desk_replaces_the_conversations_and_keeps_what_still_holds() {
    let mut m = desk(&[1, 2]);
    m.visitor_draft(&r(1), "typing");
    m.visitor_draft(&r(2), "typing too");
    m.queued(item(1, 1));
    m.queued(item(1, 2));
    let mut v1 = view(1);
    v1.waiting_since = Some(T0);
    let mut delivered = message(1, 1, agent(), text("hello"), T0);
    delivered.client_id = Some(uuid::Uuid::from_u128(1));
    v1.messages.push(delivered);
    let changes = m.welcome(
        profile(),
        Some(DeskSnapshot {
            conversations: vec![v1, view(3)],
        }),
    );
    let [DeskEvent::Snapshot { state }] = &changes.events[..] else {
        panic!("{changes:?}");
    };
    assert_eq!(state.waiting, 1);
    assert_eq!(changes.waiting(), Some(1));
    assert_eq!(state.visitor_drafts.keys().collect::<Vec<_>>(), vec![&r(1)]);
    let outbox: Vec<ClientId> = state.outbox.iter().map(|o| o.local_id).collect();
    assert_eq!(
        outbox,
        vec![uuid::Uuid::from_u128(2)],
        "the delivered one left"
    );
}

#[test]
fn d17_notifications_hear_the_same_turns() {
    let mut m = desk(&[1]);
    let inputs = |changes: Changes| -> Vec<Input> {
        changes
            .events
            .iter()
            .flat_map(Input::from_desk_event)
            .collect()
    };
    let visitor = inputs(m.apply(&said(message(1, 1, Author::Visitor, file(), T0))));
    assert!(
        matches!(&visitor[..], [Input::VisitorMessage { text, .. }] if text.contains("invoice.pdf"))
    );
    let reply = inputs(m.apply(&said(message(1, 2, agent(), offer(), T0 + 1))));
    assert_eq!(reply, vec![Input::AgentReplied { conversation: r(1) }]);
    assert!(inputs(m.apply(&said(message(1, 2, agent(), offer(), T0 + 1)))).is_empty());
}
