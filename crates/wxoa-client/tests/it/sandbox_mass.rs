//! `client.mass()` against the sandbox (api-reference §8): every endpoint's success path, and
//! the platform's errors the sandbox produces (the stub contracts are in `mass.rs`).

use wxoa_client::Upload;
use wxoa_client::api::mass::{MassMessage, SendStatus};
use wxoa_client::api::material::NewsArticle;
use wxoa_client::api::media::MediaKind;

use crate::sandbox_env::{Env, env, errcode};

const JPEG: &[u8] = b"\xff\xd8\xff\xe0sandbox-thumb\xff\xd9";

/// An `uploadnews` news of one article, with a real thumbnail.
async fn news(env: &Env) -> String {
    let thumb = env
        .client
        .media()
        .upload(MediaKind::Thumb, Upload::bytes("cover.jpg", JPEG))
        .await
        .unwrap();
    let article = NewsArticle::new("Title", thumb.media_id.as_str(), "<p>content</p>");
    let news = env.client.media().upload_news([article]).await.unwrap();
    news.media_id.as_str().to_owned()
}

#[tokio::test]
async fn a_text_to_openids_reaches_both_and_only_them() {
    let env = env(5).await;
    let ids = env.followers(3).await;
    let sent = env
        .client
        .mass()
        .to_openids(
            [ids[0].as_str(), ids[1].as_str()],
            MassMessage::text("hello"),
        )
        .await
        .unwrap();
    assert!(!sent.already_sent);
    let body = env.last_body("/cgi-bin/message/mass/send").await;
    assert_eq!(body["clientmsgid"], sent.client_msg_id.as_str());
    for openid in &ids[..2] {
        let inbox = env.inbox(openid).await;
        assert_eq!(inbox.len(), 1, "{openid}");
        assert_eq!(inbox[0].kind, "mass");
        assert_eq!(inbox[0].message["text"]["content"], "hello");
        assert_eq!(inbox[0].message["msg_id"], sent.msg_id.0);
    }
    assert!(env.inbox(&ids[2]).await.is_empty());
}

#[tokio::test]
async fn to_a_tag_reaches_its_members() {
    let env = env(4).await;
    let ids = env.followers(4).await;
    let tag = env.client.tags().create("vip").await.unwrap().id;
    env.client.tags().tag(tag, [ids[1].as_str()]).await.unwrap();
    env.client
        .mass()
        .to_tag(tag, MassMessage::text("for vips"))
        .await
        .unwrap();
    assert_eq!(env.inbox(&ids[1]).await.len(), 1);
    assert!(env.inbox(&ids[0]).await.is_empty());
}

#[tokio::test]
async fn an_unknown_tag_is_45159() {
    let env = env(2).await;
    let result = env.client.mass().to_tag(777, MassMessage::text("x")).await;
    assert_eq!(errcode(result), 45159);
}

#[tokio::test]
async fn to_all_is_accepted_and_its_status_is_sent() {
    let env = env(3).await;
    let sent = env
        .client
        .mass()
        .to_all(MassMessage::text("everyone"))
        .await
        .unwrap();
    let status = env.client.mass().status(sent.msg_id).await.unwrap();
    assert_eq!(status.msg_id, sent.msg_id);
    assert_eq!(status.msg_status, SendStatus::SendSuccess);
}

#[tokio::test]
async fn an_mpnews_send_gives_a_msg_data_id_and_can_be_deleted() {
    let env = env(3).await;
    let media_id = news(&env).await;
    let sent = env
        .client
        .mass()
        .to_all(MassMessage::mpnews(media_id.as_str()))
        .await
        .unwrap();
    assert!(sent.msg_data_id.is_some());
    // Article 2 of a one-article news is 40060.
    let result = env.client.mass().delete(sent.msg_id).article_idx(2).await;
    assert_eq!(errcode(result), 40060);
    env.client.mass().delete(sent.msg_id).await.unwrap();
    let status = env.client.mass().status(sent.msg_id).await.unwrap();
    assert_eq!(status.msg_status, SendStatus::Delete);
}

