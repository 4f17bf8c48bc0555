//! The component's keeper against the sandbox playing a third-party platform with a short
//! token lifetime and a real redis-server: two instances sharing Redis refresh each
//! authorizer's token once per lifetime between them, within the fleet's rate; an instance
//! that stops loses nothing; a flushed Redis gets its refresh tokens back from the authorizer
//! list; a cold start learns the authorizers from the list; the memory and file stores keep
//! the index too.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wxoa_client::component::{Component, ComponentSettings, Keeper};
use wxoa_client::token::{FileStore, MemoryStore, RedisStore, TokenStore};
use wxoa_client::{Account, Client};
use wxoa_sandbox::{Component as Platform, Sandbox};
use wxoa_testkit::Redis;

use crate::{fast_retry, init_logs};

const COMPONENT: &str = "wx1111222233334444";
const SECRET: &str = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";
/// The sandbox's shortened ("virtual") token lifetime, seconds.
const LIFETIME: u64 = 12;

/// A sandbox with `authorizers` pre-authorized accounts whose tokens live [`LIFETIME`].
async fn platform(authorizers: u32) -> Sandbox {
    init_logs();
    let component = Platform::new(COMPONENT, SECRET, "componenttoken", AES_KEY)
        .authorizers(authorizers)
        .pre_authorized(true);
    Sandbox::builder()
        .token_lifetime(Duration::from_secs(LIFETIME))
        .component(component)
        .start()
        .await
        .unwrap()
}

const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// An instance of the component on `store`, refreshing at most `rate` a second (fleet-wide),
/// with the ticket the sandbox pushed.
async fn instance(sandbox: &Sandbox, store: Arc<dyn TokenStore>, rate: u32) -> Component {
    let mut pace = ComponentSettings::default();
    pace.refreshes_per_second = rate;
    pace.retry_interval = Duration::from_secs(1);
    let client = Client::builder()
        .account(Account::component_with(COMPONENT, SECRET, pace))
        .api_bases([sandbox.base_url()])
        .retry(fast_retry())
        .store_lock(Duration::from_secs(2))
        .store(store)
        .build()
        .unwrap();
    let component = Component::new(client).unwrap();
    crate::deliver_ticket(sandbox, &component).await;
    component
}

/// Runs `keeper` until the returned task is aborted.
fn keep(keeper: &Keeper) -> tokio::task::JoinHandle<()> {
    let keeper = keeper.clone();
    tokio::spawn(async move { keeper.run().await })
}

