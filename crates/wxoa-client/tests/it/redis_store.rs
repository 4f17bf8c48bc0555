//! The Redis store: shared tokens across clients, and surviving a Redis that dies mid-run.
//!
//! The tests follow the rule of `wxoa-testkit`: `REDIS_URL` when it is set, else a private
//! `redis-server` on a free port; when neither is possible they fail if `CI` is set and print a
//! loud SKIP otherwise. The test that kills Redis always needs a private one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wxoa_client::token::{RedisStore, TokenKey, TokenKind};
use wxoa_testkit::Redis;

use crate::{builder_for, concurrent_gets, logs, unique_account};

const READ: &str = "/cgi-bin/getcallbackip";

async fn get_raw(url: &str, key: &str) -> Option<String> {
    let client = redis::Client::open(url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut connection)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_clients_sharing_redis_fetch_one_token() {
    let Some(redis) = Redis::start() else { return };
    let url = redis.url().to_owned();
    let stub = crate::platform().await;
    stub.control()
        .faults()
        .delay_token_fetches(Duration::from_millis(200), u32::MAX)
        .await
        .unwrap();
    let (app_id, account) = unique_account(&stub);
    let clients: Vec<_> = (0..2)
        .map(|_| {
            builder_for(&stub, account.clone())
                .store(Arc::new(RedisStore::new(&url).unwrap()))
                .build()
                .unwrap()
        })
        .collect();
    concurrent_gets(&clients, 50, READ).await;
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    assert_eq!(stub.control().count(READ).await.unwrap(), 100);

    // The key is namespaced by the AppID and holds the token, never the secret.
    let key = RedisStore::key(&TokenKey::new(app_id.as_str(), TokenKind::AccessToken));
    assert_eq!(key, format!("wxoa:{{{app_id}}}:access_token"));
    let raw = get_raw(&url, &key).await.unwrap();
    let token = clients[0].access_token().await.unwrap();
    assert!(raw.contains(token.expose()));
    assert!(!raw.contains(&format!("secret-{app_id}")));
    // The fetch lock was released.
    assert!(get_raw(&url, &format!("{key}:lock")).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_run_serves_from_memory_and_recovers() {
    // This test stops and restarts its Redis: it needs a private one, even when REDIS_URL is set.
    let Some(mut server) = Redis::start_private() else {
        return;
    };
    let url = server.url().to_owned();
    let stub = crate::platform().await;
    let (app_id, account) = unique_account(&stub);
    let store = || {
        Arc::new(
            RedisStore::new(&url)
                .unwrap()
                .with_op_timeout(Duration::from_millis(300)),
        )
    };
    let client = builder_for(&stub, account.clone())
        .store(store())
        .build()
        .unwrap();
    client.get_json(READ, &[]).await.unwrap();
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    let key = RedisStore::key(&TokenKey::new(app_id.as_str(), TokenKind::AccessToken));
    assert!(get_raw(&url, &key).await.is_some());

    assert!(server.stop());

    // Warm calls never touch the store.
    for _ in 0..20 {
        client.get_json(READ, &[]).await.unwrap();
    }
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    // A rejected token must be replaced while Redis is down: done in memory.
    stub.control().revoke_tokens().await.unwrap();
    client.get_json(READ, &[]).await.unwrap();
    assert_eq!(stub.control().token_fetches().await.unwrap(), 2);
    // A cold client on the dead Redis works too.
    let cold = builder_for(&stub, account.clone())
        .store(store())
        .build()
        .unwrap();
    cold.get_json(READ, &[]).await.unwrap();
    let failed = "token store failed; serving tokens from process memory";
    assert!(
        logs()
            .lines()
            .any(|l| l.contains(failed) && l.contains(&app_id) && l.contains("WARN")),
        "no store-failure warning for {app_id}"
    );

    // Redis comes back on the same port, empty.
    server.restart().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        stub.control().revoke_tokens().await.unwrap();
        client.get_json(READ, &[]).await.unwrap();
        let current = client.access_token().await.unwrap();
        let stored = get_raw(&url, &key).await;
        if stored.is_some_and(|raw| raw.contains(current.expose())) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the client never wrote to Redis again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        logs()
            .lines()
            .any(|l| l.contains("token store recovered") && l.contains(&app_id)),
        "no recovery logged for {app_id}"
    );
    // Shared again: a new cold client adopts the token from Redis without fetching.
    let fetches = stub.control().token_fetches().await.unwrap();
    let fresh = builder_for(&stub, account).store(store()).build().unwrap();
    fresh.get_json(READ, &[]).await.unwrap();
    assert_eq!(stub.control().token_fetches().await.unwrap(), fetches);
}
