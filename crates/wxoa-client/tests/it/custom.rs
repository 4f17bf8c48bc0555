//! `client.custom()` against the sandbox (api-reference §7): every message type, typing, and
//! the agent accounts.

use serde_json::{Value, json};
use wxoa_client::api::Ack;
use wxoa_client::api::custom::{Article, Message, MiniProgramPage, MsgMenu, Music, Video};
use wxoa_client::{ApiRequest, Error, Form, Upload};
use wxoa_sandbox::{CsPolicy, Sandbox};

use crate::sandbox_env::{Env, env, env_with, errcode, query_fixture, refused, request_fixture};

const SEND: &str = "/cgi-bin/message/custom/send";
const TYPING: &str = "/cgi-bin/message/custom/typing";

/// A sandbox where any interaction opens 48 hours of unlimited messages, one follower who
/// just sent a message, and media the follower sent (an image `IMG1`, a voice `VOICE1`, a
/// video `VID1`).
async fn chatting() -> (Env, String) {
    let env = env_with(
        Sandbox::builder()
            .followers(3)
            .seed(3)
            .cs_policy(CsPolicy::classic()),
    )
    .await;
    let openid = env.followers(1).await.remove(0);
    for (kind, id) in [("image", "IMG1"), ("voice", "VOICE1"), ("video", "VID1")] {
        env.push(&openid, json!({"MsgType": kind, "MediaId": id}))
            .await;
    }
    (env, openid)
}

/// Sends `message`, then checks the body against the fixture `send_<name>` and the inbox.
async fn sends_as_the_spec_shows(
    env: &Env,
    openid: &str,
    message: Message,
    name: &str,
    values: &[(&str, Value)],
) {
    env.client.custom().send(openid, message).await.unwrap();
    let mut values = values.to_vec();
    values.push(("OPENID", json!(openid)));
    let expected = request_fixture("custom", &format!("send_{name}"), &values);
    assert_eq!(env.last_body(SEND).await, expected, "{name}");
    let inbox = env.inbox(openid).await;
    let last = inbox.last().unwrap();
    assert_eq!(last.kind, "custom");
    assert_eq!(last.message["msgtype"], expected["msgtype"]);
}

/// A text to `openid`.
async fn text_to(env: &Env, openid: &str) -> Result<Ack, Error> {
    env.client.custom().send(openid, Message::text("x")).await
}

#[tokio::test]
async fn every_message_type_goes_out_as_the_spec_shows() {
    let (env, openid) = chatting().await;
    let text = Message::text("Hello <a href=\"http://www.qq.com\">link</a>");
    sends_as_the_spec_shows(&env, &openid, text, "text", &[]).await;
    let media = [("MEDIA_ID", json!("IMG1"))];
    sends_as_the_spec_shows(&env, &openid, Message::image("IMG1"), "image", &media).await;
    let voice = [("MEDIA_ID", json!("VOICE1"))];
    sends_as_the_spec_shows(&env, &openid, Message::voice("VOICE1"), "voice", &voice).await;
    let video = Video::new("VID1", "VID1")
        .title("TITLE")
        .description("DESCRIPTION");
    let vid = [("MEDIA_ID", json!("VID1"))];
    sends_as_the_spec_shows(&env, &openid, video.into(), "video", &vid).await;
    let music = Music::new(
        "http://example.com/music.mp3",
        "http://example.com/hq.mp3",
        "IMG1",
    )
    .title("MUSIC_TITLE")
    .description("MUSIC_DESCRIPTION");
    let thumb = [("THUMB_MEDIA_ID", json!("IMG1"))];
    sends_as_the_spec_shows(&env, &openid, music.into(), "music", &thumb).await;
    let article = Article::new("Happy Day", "http://example.com/article")
        .description("Is Really A Happy Day")
        .pic_url("http://example.com/cover.jpg");
    sends_as_the_spec_shows(&env, &openid, Message::news(article), "news", &[]).await;
    let published = Message::mpnews_article("ARTICLE_ID");
    sends_as_the_spec_shows(&env, &openid, published, "mpnewsarticle", &[]).await;
    let menu = MsgMenu::new("您对本次服务是否满意呢? ", "欢迎再次光临")
        .item("101", "满意")
        .item("102", "不满意");
    sends_as_the_spec_shows(&env, &openid, menu.into(), "msgmenu", &[]).await;
    let card = Message::wxcard("123dsdajkasd231jhksad");
    sends_as_the_spec_shows(&env, &openid, card, "wxcard", &[]).await;
    let page = MiniProgramPage::new("title", "wx1234567890abcdef", "pages/index", "IMG1");
    sends_as_the_spec_shows(&env, &openid, page.into(), "miniprogrampage", &thumb).await;
}

