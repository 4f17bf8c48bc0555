//! CONTRACT §3: slow or idle clients are cut off and open connections are bounded, on
//! `wxoa serve`, `wxoa token-server` and `wxoa sandbox` (and the demo's sandbox) — over real
//! sockets against the real binary, with limits of 1–2 s.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET, Sandbox};
use wxoa_testkit::socket::{response, until_closed};
use wxoa_types::reply::ReplyBody;
use wxoa_webhook::Mode;
use wxoa_webhook::testing::{Platform, text_push};

use crate::Spawned;
use crate::serve::{APP_ID, KEY, TOKEN};

/// Limits of one second each, and a cap well above the slow clients opened.
const SHORT: [&str; 8] = [
    "--header-timeout",
    "1",
    "--body-timeout",
    "1",
    "--idle-timeout",
    "1",
    "--max-connections",
    "2000",
];

/// How many half-sent headers each server gets at once.
const SLOWLORIS: usize = 1200;

/// A server under test: its address and what a valid request to it looks like.
struct Target {
    /// `host:port`.
    addr: String,
    /// A complete request the server answers at once (with a `content-length`).
    request: String,
    /// The start of a POST whose handler reads the body: headers announcing 500 bytes, and
    /// only a few of them.
    stalled_post: String,
}

async fn connect(addr: &str) -> TcpStream {
    TcpStream::connect(addr).await.unwrap()
}

/// Sends the target's request on a new connection and returns the status line's code.
async fn served(target: &Target) -> String {
    let mut stream = connect(&target.addr).await;
    stream.write_all(target.request.as_bytes()).await.unwrap();
    response(&mut stream, Duration::from_secs(5)).await
}

/// Half-sent headers (and some silent connections) by the hundred are all closed within the
/// 1-second header timeout; meanwhile and afterwards, a real request is served.
async fn slowloris_is_cut_off(target: &Target) {
    let mut waits = Vec::new();
    for i in 0..SLOWLORIS {
        // Timed from before the connect: the server's header clock starts when it accepts,
        // which can come before this (busy) client sees its connect complete.
        let opened = Instant::now();
        let mut stream = connect(&target.addr).await;
        // One in ten sends nothing at all.
        if i % 10 != 0 {
            stream
                .write_all(b"POST /x HTTP/1.1\r\nhost: x\r\nx-slow: ")
                .await
                .unwrap();
        }
        waits.push(tokio::spawn(async move {
            let closed = until_closed(&mut stream, Duration::from_secs(8)).await;
            (closed.is_some(), opened.elapsed())
        }));
    }
    let during = served(target).await;
    assert!(during.starts_with("HTTP/1.1 "), "{during}");
    let mut slowest = Duration::ZERO;
    for wait in waits {
        let (closed, after) = wait.await.unwrap();
        assert!(
            closed,
            "a half-sent header on {} was still open 8 s later",
            target.addr
        );
        assert!(
            after >= Duration::from_millis(900),
            "closed after {after:?}"
        );
        slowest = slowest.max(after);
    }
    // One second plus the time a busy two-core machine takes to get round to them.
    assert!(
        slowest < Duration::from_secs(5),
        "the slowest took {slowest:?}"
    );
    let after = served(target).await;
    assert!(after.starts_with("HTTP/1.1 "), "{after}");
}

/// A body that stalls is answered 408 within about the body timeout, and the connection closed.
async fn stalled_body_is_refused(target: &Target) {
    let mut stream = connect(&target.addr).await;
    let started = Instant::now();
    stream
        .write_all(target.stalled_post.as_bytes())
        .await
        .unwrap();
    let answer = until_closed(&mut stream, Duration::from_secs(6))
        .await
        .expect("a stalled body was still open 6 s later");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request body timed out"), "{answer}");
    assert!(started.elapsed() >= Duration::from_millis(900));
}

