//! Message and event kinds: every fixture's typed value has the kind its platform name gives,
//! names read back without regard to case, an unknown name stays itself, and each kind says
//! which payload its variant carries.

use wxoa_types::inbound::{
    Body, Click, Event, EventKind, Inbound, Message, MessageKind, ScanCode, Subscribe, Text, Video,
};

fn fixtures() -> Vec<(String, Inbound)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/inbound");
    let mut pushes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "xml") {
            let xml = std::fs::read(&path).unwrap();
            pushes.push((path.display().to_string(), Inbound::from_xml(&xml).unwrap()));
        }
    }
    assert!(pushes.len() > 50, "the fixtures are there");
    pushes
}

#[test]
fn every_typed_push_has_the_kind_its_name_gives() {
    for (path, push) in fixtures() {
        match &push.body {
            Body::Message(message) => {
                let kind = MessageKind::from(push.msg_type.as_str());
                assert_eq!(message.kind(), kind, "{path}");
                assert!(message.is(&kind), "{path}");
                assert_eq!(kind.name(), message.msg_type(), "{path}");
            }
            Body::Event(Event::Unknown) => {
                let name = push.event.as_deref().unwrap();
                assert_eq!(EventKind::from(name), EventKind::Unknown(name.to_owned()));
                assert!(!Event::Unknown.is(&EventKind::from(name)), "{path}");
            }
            Body::Event(event) => {
                let name = push.event.as_deref().unwrap();
                let kind = EventKind::from(name);
                assert_eq!(event.kind(), Some(kind.clone()), "{path}");
                assert!(event.is(&kind), "{path}");
                assert!(kind.name().eq_ignore_ascii_case(name), "{path}");
                assert_eq!(Some(kind.name()), event.name(), "{path}");
            }
            _ => {
                let kind = MessageKind::from(push.msg_type.as_str());
                assert_eq!(kind, MessageKind::Unknown(push.msg_type.clone()), "{path}");
            }
        }
    }
}

#[test]
fn names_read_back_without_regard_to_case_and_unknown_names_stay_as_given() {
    assert_eq!(EventKind::from("scan"), EventKind::Scan);
    assert_eq!(EventKind::from("SCAN").name(), "SCAN");
    assert_eq!(EventKind::from("Subscribe"), EventKind::Subscribe);
    assert_eq!(EventKind::Subscribe.to_string(), "subscribe");
    assert_eq!(MessageKind::from("ShortVideo"), MessageKind::ShortVideo);
    assert_eq!(
        EventKind::from("future_account_notice"),
        EventKind::Unknown("future_account_notice".to_owned())
    );
    assert_eq!(
        EventKind::from("Future_Account_Notice").name(),
        "Future_Account_Notice"
    );
    assert_eq!(
        EventKind::from("Qualification_Verify_Success"),
        EventKind::QualificationVerifySuccess
    );
    assert_eq!(
        MessageKind::from("miniprogrampage").name(),
        "miniprogrampage"
    );
    // The message type `event` is not a message kind.
    assert_eq!(
        MessageKind::from("event"),
        MessageKind::Unknown("event".to_owned())
    );
}

#[test]
fn each_kind_names_the_payload_it_carries() {
    assert!(MessageKind::Text.carries::<Text>());
    assert!(MessageKind::Video.carries::<Video>());
    assert!(MessageKind::ShortVideo.carries::<Video>());
    assert!(!MessageKind::Image.carries::<Text>());
    assert!(EventKind::Click.carries::<Click>());
    assert!(EventKind::ScancodeWaitmsg.carries::<ScanCode>());
    assert!(!EventKind::Click.carries::<ScanCode>());
    assert!(!EventKind::Unsubscribe.carries::<()>());
    assert!(!EventKind::Unknown("CLICK".to_owned()).carries::<Click>());
}

#[test]
fn a_payload_is_given_only_as_the_type_its_variant_carries() {
    for (path, push) in fixtures() {
        match &push.body {
            Body::Message(Message::Text(text)) => {
                let message = push.as_message().unwrap();
                assert_eq!(message.payload::<Text>(), Some(text), "{path}");
                assert_eq!(message.payload::<Video>(), None, "{path}");
            }
            Body::Event(Event::Click(click)) => {
                let event = push.as_event().unwrap();
                assert_eq!(event.payload::<Click>(), Some(click), "{path}");
                assert_eq!(event.payload::<Subscribe>(), None, "{path}");
            }
            Body::Event(event @ (Event::Unsubscribe | Event::Unknown)) => {
                assert_eq!(event.payload::<()>(), None, "{path}");
                assert_eq!(event.payload::<Click>(), None, "{path}");
            }
            _ => {}
        }
    }
}
