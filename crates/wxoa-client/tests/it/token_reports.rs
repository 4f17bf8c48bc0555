//! The 40001 path against the sandbox, whose `stable_token` answers the current token in normal
//! mode (which may be the very token a call was rejected with) and refreshes by force at most
//! once in 30 s: however many calls, in however many clients sharing a store, are rejected with
//! one token, it costs one normal fetch and at most one forced refresh. And a call that gives up
//! while the token is being fetched does not cancel the fetch the others wait for.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use wxoa_client::token::{RedisStore, TokenKey, TokenKind, TokenStore};
use wxoa_client::{Account, Client};
use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET};

use crate::fast_retry;
use crate::sandbox_env::{Env, env};

const READ: &str = "/cgi-bin/getcallbackip";

/// The `stable_token` calls the sandbox answered with a token: (normal, forced).
async fn stable_token_fetches(env: &Env) -> (usize, usize) {
    env.control().stable_token_fetches().await.unwrap()
}

/// A client of the sandbox's default account on `store`.
fn client_on(env: &Env, store: Arc<dyn TokenStore>) -> Client {
    Client::builder()
        .account(Account::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET))
        .api_bases([env.sandbox.base_url()])
        .retry(fast_retry())
        .store(store)
        .build()
        .unwrap()
}

/// `per_client` concurrent reads on each client; every one must succeed.
async fn concurrent_reads(clients: &[Client], per_client: usize) {
    let calls: Vec<_> = clients
        .iter()
        .flat_map(|client| {
            (0..per_client).map(move |_| {
                let client = client.clone();
                tokio::spawn(async move { client.get_json(READ, &[]).await })
            })
        })
        .collect();
    for call in calls {
        let answer = call.await.unwrap().unwrap();
        assert!(answer["ip_list"].is_array(), "{answer}");
    }
}

/// The next `times` reads answer 40001 although their token is valid, and the next token fetch
/// takes a second: every rejected call has been sent, with the token it reports, before the
/// replacement arrives.
async fn reject_the_next_reads(env: &Env, times: usize) {
    let faults = env.control().faults();
    let times = u32::try_from(times).unwrap();
    faults.error(READ, 40001, times).await.unwrap();
    faults
        .delay("/cgi-bin/stable_token", Duration::from_millis(1000), 1)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_calls_rejected_with_a_token_stable_token_still_answers_replace_it_once() {
    let env = env(0).await;
    let rejected = env.client.access_token().await.unwrap();
    reject_the_next_reads(&env, 100).await;
    concurrent_reads(std::slice::from_ref(&env.client), 100).await;
    assert_eq!(
        stable_token_fetches(&env).await,
        (2, 1),
        "the first fetch, then one normal fetch answering the rejected token again and one \
         forced refresh"
    );
    assert_eq!(env.client.token_forced_refreshes(TokenKind::AccessToken), 1);
    let current = env.client.access_token().await.unwrap();
    assert!(!current.same_value(&rejected));
    assert!(!current.is_reaffirmed());
    // A late report of the replaced token fetches nothing.
    let again = env
        .client
        .invalidate(TokenKind::AccessToken, &rejected)
        .await
        .unwrap();
    assert!(again.same_value(&current));
    assert_eq!(stable_token_fetches(&env).await, (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_clients_on_one_redis_replace_a_rejected_token_once() {
    let Some(redis) = wxoa_testkit::Redis::start_private() else {
        return;
    };
    let env = env(0).await;
    let clients: Vec<Client> = (0..2)
        .map(|_| client_on(&env, Arc::new(RedisStore::new(redis.url()).unwrap())))
        .collect();
    let rejected = clients[0].access_token().await.unwrap();
    assert!(
        clients[1]
            .access_token()
            .await
            .unwrap()
            .same_value(&rejected)
    );
    reject_the_next_reads(&env, 100).await;
    concurrent_reads(&clients, 50).await;
    assert_eq!(stable_token_fetches(&env).await, (2, 1));
    let forced: u64 = clients
        .iter()
        .map(|c| c.token_forced_refreshes(TokenKind::AccessToken))
        .sum();
    assert_eq!(forced, 1);
    let current = clients[0].access_token().await.unwrap();
    assert!(!current.same_value(&rejected));
    assert!(
        clients[1]
            .access_token()
            .await
            .unwrap()
            .same_value(&current)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_call_that_gives_up_does_not_cancel_the_fetch_other_clients_wait_for() {
    let Some(redis) = wxoa_testkit::Redis::start_private() else {
        return;
    };
    let env = env(0).await;
    let store = || Arc::new(RedisStore::new(redis.url()).unwrap()) as Arc<dyn TokenStore>;
    let a = client_on(&env, store());
    let b = client_on(&env, store());
    env.control()
        .faults()
        .delay("/cgi-bin/stable_token", Duration::from_millis(1500), 1)
        .await
        .unwrap();
    let started = Instant::now();
    let gave_up = tokio::time::timeout(Duration::from_millis(300), a.access_token()).await;
    assert!(gave_up.is_err(), "the platform is slower than the caller");
    let key = TokenKey::new(DEFAULT_APP_ID, TokenKind::AccessToken);
    let probe = store();
    assert!(
        probe
            .try_lock(&key, Duration::from_secs(5))
            .await
            .unwrap()
            .is_none(),
        "the abandoned call's fetch still holds the lock"
    );
    let (from_b, from_a) = tokio::join!(b.access_token(), a.access_token());
    let (from_b, from_a) = (from_b.unwrap(), from_a.unwrap());
    assert!(from_a.same_value(&from_b));
    assert_eq!(stable_token_fetches(&env).await, (1, 0));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let lock = probe.try_lock(&key, Duration::from_secs(5)).await.unwrap();
    let lock = lock.expect("the lock was released when the fetch ended");
    probe.unlock(lock).await.unwrap();
    let answer: Value = a.get_json(READ, &[]).await.unwrap();
    assert!(answer["ip_list"].is_array(), "the token works");
}
