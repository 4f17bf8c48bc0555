//! Customer-service messages and typing.

use serde_json::{Value, json};
use wxoa_sandbox::{CsPolicy, Sandbox};

use crate::support::{Env, assert_errcode, assert_ok, env, env_with, request};

const SEND: &str = "/cgi-bin/message/custom/send";
const TYPING: &str = "/cgi-bin/message/custom/typing";

/// A follower who just sent a message (the window is open).
async fn talking(env: &Env) -> String {
    let openid = env.followers(1).await[0].clone();
    env.push(&openid, json!({"MsgType": "text", "Content": "hello"}))
        .await;
    openid
}

fn text(openid: &str, content: &str) -> Value {
    json!({"touser": openid, "msgtype": "text", "text": {"content": content}})
}

#[tokio::test]
async fn every_msgtype_of_the_spec_is_delivered_to_the_inbox() {
    let env = env_with(
        Sandbox::builder()
            .followers(1)
            .cs_policy(CsPolicy::classic()),
    )
    .await;
    let openid = talking(&env).await;
    let kinds = [
        "text",
        "image",
        "voice",
        "video",
        "music",
        "news",
        "mpnews",
        "mpnewsarticle",
        "msgmenu",
        "wxcard",
        "miniprogrampage",
        "as_agent",
    ];
    let media = [
        ("OPENID", json!(openid)),
        ("MEDIA_ID", json!(env.temporary("image").await)),
        ("THUMB_MEDIA_ID", json!(env.temporary("thumb").await)),
    ];
    let thumb = env.permanent("thumb").await;
    let news = json!({"articles": [{"title": "t", "content": "c", "thumb_media_id": thumb}]});
    let mpnews = env.post("/cgi-bin/material/add_news", &news).await["media_id"].clone();
    for kind in kinds {
        let mut body = request("custom", &format!("send_{kind}"), &media);
        if kind == "mpnews" {
            body["mpnews"]["media_id"] = mpnews.clone();
        }
        assert_ok(&env.post(SEND, &body).await);
    }
    let inbox = env.inbox(&openid).await;
    assert_eq!(inbox.len(), kinds.len());
    assert!(inbox.iter().all(|item| item.kind == "custom"));
    assert_eq!(
        inbox[0].message["text"]["content"],
        "Hello <a href=\"http://www.qq.com\">link</a>"
    );
    assert_eq!(inbox[5].message["msgtype"], "news");
    assert_eq!(
        inbox[11].message["customservice"]["kf_account"],
        "test1@kftest"
    );
    assert!(inbox[0].message.get("touser").is_none());
}

#[tokio::test]
async fn without_an_interaction_the_window_is_closed_45015() {
    let env = env().await;
    let openid = env.followers(1).await[0].clone();
    assert_errcode(&env.post(SEND, &text(&openid, "hi")).await, 45015);
}

#[tokio::test]
async fn a_message_allows_five_messages_then_45047() {
    let env = env().await;
    let openid = talking(&env).await;
    for i in 0..5 {
        assert_ok(&env.post(SEND, &text(&openid, &format!("m{i}"))).await);
    }
    assert_errcode(&env.post(SEND, &text(&openid, "one too many")).await, 45047);
    env.push(&openid, json!({"MsgType": "text", "Content": "again"}))
        .await;
    assert_ok(
        &env.post(SEND, &text(&openid, "the allowance is back"))
            .await,
    );
}

#[tokio::test]
async fn a_menu_click_allows_three_messages_within_a_minute() {
    let env = env().await;
    let openid = env.followers(1).await[0].clone();
    env.push(
        &openid,
        json!({"MsgType": "event", "Event": "CLICK", "EventKey": "K"}),
    )
    .await;
    for _ in 0..3 {
        assert_ok(&env.post(SEND, &text(&openid, "ok")).await);
    }
    assert_errcode(&env.post(SEND, &text(&openid, "no")).await, 45047);
    env.push(
        &openid,
        json!({"MsgType": "event", "Event": "CLICK", "EventKey": "K"}),
    )
    .await;
    env.advance(61).await;
    assert_errcode(&env.post(SEND, &text(&openid, "late")).await, 45015);
}

#[tokio::test]
async fn a_follow_allows_three_messages_within_a_minute() {
    let env = env().await;
    let openid = "oNewcomer000000000000000001";
    env.push(openid, json!({"MsgType": "event", "Event": "subscribe"}))
        .await;
    for _ in 0..3 {
        assert_ok(&env.post(SEND, &text(openid, "welcome")).await);
    }
    assert_errcode(&env.post(SEND, &text(openid, "spam")).await, 45047);
}

#[tokio::test]
async fn the_classic_policy_allows_any_number_for_48_hours() {
    let env = env_with(
        Sandbox::builder()
            .followers(1)
            .cs_policy(CsPolicy::classic()),
    )
    .await;
    let openid = talking(&env).await;
    for i in 0..20 {
        assert_ok(&env.post(SEND, &text(&openid, &format!("m{i}"))).await);
    }
}

