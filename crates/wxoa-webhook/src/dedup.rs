//! Recognising the platform's retries. It re-sends a push when it has no answer within 5 s
//! (three deliveries in all), so a slow handler sees the same message again while it is still
//! running. The first delivery *claims* the push's key and runs the handler; a retry finds the
//! key claimed and waits for the first delivery's reply, or finds it done and gets the same
//! reply at once. A handler that fails *releases* the key, so the next retry runs it again.
//!
//! Keys are the push's [`dedupe_key`](wxoa_types::inbound::Inbound::dedupe_key) prefixed with
//! the AppID. How long a store keeps them is the webhook's to say ([`Windows`]): an answer for
//! at least the replay window, so that a captured push sent again is recognised as long as its
//! signature is accepted; a claim without an answer, in a store shared by several instances,
//! only until the platform's next retry, so that an instance that dies while handling a push
//! does not make the push lost.
//!
//! [`MemoryDedup`] serves one process; `RedisDedup` (feature `redis`) every instance that
//! shares one Redis. A store that fails answers with a [`DedupError`], and the webhook then
//! handles the push without dedupe: an unavailable store must not lose messages.

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

/// A failure of the store itself (Redis unreachable, stalled, …). The webhook then handles the
/// push anyway, logs the failure and counts it: an unavailable store must not lose messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DedupError {
    /// The store did not answer within its time limit.
    #[error("the dedupe store did not answer {op} within {limit:?}")]
    TimedOut {
        /// The operation: `claim`, `wait`, `complete`, `release` or `check`.
        op: &'static str,
        /// How long it was given.
        limit: Duration,
    },
    /// The store answered with an error, or could not be reached.
    #[error("the dedupe store failed {op}: {source}")]
    Failed {
        /// The operation: `claim`, `wait`, `complete`, `release` or `check`.
        op: &'static str,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Not tried: the store failed moments ago. It is tried again shortly, by one operation at
    /// a time, so that an outage costs each push nothing.
    #[error("the dedupe store is unavailable after a recent failure ({op} not tried)")]
    Unavailable {
        /// The operation: `claim`, `wait`, `complete`, `release` or `check`.
        op: &'static str,
    },
    /// The store's address cannot be used.
    #[error("the dedupe store's URL {url} is invalid: {source}")]
    InvalidUrl {
        /// The URL, its password masked.
        url: String,
        /// Why it was refused.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl DedupError {
    /// Whether the store was not even tried, because it failed moments ago (the failure that
    /// made it unavailable was reported when it happened).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, DedupError::Unavailable { .. })
    }
}

/// How long a store keeps what the webhook gives it, decided by the webhook from its own
/// settings ([`Windows::new`]) and passed with every claim and answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    /// How long a claim without an answer holds in a store shared by several instances. The
    /// instance that claims records an answer within it (the reply, or `success` when the
    /// handler runs past the budget); only an instance that died leaves a claim to lapse, and
    /// the platform's next retry, wherever it arrives, then runs the handler again. A store in
    /// one process's memory ignores it: its claims cannot outlive the process that holds them.
    pub claim: Duration,
    /// How long a key and its answer are remembered.
    pub keep: Duration,
}

/// The replay window assumed when the webhook's check is off, and the webhook's default.
const DEFAULT_REPLAY_WINDOW: Duration = Duration::from_secs(300);
/// Added to the replay window: the platform's retries come within about 15 s of the first
/// delivery, and the clocks of the platform and of this server may differ.
const KEEP_MARGIN: Duration = Duration::from_secs(60);
/// Added to the budget: the answer recorded at the budget reaches the store within it.
const CLAIM_MARGIN: Duration = Duration::from_millis(250);
/// The longest any store keeps anything, whatever it is asked: a window beyond it is a
/// mistake, and Redis would refuse the expiry.
const LONGEST: Duration = Duration::from_secs(30 * 24 * 3600);

