//! CONTRACT §3: a `wxoa serve` process stopped with a real SIGTERM still delivers the late
//! replies it promised with a `success`, within its drain deadline; what the deadline cuts off
//! is logged with its push. A connection the platform closes mid-handling still gets its reply
//! to the follower, once. The platform is the sandbox, pushing over real sockets.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use wxoa_sandbox::control::PushResult;
use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET, PushMode, Sandbox, Webhook};

use crate::serve::{KEY, TOKEN};
use crate::{Spawned, wxoa_command};

/// A `wxoa serve` process whose stderr is kept; killed on drop if still running.
pub(crate) struct Serving {
    process: Spawned,
    pub(crate) url: String,
}

impl Serving {
    /// Serves the echo bot for the sandbox's account, sending late replies through its API;
    /// the sandbox pushes to it from now on.
    pub(crate) fn start(sandbox: &Sandbox, extra: &[&str]) -> Serving {
        let mut args = vec![
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--bot",
            "echo",
            "--token",
            TOKEN,
            "--aes-key",
            KEY,
            "--app-id",
            DEFAULT_APP_ID,
            "--app-secret",
            DEFAULT_APP_SECRET,
            "--api-base",
            sandbox.base_url(),
            "--store",
            "memory",
        ];
        args.extend(extra);
        let mut command = wxoa_command();
        command.args(&args);
        let process = Spawned::start_command(command, "wxoa serve: listening on ", false);
        let url = process.ready.clone();
        sandbox
            .set_webhook(Some(
                Webhook::new(url.clone(), TOKEN)
                    .aes_key(KEY)
                    .mode(PushMode::Safe),
            ))
            .unwrap();
        Serving { process, url }
    }

    /// Sends a real SIGTERM.
    pub(crate) fn terminate(&self) {
        self.process.terminate();
    }

    /// SIGKILL: no drain, nothing recorded, the process gone at once.
    pub(crate) fn kill(&mut self) {
        self.process.kill();
    }

    /// The value of one line of its `/metrics`.
    pub(crate) async fn metric(&self, name: &str) -> u64 {
        crate::fleet::metric(self.url.trim_end_matches("/wechat"), name).await
    }

    /// Waits (bounded) for the process to exit; its status code.
    pub(crate) async fn exited_within(&mut self, limit: Duration) -> Option<i32> {
        self.process.exited_within(limit).await.code()
    }

    pub(crate) fn log(&self) -> String {
        self.process.log()
    }
}

pub(crate) async fn follower(sandbox: &Sandbox) -> String {
    let followers = sandbox.control().followers(1, 0).await.unwrap();
    followers.openids[0].clone()
}

/// The sandbox delivers a text from `openid` to the webhook, as the platform does.
pub(crate) async fn push_text(sandbox: &Sandbox, openid: &str, content: &str) -> PushResult {
    let text = json!({"MsgType": "text", "Content": content});
    sandbox.control().push(openid, text).await.unwrap()
}

