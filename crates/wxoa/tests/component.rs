//! A third-party platform end to end against the sandbox: the 全网发布 release test run by the
//! sandbox against a component served by the webhook with a `wxoa_client` component — passed
//! when it answers every case (the webhook's built-in answers), failed with the right case and
//! reason when it does not (no callback text, a wrong one, no customer-service message within
//! the window, an answer slower than the platform's 5 s) — and an authorizer's handler past
//! the budget replying later as a customer-service message sent with the authorizer's token.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use wxoa::client::component::Component;
use wxoa::client::token::MemoryStore;
use wxoa::prelude::*;
use wxoa::sandbox::control::{ReleaseReport, ReleaseTestOptions};
use wxoa::sandbox::{Component as PlatformComponent, Sandbox, SandboxBuilder};
use wxoa::types::component::AuthEvent;
use wxoa::types::inbound::Text;
use wxoa::webhook::{AuthEvents, ComponentAccount, HandlerError, WebhookBuilder};

const COMPONENT: &str = "wxc1c1c1c1c1c1c1c1";
const SECRET: &str = "1123456789abcdef0123456789abcdef";
const TOKEN: &str = "componenttoken";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const TEST_TEXT: &str = "TESTCOMPONENT_MSG_TYPE_TEXT";

/// What the component's webhook does.
struct Setup {
    bot: Bot,
    /// Whether the webhook answers the release test's cases itself.
    built_in: bool,
    /// Whether the component exchanges the test's code and sends `<code>_from_api`.
    api_case: bool,
    webhook: fn(WebhookBuilder) -> WebhookBuilder,
    sandbox: fn(SandboxBuilder) -> SandboxBuilder,
}

impl Setup {
    fn new(bot: Bot) -> Self {
        Self {
            bot,
            built_in: true,
            api_case: true,
            webhook: |w| w,
            sandbox: |s| s,
        }
    }
}

/// A component's authorization events handled by `wxoa_client`, without the release test's
/// API case (it exchanges nothing and sends nothing).
struct NoApiCase(Component);

type Handled =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), HandlerError>> + Send>>;

impl AuthEvents for NoApiCase {
    fn receive(&self, event: AuthEvent) -> Handled {
        AuthEvents::receive(&self.0, event)
    }
}

struct Rig {
    sandbox: Sandbox,
    component: Component,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn free_addr() -> SocketAddr {
    let probe = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    probe.local_addr().unwrap()
}

impl Rig {
    /// A sandbox playing the component (two simulated accounts) and the component's webhook.
    async fn start(setup: Setup) -> Rig {
        let platform_addr = free_addr().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let webhook_base = format!("http://{}", listener.local_addr().unwrap());
        let client = Client::builder()
            .account(ClientAccount::component(COMPONENT, SECRET))
            .api_bases([format!("http://{platform_addr}")])
            .store(Arc::new(MemoryStore::new()))
            .build()
            .unwrap();
        let component = Component::new(client).unwrap();
        let served = if setup.api_case {
            ComponentAccount::new(COMPONENT, TOKEN, AES_KEY, setup.bot, component.clone())
        } else {
            let events = NoApiCase(component.clone());
            ComponentAccount::new(COMPONENT, TOKEN, AES_KEY, setup.bot, events)
        }
        .unwrap()
        .release_test(setup.built_in);
        let app = (setup.webhook)(Webhook::builder().component(served))
            .build()
            .unwrap()
            .router();
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let sandbox = (setup.sandbox)(
            Sandbox::builder()
                .listen(platform_addr)
                .followers(3)
                .component(
                    PlatformComponent::new(COMPONENT, SECRET, TOKEN, AES_KEY)
                        .auth_url(format!("{webhook_base}/component"))
                        .message_url(format!("{webhook_base}/wechat/$APPID$"))
                        .authorizers(2),
                ),
        )
        .start()
        .await
        .unwrap();
        // The ticket pushed at start reaches the component before anything else.
        sandbox.control().push_ticket().await.unwrap();
        Rig {
            sandbox,
            component,
            server,
        }
    }