impl Windows {
    /// The windows of a webhook whose handler has `budget` to answer (the platform waits 5 s,
    /// then retries) and that accepts a push whose timestamp is within `replay_window` of now
    /// (zero: the check is off).
    ///
    /// A claim holds for the budget and 250 ms: past the live instance's answer at the budget,
    /// and lapsed by the platform's retry 5 s after the first delivery (with the default budget
    /// of 4.5 s). An answer is kept for the replay window and 60 s (for the retries and for
    /// clock differences); with the check off, for the default window of 300 s and 60 s.
    /// Stores keep nothing longer than 30 days.
    pub fn new(budget: Duration, replay_window: Duration) -> Self {
        let window = if replay_window.is_zero() {
            DEFAULT_REPLAY_WINDOW
        } else {
            replay_window
        };
        Self {
            claim: budget.saturating_add(CLAIM_MARGIN),
            keep: window.saturating_add(KEEP_MARGIN),
        }
    }
}

impl Default for Windows {
    /// The windows of a webhook with the default budget (4.5 s) and replay window (300 s).
    fn default() -> Self {
        Self::new(Duration::from_millis(4500), DEFAULT_REPLAY_WINDOW)
    }
}

/// Where claims and answers are kept.
pub trait DedupStore: Send + Sync + 'static {
    /// Claims `key` for this delivery, for `windows.claim` (see [`Windows`]).
    fn claim<'a>(
        &'a self,
        key: &'a str,
        windows: Windows,
    ) -> BoxFuture<'a, Result<Claim, DedupError>>;
    /// Claims `key` at once, for a store that answers from memory; `None` (the default) means
    /// "await [`claim`](Self::claim)". The webhook tries this first, so that an in-memory
    /// store costs no boxed future a push.
    fn claim_now(&self, _key: &str, _windows: Windows) -> Option<Result<Claim, DedupError>> {
        None
    }
    /// Records the answer of the delivery that claimed `key` (the store keeps its own copy)
    /// for `windows.keep`.
    fn complete<'a>(
        &'a self,
        key: &'a str,
        answer: &'a [u8],
        windows: Windows,
    ) -> BoxFuture<'a, Result<(), DedupError>>;
    /// Records the answer at once, for a store that keeps answers in memory; `None` (the
    /// default) means "await [`complete`](Self::complete)", which the webhook then does.
    fn complete_now(
        &self,
        _key: &str,
        _answer: &[u8],
        _windows: Windows,
    ) -> Option<Result<(), DedupError>> {
        None
    }
    /// Frees `key` after a failed handler, so that a retry runs it again.
    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), DedupError>>;
    /// Waits up to `timeout` for the answer to `key`: `None` if it was released, its claim
    /// lapsed, or the answer did not come.
    fn wait<'a>(
        &'a self,
        key: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Option<Bytes>, DedupError>>;
}

/// One remembered push, in the order of its claim.
struct Entry {
    hash: u64,
    /// When it is forgotten: its claim (or its answer, for one that came without a claim)
    /// and the window it was kept for.
    expires: Instant,
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
/// Memory is bounded: at most `capacity` pushes are remembered (default 50,000), each for the
/// [`Windows::keep`] it was given (the webhook's replay window and 60 s: 6 minutes by
/// default). A claim lasts until its answer or its release: it cannot outlive the process that
/// holds it. Keys are 64-bit hashes; answers are what the caller stores (the webhook stores the
/// plaintext reply, not the larger envelope).
///
/// The default capacity holds 6 minutes of pushes at about 140 a second, in some 20 MiB at
/// most. When pushes arrive faster, the oldest are forgotten before their window closes (a
/// replay of one, or a very late retry, would run the handler again) and a warning says to
/// raise the capacity or use Redis.
pub struct MemoryDedup {
    shards: Vec<Mutex<Shard>>,
    // Keys are only 64-bit hashes, so the hash must be of good quality (a collision would
    // answer one push with another's reply); it need not be slow: foldhash, randomly seeded.
    hasher: foldhash::quality::RandomState,
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
            .field("capacity", &(self.per_shard * SHARDS))
            .finish()
    }
}

