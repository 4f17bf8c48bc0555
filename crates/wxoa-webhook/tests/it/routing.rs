//! Routing by typed kind: each rule of a `Bot` — a message or event kind, with the typed value
//! given to its handler; menu keys; text exact, prefix and pattern; an unknown event or message
//! type by its name; the first match wins; the fallback, or `success` without one.

use wxoa_testkit::fixtures::inbound as fixture;
use wxoa_types::inbound::{
    Click, EventKind, Image, Location, MessageKind, Scan, Subscribe, Text, Voice,
};
use wxoa_types::reply::ReplyBody;
use wxoa_webhook::testing::{event_push, text_push};
use wxoa_webhook::{Bot, BuildError, Ctx, Dispatch, Mode, RouteError};

use crate::*;

/// What `bot` answers to `xml` through the whole webhook (the fixtures carry old timestamps:
/// this account accepts any).
async fn answer(bot: impl Dispatch, xml: &str) -> Option<ReplyBody> {
    let webhook = Webhook::builder()
        .account(Account::new(APP_ID, TOKEN, bot).aes_key(KEY).unwrap())
        .replay_window(std::time::Duration::ZERO)
        .build()
        .unwrap();
    let (status, body) = send(&webhook.router(), platform().push(Mode::Safe, xml)).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    platform()
        .read_reply(Mode::Safe, &body)
        .unwrap()
        .map(|r| r.body)
}

fn text(reply: &str) -> Option<ReplyBody> {
    Some(ReplyBody::text(reply))
}

#[tokio::test]
async fn a_message_routes_by_its_kind_and_its_handler_gets_the_typed_message() {
    let bot = || {
        Bot::new()
            .on_message(MessageKind::Text, |_: Ctx, t: Text| async move {
                format!("text {}", t.content)
            })
            .on_message(MessageKind::Image, |_: Ctx, image: Image| async move {
                format!("image {}", image.media_id.as_str())
            })
            .on_message(MessageKind::Voice, |_: Ctx, voice: Voice| async move {
                format!("voice {}", voice.format.0)
            })
            .on_message(MessageKind::Location, |_: Ctx, l: Location| async move {
                format!("location {}", l.label.unwrap_or_default())
            })
            .on_message(MessageKind::Link, |_: Ctx| async { "link" })
    };
    assert_eq!(
        answer(bot(), &text_push("o", "hello", 1)).await,
        text("text hello")
    );
    let image = answer(bot(), &fixture("image.xml")).await;
    assert!(
        matches!(&image, Some(ReplyBody::Text { content }) if content.starts_with("image ") && content.len() > 6),
        "{image:?}"
    );
    assert_eq!(
        answer(bot(), &fixture("voice.xml")).await,
        text("voice amr")
    );
    let location = answer(bot(), &fixture("location.xml")).await;
    assert!(
        matches!(&location, Some(ReplyBody::Text { content }) if content.starts_with("location ")),
        "{location:?}"
    );
    assert_eq!(answer(bot(), &fixture("link.xml")).await, text("link"));
    // A kind with no route: `success`.
    assert_eq!(answer(bot(), &fixture("video.xml")).await, None);
}

#[tokio::test]
async fn an_event_routes_by_its_kind_whatever_its_case_and_its_handler_gets_the_typed_event() {
    let bot = || {
        Bot::new()
            .on_event(
                EventKind::Subscribe,
                |_: Ctx, follow: Subscribe| async move {
                    format!("welcome from {}", follow.scene().unwrap_or("nowhere"))
                },
            )
            .on_event(EventKind::Scan, |_: Ctx, scan: Scan| async move {
                format!("scanned {}", scan.event_key)
            })
            .on_event(EventKind::Click, |_: Ctx, click: Click| async move {
                format!("clicked {}", click.key)
            })
    };
    assert_eq!(
        answer(bot(), &fixture("event_subscribe_qrscene.xml")).await,
        text("welcome from 123")
    );
    assert_eq!(
        answer(bot(), &event_push("o", "subscribe", None, 1700000000)).await,
        text("welcome from nowhere")
    );
    assert_eq!(
        answer(bot(), &event_push("o", "scan", Some("42"), 1700000001)).await,
        text("scanned 42")
    );
    for click in ["event_click.xml", "event_click_lower.xml"] {
        assert_eq!(
            answer(bot(), &fixture(click)).await,
            text("clicked V1001_TODAY_MUSIC"),
            "{click}"
        );
    }
    assert_eq!(
        answer(bot(), &event_push("o", "CLICK", Some("K"), 1700000002)).await,
        text("clicked K")
    );
    // An event kind with no route: `success`.
    assert_eq!(
        answer(
            bot(),
            &event_push("o", "VIEW", Some("https://a"), 1700000003)
        )
        .await,
        None
    );
}

