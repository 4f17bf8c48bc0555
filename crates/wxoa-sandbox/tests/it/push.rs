//! Pushes to a webhook in plain, compat and safe mode, the timeout and retries, reply checks,
//! the service notice, and the follower actions of the control API.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use wxoa_crypto::{MsgCrypt, signature};
use wxoa_sandbox::control::PushOutcome;
use wxoa_sandbox::{PushMode, Sandbox, Webhook};
use wxoa_types::inbound::Inbound;
use wxoa_types::reply::{Article, Reply};
use wxoa_types::xml;

use crate::support::{Answer, Env, Hook, Received, env, env_with, hook};

const TOKEN: &str = "pamtest";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const NOTICE: &str = "该公众号暂时无法提供服务，请稍后再试";
const FOLLOWER: &str = "oFollower0000000000000000001";

fn crypt() -> MsgCrypt {
    MsgCrypt::new(TOKEN, AES_KEY, wxoa_sandbox::DEFAULT_APP_ID).unwrap()
}

/// The plaintext XML of a delivery, after checking its signatures (and decrypting it).
fn open(received: &Received) -> String {
    let q = &received.query;
    let expected = signature(TOKEN, &q["timestamp"], &q["nonce"]);
    assert_eq!(expected.as_str(), q["signature"], "signature");
    if q.get("encrypt_type").map(String::as_str) == Some("aes") {
        let plain = crypt()
            .decrypt_push(
                received.body.as_bytes(),
                &q["msg_signature"],
                &q["timestamp"],
                &q["nonce"],
            )
            .expect("msg_signature verifies and the push decrypts");
        String::from_utf8(plain).unwrap()
    } else {
        received.body.clone()
    }
}

/// A text reply `echo: <Content>` to the push, as plaintext XML.
fn echo(received: &Received) -> String {
    let inbound = Inbound::from_xml(open(received).as_bytes()).unwrap();
    let content = xml::parse(open(received).as_bytes())
        .unwrap()
        .child_text("Content")
        .unwrap_or_default()
        .to_owned();
    Reply::text(&inbound, format!("echo: {content}"))
        .to_xml()
        .unwrap()
}

/// The same reply, sealed in the encrypted envelope.
fn sealed_echo(received: &Received) -> String {
    let q = &received.query;
    crypt()
        .encrypt_reply_xml(echo(received), &q["timestamp"], &q["nonce"])
        .unwrap()
}

async fn env_with_hook(mode: PushMode, hook: &Hook) -> Env {
    let mut webhook = Webhook::new(&hook.url, TOKEN).mode(mode);
    if mode != PushMode::Plain {
        webhook = webhook.aes_key(AES_KEY);
    }
    env_with(
        Sandbox::builder()
            .followers(3)
            .webhook(webhook)
            .push_timeout(Duration::from_millis(300)),
    )
    .await
}

fn text(content: &str) -> Value {
    json!({"MsgType": "text", "Content": content})
}

#[tokio::test]
async fn plain_mode_signs_the_push_and_reads_the_reply() {
    let hook = hook(|r, _| Answer::Body(echo(r))).await;
    let env = env_with_hook(PushMode::Plain, &hook).await;
    let result = env.push(FOLLOWER, text("hi")).await;
    assert_eq!(result.attempts, 1);
    assert_eq!(result.outcome, PushOutcome::Reply);
    assert_eq!(result.reply_text("MsgType"), Some("text"));
    assert_eq!(result.reply_text("Content"), Some("echo: hi"));
    assert_eq!(result.reply_text("ToUserName"), Some(FOLLOWER));
    assert!(result.raw.as_deref().unwrap().contains("echo: hi"));
    let received = hook.received();
    assert_eq!(
        received[0].query_names(),
        ["signature", "timestamp", "nonce", "openid"]
    );
    assert_eq!(received[0].query["openid"], FOLLOWER);
    let push = Inbound::from_xml(received[0].body.as_bytes()).unwrap();
    assert_eq!(push.to_user_name, env.sandbox.original_id());
    assert_eq!(push.from_user_name.as_str(), FOLLOWER);
    assert!(push.msg_id.is_some());
    assert!((push.create_time - env.sandbox.now()).abs() < 5);
    let inbox = env.inbox(FOLLOWER).await;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].kind, "reply");
    assert_eq!(inbox[0].message["Content"], "echo: hi");
}

