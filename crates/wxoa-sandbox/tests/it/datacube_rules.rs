//! Analytics' settings where the sources disagree ([`AnalyticsRules`], api-reference-2 §3):
//! each endpoint's span, the code of a range ending today or running backwards, yesterday's
//! figures not ready before an hour (61503), an unverified account (48001, kept in the state
//! file), the original article endpoints offline (47009). Each error case is its own test.

use std::path::Path;

use serde_json::Value;
use wxoa_sandbox::{AccountConfig, AnalyticsRules, Sandbox, SandboxBuilder};
use wxoa_types::datacube::{ENDPOINTS, Family, Spans};
use wxoa_types::date::Date;

use crate::datacube::{each_span_holds, query};
use crate::support::{Env, assert_errcode, client, env_with, fixture};

fn yesterday(env: &Env) -> Date {
    Date::of_unix(env.sandbox.now()).add_days(-1)
}

/// The refusal of fixture `error_<code>.json` (written from the spec): its code, in the
/// platform's error shape.
#[track_caller]
fn assert_refused(body: &Value, code: i64) {
    let expected = fixture("datacube", &format!("error_{code}"));
    assert_errcode(body, expected["errcode"].as_i64().unwrap());
}

async fn env_ruled(rules: AnalyticsRules) -> Env {
    env_with(
        Sandbox::builder()
            .followers(3)
            .seed(1)
            .analytics_rules(rules),
    )
    .await
}

#[tokio::test]
async fn a_span_set_longer_answers_up_to_it() {
    let mut rules = AnalyticsRules::default();
    rules.spans = "getarticleread=30".parse().unwrap();
    let env = env_ruled(rules).await;
    let end = yesterday(&env);
    let month = query(&env, "getarticleread", end.add_days(-29), end).await;
    assert!(month["list"].is_array(), "{month}");
    // The other endpoints keep the original documentation's span.
    let share = query(&env, "getarticleshare", end.add_days(-1), end).await;
    assert_errcode(&share, 61501);
}

#[tokio::test]
async fn a_day_over_a_span_set_longer_is_61501() {
    let mut rules = AnalyticsRules::default();
    rules.spans = "getarticleread=30".parse().unwrap();
    let env = env_ruled(rules).await;
    let end = yesterday(&env);
    let body = query(&env, "getarticleread", end.add_days(-30), end).await;
    assert_refused(&body, 61501);
    assert!(body["errmsg"].as_str().unwrap().contains("at most 30 days"));
}

#[tokio::test]
async fn a_day_over_the_current_pages_spans_is_61501() {
    let mut rules = AnalyticsRules::default();
    rules.spans = Spans::current();
    let env = env_ruled(rules).await;
    each_span_holds(&env, &Spans::current()).await;
}

#[tokio::test]
async fn a_range_ending_today_answers_the_code_set() {
    let mut rules = AnalyticsRules::default();
    rules.range_errcode = 47003;
    let env = env_ruled(rules).await;
    let today = yesterday(&env).add_days(1);
    let body = query(&env, "getusersummary", today, today).await;
    assert_errcode(&body, 47003);
    assert!(body["errmsg"].to_string().contains("not before today"));
}

#[tokio::test]
async fn a_range_running_backwards_answers_the_code_set() {
    let mut rules = AnalyticsRules::default();
    rules.range_errcode = 47003;
    let env = env_ruled(rules).await;
    let end = yesterday(&env);
    let body = query(&env, "getupstreammsg", end, end.add_days(-1)).await;
    assert_errcode(&body, 47003);
    // A span over the table stays 61501 whatever the setting.
    let long = query(&env, "getupstreammsg", end.add_days(-7), end).await;
    assert_errcode(&long, 61501);
}

/// Moves the clock to one minute past the next midnight (Beijing) and takes a new token.
async fn to_just_after_midnight(env: &mut Env) {
    env.advance_to_day_start().await;
}

#[tokio::test]
async fn yesterday_before_the_ready_hour_is_61503() {
    let mut rules = AnalyticsRules::default();
    rules.ready_hour = 8;
    let mut env = env_ruled(rules).await;
    to_just_after_midnight(&mut env).await;
    let end = yesterday(&env);
    let body = query(&env, "getusercumulate", end.add_days(-2), end).await;
    assert_refused(&body, 61503);
    assert!(
        body["errmsg"]
            .as_str()
            .unwrap()
            .contains("ready from 08:00")
    );
    // The days before are ready.
    let before = query(&env, "getusercumulate", end.add_days(-2), end.add_days(-1)).await;
    assert_eq!(before["list"].as_array().unwrap().len(), 2, "{before}");
}

#[tokio::test]
async fn yesterday_from_the_ready_hour_on_answers() {
    let mut rules = AnalyticsRules::default();
    rules.ready_hour = 8;
    let mut env = env_ruled(rules).await;
    to_just_after_midnight(&mut env).await;
    env.advance(8 * 3_600).await;
    env.refresh_token().await;
    let end = yesterday(&env);
    let body = query(&env, "getusercumulate", end, end).await;
    assert_eq!(body["list"][0]["cumulate_user"], 3, "{body}");
}

#[tokio::test]
async fn the_default_ready_hour_never_answers_61503() {
    let mut env = env_ruled(AnalyticsRules::default()).await;
    to_just_after_midnight(&mut env).await;
    let end = yesterday(&env);
    let body = query(&env, "getusercumulate", end, end).await;
    assert!(body["list"].is_array(), "{body}");
}

#[tokio::test]
async fn an_unverified_account_is_48001_on_every_endpoint() {
    let account = AccountConfig::default().verified(false);
    let env = env_with(Sandbox::builder().account(account)).await;
    let end = yesterday(&env);
    for endpoint in ENDPOINTS {
        let body = query(&env, endpoint.name, end, end).await;
        assert_refused(&body, 48001);
    }
}

#[tokio::test]
async fn an_unverified_account_stays_so_in_the_state_file_until_configured_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.json");
    let account = AccountConfig::default().verified(false);
    let env = env_with(Sandbox::builder().account(account).state_file(&path)).await;
    let token = env.token.clone();
    env.sandbox.shutdown().await.unwrap();
    let saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["state"]["accounts"][0]["unverified"], true);

    let env = restart(Sandbox::builder(), &path, &token).await;
    let end = yesterday(&env);
    assert_errcode(&query(&env, "getusersummary", end, end).await, 48001);
    env.sandbox.shutdown().await.unwrap();

    let verified = AccountConfig::default().verified(true);
    let env = restart(Sandbox::builder().account(verified), &path, &token).await;
    let body = query(&env, "getusersummary", end, end).await;
    assert!(body["list"].is_array(), "{body}");
}

/// The sandbox of `builder` on the state file at `path`, with a token it issued before.
async fn restart(builder: SandboxBuilder, path: &Path, token: &str) -> Env {
    let sandbox = builder.state_file(path).start().await.unwrap();
    Env {
        sandbox,
        http: client(),
        token: token.to_owned(),
    }
}

#[tokio::test]
async fn the_original_article_endpoints_offline_are_47009() {
    let mut rules = AnalyticsRules::default();
    rules.old_articles_offline = true;
    let env = env_ruled(rules).await;
    let end = yesterday(&env);
    for endpoint in ENDPOINTS {
        let body = query(&env, endpoint.name, end, end).await;
        if endpoint.family == Family::Articles {
            assert_refused(&body, 47009);
            assert!(body["errmsg"].as_str().unwrap().contains("offline"));
        } else {
            assert!(body["list"].is_array(), "{}: {body}", endpoint.name);
        }
    }
}
