//! The examples run: the echo bot answers a signed push, the sandbox example passes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

#[allow(dead_code, unreachable_pub)]
#[path = "../../../examples/echo_bot.rs"]
mod echo_bot;

#[allow(dead_code, unreachable_pub)]
#[path = "../../../examples/test_with_sandbox.rs"]
mod test_with_sandbox;

#[allow(dead_code, unreachable_pub)]
#[path = "../../../examples/menu_setup.rs"]
mod menu_setup;

#[allow(dead_code, unreachable_pub)]
#[path = "../../../examples/component.rs"]
mod component;

use wxoa::types::reply::ReplyBody;
use wxoa::webhook::Mode;
use wxoa::webhook::testing::{Platform, text_push};

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

#[tokio::test]
async fn the_echo_bot_answers() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        echo_bot::run(listener, "wx0123456789abcdef", "exampletoken", KEY).await
    });
    let platform = Platform::new("wx0123456789abcdef", "exampletoken", Some(KEY)).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let (query, body) = platform.sign(Mode::Safe, &text_push("oUser", "ping", 1), &now, "42");
    let answer = reqwest::Client::new()
        .post(format!("{base}/wechat?{query}"))
        .body(body)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let reply = platform.read_reply(Mode::Safe, &answer).unwrap().unwrap();
    assert_eq!(reply.body, ReplyBody::text("you said: ping"));
    server.abort();
}

#[test]
fn the_component_example_runs_the_whole_flow() {
    // Ticket, component token, authorization, a follower's message answered through the
    // component, an API call for the authorizer, the 全网发布 release test passed: each step
    // asserted in the example.
    component::main().unwrap();
}

#[test]
fn the_sandbox_example_passes() {
    // The example's own `main` builds its runtime (tokio::main) and asserts the bot's reply.
    test_with_sandbox::main().unwrap();
}

#[tokio::test]
async fn the_menu_example_sets_up_the_sandbox_menu() {
    use std::sync::Arc;
    use wxoa::prelude::*;
    use wxoa::sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET, Sandbox};
    let sandbox = Sandbox::start().await.unwrap();
    let client = Client::builder()
        .account(ClientAccount::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET))
        .api_bases([sandbox.base_url()])
        .store(Arc::new(wxoa::client::token::MemoryStore::new()))
        .build()
        .unwrap();
    assert!(menu_setup::menu().validate().is_empty());
    menu_setup::set_up(&client).await.unwrap();
    let menus = client.get_json("/cgi-bin/menu/get", &[]).await.unwrap();
    assert_eq!(menus["menu"]["button"][2]["key"], "ABOUT", "{menus}");
    assert_eq!(
        menus["conditionalmenu"][0]["button"][0]["key"], "VIP",
        "{menus}"
    );
}
