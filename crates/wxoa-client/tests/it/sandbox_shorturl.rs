//! `client.shorturls()` against the sandbox (api-reference §12): `shorten/gen` then
//! `shorten/fetch` round-trips the data, the deprecated `shorturl`, and the platform's errors the
//! sandbox produces (the stub contracts are in `shorturl.rs`).

use crate::sandbox_env::{env, errcode};

#[tokio::test]
async fn a_key_fetches_its_data_back() {
    let env = env(1).await;
    let data = r#"{"page":"index","id":42,"name":"广东"}"#;
    let key = env
        .client
        .shorturls()
        .shorten(data)
        .expire_seconds(3600)
        .await
        .unwrap();
    assert!(!key.is_empty());
    let fetched = env.client.shorturls().fetch(key.as_str()).await.unwrap();
    assert_eq!(fetched.long_data, data);
    assert!(fetched.create_time.is_some());
    let left = fetched.expire_seconds.unwrap();
    assert!((1..=3600).contains(&left), "{left}");
}

#[tokio::test]
async fn a_key_is_gone_once_expired_47003() {
    let env = env(1).await;
    let key = env
        .client
        .shorturls()
        .shorten("data")
        .expire_seconds(60)
        .await
        .unwrap();
    env.advance(61).await;
    assert_eq!(
        errcode(env.client.shorturls().fetch(key.as_str()).await),
        47003
    );
}

#[tokio::test]
async fn an_unknown_key_is_47003() {
    let env = env(1).await;
    assert_eq!(errcode(env.client.shorturls().fetch("nokey").await), 47003);
}

#[tokio::test]
async fn without_expiry_a_key_lives_30_days() {
    let env = env(1).await;
    let key = env.client.shorturls().shorten("data").await.unwrap();
    env.advance(2_592_000 - 10).await;
    let fetched = env.client.shorturls().fetch(key.as_str()).await.unwrap();
    assert_eq!(fetched.long_data, "data");
}

#[tokio::test]
#[allow(deprecated, reason = "long2short is retired but still served")]
async fn long2short_answers_a_short_url() {
    let env = env(1).await;
    let short = env
        .client
        .shorturls()
        .long2short("https://example.com/a/very/long/path?x=1")
        .await
        .unwrap();
    assert!(short.starts_with("http"), "{short}");
    let body = env.last_body("/cgi-bin/shorturl").await;
    assert_eq!(body["action"], "long2short");
}

#[tokio::test]
#[allow(deprecated, reason = "long2short is retired but still served")]
async fn long2short_takes_a_weixin_url() {
    // The platform's other schemes (40048) are refused by the client before sending.
    let env = env(1).await;
    let short = env
        .client
        .shorturls()
        .long2short("weixin://dl/chat")
        .await
        .unwrap();
    assert!(short.starts_with("https://"), "{short}");
}
