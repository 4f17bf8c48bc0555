//! Two ready-made bots: [`echo`] (the contract's test bot) and [`demo`] (a tour of every reply
//! kind, driven by the menu in [`DEMO_MENU`]). `wxoa serve --bot echo|demo` and `wxoa demo`
//! serve them.

use wxoa_types::inbound::{
    Body, EventKind, Image, Location, LocationSelect, MessageKind, Pictures, Scan, ScanCode,
    Subscribe, Text, Voice,
};
use wxoa_types::reply::{Article, Music, ReplyBody};

use crate::handler::Ctx;
use crate::router::Bot;

/// Text → the same text; image → the same image; voice → the same voice; `subscribe` →
/// `welcome`; anything else → `success`.
///
/// A text `sleep N` (N whole seconds, 1–30) is answered `slept N` after N seconds: past the
/// webhook's budget that answer becomes `success` at once and a customer-service message later,
/// so the deadline, late replies and faults during handling can be seen and tested from outside.
pub fn echo() -> Bot {
    Bot::new()
        .on_message(MessageKind::Text, |_: Ctx, text: Text| async move {
            if let Some(seconds) = sleep_seconds(&text.content) {
                tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
                return format!("slept {seconds}");
            }
            text.content
        })
        .on_message(MessageKind::Image, echo_image)
        .on_message(MessageKind::Voice, echo_voice)
        .on_event(EventKind::Subscribe, |_: Ctx| async { "welcome" })
}

/// The same image back.
async fn echo_image(_: Ctx, image: Image) -> ReplyBody {
    ReplyBody::image(image.media_id.as_str())
}

/// The same voice message back.
async fn echo_voice(_: Ctx, voice: Voice) -> ReplyBody {
    ReplyBody::voice(voice.media_id.as_str())
}

/// The N of a text `sleep N` with N from 1 to 30; any other text is echoed as it is.
fn sleep_seconds(text: &str) -> Option<u64> {
    let digits = text.strip_prefix("sleep ")?;
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| (1..=30).contains(n))
}

/// The menu the demo bot answers to, in the platform's `menu/create` shape.
pub const DEMO_MENU: &str = r#"{"button":[
  {"name":"Replies","sub_button":[
    {"type":"click","name":"Text","key":"DEMO_TEXT"},
    {"type":"click","name":"News","key":"DEMO_NEWS"},
    {"type":"click","name":"Music","key":"DEMO_MUSIC"},
    {"type":"click","name":"Transfer to agent","key":"DEMO_KF"}
  ]},
  {"name":"Tools","sub_button":[
    {"type":"scancode_waitmsg","name":"Scan","key":"DEMO_SCAN"},
    {"type":"pic_photo_or_album","name":"Photo","key":"DEMO_PHOTO"},
    {"type":"location_select","name":"Location","key":"DEMO_LOCATION"}
  ]},
  {"type":"click","name":"Help","key":"DEMO_HELP"}
]}"#;

const HELP: &str = "This is the wxoa demo bot.\n\
Send any text and I echo it; send a picture or a voice message and I send it back.\n\
Words I know: help, news, music.\n\
The menu below shows every kind of reply.";

fn news(count: usize) -> ReplyBody {
    let articles = [
        (
            "wxoa: the toolkit",
            "Signatures, encryption, typed pushes, every reply.",
        ),
        (
            "The sandbox",
            "A faithful local platform: develop without a phone.",
        ),
        (
            "The webhook",
            "Dedupe of retries, the 5-second deadline, many accounts.",
        ),
    ];
    ReplyBody::news(
        articles
            .iter()
            .take(count)
            .enumerate()
            .map(|(i, (title, description))| {
                Article::new(*title, format!("https://example.com/wxoa/{i}"))
                    .description(*description)
                    .pic_url(format!("https://example.com/wxoa/{i}.png"))
            })
            .collect(),
    )
}

