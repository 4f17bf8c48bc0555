//! Every fixture in `fixtures/inbound/` parsed with [`Inbound::from_xml`] and checked field by
//! field against the literal values written in the fixture.

use serde_json::json;
use wxoa_types::inbound::{Body, Event, Inbound, InboundError, Message, TemplateStatus};
use wxoa_types::xml::{Element, XmlError};

/// `ToUserName` of every fixture.
const TO: &str = "gh_0123456789ab";

pub(crate) fn parse(xml: &[u8]) -> Inbound {
    Inbound::from_xml(xml).unwrap_or_else(|e| panic!("fixture does not parse: {e}"))
}

/// The header and classification a push is expected to have.
pub(crate) struct Header {
    from: &'static str,
    create_time: i64,
    msg_type: &'static str,
    event: Option<&'static str>,
    msg_id: Option<u64>,
    msg_data_id: Option<&'static str>,
    idx: Option<u32>,
    kind: &'static str,
    accepts_reply: bool,
}

impl Header {
    /// A normal message: `MsgId`, no `Event`, kind = `MsgType`, accepts a reply.
    fn message(from: &'static str, create_time: i64, msg_type: &'static str, msg_id: u64) -> Self {
        Self {
            from,
            create_time,
            msg_type,
            event: None,
            msg_id: Some(msg_id),
            msg_data_id: None,
            idx: None,
            kind: msg_type,
            accepts_reply: true,
        }
    }

    /// An event with no `MsgID`.
    pub(crate) fn event(
        from: &'static str,
        create_time: i64,
        event: &'static str,
        kind: &'static str,
        accepts_reply: bool,
    ) -> Self {
        Self {
            from,
            create_time,
            msg_type: "event",
            event: Some(event),
            msg_id: None,
            msg_data_id: None,
            idx: None,
            kind,
            accepts_reply,
        }
    }
}

pub(crate) fn check_header(push: &Inbound, h: &Header) {
    assert_eq!(push.to_user_name, TO, "to_user_name");
    assert_eq!(push.from_user_name, h.from, "from_user_name");
    assert_eq!(push.create_time, h.create_time, "create_time");
    assert_eq!(push.msg_type, h.msg_type, "msg_type");
    assert_eq!(push.event.as_deref(), h.event, "event");
    assert_eq!(push.msg_id.map(|id| id.0), h.msg_id, "msg_id");
    assert_eq!(push.msg_data_id.as_deref(), h.msg_data_id, "msg_data_id");
    assert_eq!(push.idx, h.idx, "idx");
    assert_eq!(push.kind(), h.kind, "kind");
    assert_eq!(push.accepts_reply(), h.accepts_reply, "accepts_reply");
    match push.event {
        Some(_) => {
            assert!(push.as_event().is_some());
            assert!(push.as_message().is_none());
        }
        None => assert!(push.as_event().is_none()),
    }
}

pub(crate) fn assert_no_extra(push: &Inbound) {
    assert_eq!(push.extra, Vec::<Element>::new(), "unexpected extra fields");
}

fn leaf(name: &str, text: &str) -> Element {
    Element::leaf(name, text)
}

fn group(name: &str, children: Vec<Element>) -> Element {
    Element {
        name: name.to_owned().into(),
        text: String::new(),
        children,
    }
}

// ---------------------------------------------------------------------------------------------
// §1 Normal messages
// ---------------------------------------------------------------------------------------------

#[test]
fn text() {
    let push = parse(include_bytes!("../../../../fixtures/inbound/text.xml"));
    check_header(
        &push,
        &Header::message(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_000,
            "text",
            24_000_000_000_000_001,
        ),
    );
    let Body::Message(Message::Text(text)) = &push.body else {
        panic!("expected a text message, got {:?}", push.body);
    };
    assert_eq!(text.content, "hello");
    assert_eq!(text.biz_msg_menu_id, None);
    assert_eq!(push.event_key(), None);
    assert_no_extra(&push);
}

#[test]
fn image() {
    let push = parse(include_bytes!("../../../../fixtures/inbound/image.xml"));
    check_header(
        &push,
        &Header::message(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_010,
            "image",
            24_000_000_000_000_002,
        ),
    );
    let Body::Message(Message::Image(image)) = &push.body else {
        panic!("expected an image message, got {:?}", push.body);
    };
    assert_eq!(
        image.pic_url,
        "http://mmbiz.qpic.cn/mmbiz_jpg/Zx1aXb3WqL0cN9pQ7rT5vY2uE8iO6sA4dF1gH3jK5lM7nB9vC0xZ2/0"
    );
    assert_eq!(
        image.media_id,
        "tVt6bCwCQs9k0jEq3oKmxFh1nGzR8uP2aYd5WlS7iJ4eB6cT"
    );
    assert_no_extra(&push);
}

#[test]
fn voice() {
    let push = parse(include_bytes!("../../../../fixtures/inbound/voice.xml"));
    check_header(
        &push,
        &Header::message(
            "oUpF8uN8yw7eC-mMfQZ3kT1xRb2A",
            1_700_000_020,
            "voice",
            24_000_000_000_000_003,
        ),
    );
    let Body::Message(Message::Voice(voice)) = &push.body else {
        panic!("expected a voice message, got {:?}", push.body);
    };
    assert_eq!(
        voice.media_id,
        "xK3mP9qW2vB7nR5tY8uL1oA4sD6fG0hJcZeXiVbNwMq3pTa"
    );
    assert_eq!(voice.format.0, "amr");
    assert_eq!(voice.media_id_16k, None);
    assert_eq!(voice.recognition, None);
    assert_no_extra(&push);
}

#[test]
fn video() {
    let push = parse(include_bytes!("../../../../fixtures/inbound/video.xml"));
    check_header(
        &push,
        &Header::message(
            "oUpF8uN8yw7eC-mMfQZ3kT1xRb2A",
            1_700_000_030,
            "video",
            24_000_000_000_000_004,
        ),
    );
    let Body::Message(Message::Video(video)) = &push.body else {
        panic!("expected a video message, got {:?}", push.body);
    };
    assert_eq!(
        video.media_id,
        "vA8dQ2wE4rT6yU1iO3pS5fG7hJ9kL0zXcVbNmQwErTyUiOp"
    );
    assert_eq!(
        video.thumb_media_id,
        "tH1mB2nM3qW4eR5tY6uI7oP8aS9dF0gHjKlZxCvBnMqWeRt"
    );
    assert_no_extra(&push);
}

#[test]
fn shortvideo() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/shortvideo.xml"
    ));
    check_header(
        &push,
        &Header::message(
            "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
            1_700_000_040,
            "shortvideo",
            24_000_000_000_000_005,
        ),
    );
    let Body::Message(Message::ShortVideo(video)) = &push.body else {
        panic!("expected a shortvideo message, got {:?}", push.body);
    };
    assert_eq!(
        video.media_id,
        "sV9zX8cV7bN6mQ5wE4rT3yU2iO1pA0sDfGhJkLqWeRtYuIo"
    );
    assert_eq!(
        video.thumb_media_id,
        "sT0pL9oK8iJ7uH6yG5tF4rD3eS2wA1qZxCvBnMlKjHgFdSa"
    );
    assert_no_extra(&push);
}