#[tokio::test]
async fn compat_mode_sends_plaintext_and_ciphertext_and_accepts_both_replies() {
    let hook = hook(|r, n| Answer::Body(if n == 0 { sealed_echo(r) } else { echo(r) })).await;
    let env = env_with_hook(PushMode::Compat, &hook).await;
    let sealed = env.push(FOLLOWER, text("one")).await;
    assert_eq!(sealed.reply_text("Content"), Some("echo: one"));
    let plain = env.push(FOLLOWER, text("two")).await;
    assert_eq!(plain.reply_text("Content"), Some("echo: two"));
    let received = hook.received();
    assert_eq!(
        received[0].query_names(),
        [
            "signature",
            "timestamp",
            "nonce",
            "openid",
            "encrypt_type",
            "msg_signature"
        ]
    );
    assert_eq!(received[0].query["encrypt_type"], "aes");
    let outer = xml::parse(received[0].body.as_bytes()).unwrap();
    assert_eq!(outer.child_text("Content"), Some("one"));
    assert!(outer.child("Encrypt").is_some());
    let inner = Inbound::from_xml(open(&received[0]).as_bytes()).unwrap();
    assert_eq!(
        inner,
        Inbound::from_xml(received[0].body.as_bytes()).unwrap()
    );
}

#[tokio::test]
async fn safe_mode_sends_only_the_envelope_and_decrypts_the_reply() {
    let hook = hook(|r, _| Answer::Body(sealed_echo(r))).await;
    let env = env_with_hook(PushMode::Safe, &hook).await;
    let result = env.push(FOLLOWER, text("secret")).await;
    assert_eq!(result.outcome, PushOutcome::Reply);
    assert_eq!(result.reply_text("Content"), Some("echo: secret"));
    assert!(result.raw.as_deref().unwrap().contains("<Encrypt>"));
    let received = hook.received();
    let outer = xml::parse(received[0].body.as_bytes()).unwrap();
    let names: Vec<&str> = outer.children.iter().map(|c| &*c.name).collect();
    assert_eq!(names, ["ToUserName", "Encrypt"]);
    assert_eq!(
        outer.child_text("ToUserName"),
        Some(env.sandbox.original_id())
    );
    let inner = xml::parse(open(&received[0]).as_bytes()).unwrap();
    assert_eq!(inner.child_text("Content"), Some("secret"));
    assert_eq!(
        env.inbox(FOLLOWER).await[0].message["Content"],
        "echo: secret"
    );
}

#[tokio::test]
async fn safe_mode_refuses_a_plaintext_reply() {
    let hook = hook(|r, _| Answer::Body(echo(r))).await;
    let env = env_with_hook(PushMode::Safe, &hook).await;
    let result = env.push(FOLLOWER, text("hi")).await;
    assert_eq!(result.outcome, PushOutcome::Invalid);
    assert_eq!(result.reply, None);
    let inbox = env.inbox(FOLLOWER).await;
    assert_eq!(inbox[0].kind, "notice");
    assert_eq!(inbox[0].message["Content"], NOTICE);
}

#[tokio::test]
async fn a_reply_encrypted_for_another_appid_is_refused() {
    let hook = hook(|r, _| {
        let other = MsgCrypt::new(TOKEN, AES_KEY, "wxffffffffffffffff").unwrap();
        let q = &r.query;
        Answer::Body(
            other
                .encrypt_reply_xml(echo(r), &q["timestamp"], &q["nonce"])
                .unwrap(),
        )
    })
    .await;
    let env = env_with_hook(PushMode::Safe, &hook).await;
    let result = env.push(FOLLOWER, text("hi")).await;
    assert_eq!(result.outcome, PushOutcome::Invalid);
    assert!(
        result.error.as_deref().unwrap().contains("-40005"),
        "{result:?}"
    );
    assert_eq!(env.inbox(FOLLOWER).await[0].kind, "notice");
}