#[tokio::test]
async fn an_article_of_the_material_goes_out_as_mpnews() {
    let (env, openid) = chatting().await;
    let thumb: Value = env
        .client
        .execute(
            ApiRequest::post("/cgi-bin/material/add_material")
                .query("type", "thumb")
                .multipart(Form::new().file(
                    "media",
                    Upload::bytes("thumb.jpg", &b"\xff\xd8\xff\xe0thumb"[..]),
                )),
        )
        .await
        .unwrap();
    let article = json!({"title": "T", "content": "C", "thumb_media_id": thumb["media_id"]});
    let news: Value = env
        .client
        .post_json(
            "/cgi-bin/material/add_news",
            &json!({"articles": [article]}),
        )
        .await
        .unwrap();
    let id = news["media_id"].as_str().unwrap().to_owned();
    let values = [("MEDIA_ID", json!(id))];
    sends_as_the_spec_shows(
        &env,
        &openid,
        Message::mpnews(id.as_str()),
        "mpnews",
        &values,
    )
    .await;
}

#[tokio::test]
async fn a_message_as_an_agent_carries_customservice() {
    let (env, openid) = chatting().await;
    env.client
        .custom()
        .send(openid.as_str(), Message::text("Hello World"))
        .kf_account("test1@kftest")
        .await
        .unwrap();
    let expected = request_fixture("custom", "send_as_agent", &[("OPENID", json!(openid))]);
    assert_eq!(env.last_body(SEND).await, expected);
}

#[tokio::test]
async fn messages_that_break_a_rule_are_refused_before_sending() {
    let (env, openid) = chatting().await;
    let two = Message::News {
        articles: vec![Article::new("a", "http://a"), Article::new("b", "http://b")],
    };
    let cases = [
        (Message::text(""), "text.content: "),
        (Message::image(""), "image.media_id: "),
        (
            two,
            "news.articles: a customer-service news message has exactly 1 article, not 2",
        ),
        (MsgMenu::new("h", "t").into(), "msgmenu.list: "),
        (Message::wxcard(""), "wxcard.card_id: "),
    ];
    for (message, expected) in cases {
        let got = refused(env.client.custom().send(openid.as_str(), message).await);
        assert!(got.starts_with(expected), "{got}");
    }
    let bad_agent = env
        .client
        .custom()
        .send(openid.as_str(), Message::text("x"))
        .kf_account("a_b@x");
    assert!(refused(bad_agent.await).starts_with("customservice.kf_account: "));
    assert!(
        refused(env.client.custom().send("", Message::text("x")).await).starts_with("touser: ")
    );
    assert!(env.calls(SEND).await.is_empty());
}

#[tokio::test]
async fn outside_the_window_is_45015() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    assert_eq!(errcode(text_to(&env, &openid).await), 45015);
    env.message_from(&openid).await;
    env.advance(48 * 3600 + 1).await;
    assert_eq!(errcode(text_to(&env, &openid).await), 45015);
}

#[tokio::test]
async fn over_the_allowance_is_45047() {
    // The 2023 rule: a message from the follower allows five.
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    env.message_from(&openid).await;
    for _ in 0..5 {
        text_to(&env, &openid).await.unwrap();
    }
    assert_eq!(errcode(text_to(&env, &openid).await), 45047);
}

#[tokio::test]
async fn to_someone_who_left_is_43004() {
    let (env, openid) = chatting().await;
    env.unfollow(&openid).await;
    assert_eq!(errcode(text_to(&env, &openid).await), 43004);
}

#[tokio::test]
async fn to_an_unknown_openid_is_40003() {
    let (env, _) = chatting().await;
    assert_eq!(
        errcode(
            env.client
                .custom()
                .send("oNobody", Message::text("x"))
                .await
        ),
        40003
    );
}