/// Calls an API for every authorizer of `component` through its token, as an application
/// would, until `stop` is set: the sandbox counts any call made with an expired token. The
/// round in progress finishes, so that a token fetch one of its calls started is not cut off
/// after the platform answered it and before the instance counted it.
fn use_tokens(
    component: &Component,
    authorizers: Vec<String>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    let component = component.clone();
    tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            for app_id in &authorizers {
                let handle = component.authorizer(app_id).unwrap();
                // Failures other than an expired token are not what is measured here.
                let _ = handle.misc().callback_ips().await;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
}

async fn app_ids(sandbox: &Sandbox, n: usize) -> Vec<String> {
    let page = sandbox.control().authorizers(0, n + 1).await.unwrap();
    page.authorizers
        .into_iter()
        .filter(|a| a.authorized)
        .map(|a| a.app_id)
        .take(n)
        .collect()
}

/// Waits until the sandbox issued a token to each of the `n` authorizers.
async fn cold_started(sandbox: &Sandbox, n: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let r = sandbox
            .control()
            .component_refreshes(None, None)
            .await
            .unwrap();
        if r.authorizers == n && r.per_authorizer_min >= 1 {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "cold start: {r:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_redis_refresh_each_authorizer_once_per_lifetime_within_the_rate() {
    let Some(redis) = Redis::start_private() else {
        return;
    };
    const AUTHORIZERS: u32 = 120;
    const RATE: u32 = 80;
    let sandbox = platform(AUTHORIZERS).await;
    let store = || Arc::new(RedisStore::new(redis.url()).unwrap()) as Arc<dyn TokenStore>;
    let first = instance(&sandbox, store(), RATE).await;
    let second = instance(&sandbox, store(), RATE).await;
    let (a, b) = (first.keeper(), second.keeper());
    let tasks = [keep(&a), keep(&b)];
    // The cold start learns the authorizers from api_get_authorizer_list.
    cold_started(&sandbox, u64::from(AUTHORIZERS)).await;
    let stop = Arc::new(AtomicBool::new(false));
    let users = use_tokens(&first, app_ids(&sandbox, 20).await, Arc::clone(&stop));
    let control = sandbox.control();
    let period = Duration::from_secs(3 * LIFETIME + 1);
    let window = control.component_refreshes_over(period).await.unwrap();
    stop.store(true, Ordering::Relaxed);
    users.await.unwrap();
    // The instances' fetches are the platform's refreshes, compared at a moment when none is
    // in flight: the keepers go on refreshing, and an exchange the platform has counted but
    // whose answer an instance has not read yet would make the two differ by one. (Aborting
    // the keepers first would cut such an exchange off for good.)
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let (ca, cb, all) = loop {
        let before = a.counts().fetched + b.counts().fetched;
        let all = control.component_refreshes(None, None).await.unwrap();
        let (ca, cb) = (a.counts(), b.counts());
        if before == all.refreshes && ca.fetched + cb.fetched == all.refreshes {
            break (ca, cb, all);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the instances' fetches never matched the platform's refreshes: {ca:?} {cb:?} {all:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    for task in tasks {
        task.abort();
    }
    assert!(window.kept_once_per_lifetime(), "{window:?}");
    // Over three lifetimes and a second, each authorizer is refreshed every 0.5 to 0.65 of a
    // lifetime: four to seven times in all — not per instance.
    assert!(window.per_authorizer_min >= 4, "{window:?}");
    assert!(window.per_authorizer_max <= 7, "{window:?}");
    // Never more than the configured rate in any second, the cold start included.
    assert!(all.peak_per_second <= RATE, "{all:?}");
    assert!(all.peak_per_second > 0, "{all:?}");
    // Both instances did their share.
    assert!(ca.refreshed > 0 && cb.refreshed > 0, "{ca:?} {cb:?}");
    assert_eq!(ca.authorizers, u64::from(AUTHORIZERS));
    assert_eq!(ca.expired + cb.expired, 0, "{ca:?} {cb:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_instance_and_a_flushed_redis_lose_nothing() {
    let Some(redis) = Redis::start_private() else {
        return;
    };
    const AUTHORIZERS: u32 = 60;
    let sandbox = platform(AUTHORIZERS).await;
    let store = || Arc::new(RedisStore::new(redis.url()).unwrap()) as Arc<dyn TokenStore>;
    let first = instance(&sandbox, store(), 100).await;
    let second = instance(&sandbox, store(), 100).await;
    let (a, b) = (first.keeper(), second.keeper());
    let kept_by_a = keep(&a);
    let kept_by_b = keep(&b);
    cold_started(&sandbox, u64::from(AUTHORIZERS)).await;
    tokio::time::sleep(Duration::from_secs(LIFETIME)).await;
    // The first instance stops (its memory gone with it): the second keeps every token.
    kept_by_a.abort();
    drop(first);
    let control = sandbox.control();
    let period = Duration::from_secs(2 * LIFETIME);
    let alone = control.component_refreshes_over(period).await.unwrap();
    assert!(alone.kept_once_per_lifetime(), "{alone:?}");
    // Redis loses everything: the refresh tokens come back from the authorizer list, and the
    // tokens the instance holds are written back.
    let before = b.counts().recoveries;
    redis.flush_all().unwrap();
    let period = Duration::from_secs(3 * LIFETIME);
    let flushed = control.component_refreshes_over(period).await.unwrap();
    kept_by_b.abort();
    assert!(flushed.kept_once_per_lifetime(), "{flushed:?}");
    assert!(flushed.per_authorizer_min >= 2, "{flushed:?}");
    // The instance left rebuilt them (its keeper, or a refresh that found none).
    let counts = b.counts();
    assert!(counts.recoveries > before, "{counts:?}");
    let index = RedisStore::new(redis.url()).unwrap();
    let app_id = wxoa_types::ids::AppId::from(COMPONENT);
    assert_eq!(
        index.authorizer_count(&app_id).await.unwrap(),
        AUTHORIZERS as usize
    );
}

/// One keeper on `store` keeps 30 authorizers over two lifetimes.
async fn one_keeper_on(store: Arc<dyn TokenStore>) {
    let sandbox = platform(30).await;
    let component = instance(&sandbox, store, 100).await;
    let keeper = component.keeper();
    let task = keep(&keeper);
    cold_started(&sandbox, 30).await;
    let period = Duration::from_secs(2 * LIFETIME);
    let r = sandbox
        .control()
        .component_refreshes_over(period)
        .await
        .unwrap();
    task.abort();
    assert!(r.kept_once_per_lifetime(), "{r:?}");
    assert_eq!(keeper.counts().authorizers, 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_store_keeps_the_index() {
    one_keeper_on(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_store_keeps_the_index() {
    let dir = tempfile::tempdir().unwrap();
    one_keeper_on(Arc::new(FileStore::new(dir.path().join("tokens.json")))).await;
}
