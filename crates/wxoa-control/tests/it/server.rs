//! CONTRACT §5 and issue 7's tests.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use serde_json::json;
use wxoa_client::token::{FileStore, RedisStore, RemoteTokenSource, TokenSource};
use wxoa_client::{Account, Client, RetryPolicy};
use wxoa_sandbox::DEFAULT_APP_ID;

use crate::*;

#[tokio::test]
async fn five_hundred_cold_callers_cause_one_fetch_and_get_one_token() {
    let stub = crate::platform().await;
    stub.control()
        .faults()
        .delay_token_fetches(Duration::from_millis(100), u32::MAX)
        .await
        .unwrap();
    let running = start_memory(&stub).await;
    let answers = join_all((0..500).map(|_| get_token(&running.base))).await;
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    let first = &answers[0]["access_token"];
    assert!(first.is_string());
    assert!(answers.iter().all(|a| &a["access_token"] == first));
    let expires_at = answers[0]["expires_at"].as_u64().unwrap();
    let now = wxoa_testkit::unix_seconds();
    assert!(
        expires_at > now + 7000 && expires_at <= now + 7200,
        "{expires_at} vs {now}"
    );
}

#[tokio::test]
async fn every_route_needs_the_bearer_token() {
    let stub = crate::platform().await;
    let running = start_memory(&stub).await;
    for path in [
        "/token",
        "/ticket/jsapi",
        "/ticket/wx_card",
        "/healthz",
        "/metrics",
    ] {
        let missing = http()
            .get(format!("{}{path}", running.base))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 401, "{path}");
        let wrong = http()
            .get(format!("{}{path}", running.base))
            .bearer_auth("nope")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401, "{path}");
        let almost = http()
            .get(format!("{}{path}", running.base))
            .bearer_auth(format!("{AUTH}x"))
            .send()
            .await
            .unwrap();
        assert_eq!(almost.status(), 401, "{path}");
    }
    let post = http()
        .post(format!("{}/token/invalidate", running.base))
        .json(&json!({"access_token": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 401);
    assert_eq!(
        stub.control().token_fetches().await.unwrap(),
        0,
        "a refused caller never causes a fetch"
    );
    let ok = http()
        .get(format!("{}/healthz", running.base))
        .bearer_auth(AUTH)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn a_hundred_reports_of_the_current_token_cause_one_fetch() {
    let stub = crate::platform().await;
    stub.control()
        .faults()
        .delay_token_fetches(Duration::from_millis(50), u32::MAX)
        .await
        .unwrap();
    let running = start_memory(&stub).await;
    let current = get_token(&running.base).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    stub.control().revoke_tokens().await.unwrap();
    let reports = join_all((0..100).map(|_| {
        http()
            .post(format!("{}/token/invalidate", running.base))
            .bearer_auth(AUTH)
            .json(&json!({ "access_token": current }))
            .send()
    }))
    .await;
    let mut tokens = Vec::new();
    for report in reports {
        let body: serde_json::Value = report.unwrap().json().await.unwrap();
        tokens.push(body["access_token"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        stub.control().token_fetches().await.unwrap(),
        2,
        "one fetch however many callers report the token"
    );
    assert!(tokens.iter().all(|t| t == &tokens[0] && t != &current));
    // A report of the old token now replaces nothing.
    let again: serde_json::Value = http()
        .post(format!("{}/token/invalidate", running.base))
        .bearer_auth(AUTH)
        .json(&json!({ "access_token": current }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["access_token"], tokens[0].as_str());
    assert_eq!(
        stub.control().token_fetches().await.unwrap(),
        2,
        "an old token is no reason to fetch"
    );
    let metrics = http()
        .get(format!("{}/metrics", running.base))
        .bearer_auth(AUTH)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(&format!(
            "wxoa_token_fetches_total{{appid=\"{DEFAULT_APP_ID}\"}} 2"
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!(
            "wxoa_token_invalidations_total{{appid=\"{DEFAULT_APP_ID}\"}}"
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains("wxoa_token_seconds_to_expiry"),
        "{metrics}"
    );
    assert!(!metrics.contains(&tokens[0]), "metrics never show a token");
}

#[tokio::test]
async fn tickets_are_served_and_errors_keep_the_platform_shape() {
    let stub = crate::platform().await;
    let running = start_memory(&stub).await;
    for path in ["jsapi", "wx_card"] {
        let body: serde_json::Value = http()
            .get(format!("{}/ticket/{path}", running.base))
            .bearer_auth(AUTH)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(body["ticket"].is_string(), "{body}");
        assert!(body["expires_at"].is_u64(), "{body}");
    }
    let unknown = http()
        .get(format!("{}/token?appid=wxffffffffffffffff", running.base))
        .bearer_auth(AUTH)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["errcode"], 40013);
}

#[tokio::test]
async fn a_restart_with_the_file_store_fetches_nothing() {
    let stub = crate::platform().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let first = start(upstream_client(&stub, Arc::new(FileStore::new(&path)))).await;
    let token = get_token(&first.base).await;
    drop(first);
    let second = start(upstream_client(&stub, Arc::new(FileStore::new(&path)))).await;
    assert_eq!(get_token(&second.base).await, token);
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
}

#[tokio::test]
async fn two_instances_on_one_redis_fetch_once() {
    let Some(redis) = wxoa_testkit::Redis::start() else {
        return;
    };
    let stub = crate::platform().await;
    stub.control()
        .faults()
        .delay_token_fetches(Duration::from_millis(100), u32::MAX)
        .await
        .unwrap();
    let store = || Arc::new(RedisStore::new(redis.url()).unwrap());
    let a = start(upstream_client(&stub, store())).await;
    let b = start(upstream_client(&stub, store())).await;
    let answers =
        join_all((0..100).map(|i| get_token(if i % 2 == 0 { &a.base } else { &b.base }))).await;
    assert_eq!(
        stub.control().token_fetches().await.unwrap(),
        1,
        "one upstream fetch for both instances"
    );
    assert!(
        answers
            .iter()
            .all(|x| x["access_token"] == answers[0]["access_token"])
    );
}

#[tokio::test]
async fn a_client_of_the_server_recovers_from_40001_through_it() {
    let stub = crate::platform().await;
    let running = start_memory(&stub).await;
    let business = Client::builder()
        .account(Account::without_secret(DEFAULT_APP_ID))
        .api_bases([stub.base_url()])
        .token_source(TokenSource::remote(
            RemoteTokenSource::new(&running.base, Some(AUTH.into())).unwrap(),
        ))
        .retry(RetryPolicy {
            initial_backoff: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    business
        .get_json("/cgi-bin/getcallbackip", &[])
        .await
        .unwrap();
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    // Another party replaces the token: the next call gets 40001, reports it to the server,
    // which fetches once, and the call succeeds on its one retry.
    stub.control().revoke_tokens().await.unwrap();
    business
        .get_json("/cgi-bin/getcallbackip", &[])
        .await
        .unwrap();
    assert_eq!(stub.control().token_fetches().await.unwrap(), 2);
    assert_eq!(
        stub.control()
            .count("/cgi-bin/getcallbackip")
            .await
            .unwrap(),
        3
    );
    // The business process never called the platform's token endpoints itself.
    assert_eq!(
        stub.control().count("/cgi-bin/stable_token").await.unwrap(),
        2,
        "both fetches were the server's"
    );
}

#[tokio::test]
async fn keep_fresh_refreshes_ahead_of_expiry() {
    // Tokens live 2 s: the token machinery refreshes at half their life at the latest.
    let stub = wxoa_sandbox::Sandbox::builder()
        .token_lifetime(Duration::from_secs(2))
        .start()
        .await
        .unwrap();
    let running = start_memory(&stub).await;
    get_token(&running.base).await;
    let server = running.server.clone();
    let task = tokio::spawn(async move { server.keep_fresh(Duration::from_millis(50)).await });
    for _ in 0..100 {
        if stub.control().token_fetches().await.unwrap() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();
    assert!(
        stub.control().token_fetches().await.unwrap() >= 2,
        "the background pass refreshed the token"
    );
}
