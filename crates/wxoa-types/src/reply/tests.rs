//! Tests of replies: rendering, reading back, validation.

use super::*;
use crate::inbound::Inbound;
use crate::xml;

fn push() -> Inbound {
    Inbound::from_xml(
        b"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\
          <FromUserName><![CDATA[oUpF8uMuAJO_M2pxb1Q9zNjWeS6o]]></FromUserName>\
          <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>\
          <Content><![CDATA[hi]]></Content><MsgId>1</MsgId></xml>",
    )
    .unwrap()
}

#[test]
fn text_reply_matches_the_spec_layout() {
    let xml = Reply::text(&push(), "line one\nline two")
        .at(1700000001)
        .to_xml()
        .unwrap();
    assert_eq!(
        xml,
        "<xml><ToUserName><![CDATA[oUpF8uMuAJO_M2pxb1Q9zNjWeS6o]]></ToUserName>\
         <FromUserName><![CDATA[gh_0123456789ab]]></FromUserName>\
         <CreateTime>1700000001</CreateTime><MsgType><![CDATA[text]]></MsgType>\
         <Content><![CDATA[line one\nline two]]></Content></xml>"
    );
}

#[test]
fn every_reply_kind_round_trips() {
    let p = push();
    let replies = vec![
        Reply::text(&p, "a]]>b 中文 🎉"),
        Reply::image(&p, "MEDIA"),
        Reply::voice(&p, "MEDIA"),
        Reply::video(&p, "MEDIA", Some("t".into()), None),
        Reply::music(
            &p,
            Music::new("THUMB")
                .title("t")
                .description("d")
                .music_url("http://m")
                .hq_music_url("http://hq"),
        ),
        Reply::news(
            &p,
            vec![
                Article::new("one", "http://1")
                    .description("d")
                    .pic_url("http://p"),
                Article::new("two", "http://2"),
            ],
        ),
        Reply::transfer_customer_service(&p, None),
        Reply::transfer_customer_service(&p, Some("agent1@account".into())),
    ];
    for reply in replies {
        let reply = reply.at(1700000001);
        let xml = reply.to_xml().unwrap();
        assert_eq!(Reply::from_xml(xml.as_bytes()).unwrap(), reply, "{xml}");
    }
}

#[test]
fn news_is_bounded() {
    let p = push();
    assert_eq!(
        Reply::news(&p, vec![]).to_xml(),
        Err(ReplyError::ArticleCount { count: 0 })
    );
    let nine = vec![Article::new("t", "u"); 9];
    assert_eq!(
        Reply::news(&p, nine).to_xml(),
        Err(ReplyError::ArticleCount { count: 9 })
    );
    let eight = vec![Article::new("t", "u"); 8];
    assert!(Reply::news(&p, eight).to_xml().is_ok());
}

#[test]
fn required_ids_are_checked() {
    let p = push();
    assert_eq!(
        Reply::image(&p, "").to_xml(),
        Err(ReplyError::Empty { field: "MediaId" })
    );
    assert_eq!(
        Reply::music(&p, Music::default()).to_xml(),
        Err(ReplyError::Empty {
            field: "ThumbMediaId"
        })
    );
}

#[test]
fn count_mismatch_is_refused() {
    let xml = "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName>\
               <CreateTime>1</CreateTime><MsgType>news</MsgType><ArticleCount>2</ArticleCount>\
               <Articles><item><Title>t</Title></item></Articles></xml>";
    assert_eq!(
        Reply::from_xml(xml.as_bytes()),
        Err(ReplyError::CountMismatch {
            declared: 2,
            actual: 1
        })
    );
}

proptest::proptest! {
    #[test]
    fn any_text_round_trips(content in ".*", to in "[a-zA-Z0-9_-]{1,28}") {
        let mut reply = Reply::text(&push(), content.clone()).at(1);
        reply.to_user_name = to;
        let xml = reply.to_xml().unwrap();
        let back = Reply::from_xml(xml.as_bytes()).unwrap();
        let expected = ReplyBody::Text { content: xml::sanitize(&content) };
        proptest::prop_assert_eq!(back.body, expected);
    }
}