/// A kept-alive connection is closed about one idle timeout after its answer.
async fn idle_connection_is_closed(target: &Target) {
    let mut stream = connect(&target.addr).await;
    // Timed from before the request: the server's idle clock starts when it has written the
    // answer, which can come well before this (busy) client has read it.
    let sent = Instant::now();
    stream.write_all(target.request.as_bytes()).await.unwrap();
    let _ = response(&mut stream, Duration::from_secs(5)).await;
    assert!(
        until_closed(&mut stream, Duration::from_secs(6))
            .await
            .is_some(),
        "an idle connection was still open 6 s later"
    );
    assert!(
        sent.elapsed() >= Duration::from_millis(900),
        "closed {:?} after the request",
        sent.elapsed()
    );
}

/// With a cap of 5 and a 2-second header timeout: five slow clients fill the server; a sixth
/// connection is not served until their slots free, and is served then.
async fn cap_holds_new_connections_until_a_slot_frees(target: &Target) {
    let started = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..5 {
        let mut stream = connect(&target.addr).await;
        stream.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        slow.push(stream);
    }
    let mut waiting = connect(&target.addr).await;
    waiting.write_all(target.request.as_bytes()).await.unwrap();
    let mut first = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(1000), waiting.read(&mut first))
            .await
            .is_err(),
        "served over the cap"
    );
    let answer = response(&mut waiting, Duration::from_secs(8)).await;
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    assert!(
        started.elapsed() >= Duration::from_millis(1800),
        "served {:?} after the slots were taken",
        started.elapsed()
    );
    for mut stream in slow {
        assert!(
            until_closed(&mut stream, Duration::from_secs(5))
                .await
                .is_some()
        );
    }
    let again = served(target).await;
    assert!(again.starts_with("HTTP/1.1 "), "{again}");
}

const CAP: [&str; 4] = ["--header-timeout", "2", "--max-connections", "5"];

// ---- wxoa serve ----

fn serve(limits: &[&str]) -> (Spawned, Target) {
    let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--token", TOKEN];
    args.extend(["--aes-key", KEY, "--app-id", APP_ID]);
    args.extend(limits);
    let process = Spawned::start(&args, "wxoa serve: listening on http://", false);
    let addr = process.ready.trim_end_matches("/wechat").to_owned();
    let platform = Platform::new(APP_ID, TOKEN, Some(KEY)).unwrap();
    let timestamp = wxoa_testkit::unix_seconds().to_string();
    let (query, _) = platform.sign(Mode::Safe, &text_push("oSlow", "x", 1), &timestamp, "1");
    let target = Target {
        request: format!("GET /healthz HTTP/1.1\r\nhost: {addr}\r\n\r\n"),
        stalled_post: format!(
            "POST /wechat?{query} HTTP/1.1\r\nhost: {addr}\r\ncontent-length: 500\r\n\r\n<xml><Encrypt>"
        ),
        addr,
    };
    (process, target)
}

#[tokio::test]
async fn serve_cuts_off_slow_and_idle_clients_but_not_a_slow_handler() {
    let (_process, target) = serve(&SHORT);
    slowloris_is_cut_off(&target).await;
    stalled_body_is_refused(&target).await;
    idle_connection_is_closed(&target).await;
    // The echo bot answers `sleep 3` after 3 s, within the 4.5-second budget: the handler's
    // time is not idle time, whatever the idle, header and body timeouts.
    let platform = Platform::new(APP_ID, TOKEN, Some(KEY)).unwrap();
    let (query, body) = platform.sign(
        Mode::Safe,
        &text_push("oSlow", "sleep 3", 4_242_001),
        &wxoa_testkit::unix_seconds().to_string(),
        &wxoa_crypto::random_nonce(),
    );
    let started = Instant::now();
    let answer = reqwest::Client::new()
        .post(format!("http://{}/wechat?{query}", target.addr))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let reply = platform
        .read_reply(Mode::Safe, &answer.bytes().await.unwrap())
        .unwrap()
        .expect("a reply, not success");
    assert_eq!(reply.body, ReplyBody::text("slept 3"));
    assert!(started.elapsed() >= Duration::from_secs(3));
}

#[tokio::test]
async fn serve_over_its_connection_cap_serves_once_slow_clients_are_cut() {
    let (_process, target) = serve(&CAP);
    cap_holds_new_connections_until_a_slot_frees(&target).await;
}

// ---- wxoa token-server ----

