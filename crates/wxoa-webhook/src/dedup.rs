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
        done: watch::Receiver<Option<Bytes>>,
        notify: watch::Sender<Option<Bytes>>,
        since: Instant,
    },
    Done {
        answer: Bytes,
        at: Instant,
    },
}

const SHARDS: usize = 16;

/// Claims and answers in this process's memory, kept for a time-to-live (default 5 minutes,
/// well past the platform's last retry).
pub struct MemoryDedup {
    shards: Vec<Mutex<Shard>>,
    ttl: Duration,
}

#[derive(Default)]
struct Shard {
    slots: HashMap<String, Slot>,
    claims_since_sweep: usize,
}

impl std::fmt::Debug for MemoryDedup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryDedup")
            .field("ttl", &self.ttl)
            .finish()
    }
}

impl Default for MemoryDedup {
    fn default() -> Self {
        Self::new(Duration::from_secs(300))
    }
}

impl MemoryDedup {
    /// A store keeping answers for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            ttl,
        }
    }

    // The index is reduced modulo SHARDS, the length of `shards`.
    #[allow(clippy::indexing_slicing)]
    fn shard(&self, key: &str) -> &Mutex<Shard> {
        use std::hash::{BuildHasher, RandomState};
        thread_local! {
            static HASHER: RandomState = RandomState::new();
        }
        let hash = HASHER.with(|h| h.hash_one(key));
        &self.shards[(hash % SHARDS as u64) as usize]
    }

    fn lock<'a>(&self, shard: &'a Mutex<Shard>) -> std::sync::MutexGuard<'a, Shard> {
        // A panic while holding the lock leaves consistent data (every update is one insert or
        // remove), so a poisoned lock is still usable.
        shard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn claim_now(&self, key: &str) -> Claim {
        let ttl = self.ttl;
        let mut shard = self.lock(self.shard(key));
        shard.claims_since_sweep += 1;
        if shard.claims_since_sweep >= 1024 {
            shard.claims_since_sweep = 0;
            shard.slots.retain(|_, slot| match slot {
                Slot::Done { at, .. } => at.elapsed() < ttl,
                Slot::InFlight { since, .. } => since.elapsed() < ttl,
            });
        }
        match shard.slots.get(key) {
            Some(Slot::Done { answer, at }) if at.elapsed() < ttl => Claim::Done(answer.clone()),
            Some(Slot::InFlight { since, .. }) if since.elapsed() < ttl => Claim::InFlight,
            _ => {
                let (notify, done) = watch::channel(None);
                shard.slots.insert(
                    key.to_owned(),
                    Slot::InFlight {
                        done,
                        notify,
                        since: Instant::now(),
                    },
                );
                Claim::Claimed
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
        let mut shard = self.lock(self.shard(key));
        let previous = shard.slots.insert(
            key.to_owned(),
            Slot::Done {
                answer: answer.clone(),
                at: Instant::now(),
            },
        );
        drop(shard);
        if let Some(Slot::InFlight { notify, .. }) = previous {
            let _ = notify.send(Some(answer));
        }
        Box::pin(async { Ok(()) })
    }

    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
        let mut shard = self.lock(self.shard(key));
        if matches!(shard.slots.get(key), Some(Slot::InFlight { .. })) {
            // Dropping the sender wakes the waiters with "no answer".
            shard.slots.remove(key);
        }
        Box::pin(async { Ok(()) })
    }

    fn wait<'a>(
        &'a self,
        key: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Option<Bytes>, DedupError>> {
        let receiver = {
            let shard = self.lock(self.shard(key));
            match shard.slots.get(key) {
                Some(Slot::Done { answer, .. }) => {
                    return Box::pin(std::future::ready(Ok(Some(answer.clone()))));
                }
                Some(Slot::InFlight { done, .. }) => done.clone(),
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
                ttl: Duration::from_secs(300),
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
    async fn answers_expire() {
        let store = MemoryDedup::new(Duration::from_millis(10));
        store.claim("k").await.unwrap();
        store.complete("k", Bytes::from_static(b"a")).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(matches!(store.claim("k").await.unwrap(), Claim::Claimed));
    }
}