#[tokio::test]
async fn with_media_that_does_not_exist_is_40007() {
    let (env, openid) = chatting().await;
    assert_eq!(
        errcode(
            env.client
                .custom()
                .send(openid.as_str(), Message::image("NOPE"))
                .await
        ),
        40007
    );
}

#[tokio::test]
async fn text_over_the_limit_is_45002() {
    let (env, openid) = chatting().await;
    let long = Message::text("字".repeat(1000));
    assert_eq!(
        errcode(env.client.custom().send(openid.as_str(), long).await),
        45002
    );
}

#[tokio::test]
async fn more_articles_than_the_platform_takes_is_45008_and_no_permission_is_48001() {
    // Both are answers the client's own checks keep from happening with the typed API: the
    // platform's answers are played.
    let (env, openid) = chatting().await;
    env.fail_next(SEND, 45008).await;
    let one = Message::news(Article::new("a", "http://a"));
    assert_eq!(
        errcode(env.client.custom().send(openid.as_str(), one).await),
        45008
    );
    env.fail_next(SEND, 48001).await;
    assert_eq!(errcode(text_to(&env, &openid).await), 48001);
}

#[tokio::test]
async fn a_send_is_never_repeated_after_a_dropped_connection() {
    let (env, openid) = chatting().await;
    env.drop_next(SEND).await;
    let error = env
        .client
        .custom()
        .send(openid.as_str(), Message::text("x"))
        .await
        .unwrap_err();
    assert!(error.may_have_reached_platform(), "{error:?}");
    assert_eq!(env.calls(SEND).await.len(), 1);
}

#[tokio::test]
async fn typing_sends_the_spec_body_and_cancels() {
    let (env, openid) = chatting().await;
    env.client.custom().typing(openid.as_str()).await.unwrap();
    let expected = request_fixture("custom", "typing", &[("OPENID", json!(openid))]);
    assert_eq!(env.last_body(TYPING).await, expected);
    assert_eq!(
        errcode(env.client.custom().typing(openid.as_str()).await),
        45081
    );
    env.client
        .custom()
        .cancel_typing(openid.as_str())
        .await
        .unwrap();
    assert_eq!(env.last_body(TYPING).await["command"], "CancelTyping");
    env.client.custom().typing(openid.as_str()).await.unwrap();
}

#[tokio::test]
async fn typing_without_a_recent_interaction_is_45080() {
    let (env, openid) = chatting().await;
    env.advance(31).await;
    assert_eq!(
        errcode(env.client.custom().typing(openid.as_str()).await),
        45080
    );
}

#[tokio::test]
async fn a_bad_typing_command_is_45072() {
    // The typed API only sends Typing and CancelTyping: the platform's answer is played.
    let (env, openid) = chatting().await;
    env.fail_next(TYPING, 45072).await;
    assert_eq!(
        errcode(env.client.custom().typing(openid.as_str()).await),
        45072
    );
}

const KF_ADD: &str = "/customservice/kfaccount/add";
const KF_UPDATE: &str = "/customservice/kfaccount/update";
const KF_DEL: &str = "/customservice/kfaccount/del";
const KF_INVITE: &str = "/customservice/kfaccount/inviteworker";
const KF_AVATAR: &str = "/customservice/kfaccount/uploadheadimg";

