//! Recognising the platform's retries. It re-sends a push when it has no answer within 5 s
//! (three deliveries in all), so a slow handler sees the same message again while it is still
//! running. The first delivery *claims* the push's key and runs the handler; a retry finds the
//! key claimed and waits for the first delivery's reply, or finds it done and gets the same
//! reply at once. A handler that fails *releases* the key, so the next retry runs it again.
//!
//! Keys are the push's [`dedupe_key`](wxoa_types::inbound::Inbound::dedupe_key) prefixed with
//! the AppID. [`MemoryDedup`] serves one process; `RedisDedup` (feature `redis`) every instance
//! that shares one Redis.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::BoxFuture;
use tokio::sync::watch;

/// What a claim found.
#[derive(Debug)]
#[non_exhaustive]
pub enum Claim {
    /// The key was free: run the handler, then [`DedupStore::complete`] or
    /// [`DedupStore::release`].
    Claimed,
    /// Another delivery of this push already answered: this is the answer's body.
    Done(Bytes),
    /// Another delivery of this push is being handled: [`DedupStore::wait`] for its answer.
    InFlight,
}

/// A failure of the store itself (Redis unreachable, …). The webhook then handles the push
/// anyway and logs the failure: an unavailable store must not lose messages.
#[derive(Debug, thiserror::Error)]
#[error("dedupe store failed: {0}")]
pub struct DedupError(pub String);

/// Where claims and answers are kept.
pub trait DedupStore: Send + Sync + 'static {
    /// Claims `key` for this delivery.
    fn claim<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Claim, DedupError>>;
    /// Records the answer of the delivery that claimed `key`.
    fn complete<'a>(&'a self, key: &'a str, answer: Bytes)
    -> BoxFuture<'a, Result<(), DedupError>>;
    /// Frees `key` after a failed handler, so that a retry runs it again.
    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), DedupError>>;
    /// Waits up to `timeout` for the answer to `key`: `None` if it was released or did not come.
    fn wait<'a>(
        &'a self,
        key: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Option<Bytes>, DedupError>>;
}

enum Slot {
    InFlight {
        /// Created when the first retry waits (most pushes never see one).
        notify: Option<watch::Sender<Option<Bytes>>>,
        since: Instant,
    },
    Done {
        answer: Bytes,
        at: Instant,
    },
}

impl Slot {
    /// Both variants keep the instant of the claim that created them.
    fn fresh(&self, ttl: Duration) -> bool {
        match self {
            Slot::InFlight { since, .. } => since.elapsed() < ttl,
            Slot::Done { at, .. } => at.elapsed() < ttl,
        }
    }
}

const SHARDS: usize = 16;

/// Claims and answers in this process's memory.
///
/// Memory is bounded: at most `capacity` pushes are remembered (default 50,000), each for at
/// most `ttl` (default 60 s — the platform's last retry comes about 15 s after the first
/// delivery). Keys are 64-bit hashes; answers are what the caller stores (the webhook stores
/// the plaintext reply, not the larger envelope). When pushes arrive so fast that a remembered
/// one is dropped before its retry window closes, a warning says to raise the capacity or use
/// Redis.
pub struct MemoryDedup {
    shards: Vec<Mutex<Shard>>,
    hasher: std::hash::RandomState,
    ttl: Duration,
    per_shard: usize,
    warned: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct Shard {
    slots: HashMap<u64, Slot>,
    order: std::collections::VecDeque<(u64, Instant)>,
}

impl std::fmt::Debug for MemoryDedup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryDedup")
            .field("ttl", &self.ttl)
            .field("capacity", &(self.per_shard * SHARDS))
            .finish()
    }
}

impl Default for MemoryDedup {
    fn default() -> Self {
        Self::new(Duration::from_secs(60))
    }
}

/// A remembered push younger than this was evicted for room: the capacity is too small.
const RETRY_WINDOW: Duration = Duration::from_secs(20);

