//! `openapi/quota/get` and `openapi/quota/clear` (api-reference-2 §8): one path's count
//! started again, 50 clears a month, and each refusal in its own test (47003 without a path,
//! 76021 a path without a quota, 76022 an `/sns/` path, 48006 past 50 clears).

use serde_json::{Value, json};
use wxoa_sandbox::{Quotas, Sandbox};

use crate::support::{Env, assert_errcode, assert_ok, env, env_with};

const USERS: &str = "/cgi-bin/user/get";

async fn clear(env: &Env, path: &str) -> Value {
    env.post("/cgi-bin/openapi/quota/clear", &json!({"cgi_path": path}))
        .await
}

async fn used(env: &Env, path: &str) -> Value {
    let body = env
        .post("/cgi-bin/openapi/quota/get", &json!({"cgi_path": path}))
        .await;
    body["quota"]["used"].clone()
}

#[tokio::test]
async fn clearing_a_path_starts_its_count_again_and_no_other() {
    let quotas = Quotas::default()
        .set(USERS, 10)
        .set("/cgi-bin/getcallbackip", 10);
    let mut env = env_with(Sandbox::builder().followers(2).quotas(quotas)).await;
    env.advance_to_day_start().await;
    env.get(USERS).await;
    env.get(USERS).await;
    env.get("/cgi-bin/getcallbackip").await;
    assert_eq!(used(&env, USERS).await, 2);
    assert_ok(&clear(&env, USERS).await);
    assert_eq!(used(&env, USERS).await, 0);
    assert_eq!(used(&env, "/cgi-bin/getcallbackip").await, 1);
}

#[tokio::test]
async fn clearing_without_a_path_is_47003() {
    let env = env().await;
    let body = env.post("/cgi-bin/openapi/quota/clear", &json!({})).await;
    assert_errcode(&body, 47003);
}

#[tokio::test]
async fn clearing_a_path_without_a_quota_is_76021() {
    let env = env().await;
    assert_errcode(&clear(&env, "/cgi-bin/nothing/here").await, 76021);
}

#[tokio::test]
async fn clearing_an_sns_path_is_76022() {
    let env = env().await;
    assert_errcode(&clear(&env, "/sns/userinfo").await, 76022);
}

#[tokio::test]
async fn the_quota_of_an_sns_path_is_76022() {
    let env = env().await;
    let body = env
        .post(
            "/cgi-bin/openapi/quota/get",
            &json!({"cgi_path": "/sns/oauth2/access_token"}),
        )
        .await;
    assert_errcode(&body, 76022);
}

#[tokio::test]
async fn the_51st_clear_of_a_month_is_48006() {
    let mut env = env_with(Sandbox::builder().quotas(Quotas::default().set(USERS, 10))).await;
    env.advance_to_day_start().await;
    for _ in 0..50 {
        assert_ok(&clear(&env, USERS).await);
    }
    assert_errcode(&clear(&env, USERS).await, 48006);
}