#[tokio::test]
async fn a_reply_with_a_bad_msg_signature_is_refused() {
    let hook = hook(|r, _| {
        Answer::Body(sealed_echo(r).replace("<MsgSignature><![CDATA[", "<MsgSignature><![CDATA[0"))
    })
    .await;
    let env = env_with_hook(PushMode::Safe, &hook).await;
    let result = env.push(FOLLOWER, text("hi")).await;
    assert_eq!(result.outcome, PushOutcome::Invalid);
    assert!(
        result.error.as_deref().unwrap().contains("-40001"),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_in_time_gets_three_deliveries_then_the_notice() {
    let hook = hook(|_, _| Answer::SleepThen(Duration::from_secs(2), "success".into())).await;
    let env = env_with_hook(PushMode::Plain, &hook).await;
    let result = env.push(FOLLOWER, text("anyone?")).await;
    assert_eq!(result.attempts, 3);
    assert_eq!(result.outcome, PushOutcome::Failed);
    assert_eq!(result.reply, None);
    for attempt in &result.attempt_log {
        assert!(attempt.elapsed_ms >= 300);
        assert!(attempt.error.as_deref().unwrap().contains("timeout"));
    }
    let received = hook.wait_for(3).await;
    assert_eq!(received.len(), 3);
    let first = Inbound::from_xml(received[0].body.as_bytes()).unwrap();
    for again in &received[1..] {
        let again = Inbound::from_xml(again.body.as_bytes()).unwrap();
        assert_eq!(again.msg_id, first.msg_id, "same MsgId on every delivery");
        assert_eq!(
            again.create_time, first.create_time,
            "same CreateTime on every delivery"
        );
    }
    let inbox = env.inbox(FOLLOWER).await;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].kind, "notice");
    assert_eq!(inbox[0].message["Content"], NOTICE);
}

#[tokio::test]
async fn a_late_first_answer_is_retried_and_the_second_reply_wins() {
    let hook = hook(|r, n| {
        if n == 0 {
            Answer::SleepThen(Duration::from_secs(2), echo(r))
        } else {
            Answer::Body(echo(r))
        }
    })
    .await;
    let env = env_with_hook(PushMode::Plain, &hook).await;
    let result = env.push(FOLLOWER, text("retry me")).await;
    assert_eq!(result.attempts, 2);
    assert_eq!(result.outcome, PushOutcome::Reply);
    assert_eq!(result.reply_text("Content"), Some("echo: retry me"));
}

#[tokio::test]
async fn an_http_error_is_retried() {
    let hook = hook(|r, n| {
        if n == 0 {
            Answer::Status(500)
        } else {
            Answer::Body(echo(r))
        }
    })
    .await;
    let env = env_with_hook(PushMode::Plain, &hook).await;
    let result = env.push(FOLLOWER, text("hi")).await;
    assert_eq!(result.attempts, 2);
    assert_eq!(result.attempt_log[0].status, Some(500));
    assert_eq!(result.outcome, PushOutcome::Reply);
}

#[tokio::test]
async fn the_number_of_deliveries_is_configurable() {
    let hook = hook(|_, _| Answer::Status(502)).await;
    let env = env_with(
        Sandbox::builder()
            .webhook(Webhook::new(&hook.url, TOKEN))
            .push_deliveries(5),
    )
    .await;
    let result = env.push(FOLLOWER, text("hi")).await;
    assert_eq!(result.attempts, 5);
    assert_eq!(result.outcome, PushOutcome::Failed);
}

#[tokio::test]
async fn success_or_an_empty_body_means_no_reply() {
    let hook = hook(|_, n| {
        Answer::Body(if n == 0 {
            "success".into()
        } else {
            String::new()
        })
    })
    .await;
    let env = env_with_hook(PushMode::Plain, &hook).await;
    for _ in 0..2 {
        let result = env.push(FOLLOWER, text("hi")).await;
        assert_eq!(result.outcome, PushOutcome::NoReply);
        assert_eq!(result.reply, None);
        assert_eq!(result.attempts, 1);
    }
    assert!(env.inbox(FOLLOWER).await.is_empty());
}

#[tokio::test]
async fn anything_else_shows_the_notice() {
    let hook = hook(|_, _| Answer::Body("ok, got it".into())).await;
    let env = env_with_hook(PushMode::Plain, &hook).await;
    let result = env.push(FOLLOWER, text("hi")).await;
    assert_eq!(result.outcome, PushOutcome::Invalid);
    assert_eq!(result.raw.as_deref(), Some("ok, got it"));
    assert_eq!(env.inbox(FOLLOWER).await[0].message["Content"], NOTICE);
}