#[test]
fn location() {
    let push = parse(include_bytes!("../../../../fixtures/inbound/location.xml"));
    check_header(
        &push,
        &Header::message(
            "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
            1_700_000_050,
            "location",
            24_000_000_000_000_006,
        ),
    );
    let Body::Message(Message::Location(location)) = &push.body else {
        panic!("expected a location message, got {:?}", push.body);
    };
    assert_eq!(location.latitude, 23.134521);
    assert_eq!(location.longitude, 113.358803);
    assert_eq!(location.scale, Some(20.0));
    assert_eq!(location.label.as_deref(), Some("广州市天河区天河路385号"));
    assert_no_extra(&push);
}

#[test]
fn link() {
    let push = parse(include_bytes!("../../../../fixtures/inbound/link.xml"));
    check_header(
        &push,
        &Header::message(
            "oUpF8uBq2Xr7Jt5Hn_Lz0yKd3FsE",
            1_700_000_060,
            "link",
            24_000_000_000_000_007,
        ),
    );
    let Body::Message(Message::Link(link)) = &push.body else {
        panic!("expected a link message, got {:?}", push.body);
    };
    assert_eq!(link.title, "Rust 1.74 released");
    assert_eq!(
        link.description.as_deref(),
        Some("Release notes for Rust 1.74.0")
    );
    assert_eq!(
        link.url,
        "https://blog.rust-lang.org/2023/11/16/Rust-1.74.0.html"
    );
    assert_no_extra(&push);
}

#[test]
fn text_msgmenu() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/text_msgmenu.xml"
    ));
    check_header(
        &push,
        &Header::message(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_070,
            "text",
            24_000_000_000_000_008,
        ),
    );
    let Body::Message(Message::Text(text)) = &push.body else {
        panic!("expected a text message, got {:?}", push.body);
    };
    assert_eq!(text.content, "满意");
    assert_eq!(text.biz_msg_menu_id.as_deref(), Some("101"));
    assert_no_extra(&push);
}

#[test]
fn text_from_article() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/text_from_article.xml"
    ));
    check_header(
        &push,
        &Header {
            msg_data_id: Some("2247483653"),
            idx: Some(2),
            ..Header::message(
                "oUpF8uBq2Xr7Jt5Hn_Lz0yKd3FsE",
                1_700_000_080,
                "text",
                24_000_000_000_000_009,
            )
        },
    );
    let Body::Message(Message::Text(text)) = &push.body else {
        panic!("expected a text message, got {:?}", push.body);
    };
    assert_eq!(text.content, "写得很好");
    assert_eq!(text.biz_msg_menu_id, None);
    assert_no_extra(&push);
}

#[test]
fn voice_recognition() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/voice_recognition.xml"
    ));
    check_header(
        &push,
        &Header::message(
            "oUpF8uHw6Ea1Qm-9Vb4Cx7Ns2PdR",
            1_700_000_090,
            "voice",
            24_000_000_000_000_010,
        ),
    );
    let Body::Message(Message::Voice(voice)) = &push.body else {
        panic!("expected a voice message, got {:?}", push.body);
    };
    assert_eq!(
        voice.media_id,
        "rC4gT7yH2nM9kP3wQ6zX1vB8sD5fJ0aLeRuIoYtEwQaSdFg"
    );
    assert_eq!(voice.format.0, "speex");
    assert_eq!(
        voice.media_id_16k.as_ref().map(|m| m.as_str()),
        Some("rC4gT7yH2nM9kP3wQ6zX1vB8sD5fJ0aLeRuIoYtEwQa16K0")
    );
    assert_eq!(voice.recognition.as_deref(), Some("腾讯微信团队"));
    assert_no_extra(&push);
}

// ---------------------------------------------------------------------------------------------
// §2.1 Follow / QR / location
// ---------------------------------------------------------------------------------------------

#[test]
fn event_subscribe() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_subscribe.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_100,
            "subscribe",
            "subscribe",
            true,
        ),
    );
    let Body::Event(Event::Subscribe(subscribe)) = &push.body else {
        panic!("expected a subscribe event, got {:?}", push.body);
    };
    assert_eq!(subscribe.event_key, None);
    assert_eq!(subscribe.ticket, None);
    assert_eq!(subscribe.scene(), None);
    assert_eq!(push.event_key(), None);
    assert_no_extra(&push);
}

#[test]
fn event_subscribe_qrscene() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_subscribe_qrscene.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uN8yw7eC-mMfQZ3kT1xRb2A",
            1_700_000_110,
            "subscribe",
            "subscribe",
            true,
        ),
    );
    let Body::Event(Event::Subscribe(subscribe)) = &push.body else {
        panic!("expected a subscribe event, got {:?}", push.body);
    };
    assert_eq!(subscribe.event_key.as_deref(), Some("qrscene_123"));
    assert_eq!(
        subscribe.ticket.as_deref(),
        Some(
            "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw=="
        )
    );
    assert_eq!(subscribe.scene(), Some("123"));
    assert_eq!(push.event_key(), Some("qrscene_123"));
    assert_no_extra(&push);
}

#[test]
fn event_unsubscribe() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_unsubscribe.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_120,
            "unsubscribe",
            "unsubscribe",
            false,
        ),
    );
    assert_eq!(push.body, Body::Event(Event::Unsubscribe));
    assert_eq!(push.event_key(), None);
    assert_no_extra(&push);
}

#[test]
fn event_scan() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_scan.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uN8yw7eC-mMfQZ3kT1xRb2A",
            1_700_000_130,
            "SCAN",
            "SCAN",
            true,
        ),
    );
    let Body::Event(Event::Scan(scan)) = &push.body else {
        panic!("expected a SCAN event, got {:?}", push.body);
    };
    assert_eq!(scan.event_key, "123");
    assert_eq!(
        scan.ticket.as_deref(),
        Some(
            "gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw=="
        )
    );
    assert_eq!(push.event_key(), Some("123"));
    assert_no_extra(&push);
}

#[test]
fn event_location() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_location.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
            1_700_000_140,
            "LOCATION",
            "LOCATION",
            true,
        ),
    );
    let Body::Event(Event::Location(report)) = &push.body else {
        panic!("expected a LOCATION event, got {:?}", push.body);
    };
    assert_eq!(report.latitude, 23.137466);
    assert_eq!(report.longitude, 113.352425);
    assert_eq!(report.precision, Some(119.385040));
    assert_eq!(push.event_key(), None);
    assert_no_extra(&push);
}

// ---------------------------------------------------------------------------------------------
// §2.2 Custom-menu events
// ---------------------------------------------------------------------------------------------

