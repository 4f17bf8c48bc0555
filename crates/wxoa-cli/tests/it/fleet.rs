//! CONTRACT §3, fleet mode: `wxoa serve --redis` instances sharing one Redis, with the faults of
//! production injected for real — a Redis paused (`CLIENT PAUSE`), killed and restarted, an
//! instance killed with SIGKILL while it handles a push — and the platform's behaviour played
//! by the test: 5 s to answer, then the same push again, here to the other instance.

use std::time::{Duration, Instant};

use wxoa_testkit::Redis;
use wxoa_types::reply::ReplyBody;
use wxoa_webhook::Mode;
use wxoa_webhook::testing::{Platform, text_push};

use crate::Spawned;
use crate::serve::{APP_ID, KEY, TOKEN};

/// The platform's wait for an answer.
const PLATFORM_TIMEOUT: Duration = Duration::from_secs(5);
/// What "well under the platform's 5 s" means while Redis is unhealthy.
const PROMPT: Duration = Duration::from_secs(2);

/// A running `wxoa serve`, its stderr kept; killed on drop.
struct Instance {
    process: Spawned,
    base: String,
}

impl Instance {
    fn start(redis: &str, extra: &[&str]) -> Instance {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--token", TOKEN];
        args.extend(["--aes-key", KEY, "--app-id", APP_ID, "--redis", redis]);
        args.extend(extra);
        let process = Spawned::start(&args, "wxoa serve: listening on ", false);
        let base = process.ready.trim_end_matches("/wechat").to_owned();
        Instance { process, base }
    }

    fn logs(&self) -> String {
        self.process.log()
    }

    /// SIGKILL: no shutdown, no answer recorded, the claim left in Redis.
    fn kill(&mut self) {
        self.process.kill();
    }

    /// Delivers `xml` signed now, as the platform does, with the platform's 5 s.
    async fn deliver(&self, xml: &str) -> Delivery {
        let (query, body) = platform().sign(
            Mode::Safe,
            xml,
            &wxoa_testkit::unix_seconds().to_string(),
            &wxoa_crypto::random_nonce(),
        );
        self.post(&query, body).await
    }

    /// Delivers an already signed request (a captured one, sent again).
    async fn post(&self, query: &str, body: String) -> Delivery {
        let started = Instant::now();
        let sent = http()
            .post(format!("{}/wechat?{query}", self.base))
            .body(body)
            .send()
            .await;
        let answer = match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                response
                    .bytes()
                    .await
                    .map(|body| (status, body.to_vec()))
                    .map_err(|e| e.to_string())
            }
            Err(error) => Err(error.to_string()),
        };
        Delivery {
            answer,
            took: started.elapsed(),
        }
    }

    /// The value of one line of `/metrics`, e.g. `wxoa_webhook_handled_total`.
    async fn metric(&self, name: &str) -> u64 {
        metric(&self.base, name).await
    }

    async fn dedupe_failures(&self) -> u64 {
        let mut total = 0;
        for op in ["claim", "wait", "complete", "release"] {
            total += self
                .metric(&format!(
                    "wxoa_webhook_dedupe_failures_total{{op=\"{op}\"}}"
                ))
                .await;
        }
        total
    }
}

/// One delivery: the answer (status and body) or why there was none, and how long it took.
struct Delivery {
    answer: Result<(u16, Vec<u8>), String>,
    took: Duration,
}

impl Delivery {
    /// The reply inside the answer (`None` for `success`); panics on a failed delivery.
    fn reply(&self) -> Option<ReplyBody> {
        let (status, body) = self.answer.as_ref().unwrap();
        assert_eq!(*status, 200, "{}", String::from_utf8_lossy(body));
        platform()
            .read_reply(Mode::Safe, body)
            .unwrap()
            .map(|r| r.body)
    }
}

/// The value of one line of the `/metrics` of the server at `base`.
pub(crate) async fn metric(base: &str, name: &str) -> u64 {
    let text = http()
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        .parse()
        .unwrap()
}

fn platform() -> Platform {
    Platform::new(APP_ID, TOKEN, Some(KEY)).unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(PLATFORM_TIMEOUT)
        .build()
        .unwrap()
}

/// A MsgId no other push of this run (or of an earlier run on a shared Redis) has.
fn fresh_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    nanos / 1000 * 1000 + NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 1000
}

