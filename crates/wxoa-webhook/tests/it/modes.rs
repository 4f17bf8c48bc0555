//! The handshake and the three modes.

use wxoa_types::reply::ReplyBody;
use wxoa_webhook::Mode;
use wxoa_webhook::testing::text_push;

use crate::*;

#[tokio::test]
async fn handshake_echoes_echostr_byte_for_byte() {
    let router = webhook(echo()).router();
    let echostr = "5927782489442352469 +/=&é";
    let (status, body) = send(&router, platform().handshake(echostr)).await;
    assert_eq!(status, 200);
    assert_eq!(body, echostr.as_bytes());
    let wrong = Platform::new(APP_ID, "other", None).unwrap();
    let (status, _) = send(&router, wrong.handshake("x")).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn every_mode_replies_in_kind() {
    // An account switching over from plain mode: it takes all three.
    let router = Webhook::builder()
        .account(
            Account::new(APP_ID, TOKEN, echo())
                .aes_key(KEY)
                .unwrap()
                .allow_plain(true),
        )
        .build()
        .unwrap()
        .router();
    for mode in [Mode::Plain, Mode::Compat, Mode::Safe] {
        let (status, body) = send(
            &router,
            platform().push(
                mode,
                &text_push("oUser1", "你好 ]]> <x>", 1000 + mode as u64),
            ),
        )
        .await;
        assert_eq!(status, 200, "{mode:?}: {}", String::from_utf8_lossy(&body));
        if mode.encrypted() {
            assert!(
                body.starts_with(b"<xml>\n<Encrypt>"),
                "{mode:?} must answer with the envelope"
            );
        } else {
            assert!(body.starts_with(b"<xml><ToUserName>"));
        }
        let reply = platform().read_reply(mode, &body).unwrap().unwrap();
        assert_eq!(reply.body, ReplyBody::text("你好 ]]> <x>"));
        assert_eq!(reply.to_user_name, "oUser1");
        assert_eq!(reply.from_user_name, "gh_0123456789ab");
    }
}

#[tokio::test]
async fn no_reply_is_success() {
    let keyed = webhook(wxoa_webhook::Bot::new()).router();
    let plain = plain_webhook(wxoa_webhook::Bot::new()).router();
    for (mode, router) in [(Mode::Plain, &plain), (Mode::Safe, &keyed)] {
        let (status, body) = send(
            router,
            platform().push(mode, &text_push("oUser1", "hi", 7 + mode as u64)),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(body, b"success");
    }
}

#[tokio::test]
async fn accounts_route_by_path_and_by_token() {
    let other_bot = wxoa_webhook::Bot::new().on_message(
        wxoa_types::inbound::MessageKind::Text,
        |_: wxoa_webhook::Ctx| async { "other account" },
    );
    let webhook = Webhook::builder()
        .account(Account::new(APP_ID, TOKEN, echo()).aes_key(KEY).unwrap())
        .account(Account::new("wxffffffffffffffff", "othertoken", other_bot))
        .build()
        .unwrap();
    let router = webhook.router();
    // By path.
    let other = Platform::new("wxffffffffffffffff", "othertoken", None)
        .unwrap()
        .path("/wechat/wxffffffffffffffff");
    let (status, body) = send(&router, other.push(Mode::Plain, &text_push("o", "x", 1))).await;
    assert_eq!(status, 200);
    assert_eq!(
        other.read_reply(Mode::Plain, &body).unwrap().unwrap().body,
        ReplyBody::text("other account")
    );
    // On the shared path, by whose Token signs.
    let shared = Platform::new("wxffffffffffffffff", "othertoken", None).unwrap();
    let (_, body) = send(&router, shared.push(Mode::Plain, &text_push("o", "y", 2))).await;
    assert_eq!(
        shared.read_reply(Mode::Plain, &body).unwrap().unwrap().body,
        ReplyBody::text("other account")
    );
    let (_, body) = send(
        &router,
        platform().push(Mode::Safe, &text_push("o", "z", 3)),
    )
    .await;
    assert_eq!(
        platform()
            .read_reply(Mode::Safe, &body)
            .unwrap()
            .unwrap()
            .body,
        ReplyBody::text("z")
    );
    // Unknown AppID on the path.
    let unknown = platform().path("/wechat/wx1111111111111111");
    let (status, _) = send(&router, unknown.push(Mode::Plain, &text_push("o", "x", 4))).await;
    assert_eq!(status, 404);
    // Added at runtime.
    webhook
        .add_account(
            Account::new("wx1111111111111111", TOKEN, echo())
                .aes_key(KEY)
                .unwrap(),
        )
        .unwrap();
    let added = Platform::new("wx1111111111111111", TOKEN, Some(KEY))
        .unwrap()
        .path("/wechat/wx1111111111111111");
    let (status, _) = send(&router, added.push(Mode::Safe, &text_push("o", "x", 5))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn health_and_metrics() {
    let webhook = webhook(echo());
    let router = webhook.router();
    send(
        &router,
        platform().push(Mode::Safe, &text_push("o", "x", 1)),
    )
    .await;
    let bad = Platform::new(APP_ID, "wrong", Some(KEY)).unwrap();
    send(&router, bad.push(Mode::Safe, &text_push("o", "x", 2))).await;
    let get = |path: &str| Request::builder().uri(path).body(Body::empty()).unwrap();
    let (status, body) = send(&router, get("/healthz")).await;
    assert_eq!((status, body.as_slice()), (200, &b"ok"[..]));
    let (status, body) = send(&router, get("/metrics")).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.contains("wxoa_webhook_requests_total{outcome=\"ok\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("wxoa_webhook_requests_total{outcome=\"bad_signature\"} 1"),
        "{text}"
    );
    assert!(text.contains("wxoa_webhook_handled_total 1"), "{text}");
    assert!(text.contains("wxoa_webhook_duplicates_total 0"), "{text}");
    assert!(
        text.contains("wxoa_webhook_handler_seconds_count 1"),
        "{text}"
    );
}
