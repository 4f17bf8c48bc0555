//! An authorizer as the third-party platform acts for it (spec open-platform.md §4, §5, §11):
//! its token works on the account's APIs within the granted permission sets (61007 outside),
//! counts against the account's quotas; its followers' messages go to the component's message
//! URL with `$APPID$` replaced, signed and encrypted with the component's Token and key, and
//! its passive replies must carry the component's AppID; ten thousand authorizers stay cheap.

use std::time::Instant;

use serde_json::{Value, json};
use wxoa_crypto::MsgCrypt;
use wxoa_sandbox::control::{PushOutcome, PushResult};

use crate::component::{AES_KEY, COMPONENT, Platform, Receiver, TOKEN, component};
use crate::support::{assert_errcode, json_of};

async fn get(platform: &Platform, path: &str, token: &str) -> Value {
    let sep = if path.contains('?') { '&' } else { '?' };
    json_of(
        platform
            .http
            .get(platform.url(&format!("{path}{sep}access_token={token}"))),
    )
    .await
}

async fn post(platform: &Platform, path: &str, token: &str, body: &Value) -> Value {
    let url = platform.url(&format!("{path}?access_token={token}"));
    json_of(platform.http.post(url).json(body)).await
}

/// Follower `openid` of account `app_id` sends "hi".
async fn say_hi(platform: &Platform, app_id: &str, openid: &str) -> PushResult {
    platform
        .sandbox
        .control()
        .push_to(app_id, openid, json!({"MsgType": "text", "Content": "hi"}))
        .await
        .unwrap()
}

#[tokio::test]
async fn an_authorizer_token_reaches_its_own_account() {
    let platform = Platform::start().await;
    let (app_id, access, _) = platform.authorized(0, &[1, 2]).await;
    let users = get(&platform, "/cgi-bin/user/get", &access).await;
    assert_eq!(users["total"], 5);
    let followers = platform.sandbox.control().authorizers(0, 10).await.unwrap();
    assert!(
        followers
            .authorizers
            .iter()
            .any(|a| a.app_id == app_id && a.authorized)
    );
    // The OpenIDs are the authorizer's own, not the default account's.
    let openid = users["data"]["openid"][0].as_str().unwrap().to_owned();
    let info = get(
        &platform,
        &format!("/cgi-bin/user/info?openid={openid}&lang=zh_CN"),
        &access,
    )
    .await;
    assert_eq!(info["openid"], openid.as_str(), "{info}");
}

#[tokio::test]
async fn an_api_outside_the_granted_sets_is_61007() {
    let platform = Platform::start().await;
    let (_, access, _) = platform.authorized(0, &[1]).await;
    assert_errcode(&get(&platform, "/cgi-bin/menu/get", &access).await, 61007);
    assert_errcode(&get(&platform, "/cgi-bin/user/get", &access).await, 61007);
}

#[tokio::test]
async fn calls_count_against_the_authorizer_quota() {
    let platform = Platform::start().await;
    let (_, access, _) = platform.authorized(0, &[1, 2]).await;
    get(&platform, "/cgi-bin/user/get", &access).await;
    get(&platform, "/cgi-bin/user/get", &access).await;
    let quota = post(
        &platform,
        "/cgi-bin/openapi/quota/get",
        &access,
        &json!({"cgi_path": "/cgi-bin/user/get"}),
    )
    .await;
    assert_eq!(quota["quota"]["used"], 2, "{quota}");
}

#[tokio::test]
async fn followers_messages_go_to_the_message_url_of_the_authorizer() {
    let platform = Platform::start().await;
    let (app_id, _, _) = platform.authorized(0, &[1, 2]).await;
    let original_id = platform.authorizer_original_id(&app_id).await;
    let openid = platform.follower_of(&app_id).await;
    let pushed = say_hi(&platform, &app_id, &openid).await;
    assert_eq!(pushed.outcome, PushOutcome::NoReply, "{pushed:?}");
    let path = format!("/msg/{app_id}/callback");
    let got = platform.receiver.wait_on(&path, 1).await;
    let push = &got[0];
    for key in ["signature", "timestamp", "nonce", "msg_signature"] {
        assert!(push.query.contains_key(key), "{key}");
    }
    assert_eq!(push.query["openid"], openid);
    assert_eq!(push.query["encrypt_type"], "aes");
    let envelope = wxoa_types::xml::parse(push.body.as_bytes()).unwrap();
    assert_eq!(envelope.child("ToUserName").unwrap().text, original_id);
    assert!(envelope.child("Content").is_none(), "safe mode only");
    assert_eq!(push.field("ToUserName"), original_id);
    assert_eq!(push.field("FromUserName"), openid);
    assert_eq!(push.field("Content"), "hi");
}