#[tokio::test]
async fn a_menu_click_routes_by_its_key() {
    let bot = || {
        Bot::new()
            .on_click("V1001", |_: Ctx| async { "today's music" })
            .on_click("V1002", |_: Ctx, click: Click| async move {
                format!("key {}", click.key)
            })
            .fallback(|_: Ctx| async { "fallback" })
    };
    for (key, expected) in [
        ("V1001", "today's music"),
        ("V1002", "key V1002"),
        ("v1001", "fallback"),
        ("V10011", "fallback"),
    ] {
        let push = event_push("o", "CLICK", Some(key), 1700000000);
        assert_eq!(answer(bot(), &push).await, text(expected), "{key}");
    }
    // A scan with the same key is no click.
    let push = event_push("o", "SCAN", Some("V1001"), 1700000000);
    assert_eq!(answer(bot(), &push).await, text("fallback"));
}

#[tokio::test]
async fn a_text_routes_by_exact_content_prefix_or_pattern() {
    let bot = || {
        Bot::new()
            .on_text_exact("help", |_: Ctx| async { "help" })
            .on_text_regex(
                regex::Regex::new(r"^order (\d+)$").unwrap(),
                |_: Ctx, t: Text| async move {
                    format!("order {}", t.content.trim_start_matches("order "))
                },
            )
            .on_text_prefix("hi", |_: Ctx, t: Text| async move {
                format!("prefix {}", t.content)
            })
            .fallback(|_: Ctx| async { "fallback" })
    };
    for (sent, expected) in [
        ("help", "help"),
        ("help me", "fallback"),
        ("order 42", "order 42"),
        ("order 42a", "fallback"),
        ("hi there", "prefix hi there"),
        ("oh hi", "fallback"),
    ] {
        let push = text_push("o", sent, 1);
        assert_eq!(answer(bot(), &push).await, text(expected), "{sent}");
    }
    // Text routes never match an event, whatever its key.
    let push = event_push("o", "CLICK", Some("help"), 1700000000);
    assert_eq!(answer(bot(), &push).await, text("fallback"));
}

#[tokio::test]
async fn an_unknown_event_routes_by_its_name_without_regard_to_case() {
    let by_name = || {
        Bot::new()
            .on_event(EventKind::from("other_unknown_event"), |_: Ctx| async {
                "other"
            })
            .on_event(
                EventKind::Unknown("Future_Account_Notice".to_owned()),
                |ctx: Ctx| async move {
                    let at = ctx.push.extra.iter().find(|e| e.name == "NoticeTime");
                    format!("noticed at {}", at.unwrap().text)
                },
            )
            .fallback(|_: Ctx| async { "fallback" })
    };
    assert_eq!(
        answer(by_name(), &fixture("unknown_event.xml")).await,
        text("noticed at 1731536000")
    );
    let push = event_push("o", "not_this_one", None, 1700000000);
    assert_eq!(answer(by_name(), &push).await, text("fallback"));
    // A known name given as unknown routes as its kind.
    let bot = Bot::new().on_event(EventKind::Unknown("SUBSCRIBE".to_owned()), |_: Ctx| async {
        "welcome"
    });
    let push = event_push("o", "subscribe", None, 1700000000);
    assert_eq!(answer(bot, &push).await, text("welcome"));
}

#[tokio::test]
async fn an_unknown_message_type_routes_by_its_name() {
    let bot = Bot::new()
        .on_message(
            MessageKind::from("MiniProgram_Card"),
            |ctx: Ctx| async move { format!("card {}", ctx.push.msg_type) },
        )
        .fallback(|_: Ctx| async { "fallback" });
    assert_eq!(
        answer(bot, &fixture("unknown_msgtype.xml")).await,
        text("card miniprogram_card")
    );
}