#[tokio::test]
async fn a_reply_to_someone_else_is_refused() {
    let hook =
        hook(|r, _| Answer::Body(echo(r).replace(FOLLOWER, "oSomeoneElse0000000000000001"))).await;
    let env = env_with_hook(PushMode::Plain, &hook).await;
    let result = env.push(FOLLOWER, text("hi")).await;
    assert_eq!(result.outcome, PushOutcome::Invalid);
    assert!(result.error.as_deref().unwrap().contains("ToUserName"));
}

#[tokio::test]
async fn job_events_never_show_the_notice() {
    let hook = hook(|_, _| Answer::Status(500)).await;
    let env = env_with_hook(PushMode::Plain, &hook).await;
    let event = json!({"MsgType": "event", "Event": "TEMPLATESENDJOBFINISH", "MsgID": 1, "Status": "success"});
    let result = env.push(FOLLOWER, event).await;
    assert_eq!(result.outcome, PushOutcome::Failed);
    assert!(env.inbox(FOLLOWER).await.is_empty());
}

#[tokio::test]
async fn without_a_webhook_nothing_is_sent() {
    let env = env().await;
    let result = env.push(FOLLOWER, text("hi")).await;
    assert_eq!(result.attempts, 0);
    assert_eq!(result.outcome, PushOutcome::NoWebhook);
    assert!(result.xml.contains("<Content><![CDATA[hi]]></Content>"));
}

