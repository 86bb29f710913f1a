//! The wire format, pinned: these JSON shapes are what the desk and the widget send and expect.

use pupitre_protocol::agent::{AgentClientFrame, AgentServerFrame, TransferTarget};
use pupitre_protocol::visitor::VisitorClientFrame;
use pupitre_protocol::{Channel, ChosenStatus, ConversationRef, ErrorCode, ErrorFrame};
use serde_json::json;

#[test]
fn agent_frames_are_tagged_by_type() {
    let id = uuid::Uuid::now_v7();
    let frame = AgentClientFrame::Transfer {
        client_id: id,
        conversation: ConversationRef::new("DEMO", 1042),
        to: TransferTarget::Group { id: 2 },
        comment: Some("VIP".into()),
        anyway: false,
    };
    let value = serde_json::to_value(&frame).unwrap();
    assert_eq!(
        value,
        json!({"type": "transfer", "client_id": id.to_string(), "conversation": "DEMO-1042",
               "to": {"kind": "group", "id": 2}, "comment": "VIP", "anyway": false})
    );
    assert_eq!(
        serde_json::from_value::<AgentClientFrame>(value).unwrap(),
        frame
    );
    let status = AgentClientFrame::SetStatus {
        client_id: id,
        channel: Channel::Chat,
        status: ChosenStatus::Optional("In training".into()),
    };
    assert_eq!(
        serde_json::to_value(&status).unwrap()["status"],
        json!({"kind": "optional", "name": "In training"})
    );
}

#[test]
fn unknown_fields_and_types_are_refused() {
    let extra = json!({"type": "close", "client_id": uuid::Uuid::now_v7(), "conversation": "DEMO-1",
                       "conversation_type": null, "x": 1});
    assert!(serde_json::from_value::<AgentClientFrame>(extra).is_err());
    assert!(serde_json::from_value::<AgentClientFrame>(json!({"type": "fly"})).is_err());
    assert!(serde_json::from_value::<VisitorClientFrame>(json!({"type": "send_message"})).is_err());
}

#[test]
fn errors_are_code_and_message() {
    let e = AgentServerFrame::Error(ErrorFrame::new(ErrorCode::Forbidden, "not yours"));
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        json!({"type": "error", "code": "forbidden", "message": "not yours"})
    );
}

#[test]
fn conversation_refs_parse() {
    assert_eq!(
        ConversationRef("DEMO-1042".into()).parse(),
        Some(("DEMO", 1042))
    );
    for bad in [
        "DEMO", "-5", "DEMO-x", "DEMO-0", "DEMO--1", "", "A-B-7", "demo-1", "DEMO-+1",
    ] {
        assert_eq!(ConversationRef(bad.into()).parse(), None, "{bad}");
    }
}
