//! Retries of a push run the handler once; every delivery gets the first delivery's answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use wxoa_webhook::dedup::{Claim, DedupError, DedupStore, MemoryDedup, Windows};
use wxoa_webhook::testing::{event_push, text_push};
use wxoa_webhook::{Bot, Ctx, Mode};

use crate::*;

fn counting_bot(runs: Arc<AtomicUsize>, delay: Duration) -> Bot<Arc<AtomicUsize>> {
    Bot::with_state(runs).fallback(move |ctx: Ctx<Arc<AtomicUsize>>| async move {
        let n = ctx.state.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(delay).await;
        format!("run {n}")
    })
}

#[tokio::test]
async fn concurrent_retries_run_the_handler_once() {
    let runs = Arc::new(AtomicUsize::new(0));
    let router = webhook(counting_bot(runs.clone(), Duration::from_millis(300))).router();
    let xml = text_push("oUser", "hello", 42);
    // Same push, three deliveries at once (each with its own timestamp/nonce, as retries have).
    let deliveries = (0..3).map(|_| send(&router, platform().push(Mode::Safe, &xml)));
    let answers = futures::future::join_all(deliveries).await;
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    // Each answer is sealed for its own delivery; the reply inside is the first delivery's.
    let replies: Vec<_> = answers
        .iter()
        .map(|(s, b)| {
            assert_eq!(*s, 200);
            platform().read_reply(Mode::Safe, b).unwrap().unwrap()
        })
        .collect();
    assert!(
        replies.windows(2).all(|w| w[0] == w[1]),
        "three identical replies"
    );
    assert_eq!(replies[0].body, wxoa_types::reply::ReplyBody::text("run 1"));
}

#[tokio::test]
async fn sequential_retries_get_the_same_answer() {
    let runs = Arc::new(AtomicUsize::new(0));
    let webhook = plain_webhook(counting_bot(runs.clone(), Duration::ZERO));
    let router = webhook.router();
    let xml = event_push("oUser", "CLICK", Some("V1001"), 1_700_000_000);
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(send(&router, platform().push(Mode::Plain, &xml)).await);
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert!(answers.iter().all(|a| a == &answers[0]));
    assert_eq!(webhook.metrics().duplicates_total(), 2);
    assert_eq!(webhook.metrics().handled_total(), 1);
    // Another event key at the same second is another push.
    let other = event_push("oUser", "CLICK", Some("V1002"), 1_700_000_000);
    send(&router, platform().push(Mode::Plain, &other)).await;
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_failing_handler_does_not_poison_the_key() {
    let runs = Arc::new(AtomicUsize::new(0));
    let bot = Bot::with_state(runs.clone()).fallback(|ctx: Ctx<Arc<AtomicUsize>>| async move {
        if ctx.state.fetch_add(1, Ordering::SeqCst) == 0 {
            Err("database unavailable".to_owned())
        } else {
            Ok("recovered")
        }
    });
    let router = webhook(bot).router();
    let xml = text_push("oUser", "x", 7);
    let (status, _) = send(&router, platform().push(Mode::Safe, &xml)).await;
    assert_eq!(status, 500);
    let (status, body) = send(&router, platform().push(Mode::Safe, &xml)).await;
    assert_eq!(status, 200);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    let reply = platform().read_reply(Mode::Safe, &body).unwrap().unwrap();
    assert_eq!(reply.body, wxoa_types::reply::ReplyBody::text("recovered"));
}

#[tokio::test]
async fn dedupe_is_per_account() {
    let runs = Arc::new(AtomicUsize::new(0));
    let webhook = Webhook::builder()
        .account(Account::new(
            APP_ID,
            TOKEN,
            counting_bot(runs.clone(), Duration::ZERO),
        ))
        .account(Account::new(
            "wxffffffffffffffff",
            TOKEN,
            counting_bot(runs.clone(), Duration::ZERO),
        ))
        .build()
        .unwrap();
    let router = webhook.router();
    let xml = text_push("oUser", "x", 9);
    send(
        &router,
        platform()
            .path("/wechat/wx0123456789abcdef")
            .push(Mode::Plain, &xml),
    )
    .await;
    send(
        &router,
        platform()
            .path("/wechat/wxffffffffffffffff")
            .push(Mode::Plain, &xml),
    )
    .await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        2,
        "the same MsgId on two accounts is two messages"
    );
}

#[tokio::test]
async fn a_dropped_connection_does_not_cancel_the_handler() {
    // The platform hangs up (its timeout, a network fault) while the handler still runs: the
    // handler must finish, and the retry must get its reply without running it again.
    let runs = Arc::new(AtomicUsize::new(0));
    let router = webhook(counting_bot(runs.clone(), Duration::from_millis(300))).router();
    let xml = text_push("oUser", "hang up", 77);
    let first = tokio::time::timeout(
        Duration::from_millis(50),
        send(&router, platform().push(Mode::Safe, &xml)),
    )
    .await;
    assert!(first.is_err(), "the first delivery was abandoned");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, body) = send(&router, platform().push(Mode::Safe, &xml)).await;
    assert_eq!(status, 200);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let reply = platform().read_reply(Mode::Safe, &body).unwrap().unwrap();
    assert_eq!(reply.body, wxoa_types::reply::ReplyBody::text("run 1"));
}

