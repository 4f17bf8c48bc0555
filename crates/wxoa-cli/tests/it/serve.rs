//! CONTRACT §3: `wxoa serve` with the echo bot, over real HTTP, and two instances sharing a
//! Redis.

use wxoa_types::reply::ReplyBody;
use wxoa_webhook::Mode;
use wxoa_webhook::testing::{Platform, event_push, text_push};

pub(crate) const APP_ID: &str = "wx0123456789abcdef";
pub(crate) const TOKEN: &str = "servetoken";
pub(crate) const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// A running `wxoa serve`, stopped on drop.
pub(crate) struct Server {
    _process: crate::Spawned,
    pub(crate) base: String,
}

impl Server {
    pub(crate) fn start(extra: &[&str]) -> Server {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--token", TOKEN];
        args.extend(["--aes-key", KEY, "--app-id", APP_ID]);
        args.extend(extra);
        let process = crate::Spawned::start(&args, "wxoa serve: listening on ", false);
        let base = process.ready.trim_end_matches("/wechat").to_owned();
        Server {
            _process: process,
            base,
        }
    }

    async fn post(&self, platform: &Platform, mode: Mode, xml: &str) -> (u16, Vec<u8>) {
        let timestamp = wxoa_testkit::unix_seconds().to_string();
        let (query, body) = platform.sign(mode, xml, &timestamp, &wxoa_crypto::random_nonce());
        let response = reqwest::Client::new()
            .post(format!("{}/wechat?{query}", self.base))
            .body(body)
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.bytes().await.unwrap().to_vec(),
        )
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let response = reqwest::get(format!("{}{path}", self.base)).await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

fn platform() -> Platform {
    Platform::new(APP_ID, TOKEN, Some(KEY)).unwrap()
}

#[tokio::test]
async fn echo_bot_over_http_in_every_mode() {
    let server = Server::start(&["--bot", "echo"]);
    // Handshake.
    let ts = "1700000000";
    let sig = wxoa_crypto::signature(TOKEN, ts, "1");
    let (status, body) = server
        .get(&format!(
            "/wechat?signature={sig}&timestamp={ts}&nonce=1&echostr=hello123"
        ))
        .await;
    assert_eq!((status, body.as_str()), (200, "hello123"));
    let (status, _) = server
        .get(&format!(
            "/wechat?signature=bad&timestamp={ts}&nonce=1&echostr=x"
        ))
        .await;
    assert_eq!(status, 401);

    // The account has a key: a plaintext push, whose signature does not cover the body, is
    // refused (see `plaintext_pushes_need_allow_plain`).
    let (status, _) = server
        .post(&platform(), Mode::Plain, &text_push("oEcho", "ping", 99))
        .await;
    assert_eq!(status, 401);
    for (i, mode) in [Mode::Compat, Mode::Safe].into_iter().enumerate() {
        let (status, body) = server
            .post(
                &platform(),
                mode,
                &text_push("oEcho", "ping", 100 + i as u64),
            )
            .await;
        assert_eq!(status, 200);
        let reply = platform().read_reply(mode, &body).unwrap().unwrap();
        assert_eq!(reply.body, ReplyBody::text("ping"), "{mode:?}");
    }
    let image = wxoa_testkit::fixtures::inbound("image.xml");
    // The replay window applies to the query's timestamp, not to CreateTime.
    let (_, body) = server.post(&platform(), Mode::Safe, &image).await;
    let reply = platform().read_reply(Mode::Safe, &body).unwrap();
    assert!(
        matches!(reply.map(|r| r.body), Some(ReplyBody::Image { .. })),
        "image echoed with its MediaId"
    );
    let now = wxoa_testkit::unix_seconds() as i64;
    let (_, body) = server
        .post(
            &platform(),
            Mode::Safe,
            &event_push("oNew", "subscribe", None, now),
        )
        .await;
    assert_eq!(
        platform()
            .read_reply(Mode::Safe, &body)
            .unwrap()
            .unwrap()
            .body,
        ReplyBody::text("welcome")
    );
    let (_, body) = server
        .post(
            &platform(),
            Mode::Safe,
            &event_push("oNew", "CLICK", Some("K"), now),
        )
        .await;
    assert_eq!(body, b"success");

    let wrong = Platform::new(APP_ID, "wrong", Some(KEY)).unwrap();
    let (status, _) = server
        .post(&wrong, Mode::Safe, &text_push("o", "x", 1))
        .await;
    assert_eq!(status, 401);

    let (status, health) = server.get("/healthz").await;
    assert_eq!((status, health.as_str()), (200, "ok"));
    let (_, metrics) = server.get("/metrics").await;
    assert!(
        metrics.contains("wxoa_webhook_requests_total{outcome=\"ok\"} 5"),
        "{metrics}"
    );
    assert!(
        metrics.contains("wxoa_webhook_requests_total{outcome=\"plain_refused\"} 1"),
        "{metrics}"
    );
    // The refused handshake and the refused push.
    assert!(
        metrics.contains("wxoa_webhook_requests_total{outcome=\"bad_signature\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("wxoa_webhook_handled_total 5"),
        "{metrics}"
    );
}

#[tokio::test]
async fn plaintext_pushes_need_allow_plain() {
    // A plaintext push forged from the query string of a real safe-mode push (a proxy's log
    // keeps it): its signature covers only the Token, timestamp and nonce, so it verifies.
    let forge = |server: &Server| {
        let timestamp = wxoa_testkit::unix_seconds().to_string();
        let (safe_query, _) =
            platform().sign(Mode::Safe, &text_push("oVictim", "hi", 1), &timestamp, "1");
        let plain_query: Vec<&str> = safe_query
            .split('&')
            .filter(|p| !p.starts_with("encrypt_type=") && !p.starts_with("msg_signature="))
            .collect();
        reqwest::Client::new()
            .post(format!("{}/wechat?{}", server.base, plain_query.join("&")))
            .body(text_push("oVictim", "forged", 2))
            .send()
    };
    let keyed = Server::start(&[]);
    let refused = forge(&keyed).await.unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("plaintext push refused")
    );
    let (status, _) = keyed
        .post(&platform(), Mode::Compat, &text_push("o", "compat", 3))
        .await;
    assert_eq!(status, 200, "compat mode is still accepted");
    // During the switch-over from plain mode.
    let switching = Server::start(&["--allow-plain"]);
    let taken = forge(&switching).await.unwrap();
    assert_eq!(taken.status().as_u16(), 200);
    let reply = platform()
        .read_reply(Mode::Plain, &taken.bytes().await.unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(reply.body, ReplyBody::text("forged"));
}

#[tokio::test]
async fn two_instances_sharing_redis_run_a_push_once() {
    let Some(redis) = wxoa_testkit::Redis::start() else {
        return;
    };
    let a = Server::start(&["--redis", redis.url()]);
    let b = Server::start(&["--redis", redis.url()]);
    let xml = text_push("oFleet", "once", 987_654_321);
    let platform = platform();
    let (first, second) = tokio::join!(
        a.post(&platform, Mode::Safe, &xml),
        b.post(&platform, Mode::Safe, &xml)
    );
    let third = a.post(&platform, Mode::Safe, &xml).await;
    // Each answer is sealed for its own delivery; the reply inside is the first delivery's.
    let reply = |body: &[u8]| platform.read_reply(Mode::Safe, body).unwrap().unwrap();
    assert_eq!(
        reply(&first.1),
        reply(&second.1),
        "the retry got the first delivery's reply"
    );
    assert_eq!(reply(&first.1), reply(&third.1));
    let handled = |metrics: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix("wxoa_webhook_handled_total "))
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    let total = handled(&a.get("/metrics").await.1) + handled(&b.get("/metrics").await.1);
    assert_eq!(total, 1, "one handler run across both instances");
}

#[tokio::test]
async fn with_an_app_secret_serve_builds_its_late_reply_sender() {
    // The client for customer-service messages is built at start-up (a bad --store fails fast).
    let server = Server::start(&[
        "--app-secret",
        "0123456789abcdef0123456789abcdef",
        "--store",
        "memory",
    ]);
    let (status, body) = server
        .post(
            &platform(),
            Mode::Safe,
            &text_push("oLate", "still answers", 555),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        platform()
            .read_reply(Mode::Safe, &body)
            .unwrap()
            .unwrap()
            .body,
        ReplyBody::text("still answers")
    );
    let out = crate::wxoa(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--token",
            TOKEN,
            "--app-id",
            APP_ID,
            "--app-secret",
            "s",
            "--store",
            "mongodb://x",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", crate::stderr(&out));
}
