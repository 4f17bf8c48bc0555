//! `/cgi-bin/token`, `/cgi-bin/stable_token`, `/cgi-bin/ticket/getticket`, and how every API
//! treats access tokens.

use serde_json::{Value, json};
use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET, Quotas, Sandbox};

use crate::support::{Env, assert_errcode, assert_fixture_shape, env, env_with, json_of, request};

/// Any API that needs only a token.
const PROBE: &str = "/cgi-bin/getcallbackip";

async fn classic(env: &Env, query: &str) -> Value {
    let url = env.url(&format!("/cgi-bin/token?{query}"));
    json_of(env.http.get(url)).await
}

fn credentials() -> String {
    format!("grant_type=client_credential&appid={DEFAULT_APP_ID}&secret={DEFAULT_APP_SECRET}")
}

async fn probe(env: &Env, token: &str) -> Value {
    let url = env.url(&format!("{PROBE}?access_token={token}"));
    json_of(env.http.get(url)).await
}

async fn stable(env: &Env, body: &Value) -> Value {
    let url = env.url("/cgi-bin/stable_token");
    json_of(env.http.post(url).json(body)).await
}

fn stable_request(force: bool) -> Value {
    let mut body = request(
        "token",
        "stable_token",
        &[
            ("APPID", json!(DEFAULT_APP_ID)),
            ("APPSECRET", json!(DEFAULT_APP_SECRET)),
        ],
    );
    body["force_refresh"] = json!(force);
    body
}

#[tokio::test]
async fn each_call_issues_a_new_token_shaped_like_the_spec() {
    let env = env().await;
    let first = classic(&env, &credentials()).await;
    let second = classic(&env, &credentials()).await;
    assert_fixture_shape(&first, "token", "token");
    assert_eq!(first["expires_in"], 7200);
    assert_ne!(first["access_token"], second["access_token"]);
    assert!(first["access_token"].as_str().unwrap().len() <= 512);
}

#[tokio::test]
async fn the_previous_token_works_five_more_minutes_then_answers_40001() {
    let env = env().await;
    let old = env.token.clone();
    let new = classic(&env, &credentials()).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(probe(&env, &old).await.get("ip_list").is_some());
    env.advance(290).await;
    assert!(probe(&env, &old).await.get("ip_list").is_some());
    env.advance(10).await;
    assert_errcode(&probe(&env, &old).await, 40001);
    assert!(probe(&env, &new).await.get("ip_list").is_some());
}

#[tokio::test]
async fn a_token_expires_after_7200_seconds_with_42001() {
    let env = env().await;
    env.advance(7190).await;
    assert!(probe(&env, &env.token).await.get("ip_list").is_some());
    env.advance(10).await;
    assert_errcode(&probe(&env, &env.token).await, 42001);
}

#[tokio::test]
async fn a_missing_token_is_41001() {
    let env = env().await;
    let body: Value = json_of(env.http.get(env.url(PROBE))).await;
    assert_errcode(&body, 41001);
}

#[tokio::test]
async fn a_malformed_token_is_40014() {
    let env = env().await;
    assert_errcode(&probe(&env, "not-a-token!").await, 40014);
    assert_errcode(&probe(&env, "short").await, 40014);
}

#[tokio::test]
async fn an_unknown_well_formed_token_is_40001() {
    let env = env().await;
    let forged = format!("86_{}", "A".repeat(150));
    assert_errcode(&probe(&env, &forged).await, 40001);
}

#[tokio::test]
async fn grant_type_must_be_client_credential() {
    let env = env().await;
    let query = format!("appid={DEFAULT_APP_ID}&secret={DEFAULT_APP_SECRET}");
    assert_errcode(&classic(&env, &query).await, 40002);
    assert_errcode(
        &classic(&env, &format!("grant_type=password&{query}")).await,
        40002,
    );
}

#[tokio::test]
async fn a_missing_appid_is_41002() {
    let env = env().await;
    let query = format!("grant_type=client_credential&secret={DEFAULT_APP_SECRET}");
    assert_errcode(&classic(&env, &query).await, 41002);
}

#[tokio::test]
async fn a_missing_secret_is_41004() {
    let env = env().await;
    let query = format!("grant_type=client_credential&appid={DEFAULT_APP_ID}");
    assert_errcode(&classic(&env, &query).await, 41004);
}

#[tokio::test]
async fn an_unknown_or_malformed_appid_is_40013() {
    let env = env().await;
    for appid in ["wxffffffffffffffff", "not-an-appid"] {
        let query =
            format!("grant_type=client_credential&appid={appid}&secret={DEFAULT_APP_SECRET}");
        assert_errcode(&classic(&env, &query).await, 40013);
    }
}

#[tokio::test]
async fn a_malformed_secret_is_40125_and_a_wrong_one_40001() {
    let env = env().await;
    let base = format!("grant_type=client_credential&appid={DEFAULT_APP_ID}");
    assert_errcode(&classic(&env, &format!("{base}&secret=oops")).await, 40125);
    let wrong = "f".repeat(32);
    assert_errcode(
        &classic(&env, &format!("{base}&secret={wrong}")).await,
        40001,
    );
}

#[tokio::test]
async fn the_token_endpoint_requires_get() {
    let env = env().await;
    let url = env.url(&format!("/cgi-bin/token?{}", credentials()));
    let body: Value = json_of(env.http.post(url)).await;
    assert_errcode(&body, 43001);
}

