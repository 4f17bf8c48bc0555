//! The control API and what every API call goes through: the calls log, faults, the clock,
//! the failover listener, bad input.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use wxoa_sandbox::Sandbox;

use crate::support::{assert_errcode, client, env, env_with, json_of};

#[tokio::test]
async fn followers_are_listed_with_limit_and_offset() {
    let env = env().await;
    let (status, all) = env.control_get("/sandbox/followers?limit=100").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["total"], 20);
    let all = all["openids"].as_array().unwrap().clone();
    assert_eq!(all.len(), 20);
    let (_, page) = env
        .control_get("/sandbox/followers?limit=5&offset=10")
        .await;
    assert_eq!(page["openids"].as_array().unwrap()[..], all[10..15]);
    let (status, _) = env.control_get("/sandbox/followers?limit=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_followers_and_another_seed_others() {
    let a = env_with(Sandbox::builder().followers(50).seed(9)).await;
    let b = env_with(Sandbox::builder().followers(50).seed(9)).await;
    let c = env_with(Sandbox::builder().followers(50).seed(10)).await;
    let a = a.followers(50).await;
    assert_eq!(a, b.followers(50).await);
    assert_ne!(a, c.followers(50).await);
    for openid in &a {
        assert_eq!(openid.len(), 28);
        assert!(openid.starts_with('o'));
        assert!(
            openid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        );
    }
}