#[tokio::test]
async fn the_48_hour_window_closes_with_45015() {
    let mut env = env_with(
        Sandbox::builder()
            .followers(1)
            .cs_policy(CsPolicy::classic()),
    )
    .await;
    let openid = talking(&env).await;
    env.advance(47 * 3600).await;
    env.refresh_token().await;
    assert_ok(&env.post(SEND, &text(&openid, "still open")).await);
    env.advance(3600 + 5).await;
    env.refresh_token().await;
    assert_errcode(&env.post(SEND, &text(&openid, "closed")).await, 45015);
}

#[tokio::test]
async fn someone_who_unfollowed_is_43004() {
    let env = env().await;
    let openid = talking(&env).await;
    env.push(&openid, json!({"MsgType": "event", "Event": "unsubscribe"}))
        .await;
    assert_errcode(&env.post(SEND, &text(&openid, "come back")).await, 43004);
}

#[tokio::test]
async fn someone_blacklisted_is_43019() {
    let env = env().await;
    let openid = talking(&env).await;
    env.post(
        "/cgi-bin/tags/members/batchblacklist",
        &json!({"openid_list": [openid]}),
    )
    .await;
    assert_errcode(&env.post(SEND, &text(&openid, "hi")).await, 43019);
}

#[tokio::test]
async fn an_unknown_openid_is_40003() {
    let env = env().await;
    assert_errcode(
        &env.post(SEND, &text("oUnknownUnknownUnknownUnknown", "hi"))
            .await,
        40003,
    );
}

#[tokio::test]
async fn more_than_one_article_is_45008() {
    let env = env().await;
    let openid = talking(&env).await;
    let mut body = request("custom", "send_news", &[("OPENID", json!(openid))]);
    let article = body["news"]["articles"][0].clone();
    body["news"]["articles"] = json!([article.clone(), article]);
    assert_errcode(&env.post(SEND, &body).await, 45008);
}

#[tokio::test]
async fn empty_text_is_44004_and_text_over_2048_bytes_45002() {
    let env = env().await;
    let openid = talking(&env).await;
    assert_errcode(&env.post(SEND, &text(&openid, "")).await, 44004);
    assert_errcode(
        &env.post(SEND, &text(&openid, &"长".repeat(683))).await,
        45002,
    );
}

#[tokio::test]
async fn an_unknown_msgtype_is_40008() {
    let env = env().await;
    let openid = talking(&env).await;
    let body = json!({"touser": openid, "msgtype": "hologram", "hologram": {}});
    assert_errcode(&env.post(SEND, &body).await, 40008);
}

#[tokio::test]
async fn media_messages_need_an_existing_media_id_40007() {
    let env = env().await;
    let openid = talking(&env).await;
    for kind in ["image", "voice", "video", "mpnews"] {
        let body = json!({"touser": openid, "msgtype": kind, kind: {}});
        assert_errcode(&env.post(SEND, &body).await, 40007);
        let body = json!({"touser": openid, "msgtype": kind, kind: {"media_id": "nothing"}});
        assert_errcode(&env.post(SEND, &body).await, 40007);
    }
    let image = env.temporary("image").await;
    let body = json!({"touser": openid, "msgtype": "mpnews", "mpnews": {"media_id": image}});
    assert_errcode(&env.post(SEND, &body).await, 40007);
}

#[tokio::test]
async fn a_miniprogram_page_needs_its_fields_47003() {
    let env = env().await;
    let openid = talking(&env).await;
    let mut body = request(
        "custom",
        "send_miniprogrampage",
        &[("OPENID", json!(openid))],
    );
    body["miniprogrampage"]
        .as_object_mut()
        .unwrap()
        .remove("pagepath");
    assert_errcode(&env.post(SEND, &body).await, 47003);
}

#[tokio::test]
async fn typing_needs_an_interaction_in_the_last_30_seconds() {
    let env = env().await;
    let openid = talking(&env).await;
    let typing = request("custom", "typing", &[("OPENID", json!(openid))]);
    assert_ok(&env.post(TYPING, &typing).await);
    assert_errcode(&env.post(TYPING, &typing).await, 45081);
    let cancel = json!({"touser": openid, "command": "CancelTyping"});
    assert_ok(&env.post(TYPING, &cancel).await);
    env.advance(31).await;
    assert_errcode(&env.post(TYPING, &typing).await, 45080);
}

#[tokio::test]
async fn a_typing_command_other_than_typing_or_cancel_is_45072() {
    let env = env().await;
    let openid = talking(&env).await;
    let body = json!({"touser": openid, "command": "Dancing"});
    assert_errcode(&env.post(TYPING, &body).await, 45072);
}