#[test]
fn event_click() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_click.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_200,
            "CLICK",
            "CLICK",
            true,
        ),
    );
    let Body::Event(Event::Click(click)) = &push.body else {
        panic!("expected a CLICK event, got {:?}", push.body);
    };
    assert_eq!(click.key, "V1001_TODAY_MUSIC");
    assert_eq!(push.event_key(), Some("V1001_TODAY_MUSIC"));
    assert_no_extra(&push);
}

#[test]
fn event_view() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_view.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_210,
            "VIEW",
            "VIEW",
            true,
        ),
    );
    let Body::Event(Event::View(view)) = &push.body else {
        panic!("expected a VIEW event, got {:?}", push.body);
    };
    assert_eq!(
        view.url,
        "https://www.example.com/menu/landing?from=menu&id=7"
    );
    assert_eq!(view.menu_id.as_deref(), Some("208379533"));
    assert_eq!(
        push.event_key(),
        Some("https://www.example.com/menu/landing?from=menu&id=7")
    );
    assert_no_extra(&push);
}

#[test]
fn event_scancode_push() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_scancode_push.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
            1_700_000_220,
            "scancode_push",
            "scancode_push",
            true,
        ),
    );
    let Body::Event(Event::ScancodePush(scan)) = &push.body else {
        panic!("expected a scancode_push event, got {:?}", push.body);
    };
    assert_eq!(scan.key, "rselfmenu_0_1");
    assert_eq!(scan.info.scan_type.0, "qrcode");
    assert_eq!(scan.info.scan_result, "https://www.example.com/q/ABC123");
    assert_eq!(push.event_key(), Some("rselfmenu_0_1"));
    assert_no_extra(&push);
}

#[test]
fn event_scancode_waitmsg() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_scancode_waitmsg.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
            1_700_000_230,
            "scancode_waitmsg",
            "scancode_waitmsg",
            true,
        ),
    );
    let Body::Event(Event::ScancodeWaitmsg(scan)) = &push.body else {
        panic!("expected a scancode_waitmsg event, got {:?}", push.body);
    };
    assert_eq!(scan.key, "rselfmenu_0_0");
    assert_eq!(scan.info.scan_type.0, "barcode");
    assert_eq!(scan.info.scan_result, "EAN_13,6901234567892");
    assert_eq!(push.event_key(), Some("rselfmenu_0_0"));
    assert_no_extra(&push);
}

#[test]
fn event_pic_sysphoto() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_pic_sysphoto.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uBq2Xr7Jt5Hn_Lz0yKd3FsE",
            1_700_000_240,
            "pic_sysphoto",
            "pic_sysphoto",
            true,
        ),
    );
    let Body::Event(Event::PicSysphoto(pics)) = &push.body else {
        panic!("expected a pic_sysphoto event, got {:?}", push.body);
    };
    assert_eq!(pics.key, "rselfmenu_1_0");
    assert_eq!(pics.info.count, 1);
    assert_eq!(pics.info.pictures.len(), 1);
    assert_eq!(
        pics.info.pictures[0].pic_md5_sum.0,
        "1b5f7c23b5bf75682a53e7b6d163e185"
    );
    assert_eq!(push.event_key(), Some("rselfmenu_1_0"));
    assert_no_extra(&push);
}

#[test]
fn event_pic_photo_or_album() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_pic_photo_or_album.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uBq2Xr7Jt5Hn_Lz0yKd3FsE",
            1_700_000_250,
            "pic_photo_or_album",
            "pic_photo_or_album",
            true,
        ),
    );
    let Body::Event(Event::PicPhotoOrAlbum(pics)) = &push.body else {
        panic!("expected a pic_photo_or_album event, got {:?}", push.body);
    };
    assert_eq!(pics.key, "rselfmenu_1_1");
    assert_eq!(pics.info.count, 2);
    assert_eq!(pics.info.pictures.len(), 2);
    assert_eq!(
        pics.info.pictures[0].pic_md5_sum.0,
        "5a75aaca956d97be686719218f275c6b"
    );
    assert_eq!(
        pics.info.pictures[1].pic_md5_sum.0,
        "9e1c2b3a4d5f60718293a4b5c6d7e8f9"
    );
    assert_eq!(push.event_key(), Some("rselfmenu_1_1"));
    assert_no_extra(&push);
}

#[test]
fn event_pic_weixin() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_pic_weixin.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uBq2Xr7Jt5Hn_Lz0yKd3FsE",
            1_700_000_260,
            "pic_weixin",
            "pic_weixin",
            true,
        ),
    );
    let Body::Event(Event::PicWeixin(pics)) = &push.body else {
        panic!("expected a pic_weixin event, got {:?}", push.body);
    };
    assert_eq!(pics.key, "rselfmenu_1_2");
    assert_eq!(pics.info.count, 1);
    assert_eq!(pics.info.pictures.len(), 1);
    assert_eq!(
        pics.info.pictures[0].pic_md5_sum.0,
        "0e7a8b9c1d2e3f405162738495a6b7c8"
    );
    assert_eq!(push.event_key(), Some("rselfmenu_1_2"));
    assert_no_extra(&push);
}

#[test]
fn event_location_select() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_location_select.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uHw6Ea1Qm-9Vb4Cx7Ns2PdR",
            1_700_000_270,
            "location_select",
            "location_select",
            true,
        ),
    );
    let Body::Event(Event::LocationSelect(select)) = &push.body else {
        panic!("expected a location_select event, got {:?}", push.body);
    };
    assert_eq!(select.key, "rselfmenu_2_0");
    assert_eq!(select.info.latitude, 23.125601);
    assert_eq!(select.info.longitude, 113.326221);
    assert_eq!(select.info.scale, Some(15.0));
    assert_eq!(
        select.info.label.as_deref(),
        Some("广州市海珠区客村艺苑路106号")
    );
    // `<Poiname><![CDATA[]]></Poiname>`: an empty value reads as absent.
    assert_eq!(select.info.poiname, None);
    assert_eq!(push.event_key(), Some("rselfmenu_2_0"));
    assert_no_extra(&push);
}

#[test]
fn event_view_miniprogram() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_view_miniprogram.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uHw6Ea1Qm-9Vb4Cx7Ns2PdR",
            1_700_000_280,
            "view_miniprogram",
            "view_miniprogram",
            true,
        ),
    );
    let Body::Event(Event::ViewMiniprogram(view)) = &push.body else {
        panic!("expected a view_miniprogram event, got {:?}", push.body);
    };
    assert_eq!(view.page_path, "pages/index/index?scene=menu");
    assert_eq!(view.menu_id.as_deref(), Some("208379533"));
    assert_eq!(push.event_key(), Some("pages/index/index?scene=menu"));
    assert_no_extra(&push);
}

// ---------------------------------------------------------------------------------------------
// §2.3 Template / mass / publish jobs
// ---------------------------------------------------------------------------------------------

