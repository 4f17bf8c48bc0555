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
//! [`MemoryDedup`] (in `memory.rs`) serves one process; `RedisDedup` (feature `redis`, in
//! `redis/`) every instance that shares one Redis. A store that fails answers with a
//! [`DedupError`], and the webhook then handles the push without dedupe: an unavailable store
//! must not lose messages. A shared store also keeps an [`Outbox`] (`outbox.rs`) of pushes
//! whose handler runs past its request, so that another instance finishes them when their own
//! dies. This file owns what every store shares: the trait, its answers and its errors.

use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;

mod deliveries;
mod memory;
pub mod outbox;
#[cfg(feature = "redis")]
mod redis;

pub(crate) use self::deliveries::{Turn, dedupe_key};
pub use self::memory::MemoryDedup;
pub use self::outbox::Outbox;
#[cfg(feature = "redis")]
pub use self::redis::RedisDedup;

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
        /// The operation.
        op: DedupOp,
        /// How long it was given.
        limit: Duration,
    },
    /// The store answered with an error, or could not be reached.
    #[error("the dedupe store failed {op}: {source}")]
    Failed {
        /// The operation.
        op: DedupOp,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Not tried: the store failed moments ago. It is tried again shortly, by one operation at
    /// a time, so that an outage costs each push nothing.
    #[error("the dedupe store is unavailable after a recent failure ({op} not tried)")]
    Unavailable {
        /// The operation.
        op: DedupOp,
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

/// An operation of a dedupe store, named in its [`DedupError`]s, logs and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DedupOp {
    /// Claiming a push's key.
    Claim,
    /// Waiting for the answer of a delivery in flight.
    Wait,
    /// Recording a push's answer.
    Complete,
    /// Releasing a claim whose handler failed.
    Release,
    /// Checking that the store answers.
    Check,
    /// Parking a late reply in the outbox.
    Park,
    /// Renewing the lease on a parked job.
    Renew,
    /// Finishing a parked job.
    Finish,
    /// Taking over the jobs of an instance that died.
    Recover,
}

impl DedupOp {
    /// The operation's name (`claim`, `park`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            DedupOp::Claim => "claim",
            DedupOp::Wait => "wait",
            DedupOp::Complete => "complete",
            DedupOp::Release => "release",
            DedupOp::Check => "check",
            DedupOp::Park => "park",
            DedupOp::Renew => "renew",
            DedupOp::Finish => "finish",
            DedupOp::Recover => "recover",
        }
    }
}

impl std::fmt::Display for DedupOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
    /// Records the answer of the delivery that claimed `key` (the store keeps its own copy)
    /// for `windows.keep`.
    fn complete<'a>(
        &'a self,
        key: &'a str,
        answer: &'a [u8],
        windows: Windows,
    ) -> BoxFuture<'a, Result<(), DedupError>>;
    /// Frees `key` after a failed handler, so that a retry runs it again.
    fn release<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), DedupError>>;
    /// Waits up to `timeout` for the answer to `key`: `None` if it was released, its claim
    /// lapsed, or the answer did not come.
    fn wait<'a>(
        &'a self,
        key: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Option<Bytes>, DedupError>>;
    /// The store's [`Outbox`] of late work, when it keeps one that other processes share;
    /// `None` (the default, and the memory store's answer): late work lives only in this
    /// process's memory, and a crash loses it.
    fn outbox(&self) -> Option<&dyn Outbox> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
