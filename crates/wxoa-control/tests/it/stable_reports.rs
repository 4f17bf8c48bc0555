//! CONTRACT §5: reports of a token that `stable_token` still answers (its normal mode answers
//! the current token, which may be the very one reported) cost one normal fetch and at most one
//! forced refresh, however many callers and instances; the quota guard never stops serving a
//! token that is still valid, and says why and until when it refuses.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use serde_json::Value;
use wxoa_client::token::{MemoryStore, QuotaPolicy, RedisStore};
use wxoa_sandbox::DEFAULT_APP_ID;
use wxoa_testkit::Redis;

use crate::*;

/// `count` concurrent reports of `token`, spread round-robin over `bases`: every answer must be
/// 200; the tokens answered.
async fn reports(bases: &[&str], token: &str, count: usize) -> Vec<String> {
    let answers = join_all((0..count).map(|i| report(bases[i % bases.len()], token))).await;
    let mut tokens = Vec::new();
    for answer in answers {
        assert_eq!(answer.status(), 200);
        let body: Value = answer.json().await.unwrap();
        tokens.push(body["access_token"].as_str().unwrap().to_owned());
    }
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_reports_of_a_token_stable_token_still_answers_cost_one_fetch_and_one_forced_refresh()
 {
    let platform = Platform::start().await;
    let running = start(
        platform
            .client(Arc::new(MemoryStore::new()))
            .build()
            .unwrap(),
    )
    .await;
    let reported = get_token(&running.base).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(platform.stable_token_fetches().await, (1, 0));

    let tokens = reports(&[&running.base], &reported, 100).await;
    assert_eq!(
        platform.stable_token_fetches().await,
        (2, 1),
        "one normal fetch (which answered the reported token again) and one forced refresh"
    );
    let current = &tokens[0];
    assert_ne!(current, &reported);
    assert!(
        tokens.iter().all(|t| t == current),
        "one token for every caller"
    );
    assert!(
        platform.accepts(current).await,
        "the platform's current token"
    );
    assert!(
        !platform.accepts(&reported).await,
        "the forced refresh ended it"
    );

    // Late reports of the replaced token, and a report of garbage, fetch nothing.
    let late = reports(&[&running.base], &reported, 50).await;
    assert!(late.iter().all(|t| t == current));
    assert_eq!(
        &reports(&[&running.base], "not-a-token", 1).await,
        std::slice::from_ref(current)
    );
    assert_eq!(platform.stable_token_fetches().await, (2, 1));
    let metrics = metrics(&running.base).await;
    for expected in [
        format!("wxoa_token_fetches_total{{appid=\"{DEFAULT_APP_ID}\"}} 3"),
        format!("wxoa_token_forced_refreshes_total{{appid=\"{DEFAULT_APP_ID}\"}} 1"),
        format!("wxoa_token_invalidations_total{{appid=\"{DEFAULT_APP_ID}\"}} 151"),
        format!(
            "wxoa_token_quota_refusals_total{{appid=\"{DEFAULT_APP_ID}\",kind=\"access_token\"}} 0"
        ),
    ] {
        assert!(metrics.contains(&expected), "{expected} in\n{metrics}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_redis_replace_a_reported_token_once() {
    let Some(redis) = Redis::start_private() else {
        return;
    };
    let platform = Platform::start().await;
    let store = || Arc::new(RedisStore::new(redis.url()).unwrap());
    let a = start(platform.client(store()).build().unwrap()).await;
    let b = start(platform.client(store()).build().unwrap()).await;
    let reported = get_token(&a.base).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(get_token(&b.base).await["access_token"], reported.as_str());
    assert_eq!(platform.stable_token_fetches().await, (1, 0));

    let tokens = reports(&[&a.base, &b.base], &reported, 100).await;
    assert_eq!(
        platform.stable_token_fetches().await,
        (2, 1),
        "one normal fetch and one forced refresh for both instances"
    );
    let current = &tokens[0];
    assert_ne!(current, &reported);
    assert!(tokens.iter().all(|t| t == current));
    assert!(platform.accepts(current).await);
    for base in [&a.base, &b.base] {
        assert_eq!(get_token(base).await["access_token"], current.as_str());
    }
    let late = reports(&[&a.base, &b.base], &reported, 20).await;
    assert!(late.iter().all(|t| t == current));
    assert_eq!(platform.stable_token_fetches().await, (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_answered_again_after_a_forced_refresh_is_kept_and_reports_of_it_fetch_nothing() {
    let platform = Platform::start().await;
    let running = start(
        platform
            .client(Arc::new(MemoryStore::new()))
            .build()
            .unwrap(),
    )
    .await;
    let first = get_token(&running.base).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = reports(&[&running.base], &first, 1).await.remove(0);
    assert_eq!(platform.stable_token_fetches().await, (2, 1));
    // The platform forces at most one refresh in 30 s: reports of the new token get it back.
    let tokens = reports(&[&running.base], &second, 100).await;
    assert!(
        tokens.iter().all(|t| t == &second),
        "the platform's current token"
    );
    assert_eq!(
        platform.stable_token_fetches().await,
        (3, 2),
        "one normal fetch and one (refused) forced refresh, then nothing"
    );
    assert!(platform.accepts(&second).await);
}

#[tokio::test]
async fn the_quota_guard_never_stops_serving_a_valid_token_and_says_until_when() {
    let platform = Platform::start().await;
    let client = platform
        .client(Arc::new(MemoryStore::new()))
        .token_quota(QuotaPolicy {
            max_fetches: 1,
            window: Duration::from_secs(3600),
        })
        .build()
        .unwrap();
    let running = start(client).await;
    let token = get_token(&running.base).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = wxoa_testkit::unix_seconds();

    // Replacing the reported token needs a fetch: refused, typed, with why and until when.
    let refused = report(&running.base, &token).await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3500..=3600).contains(&retry_after), "{retry_after}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "token_quota");
    assert_eq!(body["appid"], DEFAULT_APP_ID);
    assert_eq!(body["kind"], "access_token");
    let retry_at = body["retry_at"].as_u64().unwrap();
    assert!(
        retry_at >= before + 3500 && retry_at <= before + 3601,
        "{body}"
    );
    let errmsg = body["errmsg"].as_str().unwrap();
    assert!(
        errmsg.contains("refusing to fetch") && errmsg.contains(&retry_at.to_string()),
        "{errmsg}"
    );
    assert!(!errmsg.contains(&token), "never the token itself");

    // The token in place is still valid: every route keeps serving it.
    for _ in 0..5 {
        assert_eq!(
            get_token(&running.base).await["access_token"],
            token.as_str()
        );
    }
    assert!(platform.accepts(&token).await);
    assert_eq!(platform.stable_token_fetches().await, (1, 0));
    let metrics = metrics(&running.base).await;
    for expected in [
        format!(
            "wxoa_token_quota_refusals_total{{appid=\"{DEFAULT_APP_ID}\",kind=\"access_token\"}} 1"
        ),
        format!(
            "wxoa_token_quota_refusing_until_seconds{{appid=\"{DEFAULT_APP_ID}\",kind=\"access_token\"}} {retry_at}"
        ),
        format!(
            "wxoa_token_quota_refusing_until_seconds{{appid=\"{DEFAULT_APP_ID}\",kind=\"jsapi\"}} 0"
        ),
    ] {
        assert!(metrics.contains(&expected), "{expected} in\n{metrics}");
    }
}

#[tokio::test]
async fn a_forced_refresh_refused_by_the_guard_still_answers_the_current_token() {
    let platform = Platform::start().await;
    let client = platform
        .client(Arc::new(MemoryStore::new()))
        .token_quota(QuotaPolicy {
            max_fetches: 2,
            window: Duration::from_secs(3600),
        })
        .build()
        .unwrap();
    let running = start(client).await;
    let token = get_token(&running.base).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // The normal fetch answers the reported token again; the guard refuses the forced refresh:
    // every caller gets the platform's current token, which is the reported one.
    let tokens = reports(&[&running.base], &token, 20).await;
    assert!(tokens.iter().all(|t| t == &token));
    assert_eq!(platform.stable_token_fetches().await, (2, 0));
    let metrics = metrics(&running.base).await;
    assert!(
        metrics.contains(&format!(
            "wxoa_token_quota_refusals_total{{appid=\"{DEFAULT_APP_ID}\",kind=\"access_token\"}} 1"
        )),
        "{metrics}"
    );
}