#[tokio::test]
async fn the_daily_token_quota_answers_45009_until_the_next_day() {
    let mut env =
        env_with(Sandbox::builder().quotas(Quotas::default().set("/cgi-bin/token", 3))).await;
    // Moving to the next day took the first token of that day.
    env.advance_to_day_start().await;
    for _ in 0..2 {
        assert!(
            classic(&env, &credentials())
                .await
                .get("access_token")
                .is_some()
        );
    }
    assert_errcode(&classic(&env, &credentials()).await, 45009);
    env.advance(86_400).await;
    assert!(
        classic(&env, &credentials())
            .await
            .get("access_token")
            .is_some()
    );
}

#[tokio::test]
async fn stable_token_returns_the_same_token_while_valid() {
    let env = env().await;
    let first = stable(&env, &stable_request(false)).await;
    assert_fixture_shape(&first, "token", "stable_token");
    assert_eq!(first["expires_in"], 7200);
    env.advance(100).await;
    let second = stable(&env, &stable_request(false)).await;
    assert_eq!(first["access_token"], second["access_token"]);
    assert_remaining(&second, 7100);
}

#[tokio::test]
async fn stable_token_rotates_in_its_last_five_minutes_and_the_old_one_lasts_until_expiry() {
    let env = env().await;
    let first = stable(&env, &stable_request(false)).await;
    env.advance(6_901).await;
    let second = stable(&env, &stable_request(false)).await;
    assert_ne!(first["access_token"], second["access_token"]);
    assert_eq!(second["expires_in"], 7200);
    let old = first["access_token"].as_str().unwrap();
    assert!(probe(&env, old).await.get("ip_list").is_some());
    env.advance(299).await;
    assert_errcode(&probe(&env, old).await, 42001);
}

#[tokio::test]
async fn stable_and_classic_tokens_are_independent() {
    let env = env().await;
    let stable_token = stable(&env, &stable_request(false)).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let classic_token = env.token.clone();
    classic(&env, &credentials()).await;
    env.advance(400).await;
    assert!(probe(&env, &stable_token).await.get("ip_list").is_some());
    assert_errcode(&probe(&env, &classic_token).await, 40001);
    let again = stable(&env, &stable_request(false)).await;
    assert_eq!(again["access_token"], stable_token.as_str());
}

#[tokio::test]
async fn force_refresh_replaces_the_stable_token_at_once() {
    let env = env().await;
    let first = stable(&env, &stable_request(false)).await;
    env.advance(30).await;
    let forced = stable(&env, &stable_request(true)).await;
    assert_ne!(first["access_token"], forced["access_token"]);
    assert_errcode(
        &probe(&env, first["access_token"].as_str().unwrap()).await,
        40001,
    );
    assert!(
        probe(&env, forced["access_token"].as_str().unwrap())
            .await
            .get("ip_list")
            .is_some()
    );
}

#[tokio::test]
async fn force_refresh_within_30_seconds_refreshes_nothing() {
    let env = env().await;
    let first = stable(&env, &stable_request(true)).await;
    env.advance(25).await;
    let second = stable(&env, &stable_request(true)).await;
    assert_eq!(first["access_token"], second["access_token"]);
    assert_remaining(&second, 7175);
    env.advance(5).await;
    let third = stable(&env, &stable_request(true)).await;
    assert_ne!(first["access_token"], third["access_token"]);
}

#[tokio::test]
async fn force_refresh_is_limited_to_20_a_day() {
    let mut env = env().await;
    env.advance_to_day_start().await;
    for _ in 0..20 {
        assert!(
            stable(&env, &stable_request(true))
                .await
                .get("access_token")
                .is_some()
        );
        env.advance(30).await;
    }
    assert_errcode(&stable(&env, &stable_request(true)).await, 45009);
}

#[tokio::test]
async fn stable_token_checks_credentials_like_token() {
    let env = env().await;
    let mut body = stable_request(false);
    body["grant_type"] = json!("nope");
    assert_errcode(&stable(&env, &body).await, 40002);
    let mut body = stable_request(false);
    body["appid"] = json!("wxffffffffffffffff");
    assert_errcode(&stable(&env, &body).await, 40013);
    let mut body = stable_request(false);
    body["secret"] = json!("bad");
    assert_errcode(&stable(&env, &body).await, 40125);
    let mut body = stable_request(false);
    body.as_object_mut().unwrap().remove("appid");
    assert_errcode(&stable(&env, &body).await, 41002);
    let mut body = stable_request(false);
    body.as_object_mut().unwrap().remove("secret");
    assert_errcode(&stable(&env, &body).await, 41004);
}

#[tokio::test]
async fn stable_token_requires_post_and_json() {
    let env = env().await;
    let body: Value = json_of(env.http.get(env.url("/cgi-bin/stable_token"))).await;
    assert_errcode(&body, 43002);
    let body: Value = json_of(
        env.http
            .post(env.url("/cgi-bin/stable_token"))
            .body("{not json"),
    )
    .await;
    assert_errcode(&body, 47001);
}

#[tokio::test]
async fn tickets_are_issued_for_jsapi_and_wx_card() {
    let env = env().await;
    for kind in ["jsapi", "wx_card"] {
        let body = env
            .get(&format!("/cgi-bin/ticket/getticket?type={kind}"))
            .await;
        assert_fixture_shape(&body, "ticket", "getticket");
        assert_eq!(body["expires_in"], 7200);
        assert_eq!(body["errcode"], 0);
    }
}

#[tokio::test]
async fn a_ticket_type_other_than_jsapi_or_wx_card_is_refused() {
    let env = env().await;
    assert_errcode(&env.get("/cgi-bin/ticket/getticket?type=card").await, 40035);
}

/// `expires_in` is `expected`, give or take the seconds the test itself took.
#[track_caller]
fn assert_remaining(body: &Value, expected: i64) {
    let left = body["expires_in"].as_i64().unwrap();
    assert!(
        (expected - 5..=expected).contains(&left),
        "expires_in {left}, expected {expected}"
    );
}
