//! When the token manager refreshes ahead of expiry ([`RefreshPolicy`]), and how fetchers of
//! several processes wait for each other through the store's lock ([`LockPolicy`]).

use std::time::Duration;

/// When tokens are refreshed ahead of their expiry.
///
/// A token is refreshed in the background once less than `margin` plus a random part of
/// `jitter` is left of its life (never before half of it has passed), while callers keep using
/// it. The random part spreads the refreshes of many processes sharing a store: the first one
/// fetches, the others find the new token in the store. With `stable_token` the margin should
/// stay under five minutes: earlier, the platform answers the same token again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Refresh when this much of the token's life is left. Default 180 s.
    pub margin: Duration,
    /// Plus a random part of this. Default 60 s.
    pub jitter: Duration,
    /// At most one background refresh per token in this interval (a refresh that failed or
    /// brought back the same token is tried again after it). Default 30 s, the spacing the
    /// platform keeps between two forced `stable_token` refreshes. A token the platform
    /// reaffirmed after it was reported rejected
    /// ([`Token::is_reaffirmed`](crate::token::Token::is_reaffirmed)) is not refreshed
    /// again for reports of it within this interval either.
    pub retry_interval: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            margin: Duration::from_secs(180),
            jitter: Duration::from_secs(60),
            retry_interval: Duration::from_secs(30),
        }
    }
}

/// How fetchers of several processes wait for each other through the store's lock.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LockPolicy {
    /// The lock's time to live, should its holder die. Its holder gives up working under it
    /// before it expires ([`LockPolicy::hold_limit`]), and callers of other processes wait for
    /// it that long.
    pub(crate) ttl: Duration,
    /// How often a waiting caller looks at the store (plus up to as much again, at random).
    pub(crate) poll: Duration,
}

impl Default for LockPolicy {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(30),
            poll: Duration::from_millis(25),
        }
    }
}

impl LockPolicy {
    /// How long a holder may work under the lock: its life less a tenth, left for the store's
    /// own operations, so that the lock never expires while its fetch still runs (two fetches
    /// at once).
    pub(super) fn hold_limit(&self) -> Duration {
        self.ttl.saturating_sub(self.ttl / 10)
    }
}
