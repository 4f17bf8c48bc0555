//! The ready-made bots say what the contract says (§3) for every push they answer: the echo
//! bot, and every route of the demo bot.

use std::sync::Arc;

use wxoa_types::inbound::Inbound;
use wxoa_types::reply::ReplyBody;
use wxoa_webhook::bots::{demo, echo};
use wxoa_webhook::testing::{event_push, text_push};
use wxoa_webhook::{Dispatch, Outcome};

use crate::APP_ID;

fn fixture(name: &str) -> String {
    wxoa_testkit::fixtures::inbound(&format!("{name}.xml"))
}

/// What `bot`'s handler decides for `xml` (`None`: no reply, `success`).
async fn decided(bot: &impl Dispatch, xml: &str) -> Option<ReplyBody> {
    let push = Arc::new(Inbound::from_xml(xml.as_bytes()).unwrap());
    match bot.dispatch(push, Arc::from(APP_ID)).await {
        Outcome::Reply(body) => Some(body),
        Outcome::NoReply => None,
        failed => panic!("{failed:?}"),
    }
}

fn text(content: &str) -> Option<ReplyBody> {
    Some(ReplyBody::text(content))
}

/// An image or a voice message comes back as the same media.
async fn echoes_images_and_voice(bot: &impl Dispatch) {
    assert_eq!(
        decided(bot, &fixture("image")).await,
        Some(ReplyBody::image(
            "tVt6bCwCQs9k0jEq3oKmxFh1nGzR8uP2aYd5WlS7iJ4eB6cT"
        ))
    );
    assert_eq!(
        decided(bot, &fixture("voice")).await,
        Some(ReplyBody::voice(
            "xK3mP9qW2vB7nR5tY8uL1oA4sD6fG0hJcZeXiVbNwMq3pTa"
        ))
    );
}

/// The demo bot's help text (its answer to `help`).
async fn help(bot: &impl Dispatch) -> String {
    let Some(ReplyBody::Text { content }) = decided(bot, &text_push("o", "help", 1)).await else {
        panic!("help is a text");
    };
    content
}

#[tokio::test]
async fn the_echo_bot_echoes_text_images_and_voice_and_welcomes_a_follow() {
    let bot = echo();
    assert_eq!(
        decided(&bot, &text_push("o", "你好 hello", 1)).await,
        text("你好 hello")
    );
    assert_eq!(
        decided(&bot, &text_push("o", "sleep 0", 2)).await,
        text("sleep 0")
    );
    echoes_images_and_voice(&bot).await;
    assert_eq!(
        decided(&bot, &event_push("o", "subscribe", None, 1700000000)).await,
        text("welcome")
    );
    for other in [
        "video",
        "location",
        "link",
        "event_click",
        "event_scan",
        "unknown_event",
    ] {
        assert_eq!(decided(&bot, &fixture(other)).await, None, "{other}");
    }
}

#[tokio::test]
async fn the_echo_bot_answers_sleep_after_sleeping() {
    let started = std::time::Instant::now();
    assert_eq!(
        decided(&echo(), &text_push("o", "sleep 1", 1)).await,
        text("slept 1")
    );
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
}

#[tokio::test]
async fn the_demo_bot_answers_words_and_messages() {
    let bot = demo();
    let help = help(&bot).await;
    assert!(help.starts_with("This is the wxoa demo bot.\n"), "{help}");
    let Some(ReplyBody::News { articles }) = decided(&bot, &text_push("o", "news", 2)).await else {
        panic!("news is news");
    };
    assert_eq!(articles.len(), 1);
    assert_eq!(articles[0].title, "wxoa: the toolkit");
    let Some(ReplyBody::Music(music)) = decided(&bot, &text_push("o", "music", 3)).await else {
        panic!("music is music");
    };
    assert_eq!(music.title.as_deref(), Some("Demo tune"));
    assert_eq!(
        decided(&bot, &text_push("o", "Help", 4)).await,
        text("You said: Help")
    );
    echoes_images_and_voice(&bot).await;
    assert_eq!(
        decided(&bot, &fixture("location")).await,
        text("You are at 23.1345, 113.3588 (广州市天河区天河路385号)")
    );
    assert_eq!(
        decided(&bot, &fixture("link")).await,
        text("Received a link push.")
    );
}

#[tokio::test]
async fn the_demo_bot_answers_follows_scans_and_its_menu() {
    let bot = demo();
    let help = help(&bot).await;
    assert_eq!(
        decided(&bot, &event_push("o", "subscribe", None, 1700000000)).await,
        text(&format!("Welcome!\n\n{help}"))
    );
    assert_eq!(
        decided(&bot, &fixture("event_subscribe_qrscene")).await,
        text(&format!(
            "Welcome! You followed by scanning the code for scene 123.\n\n{help}"
        ))
    );
    assert_eq!(
        decided(&bot, &event_push("o", "SCAN", Some("42"), 1700000000)).await,
        text("Welcome back! You scanned the code for scene 42.")
    );
    let click = |key: &str| event_push("o", "CLICK", Some(key), 1700000000);
    assert_eq!(
        decided(&bot, &click("DEMO_TEXT")).await,
        text("A text reply, with\nseveral lines.")
    );
    let Some(ReplyBody::News { articles }) = decided(&bot, &click("DEMO_NEWS")).await else {
        panic!("DEMO_NEWS is news");
    };
    assert_eq!(articles.len(), 3);
    let Some(ReplyBody::Music(_)) = decided(&bot, &click("DEMO_MUSIC")).await else {
        panic!("DEMO_MUSIC is music");
    };
    assert_eq!(
        decided(&bot, &click("DEMO_KF")).await,
        Some(ReplyBody::transfer_customer_service(None))
    );
    assert_eq!(decided(&bot, &click("DEMO_HELP")).await, text(&help));
    assert_eq!(
        decided(&bot, &click("DEMO_OTHER")).await,
        text("Received a CLICK push.")
    );
    assert_eq!(
        decided(&bot, &fixture("event_scancode_waitmsg")).await,
        text("You scanned: EAN_13,6901234567892")
    );
    assert_eq!(
        decided(&bot, &fixture("event_pic_photo_or_album")).await,
        text("You sent 2 picture(s).")
    );
    assert_eq!(
        decided(&bot, &fixture("event_location_select")).await,
        text("You picked 广州市海珠区客村艺苑路106号")
    );
    assert_eq!(
        decided(&bot, &fixture("event_view")).await,
        text("Received a VIEW push.")
    );
    // Pushes that take no passive reply get none; an unknown event takes none from this bot.
    for quiet in [
        "event_unsubscribe",
        "event_templatesendjobfinish",
        "unknown_event",
    ] {
        assert_eq!(decided(&bot, &fixture(quiet)).await, None, "{quiet}");
    }
}
