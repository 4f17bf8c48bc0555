//! Two `wxoa component serve` processes sharing a real redis-server keep the tokens of the
//! sandbox's authorizers (a shortened token lifetime): once per lifetime between them, an
//! instance SIGKILLed and restarted loses nothing, and after a FLUSHALL the refresh tokens
//! are rebuilt from the authorizer list — read from the sandbox's log of the tokens it issued
//! and from the survivor's /metrics.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use wxoa_client::token::TokenStore;
use wxoa_sandbox::{Component, Sandbox};
use wxoa_testkit::Redis;

use crate::Spawned;
use crate::fleet::metric;

pub(crate) const COMPONENT: &str = "wx1111222233334444";
pub(crate) const SECRET: &str = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0";
pub(crate) const TOKEN: &str = "componenttoken";
pub(crate) const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
/// The sandbox's shortened ("virtual") token lifetime, seconds.
const LIFETIME: u64 = 10;
const AUTHORIZERS: u32 = 50;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `wxoa component serve` on `listen`, sharing `redis`, with `extra` arguments; its base URL.
pub(crate) fn component_serve(
    sandbox: &Sandbox,
    redis: &str,
    listen: &str,
    extra: &[&str],
) -> (Spawned, String) {
    let mut args = vec![
        "component",
        "serve",
        "--listen",
        listen,
        "--app-id",
        COMPONENT,
        "--app-secret",
        SECRET,
        "--token",
        TOKEN,
        "--aes-key",
        KEY,
        "--api-base",
        sandbox.base_url(),
        "--store",
        redis,
    ];
    args.extend(extra);
    let spawned = Spawned::start(&args, "wxoa serve: listening on ", false);
    let base = spawned.ready.trim_end_matches("/wechat").to_owned();
    (spawned, base)
}

/// Pushes the component's ticket until an instance took it: on a loaded machine a push can
/// outlast the platform's timeout, and the platform pushes again (every ten minutes there).
pub(crate) async fn deliver_ticket(sandbox: &Sandbox) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pushed = sandbox.control().push_ticket().await.unwrap();
        if pushed.outcome == "delivered" {
            return;
        }
        assert!(Instant::now() < deadline, "{pushed:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// An instance of the keeper's test: 100 refreshes a second, a 2 s store lock.
fn instance(sandbox: &Sandbox, redis: &str, listen: &str) -> (Spawned, String) {
    let extra = ["--refreshes-per-second", "100", "--store-lock", "2"];
    component_serve(sandbox, redis, listen, &extra)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_instances_keep_every_authorizer_through_a_sigkill_and_a_flushall() {
    let Some(redis) = Redis::start_private() else {
        return;
    };
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let component = Component::new(COMPONENT, SECRET, TOKEN, KEY)
        .auth_url(format!("http://{listen}/component"))
        .authorizers(AUTHORIZERS)
        .pre_authorized(true);
    let sandbox = Sandbox::builder()
        .token_lifetime(Duration::from_secs(LIFETIME))
        .component(component)
        .start()
        .await
        .unwrap();
    let (first, _) = instance(&sandbox, redis.url(), &listen);
    let (_second, second_base) = instance(&sandbox, redis.url(), "127.0.0.1:0");
    let control = sandbox.control();
    // The ticket reaches the first instance, which keeps it in Redis for both.
    deliver_ticket(&sandbox).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = control.component_refreshes(None, None).await.unwrap();
        if r.per_authorizer_min >= 1 {
            break;
        }
        assert!(Instant::now() < deadline, "cold start: {r:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(LIFETIME)).await;
    // SIGKILL: the locks it held expire by themselves, its memory is gone.
    drop(first);
    let period = Duration::from_secs(2 * LIFETIME);
    let alone = control.component_refreshes_over(period).await.unwrap();
    assert!(alone.kept_once_per_lifetime(), "{alone:?}");
    // Restarted, it learns the authorizers from Redis and shares the work again.
    let (_restarted, restarted_base) = instance(&sandbox, redis.url(), "127.0.0.1:0");
    tokio::time::sleep(Duration::from_secs(LIFETIME)).await;
    redis.flush_all().unwrap();
    let period = Duration::from_secs(3 * LIFETIME);
    let flushed = control.component_refreshes_over(period).await.unwrap();
    assert!(flushed.kept_once_per_lifetime(), "{flushed:?}");
    assert!(flushed.per_authorizer_min >= 3, "{flushed:?}");
    // An instance rebuilt the refresh tokens after the flush: they are all in Redis again.
    let rebuilt = metric(&second_base, "wxoa_component_rebuilds_total").await
        + metric(&restarted_base, "wxoa_component_rebuilds_total").await;
    assert!(rebuilt >= 1, "{rebuilt}");
    let index = wxoa_client::token::RedisStore::new(redis.url()).unwrap();
    let listed = index.authorizer_count(&COMPONENT.into()).await.unwrap();
    assert_eq!(listed, AUTHORIZERS as usize);
    let known = metric(&restarted_base, "wxoa_component_authorizers").await;
    assert_eq!(known, u64::from(AUTHORIZERS));
    let all = control.component_refreshes(None, None).await.unwrap();
    assert!(all.peak_per_second <= 100, "{all:?}");
}
