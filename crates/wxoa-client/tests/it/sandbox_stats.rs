//! `client.stats()` against the sandbox (api-reference-2 §3): every endpoint, long ranges
//! split into the calls each endpoint allows and merged, the request body of the fixtures, and
//! each refusal — the platform's (span, today) and the client's own (order, first day).

use serde_json::json;
use wxoa_client::api::stats::{CountInterval, Date, DateRange};

use crate::sandbox_env::{Env, env, errcode, fixture, refused};

fn yesterday(env: &Env) -> Date {
    Date::of_unix(env.sandbox.now()).add_days(-1)
}

#[tokio::test]
async fn ninety_days_of_followers_take_thirteen_calls_each() {
    let env = env(5).await;
    let end = yesterday(&env);
    let days = env
        .client
        .stats()
        .users(DateRange::new(end.add_days(-89), end))
        .await
        .unwrap();
    assert_eq!(days.len(), 90);
    assert_eq!(days.first().unwrap().ref_date, end.add_days(-89));
    assert!(days.iter().all(|d| d.cumulate_user == 5 && d.net() == 0));
    assert_eq!(env.calls("/datacube/getusersummary").await.len(), 13);
    assert_eq!(env.calls("/datacube/getusercumulate").await.len(), 13);
    let body = env.last_body("/datacube/getusercumulate").await;
    let expected = fixture("datacube", "request.json");
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&body), keys(&expected));
    assert_eq!(body["end_date"], json!(end));
}

#[tokio::test]
async fn every_endpoint_answers_over_a_month() {
    let env = env(3).await;
    let openid = env.followers(1).await.remove(0);
    env.message_from(&openid).await;
    env.advance(86_400).await;
    let end = yesterday(&env);
    let range = DateRange::new(end.add_days(-34), end);
    let stats = env.client.stats();
    assert_eq!(stats.user_summary(range).await.unwrap().len(), 35);
    assert_eq!(stats.user_cumulate(range).await.unwrap().len(), 35);
    assert!(stats.article_summary(range).await.unwrap().is_empty());
    assert!(stats.article_total(range).await.unwrap().is_empty());
    assert!(stats.user_read(range).await.unwrap().is_empty());
    assert!(stats.user_read_hour(range).await.unwrap().is_empty());
    assert!(stats.user_share(range).await.unwrap().is_empty());
    assert!(stats.user_share_hour(range).await.unwrap().is_empty());
    let msgs = stats.upstream_msg(range).await.unwrap();
    assert_eq!(
        (msgs.len(), msgs[0].msg_count, msgs[0].ref_date),
        (1, 1, end)
    );
    assert_eq!(stats.upstream_msg_hour(range).await.unwrap()[0].msg_user, 1);
    let weeks = stats.upstream_msg_week(range).await.unwrap();
    assert_eq!((weeks.len(), weeks[0].ref_date), (1, end.monday()));
    let months = stats.upstream_msg_month(range).await.unwrap();
    assert_eq!(
        (months.len(), months[0].ref_date),
        (1, end.first_of_month())
    );
    assert_eq!(
        stats.upstream_msg_dist(range).await.unwrap()[0].count_interval,
        CountInterval::OneToFive
    );
    assert_eq!(stats.upstream_msg_dist_week(range).await.unwrap().len(), 1);
    assert_eq!(stats.upstream_msg_dist_month(range).await.unwrap().len(), 1);
    assert!(stats.interface_summary(range).await.unwrap().is_empty());
    assert!(
        stats
            .interface_summary_hour(range)
            .await
            .unwrap()
            .is_empty()
    );
    let biz = stats.biz_summary(range).await.unwrap();
    assert_eq!((biz.len(), biz[0].detail.read_user), (35, 0));
    assert!(stats.article_read(range).await.unwrap().is_empty());
    assert!(stats.article_share(range).await.unwrap().is_empty());
    assert!(stats.article_total_detail(range).await.unwrap().is_empty());
    assert_eq!(env.calls("/datacube/getarticletotaldetail").await.len(), 35);
}

#[tokio::test]
async fn one_call_over_the_span_is_refused_by_the_platform() {
    let env = env(1).await;
    let end = yesterday(&env);
    let query = env
        .client
        .stats()
        .user_summary(DateRange::new(end.add_days(-7), end))
        .single_call();
    assert_eq!(query.calls().unwrap().len(), 1);
    assert_eq!(errcode(query.await), 61501);
}

#[tokio::test]
async fn a_range_ending_today_is_refused_by_the_platform() {
    let env = env(1).await;
    let today = yesterday(&env).add_days(1);
    let result = env
        .client
        .stats()
        .interface_summary(DateRange::day(today))
        .await;
    assert_eq!(errcode(result), 61501);
}

#[tokio::test]
async fn a_range_ending_before_it_begins_never_leaves() {
    let env = env(1).await;
    let end = yesterday(&env);
    let result = env
        .client
        .stats()
        .upstream_msg(DateRange::new(end, end.add_days(-1)))
        .await;
    assert!(refused(result).contains("end_date: must not be before begin_date"));
    assert!(env.calls("/datacube/getupstreammsg").await.is_empty());
}

#[tokio::test]
async fn a_range_before_the_first_day_of_data_never_leaves() {
    let env = env(1).await;
    let day: Date = "2025-10-31".parse().unwrap();
    let result = env.client.stats().biz_summary(DateRange::day(day)).await;
    assert!(refused(result).contains("no data before 2025-11-01"));
    let old: Date = "2014-11-30".parse().unwrap();
    let result = env.client.stats().user_cumulate(DateRange::day(old)).await;
    assert!(refused(result).contains("no data before 2014-12-01"));
}
