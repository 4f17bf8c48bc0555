//! Work that outlives its request: handlers past the budget, their late replies, handlers whose
//! connection closed. It is delivered exactly once, and a drain waits for it up to a deadline,
//! then names what it could not wait for. Connections here are real sockets on loopback.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use wxoa_types::inbound::{MessageKind, Text};
use wxoa_types::reply::ReplyBody;
use wxoa_webhook::deadline::{LateReply, SendError, Stage};
use wxoa_webhook::testing::text_push;
use wxoa_webhook::{Bot, Ctx, Mode};

use crate::*;

/// Records every customer-service message, after `delay` (how long the platform takes).
struct Recorder {
    sent: mpsc::UnboundedSender<Value>,
    delay: Duration,
}

impl LateReply for Recorder {
    fn send<'a>(&'a self, _: &'a str, message: Value) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            tokio::time::sleep(self.delay).await;
            let _ = self.sent.send(message);
            Ok(())
        })
    }
}

fn recorder(delay: Duration) -> (Arc<Recorder>, mpsc::UnboundedReceiver<Value>) {
    let (sent, received) = mpsc::unbounded_channel();
    (Arc::new(Recorder { sent, delay }), received)
}

/// Replies `done: TEXT` after `delay`, counting its runs.
fn slow_bot(runs: Arc<AtomicUsize>, delay: Duration) -> Bot<Arc<AtomicUsize>> {
    Bot::with_state(runs).on_message(
        MessageKind::Text,
        move |ctx: Ctx<Arc<AtomicUsize>>, text: Text| async move {
            ctx.state.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(delay).await;
            format!("done: {}", text.content)
        },
    )
}

fn keyed(bot: impl wxoa_webhook::Dispatch) -> Account {
    Account::new(APP_ID, TOKEN, bot).aes_key(KEY).unwrap()
}

/// Serves the webhook on a loopback port.
async fn serve(webhook: &Webhook) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = webhook.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// A safe-mode push as the raw HTTP request the platform writes.
fn raw_push(xml: &str) -> Vec<u8> {
    let timestamp = wxoa_testkit::unix_seconds().to_string();
    let (query, body) = platform().sign(Mode::Safe, xml, &timestamp, &wxoa_crypto::random_nonce());
    format!(
        "POST /wechat?{query} HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends a push over its own connection and reads the answer: status and body.
async fn post(addr: SocketAddr, xml: &str) -> (u16, Vec<u8>) {
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket.write_all(&raw_push(xml)).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), socket.read_to_end(&mut answer))
        .await
        .expect("an answer within 10 s")
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = match text.find("\r\n\r\n") {
        Some(at) => answer[at + 4..].to_vec(),
        None => Vec::new(),
    };
    (status, body)
}

/// Waits (bounded) until `check` holds.
async fn eventually(what: &str, check: impl Fn() -> bool) {
    for _ in 0..100 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what} did not happen within 2 s");
}

#[tokio::test]
async fn a_connection_closed_mid_handling_gets_its_reply_once_as_a_customer_service_message() {
    let runs = Arc::new(AtomicUsize::new(0));
    let (sender, mut sent) = recorder(Duration::ZERO);
    let webhook = Webhook::builder()
        .account(keyed(slow_bot(runs.clone(), Duration::from_millis(600))))
        .late_reply(sender)
        .build()
        .unwrap();
    let addr = serve(&webhook).await;
    let xml = text_push("oHungUp", "report", 4242);

    // A proxy in front gives up while the handler runs: the socket closes under the request.
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket.write_all(&raw_push(&xml)).await.unwrap();
    eventually("the handler starting", || runs.load(Ordering::SeqCst) == 1).await;
    drop(socket);
    let metrics = webhook.metrics();
    eventually("the closed connection being seen", || {
        metrics.requests(RequestOutcome::Closed) == 1
    })
    .await;

    // The platform's retry, while the handler still runs: `success` at once, not a wait.
    let started = Instant::now();
    let (status, body) = post(addr, &xml).await;
    assert_eq!((status, body.as_slice()), (200, &b"success"[..]));
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "the retry waited {:?}",
        started.elapsed()
    );

    let message = tokio::time::timeout(Duration::from_secs(5), sent.recv())
        .await
        .expect("the reply within 5 s")
        .unwrap();
    assert_eq!(
        message,
        json!({"touser": "oHungUp", "msgtype": "text", "text": {"content": "done: report"}})
    );
    // Exactly once: a later retry does not run the handler or send again.
    let (_, body) = post(addr, &xml).await;
    assert_eq!(body, b"success");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(sent.try_recv().is_err(), "a second delivery");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(metrics.late_replies(LateResult::Delivered), 1);
    assert_eq!(metrics.late_pending(), 0);
}