#[test]
fn event_templatesendjobfinish() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_templatesendjobfinish.xml"
    ));
    check_header(
        &push,
        &Header {
            msg_id: Some(3_147_483_649),
            ..Header::event(
                "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
                1_700_000_300,
                "TEMPLATESENDJOBFINISH",
                "TEMPLATESENDJOBFINISH",
                false,
            )
        },
    );
    let Body::Event(Event::TemplateSendJobFinish(job)) = &push.body else {
        panic!(
            "expected a TEMPLATESENDJOBFINISH event, got {:?}",
            push.body
        );
    };
    assert_eq!(job.status.0, "success");
    assert_eq!(job.outcome(), TemplateStatus::Success);
    assert_eq!(push.event_key(), None);
    assert_no_extra(&push);
}

#[test]
fn event_templatesendjobfinish_failed() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_templatesendjobfinish_failed.xml"
    ));
    check_header(
        &push,
        &Header {
            msg_id: Some(3_147_483_650),
            ..Header::event(
                "oUpF8uN8yw7eC-mMfQZ3kT1xRb2A",
                1_700_000_310,
                "TEMPLATESENDJOBFINISH",
                "TEMPLATESENDJOBFINISH",
                false,
            )
        },
    );
    let Body::Event(Event::TemplateSendJobFinish(job)) = &push.body else {
        panic!(
            "expected a TEMPLATESENDJOBFINISH event, got {:?}",
            push.body
        );
    };
    assert_eq!(job.status.0, "failed: system failed");
    assert_eq!(job.outcome(), TemplateStatus::SystemFailed);
    assert_no_extra(&push);
}

#[test]
fn event_masssendjobfinish() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_masssendjobfinish.xml"
    ));
    check_header(
        &push,
        &Header {
            msg_id: Some(1_000_001_625),
            ..Header::event(
                "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
                1_700_000_320,
                "MASSSENDJOBFINISH",
                "MASSSENDJOBFINISH",
                false,
            )
        },
    );
    let Body::Event(Event::MassSendJobFinish(job)) = &push.body else {
        panic!("expected a MASSSENDJOBFINISH event, got {:?}", push.body);
    };
    assert_eq!(job.status.0, "send success");
    assert!(job.succeeded());
    assert_eq!(job.error_code(), None);
    assert_eq!(job.total_count, Some(120));
    assert_eq!(job.filter_count, Some(118));
    assert_eq!(job.sent_count, Some(117));
    assert_eq!(job.error_count, Some(1));

    let copyright = job.copyright_check.as_ref().expect("CopyrightCheckResult");
    assert_eq!(copyright.count, Some(2));
    assert_eq!(copyright.check_state, Some(2));
    assert_eq!(copyright.results.len(), 2);
    let first = &copyright.results[0];
    assert_eq!(first.article_idx, 1);
    assert_eq!(first.user_declare_state, Some(0));
    assert_eq!(first.audit_state, Some(2));
    assert_eq!(
        first.original_article_url.as_deref(),
        Some(
            "http://mp.weixin.qq.com/s?__biz=MzA4MDI1MzQ1OA==&mid=2651000001&idx=1&sn=0a1b2c3d4e5f60718293a4b5c6d7e8f9"
        )
    );
    assert_eq!(first.original_article_type, Some(1));
    assert_eq!(first.can_reprint, Some(1));
    assert_eq!(first.need_replace_content, Some(0));
    assert_eq!(first.need_show_reprint_source, Some(1));
    let second = &copyright.results[1];
    assert_eq!(second.article_idx, 2);
    assert_eq!(second.user_declare_state, Some(0));
    assert_eq!(second.audit_state, Some(2));
    assert_eq!(
        second.original_article_url.as_deref(),
        Some(
            "http://mp.weixin.qq.com/s?__biz=MzA4MDI1MzQ1OA==&mid=2651000002&idx=1&sn=1f2e3d4c5b6a79881726354453627181"
        )
    );
    assert_eq!(second.original_article_type, Some(1));
    assert_eq!(second.can_reprint, Some(1));
    assert_eq!(second.need_replace_content, Some(1));
    assert_eq!(second.need_show_reprint_source, Some(1));

    let urls = job.article_urls.as_ref().expect("ArticleUrlResult");
    assert_eq!(urls.count, Some(1));
    assert_eq!(urls.results.len(), 1);
    assert_eq!(urls.results[0].article_idx, 1);
    assert_eq!(
        urls.results[0].article_url,
        "http://mp.weixin.qq.com/s?__biz=MzI0NTk0NzE2MQ==&mid=2247483731&idx=1&sn=7c1e3a5b9d2f4e6a8b0c1d2e3f405162"
    );
    assert_no_extra(&push);
}

#[test]
fn event_publishjobfinish() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_publishjobfinish.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uBq2Xr7Jt5Hn_Lz0yKd3FsE",
            1_700_000_330,
            "PUBLISHJOBFINISH",
            "PUBLISHJOBFINISH",
            false,
        ),
    );
    let Body::Event(Event::PublishJobFinish(job)) = &push.body else {
        panic!("expected a PUBLISHJOBFINISH event, got {:?}", push.body);
    };
    assert_eq!(job.publish_id, "2247503051");
    assert_eq!(job.publish_status, 0);
    assert_eq!(
        job.article_id.as_deref(),
        Some("b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvyWP4Hq4")
    );
    let detail = job.article_detail.as_ref().expect("article_detail");
    assert_eq!(detail.count, Some(1));
    assert_eq!(detail.articles.len(), 1);
    assert_eq!(detail.articles[0].idx, 1);
    assert_eq!(
        detail.articles[0].article_url,
        "https://mp.weixin.qq.com/s/b5O2OUs25HBxRceL7hfReg"
    );
    assert_eq!(job.fail_idx, Vec::<u32>::new());
    assert_eq!(job.extra, Vec::<Element>::new());
    assert_no_extra(&push);
}

#[test]
fn event_publishjobfinish_failed() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_publishjobfinish_failed.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uBq2Xr7Jt5Hn_Lz0yKd3FsE",
            1_700_000_340,
            "PUBLISHJOBFINISH",
            "PUBLISHJOBFINISH",
            false,
        ),
    );
    let Body::Event(Event::PublishJobFinish(job)) = &push.body else {
        panic!("expected a PUBLISHJOBFINISH event, got {:?}", push.body);
    };
    assert_eq!(job.publish_id, "2247503052");
    assert_eq!(job.publish_status, 2);
    assert_eq!(job.article_id, None);
    assert_eq!(job.article_detail, None);
    assert_eq!(job.fail_idx, vec![1, 3]);
    assert_eq!(job.extra, Vec::<Element>::new());
    assert_no_extra(&push);
}

// ---------------------------------------------------------------------------------------------
// §2.4 Customer-service sessions
// ---------------------------------------------------------------------------------------------

#[test]
fn event_kf_create_session() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_kf_create_session.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_400,
            "kf_create_session",
            "kf_create_session",
            false,
        ),
    );
    let Body::Event(Event::KfCreateSession(session)) = &push.body else {
        panic!("expected a kf_create_session event, got {:?}", push.body);
    };
    assert_eq!(session.kf_account, "kf2001@gh_0123456789ab");
    assert_no_extra(&push);
}

