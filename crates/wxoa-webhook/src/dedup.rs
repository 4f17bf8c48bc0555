//! Recognising the platform's retries. It re-sends a push when it has no answer within 5 s
//! (three deliveries in all), so a slow handler sees the same message again while it is still
//! running. The first delivery *claims* the push's key and runs the handler; a retry finds the
//! key claimed and waits for the first delivery's reply, or finds it done and gets the same
//! reply at once. A handler that fails *releases* the key, so the next retry runs it again.
//!
//! Keys are the push's [`dedupe_key`](wxoa_types::inbound::Inbound::dedupe_key) prefixed with
//! the AppID. [`MemoryDedup`] serves one process; `RedisDedup` (feature `redis`) every instance
//! that shares one Redis.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures::future::BoxFuture;
use tokio::sync::watch;
use wxoa_types::reply::NO_REPLY;

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
    /// Claims `key` at once, for a store that answers from memory; `None` (the default) means
    /// "await [`claim`](Self::claim)". The webhook tries this first, so that an in-memory
    /// store costs no boxed future a push.
    fn claim_now(&self, _key: &str) -> Option<Result<Claim, DedupError>> {
        None
    }
    /// Records the answer of the delivery that claimed `key` (the store keeps its own copy).
    fn complete<'a>(
        &'a self,
        key: &'a str,
        answer: &'a [u8],
    ) -> BoxFuture<'a, Result<(), DedupError>>;
    /// Records the answer at once, for a store that keeps answers in memory; `None` (the
    /// default) means "await [`complete`](Self::complete)", which the webhook then does.
    fn complete_now(&self, _key: &str, _answer: &[u8]) -> Option<Result<(), DedupError>> {
        None
    }
    /// Frees `key` after a failed handler, so that a retry runs it again.
    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), DedupError>>;
    /// Waits up to `timeout` for the answer to `key`: `None` if it was released or did not come.
    fn wait<'a>(
        &'a self,
        key: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Option<Bytes>, DedupError>>;
}

/// One remembered push, in the order of its claim.
struct Entry {
    hash: u64,
    /// The instant of the claim (or of the answer, for one that came without a claim).
    at: Instant,
    state: State,
}

enum State {
    InFlight {
        /// Created when the first retry waits (most pushes never see one).
        notify: Option<watch::Sender<Option<Bytes>>>,
    },
    /// The answer, a slice of the shard's answer chunks.
    Done(Bytes),
    /// Released by a failed handler: forgotten, waiting only to leave the ring.
    Released,
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
    // Keys are only 64-bit hashes, so the hash must be of good quality (a collision would
    // answer one push with another's reply); it need not be slow: foldhash, randomly seeded.
    hasher: foldhash::quality::RandomState,
    ttl: Duration,
    per_shard: usize,
    warned: std::sync::atomic::AtomicBool,
}

/// A shard: the remembered pushes in claim order (a ring: the oldest leaves first), and an
/// index from a key's hash to its place in the ring. The index holds 16 bytes a push, so at
/// full capacity it stays in the processor's cache, where a map of the entries themselves
/// would not.
#[derive(Default)]
struct Shard {
    index: HashMap<u64, u64, std::hash::BuildHasherDefault<Prehashed>>,
    ring: VecDeque<Entry>,
    /// The sequence number of the ring's front entry.
    first: u64,
    /// Where answers are copied: the free end of the current chunk. Each answer is a slice of
    /// a chunk; a chunk goes back to the allocator when the last of its answers leaves the
    /// ring. Answers leave in about the order they came, so keeping one costs a copy into
    /// memory that is already at hand, and forgetting it frees nothing cold — where one
    /// allocation an answer would scatter frees across the heap.
    chunk: BytesMut,
}

/// The size of an answer chunk: about a hundred replies.
const CHUNK: usize = 32 * 1024;

impl Shard {
    fn entry(&mut self, hash: u64) -> Option<&mut Entry> {
        let seq = *self.index.get(&hash)?;
        let at = usize::try_from(seq.checked_sub(self.first)?).ok()?;
        self.ring.get_mut(at)
    }

    fn push(&mut self, entry: Entry) {
        let seq = self.first + self.ring.len() as u64;
        self.index.insert(entry.hash, seq);
        self.ring.push_back(entry);
    }

    /// A copy of `answer` to remember: in the current chunk, or on its own when it is large.
    fn keep(&mut self, answer: &[u8]) -> Bytes {
        if answer == NO_REPLY.as_bytes() {
            return Bytes::from_static(NO_REPLY.as_bytes());
        }
        if answer.len() > CHUNK / 8 {
            return Bytes::copy_from_slice(answer);
        }
        if self.chunk.capacity() - self.chunk.len() < answer.len() {
            self.chunk = BytesMut::with_capacity(CHUNK);
        }
        self.chunk.extend_from_slice(answer);
        self.chunk.split().freeze()
    }
}