#[tokio::test]
async fn the_webhook_can_be_set_while_running() {
    let hook = hook(|r, _| Answer::Body(echo(r))).await;
    let env = env().await;
    let (status, body) = env.control_post("/sandbox/webhook", &json!({})).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    let response = env
        .http
        .put(env.url("/sandbox/webhook"))
        .json(&json!({"url": hook.url, "token": TOKEN, "aes_key": AES_KEY, "mode": "compat"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let result = env.push(FOLLOWER, text("hi")).await;
    assert_eq!(result.reply_text("Content"), Some("echo: hi"));
    assert_eq!(hook.received()[0].query["encrypt_type"], "aes");
    let bad = env
        .http
        .put(env.url("/sandbox/webhook"))
        .json(&json!({"url": hook.url, "token": TOKEN, "mode": "safe"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        bad.status(),
        StatusCode::BAD_REQUEST,
        "safe mode needs a key"
    );
}

#[tokio::test]
async fn a_news_reply_to_a_message_shows_one_article_and_to_an_event_eight() {
    let hook = hook(|r, _| {
        let inbound = Inbound::from_xml(r.body.as_bytes()).unwrap();
        let articles = (0..3)
            .map(|i| Article::new(format!("a{i}"), "http://example.com"))
            .collect();
        Answer::Body(Reply::news(&inbound, articles).to_xml().unwrap())
    })
    .await;
    let env = env_with_hook(PushMode::Plain, &hook).await;
    let result = env.push(FOLLOWER, text("news please")).await;
    assert_eq!(result.reply_text("ArticleCount"), Some("3"));
    let clicked = json!({"MsgType": "event", "Event": "CLICK", "EventKey": "NEWS"});
    env.push(FOLLOWER, clicked).await;
    let inbox = env.inbox(FOLLOWER).await;
    assert_eq!(inbox[0].message["ArticleCount"], "1");
    assert_eq!(inbox[1].message["ArticleCount"], "3");
}

#[tokio::test]
async fn a_transfer_to_customer_service_shows_nothing() {
    let hook = hook(|r, _| {
        let inbound = Inbound::from_xml(r.body.as_bytes()).unwrap();
        Answer::Body(
            Reply::transfer_customer_service(&inbound, None)
                .to_xml()
                .unwrap(),
        )
    })
    .await;
    let env = env_with_hook(PushMode::Plain, &hook).await;
    let result = env.push(FOLLOWER, text("human please")).await;
    assert_eq!(
        result.reply_text("MsgType"),
        Some("transfer_customer_service")
    );
    assert!(env.inbox(FOLLOWER).await.is_empty());
}

#[tokio::test]
async fn every_message_kind_reaches_the_webhook_as_the_platform_writes_it() {
    let hook = hook(|_, _| Answer::Body("success".into())).await;
    let env = env_with_hook(PushMode::Plain, &hook).await;
    let messages = [
        json!({"MsgType": "image", "PicUrl": "http://example.com/a.jpg", "MediaId": "M1"}),
        json!({"MsgType": "voice", "MediaId": "M2", "Format": "amr"}),
        json!({"MsgType": "location", "Location_X": 23.134521, "Location_Y": 113.358803, "Scale": 20, "Label": "somewhere"}),
        json!({"MsgType": "link", "Title": "t", "Description": "d", "Url": "http://example.com"}),
    ];
    for message in &messages {
        assert_eq!(
            env.push(FOLLOWER, message.clone()).await.outcome,
            PushOutcome::NoReply
        );
    }
    let kinds: Vec<&'static str> = hook
        .received()
        .iter()
        .map(|r| Inbound::from_xml(r.body.as_bytes()).unwrap().kind())
        .collect();
    assert_eq!(kinds, ["image", "voice", "location", "link"]);
    let location = xml::parse(hook.received()[2].body.as_bytes()).unwrap();
    assert_eq!(location.child_text("Location_X"), Some("23.134521"));
}

#[tokio::test]
async fn follow_and_unfollow_change_the_follower_list() {
    let hook = hook(|r, _| {
        let inbound = Inbound::from_xml(r.body.as_bytes()).unwrap();
        if inbound.kind() == "subscribe" {
            Answer::Body(Reply::text(&inbound, "welcome").to_xml().unwrap())
        } else {
            Answer::Body("success".into())
        }
    })
    .await;
    let env = env_with_hook(PushMode::Plain, &hook).await;
    let follow = env
        .push(FOLLOWER, json!({"MsgType": "event", "Event": "subscribe"}))
        .await;
    assert_eq!(follow.reply_text("Content"), Some("welcome"));
    let info = env
        .get(&format!("/cgi-bin/user/info?openid={FOLLOWER}"))
        .await;
    assert_eq!(info["subscribe"], 1);
    assert_eq!(env.get("/cgi-bin/user/get").await["total"], 4);
    let leave = env
        .push(
            FOLLOWER,
            json!({"MsgType": "event", "Event": "unsubscribe"}),
        )
        .await;
    assert_eq!(leave.outcome, PushOutcome::NoReply);
    let info = env
        .get(&format!("/cgi-bin/user/info?openid={FOLLOWER}"))
        .await;
    assert_eq!(info["subscribe"], 0);
    assert_eq!(env.get("/cgi-bin/user/get").await["total"], 3);
}

#[tokio::test]
async fn a_message_from_someone_new_makes_them_a_follower() {
    let env = env().await;
    env.push(FOLLOWER, text("hi")).await;
    let info = env
        .get(&format!("/cgi-bin/user/info?openid={FOLLOWER}"))
        .await;
    assert_eq!(info["subscribe"], 1);
}

#[tokio::test]
async fn a_push_needs_an_openid_and_a_msgtype() {
    let env = env().await;
    let (status, _) = env
        .control_post(
            "/sandbox/push",
            &json!({"from": "not an openid!", "message": text("x")}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = env
        .control_post(
            "/sandbox/push",
            &json!({"from": FOLLOWER, "message": {"Content": "x"}}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn scanning_a_qr_code_follows_with_its_scene_then_pushes_scan() {
    let hook = hook(|_, _| Answer::Body("success".into())).await;
    let env = env_with_hook(PushMode::Plain, &hook).await;
    let code = env
        .post(
            "/cgi-bin/qrcode/create",
            &json!({"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 123}}}),
        )
        .await;
    let ticket = code["ticket"].clone();
    let (status, _) = env
        .control_post(
            "/sandbox/scan",
            &json!({"from": FOLLOWER, "ticket": ticket}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = env
        .control_post(
            "/sandbox/scan",
            &json!({"from": FOLLOWER, "ticket": ticket}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let received = hook.received();
    let first = xml::parse(received[0].body.as_bytes()).unwrap();
    assert_eq!(first.child_text("Event"), Some("subscribe"));
    assert_eq!(first.child_text("EventKey"), Some("qrscene_123"));
    assert_eq!(first.child_text("Ticket"), ticket.as_str());
    let second = xml::parse(received[1].body.as_bytes()).unwrap();
    assert_eq!(second.child_text("Event"), Some("SCAN"));
    assert_eq!(second.child_text("EventKey"), Some("123"));
    let info = env
        .get(&format!("/cgi-bin/user/info?openid={FOLLOWER}"))
        .await;
    assert_eq!(info["subscribe_scene"], "ADD_SCENE_QR_CODE");
    assert_eq!(info["qr_scene"], 123);
}

#[tokio::test]
async fn an_expired_or_unknown_qr_code_cannot_be_scanned() {
    let env = env().await;
    let code = env
        .post("/cgi-bin/qrcode/create", &json!({"expire_seconds": 60, "action_name": "QR_STR_SCENE", "action_info": {"scene": {"scene_str": "promo"}}}))
        .await;
    env.advance(61).await;
    let (status, _) = env
        .control_post(
            "/sandbox/scan",
            &json!({"from": FOLLOWER, "ticket": code["ticket"]}),
        )
        .await;
    assert_eq!(status, StatusCode::GONE);
    let (status, _) = env
        .control_post(
            "/sandbox/scan",
            &json!({"from": FOLLOWER, "ticket": "gQnothing"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn menu_clicks_push_the_event_of_each_button_type() {
    let hook = hook(|_, _| Answer::Body("success".into())).await;
    let env = env_with_hook(PushMode::Plain, &hook).await;
    env.post(
        "/cgi-bin/menu/create",
        &crate::support::request("menu", "create", &[]),
    )
    .await;
    let openid = env.followers(1).await[0].clone();
    for path in [
        json!([0]),
        json!([1, 0]),
        json!([1, 3]),
        json!([1, 4]),
        json!([2]),
        json!([1, 1]),
    ] {
        let (status, body) = env
            .control_post("/sandbox/click", &json!({"from": openid, "button": path}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let events: Vec<_> = hook
        .received()
        .iter()
        .map(|r| xml::parse(r.body.as_bytes()).unwrap())
        .collect();
    let name = |i: usize| events[i].child_text("Event").unwrap().to_owned();
    let key = |i: usize| events[i].child_text("EventKey").unwrap().to_owned();
    assert_eq!(
        (name(0), key(0)),
        ("CLICK".into(), "V1001_TODAY_MUSIC".into())
    );
    assert_eq!(
        (name(1), key(1)),
        ("VIEW".into(), "http://www.soso.com/".into())
    );
    assert_eq!(name(2), "scancode_waitmsg");
    assert_eq!(
        events[2]
            .child("ScanCodeInfo")
            .unwrap()
            .child_text("ScanType"),
        Some("qrcode")
    );
    assert_eq!(name(3), "pic_sysphoto");
    let pics = events[3].child("SendPicsInfo").unwrap();
    assert_eq!(pics.child_text("Count"), Some("1"));
    assert!(pics.child("PicList").unwrap().child("item").is_some());
    assert_eq!(name(4), "location_select");
    assert!(
        events[4]
            .child("SendLocationInfo")
            .unwrap()
            .child("Location_X")
            .is_some()
    );
    assert_eq!(
        (name(5), key(5)),
        ("view_miniprogram".into(), "pages/lunar/index".into())
    );
    for received in hook.received() {
        Inbound::from_xml(received.body.as_bytes()).expect("every event parses");
    }
    let (status, _) = env
        .control_post("/sandbox/click", &json!({"from": openid, "button": [1]}))
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a button with a sub-menu pushes nothing"
    );
    let (status, _) = env
        .control_post("/sandbox/click", &json!({"from": openid, "button": [7]}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn every_push_is_in_the_push_log() {
    let hook = hook(|_, _| Answer::Status(500)).await;
    let env = env_with(
        Sandbox::builder()
            .webhook(Webhook::new(&hook.url, TOKEN))
            .push_deliveries(2),
    )
    .await;
    env.push(FOLLOWER, text("hi")).await;
    let (_, pushes) = env.control_get("/sandbox/pushes").await;
    assert_eq!(pushes[0]["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(pushes[0]["from"], FOLLOWER);
    assert!(
        pushes[0]["query"]
            .as_str()
            .unwrap()
            .starts_with("signature=")
    );
}