impl MemoryDedup {
    /// A store remembering pushes for `ttl`, at most 50,000 of them.
    pub fn new(ttl: Duration) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            hasher: std::hash::RandomState::new(),
            ttl,
            per_shard: 50_000 / SHARDS,
            warned: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Remembers at most `pushes` pushes (rounded up to a multiple of 16).
    pub fn capacity(mut self, pushes: usize) -> Self {
        self.per_shard = pushes.div_ceil(SHARDS).max(1);
        self
    }

    // The index is reduced modulo SHARDS, the number of shards.
    #[allow(clippy::indexing_slicing)]
    fn locate(&self, key: &str) -> (u64, std::sync::MutexGuard<'_, Shard>) {
        use std::hash::BuildHasher;
        let hash = self.hasher.hash_one(key);
        let shard = &self.shards[(hash % SHARDS as u64) as usize];
        // Every update is a single insert or remove, so a lock poisoned by a panic elsewhere
        // still guards consistent data.
        (
            hash,
            shard
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    fn claim_now(&self, key: &str) -> Claim {
        let ttl = self.ttl;
        let (hash, mut shard) = self.locate(key);
        match shard.slots.get(&hash) {
            Some(slot @ Slot::Done { answer, .. }) if slot.fresh(ttl) => {
                return Claim::Done(answer.clone());
            }
            Some(slot @ Slot::InFlight { .. }) if slot.fresh(ttl) => return Claim::InFlight,
            _ => {}
        }
        let now = Instant::now();
        shard.slots.insert(
            hash,
            Slot::InFlight {
                notify: None,
                since: now,
            },
        );
        shard.order.push_back((hash, now));
        self.evict(&mut shard, now);
        Claim::Claimed
    }

    /// Drops what is too old, then the oldest while over capacity.
    fn evict(&self, shard: &mut Shard, now: Instant) {
        while let Some(&(hash, at)) = shard.order.front() {
            let age = now.saturating_duration_since(at);
            let expired = age >= self.ttl;
            let over = shard.order.len() > self.per_shard;
            if !expired && !over {
                break;
            }
            shard.order.pop_front();
            // The same hash may have been claimed again later; drop only the slot this entry
            // created (a slot keeps the instant of its claim).
            let stale = match shard.slots.get(&hash) {
                Some(Slot::InFlight { since, .. }) => *since == at,
                Some(Slot::Done { at: done_at, .. }) => *done_at == at,
                None => false,
            };
            if stale {
                shard.slots.remove(&hash);
                if !expired
                    && age < RETRY_WINDOW
                    && !self.warned.swap(true, std::sync::atomic::Ordering::Relaxed)
                {
                    tracing::warn!(
                        capacity = self.per_shard * SHARDS,
                        "dedupe memory is full: pushes are forgotten before their retries could come; raise the capacity or use Redis"
                    );
                }
            }
        }
    }
}

impl DedupStore for MemoryDedup {
    fn claim<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Claim, DedupError>> {
        let claim = self.claim_now(key);
        Box::pin(async move { Ok(claim) })
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        answer: Bytes,
    ) -> BoxFuture<'a, Result<(), DedupError>> {
        let (hash, mut shard) = self.locate(key);
        let at = match shard.slots.get(&hash) {
            Some(Slot::InFlight { since, .. }) => *since,
            _ => {
                let now = Instant::now();
                shard.order.push_back((hash, now));
                now
            }
        };
        let previous = shard.slots.insert(
            hash,
            Slot::Done {
                answer: answer.clone(),
                at,
            },
        );
        self.evict(&mut shard, Instant::now());
        drop(shard);
        if let Some(Slot::InFlight {
            notify: Some(notify),
            ..
        }) = previous
        {
            let _ = notify.send(Some(answer));
        }
        Box::pin(async { Ok(()) })
    }

    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
        let (hash, mut shard) = self.locate(key);
        if matches!(shard.slots.get(&hash), Some(Slot::InFlight { .. })) {
            // Dropping the sender wakes the waiters with "no answer".
            shard.slots.remove(&hash);
        }
        Box::pin(async { Ok(()) })
    }

