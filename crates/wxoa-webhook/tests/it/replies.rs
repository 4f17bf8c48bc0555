//! Every reply kind, what handlers may return, and routing.

use wxoa_types::reply::{Article, Music, ReplyBody};
use wxoa_webhook::testing::{event_push, text_push};
use wxoa_webhook::{Bot, Ctx, Mode};

use crate::*;

async fn reply_of(bot: impl wxoa_webhook::Dispatch, xml: &str) -> Option<ReplyBody> {
    let router = webhook(bot).router();
    let (status, body) = send(&router, platform().push(Mode::Safe, xml)).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    platform()
        .read_reply(Mode::Safe, &body)
        .unwrap()
        .map(|r| r.body)
}

#[tokio::test]
async fn every_reply_kind_goes_out_encrypted_and_reads_back() {
    let bodies = vec![
        ReplyBody::text("t"),
        ReplyBody::image("IMG"),
        ReplyBody::voice("VOICE"),
        ReplyBody::video("VID", Some("title".into()), Some("desc".into())),
        ReplyBody::Music(Music::new("THUMB").title("song").music_url("http://m")),
        ReplyBody::news(vec![Article::new("a", "http://a"); 8]),
        ReplyBody::transfer_customer_service(Some("agent@gh".into())),
    ];
    for (i, expected) in bodies.into_iter().enumerate() {
        let body = expected.clone();
        let bot = Bot::new().fallback(move |_: Ctx| {
            let body = body.clone();
            async move { body }
        });
        let got = reply_of(bot, &text_push("o", "x", i as u64 + 1)).await;
        assert_eq!(got, Some(expected));
    }
}

#[tokio::test]
async fn handler_return_types() {
    let got = reply_of(
        Bot::new().fallback(|_: Ctx| async {}),
        &text_push("o", "x", 1),
    )
    .await;
    assert_eq!(got, None, "() is success");
    let got = reply_of(
        Bot::new().fallback(|_: Ctx| async { None::<String> }),
        &text_push("o", "x", 2),
    )
    .await;
    assert_eq!(got, None);
    let got = reply_of(
        Bot::new().fallback(|_: Ctx| async { Ok::<_, std::io::Error>("ok") }),
        &text_push("o", "x", 3),
    )
    .await;
    assert_eq!(got, Some(ReplyBody::text("ok")));
    // An invalid reply (nine articles) is logged and answered with success.
    let got = reply_of(
        Bot::new().fallback(|_: Ctx| async { ReplyBody::news(vec![Article::new("a", "u"); 9]) }),
        &text_push("o", "x", 4),
    )
    .await;
    assert_eq!(got, None);
}

#[tokio::test]
async fn routes_match_in_order_then_fallback() {
    let bot = || {
        Bot::new()
            .text_exact("help", |_: Ctx| async { "help" })
            .text_regex(
                regex::Regex::new(r"^order (\d+)$").unwrap(),
                |ctx: Ctx| async move { format!("order {}", &ctx.text().unwrap()[6..]) },
            )
            .text_prefix("hi", |_: Ctx| async { "prefix" })
            .event("subscribe", |_: Ctx| async { "welcome" })
            .event_key_prefix("SCAN", "promo_", |_: Ctx| async { "promo scan" })
            .event_key("click", "V1001", |_: Ctx| async { "clicked" })
            .event("qualification_verify_success", |_: Ctx| async {
                "unknown event routed"
            })
            .message("image", |_: Ctx| async { "image" })
            .when(
                |push| push.msg_type == "voice",
                |_: Ctx| async { "predicate" },
            )
            .fallback(|ctx: Ctx| async move { format!("fallback {}", ctx.push.kind()) })
    };
    let cases = [
        (text_push("o", "help", 1), "help"),
        (text_push("o", "order 42", 2), "order 42"),
        (text_push("o", "hi there", 3), "prefix"),
        (text_push("o", "other", 4), "fallback text"),
        (event_push("o", "subscribe", None, 1700000000), "welcome"),
        (
            event_push("o", "SCAN", Some("promo_7"), 1700000001),
            "promo scan",
        ),
        (
            event_push("o", "SCAN", Some("42"), 1700000002),
            "fallback SCAN",
        ),
        (
            event_push("o", "CLICK", Some("V1001"), 1700000003),
            "clicked",
        ),
        (
            event_push("o", "qualification_verify_success", None, 1700000004),
            "unknown event routed",
        ),
        (
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../fixtures/inbound/image.xml"
            ))
            .unwrap(),
            "image",
        ),
        (
            std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../fixtures/inbound/voice.xml"
            ))
            .unwrap(),
            "predicate",
        ),
    ];
    for (xml, expected) in cases {
        // The fixtures carry old timestamps: this account accepts any.
        let webhook = Webhook::builder()
            .account(Account::new(APP_ID, TOKEN, bot()).aes_key(KEY).unwrap())
            .replay_window(std::time::Duration::ZERO)
            .build();
        let (status, body) = send(&webhook.router(), platform().push(Mode::Safe, &xml)).await;
        assert_eq!(status, 200);
        let reply = platform()
            .read_reply(Mode::Safe, &body)
            .unwrap()
            .map(|r| r.body);
        assert_eq!(reply, Some(ReplyBody::text(expected)), "{xml}");
    }
}

#[tokio::test]
async fn job_events_are_answered_with_success_whatever_the_handler_says() {
    let xml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/inbound/event_templatesendjobfinish.xml"
    ))
    .unwrap();
    let webhook = Webhook::builder()
        .account(
            Account::new(
                APP_ID,
                TOKEN,
                Bot::new().fallback(|_: Ctx| async { "ignored" }),
            )
            .aes_key(KEY)
            .unwrap(),
        )
        .replay_window(std::time::Duration::ZERO)
        .build();
    let (status, body) = send(&webhook.router(), platform().push(Mode::Safe, &xml)).await;
    assert_eq!((status, body.as_slice()), (200, &b"success"[..]));
}

#[tokio::test]
async fn state_reaches_handlers() {
    #[derive(Clone)]
    struct Greeting(&'static str);
    let bot = Bot::with_state(Greeting("hello"))
        .text(|ctx: Ctx<Greeting>| async move { format!("{} {}", ctx.state.0, ctx.openid()) });
    assert_eq!(
        reply_of(bot, &text_push("oAlice", "x", 1)).await,
        Some(ReplyBody::text("hello oAlice"))
    );
}