    async fn release_test(&self, options: ReleaseTestOptions) -> ReleaseReport {
        self.sandbox.control().release_test(&options).await.unwrap()
    }
}

/// The case `name` of `report`, which must exist.
fn case<'r>(report: &'r ReleaseReport, name: &str) -> &'r wxoa::sandbox::control::ReleaseCase {
    report
        .case(name)
        .unwrap_or_else(|| panic!("no case {name}: {report:?}"))
}

/// A run whose API case waits little (these components never send its message).
fn short_window() -> ReleaseTestOptions {
    ReleaseTestOptions::default().window(Duration::from_millis(300))
}

fn echo() -> Bot {
    Bot::new().on_message(MessageKind::Text, |_: Ctx, text: Text| async move {
        format!("echo {}", text.content)
    })
}

#[tokio::test]
async fn a_component_answering_every_case_passes_the_release_test() {
    let rig = Rig::start(Setup::new(echo())).await;
    let report = rig
        .release_test(
            ReleaseTestOptions::default()
                .authorizer("wx9252c5e0bb1836fc")
                .legacy_event(true),
        )
        .await;
    assert!(report.passed, "{report:#?}");
    let names: Vec<&str> = report.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "ticket",
            "authorization",
            "passive_text",
            "api_text",
            "event",
            "unauthorization"
        ]
    );
    assert_eq!(report.authorizer_appid, "wx9252c5e0bb1836fc");
    assert_eq!(report.original_id, "gh_c0f28a78b318");
    // The test account revoked at the end: the platform and the component both know it.
    let accounts = rig.sandbox.control().authorizers(0, 20).await.unwrap();
    let tested = accounts
        .authorizers
        .iter()
        .find(|a| a.app_id == "wx9252c5e0bb1836fc")
        .expect("the test account is one of the sandbox's accounts now");
    assert!(!tested.authorized);
    // A second run (an account picked at random) passes as well.
    let again = rig.release_test(ReleaseTestOptions::default()).await;
    assert!(again.passed, "{again:#?}");
}

#[tokio::test]
async fn no_callback_text_fails_the_passive_case() {
    // The release test is not answered built-in, and the bot says nothing to texts.
    let mut setup = Setup::new(Bot::new());
    setup.built_in = false;
    let rig = Rig::start(setup).await;
    let report = rig.release_test(short_window()).await;
    assert!(!report.passed);
    assert!(case(&report, "ticket").passed, "{report:#?}");
    assert!(case(&report, "authorization").passed, "{report:#?}");
    let passive = case(&report, "passive_text");
    assert!(!passive.passed);
    assert!(
        passive.reason.contains("answered empty")
            && passive
                .reason
                .contains("TESTCOMPONENT_MSG_TYPE_TEXT_callback"),
        "{passive:?}"
    );
}

