//! A third-party platform (开放平台 第三方平台) end to end against the sandbox, with no network:
//! the sandbox plays the open platform and two official accounts; the component's webhook
//! stores the ticket it is pushed, an account's administrator authorizes the component, a
//! follower's message to that account is answered through the component, an API call is
//! made for the account with a token refreshed through the component, and the platform's
//! 全网发布 release test passes against the component's live URLs (the webhook answers its
//! cases built-in, the component exchanges the test's code and sends the customer-service
//! text for it).
//!
//! `cargo run -p wxoa --example component --features sandbox`

// Examples print what they do.
#![allow(clippy::print_stdout)]

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::json;
use wxoa::client::component::Component;
use wxoa::client::token::MemoryStore;
use wxoa::prelude::*;
use wxoa::sandbox::control::ReleaseTestOptions;
use wxoa::sandbox::{Component as PlatformComponent, Sandbox};
use wxoa::types::inbound::Text;
use wxoa::webhook::ComponentAccount;

const COMPONENT: &str = "wxc0c0c0c0c0c0c0c0";
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const TOKEN: &str = "componenttoken";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// Runs the whole flow and checks every step (the crate's tests call it too).
#[tokio::main]
pub async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Addresses first: the component's client needs the sandbox's URL, the sandbox the
    // component's URLs.
    let platform_addr: SocketAddr = free_addr().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let webhook_base = format!("http://{}", listener.local_addr()?);

    // The component: a client of the (sandboxed) platform, and its webhook.
    let client = Client::builder()
        .account(ClientAccount::component(COMPONENT, SECRET))
        .api_bases([format!("http://{platform_addr}")])
        .store(Arc::new(MemoryStore::new()))
        .build()?;
    let component = Component::new(client)?;
    let bot = Bot::new().on_message(MessageKind::Text, |ctx: Ctx, text: Text| async move {
        format!("{} (answered for {})", text.content, ctx.app_id)
    });
    let served = ComponentAccount::new(COMPONENT, TOKEN, AES_KEY, bot, component.clone())?;
    let app = Webhook::builder().component(served).build()?.router();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    // The open platform, with two official accounts that can authorize the component; it
    // pushes a ticket to the authorization-event URL at once.
    let sandbox = Sandbox::builder()
        .listen(platform_addr)
        .followers(3)
        .component(
            PlatformComponent::new(COMPONENT, SECRET, TOKEN, AES_KEY)
                .auth_url(format!("{webhook_base}/component"))
                .message_url(format!("{webhook_base}/wechat/$APPID$"))
                .authorizers(2),
        )
        .start()
        .await?;
    let control = sandbox.control();
    control.push_ticket().await?;
    let ticket = component.ticket().await?.ok_or("no ticket stored")?;
    println!("ticket stored, pushed at {} ms", ticket.fetched_at_ms());

    // The component token, from that ticket.
    component.access_token().await?;

    // An administrator authorizes the component (messages, users, customer service): the
    // `authorized` push reaches the webhook, which exchanges the code and stores the
    // account's refresh token.
    let page = control.authorizers(0, 10).await?;
    let account = page
        .authorizers
        .iter()
        .find(|a| a.app_id != wxoa::sandbox::DEFAULT_APP_ID)
        .ok_or("no simulated account")?
        .app_id
        .clone();
    let consented = control.authorize(&account, &[1, 2, 6], None, None).await?;
    assert_eq!(consented.info_type.as_deref(), Some("authorized"));
    let authorizer = component.authorizer(&account)?;
    println!("{account} authorized the component");

    // A follower writes to the account: the push goes to /wechat/{account}, encrypted for
    // the component, and the bot's answer comes back through it.
    let followers = control.followers_of(&account, 1, 0).await?;
    let follower = followers.openids.first().ok_or("no follower")?.clone();
    let pushed = control
        .push_to(
            &account,
            &follower,
            json!({"MsgType": "text", "Content": "hello"}),
        )
        .await?;
    let answer = pushed.reply_text("Content").ok_or("no reply")?;
    assert_eq!(answer, format!("hello (answered for {account})"));
    println!("the follower got: {answer}");

    // An API call for the account, its token refreshed through the component.
    let profile = authorizer.users().info(follower.as_str()).await?;
    assert_eq!(profile.openid.as_str(), follower);
    println!("profile of {follower} read for {account}");

    // The 全网发布 release test: a test account authorizes, the platform's cases reach the
    // component's URLs (ticket, passive text, QUERY_AUTH_CODE answered through the API, the
    // legacy event), and the account revokes.
    let report = control
        .release_test(&ReleaseTestOptions::default().legacy_event(true))
        .await?;
    for case in &report.cases {
        let verdict = if case.passed { "passed" } else { "FAILED" };
        println!("release test {}: {verdict} ({})", case.name, case.reason);
    }
    assert!(report.passed, "the release test failed: {report:?}");
    println!("the release test passed with {}", report.authorizer_appid);

    server.abort();
    Ok(())
}

/// A free loopback address for the sandbox.
async fn free_addr() -> std::io::Result<SocketAddr> {
    let probe = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    probe.local_addr()
}