/// The keys of the index are hashes already: they are used as they are.
#[derive(Default)]
struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
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
            hasher: foldhash::quality::RandomState::default(),
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
        // The shard comes from middle bits: the index's table uses the low bits (its bucket)
        // and the top seven (its tag), which must vary within a shard.
        let shard = &self.shards[((hash >> 32) % SHARDS as u64) as usize];
        // Every update leaves the shard consistent, so a lock poisoned by a panic elsewhere
        // still guards usable data.
        (
            hash,
            shard
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    fn claim_in_memory(&self, key: &str) -> Claim {
        let ttl = self.ttl;
        let now = Instant::now();
        let (hash, mut shard) = self.locate(key);
        if let Some(entry) = shard.entry(hash)
            && now.saturating_duration_since(entry.at) < ttl
        {
            match &entry.state {
                State::Done(answer) => return Claim::Done(answer.clone()),
                State::InFlight { .. } => return Claim::InFlight,
                State::Released => {}
            }
        }
        shard.push(Entry {
            hash,
            at: now,
            state: State::InFlight { notify: None },
        });
        self.evict(&mut shard, now);
        Claim::Claimed
    }

    /// Drops what is too old, then the oldest while over capacity.
    fn evict(&self, shard: &mut Shard, now: Instant) {
        while let Some(front) = shard.ring.front() {
            let age = now.saturating_duration_since(front.at);
            let expired = age >= self.ttl;
            if !expired && shard.ring.len() <= self.per_shard {
                break;
            }
            let (hash, remembered) = (front.hash, !matches!(front.state, State::Released));
            let seq = shard.first;
            shard.ring.pop_front();
            shard.first += 1;
            // The same key may have been claimed again later: its index entry then points
            // past this one and stays.
            if shard.index.get(&hash) == Some(&seq) {
                shard.index.remove(&hash);
                if remembered
                    && !expired
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

    /// Records an answer in memory, waking the retries that wait for it.
    fn complete_in_memory(&self, key: &str, answer: &[u8]) {
        let (hash, mut shard) = self.locate(key);
        let answer = shard.keep(answer);
        let notify = match shard.entry(hash) {
            // The claim's place in the ring stays: nothing to evict for it.
            Some(entry) if !matches!(entry.state, State::Released) => {
                match std::mem::replace(&mut entry.state, State::Done(answer.clone())) {
                    State::InFlight { notify } => notify,
                    State::Done(_) | State::Released => None,
                }
            }
            _ => {
                let now = Instant::now();
                shard.push(Entry {
                    hash,
                    at: now,
                    state: State::Done(answer.clone()),
                });
                self.evict(&mut shard, now);
                None
            }
        };
        drop(shard);
        if let Some(notify) = notify {
            let _ = notify.send(Some(answer));
        }
    }

    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .index
                    .len()
            })
            .sum()
    }
}

impl DedupStore for MemoryDedup {
    fn claim<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Claim, DedupError>> {
        let claim = self.claim_in_memory(key);
        Box::pin(async move { Ok(claim) })
    }

    fn claim_now(&self, key: &str) -> Option<Result<Claim, DedupError>> {
        Some(Ok(self.claim_in_memory(key)))
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        answer: &'a [u8],
    ) -> BoxFuture<'a, Result<(), DedupError>> {
        self.complete_in_memory(key, answer);
        Box::pin(async { Ok(()) })
    }

    fn complete_now(&self, key: &str, answer: &[u8]) -> Option<Result<(), DedupError>> {
        self.complete_in_memory(key, answer);
        Some(Ok(()))
    }

    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
        let (hash, mut shard) = self.locate(key);
        if let Some(entry) = shard.entry(hash)
            && matches!(entry.state, State::InFlight { .. })
        {
            // Dropping the sender wakes the waiters with "no answer".
            entry.state = State::Released;
            shard.index.remove(&hash);
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
            match shard.entry(hash).map(|e| &mut e.state) {
                Some(State::Done(answer)) => {
                    return Box::pin(std::future::ready(Ok(Some(answer.clone()))));
                }
                Some(State::InFlight { notify }) => match notify {
                    Some(sender) => sender.subscribe(),
                    None => {
                        let (sender, receiver) = watch::channel(None);
                        *notify = Some(sender);
                        receiver
                    }
                },
                Some(State::Released) | None => return Box::pin(std::future::ready(Ok(None))),
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
            answer: &'a [u8],
        ) -> BoxFuture<'a, Result<(), DedupError>> {
            Box::pin(async move {
                let mut connection = self.connection.clone();
                let _: () = connection
                    .pset_ex(self.key(key), answer, self.ttl_ms())
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
            store.complete("k", b"answer").await.unwrap();
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
            store.complete(&key, b"a").await.unwrap();
        }
        let remembered = store.remembered();
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
        let seen =
            std::thread::spawn(move || matches!(other.claim_in_memory("shared"), Claim::InFlight))
                .join()
                .unwrap();
        assert!(seen, "a claim made on one thread is visible on another");
    }

    #[tokio::test]
    async fn answers_across_chunks_come_back_intact() {
        let store = MemoryDedup::default();
        // Lengths from empty to past the largest kept in a chunk, so answers straddle chunk
        // ends, fill chunks exactly, and go to their own allocation.
        let answer = |i: usize| -> Vec<u8> {
            let len = (i * 37) % (CHUNK / 6);
            (0..len).map(|j| (i + j) as u8).collect()
        };
        for i in 0..2_000 {
            let key = format!("k{i}");
            assert!(matches!(store.claim(&key).await.unwrap(), Claim::Claimed));
            store.complete(&key, &answer(i)).await.unwrap();
        }
        store
            .complete("success", NO_REPLY.as_bytes())
            .await
            .unwrap();
        for i in 0..2_000 {
            match store.claim(&format!("k{i}")).await.unwrap() {
                Claim::Done(kept) => assert_eq!(kept, answer(i), "answer {i}"),
                other => panic!("answer {i}: {other:?}"),
            }
        }
        assert!(matches!(store.claim("success").await.unwrap(), Claim::Done(a) if a == NO_REPLY));
    }

    #[tokio::test]
    async fn answers_expire() {
        let store = MemoryDedup::new(Duration::from_millis(10));
        store.claim("k").await.unwrap();
        store.complete("k", b"a").await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(matches!(store.claim("k").await.unwrap(), Claim::Claimed));
    }
}