#[test]
fn event_kf_close_session() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_kf_close_session.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_410,
            "kf_close_session",
            "kf_close_session",
            false,
        ),
    );
    let Body::Event(Event::KfCloseSession(session)) = &push.body else {
        panic!("expected a kf_close_session event, got {:?}", push.body);
    };
    assert_eq!(session.kf_account, "kf2001@gh_0123456789ab");
    assert_no_extra(&push);
}

#[test]
fn event_kf_switch_session() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_kf_switch_session.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_420,
            "kf_switch_session",
            "kf_switch_session",
            false,
        ),
    );
    let Body::Event(Event::KfSwitchSession(switch)) = &push.body else {
        panic!("expected a kf_switch_session event, got {:?}", push.body);
    };
    assert_eq!(switch.from_kf_account, "kf2001@gh_0123456789ab");
    assert_eq!(switch.to_kf_account, "kf2002@gh_0123456789ab");
    assert_no_extra(&push);
}

// ---------------------------------------------------------------------------------------------
// §2.5 Subscription notifications
// ---------------------------------------------------------------------------------------------

#[test]
fn event_subscribe_msg_popup_event() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_subscribe_msg_popup_event.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uN8yw7eC-mMfQZ3kT1xRb2A",
            1_700_000_500,
            "subscribe_msg_popup_event",
            "subscribe_msg_popup_event",
            false,
        ),
    );
    let Body::Event(Event::SubscribeMsgPopup(popup)) = &push.body else {
        panic!("expected a subscribe_msg_popup_event, got {:?}", push.body);
    };
    assert_eq!(popup.list.len(), 2);
    assert_eq!(
        popup.list[0].template_id,
        "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc"
    );
    assert_eq!(popup.list[0].status.0, "accept");
    assert_eq!(popup.list[0].popup_scene, Some(2));
    assert_eq!(
        popup.list[1].template_id,
        "9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI"
    );
    assert_eq!(popup.list[1].status.0, "reject");
    assert_eq!(popup.list[1].popup_scene, Some(2));
    assert_no_extra(&push);
}

#[test]
fn event_subscribe_msg_change_event() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_subscribe_msg_change_event.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uN8yw7eC-mMfQZ3kT1xRb2A",
            1_700_000_510,
            "subscribe_msg_change_event",
            "subscribe_msg_change_event",
            false,
        ),
    );
    let Body::Event(Event::SubscribeMsgChange(change)) = &push.body else {
        panic!("expected a subscribe_msg_change_event, got {:?}", push.body);
    };
    assert_eq!(change.list.len(), 1);
    assert_eq!(
        change.list[0].template_id,
        "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc"
    );
    assert_eq!(change.list[0].status.0, "reject");
    assert_no_extra(&push);
}

#[test]
fn event_subscribe_msg_sent_event() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_subscribe_msg_sent_event.xml"
    ));
    // The `MsgID` is inside the `List`, not in the header.
    check_header(
        &push,
        &Header::event(
            "oUpF8uN8yw7eC-mMfQZ3kT1xRb2A",
            1_700_000_520,
            "subscribe_msg_sent_event",
            "subscribe_msg_sent_event",
            false,
        ),
    );
    let Body::Event(Event::SubscribeMsgSent(sent)) = &push.body else {
        panic!("expected a subscribe_msg_sent_event, got {:?}", push.body);
    };
    assert_eq!(sent.list.len(), 1);
    let item = &sent.list[0];
    assert_eq!(
        item.template_id,
        "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc"
    );
    assert_eq!(item.msg_id, Some(1_700_827_132_819_554_304));
    assert_eq!(item.error_code, Some(0));
    assert_eq!(item.error_status.as_deref(), Some("success"));
    assert_no_extra(&push);
}

// ---------------------------------------------------------------------------------------------
// §2.6 Card events
// ---------------------------------------------------------------------------------------------

#[test]
fn event_card_pass_check() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_card_pass_check.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_600,
            "card_pass_check",
            "card_pass_check",
            false,
        ),
    );
    let Body::Event(Event::CardPassCheck(card)) = &push.body else {
        panic!("expected a card_pass_check event, got {:?}", push.body);
    };
    assert_eq!(card.card_id, "pUpF8ujSy5fVPRBeD78J4RmqVvBc");
    assert_no_extra(&push);
}

#[test]
fn event_card_not_pass_check() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_card_not_pass_check.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_610,
            "card_not_pass_check",
            "card_not_pass_check",
            false,
        ),
    );
    let Body::Event(Event::CardNotPassCheck(card)) = &push.body else {
        panic!("expected a card_not_pass_check event, got {:?}", push.body);
    };
    assert_eq!(card.card_id, "pUpF8uhZ3kQ9wX-eR2tYbN7mLcVa");
    assert_eq!(card.refuse_reason.as_deref(), Some("卡券名称包含违规词汇"));
    assert_no_extra(&push);
}

#[test]
fn event_user_get_card() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_user_get_card.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
            1_700_000_620,
            "user_get_card",
            "user_get_card",
            false,
        ),
    );
    let Body::Event(Event::UserGetCard(card)) = &push.body else {
        panic!("expected a user_get_card event, got {:?}", push.body);
    };
    assert_eq!(card.card_id, "pUpF8ujSy5fVPRBeD78J4RmqVvBc");
    assert_eq!(card.is_give_by_friend, Some(true));
    assert_eq!(
        card.friend_user_name.as_deref(),
        Some("oUpF8uBq2Xr7Jt5Hn_Lz0yKd3FsE")
    );
    assert_eq!(card.user_card_code.as_deref(), Some("226009850808"));
    assert_eq!(card.old_user_card_code.as_deref(), Some("226009850801"));
    assert_eq!(card.outer_id, Some(0));
    assert_eq!(card.outer_str.as_deref(), Some("12b"));
    assert_eq!(card.is_restore_member_card, Some(false));
    assert_eq!(card.is_recommend_by_friend, Some(false));
    assert_eq!(
        card.union_id.as_deref(),
        Some("o6_bmasdasdsad6_2sgVt7hMZOPfL")
    );
    assert_no_extra(&push);
}

#[test]
fn event_user_gifting_card() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_user_gifting_card.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uBq2Xr7Jt5Hn_Lz0yKd3FsE",
            1_700_000_630,
            "user_gifting_card",
            "user_gifting_card",
            false,
        ),
    );
    let Body::Event(Event::UserGiftingCard(card)) = &push.body else {
        panic!("expected a user_gifting_card event, got {:?}", push.body);
    };
    assert_eq!(card.card_id, "pUpF8ujSy5fVPRBeD78J4RmqVvBc");
    assert_eq!(card.user_card_code.as_deref(), Some("226009850808"));
    assert_eq!(card.is_return_back, Some(false));
    assert_eq!(
        card.friend_user_name.as_deref(),
        Some("oUpF8uK3pL0dVh-_sQe9WnYc4TgZ")
    );
    assert_eq!(card.is_chat_room, Some(false));
    assert_no_extra(&push);
}