#[tokio::test]
async fn agent_accounts_are_added_updated_listed_and_deleted_as_the_spec_shows() {
    let env = env(0).await;
    let kf = env.client.custom();
    kf.add_account("test1@test", "客服1")
        .password_md5("pswmd5")
        .await
        .unwrap();
    // The sandbox's log hides passwords.
    let expected = request_fixture("kf", "kfaccount_add", &[("pswmd5", json!("***"))]);
    assert_eq!(env.last_body(KF_ADD).await, expected);
    kf.update_account("test1@test", "客服1").await.unwrap();
    assert_eq!(
        env.last_body(KF_UPDATE).await,
        request_fixture("kf", "kfaccount_update", &[])
    );
    let agents = kf.accounts().await.unwrap();
    assert_eq!(agents.len(), 1);
    assert_eq!(
        (agents[0].kf_account.as_str(), agents[0].kf_nick.as_str()),
        ("test1@test", "客服1")
    );
    assert!(!agents[0].kf_id.is_empty());
    let online = kf.online_accounts().await.unwrap();
    assert_eq!(online[0].kf_account, "test1@test");
    kf.delete_account("test1@test").await.unwrap();
    let mut expected = query_fixture("kf", "kfaccount_del", &[]);
    expected["access_token"] = json!("***");
    assert_eq!(env.last_query(KF_DEL).await, expected);
    assert!(kf.accounts().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_existing_agent_is_61453_and_the_11th_is_61456() {
    let env = env(0).await;
    let kf = env.client.custom();
    for i in 0..10 {
        kf.add_account(format!("a{i}@test"), "n").await.unwrap();
    }
    assert_eq!(errcode(kf.add_account("a0@test", "n").await), 61453);
    assert_eq!(errcode(kf.add_account("a10@test", "n").await), 61456);
}

#[tokio::test]
async fn an_unknown_agent_is_61452() {
    let env = env(0).await;
    let kf = env.client.custom();
    assert_eq!(errcode(kf.update_account("nobody@test", "n").await), 61452);
    assert_eq!(errcode(kf.delete_account("nobody@test").await), 61452);
    assert_eq!(
        errcode(kf.invite_worker("nobody@test", "wx_id").await),
        61452
    );
}

#[tokio::test]
async fn malformed_agent_accounts_are_refused_before_sending() {
    let env = env(0).await;
    let kf = env.client.custom();
    for bad in ["noat", "@test", "toolongprefix1@test", "a-b@test"] {
        assert!(
            refused(kf.add_account(bad, "n").await).starts_with("kf_account: "),
            "{bad}"
        );
    }
    assert!(refused(kf.add_account("a@test", "").await).starts_with("nickname: "));
    assert!(refused(kf.invite_worker("a@test", "").await).starts_with("invite_wx: "));
    assert!(env.calls(KF_ADD).await.is_empty() && env.calls(KF_INVITE).await.is_empty());
}

#[tokio::test]
async fn an_invitation_sends_the_spec_body_and_shows_in_the_list() {
    let env = env(0).await;
    let kf = env.client.custom();
    kf.add_account("test1@test", "n").await.unwrap();
    kf.invite_worker("test1@test", "test_kfwx").await.unwrap();
    assert_eq!(
        env.last_body(KF_INVITE).await,
        request_fixture("kf", "inviteworker", &[])
    );
    let agent = kf.accounts().await.unwrap().remove(0);
    assert_eq!(agent.invite_wx.as_deref(), Some("test_kfwx"));
    assert_eq!(
        agent.invite_status,
        Some(wxoa_client::api::custom::InviteStatus::Waiting)
    );
    assert!(agent.invite_expire_time.is_some());
}

#[tokio::test]
async fn an_avatar_is_uploaded_as_multipart_media() {
    let env = env(0).await;
    let kf = env.client.custom();
    kf.add_account("test1@test", "n").await.unwrap();
    kf.upload_avatar(
        "test1@test",
        Upload::bytes("me.png", &b"\x89PNG\r\n\x1a\navatar"[..]),
    )
    .await
    .unwrap();
    let call = env.calls(KF_AVATAR).await.remove(0);
    assert_eq!(call.query["kf_account"], "test1@test");
    assert!(call.body.as_str().unwrap().starts_with("<multipart body"));
    let agent = kf.accounts().await.unwrap().remove(0);
    assert!(agent.kf_headimgurl.is_some_and(|u| !u.is_empty()));
}

#[tokio::test]
async fn an_avatar_that_is_not_jpg_or_png_is_refused_before_sending() {
    let env = env(0).await;
    let upload = Upload::bytes("me.gif", &b"GIF89a"[..]);
    let message = refused(
        env.client
            .custom()
            .upload_avatar("test1@test", upload)
            .await,
    );
    assert!(message.starts_with("media: "), "{message}");
    assert!(env.calls(KF_AVATAR).await.is_empty());
}

#[tokio::test]
async fn an_avatar_for_an_unknown_agent_is_61452_and_a_bad_image_61457() {
    let env = env(0).await;
    let png = || Upload::bytes("me.png", &b"\x89PNG\r\n\x1a\n"[..]);
    assert_eq!(
        errcode(
            env.client
                .custom()
                .upload_avatar("nobody@test", png())
                .await
        ),
        61452
    );
    env.fail_next(KF_AVATAR, 61457).await;
    assert_eq!(
        errcode(
            env.client
                .custom()
                .upload_avatar("nobody@test", png())
                .await
        ),
        61457
    );
}