/// Whether a push handled by `first` is recognised when its retry reaches `second`: the
/// retry gets the same reply and `second` runs no handler for it.
async fn dedupes_across(first: &Instance, second: &Instance) -> bool {
    let xml = text_push("oFleet", "across", fresh_id());
    let handled = second.metric("wxoa_webhook_handled_total").await;
    let duplicates = second.metric("wxoa_webhook_duplicates_total").await;
    assert_eq!(
        first.deliver(&xml).await.reply(),
        Some(ReplyBody::text("across"))
    );
    assert_eq!(
        second.deliver(&xml).await.reply(),
        Some(ReplyBody::text("across"))
    );
    second.metric("wxoa_webhook_handled_total").await == handled
        && second.metric("wxoa_webhook_duplicates_total").await == duplicates + 1
}

/// How long until pushes are deduped across the two instances again (at most 10 s).
async fn until_dedupe_resumes(a: &Instance, b: &Instance) -> Duration {
    let started = Instant::now();
    while !dedupes_across(a, b).await {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "dedupe across instances did not resume within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed()
}

/// Sends pushes to both instances, alternately, for `period`: every one is answered with its
/// echo well within the platform's 5 s. Returns how many were sent, and the slowest answer.
async fn every_push_answered_promptly(
    a: &Instance,
    b: &Instance,
    period: Duration,
) -> (usize, Duration) {
    let started = Instant::now();
    let (mut sent, mut slowest) = (0, Duration::ZERO);
    while started.elapsed() < period {
        for instance in [a, b] {
            let delivery = instance
                .deliver(&text_push("oFleet", "hello", fresh_id()))
                .await;
            assert_eq!(delivery.reply(), Some(ReplyBody::text("hello")));
            assert!(
                delivery.took < PROMPT,
                "a push took {:?} while Redis was unhealthy",
                delivery.took
            );
            sent += 1;
            slowest = slowest.max(delivery.took);
        }
    }
    (sent, slowest)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_killed_and_restarted_redis_never_stalls_the_fleet() {
    let Some(mut redis) = Redis::start_private() else {
        return;
    };
    let (a, b) = (
        Instance::start(redis.url(), &[]),
        Instance::start(redis.url(), &[]),
    );
    assert!(
        dedupes_across(&a, &b).await,
        "dedupe across instances works"
    );
    assert!(dedupes_across(&b, &a).await);
    assert_eq!(a.dedupe_failures().await + b.dedupe_failures().await, 0);

    // Paused: Redis holds every connection and answers nothing.
    let pause = Duration::from_secs(3);
    redis.pause(pause).unwrap();
    let paused = Instant::now();
    let (sent, slowest) =
        every_push_answered_promptly(&a, &b, pause - Duration::from_millis(500)).await;
    eprintln!("Redis paused: {sent} pushes answered, the slowest in {slowest:?}");
    assert!(sent >= 4, "{sent} pushes during the pause");
    assert!(a.dedupe_failures().await > 0, "failures are counted");
    assert!(b.dedupe_failures().await > 0);
    tokio::time::sleep(pause.saturating_sub(paused.elapsed())).await;
    let resumed = until_dedupe_resumes(&a, &b).await;
    eprintln!("dedupe resumed {resumed:?} after the pause ended");
    assert!(
        resumed < Duration::from_secs(3),
        "resumed after {resumed:?}"
    );

    // Killed: connections refused.
    let failures = a.dedupe_failures().await + b.dedupe_failures().await;
    assert!(redis.stop());
    let (sent, slowest) = every_push_answered_promptly(&a, &b, Duration::from_secs(2)).await;
    eprintln!("Redis killed: {sent} pushes answered, the slowest in {slowest:?}");
    assert!(sent >= 4, "{sent} pushes while Redis was down");
    assert!(a.dedupe_failures().await + b.dedupe_failures().await > failures);

    // Restarted on the same port, empty: both instances reconnect by themselves.
    redis.restart().unwrap();
    let resumed = until_dedupe_resumes(&a, &b).await;
    eprintln!("dedupe resumed {resumed:?} after Redis restarted");
    assert!(
        resumed < Duration::from_secs(3),
        "resumed after {resumed:?}"
    );
    assert!(dedupes_across(&b, &a).await);

    // Each instance said that it went on without dedupe, and that dedupe resumed.
    for instance in [&a, &b] {
        let logs = instance.logs();
        assert!(
            logs.contains("pushes are handled without dedupe until it answers again"),
            "{logs}"
        );
        assert!(logs.contains("dedupe across instances resumes"), "{logs}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_whose_instance_is_killed_mid_handling_runs_on_the_retry() {
    let Some(redis) = Redis::start() else { return };
    let (mut a, b) = (
        Instance::start(redis.url(), &[]),
        Instance::start(redis.url(), &[]),
    );
    let xml = text_push("oCrash", "sleep 3", fresh_id());
    let sent = Instant::now();
    let first = {
        let (query, body) = platform().sign(
            Mode::Safe,
            &xml,
            &wxoa_testkit::unix_seconds().to_string(),
            &wxoa_crypto::random_nonce(),
        );
        let url = format!("{}/wechat?{query}", a.base);
        tokio::spawn(async move { http().post(url).body(body).send().await })
    };
    // The instance dies while its handler sleeps, holding the push's claim in Redis.
    tokio::time::sleep(Duration::from_secs(1)).await;
    a.kill();
    assert!(
        first.await.unwrap().is_err(),
        "the first delivery got no answer"
    );
    // The platform's retry comes after its 5 s, to the other instance: the claim has lapsed,
    // so the retry runs the handler rather than waiting for an answer that will never come.
    tokio::time::sleep(PLATFORM_TIMEOUT.saturating_sub(sent.elapsed())).await;
    let retry = b.deliver(&xml).await;
    assert_eq!(retry.reply(), Some(ReplyBody::text("slept 3")));
    assert!(retry.took < PLATFORM_TIMEOUT, "{:?}", retry.took);
    assert_eq!(b.metric("wxoa_webhook_handled_total").await, 1);
    assert_eq!(b.metric("wxoa_webhook_duplicates_total").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_instance_past_the_budget_is_not_run_again_by_the_retry() {
    // Exactly once while the instance lives: it answers `success` at its budget (4.5 s) and
    // records it before its claim lapses, so the retry at 5 s gets that answer.
    let Some(redis) = Redis::start() else { return };
    let (a, b) = (
        Instance::start(redis.url(), &[]),
        Instance::start(redis.url(), &[]),
    );
    let xml = text_push("oSlow", "sleep 6", fresh_id());
    let sent = Instant::now();
    let first = a.deliver(&xml).await;
    assert_eq!(first.reply(), None, "success at the budget");
    assert!(first.took < PLATFORM_TIMEOUT, "{:?}", first.took);
    tokio::time::sleep(PLATFORM_TIMEOUT.saturating_sub(sent.elapsed())).await;
    let retry = b.deliver(&xml).await;
    assert_eq!(retry.reply(), None);
    assert_eq!(b.metric("wxoa_webhook_handled_total").await, 0);
    assert_eq!(b.metric("wxoa_webhook_duplicates_total").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captured_push_sent_again_is_recognised_for_the_whole_replay_window() {
    let Some(redis) = Redis::start() else { return };
    let window = ["--replay-window", "600"];
    let (a, b) = (
        Instance::start(redis.url(), &window),
        Instance::start(redis.url(), &window),
    );
    let id = fresh_id();
    let (query, body) = platform().sign(
        Mode::Safe,
        &text_push("oReplay", "once", id),
        &wxoa_testkit::unix_seconds().to_string(),
        &wxoa_crypto::random_nonce(),
    );
    assert_eq!(
        a.post(&query, body.clone()).await.reply(),
        Some(ReplyBody::text("once"))
    );
    // The answer lives in Redis past the replay window (it used to go after 60 s), so the
    // same request sent again at any time its signature is accepted is a duplicate.
    let client = redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(format!("wxoa:dedup:{APP_ID}:msg:{id}"))
        .query_async(&mut connection)
        .await
        .unwrap();
    assert!(ttl > 600_000, "kept {ttl} ms");
    assert_eq!(
        b.post(&query, body).await.reply(),
        Some(ReplyBody::text("once"))
    );
    assert_eq!(b.metric("wxoa_webhook_handled_total").await, 0);
    assert_eq!(b.metric("wxoa_webhook_duplicates_total").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_redis_at_start_up_is_logged_and_the_server_serves() {
    let url = format!("redis://:hunter2@127.0.0.1:{}/", wxoa_testkit::free_port());
    let started = Instant::now();
    let server = Instance::start(&url, &[]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "started in {:?}",
        started.elapsed()
    );
    let delivery = server.deliver(&text_push("oAlone", "hi", fresh_id())).await;
    assert_eq!(delivery.reply(), Some(ReplyBody::text("hi")));
    assert!(delivery.took < PROMPT, "{:?}", delivery.took);
    assert!(server.dedupe_failures().await > 0);
    let logs = server.logs();
    assert!(logs.contains("Redis does not answer at start-up"), "{logs}");
    assert!(logs.contains("redis://:***@127.0.0.1:"), "{logs}");
    assert!(!logs.contains("hunter2"), "{logs}");

    // A URL that cannot be used is a usage error, its password masked too.
    let out = crate::wxoa(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--token",
            TOKEN,
            "--redis",
            "redis://:hunter2@[127.0.0.1/",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", crate::stderr(&out));
    assert!(
        !crate::stderr(&out).contains("hunter2"),
        "{}",
        crate::stderr(&out)
    );
}