#[tokio::test]
async fn an_account_without_the_messages_set_keeps_its_own_server() {
    let platform = Platform::start().await;
    let (app_id, _, _) = platform.authorized(0, &[2]).await;
    let openid = platform.follower_of(&app_id).await;
    let pushed = say_hi(&platform, &app_id, &openid).await;
    assert_eq!(pushed.outcome, PushOutcome::NoWebhook);
    assert!(
        platform
            .receiver
            .on(&format!("/msg/{app_id}/callback"))
            .is_empty()
    );
}

/// A receiver that answers each authorizer message with a passive text reply, encrypted
/// with the component's key, the component's AppID in the frame — or the authorizer's (read
/// from the URL) when `component_frame` is false.
async fn replying(component_frame: bool) -> Receiver {
    Receiver::start(move |got| {
        if got.path == "/auth" {
            return "success".to_owned();
        }
        let message = got.open();
        let root = wxoa_types::xml::parse(message.as_bytes()).unwrap();
        let text = |name: &str| root.child(name).unwrap().text.clone();
        let reply = format!(
            "<xml><ToUserName><![CDATA[{}]]></ToUserName><FromUserName><![CDATA[{}]]></FromUserName>\
             <CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType>\
             <Content><![CDATA[echo]]></Content></xml>",
            text("FromUserName"),
            text("ToUserName")
        );
        let authorizer = got.path.split('/').nth(2).unwrap().to_owned();
        let frame = if component_frame { COMPONENT.to_owned() } else { authorizer };
        let crypt = MsgCrypt::new(TOKEN, AES_KEY, frame).unwrap();
        crypt
            .encrypt_reply_xml(&reply, "1700000000", "nonce")
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn a_passive_reply_framed_with_the_component_appid_reaches_the_follower() {
    let receiver = replying(true).await;
    let platform = Platform::with(receiver.clone(), component(&receiver, 2)).await;
    let (app_id, _, _) = platform.authorized(0, &[1]).await;
    let openid = platform.follower_of(&app_id).await;
    let pushed = say_hi(&platform, &app_id, &openid).await;
    assert_eq!(pushed.outcome, PushOutcome::Reply, "{pushed:?}");
    assert_eq!(pushed.reply.unwrap()["Content"], "echo");
}

#[tokio::test]
async fn a_passive_reply_framed_with_the_authorizer_appid_fails() {
    let receiver = replying(false).await;
    let platform = Platform::with(receiver.clone(), component(&receiver, 2)).await;
    let (app_id, _, _) = platform.authorized(0, &[1]).await;
    let openid = platform.follower_of(&app_id).await;
    let pushed = say_hi(&platform, &app_id, &openid).await;
    assert_eq!(pushed.outcome, PushOutcome::Invalid, "{pushed:?}");
}

#[tokio::test]
async fn ten_thousand_authorizers_are_cheap_to_hold_and_to_list() {
    let receiver = Receiver::start(|_| "success".to_owned()).await;
    let started = Instant::now();
    let sandbox = wxoa_sandbox::Sandbox::builder()
        .component(component(&receiver, 10_000).pre_authorized(true))
        .start()
        .await
        .unwrap();
    let platform = Platform {
        sandbox,
        http: crate::support::client(),
        receiver,
    };
    let token = platform.token().await;
    let mut seen = 0;
    let mut refresh = None;
    let listing = Instant::now();
    for page in 0..20 {
        let body = json!({"component_appid": COMPONENT, "offset": page * 500, "count": 500});
        let answer = platform
            .call("/cgi-bin/component/api_get_authorizer_list", &token, &body)
            .await;
        assert_eq!(answer["total_count"], 10_000);
        let list = answer["list"].as_array().unwrap();
        assert_eq!(list.len(), 500);
        seen += list.len();
        refresh.get_or_insert_with(|| {
            (
                list[0]["authorizer_appid"].clone(),
                list[0]["refresh_token"].clone(),
            )
        });
    }
    assert_eq!(seen, 10_000);
    assert!(listing.elapsed().as_secs() < 10, "{:?}", listing.elapsed());
    let (app_id, refresh) = refresh.unwrap();
    let body = json!({"component_appid": COMPONENT, "authorizer_appid": app_id,
                      "authorizer_refresh_token": refresh});
    let answer = platform
        .call("/cgi-bin/component/api_authorizer_token", &token, &body)
        .await;
    let access = answer["authorizer_access_token"].as_str().unwrap();
    assert_eq!(
        get(&platform, "/cgi-bin/user/get", access).await["total"],
        0
    );
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
}