#[tokio::test]
async fn without_a_sender_a_closed_connection_s_reply_waits_for_the_retry() {
    let runs = Arc::new(AtomicUsize::new(0));
    let webhook = Webhook::builder()
        .account(keyed(slow_bot(runs.clone(), Duration::from_millis(300))))
        .build()
        .unwrap();
    let addr = serve(&webhook).await;
    let xml = text_push("oHungUp", "later", 4343);
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket.write_all(&raw_push(&xml)).await.unwrap();
    eventually("the handler starting", || runs.load(Ordering::SeqCst) == 1).await;
    drop(socket);
    let metrics = webhook.metrics();
    eventually("the closed connection being seen", || {
        metrics.requests(RequestOutcome::Closed) == 1
    })
    .await;
    // The retry waits for the handler and gets its passive reply.
    let (status, body) = post(addr, &xml).await;
    assert_eq!(status, 200);
    let reply = platform().read_reply(Mode::Safe, &body).unwrap().unwrap();
    assert_eq!(reply.body, ReplyBody::text("done: later"));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn drain_waits_for_late_replies_then_refuses_pushes() {
    let runs = Arc::new(AtomicUsize::new(0));
    let (sender, mut sent) = recorder(Duration::from_millis(100));
    let webhook = Webhook::builder()
        .account(keyed(slow_bot(runs.clone(), Duration::from_millis(500))))
        .budget(Duration::from_millis(100))
        .late_reply(sender)
        .build()
        .unwrap();
    let router = webhook.router();
    let (status, body) = send(
        &router,
        platform().push(Mode::Safe, &text_push("oLate", "a", 1)),
    )
    .await;
    assert_eq!((status, body.as_slice()), (200, &b"success"[..]));
    assert_eq!(webhook.metrics().late_pending(), 1);
    assert!(sent.try_recv().is_err(), "not sent before the handler ends");

    let drained = webhook.drain(Duration::from_secs(10)).await;
    // Delivered before the drain returned.
    let message = sent
        .try_recv()
        .expect("the late reply went out during the drain");
    assert_eq!(message["text"]["content"], "done: a");
    assert_eq!(drained.finished, 1);
    assert!(drained.undelivered.is_empty());
    assert_eq!(webhook.metrics().late_replies(LateResult::Delivered), 1);
    assert_eq!(webhook.metrics().late_pending(), 0);

    // Draining: pushes are refused so that the platform's retry goes elsewhere.
    let (status, _) = send(
        &router,
        platform().push(Mode::Safe, &text_push("oLate", "b", 2)),
    )
    .await;
    assert_eq!(status, 503);
    assert_eq!(webhook.metrics().requests(RequestOutcome::ShuttingDown), 1);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn drain_names_and_counts_what_its_deadline_cut_off() {
    let runs = Arc::new(AtomicUsize::new(0));
    let (sender, mut sent) = recorder(Duration::from_secs(30));
    let webhook = Webhook::builder()
        // One handler still running at the deadline, one already sending its reply.
        .account(keyed(Bot::with_state(runs.clone()).on_message(
            MessageKind::Text,
            |ctx: Ctx<Arc<AtomicUsize>>, text: Text| async move {
                ctx.state.fetch_add(1, Ordering::SeqCst);
                let slow = text.content == "slow";
                tokio::time::sleep(Duration::from_millis(if slow { 800 } else { 150 })).await;
                "late"
            },
        )))
        .budget(Duration::from_millis(50))
        .late_reply(sender)
        .build()
        .unwrap();
    let router = webhook.router();
    for (text, msg_id) in [("slow", 11), ("quick", 12)] {
        let (_, body) = send(
            &router,
            platform().push(Mode::Safe, &text_push("oCut", text, msg_id)),
        )
        .await;
        assert_eq!(body, b"success");
    }
    // The quick handler has answered; its customer-service message is on its way.
    tokio::time::sleep(Duration::from_millis(250)).await;

    let started = Instant::now();
    let drained = webhook.drain(Duration::from_millis(200)).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the drain took {:?}",
        started.elapsed()
    );
    assert_eq!(drained.finished, 0);
    let cut: Vec<_> = drained
        .undelivered
        .iter()
        .map(|u| {
            assert_eq!(&*u.app_id, APP_ID);
            assert_eq!(u.push.from_user_name.as_str(), "oCut");
            (u.push.msg_id.map(|id| id.to_string()), u.stage)
        })
        .collect();
    assert_eq!(
        cut,
        [
            (Some("11".to_owned()), Stage::Handling),
            (Some("12".to_owned()), Stage::Sending)
        ]
    );
    assert_eq!(webhook.metrics().late_replies(LateResult::Undelivered), 2);
    assert_eq!(webhook.metrics().late_pending(), 0);
    assert!(
        webhook
            .render_metrics()
            .unwrap()
            .contains("wxoa_webhook_late_replies_total{result=\"undelivered\"} 2")
    );
    // Cut off means cancelled: nothing goes out after the drain gave up on it.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(sent.try_recv().is_err());
    assert_eq!(webhook.metrics().late_replies(LateResult::Delivered), 0);
}