#[tokio::test]
async fn a_wrong_callback_text_fails_the_passive_case() {
    let bot = Bot::new().on_text_exact(TEST_TEXT, |_: Ctx| async {
        "TESTCOMPONENT_MSG_TYPE_TEXT_callbak"
    });
    let mut setup = Setup::new(bot);
    setup.built_in = false;
    let rig = Rig::start(setup).await;
    let report = rig.release_test(short_window()).await;
    let passive = case(&report, "passive_text");
    assert!(!passive.passed);
    assert!(
        passive
            .reason
            .contains(r#"the passive text was "TESTCOMPONENT_MSG_TYPE_TEXT_callbak""#),
        "{passive:?}"
    );
    assert!(!report.passed);
}

#[tokio::test]
async fn no_customer_service_message_within_the_window_fails_the_api_case() {
    // Built-in answers (the passive case passes, QUERY_AUTH_CODE is answered empty), but the
    // component never sends `<code>_from_api`.
    let mut setup = Setup::new(echo());
    setup.api_case = false;
    let rig = Rig::start(setup).await;
    let report = rig
        .release_test(ReleaseTestOptions::default().window(Duration::from_millis(800)))
        .await;
    assert!(case(&report, "passive_text").passed, "{report:#?}");
    let api = case(&report, "api_text");
    assert!(!api.passed);
    assert!(
        api.reason.contains("no customer-service message") && api.reason.contains("800 ms"),
        "{api:?}"
    );
    assert!(case(&report, "unauthorization").passed, "{report:#?}");
    assert!(!report.passed);
}

#[tokio::test]
async fn an_answer_slower_than_five_seconds_fails_the_api_case() {
    // QUERY_AUTH_CODE is handled by the bot, which takes 6 s: the webhook's budget is set past
    // it, so the platform (5 s) gives up first.
    let bot = Bot::new()
        .on_text_exact(TEST_TEXT, |_: Ctx| async {
            "TESTCOMPONENT_MSG_TYPE_TEXT_callback"
        })
        .on_text_prefix("QUERY_AUTH_CODE:", |_: Ctx| async {
            tokio::time::sleep(Duration::from_secs(6)).await;
        });
    let mut setup = Setup::new(bot);
    setup.built_in = false;
    setup.webhook = |w| w.budget(Duration::from_secs(8));
    setup.sandbox = |s| s.push_deliveries(1);
    let rig = Rig::start(setup).await;
    let started = Instant::now();
    let report = rig.release_test(ReleaseTestOptions::default()).await;
    assert!(case(&report, "passive_text").passed, "{report:#?}");
    let api = case(&report, "api_text");
    assert!(!api.passed);
    assert!(
        api.reason.contains("the first delivery failed")
            && api.reason.contains("no answer within the push timeout"),
        "{api:?}"
    );
    assert!(started.elapsed() >= Duration::from_secs(5));
}

#[tokio::test]
async fn a_slow_authorizer_handler_replies_later_with_the_authorizers_token() {
    // The budget is 300 ms; the handler takes 800 ms: the platform gets `success`, and the
    // reply reaches the follower as a customer-service message sent through the component.
    let bot = Bot::new().on_message(MessageKind::Text, |ctx: Ctx, text: Text| async move {
        tokio::time::sleep(Duration::from_millis(800)).await;
        format!("late answer to {} for {}", text.content, ctx.app_id)
    });
    let mut setup = Setup::new(bot);
    setup.webhook = |w| w.budget(Duration::from_millis(300));
    let rig = Rig::start(setup).await;
    let control = rig.sandbox.control();
    let account = control
        .authorizers(0, 10)
        .await
        .unwrap()
        .authorizers
        .into_iter()
        .find(|a| a.app_id != wxoa::sandbox::DEFAULT_APP_ID)
        .unwrap()
        .app_id;
    control
        .authorize(&account, &[1, 2], None, None)
        .await
        .unwrap();
    let follower = control.followers_of(&account, 1, 0).await.unwrap().openids[0].clone();
    let pushed = control
        .push_to(
            &account,
            &follower,
            json!({"MsgType": "text", "Content": "report"}),
        )
        .await
        .unwrap();
    assert_eq!(pushed.attempts, 1, "answered within the platform's 5 s");
    assert_eq!(pushed.reply, None, "answered success: {pushed:?}");
    let expected = format!("late answer to report for {account}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let inbox = control.inbox(&follower).await.unwrap();
        let late = inbox.iter().find(|i| i.kind == "custom");
        if let Some(item) = late {
            assert_eq!(
                item.message["text"]["content"],
                expected.as_str(),
                "{inbox:?}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no late reply arrived: {inbox:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Sent with the authorizer's token, refreshed through the component.
    let sends = control.calls("/cgi-bin/message/custom/send").await.unwrap();
    assert_eq!(sends.len(), 1, "{sends:?}");
    assert_eq!(sends[0].errcode, Some(0));
    assert!(rig.component.authorizer(&account).is_ok());
}