    fn wait<'a>(
        &'a self,
        key: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Option<Bytes>, DedupError>> {
        let receiver = {
            let (hash, mut shard) = self.locate(key);
            match shard.slots.get_mut(&hash) {
                Some(Slot::Done { answer, .. }) => {
                    return Box::pin(std::future::ready(Ok(Some(answer.clone()))));
                }
                Some(Slot::InFlight { notify, .. }) => match notify {
                    Some(sender) => sender.subscribe(),
                    None => {
                        let (sender, receiver) = watch::channel(None);
                        *notify = Some(sender);
                        receiver
                    }
                },
                None => return Box::pin(std::future::ready(Ok(None))),
            }
        };
        Box::pin(async move {
            let mut receiver = receiver;
            let answer = tokio::time::timeout(timeout, receiver.wait_for(Option::is_some)).await;
            Ok(match answer {
                Ok(Ok(value)) => value.clone(),
                // Timed out, or the sender went away (released).
                _ => None,
            })
        })
    }
}

#[cfg(feature = "redis")]
pub use self::redis_store::RedisDedup;

#[cfg(feature = "redis")]
mod redis_store {
    use super::*;
    use redis::AsyncCommands;
    use redis::aio::ConnectionManager;

    /// Claims and answers in Redis, shared by every instance: a claim is `SET key NX PX`, an
    /// answer replaces it, a waiting retry polls until the answer appears.
    #[derive(Clone)]
    pub struct RedisDedup {
        connection: ConnectionManager,
        prefix: String,
        ttl: Duration,
        poll: Duration,
    }