/// The texts the follower has received, oldest first.
pub(crate) async fn received(sandbox: &Sandbox, openid: &str) -> Vec<String> {
    let inbox = sandbox.control().inbox(openid).await.unwrap();
    inbox
        .iter()
        .filter_map(|item| {
            let message = &item.message;
            message["text"]["content"]
                .as_str()
                .or(message["Content"].as_str())
                .map(|text| format!("{}: {text}", item.kind))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_waits_for_a_late_reply_to_reach_the_follower() {
    let sandbox = Sandbox::builder().followers(1).start().await.unwrap();
    let openid = follower(&sandbox).await;
    let mut serving = Serving::start(&sandbox, &[]);

    // Past the 4.5 s budget: the platform gets `success`, the follower gets `slept 6` later.
    let pushed = push_text(&sandbox, &openid, "sleep 6").await;
    assert_eq!(pushed.attempts, 1, "{pushed:?}");
    assert!(pushed.reply.is_none(), "answered success: {pushed:?}");
    assert!(received(&sandbox, &openid).await.is_empty());

    // A deploy stops the process right away.
    let signalled = Instant::now();
    serving.terminate();
    let code = serving.exited_within(Duration::from_secs(20)).await;
    assert_eq!(code, Some(0), "{}", serving.log());
    assert!(
        signalled.elapsed() >= Duration::from_millis(500),
        "it exited without waiting for the handler"
    );
    // The process has exited: the reply went out before it did.
    assert_eq!(
        received(&sandbox, &openid).await,
        ["custom: slept 6"],
        "{}",
        serving.log()
    );
    assert!(
        !serving.log().contains("not delivered"),
        "{}",
        serving.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_the_budget_still_answers_the_push_then_delivers_its_late_reply() {
    let sandbox = Arc::new(Sandbox::builder().followers(1).start().await.unwrap());
    let openid = follower(&sandbox).await;
    let mut serving = Serving::start(&sandbox, &[]);

    // SIGTERM arrives while the request is still within its budget: the server stops
    // accepting but answers it (`success` at the budget), and its reply still goes out.
    let pushing = {
        let (sandbox, openid) = (sandbox.clone(), openid.clone());
        tokio::spawn(async move { push_text(&sandbox, &openid, "sleep 6").await })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    serving.terminate();
    let pushed = pushing.await.unwrap();
    assert_eq!(pushed.attempts, 1, "{pushed:?}");
    assert!(pushed.reply.is_none(), "answered success: {pushed:?}");
    let code = serving.exited_within(Duration::from_secs(20)).await;
    assert_eq!(code, Some(0), "{}", serving.log());
    assert_eq!(
        received(&sandbox, &openid).await,
        ["custom: slept 6"],
        "{}",
        serving.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_drain_deadline_shorter_than_the_handler_logs_the_undelivered_reply_with_its_push() {
    let sandbox = Sandbox::builder().followers(1).start().await.unwrap();
    let openid = follower(&sandbox).await;
    // The deadline comes from the config file.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("wxoa.toml");
    std::fs::write(&config, "drain_timeout = 1\n").unwrap();
    let mut serving = Serving::start(&sandbox, &["--config", config.to_str().unwrap()]);

    let pushed = push_text(&sandbox, &openid, "sleep 6").await;
    assert!(pushed.reply.is_none(), "answered success: {pushed:?}");
    let signalled = Instant::now();
    serving.terminate();
    let code = serving.exited_within(Duration::from_secs(10)).await;
    assert_eq!(code, Some(0), "{}", serving.log());
    assert!(
        signalled.elapsed() < Duration::from_secs(3),
        "the drain deadline of 1 s was not kept: {:?}",
        signalled.elapsed()
    );
    let log = serving.log();
    // Logged with its push (who sent what), and counted.
    let line = log
        .lines()
        .find(|l| l.contains("reply not delivered"))
        .unwrap_or_else(|| panic!("no undelivered reply in the log:\n{log}"));
    assert!(line.contains(&openid), "{line}");
    assert!(line.contains("sleep 6"), "{line}");
    assert!(line.contains("stage=\"handling\""), "{line}");
    assert!(
        log.contains("stopped with 1 late replies not delivered"),
        "{log}"
    );
    // And it is not delivered later by anything: the process is gone.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(received(&sandbox, &openid).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_the_platform_closes_mid_handling_still_gets_its_reply_once() {
    // The platform's timeout is 1 s here: it closes the socket while `sleep 2` runs, and
    // retries.
    let sandbox = Sandbox::builder()
        .followers(1)
        .push_timeout(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let openid = follower(&sandbox).await;
    let serving = Serving::start(&sandbox, &[]);

    let pushed = push_text(&sandbox, &openid, "sleep 2").await;
    assert_eq!(
        pushed.attempts, 2,
        "the first delivery timed out: {pushed:?}"
    );
    assert!(pushed.reply.is_none(), "the retry got success: {pushed:?}");

    let mut texts = Vec::new();
    for _ in 0..50 {
        texts = received(&sandbox, &openid).await;
        if !texts.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(texts, ["custom: slept 2"], "{}", serving.log());
    // Exactly once: nothing else arrives later.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(received(&sandbox, &openid).await, ["custom: slept 2"]);
    for (name, value) in [
        ("wxoa_webhook_requests_total{outcome=\"closed\"}", 1),
        ("wxoa_webhook_handled_total", 1),
        ("wxoa_webhook_late_replies_total{result=\"delivered\"}", 1),
    ] {
        assert_eq!(serving.metric(name).await, value, "{name}");
    }
}