#[test]
fn event_user_del_card() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_user_del_card.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
            1_700_000_640,
            "user_del_card",
            "user_del_card",
            false,
        ),
    );
    let Body::Event(Event::UserDelCard(card)) = &push.body else {
        panic!("expected a user_del_card event, got {:?}", push.body);
    };
    assert_eq!(card.card_id, "pUpF8ujSy5fVPRBeD78J4RmqVvBc");
    assert_eq!(card.user_card_code.as_deref(), Some("226009850808"));
    assert_no_extra(&push);
}

#[test]
fn event_user_consume_card() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_user_consume_card.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
            1_700_000_650,
            "user_consume_card",
            "user_consume_card",
            false,
        ),
    );
    let Body::Event(Event::UserConsumeCard(card)) = &push.body else {
        panic!("expected a user_consume_card event, got {:?}", push.body);
    };
    assert_eq!(card.card_id, "pUpF8ujSy5fVPRBeD78J4RmqVvBc");
    assert_eq!(card.user_card_code.as_deref(), Some("226009850808"));
    assert_eq!(card.consume_source.as_deref(), Some("FROM_API"));
    assert_eq!(card.location_name.as_deref(), Some("天河城店"));
    assert_eq!(
        card.staff_open_id.as_deref(),
        Some("oUpF8uHw6Ea1Qm-9Vb4Cx7Ns2PdR")
    );
    // Empty CDATA reads as absent.
    assert_eq!(card.verify_code, None);
    assert_eq!(card.remark_amount, None);
    assert_eq!(card.outer_str.as_deref(), Some("store_7"));
    assert_no_extra(&push);
}

#[test]
fn event_user_pay_from_pay_cell() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_user_pay_from_pay_cell.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
            1_700_000_660,
            "user_pay_from_pay_cell",
            "user_pay_from_pay_cell",
            false,
        ),
    );
    let Body::Event(Event::UserPayFromPayCell(pay)) = &push.body else {
        panic!(
            "expected a user_pay_from_pay_cell event, got {:?}",
            push.body
        );
    };
    assert_eq!(pay.card_id, "pUpF8ujSy5fVPRBeD78J4RmqVvBc");
    assert_eq!(pay.user_card_code.as_deref(), Some("380500000001"));
    assert_eq!(
        pay.trans_id.as_deref(),
        Some("4200001234202311141234567890")
    );
    assert_eq!(pay.location_id, Some(291_710_000));
    assert_eq!(pay.fee, Some(8800));
    assert_eq!(pay.original_fee, Some(10_000));
    assert_no_extra(&push);
}

#[test]
fn event_user_view_card() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_user_view_card.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
            1_700_000_670,
            "user_view_card",
            "user_view_card",
            false,
        ),
    );
    let Body::Event(Event::UserViewCard(card)) = &push.body else {
        panic!("expected a user_view_card event, got {:?}", push.body);
    };
    assert_eq!(card.card_id, "pUpF8ujSy5fVPRBeD78J4RmqVvBc");
    assert_eq!(card.user_card_code.as_deref(), Some("226009850808"));
    assert_eq!(card.outer_str.as_deref(), Some("12b"));
    assert_no_extra(&push);
}

#[test]
fn event_user_enter_session_from_card() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_user_enter_session_from_card.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
            1_700_000_680,
            "user_enter_session_from_card",
            "user_enter_session_from_card",
            false,
        ),
    );
    let Body::Event(Event::UserEnterSessionFromCard(card)) = &push.body else {
        panic!(
            "expected a user_enter_session_from_card event, got {:?}",
            push.body
        );
    };
    assert_eq!(card.card_id, "pUpF8ujSy5fVPRBeD78J4RmqVvBc");
    assert_eq!(card.user_card_code.as_deref(), Some("226009850808"));
    assert_no_extra(&push);
}

#[test]
fn event_update_member_card() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_update_member_card.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
            1_700_000_690,
            "update_member_card",
            "update_member_card",
            false,
        ),
    );
    let Body::Event(Event::UpdateMemberCard(card)) = &push.body else {
        panic!("expected an update_member_card event, got {:?}", push.body);
    };
    assert_eq!(card.card_id, "pUpF8ujSy5fVPRBeD78J4RmqVvBc");
    assert_eq!(card.user_card_code.as_deref(), Some("226009850808"));
    assert_eq!(card.modify_bonus, Some(3));
    assert_eq!(card.modify_balance, Some(0));
    assert_no_extra(&push);
}

#[test]
fn event_card_sku_remind() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_card_sku_remind.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_700,
            "card_sku_remind",
            "card_sku_remind",
            false,
        ),
    );
    let Body::Event(Event::CardSkuRemind(remind)) = &push.body else {
        panic!("expected a card_sku_remind event, got {:?}", push.body);
    };
    assert_eq!(remind.card_id, "pUpF8ujSy5fVPRBeD78J4RmqVvBc");
    assert_eq!(
        remind.detail.as_deref(),
        Some("the card's quantity is equal to 0")
    );
    assert_no_extra(&push);
}

#[test]
fn event_card_pay_order() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_card_pay_order.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_710,
            "card_pay_order",
            "card_pay_order",
            false,
        ),
    );
    let Body::Event(Event::CardPayOrder(order)) = &push.body else {
        panic!("expected a card_pay_order event, got {:?}", push.body);
    };
    assert_eq!(order.order_id, "404091456");
    assert_eq!(order.status.as_deref(), Some("ORDER_STATUS_FINANCE_SUCC"));
    assert_eq!(order.create_order_time, Some(1_700_000_705));
    assert_eq!(order.pay_finish_time, Some(1_700_000_709));
    assert_eq!(order.desc.as_deref(), Some("购买库存"));
    assert_eq!(order.free_coin_count.as_deref(), Some("200"));
    assert_eq!(order.pay_coin_count.as_deref(), Some("0"));
    assert_eq!(order.refund_free_coin_count.as_deref(), Some("0"));
    assert_eq!(order.refund_pay_coin_count.as_deref(), Some("0"));
    assert_eq!(order.order_type.as_deref(), Some("ORDER_TYPE_SYS_ADD"));
    assert_eq!(order.memo.as_deref(), Some("开通账户奖励"));
    // `<ReceiptInfo><![CDATA[]]></ReceiptInfo>`: empty reads as absent.
    assert_eq!(order.receipt_info, None);
    assert_no_extra(&push);
}

#[test]
fn event_submit_membercard_user_info() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_submit_membercard_user_info.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
            1_700_000_720,
            "submit_membercard_user_info",
            "submit_membercard_user_info",
            false,
        ),
    );
    let Body::Event(Event::SubmitMembercardUserInfo(card)) = &push.body else {
        panic!(
            "expected a submit_membercard_user_info event, got {:?}",
            push.body
        );
    };
    assert_eq!(card.card_id, "pUpF8ujSy5fVPRBeD78J4RmqVvBc");
    assert_eq!(card.user_card_code.as_deref(), Some("226009850808"));
    assert_no_extra(&push);
}

