//! Testing a bot against the sandbox, with no network and no phone: the sandbox plays the
//! platform (signed, encrypted pushes with its timeout and retries), your bot answers, and the
//! test reads what the follower received.
//!
//! `cargo run -p wxoa --example test_with_sandbox`

// Examples print what they do.
#![allow(clippy::print_stdout)]

use serde_json::json;
use wxoa::prelude::*;
use wxoa::sandbox::{DEFAULT_APP_ID, PushMode, Sandbox, Webhook as SandboxWebhook};
use wxoa::types::inbound::Text;

const TOKEN: &str = "testtoken";
const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// Runs the bot against the sandbox and checks what the follower received (the crate's tests
/// call it too).
#[tokio::main]
pub async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The bot under test, on a free loopback port.
    let bot = Bot::new().on_message(MessageKind::Text, |_: Ctx, text: Text| async move {
        text.content.to_uppercase()
    });
    let account = WebhookAccount::new(DEFAULT_APP_ID, TOKEN, bot).aes_key(AES_KEY)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/wechat", listener.local_addr()?);
    let app = Webhook::builder().account(account).build()?.router();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    // The platform, pushing to it in safe mode, with ten followers.
    let sandbox = Sandbox::builder()
        .followers(10)
        .webhook(
            SandboxWebhook::new(url, TOKEN)
                .aes_key(AES_KEY)
                .mode(PushMode::Safe),
        )
        .start()
        .await?;
    // The sandbox's typed control client: what a follower does, and what came of it.
    let control = sandbox.control();
    let openid = control
        .followers(1, 0)
        .await?
        .openids
        .into_iter()
        .next()
        .ok_or("no follower")?;

    // A follower says hello; the sandbox delivers it exactly as the platform would.
    let push = control
        .push(&openid, json!({ "MsgType": "text", "Content": "hello" }))
        .await?;
    let answered = push.reply.as_ref().and_then(|reply| reply.get("Content"));
    assert_eq!(push.attempts, 1);
    assert_eq!(answered, Some(&json!("HELLO")));
    println!("the bot answered {}", json!(answered));

    server.abort();
    sandbox.shutdown().await?;
    Ok(())
}