#[tokio::test]
async fn a_text_send_cannot_be_deleted_48008() {
    let env = env(3).await;
    let sent = env
        .client
        .mass()
        .to_all(MassMessage::text("t"))
        .await
        .unwrap();
    assert_eq!(errcode(env.client.mass().delete(sent.msg_id).await), 48008);
}

#[tokio::test]
async fn an_image_of_unknown_media_is_40007() {
    let env = env(3).await;
    let result = env
        .client
        .mass()
        .to_all(MassMessage::image("no-such-media"))
        .await;
    assert_eq!(errcode(result), 40007);
}

#[tokio::test]
async fn an_uploaded_image_is_sent() {
    let env = env(3).await;
    let ids = env.followers(2).await;
    let image = env
        .client
        .media()
        .upload(MediaKind::Image, Upload::bytes("a.jpg", JPEG))
        .await
        .unwrap();
    env.client
        .mass()
        .to_openids(ids.clone(), MassMessage::image(image.media_id.as_str()))
        .await
        .unwrap();
    let inbox = env.inbox(&ids[0]).await;
    assert_eq!(
        inbox[0].message["image"]["media_id"],
        image.media_id.as_str()
    );
}

#[tokio::test]
async fn the_same_clientmsgid_within_a_minute_is_45066() {
    let env = env(3).await;
    let mass = env.client.mass();
    mass.to_all(MassMessage::text("a"))
        .with_client_msg_id("run-1")
        .await
        .unwrap();
    let again = mass
        .to_all(MassMessage::text("a"))
        .with_client_msg_id("run-1")
        .await;
    assert_eq!(errcode(again), 45066);
}

#[tokio::test]
async fn the_same_clientmsgid_later_is_the_earlier_send_and_nothing_goes_out() {
    let env = env(3).await;
    let ids = env.followers(2).await;
    let mass = env.client.mass();
    let first = mass
        .to_openids(ids.clone(), MassMessage::text("once"))
        .with_client_msg_id("run-2")
        .await
        .unwrap();
    env.advance(120).await;
    let again = mass
        .to_openids(ids.clone(), MassMessage::text("once"))
        .with_client_msg_id("run-2")
        .await
        .unwrap();
    assert!(again.already_sent);
    assert!(!first.already_sent);
    assert_eq!(again.msg_id, first.msg_id);
    assert_eq!(env.inbox(&ids[0]).await.len(), 1, "delivered once");
}

#[tokio::test]
async fn a_preview_lands_in_the_inbox() {
    let env = env(3).await;
    let ids = env.followers(1).await;
    let sent = env
        .client
        .mass()
        .preview_to_openid(ids[0].as_str(), MassMessage::text("preview"))
        .await
        .unwrap();
    assert!(sent.msg_id.is_some());
    let inbox = env.inbox(&ids[0]).await;
    assert_eq!(inbox[0].message["preview"], true);
    assert_eq!(inbox[0].message["text"]["content"], "preview");
}

#[tokio::test]
async fn a_preview_by_wechat_id_is_40132_in_the_sandbox() {
    let env = env(3).await;
    let result = env
        .client
        .mass()
        .preview_to_wxname("nobody", MassMessage::text("x"))
        .await;
    assert_eq!(errcode(result), 40132);
}

#[tokio::test]
async fn speed_is_set_then_read() {
    let env = env(1).await;
    env.client.mass().set_speed(3).await.unwrap();
    let speed = env.client.mass().speed().await.unwrap();
    assert_eq!((speed.speed, speed.realspeed), (3, 30));
    env.client.mass().set_speed(0).await.unwrap();
    let speed = env.client.mass().speed().await.unwrap();
    assert_eq!((speed.speed, speed.realspeed), (0, 80));
}

#[tokio::test]
async fn a_status_of_an_unknown_send_is_refused() {
    let env = env(1).await;
    assert_eq!(errcode(env.client.mass().status(424_242).await), 47003);
}