#[tokio::test]
async fn the_first_matching_route_wins() {
    let bot = || {
        Bot::new()
            .on_text_exact("help", |_: Ctx| async { "first" })
            .on_message(MessageKind::Text, |_: Ctx| async { "second" })
            .on_text_exact("help", |_: Ctx| async { "never" })
            .on_text_prefix("he", |_: Ctx| async { "never" })
            .on_click("K", |_: Ctx| async { "click" })
            .on_event(EventKind::Click, |_: Ctx| async { "any click" })
            .on_click("L", |_: Ctx| async { "never" })
            .fallback(|_: Ctx| async { "never" })
    };
    assert_eq!(
        answer(bot(), &text_push("o", "help", 1)).await,
        text("first")
    );
    assert_eq!(
        answer(bot(), &text_push("o", "hello", 2)).await,
        text("second")
    );
    let push = event_push("o", "CLICK", Some("K"), 1700000000);
    assert_eq!(answer(bot(), &push).await, text("click"));
    let push = event_push("o", "CLICK", Some("L"), 1700000000);
    assert_eq!(answer(bot(), &push).await, text("any click"));
}

#[tokio::test]
async fn the_fallback_takes_what_no_route_matches_and_without_one_the_answer_is_success() {
    let routes = || Bot::new().on_message(MessageKind::Image, |_: Ctx| async { "image" });
    let with_fallback =
        routes().fallback(|ctx: Ctx| async move { format!("fallback {}", ctx.push.kind()) });
    assert_eq!(
        answer(with_fallback, &text_push("o", "x", 1)).await,
        text("fallback text")
    );
    let with_fallback =
        routes().fallback(|ctx: Ctx| async move { format!("fallback {}", ctx.push.kind()) });
    let push = event_push("o", "SCAN", Some("1"), 1700000000);
    assert_eq!(answer(with_fallback, &push).await, text("fallback SCAN"));
    assert_eq!(answer(routes(), &text_push("o", "x", 2)).await, None);
    assert_eq!(answer(routes(), &fixture("image.xml")).await, text("image"));
}

/// The error of building a webhook for one account served by `bot`.
fn refused(bot: Bot) -> BuildError {
    match Webhook::builder()
        .account(Account::new(APP_ID, TOKEN, bot))
        .build()
    {
        Ok(_) => panic!("a bot with a misrouted handler was served"),
        Err(error) => error,
    }
}

#[test]
fn a_handler_of_what_its_kind_does_not_carry_is_refused_when_the_webhook_is_built() {
    let bot = Bot::new()
        .on_message(
            MessageKind::Text,
            |_: Ctx, t: Text| async move { t.content },
        )
        .on_message(
            MessageKind::Image,
            |_: Ctx, t: Text| async move { t.content },
        )
        .on_message(MessageKind::Voice, |_: Ctx, c: Click| async move { c.key });
    let error = refused(bot);
    let BuildError::Bot { app_id, source } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(app_id, APP_ID);
    assert!(
        matches!(
            source,
            RouteError::Message {
                kind: MessageKind::Image,
                takes,
            } if takes.ends_with("::Text")
        ),
        "the first misrouted handler is named: {source:?}"
    );
    assert!(
        error.to_string().contains("cannot serve `image` messages"),
        "{error}"
    );
    let webhook = Webhook::builder().build().unwrap();
    let misrouted =
        Bot::new().on_event(EventKind::Click, |_: Ctx, t: Text| async move { t.content });
    assert!(matches!(
        webhook.add_account(Account::new(APP_ID, TOKEN, misrouted)),
        Err(BuildError::Bot {
            source: RouteError::Event {
                kind: EventKind::Click,
                ..
            },
            ..
        })
    ));
}

#[test]
fn an_unknown_event_gives_its_handler_no_payload() {
    let bot = Bot::new().on_event(
        EventKind::from("future_account_notice"),
        |_: Ctx, c: Click| async move { c.key },
    );
    let error = refused(bot);
    assert!(
        matches!(
            &error,
            BuildError::Bot {
                source: RouteError::Event {
                    kind: EventKind::Unknown(name),
                    ..
                },
                ..
            } if name == "future_account_notice"
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("cannot serve `future_account_notice` events"),
        "{error}"
    );
}
