//! The store's fetch lock across token-server instances: a caller that disconnects while the
//! platform is slow does not cancel the fetch the others wait for, the lock is released as soon
//! as the fetch ends, waiters wait as long as the lock can live, and a fetch slower than the
//! lock may be held is given up and the lock released — never left to expire.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::{Value, json};
use wxoa_client::token::{RedisStore, TokenKey, TokenKind, TokenStore};
use wxoa_sandbox::DEFAULT_APP_ID;
use wxoa_testkit::Redis;

use crate::*;

/// Whether nobody holds the access token's fetch lock in `redis` (taken and released at once
/// to find out).
async fn lock_is_free(redis: &str) -> bool {
    let store = RedisStore::new(redis).unwrap();
    let key = TokenKey::new(DEFAULT_APP_ID, TokenKind::AccessToken);
    match store.try_lock(&key, Duration::from_secs(5)).await.unwrap() {
        Some(lock) => {
            store.unlock(lock).await.unwrap();
            true
        }
        None => false,
    }
}

/// `GET /token` on each of `bases`, `per_base` times, all at once: every answer must be 200; the
/// tokens answered.
async fn concurrent_tokens(bases: &[&str], per_base: usize) -> Vec<String> {
    let calls = bases
        .iter()
        .flat_map(|base| (0..per_base).map(move |_| get_token(base)));
    join_all(calls)
        .await
        .into_iter()
        .map(|body| {
            body["access_token"]
                .as_str()
                .unwrap_or_else(|| panic!("{body}"))
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_caller_that_disconnects_does_not_cancel_the_fetch_the_others_wait_for() {
    let Some(redis) = Redis::start_private() else {
        return;
    };
    let platform = Platform::start().await;
    let store = || Arc::new(RedisStore::new(redis.url()).unwrap());
    let a = start(platform.client(store()).build().unwrap()).await;
    let b = start(platform.client(store()).build().unwrap()).await;
    platform
        .fault(json!({"path": "/cgi-bin/stable_token", "delay_ms": 1500, "times": 1}))
        .await;
    let started = Instant::now();
    // The first caller gives up while instance A fetches under the lock.
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let gone = impatient
        .get(format!("{}/token", a.base))
        .bearer_auth(AUTH)
        .send()
        .await;
    assert!(gone.is_err_and(|e| e.is_timeout()));
    assert!(
        !lock_is_free(redis.url()).await,
        "A's fetch still holds the lock"
    );

    let tokens = concurrent_tokens(&[&a.base, &b.base], 20).await;
    assert!(tokens.iter().all(|t| t == &tokens[0]));
    assert_eq!(
        platform.stable_token_fetches().await,
        (1, 0),
        "one fetch for both instances, the disconnected caller's"
    );
    // Nobody waited for the lock to expire (30 s) or gave up on it.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(
        lock_is_free(redis.url()).await,
        "released when the fetch ended"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn waiters_wait_as_long_as_the_lock_can_live() {
    let Some(redis) = Redis::start_private() else {
        return;
    };
    let platform = Platform::start().await;
    // The lock lives 4 s and the platform takes 3 s: waiters of the other instance must not
    // give up and fetch themselves before the lock's holder is done.
    let instance = || {
        platform
            .client(Arc::new(RedisStore::new(redis.url()).unwrap()))
            .store_lock(Duration::from_secs(4))
            .build()
            .unwrap()
    };
    let a = start(instance()).await;
    let b = start(instance()).await;
    platform
        .fault(json!({"path": "/cgi-bin/stable_token", "delay_ms": 3000, "times": 1}))
        .await;
    let first = tokio::spawn(get_token_owned(a.base.clone()));
    // A has taken the lock (and waits for the platform) before B's callers arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!lock_is_free(redis.url()).await);
    let tokens = concurrent_tokens(&[&a.base, &b.base], 10).await;
    let first = first.await.unwrap();
    assert!(tokens.iter().all(|t| t.as_str() == first["access_token"]));
    assert_eq!(platform.stable_token_fetches().await, (1, 0));
    assert!(lock_is_free(redis.url()).await);
}

async fn get_token_owned(base: String) -> Value {
    get_token(&base).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_fetch_slower_than_the_lock_may_be_held_is_given_up_and_the_lock_released() {
    let Some(redis) = Redis::start_private() else {
        return;
    };
    let platform = Platform::start().await;
    // The lock lives 5 s: its holder gives up after 4.5 s, half a second before it would expire.
    let running = start(
        platform
            .client(Arc::new(RedisStore::new(redis.url()).unwrap()))
            .store_lock(Duration::from_secs(5))
            .build()
            .unwrap(),
    )
    .await;
    platform
        .fault(json!({"path": "/cgi-bin/stable_token", "delay_ms": 20000, "times": 1}))
        .await;
    let started = Instant::now();
    let answer = http()
        .get(format!("{}/token", running.base))
        .bearer_auth(AUTH)
        .send()
        .await
        .unwrap();
    let waited = started.elapsed();
    let free = lock_is_free(redis.url()).await;
    assert_eq!(answer.status(), 502);
    let body: Value = answer.json().await.unwrap();
    assert!(
        body["errmsg"].as_str().unwrap().contains("was given up"),
        "{body}"
    );
    assert!(
        (Duration::from_secs(4)..Duration::from_secs(5)).contains(&waited),
        "{waited:?}"
    );
    assert!(free, "released by its holder, not left to expire");
    // The next caller fetches at once.
    assert!(get_token(&running.base).await["access_token"].is_string());
}