// ---------------------------------------------------------------------------------------------
// §2.7 Unknown types: every field is kept
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_msgtype() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/unknown_msgtype.xml"
    ));
    check_header(
        &push,
        &Header {
            kind: "unknown",
            accepts_reply: false,
            ..Header::message(
                "oUpF8uHw6Ea1Qm-9Vb4Cx7Ns2PdR",
                1_700_000_800,
                "miniprogram_card",
                24_000_000_000_000_011,
            )
        },
    );
    assert_eq!(push.body, Body::Unknown);
    assert!(push.as_message().is_none());
    assert!(push.as_event().is_none());
    assert_eq!(
        push.extra,
        vec![
            leaf("Title", "会员中心"),
            leaf("AppId", "wx0a1b2c3d4e5f6a7b"),
            group(
                "PageInfo",
                vec![
                    leaf("PagePath", "pages/member/index?from=chat"),
                    leaf(
                        "ThumbMediaId",
                        "mP4qR7sT0uV3wX6yZ9aB2cD5eF8gH1iJ4kL7mN0oP3qR6sT"
                    ),
                ]
            ),
        ]
    );
    assert_eq!(push.dedupe_key(), "msg:24000000000000011");

    let text = serde_json::to_string(&push).unwrap();
    assert!(text.contains(r#""kind":"unknown""#), "{text}");
    let value = serde_json::to_value(&push).unwrap();
    assert_eq!(
        value,
        json!({
            "kind": "unknown",
            "to_user_name": "gh_0123456789ab",
            "from_user_name": "oUpF8uHw6Ea1Qm-9Vb4Cx7Ns2PdR",
            "create_time": 1_700_000_800,
            "msg_type": "miniprogram_card",
            "msg_id": 24_000_000_000_000_011_u64,
            "extra": {
                "Title": "会员中心",
                "AppId": "wx0a1b2c3d4e5f6a7b",
                "PageInfo": {
                    "PagePath": "pages/member/index?from=chat",
                    "ThumbMediaId": "mP4qR7sT0uV3wX6yZ9aB2cD5eF8gH1iJ4kL7mN0oP3qR6sT"
                }
            }
        })
    );
}

#[test]
fn unknown_event() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/unknown_event.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_810,
            "future_account_notice",
            "unknown",
            false,
        ),
    );
    assert_eq!(push.body, Body::Event(Event::Unknown));
    assert_eq!(push.extra, vec![leaf("NoticeTime", "1731536000")]);
    assert_eq!(push.event_key(), None);

    let text = serde_json::to_string(&push).unwrap();
    assert!(text.contains(r#""kind":"unknown""#), "{text}");
    let value = serde_json::to_value(&push).unwrap();
    assert_eq!(
        value,
        json!({
            "kind": "unknown",
            "to_user_name": "gh_0123456789ab",
            "from_user_name": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "create_time": 1_700_000_810,
            "msg_type": "event",
            "event": "future_account_notice",
            "extra": { "NoticeTime": "1731536000" }
        })
    );
}

// ---------------------------------------------------------------------------------------------
// §0 Edge cases
// ---------------------------------------------------------------------------------------------

#[test]
fn text_bare() {
    let push = parse(include_bytes!("../../../../fixtures/inbound/text_bare.xml"));
    check_header(
        &push,
        &Header::message(
            "oUpF8uN8yw7eC-mMfQZ3kT1xRb2A",
            1_700_000_900,
            "text",
            24_000_000_000_000_012,
        ),
    );
    let Body::Message(Message::Text(text)) = &push.body else {
        panic!("expected a text message, got {:?}", push.body);
    };
    assert_eq!(text.content, "fish & chips");
    assert_eq!(text.biz_msg_menu_id, None);
    assert_no_extra(&push);
}

#[test]
fn text_whitespace() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/text_whitespace.xml"
    ));
    // `check_header` asserts ToUserName, FromUserName and MsgType without the surrounding layout.
    check_header(
        &push,
        &Header::message(
            "oUpF8uK3pL0dVh-_sQe9WnYc4TgZ",
            1_700_000_910,
            "text",
            24_000_000_000_000_013,
        ),
    );
    let Body::Message(Message::Text(text)) = &push.body else {
        panic!("expected a text message, got {:?}", push.body);
    };
    assert_eq!(text.content, "padded");
    assert_eq!(text.biz_msg_menu_id, None);
    assert_no_extra(&push);
}

#[test]
fn text_msgid_max() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/text_msgid_max.xml"
    ));
    check_header(
        &push,
        &Header::message(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_920,
            "text",
            u64::MAX,
        ),
    );
    assert_eq!(push.msg_id.map(|id| id.0), Some(18_446_744_073_709_551_615));
    let Body::Message(Message::Text(text)) = &push.body else {
        panic!("expected a text message, got {:?}", push.body);
    };
    assert_eq!(text.content, "max id");
    assert_eq!(text.biz_msg_menu_id, None);
    assert_eq!(push.dedupe_key(), "msg:18446744073709551615");
    let value = serde_json::to_value(&push).unwrap();
    assert_eq!(value["msg_id"].as_u64(), Some(u64::MAX));
    assert_no_extra(&push);
}

#[test]
fn text_ms_timestamp() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/text_ms_timestamp.xml"
    ));
    // 1700000000123 ms is read as 1700000000 s.
    check_header(
        &push,
        &Header::message(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            1_700_000_000,
            "text",
            24_000_000_000_000_014,
        ),
    );
    let Body::Message(Message::Text(text)) = &push.body else {
        panic!("expected a text message, got {:?}", push.body);
    };
    assert_eq!(text.content, "millis");
    assert_eq!(text.biz_msg_menu_id, None);
    assert_no_extra(&push);
}

#[test]
fn event_case() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_case.xml"
    ));
    // Matched without regard to case; the original spelling stays in `event`.
    check_header(
        &push,
        &Header::event(
            "oUpF8uBq2Xr7Jt5Hn_Lz0yKd3FsE",
            1_700_000_940,
            "Subscribe",
            "subscribe",
            true,
        ),
    );
    let Body::Event(Event::Subscribe(subscribe)) = &push.body else {
        panic!("expected a subscribe event, got {:?}", push.body);
    };
    assert_eq!(subscribe.event_key, None);
    assert_eq!(subscribe.ticket, None);
    assert_eq!(subscribe.scene(), None);
    assert_no_extra(&push);
}

#[test]
fn event_click_lower() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_click_lower.xml"
    ));
    check_header(
        &push,
        &Header::event(
            "oUpF8uBq2Xr7Jt5Hn_Lz0yKd3FsE",
            1_700_000_950,
            "click",
            "CLICK",
            true,
        ),
    );
    let Body::Event(Event::Click(click)) = &push.body else {
        panic!("expected a CLICK event, got {:?}", push.body);
    };
    assert_eq!(click.key, "V1001_TODAY_MUSIC");
    assert_eq!(push.event_key(), Some("V1001_TODAY_MUSIC"));
    assert_no_extra(&push);
}