#[tokio::test]
async fn a_panicking_handler_releases_its_key() {
    let runs = Arc::new(AtomicUsize::new(0));
    let bot = Bot::with_state(runs.clone()).fallback(|ctx: Ctx<Arc<AtomicUsize>>| async move {
        if ctx.state.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("bug in the handler");
        }
        "fixed"
    });
    let router = plain_webhook(bot).router();
    let xml = text_push("oUser", "boom", 88);
    let (status, _) = send(&router, platform().push(Mode::Plain, &xml)).await;
    assert_eq!(status, 500);
    let (status, body) = send(&router, platform().push(Mode::Plain, &xml)).await;
    assert_eq!(status, 200);
    assert_eq!(
        platform()
            .read_reply(Mode::Plain, &body)
            .unwrap()
            .unwrap()
            .body,
        wxoa_types::reply::ReplyBody::text("fixed")
    );
}

/// A job event (template or mass send finished), as the platform pushes it.
fn job_event(openid: &str, event: &str, msg_id: u64, create_time: i64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\
         <FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{create_time}</CreateTime>\
         <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>\
         <MsgID>{msg_id}</MsgID><Status><![CDATA[success]]></Status></xml>"
    )
}

#[tokio::test]
async fn two_jobs_finishing_in_one_second_are_both_handled() {
    let runs = Arc::new(AtomicUsize::new(0));
    let webhook = webhook(counting_bot(runs.clone(), Duration::ZERO));
    let router = webhook.router();
    let second = 1_700_000_300;
    for event in ["TEMPLATESENDJOBFINISH", "MASSSENDJOBFINISH"] {
        let first = job_event("oFollower", event, 3_147_483_649, second);
        let other = job_event("oFollower", event, 3_147_483_650, second);
        for xml in [&first, &other, &first, &other] {
            let (status, body) = send(&router, platform().push(Mode::Safe, xml)).await;
            assert_eq!((status, body.as_slice()), (200, &b"success"[..]));
        }
    }
    // Each job's event ran once; its retry was recognised.
    assert_eq!(runs.load(Ordering::SeqCst), 4);
    assert_eq!(webhook.metrics().handled_total(), 4);
    assert_eq!(webhook.metrics().duplicates_total(), 4);
}

/// A memory store that notes the windows the webhook gives it.
#[derive(Default)]
struct Noting {
    store: MemoryDedup,
    seen: std::sync::Mutex<Vec<Windows>>,
}

impl Noting {
    fn note(&self, windows: Windows) {
        self.seen.lock().unwrap().push(windows);
    }
}

impl DedupStore for Noting {
    fn claim<'a>(
        &'a self,
        key: &'a str,
        windows: Windows,
    ) -> BoxFuture<'a, Result<Claim, DedupError>> {
        self.note(windows);
        self.store.claim(key, windows)
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        answer: &'a [u8],
        windows: Windows,
    ) -> BoxFuture<'a, Result<(), DedupError>> {
        self.note(windows);
        self.store.complete(key, answer, windows)
    }

    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
        self.store.release(key)
    }

    fn wait<'a>(
        &'a self,
        key: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Option<bytes::Bytes>, DedupError>> {
        self.store.wait(key, timeout)
    }
}

#[tokio::test]
async fn answers_are_kept_for_the_replay_window_whatever_it_is() {
    // The old store forgot answers after 60 s while a push's signature was accepted for 300 s:
    // a captured push sent again in between ran the handler again. The webhook now gives its
    // store its own replay window (and a minute), whatever the window is configured to.
    for (replay, at_least) in [(300, 300), (3600, 3600), (0, 300), (30, 60)] {
        let store = Arc::new(Noting::default());
        let webhook = Webhook::builder()
            .account(Account::new(APP_ID, TOKEN, echo()).aes_key(KEY).unwrap())
            .replay_window(Duration::from_secs(replay))
            .dedup(store.clone())
            .build()
            .unwrap();
        let router = webhook.router();
        let captured = platform().push(Mode::Safe, &text_push("oUser", "hi", 4_000 + replay));
        let (parts, body) = captured.into_parts();
        let body = axum::body::to_bytes(body, 1 << 16).await.unwrap();
        for _ in 0..2 {
            let again = axum::http::Request::from_parts(parts.clone(), body.clone().into());
            assert_eq!(send(&router, again).await.0, 200);
        }
        assert_eq!(
            webhook.metrics().duplicates_total(),
            1,
            "the replay is recognised"
        );
        let seen = store.seen.lock().unwrap().clone();
        assert!(!seen.is_empty());
        for windows in seen {
            assert!(
                windows.keep >= Duration::from_secs(at_least),
                "replay window {replay} s: answers kept {:?}",
                windows.keep
            );
            // A claim lapses before the platform's retry 5 s after the first delivery, and not
            // before this instance records its answer at the budget (4.5 s).
            assert!(
                windows.claim > Duration::from_millis(4500)
                    && windows.claim < Duration::from_secs(5),
                "{:?}",
                windows.claim
            );
        }
    }
}