fn music() -> ReplyBody {
    ReplyBody::Music(
        Music::new("DEMO_THUMB_MEDIA_ID")
            .title("Demo tune")
            .description("A music reply")
            .music_url("https://example.com/wxoa/tune.mp3")
            .hq_music_url("https://example.com/wxoa/tune-hq.mp3"),
    )
}

/// A tour of every reply kind: a welcome on `subscribe`, a greeting naming the QR scene on a
/// scan, the menu of [`DEMO_MENU`], echoes of text, images and voice, and a fallback that says
/// what arrived.
pub fn demo() -> Bot {
    Bot::new()
        .on_text_exact("help", |_: Ctx| async { HELP })
        // A reply to a follower's message shows one article.
        .on_text_exact("news", |_: Ctx| async { news(1) })
        .on_text_exact("music", |_: Ctx| async { music() })
        .on_message(MessageKind::Text, |_: Ctx, text: Text| async move {
            format!("You said: {}", text.content)
        })
        .on_message(MessageKind::Image, echo_image)
        .on_message(MessageKind::Voice, echo_voice)
        .on_message(MessageKind::Location, |_: Ctx, l: Location| async move {
            format!(
                "You are at {:.4}, {:.4}{}",
                l.latitude,
                l.longitude,
                l.label
                    .as_deref()
                    .map(|a| format!(" ({a})"))
                    .unwrap_or_default()
            )
        })
        .on_event(EventKind::Subscribe, |_: Ctx, follow: Subscribe| async move {
            match follow.scene() {
                Some(scene) => format!(
                    "Welcome! You followed by scanning the code for scene {scene}.\n\n{HELP}"
                ),
                None => format!("Welcome!\n\n{HELP}"),
            }
        })
        .on_event(EventKind::Scan, |_: Ctx, scan: Scan| async move {
            format!(
                "Welcome back! You scanned the code for scene {}.",
                scan.event_key
            )
        })
        .on_click("DEMO_TEXT", |_: Ctx| async {
            "A text reply, with\nseveral lines."
        })
        .on_click("DEMO_NEWS", |_: Ctx| async { news(3) })
        .on_click("DEMO_MUSIC", |_: Ctx| async { music() })
        .on_click("DEMO_KF", |_: Ctx| async {
            ReplyBody::transfer_customer_service(None)
        })
        .on_click("DEMO_HELP", |_: Ctx| async { HELP })
        .on_event(EventKind::ScancodeWaitmsg, |_: Ctx, scan: ScanCode| async move {
            format!("You scanned: {}", scan.info.scan_result)
        })
        .on_event(EventKind::PicPhotoOrAlbum, |_: Ctx, p: Pictures| async move {
            format!("You sent {} picture(s).", p.info.count)
        })
        .on_event(EventKind::LocationSelect, |_: Ctx, l: LocationSelect| async move {
            format!(
                "You picked {}",
                l.info
                    .label
                    .unwrap_or_else(|| format!("{}, {}", l.info.latitude, l.info.longitude))
            )
        })
        .fallback(|ctx: Ctx| async move {
            match &ctx.push.body {
                Body::Event(_) if !ctx.push.accepts_reply() => None,
                _ => Some(format!("Received a {} push.", ctx.push.kind())),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::sleep_seconds;

    #[test]
    fn sleep_takes_whole_seconds_from_one_to_thirty() {
        assert_eq!(sleep_seconds("sleep 1"), Some(1));
        assert_eq!(sleep_seconds("sleep 30"), Some(30));
        for echoed in [
            "sleep 0",
            "sleep 31",
            "sleep",
            "sleep ",
            "sleep -1",
            "sleep 1.5",
            "sleep 001",
            "sleep 99999999999999999999",
            "Sleep 3",
            " sleep 3",
            "sleep 3 ",
            "sleep +3",
        ] {
            assert_eq!(sleep_seconds(echoed), None, "{echoed:?}");
        }
    }
}
