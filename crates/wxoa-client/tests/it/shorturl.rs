//! `client.shorturls()` (api-reference §12) against the stub platform.

#![allow(deprecated)]

use serde_json::json;

use crate::contract_env::{contract, platform_error, refused_locally, request_fixture};

const SHORTURL: &str = "/cgi-bin/shorturl";
const GEN: &str = "/cgi-bin/shorten/gen";
const FETCH: &str = "/cgi-bin/shorten/fetch";
const LONG_URL: &str =
    "http://wap.koudaitong.com/v2/showcase/goods?alias=128wi9shh&spm=h56083&redirect_count=1";

#[tokio::test]
async fn long2short_sends_the_spec_body() {
    let env = contract().await;
    env.answer_fixture(SHORTURL, "shorten", "shorturl").await;
    let short = env.client.shorturls().long2short(LONG_URL).await.unwrap();
    assert_eq!(short, "https://w.url.cn/s/AvCo6Ih");
    assert_eq!(
        env.last_json(SHORTURL),
        request_fixture("shorten", "shorturl", &[])
    );
}

refused_locally!(
    long2short_needs_a_web_url,
    SHORTURL,
    ("long_url", "http, https or weixin URL"),
    |client| client.shorturls().long2short("ftp://example.com/file")
);

refused_locally!(
    long2short_needs_a_url,
    SHORTURL,
    ("long_url", "must not be empty"),
    |client| client.shorturls().long2short("")
);

platform_error!(
    long2short_with_a_bad_url_is_40039,
    SHORTURL,
    40039,
    |client| client.shorturls().long2short(LONG_URL)
);

#[tokio::test]
async fn shorten_sends_the_spec_body_and_answers_the_key() {
    let env = contract().await;
    env.answer_fixture(GEN, "shorten", "gen").await;
    let key = env
        .client
        .shorturls()
        .shorten("loooooong data")
        .expire_seconds(86_400)
        .await
        .unwrap();
    assert_eq!(key, "iTqRJFSEqk9RvPk");
    assert_eq!(env.last_json(GEN), request_fixture("shorten", "gen", &[]));
}

#[tokio::test]
async fn shorten_leaves_the_default_expiry_to_the_platform() {
    let env = contract().await;
    env.answer_fixture(GEN, "shorten", "gen").await;
    env.client.shorturls().shorten("d").await.unwrap();
    assert_eq!(env.last_json(GEN), json!({"long_data": "d"}));
}

#[tokio::test]
async fn shorten_takes_4096_bytes_and_30_days() {
    let env = contract().await;
    env.answer_fixture(GEN, "shorten", "gen").await;
    env.client
        .shorturls()
        .shorten("x".repeat(4096))
        .expire_seconds(2_592_000)
        .await
        .unwrap();
    assert_eq!(env.calls(GEN).await, 1);
}

refused_locally!(
    shorten_refuses_more_than_4096_bytes,
    GEN,
    ("long_data", "at most 4096 bytes, got 4098"),
    |client| client
        .shorturls()
        .shorten(format!("{}字", "x".repeat(4095)))
);

refused_locally!(
    shorten_refuses_empty_data,
    GEN,
    ("long_data", "must not be empty"),
    |client| client.shorturls().shorten("")
);

refused_locally!(
    shorten_refuses_more_than_30_days,
    GEN,
    ("expire_seconds", "1..=2592000 (30 days), got 2592001"),
    |client| client.shorturls().shorten("d").expire_seconds(2_592_001)
);

refused_locally!(
    shorten_refuses_a_zero_expiry,
    GEN,
    ("expire_seconds", "1..=2592000"),
    |client| client.shorturls().shorten("d").expire_seconds(0)
);

platform_error!(shorten_empty_body_is_44002, GEN, 44002, |client| client
    .shorturls()
    .shorten("d"));

platform_error!(shorten_bad_json_is_47001, GEN, 47001, |client| client
    .shorturls()
    .shorten("d"));

platform_error!(shorten_missing_long_data_is_47003, GEN, 47003, |client| {
    client.shorturls().shorten("d")
});

platform_error!(
    shorten_long_data_too_long_is_9410010,
    GEN,
    9_410_010,
    |client| client.shorturls().shorten("d")
);

platform_error!(
    shorten_expiry_too_large_is_9410011,
    GEN,
    9_410_011,
    |client| client.shorturls().shorten("d").expire_seconds(60)
);

#[tokio::test]
async fn fetch_answers_the_data() {
    let env = contract().await;
    env.answer_fixture(FETCH, "shorten", "fetch").await;
    let data = env.client.shorturls().fetch("SHORT_KEY").await.unwrap();
    assert_eq!(
        env.last_json(FETCH),
        request_fixture("shorten", "fetch", &[])
    );
    assert_eq!(data.long_data, "loooooong data");
    assert_eq!(data.create_time, Some(1_611_047_541));
    assert_eq!(data.expire_seconds, Some(86_300));
}

#[tokio::test]
async fn fetch_is_retried_as_a_read() {
    let env = contract().await;
    // Faults apply in the order given: the 502 first, then the fixture for every call.
    env.platform
        .control()
        .faults()
        .status(FETCH, 502, 1)
        .await
        .unwrap();
    env.answer_fixture(FETCH, "shorten", "fetch").await;
    env.client.shorturls().fetch("k").await.unwrap();
    assert_eq!(env.calls(FETCH).await, 2);
}

refused_locally!(
    fetch_needs_a_key,
    FETCH,
    ("short_key", "must not be empty"),
    |client| client.shorturls().fetch("")
);

platform_error!(fetch_of_a_bad_key_is_47003, FETCH, 47003, |client| client
    .shorturls()
    .fetch("nope"));