#[tokio::test]
async fn the_clock_moves_forward_only() {
    let env = env().await;
    let (_, before) = env.control_get("/sandbox/clock").await;
    let (status, after) = env
        .control_post("/sandbox/clock", &json!({"advance": 3600}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(after["now"].as_i64().unwrap() >= before["now"].as_i64().unwrap() + 3600);
    let (status, _) = env
        .control_post("/sandbox/clock", &json!({"advance": -1}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_errcode_fault_answers_the_next_k_calls() {
    let env = env().await;
    let (status, _) = env
        .control_post(
            "/sandbox/faults",
            &json!({"path": "/cgi-bin/getcallbackip", "errcode": -1, "times": 2}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_errcode(&env.get("/cgi-bin/getcallbackip").await, -1);
    assert_errcode(&env.get("/cgi-bin/getcallbackip").await, -1);
    assert!(
        env.get("/cgi-bin/getcallbackip")
            .await
            .get("ip_list")
            .is_some()
    );
}

#[tokio::test]
async fn a_delay_fault_holds_the_answer() {
    let env = env().await;
    env.control_post(
        "/sandbox/faults",
        &json!({"path": "/cgi-bin/getcallbackip", "delay_ms": 300}),
    )
    .await;
    let started = Instant::now();
    assert!(
        env.get("/cgi-bin/getcallbackip")
            .await
            .get("ip_list")
            .is_some()
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    let started = Instant::now();
    env.get("/cgi-bin/getcallbackip").await;
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn a_drop_fault_closes_the_connection_without_an_answer() {
    let env = env().await;
    env.control_post(
        "/sandbox/faults",
        &json!({"path": "/cgi-bin/getcallbackip", "drop": true}),
    )
    .await;
    let result = env.http.get(env.api("/cgi-bin/getcallbackip")).send().await;
    let error = result.expect_err("the connection is dropped");
    assert!(!error.is_timeout(), "{error}");
    assert!(
        env.get("/cgi-bin/getcallbackip")
            .await
            .get("ip_list")
            .is_some()
    );
    let (_, calls) = env
        .control_get("/sandbox/calls?path=/cgi-bin/getcallbackip")
        .await;
    assert_eq!(calls[0]["fault"], "drop");
    assert_eq!(calls[0]["errcode"], Value::Null);
    assert_eq!(calls[1]["errcode"], 0);
}

#[tokio::test]
async fn faults_are_cleared_by_delete() {
    let env = env().await;
    env.control_post(
        "/sandbox/faults",
        &json!({"path": "/cgi-bin/getcallbackip", "errcode": 45009, "times": 5}),
    )
    .await;
    let (_, listed) = env.control_get("/sandbox/faults").await;
    assert_eq!(listed[0]["times"], 5);
    let response = env
        .http
        .delete(env.url("/sandbox/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        env.get("/cgi-bin/getcallbackip")
            .await
            .get("ip_list")
            .is_some()
    );
}

#[tokio::test]
async fn malformed_faults_are_refused() {
    let env = env().await;
    for body in [
        json!({"path": "/cgi-bin/x"}),
        json!({"path": "/cgi-bin/x", "errcode": 1, "drop": true}),
        json!({"errcode": 1}),
        json!({"path": "/cgi-bin/x", "errcode": 1, "times": 0}),
    ] {
        let (status, body) = env.control_post("/sandbox/faults", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["error"].is_string());
    }
}

#[tokio::test]
async fn the_calls_log_records_every_call_without_secrets() {
    let env = env().await;
    env.post("/cgi-bin/tags/create", &json!({"tag": {"name": "a"}}))
        .await;
    env.post_text("/cgi-bin/tags/create", "{bad").await;
    let (_, calls) = env.control_get("/sandbox/calls").await;
    let calls = calls.as_array().unwrap();
    let token_call = &calls[0];
    assert_eq!(token_call["path"], "/cgi-bin/token");
    assert_eq!(token_call["method"], "GET");
    assert_eq!(token_call["query"]["secret"], "***");
    assert_eq!(token_call["query"]["appid"], wxoa_sandbox::DEFAULT_APP_ID);
    assert_eq!(token_call["errcode"], 0);
    assert!(token_call["at"].as_i64().unwrap() > 1_600_000_000);
    let text = serde_json::to_string(&calls).unwrap();
    assert!(!text.contains(wxoa_sandbox::DEFAULT_APP_SECRET));
    assert!(!text.contains(&env.token));
    let (_, tags) = env
        .control_get("/sandbox/calls?path=/cgi-bin/tags/create")
        .await;
    assert_eq!(tags.as_array().unwrap().len(), 2);
    assert_eq!(tags[0]["body"], json!({"tag": {"name": "a"}}));
    assert_eq!(tags[0]["query"]["access_token"], "***");
    assert_eq!(tags[1]["body"], "{bad");
    assert_eq!(tags[1]["errcode"], 47001);
}

#[tokio::test]
async fn secrets_in_json_bodies_are_removed_from_the_log() {
    let env = env().await;
    let body = json!({"grant_type": "client_credential", "appid": wxoa_sandbox::DEFAULT_APP_ID,
                      "secret": wxoa_sandbox::DEFAULT_APP_SECRET});
    env.http
        .post(env.url("/cgi-bin/stable_token"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let (_, calls) = env
        .control_get("/sandbox/calls?path=/cgi-bin/stable_token")
        .await;
    assert_eq!(calls[0]["body"]["secret"], "***");
    assert_eq!(calls[0]["body"]["appid"], wxoa_sandbox::DEFAULT_APP_ID);
}

#[tokio::test]
async fn a_wrong_method_is_43001_or_43002() {
    let env = env().await;
    let body: Value = json_of(env.http.post(env.api("/cgi-bin/user/get"))).await;
    assert_errcode(&body, 43001);
    let body: Value = json_of(env.http.get(env.api("/cgi-bin/tags/create"))).await;
    assert_errcode(&body, 43002);
}

#[tokio::test]
async fn malformed_json_is_47001_and_an_empty_body_44002() {
    let env = env().await;
    assert_errcode(
        &env.post_text("/cgi-bin/tags/create", "{\"tag\":").await,
        47001,
    );
    assert_errcode(&env.post_text("/cgi-bin/tags/create", "[1,2]").await, 47001);
    assert_errcode(
        &env.post_text("/cgi-bin/tags/create", "{\"tag\":{\"name\":5}}")
            .await,
        47001,
    );
    assert_errcode(&env.post_text("/cgi-bin/tags/create", "").await, 44002);
}

#[tokio::test]
async fn unicode_escapes_of_non_ascii_text_are_40033() {
    let env = env().await;
    let body = r#"{"tag":{"name":"\u5e7f\u4e1c"}}"#;
    assert_errcode(&env.post_text("/cgi-bin/tags/create", body).await, 40033);
}

#[tokio::test]
async fn an_unknown_path_is_404_with_an_error_body() {
    let env = env().await;
    let response = env
        .http
        .get(env.api("/cgi-bin/nothing/here"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert_errcode(&body, 48001);
}

#[tokio::test]
async fn oversized_and_binary_bodies_never_cause_a_500() {
    let env = env().await;
    let garbage: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let response = env
        .http
        .post(env.api("/cgi-bin/tags/create"))
        .body(garbage)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_errcode(&body, 47001);
}

#[tokio::test]
async fn the_api2_listener_shares_the_state_and_can_be_faulted_alone() {
    let env = env().await;
    let api2 = env.sandbox.start_api2().await.unwrap();
    assert_ne!(api2, env.sandbox.base_url());
    env.control_post(
        "/sandbox/faults",
        &json!({"path": "/cgi-bin/getcallbackip", "drop": true, "listener": "api", "times": 1}),
    )
    .await;
    let http = client();
    let url = format!("{api2}/cgi-bin/getcallbackip?access_token={}", env.token);
    let body = json_of(http.get(&url)).await;
    assert!(body.get("ip_list").is_some(), "{body}");
    assert!(
        env.http
            .get(env.api("/cgi-bin/getcallbackip"))
            .send()
            .await
            .is_err()
    );
    let (_, calls) = env
        .control_get("/sandbox/calls?path=/cgi-bin/getcallbackip")
        .await;
    assert_eq!(calls[0]["listener"], "api2");
    assert_eq!(calls[1]["listener"], "api");
}
