//! Short links: `shorturl` and short keys.

use serde_json::json;

use crate::support::{assert_errcode, assert_fixture_shape, env, request};

#[tokio::test]
async fn shorturl_has_the_spec_shape_and_checks_its_input() {
    let env = env().await;
    let body = env
        .post("/cgi-bin/shorturl", &request("shorten", "shorturl", &[]))
        .await;
    assert_fixture_shape(&body, "shorten", "shorturl");
    let bad = json!({"action": "short2long", "long_url": "http://a.com"});
    assert_errcode(&env.post("/cgi-bin/shorturl", &bad).await, 40035);
    let bad = json!({"action": "long2short", "long_url": "not a url"});
    assert_errcode(&env.post("/cgi-bin/shorturl", &bad).await, 40048);
}

#[tokio::test]
async fn a_short_key_holds_its_data_until_it_expires() {
    let mut env = env().await;
    let generated = env
        .post("/cgi-bin/shorten/gen", &request("shorten", "gen", &[]))
        .await;
    assert_fixture_shape(&generated, "shorten", "gen");
    let key = generated["short_key"].clone();
    assert_eq!(key.as_str().unwrap().len(), 15);
    let fetch = request("shorten", "fetch", &[("SHORT_KEY", key)]);
    let fetched = env.post("/cgi-bin/shorten/fetch", &fetch).await;
    assert_fixture_shape(&fetched, "shorten", "fetch");
    assert_eq!(fetched["long_data"], "loooooong data");
    assert!(fetched["expire_seconds"].as_i64().unwrap() <= 86_400);
    env.advance(86_400).await;
    env.refresh_token().await;
    assert_errcode(&env.post("/cgi-bin/shorten/fetch", &fetch).await, 47003);
}

#[tokio::test]
async fn short_keys_last_30_days_by_default_and_at_most() {
    let env = env().await;
    let key = env
        .post("/cgi-bin/shorten/gen", &json!({"long_data": "x"}))
        .await["short_key"]
        .clone();
    let fetched = env
        .post("/cgi-bin/shorten/fetch", &json!({"short_key": key}))
        .await;
    assert!(fetched["expire_seconds"].as_i64().unwrap() > 2_591_990);
    let long = json!({"long_data": "x", "expire_seconds": 2_592_001});
    assert_errcode(&env.post("/cgi-bin/shorten/gen", &long).await, 9_410_011);
}

#[tokio::test]
async fn long_data_is_required_and_at_most_4_kb() {
    let env = env().await;
    assert_errcode(&env.post("/cgi-bin/shorten/gen", &json!({})).await, 47003);
    let big = json!({"long_data": "x".repeat(4097)});
    assert_errcode(&env.post("/cgi-bin/shorten/gen", &big).await, 9_410_010);
    let fits = json!({"long_data": "x".repeat(4096)});
    assert_eq!(env.post("/cgi-bin/shorten/gen", &fits).await["errcode"], 0);
    assert_errcode(&env.post_text("/cgi-bin/shorten/gen", "").await, 44002);
    assert_errcode(&env.post_text("/cgi-bin/shorten/gen", "{").await, 47001);
}

#[tokio::test]
async fn an_unknown_key_is_47003() {
    let env = env().await;
    let body = json!({"short_key": "nothing"});
    assert_errcode(&env.post("/cgi-bin/shorten/fetch", &body).await, 47003);
}
