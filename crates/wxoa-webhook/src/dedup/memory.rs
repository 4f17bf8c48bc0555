//! The store in this process's memory: sharded, bounded rings of claims and answers, with
//! answers copied into shared chunks.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures::future::BoxFuture;
use tokio::sync::watch;
use wxoa_types::reply::NO_REPLY;

use super::{Claim, DedupError, DedupStore, LONGEST, Windows};

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

    fn complete<'a>(
        &'a self,
        key: &'a str,
        answer: &'a [u8],
        windows: Windows,
    ) -> BoxFuture<'a, Result<(), DedupError>> {
        self.complete_in_memory(key, answer, windows);
        Box::pin(async { Ok(()) })
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
