//! `RedisDedup` against a real Redis: the claim is one atomic script, a claim whose holder died
//! lapses in time for the platform's next retry, answers outlive the replay window, and a Redis
//! that stalls or dies costs each operation at most its timeout, then nothing, until it answers
//! again.

use std::time::{Duration, Instant};

use wxoa_testkit::Redis;
use wxoa_webhook::dedup::{Claim, DedupError, DedupOp, DedupStore, RedisDedup, Windows};

const W: Windows = Windows {
    claim: Duration::from_secs(10),
    keep: Duration::from_secs(360),
};

/// A key no other test (or earlier run on a shared Redis) uses.
fn unique(name: &str) -> String {
    format!("test:{name}:{:016x}", rand::random::<u64>())
}

async fn raw(url: &str, key: &str) -> (Option<Vec<u8>>, i64) {
    let client = redis::Client::open(url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let full = format!("wxoa:dedup:{key}");
    let value: Option<Vec<u8>> = redis::cmd("GET")
        .arg(&full)
        .query_async(&mut connection)
        .await
        .unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&full)
        .query_async(&mut connection)
        .await
        .unwrap();
    (value, ttl)
}

fn granted(claims: &[Result<Claim, DedupError>]) -> usize {
    claims
        .iter()
        .filter(|c| matches!(c, Ok(Claim::Claimed)))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_from_two_instances_grant_exactly_one() {
    let Some(redis) = Redis::start() else { return };
    // Two instances: two stores, two connections, two markers.
    let a = RedisDedup::new(redis.url()).unwrap();
    let b = RedisDedup::new(redis.url()).unwrap();
    for round in 0..20 {
        let key = unique("race");
        let claims = futures::future::join_all(
            (0..32).map(|i| if i % 2 == 0 { &a } else { &b }.claim(&key, W)),
        )
        .await;
        assert_eq!(granted(&claims), 1, "round {round}: {claims:?}");
        assert!(
            claims
                .iter()
                .all(|c| matches!(c, Ok(Claim::Claimed | Claim::InFlight))),
            "{claims:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_racing_claims_lets_exactly_one_claim_in() {
    // The old claim was `SET NX`, then `GET`: a key released between the two was granted
    // without a marker, so every claimer caught in that gap ran the handler, and the next
    // claim too. One script grants exactly one claim after a release, with its marker.
    let Some(redis) = Redis::start() else { return };
    let (a, b, c) = (
        RedisDedup::new(redis.url()).unwrap(),
        RedisDedup::new(redis.url()).unwrap(),
        RedisDedup::new(redis.url()).unwrap(),
    );
    for round in 0..100 {
        let key = unique("release");
        assert!(matches!(a.claim(&key, W).await, Ok(Claim::Claimed)));
        // The release goes out once the first claims are on their way, so that it lands
        // among them.
        let release = async {
            tokio::task::yield_now().await;
            a.release(&key).await.unwrap()
        };
        let claims = futures::future::join_all(
            (0..32).map(|i| if i % 2 == 0 { &b } else { &c }.claim(&key, W)),
        );
        let ((), claims) = tokio::join!(release, claims);
        let last = c.claim(&key, W).await;
        let total = granted(&claims) + usize::from(matches!(last, Ok(Claim::Claimed)));
        assert_eq!(total, 1, "round {round}: {claims:?} then {last:?}");
        let (value, _) = raw(redis.url(), &key).await;
        assert!(
            value.is_some_and(|v| v.starts_with(b"\0in-flight:")),
            "round {round}: the granted claim holds its marker"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_whose_holder_died_lapses_and_the_retry_runs() {
    let Some(redis) = Redis::start() else { return };
    let (dead, live, third) = (
        RedisDedup::new(redis.url()).unwrap(),
        RedisDedup::new(redis.url()).unwrap(),
        RedisDedup::new(redis.url()).unwrap(),
    );
    let key = unique("lapse");
    let brief = Windows {
        claim: Duration::from_millis(400),
        ..W
    };
    assert!(matches!(dead.claim(&key, brief).await, Ok(Claim::Claimed)));
    // The retry finds the claim and waits; the holder never answers; the claim lapses.
    assert!(matches!(live.claim(&key, brief).await, Ok(Claim::InFlight)));
    let started = Instant::now();
    assert_eq!(live.wait(&key, Duration::from_secs(3)).await.unwrap(), None);
    let waited = started.elapsed();
    assert!(waited < Duration::from_millis(1500), "waited {waited:?}");
    assert!(matches!(live.claim(&key, brief).await, Ok(Claim::Claimed)));
    // The first holder's late release leaves the new claim alone.
    dead.release(&key).await.unwrap();
    assert!(matches!(
        third.claim(&key, brief).await,
        Ok(Claim::InFlight)
    ));
    // The answer replaces the claim, for the keep window.
    live.complete(&key, b"answer", W).await.unwrap();
    assert!(matches!(third.claim(&key, W).await, Ok(Claim::Done(a)) if a == "answer"));
    assert_eq!(
        third
            .wait(&key, Duration::from_secs(1))
            .await
            .unwrap()
            .as_deref(),
        Some(&b"answer"[..])
    );
    let (_, ttl) = raw(redis.url(), &key).await;
    assert!(
        ttl > 350_000 && ttl <= 360_000,
        "the answer lives for the keep window, not 60 s: {ttl} ms"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_or_killed_redis_fails_fast_and_is_used_again_when_it_answers() {
    let Some(mut redis) = Redis::start_private() else {
        return;
    };
    let store = RedisDedup::new(redis.url())
        .unwrap()
        .op_timeout(Duration::from_millis(200));
    store.check().await.unwrap();
    let timed = async |store: &RedisDedup| {
        let started = Instant::now();
        let claim = store.claim(&unique("fault"), W).await;
        (claim, started.elapsed())
    };

    // Paused: the operation gives up at its timeout; the next ones are not even tried.
    redis.pause(Duration::from_millis(2500)).unwrap();
    let paused = Instant::now();
    let (claim, took) = timed(&store).await;
    assert!(
        matches!(
            claim,
            Err(DedupError::TimedOut {
                op: DedupOp::Claim,
                ..
            })
        ),
        "{claim:?}"
    );
    assert!(took < Duration::from_millis(600), "{took:?}");
    let (claim, took) = timed(&store).await;
    assert!(
        claim.as_ref().is_err_and(DedupError::is_unavailable),
        "{claim:?}"
    );
    assert!(took < Duration::from_millis(50), "{took:?}");
    // Half a second on, one operation tries again, on a new connection, still bounded.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (claim, took) = timed(&store).await;
    assert!(claim.is_err(), "{claim:?}");
    assert!(took < Duration::from_millis(600), "{took:?}");
    // Once the pause is over, the store answers again within about a second.
    tokio::time::sleep(Duration::from_millis(2500).saturating_sub(paused.elapsed())).await;
    let back = Instant::now();
    let recovered = loop {
        if let (Ok(Claim::Claimed), _) = timed(&store).await {
            break back.elapsed();
        }
        assert!(back.elapsed() < Duration::from_secs(5), "never recovered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(recovered < Duration::from_millis(1500), "{recovered:?}");

    // Killed: the operation fails at once (connection refused) and the store waits.
    assert!(redis.stop());
    let (claim, took) = timed(&store).await;
    assert!(matches!(claim, Err(DedupError::Failed { .. })), "{claim:?}");
    assert!(took < Duration::from_millis(600), "{took:?}");
    for _ in 0..5 {
        let (claim, took) = timed(&store).await;
        assert!(claim.is_err());
        assert!(took < Duration::from_millis(600), "{took:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Restarted on the same port: the store reconnects by itself.
    redis.restart().unwrap();
    let back = Instant::now();
    let recovered = loop {
        if let (Ok(Claim::Claimed), _) = timed(&store).await {
            break back.elapsed();
        }
        assert!(back.elapsed() < Duration::from_secs(5), "never reconnected");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(recovered < Duration::from_millis(1500), "{recovered:?}");
}

#[tokio::test]
async fn the_url_password_is_never_shown() {
    let store = RedisDedup::new("redis://:hunter2@127.0.0.1:1/0").unwrap();
    assert!(!format!("{store:?}").contains("hunter2"));
    assert!(!store.url().contains("hunter2"));
    let error = RedisDedup::new("redis://:hunter2@[bad/0").unwrap_err();
    assert!(!error.to_string().contains("hunter2"), "{error}");
    // An unreachable Redis is a failure of the check, bounded, not a hang.
    let started = Instant::now();
    let port = wxoa_testkit::free_port();
    let store = RedisDedup::new(&format!("redis://:hunter2@127.0.0.1:{port}/"))
        .unwrap()
        .op_timeout(Duration::from_millis(300));
    let error = store.check().await.unwrap_err();
    assert!(!error.to_string().contains("hunter2"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(1));
}
