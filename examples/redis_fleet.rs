//! A fleet behind a load balancer: every instance shares one Redis for the access token (one
//! fetch per refresh for the whole fleet) and for recognising the platform's retries (a retry
//! that lands on another instance still gets the first delivery's reply).
//!
//! `REDIS_URL=redis://127.0.0.1:6379 cargo run -p wxoa --features redis --example redis_fleet`

// Examples print what they do; `serde_json::Value` indexing never panics (a missing key is Null).
#![allow(clippy::print_stdout, clippy::indexing_slicing)]

use std::sync::Arc;

use wxoa::client::token::RedisStore;
use wxoa::prelude::*;
use wxoa::types::inbound::Text;
use wxoa::webhook::deadline::CustomerService;
use wxoa::webhook::dedup::RedisDedup;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let redis = var("REDIS_URL")?;
    let app_id = var("WXOA_APP_ID")?;

    // Tokens: one shared store; the store's lock serialises fetches across machines.
    let client = Client::builder()
        .account(ClientAccount::new(app_id.as_str(), var("WXOA_APP_SECRET")?))
        .store(Arc::new(RedisStore::new(&redis)?))
        .build()?;

    // Pushes: dedupe through the same Redis (every operation bounded; while Redis is down or
    // stalled, pushes are handled without dedupe and the store reconnects by itself); replies
    // that miss the 5-second deadline go out as customer-service messages through the client.
    let bot = Bot::new().on_message(MessageKind::Text, |_: Ctx, text: Text| async move {
        text.content
    });
    let account =
        WebhookAccount::new(app_id, var("WXOA_TOKEN")?, bot).aes_key(&var("WXOA_AES_KEY")?)?;
    let webhook = Webhook::builder()
        .account(account)
        .dedup(Arc::new(RedisDedup::new(&redis)?))
        .late_reply(Arc::new(CustomerService::new(client)))
        .build()?;
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
    axum::serve(listener, webhook.router()).await?;
    Ok(())
}