#[test]
fn text_cjk() {
    let push = parse(include_bytes!("../../../../fixtures/inbound/text_cjk.xml"));
    check_header(
        &push,
        &Header::message(
            "oUpF8uHw6Ea1Qm-9Vb4Cx7Ns2PdR",
            1_700_000_960,
            "text",
            24_000_000_000_000_015,
        ),
    );
    let Body::Message(Message::Text(text)) = &push.body else {
        panic!("expected a text message, got {:?}", push.body);
    };
    assert_eq!(
        text.content,
        "你好，世界！🎉👍\n第二行：こんにちは 안녕하세요\n第三行 😀"
    );
    assert_eq!(text.biz_msg_menu_id, None);
    assert_no_extra(&push);
}

// ---------------------------------------------------------------------------------------------
// Dedupe keys and JSON
// ---------------------------------------------------------------------------------------------

#[test]
fn dedupe_key_of_a_message_is_its_msg_id() {
    let push = parse(include_bytes!("../../../../fixtures/inbound/text.xml"));
    assert_eq!(push.dedupe_key(), "msg:24000000000000001");
    // A retry is the same document, so it has the same key.
    let retry = parse(include_bytes!("../../../../fixtures/inbound/text.xml"));
    assert_eq!(retry.dedupe_key(), push.dedupe_key());
}

#[test]
fn dedupe_key_of_an_event_is_sender_time_event_and_key() {
    let click = parse(include_bytes!(
        "../../../../fixtures/inbound/event_click.xml"
    ));
    assert_eq!(
        click.dedupe_key(),
        "evt:oUpF8uMuAJO_M2pxb1Q9zNjWeS6o:1700000200:CLICK:V1001_TODAY_MUSIC"
    );
    let follow = parse(include_bytes!(
        "../../../../fixtures/inbound/event_subscribe.xml"
    ));
    assert_eq!(
        follow.dedupe_key(),
        "evt:oUpF8uMuAJO_M2pxb1Q9zNjWeS6o:1700000100:subscribe:"
    );
    // A job event is keyed as an event, with its `MsgID`.
    let job = parse(include_bytes!(
        "../../../../fixtures/inbound/event_templatesendjobfinish.xml"
    ));
    assert_eq!(
        job.dedupe_key(),
        "evt:oUpF8uMuAJO_M2pxb1Q9zNjWeS6o:1700000300:TEMPLATESENDJOBFINISH#3147483649:"
    );
}

#[test]
fn job_events_finishing_in_the_same_second_have_their_own_keys() {
    // Two template sends to one follower that finish in the same second differ only in MsgID.
    let job = |msg_id: u64| {
        let xml = format!(
            "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\
             <FromUserName><![CDATA[oFollower]]></FromUserName><CreateTime>1700000300</CreateTime>\
             <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>\
             <MsgID>{msg_id}</MsgID><Status><![CDATA[success]]></Status></xml>"
        );
        parse(xml.as_bytes())
    };
    let (first, second) = (job(3147483649), job(3147483650));
    assert_ne!(first.dedupe_key(), second.dedupe_key());
    // A retry of either is recognised.
    assert_eq!(job(3147483650).dedupe_key(), second.dedupe_key());
    // The same for a mass-send job.
    let mass = include_bytes!("../../../../fixtures/inbound/event_masssendjobfinish.xml");
    let key = parse(mass).dedupe_key();
    assert!(key.contains(":MASSSENDJOBFINISH#"), "{key}");
}

#[test]
fn text_serialises_to_flat_json() {
    let push = parse(include_bytes!("../../../../fixtures/inbound/text.xml"));
    let value = serde_json::to_value(&push).unwrap();
    assert_eq!(
        value,
        json!({
            "kind": "text",
            "to_user_name": "gh_0123456789ab",
            "from_user_name": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "create_time": 1_700_000_000,
            "msg_type": "text",
            "msg_id": 24_000_000_000_000_001_u64,
            "content": "hello",
            "biz_msg_menu_id": null
        })
    );
}

#[test]
fn click_serialises_to_flat_json() {
    let push = parse(include_bytes!(
        "../../../../fixtures/inbound/event_click.xml"
    ));
    let value = serde_json::to_value(&push).unwrap();
    assert_eq!(
        value,
        json!({
            "kind": "CLICK",
            "to_user_name": "gh_0123456789ab",
            "from_user_name": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "create_time": 1_700_000_200,
            "msg_type": "event",
            "event": "CLICK",
            "key": "V1001_TODAY_MUSIC"
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_from_user_name_is_reported() {
    let xml = b"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\
                <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>\
                <Content><![CDATA[hello]]></Content><MsgId>1</MsgId></xml>";
    assert_eq!(
        Inbound::from_xml(xml),
        Err(InboundError::MissingField {
            field: "FromUserName"
        })
    );
}

#[test]
fn non_numeric_create_time_is_invalid() {
    let xml = b"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\
                <FromUserName><![CDATA[oUpF8uMuAJO_M2pxb1Q9zNjWeS6o]]></FromUserName>\
                <CreateTime>yesterday</CreateTime><MsgType><![CDATA[text]]></MsgType>\
                <Content><![CDATA[hello]]></Content><MsgId>1</MsgId></xml>";
    let err = Inbound::from_xml(xml).unwrap_err();
    let InboundError::InvalidField { field, value, .. } = &err else {
        panic!("expected InvalidField, got {err:?}");
    };
    assert_eq!(*field, "CreateTime");
    assert_eq!(value, "yesterday");
}

#[test]
fn non_numeric_msg_id_is_invalid() {
    let xml = b"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\
                <FromUserName><![CDATA[oUpF8uMuAJO_M2pxb1Q9zNjWeS6o]]></FromUserName>\
                <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>\
                <Content><![CDATA[hello]]></Content><MsgId>abc</MsgId></xml>";
    let err = Inbound::from_xml(xml).unwrap_err();
    let InboundError::InvalidField { field, value, .. } = &err else {
        panic!("expected InvalidField, got {err:?}");
    };
    assert_eq!(*field, "MsgId");
    assert_eq!(value, "abc");
}

#[test]
fn encrypted_envelope_is_recognised() {
    let xml = b"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\
                <Encrypt><![CDATA[bXlzZWNyZXRjaXBoZXJ0ZXh0MDEyMzQ1Njc4OQ==]]></Encrypt></xml>";
    assert_eq!(Inbound::from_xml(xml), Err(InboundError::Encrypted));
}

#[test]
fn truncated_xml_is_an_xml_error() {
    let full: &[u8] = include_bytes!("../../../../fixtures/inbound/text.xml");
    for cut in [full.len() / 3, full.len() / 2, full.len() - 8] {
        let err = Inbound::from_xml(&full[..cut]).unwrap_err();
        assert!(
            matches!(err, InboundError::Xml(_)),
            "cut at {cut}: expected an XML error, got {err:?}"
        );
    }
}

#[test]
fn doctype_is_refused() {
    let xml = br#"<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>gh_0123456789ab</ToUserName><FromUserName>&xxe;</FromUserName><CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>"#;
    assert_eq!(
        Inbound::from_xml(xml),
        Err(InboundError::Xml(XmlError::Doctype))
    );
}
