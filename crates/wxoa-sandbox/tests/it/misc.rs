//! IP lists, the callback check, `clear_quota` and daily quotas.

use serde_json::json;
use wxoa_sandbox::{DEFAULT_APP_ID, Quotas, Sandbox};

use crate::support::{assert_errcode, assert_fixture_shape, assert_ok, env, env_with, request};

#[tokio::test]
async fn ip_lists_have_the_spec_shape() {
    let env = env().await;
    for path in ["/cgi-bin/getcallbackip", "/cgi-bin/get_api_domain_ip"] {
        assert_fixture_shape(&env.get(path).await, "misc", "ip_list");
    }
}

#[tokio::test]
async fn the_callback_check_has_the_spec_shape() {
    let env = env().await;
    let body = env
        .post(
            "/cgi-bin/callback/check",
            &request("misc", "callback_check", &[]),
        )
        .await;
    assert_fixture_shape(&body, "misc", "callback_check");
}

#[tokio::test]
async fn the_callback_check_refuses_unknown_actions() {
    let env = env().await;
    let body = env
        .post(
            "/cgi-bin/callback/check",
            &json!({"action": "trace", "check_operator": "DEFAULT"}),
        )
        .await;
    assert_errcode(&body, 47003);
}

#[tokio::test]
async fn a_daily_quota_answers_45009_and_clear_quota_resets_it() {
    let mut env =
        env_with(Sandbox::builder().quotas(Quotas::default().set("/cgi-bin/user/get", 2))).await;
    env.advance_to_day_start().await;
    env.get("/cgi-bin/user/get").await;
    env.get("/cgi-bin/user/get").await;
    assert_errcode(&env.get("/cgi-bin/user/get").await, 45009);
    let clear = request("misc", "clear_quota", &[("APPID", json!(DEFAULT_APP_ID))]);
    assert_ok(&env.post("/cgi-bin/clear_quota", &clear).await);
    assert!(env.get("/cgi-bin/user/get").await.get("total").is_some());
}

#[tokio::test]
async fn quotas_reset_at_midnight_beijing_time() {
    let mut env =
        env_with(Sandbox::builder().quotas(Quotas::default().set("/cgi-bin/user/get", 1))).await;
    env.advance_to_day_start().await;
    env.get("/cgi-bin/user/get").await;
    assert_errcode(&env.get("/cgi-bin/user/get").await, 45009);
    env.advance_to_day_start().await;
    assert!(env.get("/cgi-bin/user/get").await.get("total").is_some());
}

#[tokio::test]
async fn clear_quota_is_limited_to_10_a_month() {
    let env = env().await;
    let clear = request("misc", "clear_quota", &[("APPID", json!(DEFAULT_APP_ID))]);
    for _ in 0..10 {
        assert_ok(&env.post("/cgi-bin/clear_quota", &clear).await);
    }
    assert_errcode(&env.post("/cgi-bin/clear_quota", &clear).await, 48006);
}

#[tokio::test]
async fn clear_quota_needs_the_callers_appid() {
    let env = env().await;
    assert_errcode(&env.post("/cgi-bin/clear_quota", &json!({})).await, 41002);
    let other = json!({"appid": "wxffffffffffffffff"});
    assert_errcode(&env.post("/cgi-bin/clear_quota", &other).await, 40013);
}