impl Default for MemoryDedup {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryDedup {
    /// A store remembering at most 50,000 pushes.
    pub fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            hasher: foldhash::quality::RandomState::default(),
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

    fn claim_in_memory(&self, key: &str, windows: Windows) -> Claim {
        let now = Instant::now();
        let (hash, mut shard) = self.locate(key);
        if let Some(entry) = shard.entry(hash)
            && now < entry.expires
        {
            match &entry.state {
                State::Done(answer) => return Claim::Done(answer.clone()),
                State::InFlight { .. } => return Claim::InFlight,
                State::Released => {}
            }
        }
        shard.push(Entry {
            hash,
            expires: now + windows.keep.min(LONGEST),
            state: State::InFlight { notify: None },
        });
        self.evict(&mut shard, now);
        Claim::Claimed
    }

    /// Drops what has expired at the front, then the oldest while over capacity.
    fn evict(&self, shard: &mut Shard, now: Instant) {
        while let Some(front) = shard.ring.front() {
            let expired = now >= front.expires;
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
                    && !self.warned.swap(true, std::sync::atomic::Ordering::Relaxed)
                {
                    tracing::warn!(
                        capacity = self.per_shard * SHARDS,
                        "dedupe memory is full: pushes are forgotten before their dedupe window closes (a retry or replay of one would run the handler again); raise the capacity or use Redis"
                    );
                }
            }
        }
    }

    /// Records an answer in memory, waking the retries that wait for it.
    fn complete_in_memory(&self, key: &str, answer: &[u8], windows: Windows) {
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
                    expires: now + windows.keep.min(LONGEST),
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
    fn claim<'a>(
        &'a self,
        key: &'a str,
        windows: Windows,
    ) -> BoxFuture<'a, Result<Claim, DedupError>> {
        let claim = self.claim_in_memory(key, windows);
        Box::pin(async move { Ok(claim) })
    }

    fn claim_now(&self, key: &str, windows: Windows) -> Option<Result<Claim, DedupError>> {
        Some(Ok(self.claim_in_memory(key, windows)))
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        answer: &'a [u8],
        windows: Windows,
    ) -> BoxFuture<'a, Result<(), DedupError>> {
        self.complete_in_memory(key, answer, windows);
        Box::pin(async { Ok(()) })
    }

    fn complete_now(
        &self,
        key: &str,
        answer: &[u8],
        windows: Windows,
    ) -> Option<Result<(), DedupError>> {
        self.complete_in_memory(key, answer, windows);
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
    use std::sync::atomic::{AtomicU64, Ordering};

    use redis::aio::MultiplexedConnection;
    use redis::{AsyncCommands, AsyncConnectionConfig, RedisResult, Script};

    use super::*;

    /// Claims `KEYS[1]` with the marker `ARGV[1]` for `ARGV[2]` milliseconds, or answers what
    /// holds it: nil for a claim granted, else the value found (a marker or an answer). One
    /// script, so that a key released or expired between the two commands can never grant a
    /// claim without a marker.
    const CLAIM: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])
";

    /// Deletes `KEYS[1]` only while it holds this instance's marker `ARGV[1]`: never a recorded
    /// answer, nor the claim another instance made after this one's lapsed.
    const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
