//! Every reply kind, what handlers may return, and the state they share.

use wxoa_types::inbound::MessageKind;
use wxoa_types::reply::{Article, Music, ReplyBody};
use wxoa_webhook::testing::text_push;
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
async fn job_events_are_answered_with_success_whatever_the_handler_says() {
    let xml = wxoa_testkit::fixtures::inbound("event_templatesendjobfinish.xml");
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
        .build()
        .unwrap();
    let (status, body) = send(&webhook.router(), platform().push(Mode::Safe, &xml)).await;
    assert_eq!((status, body.as_slice()), (200, &b"success"[..]));
}

#[tokio::test]
async fn state_reaches_handlers() {
    #[derive(Clone)]
    struct Greeting(&'static str);
    let bot = Bot::with_state(Greeting("hello"))
        .on_message(MessageKind::Text, |ctx: Ctx<Greeting>| async move {
            format!("{} {}", ctx.state.0, ctx.openid())
        });
    assert_eq!(
        reply_of(bot, &text_push("oAlice", "x", 1)).await,
        Some(ReplyBody::text("hello oAlice"))
    );
}
