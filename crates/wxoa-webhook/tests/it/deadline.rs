//! The 5-second deadline: `success` within the budget, the reply later as a customer-service
//! message.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use wxoa_types::inbound::{MessageKind, Text};
use wxoa_webhook::deadline::{LateReply, SendError};
use wxoa_webhook::testing::text_push;
use wxoa_webhook::{Bot, Ctx, Mode};

use crate::*;

/// A sender that records what it sends (the outbox tests use it too).
pub(crate) struct Recorder(pub(crate) mpsc::UnboundedSender<(String, Value)>);

impl LateReply for Recorder {
    fn send<'a>(&'a self, app_id: &'a str, message: Value) -> BoxFuture<'a, Result<(), SendError>> {
        let _ = self.0.send((app_id.to_owned(), message));
        Box::pin(async { Ok(()) })
    }
}

struct Failing;

impl LateReply for Failing {
    fn send<'a>(&'a self, _: &'a str, _: Value) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async { Err(SendError::other("45015 response out of time limit")) })
    }
}

pub(crate) fn slow_bot(delay: Duration) -> Bot {
    Bot::new().on_message(MessageKind::Text, move |_: Ctx, text: Text| async move {
        tokio::time::sleep(delay).await;
        format!("late: {}", text.content)
    })
}

#[tokio::test]
async fn a_slow_handler_gets_success_then_a_customer_service_message() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let webhook = Webhook::builder()
        .account(
            Account::new(APP_ID, TOKEN, slow_bot(Duration::from_millis(600)))
                .aes_key(KEY)
                .unwrap(),
        )
        .budget(Duration::from_millis(150))
        .late_reply(Arc::new(Recorder(tx)))
        .build()
        .unwrap();
    let started = Instant::now();
    let (status, body) = send(
        &webhook.router(),
        platform().push(Mode::Safe, &text_push("oSlow", "report", 1)),
    )
    .await;
    let answered_in = started.elapsed();
    assert_eq!((status, body.as_slice()), (200, &b"success"[..]));
    assert!(
        answered_in < Duration::from_millis(500),
        "answered in {answered_in:?}"
    );
    let (app_id, message) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app_id, APP_ID);
    assert_eq!(
        message,
        json!({"touser": "oSlow", "msgtype": "text", "text": {"content": "late: report"}})
    );
    assert_eq!(webhook.metrics().requests(RequestOutcome::Late), 1);
    // A retry of the same push after the deadline gets `success` and does not run it again.
    let (_, body) = send(
        &webhook.router(),
        platform().push(Mode::Safe, &text_push("oSlow", "report", 1)),
    )
    .await;
    assert_eq!(body, b"success");
    assert_eq!(webhook.metrics().handled_total(), 1);
}

#[tokio::test]
async fn failed_late_deliveries_are_counted() {
    let webhook = Webhook::builder()
        .account(Account::new(
            APP_ID,
            TOKEN,
            slow_bot(Duration::from_millis(200)),
        ))
        .budget(Duration::from_millis(50))
        .late_reply(Arc::new(Failing))
        .build()
        .unwrap();
    let (_, body) = send(
        &webhook.router(),
        platform().push(Mode::Plain, &text_push("o", "x", 2)),
    )
    .await;
    assert_eq!(body, b"success");
    for _ in 0..50 {
        if webhook
            .render_metrics()
            .unwrap()
            .contains("wxoa_webhook_late_replies_total{result=\"failed\"} 1")
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "the failed late delivery was not counted:\n{}",
        webhook.render_metrics().unwrap()
    );
}

#[tokio::test]
async fn the_echo_bot_sleeps_then_answers_late_past_the_budget() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let webhook = Webhook::builder()
        .account(
            Account::new(APP_ID, TOKEN, wxoa_webhook::bots::echo())
                .aes_key(KEY)
                .unwrap(),
        )
        .budget(Duration::from_millis(300))
        .late_reply(Arc::new(Recorder(tx)))
        .build()
        .unwrap();
    let started = Instant::now();
    let (status, body) = send(
        &webhook.router(),
        platform().push(Mode::Safe, &text_push("oSleepy", "sleep 1", 3)),
    )
    .await;
    assert_eq!((status, body.as_slice()), (200, &b"success"[..]));
    assert!(started.elapsed() < Duration::from_millis(900));
    let (_, message) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(
        message,
        json!({"touser": "oSleepy", "msgtype": "text", "text": {"content": "slept 1"}})
    );
}
