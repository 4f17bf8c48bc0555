//! An echo bot in safe mode: set WXOA_APP_ID, WXOA_TOKEN and WXOA_AES_KEY as on the platform's
//! server configuration, then point the account's URL at http://HOST:8080/wechat.
//!
//! `cargo run -p wxoa --example echo_bot`

// Examples print what they do; `serde_json::Value` indexing never panics (a missing key is Null).
#![allow(clippy::print_stdout, clippy::indexing_slicing)]

use wxoa::prelude::*;
use wxoa::types::inbound::Text;

/// The bot: text echoed back, a welcome for new followers.
pub fn bot() -> Bot {
    Bot::new()
        .on_message(MessageKind::Text, |_: Ctx, text: Text| async move {
            format!("you said: {}", text.content)
        })
        .on_event(EventKind::Subscribe, |_: Ctx| async { "welcome!" })
}

/// Serves the bot for `account` on `listener` until the process ends.
pub async fn run(
    listener: tokio::net::TcpListener,
    app_id: &str,
    token: &str,
    aes_key: &str,
) -> std::io::Result<()> {
    let account = WebhookAccount::new(app_id, token, bot())
        .aes_key(aes_key)
        .map_err(std::io::Error::other)?;
    let webhook = Webhook::builder()
        .account(account)
        .build()
        .map_err(std::io::Error::other)?;
    axum::serve(listener, webhook.router()).await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
    run(
        listener,
        &var("WXOA_APP_ID")?,
        &var("WXOA_TOKEN")?,
        &var("WXOA_AES_KEY")?,
    )
    .await?;
    Ok(())
}