";

    /// Every in-flight marker starts with this; an instance's marker adds its own random id.
    /// Answers are `success` or XML: they never start with a NUL byte.
    const IN_FLIGHT: &[u8] = b"\0in-flight:";

    /// How long the store is left alone after a failure before one operation tries it again.
    const RETRY_PAUSE: Duration = Duration::from_millis(500);

    /// How long one operation may take by default, connecting included.
    const OP_TIMEOUT: Duration = Duration::from_millis(250);

    /// Claims and answers in Redis, shared by every instance.
    ///
    /// - A claim is one script: `SET key marker NX PX claim-window`, or the value already
    ///   there. An answer replaces the marker for the keep window (see [`Windows`]). A waiting
    ///   retry polls until the answer appears, the key is released, or the claim lapses.
    /// - Keys are `wxoa:dedup:{APPID}:{push key}`.
    /// - Every operation is bounded (default 250 ms, connecting included): a Redis that is
    ///   down, paused or unreachable costs a push at most that, and the webhook then handles it
    ///   without dedupe. After a failure the store is not tried for 0.5 s (operations fail at
    ///   once as [`DedupError::Unavailable`]); then one operation at a time tries it again on a
    ///   fresh connection, so dedupe resumes within about a second of Redis answering again.
    ///   The failure and the recovery are each logged once, with the URL's password masked.
    pub struct RedisDedup {
        client: redis::Client,
        /// Where the store points, its password masked, for logs.
        shown: String,
        config: AsyncConnectionConfig,
        op_timeout: Duration,
        poll: Duration,
        /// The connection in use; none before the first operation and after a failure.
        connection: Mutex<Option<MultiplexedConnection>>,
        /// Held while connecting, so that concurrent operations wait for one connection.
        connecting: tokio::sync::Mutex<()>,
        /// This instance's in-flight marker: [`IN_FLIGHT`] and a random id.
        marker: Vec<u8>,
        health: Health,
        claim: Script,
        release: Script,
    }

    impl std::fmt::Debug for RedisDedup {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("RedisDedup")
                .field("url", &self.shown)
                .field("op_timeout", &self.op_timeout)
                .finish_non_exhaustive()
        }
    }

    impl RedisDedup {
        /// A store on the Redis at `url` (`redis://[:password@]host:port[/db]`). Nothing is
        /// connected yet: the first operation connects, and [`check`](Self::check) tells
        /// whether Redis answers.
        pub fn new(url: &str) -> Result<Self, DedupError> {
            let shown = wxoa_types::secret::mask_url_password(url).into_owned();
            let client = redis::Client::open(url).map_err(|e| DedupError::InvalidUrl {
                url: shown.clone(),
                source: Box::new(e),
            })?;
            let mut marker = IN_FLIGHT.to_vec();
            marker.extend_from_slice(format!("{:016x}", rand::random::<u64>()).as_bytes());
            Ok(Self {
                client,
                shown,
                config: connection_config(OP_TIMEOUT),
                op_timeout: OP_TIMEOUT,
                poll: Duration::from_millis(20),
                connection: Mutex::new(None),
                connecting: tokio::sync::Mutex::new(()),
                marker,
                health: Health::new(),
                claim: Script::new(CLAIM),
                release: Script::new(RELEASE),
            })
        }

        /// How long one operation may take, connecting included, before it counts as a failure
        /// (default 250 ms; keep it well under the webhook's budget, which a push's claim and
        /// answer both come out of).
        #[must_use]
        pub fn op_timeout(mut self, timeout: Duration) -> Self {
            self.op_timeout = timeout;
            self.config = connection_config(timeout);
            self
        }

        /// Where the store points, its password masked.
        pub fn url(&self) -> &str {
            &self.shown
        }

        /// Whether Redis answers (a `PING`, bounded like every operation).
        pub async fn check(&self) -> Result<(), DedupError> {
            let _: String = self
                .run("check", async |mut c| {
                    redis::cmd("PING").query_async(&mut c).await
                })
                .await?;
            Ok(())
        }

        fn key(&self, key: &str) -> String {
            format!("wxoa:dedup:{key}")
        }

        fn in_flight(value: &[u8]) -> bool {
            value.starts_with(IN_FLIGHT)
        }

        /// The connection, made now if there is none.
        async fn connection(&self) -> RedisResult<MultiplexedConnection> {
            if let Some(connection) = self.current() {
                return Ok(connection);
            }
            let _connecting = self.connecting.lock().await;
            if let Some(connection) = self.current() {
                return Ok(connection);
            }
            let connection = self
                .client
                .get_multiplexed_async_connection_with_config(&self.config)
                .await?;
            *self.slot() = Some(connection.clone());
            Ok(connection)
        }

        fn slot(&self) -> std::sync::MutexGuard<'_, Option<MultiplexedConnection>> {
            // The slot is only ever replaced whole: a poisoned lock still guards a usable value.
            self.connection
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }

        fn current(&self) -> Option<MultiplexedConnection> {
            self.slot().clone()
        }

        /// Runs one operation within the operation timeout, unless the store failed moments
        /// ago; keeps the store's health up to date.
        async fn run<T>(
            &self,
            op: &'static str,
            command: impl AsyncFnOnce(MultiplexedConnection) -> RedisResult<T>,
        ) -> Result<T, DedupError> {
            if !self.health.admit() {
                return Err(DedupError::Unavailable { op });
            }
            let attempt = async {
                let connection = self.connection().await?;
                command(connection).await
            };
            let error = match tokio::time::timeout(self.op_timeout, attempt).await {
                Ok(Ok(value)) => {
                    if self.health.answered() {
                        tracing::warn!(redis = %self.shown, "the Redis dedupe store answers again: dedupe across instances resumes");
                    }
                    return Ok(value);
                }
                // The connection's own response timeout is the same limit.
                Ok(Err(source)) if source.is_timeout() => DedupError::TimedOut {
                    op,
                    limit: self.op_timeout,
                },
                Ok(Err(source)) => DedupError::Failed {
                    op,
                    source: Box::new(source),
                },
                Err(_) => DedupError::TimedOut {
                    op,
                    limit: self.op_timeout,
                },
            };
            // A connection that failed or stalled is not used again: a peer that vanished
            // without closing it would otherwise stall every operation until TCP gives up.
            self.slot().take();
            if self.health.failed() {
                tracing::warn!(
                    redis = %self.shown,
                    %error,
                    "the Redis dedupe store failed: pushes are handled without dedupe until it answers again (tried every {RETRY_PAUSE:?})"
                );
            }
            Err(error)
        }
    }

    /// Whether Redis answers. After a failure no operation is sent for [`RETRY_PAUSE`]; then
    /// the first operation to come tries, and the others keep failing at once until it has
    /// answered.
    struct Health {
        origin: Instant,
        /// Milliseconds after `origin` from which an operation may try Redis again; zero while
        /// Redis answers.
        retry_at: AtomicU64,
    }

    impl Health {
        fn new() -> Self {
            Self {
                origin: Instant::now(),
                retry_at: AtomicU64::new(0),
            }
        }

        /// Milliseconds since `origin`, never zero.
        fn now(&self) -> u64 {
            u64::try_from(self.origin.elapsed().as_millis())
                .unwrap_or(u64::MAX)
                .max(1)
        }

        fn pause(&self) -> u64 {
            let pause = u64::try_from(RETRY_PAUSE.as_millis()).unwrap_or(u64::MAX);
            self.now().saturating_add(pause)
        }

        /// Whether an operation may try Redis now.
        fn admit(&self) -> bool {
            let retry_at = self.retry_at.load(Ordering::Relaxed);
            if retry_at == 0 {
                return true;
            }
            // The one operation that moves the next try on is the one that tries now.
            self.now() >= retry_at
                && self
                    .retry_at
                    .compare_exchange(retry_at, self.pause(), Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok()
        }

        /// Records a failure; true when Redis had been answering until now.
        fn failed(&self) -> bool {
            self.retry_at.swap(self.pause(), Ordering::Relaxed) == 0
        }

        /// Records an answer; true when Redis had been failing until now.
        fn answered(&self) -> bool {
            self.retry_at.load(Ordering::Relaxed) != 0
                && self.retry_at.swap(0, Ordering::Relaxed) != 0
        }
    }

    /// A connection that gives up connecting, and waiting for each answer, after `timeout`.
    fn connection_config(timeout: Duration) -> AsyncConnectionConfig {
        AsyncConnectionConfig::new()
            .set_connection_timeout(timeout)
            .set_response_timeout(timeout)
    }

    /// A window as an expiry for Redis, which refuses zero and very large ones.
    fn millis(window: Duration) -> u64 {
        u64::try_from(window.min(LONGEST).as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    impl DedupStore for RedisDedup {
        fn claim<'a>(
            &'a self,
            key: &'a str,
            windows: Windows,
        ) -> BoxFuture<'a, Result<Claim, DedupError>> {
            Box::pin(async move {
                let key = self.key(key);
                let found: Option<Vec<u8>> = self
                    .run("claim", async |mut c| {
                        self.claim
                            .key(&key)
                            .arg(&self.marker)
                            .arg(millis(windows.claim))
                            .invoke_async(&mut c)
                            .await
                    })
                    .await?;
                Ok(match found {
                    None => Claim::Claimed,
                    Some(value) if Self::in_flight(&value) => Claim::InFlight,
                    Some(answer) => Claim::Done(Bytes::from(answer)),
                })
            })
        }

        fn complete<'a>(
            &'a self,
            key: &'a str,
            answer: &'a [u8],
            windows: Windows,
        ) -> BoxFuture<'a, Result<(), DedupError>> {
            Box::pin(async move {
                let key = self.key(key);
                self.run("complete", async |mut c| {
                    c.pset_ex(&key, answer, millis(windows.keep)).await
                })
                .await
            })
        }

        fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), DedupError>> {
            Box::pin(async move {
                let key = self.key(key);
                let _: i64 = self
                    .run("release", async |mut c| {
                        self.release
                            .key(&key)
                            .arg(&self.marker)
                            .invoke_async(&mut c)
                            .await
                    })
                    .await?;
                Ok(())
            })
        }

        fn wait<'a>(
            &'a self,
            key: &'a str,
            timeout: Duration,
        ) -> BoxFuture<'a, Result<Option<Bytes>, DedupError>> {
            Box::pin(async move {
                let key = self.key(key);
                let polling = async {
                    loop {
                        let value: Option<Vec<u8>> =
                            self.run("wait", async |mut c| c.get(&key).await).await?;
                        match value {
                            Some(value) if Self::in_flight(&value) => {}
                            Some(answer) => return Ok(Some(Bytes::from(answer))),
                            // Released, or the claim lapsed: its holder died.
                            None => return Ok(None),
                        }
                        tokio::time::sleep(self.poll).await;
                    }
                };
                // The wait as a whole is bounded too: no answer in time is "no answer".
                tokio::time::timeout(timeout, polling)
                    .await
                    .unwrap_or(Ok(None))
            })
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const W: Windows = Windows {
        claim: Duration::from_secs(5),
        keep: Duration::from_secs(360),
    };

    #[tokio::test]
    async fn first_claims_retry_waits_then_sees_the_answer() {
        let store = MemoryDedup::default();
        assert!(matches!(store.claim("k", W).await.unwrap(), Claim::Claimed));
        assert!(matches!(
            store.claim("k", W).await.unwrap(),
            Claim::InFlight
        ));
        let waiter = {
            let store = &store;
            async move { store.wait("k", Duration::from_secs(5)).await.unwrap() }
        };
        let completer = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            store.complete("k", b"answer", W).await.unwrap();
        };
        let (answer, ()) = tokio::join!(waiter, completer);
        assert_eq!(answer.as_deref(), Some(&b"answer"[..]));
        assert!(matches!(store.claim("k", W).await.unwrap(), Claim::Done(a) if a == "answer"));
    }

    #[tokio::test]
    async fn release_lets_the_next_retry_run_again() {
        let store = MemoryDedup::default();
        assert!(matches!(store.claim("k", W).await.unwrap(), Claim::Claimed));
        let waiter = store.wait("k", Duration::from_secs(5));
        store.release("k").await.unwrap();
        assert_eq!(waiter.await.unwrap(), None);
        assert!(matches!(store.claim("k", W).await.unwrap(), Claim::Claimed));
    }

    #[tokio::test]
    async fn memory_is_bounded() {
        let store = MemoryDedup::default().capacity(160);
        for i in 0..10_000 {
            let key = format!("k{i}");
            assert!(matches!(
                store.claim(&key, W).await.unwrap(),
                Claim::Claimed
            ));
            store.complete(&key, b"a", W).await.unwrap();
        }
        let remembered = store.remembered();
        assert!(remembered <= 160, "{remembered} remembered");
        // The most recent ones are still recognised.
        assert!(matches!(
            store.claim("k9999", W).await.unwrap(),
            Claim::Done(_)
        ));
    }

    #[tokio::test]
    async fn the_same_key_is_seen_from_every_thread() {
        let store = std::sync::Arc::new(MemoryDedup::default());
        assert!(matches!(
            store.claim("shared", W).await.unwrap(),
            Claim::Claimed
        ));
        let other = store.clone();
        let seen = std::thread::spawn(move || {
            matches!(other.claim_in_memory("shared", W), Claim::InFlight)
        })
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
            assert!(matches!(
                store.claim(&key, W).await.unwrap(),
                Claim::Claimed
            ));
            store.complete(&key, &answer(i), W).await.unwrap();
        }
        store
            .complete("success", NO_REPLY.as_bytes(), W)
            .await
            .unwrap();
        for i in 0..2_000 {
            match store.claim(&format!("k{i}"), W).await.unwrap() {
                Claim::Done(kept) => assert_eq!(kept, answer(i), "answer {i}"),
                other => panic!("answer {i}: {other:?}"),
            }
        }
        assert!(
            matches!(store.claim("success", W).await.unwrap(), Claim::Done(a) if a == NO_REPLY)
        );
    }

    #[tokio::test]
    async fn answers_are_kept_for_the_window_they_were_given() {
        let store = MemoryDedup::default();
        let short = Windows {
            keep: Duration::from_millis(300),
            ..W
        };
        store.claim("k", short).await.unwrap();
        store.complete("k", b"a", short).await.unwrap();
        store.complete("long", b"b", W).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(matches!(
            store.claim("k", short).await.unwrap(),
            Claim::Done(_)
        ));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(matches!(
            store.claim("k", short).await.unwrap(),
            Claim::Claimed
        ));
        assert!(matches!(store.claim("long", W).await.unwrap(), Claim::Done(a) if a == "b"));
    }

    #[tokio::test]
    async fn a_claim_in_memory_lasts_until_its_answer() {
        // A claim's window is for shared stores: in one process, the claim's holder is alive
        // as long as the memory is, so a retry keeps waiting for it.
        let store = MemoryDedup::default();
        let brief = Windows {
            claim: Duration::from_millis(10),
            ..W
        };
        store.claim("k", brief).await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(matches!(
            store.claim("k", brief).await.unwrap(),
            Claim::InFlight
        ));
    }

    #[test]
    fn windows_follow_the_budget_and_the_replay_window() {
        let windows = Windows::new(Duration::from_millis(4500), Duration::from_secs(300));
        // The claim lapses before the platform's retry, 5 s after the first delivery.
        assert_eq!(windows.claim, Duration::from_millis(4750));
        // Answers outlive the replay window, whatever it is configured to.
        assert_eq!(windows.keep, Duration::from_secs(360));
        let long = Windows::new(Duration::from_millis(4500), Duration::from_secs(3600));
        assert_eq!(long.keep, Duration::from_secs(3660));
        // With the check off, the default window still applies.
        let off = Windows::new(Duration::from_millis(4500), Duration::ZERO);
        assert_eq!(off.keep, Duration::from_secs(360));
        assert_eq!(Windows::default(), windows);
    }

    #[tokio::test]
    async fn an_absurd_window_is_capped_not_a_panic() {
        let store = MemoryDedup::default();
        let forever = Windows::new(Duration::from_millis(4500), Duration::MAX);
        assert!(matches!(
            store.claim("k", forever).await.unwrap(),
            Claim::Claimed
        ));
        store.complete("k", b"a", forever).await.unwrap();
        store.complete("other", b"b", forever).await.unwrap();
        assert!(matches!(
            store.claim("k", forever).await.unwrap(),
            Claim::Done(_)
        ));
    }
}