    impl std::fmt::Debug for RedisDedup {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("RedisDedup")
                .field("prefix", &self.prefix)
                .field("ttl", &self.ttl)
                .finish()
        }
    }

    /// A claimed key holds this marker until the answer replaces it.
    const IN_FLIGHT: &[u8] = b"\0in-flight";

    impl RedisDedup {
        /// Connects to `url` (`redis://host:port[/db]`); keys are `wxoa:dedup:{key}`.
        pub async fn connect(url: &str) -> Result<Self, DedupError> {
            let client = redis::Client::open(url).map_err(|e| DedupError(e.to_string()))?;
            let connection = ConnectionManager::new(client)
                .await
                .map_err(|e| DedupError(e.to_string()))?;
            Ok(Self {
                connection,
                prefix: "wxoa:dedup:".to_owned(),
                ttl: Duration::from_secs(60),
                poll: Duration::from_millis(20),
            })
        }

        fn key(&self, key: &str) -> String {
            format!("{}{key}", self.prefix)
        }

        fn ttl_ms(&self) -> u64 {
            u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX)
        }
    }

    fn failed(error: redis::RedisError) -> DedupError {
        DedupError(error.to_string())
    }

    impl DedupStore for RedisDedup {
        fn claim<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Claim, DedupError>> {
            Box::pin(async move {
                let mut connection = self.connection.clone();
                let key = self.key(key);
                let set: Option<String> = redis::cmd("SET")
                    .arg(&key)
                    .arg(IN_FLIGHT)
                    .arg("NX")
                    .arg("PX")
                    .arg(self.ttl_ms())
                    .query_async(&mut connection)
                    .await
                    .map_err(failed)?;
                if set.is_some() {
                    return Ok(Claim::Claimed);
                }
                let value: Option<Vec<u8>> = connection.get(&key).await.map_err(failed)?;
                Ok(match value {
                    Some(v) if v != IN_FLIGHT => Claim::Done(Bytes::from(v)),
                    Some(_) => Claim::InFlight,
                    // Released between the two commands: let the caller try as a first delivery.
                    None => Claim::Claimed,
                })
            })
        }

        fn complete<'a>(
            &'a self,
            key: &'a str,
            answer: Bytes,
        ) -> BoxFuture<'a, Result<(), DedupError>> {
            Box::pin(async move {
                let mut connection = self.connection.clone();
                let _: () = connection
                    .pset_ex(self.key(key), answer.as_ref(), self.ttl_ms())
                    .await
                    .map_err(failed)?;
                Ok(())
            })
        }

        fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
            Box::pin(async move {
                let mut connection = self.connection.clone();
                // Delete only an in-flight marker, never a recorded answer.
                let script = redis::Script::new(
                    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
                );
                let _: i64 = script
                    .key(self.key(key))
                    .arg(IN_FLIGHT)
                    .invoke_async(&mut connection)
                    .await
                    .map_err(failed)?;
                Ok(())
            })
        }

        fn wait<'a>(
            &'a self,
            key: &'a str,
            timeout: Duration,
        ) -> BoxFuture<'a, Result<Option<Bytes>, DedupError>> {
            Box::pin(async move {
                let mut connection = self.connection.clone();
                let key = self.key(key);
                let deadline = tokio::time::Instant::now() + timeout;
                loop {
                    let value: Option<Vec<u8>> = connection.get(&key).await.map_err(failed)?;
                    match value {
                        Some(v) if v != IN_FLIGHT => return Ok(Some(Bytes::from(v))),
                        None => return Ok(None),
                        Some(_) => {}
                    }
                    if tokio::time::Instant::now() >= deadline {
                        return Ok(None);
                    }
                    tokio::time::sleep(self.poll).await;
                }
            })
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn first_claims_retry_waits_then_sees_the_answer() {
        let store = MemoryDedup::default();
        assert!(matches!(store.claim("k").await.unwrap(), Claim::Claimed));
        assert!(matches!(store.claim("k").await.unwrap(), Claim::InFlight));
        let waiter = {
            let store = &store;
            async move { store.wait("k", Duration::from_secs(5)).await.unwrap() }
        };
        let completer = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            store
                .complete("k", Bytes::from_static(b"answer"))
                .await
                .unwrap();
        };
        let (answer, ()) = tokio::join!(waiter, completer);
        assert_eq!(answer.as_deref(), Some(&b"answer"[..]));
        assert!(matches!(store.claim("k").await.unwrap(), Claim::Done(a) if a == "answer"));
    }

    #[tokio::test]
    async fn release_lets_the_next_retry_run_again() {
        let store = MemoryDedup::default();
        assert!(matches!(store.claim("k").await.unwrap(), Claim::Claimed));
        let waiter = store.wait("k", Duration::from_secs(5));
        store.release("k").await.unwrap();
        assert_eq!(waiter.await.unwrap(), None);
        assert!(matches!(store.claim("k").await.unwrap(), Claim::Claimed));
    }

    #[tokio::test]
    async fn memory_is_bounded() {
        let store = MemoryDedup::default().capacity(160);
        for i in 0..10_000 {
            let key = format!("k{i}");
            assert!(matches!(store.claim(&key).await.unwrap(), Claim::Claimed));
            store
                .complete(&key, Bytes::from_static(b"a"))
                .await
                .unwrap();
        }
        let remembered: usize = store
            .shards
            .iter()
            .map(|s| s.lock().unwrap().slots.len())
            .sum();
        assert!(remembered <= 160, "{remembered} remembered");
        // The most recent ones are still recognised.
        assert!(matches!(
            store.claim("k9999").await.unwrap(),
            Claim::Done(_)
        ));
    }

    #[tokio::test]
    async fn the_same_key_is_seen_from_every_thread() {
        let store = std::sync::Arc::new(MemoryDedup::default());
        assert!(matches!(
            store.claim("shared").await.unwrap(),
            Claim::Claimed
        ));
        let other = store.clone();
        let seen = std::thread::spawn(move || matches!(other.claim_now("shared"), Claim::InFlight))
            .join()
            .unwrap();
        assert!(seen, "a claim made on one thread is visible on another");
    }

    #[tokio::test]
    async fn answers_expire() {
        let store = MemoryDedup::new(Duration::from_millis(10));
        store.claim("k").await.unwrap();
        store.complete("k", Bytes::from_static(b"a")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(matches!(store.claim("k").await.unwrap(), Claim::Claimed));
    }
}