fn token_server(api_base: &str, limits: &[&str]) -> (Spawned, Target) {
    let mut args = vec![
        "token-server",
        "--listen",
        "127.0.0.1:0",
        "--auth-token",
        "limits-bearer",
        "--app-id",
        DEFAULT_APP_ID,
        "--app-secret",
        DEFAULT_APP_SECRET,
        "--api-base",
        api_base,
        "--store",
        "memory",
    ];
    args.extend(limits);
    let process = Spawned::start(&args, "wxoa token-server: listening on http://", false);
    let addr = process.ready.clone();
    let target = Target {
        request: format!(
            "GET /healthz HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer limits-bearer\r\n\r\n"
        ),
        stalled_post: format!(
            "POST /token/invalidate HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer limits-bearer\r\n\
             content-type: application/json\r\ncontent-length: 500\r\n\r\n{{\"access_token\": \""
        ),
        addr,
    };
    (process, target)
}

#[tokio::test]
async fn token_server_cuts_off_slow_and_idle_clients_but_not_a_slow_fetch() {
    let stub = Sandbox::start().await.unwrap();
    let (_process, target) = token_server(stub.base_url(), &SHORT);
    slowloris_is_cut_off(&target).await;
    stalled_body_is_refused(&target).await;
    idle_connection_is_closed(&target).await;
    // A caller reports the token as rejected while the platform takes 3 s to hand out a new
    // one: the caller waits for it and is not cut off.
    let http = reqwest::Client::new();
    let current: serde_json::Value = http
        .get(format!("http://{}/token", target.addr))
        .bearer_auth("limits-bearer")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stub.control()
        .faults()
        .delay_token_fetches(Duration::from_secs(3), u32::MAX)
        .await
        .unwrap();
    let started = Instant::now();
    let answer = http
        .post(format!("http://{}/token/invalidate", target.addr))
        .bearer_auth("limits-bearer")
        .json(&serde_json::json!({"access_token": current["access_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert!(body["access_token"].is_string(), "{body}");
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert!(
        stub.control().token_fetches().await.unwrap() >= 2,
        "the invalidation fetched anew"
    );
}

#[tokio::test]
async fn token_server_over_its_connection_cap_serves_once_slow_clients_are_cut() {
    let stub = Sandbox::start().await.unwrap();
    let (_process, target) = token_server(stub.base_url(), &CAP);
    cap_holds_new_connections_until_a_slot_frees(&target).await;
}

// ---- wxoa sandbox ----

fn sandbox(limits: &[&str]) -> (Spawned, Target) {
    let mut args = vec!["sandbox", "--listen", "127.0.0.1:0"];
    args.extend(limits);
    let process = Spawned::start(&args, "http://", true);
    let addr = process.ready.clone();
    let target = Target {
        request: format!("GET /sandbox/followers HTTP/1.1\r\nhost: {addr}\r\n\r\n"),
        stalled_post: format!(
            "POST /cgi-bin/menu/create?access_token=x HTTP/1.1\r\nhost: {addr}\r\n\
             content-type: application/json\r\ncontent-length: 500\r\n\r\n{{\"button\": ["
        ),
        addr,
    };
    (process, target)
}

#[tokio::test]
async fn sandbox_cuts_off_slow_and_idle_clients_but_not_a_slow_call() {
    let (_process, target) = sandbox(&SHORT);
    slowloris_is_cut_off(&target).await;
    stalled_body_is_refused(&target).await;
    idle_connection_is_closed(&target).await;
    // A scripted 3-second delay on an API path: the call is answered after it, not cut off.
    let http = reqwest::Client::new();
    let base = format!("http://{}", target.addr);
    let control = wxoa_sandbox::Control::new(&base).unwrap();
    let slow = Duration::from_secs(3);
    let fault = control
        .faults()
        .delay("/cgi-bin/getcallbackip", slow, 1)
        .await;
    assert!(fault.is_ok(), "{fault:?}");
    let started = Instant::now();
    let answer = http
        .get(format!("{base}/cgi-bin/getcallbackip?access_token=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert!(body["errcode"].is_i64(), "{body}");
    assert!(started.elapsed() >= Duration::from_secs(3));
}

#[tokio::test]
async fn sandbox_over_its_connection_cap_serves_once_slow_clients_are_cut() {
    let (_process, target) = sandbox(&CAP);
    cap_holds_new_connections_until_a_slot_frees(&target).await;
}

#[tokio::test]
async fn demo_takes_the_limits_too() {
    let process = Spawned::start(
        &["demo", "--listen", "127.0.0.1:0", "--header-timeout", "1"],
        "wxoa demo: web console at http://",
        true,
    );
    let addr = process.ready.trim_end_matches('/').to_owned();
    let mut stream = connect(&addr).await;
    stream.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    assert!(
        until_closed(&mut stream, Duration::from_secs(6))
            .await
            .is_some(),
        "a half-sent header on the demo was still open 6 s later"
    );
}

#[test]
fn limits_are_refused_at_zero_and_read_from_the_config_file() {
    let output = crate::wxoa(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--token",
            TOKEN,
            "--idle-timeout",
            "0",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(crate::stderr(&output).contains("--idle-timeout must be at least 1"));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("wxoa.toml");
    std::fs::write(&config, "max_connections = 0\n").unwrap();
    let output = crate::wxoa(
        &[
            "token-server",
            "--config",
            config.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--auth-token",
            "x",
            "--app-id",
            DEFAULT_APP_ID,
            "--app-secret",
            DEFAULT_APP_SECRET,
            "--store",
            "memory",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        crate::stderr(&output).contains("max_connections in the config file must be at least 1"),
        "{}",
        crate::stderr(&output)
    );
}

#[tokio::test]
async fn a_config_file_sets_the_limits() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("wxoa.toml");
    std::fs::write(&config, "header_timeout = 1\n").unwrap();
    let process = Spawned::start(
        &[
            "sandbox",
            "--config",
            config.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        "http://",
        true,
    );
    let mut stream = connect(&process.ready).await;
    stream.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    // The default is 10 s.
    assert!(
        until_closed(&mut stream, Duration::from_secs(6))
            .await
            .is_some(),
        "header_timeout = 1 in the config file did not apply"
    );
}

#[tokio::test]
async fn sigterm_lets_a_push_in_flight_finish_and_closes_the_rest() {
    let (mut process, target) = serve(&["--header-timeout", "2"]);
    // A kept-alive idle connection, a half-sent header, and a push whose handler takes 3 s:
    // it ends 2.5 s after the SIGTERM, so the idle connection closed within 2 s was closed
    // at once, not after the push, with room for a busy machine.
    let mut idle = connect(&target.addr).await;
    idle.write_all(target.request.as_bytes()).await.unwrap();
    let _ = response(&mut idle, Duration::from_secs(5)).await;
    let mut slow = connect(&target.addr).await;
    slow.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    let platform = Platform::new(APP_ID, TOKEN, Some(KEY)).unwrap();
    let (query, body) = platform.sign(
        Mode::Safe,
        &text_push("oStop", "sleep 3", 4_242_002),
        &wxoa_testkit::unix_seconds().to_string(),
        &wxoa_crypto::random_nonce(),
    );
    let push = tokio::spawn(
        reqwest::Client::new()
            .post(format!("http://{}/wechat?{query}", target.addr))
            .body(body)
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stopped = Instant::now();
    process.terminate();
    assert!(
        until_closed(&mut idle, Duration::from_secs(2))
            .await
            .is_some(),
        "the idle connection was kept after SIGTERM"
    );
    let answer = push.await.unwrap().unwrap();
    assert_eq!(answer.status(), 200);
    let reply = platform
        .read_reply(Mode::Safe, &answer.bytes().await.unwrap())
        .unwrap()
        .expect("a reply, not success");
    assert_eq!(reply.body, ReplyBody::text("slept 3"));
    // The half-sent header is cut by its timeout; then the process exits, successfully.
    assert!(
        until_closed(&mut slow, Duration::from_secs(5))
            .await
            .is_some()
    );
    // Within 5 s of its last connection closing.
    let status = process.exited_within(Duration::from_secs(5)).await;
    assert!(status.success(), "{status:?}");
    assert!(stopped.elapsed() < Duration::from_secs(8));
    assert!(
        TcpStream::connect(&target.addr).await.is_err(),
        "still accepting after SIGTERM"
    );
}
