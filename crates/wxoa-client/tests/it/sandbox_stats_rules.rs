//! `client.stats()` against a sandbox with analytics' settings where the sources disagree
//! (api-reference-2 §3): a span table given to the client splits ranges by it, and the
//! platform's refusals arrive typed — 61503 data not ready, 48001 an unverified account,
//! 47009 the original article endpoints offline, the range code a setting — each its own test.

use wxoa_client::api::stats::{Date, DateRange, Spans};
use wxoa_client::{ErrCode, Error};
use wxoa_sandbox::{AccountConfig, AnalyticsRules, Sandbox};
use wxoa_types::errcode::RetryClass;

use crate::sandbox_env::{Env, env, env_with, errcode};

fn yesterday(env: &Env) -> Date {
    Date::of_unix(env.sandbox.now()).add_days(-1)
}

async fn env_ruled(rules: AnalyticsRules) -> Env {
    env_with(
        Sandbox::builder()
            .followers(2)
            .seed(3)
            .analytics_rules(rules),
    )
    .await
}

/// The platform's typed code of a failed call.
#[track_caller]
fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> ErrCode {
    match result {
        Err(Error::Api { code, .. }) => code,
        other => panic!("expected a platform error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wider_span_table_takes_one_call_where_the_default_takes_thirty() {
    let spans: Spans = "getarticleread=30".parse().unwrap();
    let mut rules = AnalyticsRules::default();
    rules.spans = spans.clone();
    let env = env_ruled(rules).await;
    let end = yesterday(&env);
    let month = DateRange::new(end.add_days(-29), end);
    let stats = env.client.stats();
    assert_eq!(stats.article_read(month).calls().unwrap().len(), 30);
    let wide = stats.with_spans(spans);
    assert_eq!(wide.spans().to_string(), "getarticleread=30");
    assert!(wide.article_read(month).await.unwrap().is_empty());
    assert_eq!(env.calls("/datacube/getarticleread").await.len(), 1);
    // Other endpoints keep the original documentation's span.
    assert_eq!(wide.article_share(month).calls().unwrap().len(), 30);
}

#[tokio::test]
async fn a_span_table_wider_than_the_platforms_is_refused_61501() {
    let env = env(1).await;
    let end = yesterday(&env);
    let spans: Spans = "getarticleread=30".parse().unwrap();
    let result = env
        .client
        .stats()
        .with_spans(spans)
        .article_read(DateRange::new(end.add_days(-1), end))
        .await;
    assert_eq!(code(result), ErrCode::DateRangeError);
}

#[tokio::test]
async fn yesterday_before_the_ready_hour_is_61503_data_not_ready() {
    let mut rules = AnalyticsRules::default();
    rules.ready_hour = 8;
    let env = env_ruled(rules).await;
    // One minute past the next midnight in Beijing.
    let now = env.sandbox.now();
    let beijing = now + 8 * 3_600;
    let midnight = (beijing.div_euclid(86_400) + 1) * 86_400 - 8 * 3_600;
    env.advance(midnight - now + 60).await;
    let end = yesterday(&env);
    let error = env
        .client
        .stats()
        .user_cumulate(DateRange::day(end))
        .await
        .unwrap_err();
    assert!(error.advice().unwrap().contains("after 08:00"), "{error}");
    let code = code::<()>(Err(error));
    assert_eq!(code, ErrCode::DataNotReady);
    assert_eq!(code.retry_class(), RetryClass::Wait);
    let before = env
        .client
        .stats()
        .user_cumulate(DateRange::day(end.add_days(-1)))
        .await
        .unwrap();
    assert_eq!(before.len(), 1);
}

#[tokio::test]
async fn an_unverified_account_is_48001_api_unauthorized() {
    let account = AccountConfig::default().verified(false);
    let env = env_with(Sandbox::builder().account(account)).await;
    let end = yesterday(&env);
    let result = env.client.stats().users(DateRange::day(end)).await;
    assert_eq!(code(result), ErrCode::ApiUnauthorized);
}

#[tokio::test]
async fn the_original_article_endpoints_offline_are_47009_api_offline() {
    let mut rules = AnalyticsRules::default();
    rules.old_articles_offline = true;
    let env = env_ruled(rules).await;
    let end = yesterday(&env);
    let stats = env.client.stats();
    let result = stats.user_read(DateRange::day(end)).await;
    assert_eq!(code(result), ErrCode::ApiOffline);
    // Their replacement answers.
    assert!(stats.article_read(DateRange::day(end)).await.is_ok());
}

#[tokio::test]
async fn the_code_of_a_range_ending_today_is_the_platforms_setting() {
    let mut rules = AnalyticsRules::default();
    rules.range_errcode = 47003;
    let env = env_ruled(rules).await;
    let today = yesterday(&env).add_days(1);
    let result = env.client.stats().upstream_msg(DateRange::day(today)).await;
    assert_eq!(errcode(result), 47003);
}
