//! End to end: the sandbox's pushes (signed, encrypted, with the platform's timeout and
//! retries) against a wxoa webhook, in every mode; retries deduplicated; a handler that misses
//! the deadline answered with `success` and its reply delivered as a customer-service message
//! into the follower's inbox.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wxoa::client::token::MemoryStore;
use wxoa::prelude::*;
use wxoa::sandbox::control::{InboxItem, PushResult};
use wxoa::sandbox::{
    DEFAULT_APP_ID, DEFAULT_APP_SECRET, PushMode, Sandbox, Webhook as SandboxWebhook,
};
use wxoa::types::inbound::Text;
use wxoa::webhook::deadline::CustomerService;

const TOKEN: &str = "e2etoken";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

struct Rig {
    sandbox: Sandbox,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Rig {
    /// A sandbox pushing in `mode` to a webhook serving `bot`.
    async fn start(
        bot: impl Dispatch,
        mode: PushMode,
        tune: impl FnOnce(wxoa::sandbox::SandboxBuilder) -> wxoa::sandbox::SandboxBuilder,
    ) -> Rig {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/wechat", listener.local_addr().unwrap());
        let sandbox = tune(
            Sandbox::builder()
                .followers(3)
                .webhook(SandboxWebhook::new(url, TOKEN).aes_key(AES_KEY).mode(mode)),
        )
        .start()
        .await
        .unwrap();
        let client = Client::builder()
            .account(ClientAccount::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET))
            .api_bases([sandbox.base_url()])
            .store(Arc::new(MemoryStore::new()))
            .build()
            .unwrap();
        let account = WebhookAccount::new(DEFAULT_APP_ID, TOKEN, bot);
        // An account in plain mode has no EncodingAESKey: one that has a key refuses plaintext
        // pushes, whose signature does not cover the body.
        let account = if mode == PushMode::Plain {
            account
        } else {
            account.aes_key(AES_KEY).unwrap()
        };
        let webhook = Webhook::builder()
            .account(account)
            .late_reply(Arc::new(CustomerService::new(client)))
            .build()
            .unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, webhook.router()).await });
        Rig { sandbox, server }
    }

    async fn follower(&self) -> String {
        let mut page = self.sandbox.control().followers(1, 0).await.unwrap();
        page.openids.remove(0)
    }

    async fn push(&self, from: &str, message: Value) -> PushResult {
        self.sandbox.control().push(from, message).await.unwrap()
    }

    async fn inbox(&self, openid: &str) -> Vec<InboxItem> {
        self.sandbox.control().inbox(openid).await.unwrap()
    }
}

/// The reply's field `name` (as in the platform's XML), if it replied.
fn reply_field<'p>(push: &'p PushResult, name: &str) -> Option<&'p Value> {
    push.reply.as_ref().and_then(|reply| reply.get(name))
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn echo() -> Bot {
    wxoa::webhook::bots::echo()
}

#[tokio::test]
async fn every_mode_end_to_end() {
    for mode in [PushMode::Plain, PushMode::Compat, PushMode::Safe] {
        let rig = Rig::start(echo(), mode, |b| b).await;
        let openid = rig.follower().await;
        let text = rig
            .push(
                &openid,
                json!({"MsgType": "text", "Content": "你好 <b>&</b>"}),
            )
            .await;
        assert_eq!(text.attempts, 1, "{mode:?}: {text:?}");
        assert_eq!(
            reply_field(&text, "MsgType"),
            Some(&json!("text")),
            "{mode:?}: {text:?}"
        );
        assert_eq!(
            reply_field(&text, "Content"),
            Some(&json!("你好 <b>&</b>")),
            "{mode:?}: {text:?}"
        );
        let follow = rig
            .push(&openid, json!({"MsgType": "event", "Event": "subscribe"}))
            .await;
        assert_eq!(
            reply_field(&follow, "Content"),
            Some(&json!("welcome")),
            "{mode:?}: {follow:?}"
        );
        let click = rig
            .push(
                &openid,
                json!({"MsgType": "event", "Event": "CLICK", "EventKey": "K"}),
            )
            .await;
        assert!(
            click.reply.is_none(),
            "{mode:?}: success means no reply: {click:?}"
        );
        // What the follower saw.
        let inbox = rig.inbox(&openid).await;
        let shown: String = inbox.iter().map(|item| item.message.to_string()).collect();
        assert!(
            shown.contains("你好") && shown.contains("welcome"),
            "{mode:?}: {inbox:?}"
        );
    }
}

#[tokio::test]
async fn the_platforms_retries_run_the_handler_once() {
    let runs = Arc::new(AtomicUsize::new(0));
    let bot = Bot::with_state(runs.clone()).on_message(
        MessageKind::Text,
        |ctx: Ctx<Arc<AtomicUsize>>, text: Text| async move {
            ctx.state.fetch_add(1, Ordering::SeqCst);
            // Slower than the sandbox's push timeout (0.5 s): the platform re-sends.
            tokio::time::sleep(Duration::from_millis(1200)).await;
            format!("slow {}", text.content)
        },
    );
    let rig = Rig::start(bot, PushMode::Safe, |b| {
        b.push_timeout(Duration::from_millis(500))
            .push_deliveries(3)
    })
    .await;
    let openid = rig.follower().await;
    let push = rig
        .push(&openid, json!({"MsgType": "text", "Content": "x"}))
        .await;
    assert_eq!(
        runs.load(Ordering::SeqCst),
        1,
        "one handler run for every delivery: {push:?}"
    );
    assert!(push.attempts >= 2, "the sandbox re-sent: {push:?}");
    // The first delivery's connection closed before the answer: retries get `success` at once,
    // and the reply reaches the follower as a customer-service message, exactly once.
    assert!(push.reply.is_none(), "a retry got success: {push:?}");
    let replies = |inbox: Vec<InboxItem>| {
        inbox
            .into_iter()
            .filter(|item| item.message["text"]["content"] == "slow x")
            .map(|item| item.kind)
            .collect::<Vec<_>>()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while replies(rig.inbox(&openid).await).is_empty() {
        assert!(Instant::now() < deadline, "the reply never arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(replies(rig.inbox(&openid).await), ["custom"]);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_handler_sleeping_six_seconds_replies_through_customer_service() {
    let bot = Bot::new().on_message(MessageKind::Text, |_: Ctx, text: Text| async move {
        tokio::time::sleep(Duration::from_secs(6)).await;
        format!("late answer to {}", text.content)
    });
    let rig = Rig::start(bot, PushMode::Safe, |b| b).await;
    let openid = rig.follower().await;
    let started = Instant::now();
    let push = rig
        .push(&openid, json!({"MsgType": "text", "Content": "report"}))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered within the platform's 5 s"
    );
    assert_eq!(
        push.attempts, 1,
        "success within the budget: no retry ({push:?})"
    );
    assert!(push.reply.is_none(), "{push:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let inbox = rig.inbox(&openid).await;
        if inbox
            .iter()
            .any(|item| item.message.to_string().contains("late answer to report"))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no customer-service message arrived: {inbox:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
