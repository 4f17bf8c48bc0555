//! CONTRACT §6: `wxoa demo` starts, serves the console, and a scripted follower gets the bot's
//! replies through the sandbox.

use serde_json::json;

#[tokio::test]
async fn the_demo_serves_the_console_and_the_bot_answers() {
    let process = crate::Spawned::start(
        &["demo", "--listen", "127.0.0.1:0"],
        "wxoa demo: web console at ",
        true,
    );
    let console = process.ready.clone();
    let base = console.trim_end_matches('/').to_owned();
    let http = crate::http();

    let page = http.get(&console).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text().await.unwrap().to_lowercase().contains("<html"),
        "the console is a page"
    );

    let control = wxoa_sandbox::Control::new(&base).unwrap();
    let openid = control.followers(1, 0).await.unwrap().openids.remove(0);
    let pushed = control
        .push(&openid, json!({"MsgType": "text", "Content": "hello demo"}))
        .await
        .unwrap();
    assert_eq!(pushed.attempts, 1, "{pushed:?}");
    assert_eq!(
        pushed.reply_text("Content"),
        Some("You said: hello demo"),
        "{pushed:?}"
    );

    // The menu the demo created answers a click with a news card.
    let clicked = control
        .push(
            &openid,
            json!({"MsgType": "event", "Event": "CLICK", "EventKey": "DEMO_NEWS"}),
        )
        .await
        .unwrap();
    assert_eq!(clicked.reply_text("MsgType"), Some("news"), "{clicked:?}");

    drop(process);
}
