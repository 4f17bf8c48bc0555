//! What the token manager keeps in the process for one `(AppID, kind)` — the cached token and
//! when to refresh it, the in-process single flight, the background refresh in progress, the
//! quota guard's recent fetches and the counters — and what a caller asks of it ([`Need`]) or
//! finds in it ([`Lookup`]).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::token::{Token, TokenKey};

/// A token held in the process's memory, with when to refresh it.
#[derive(Clone)]
pub(super) struct Cached {
    pub(super) token: Token,
    pub(super) refresh_at_ms: u64,
}

/// Everything the process keeps for one `(AppID, kind)`.
pub(crate) struct Slot {
    pub(super) key: TokenKey,
    pub(super) cached: RwLock<Option<Cached>>,
    /// Held by the caller that fetches; the others wait on it (in-process single flight).
    pub(super) flight: tokio::sync::Mutex<()>,
    pub(super) refreshing: AtomicBool,
    pub(super) next_background_ms: AtomicU64,
    /// When the recent fetches happened, for the quota guard.
    pub(super) fetches: Mutex<VecDeque<u64>>,
    /// Every fetch this process made for the slot (adoptions from the store not counted).
    pub(super) fetched_total: AtomicU64,
    /// The forced refreshes among them.
    pub(super) forced_total: AtomicU64,
    /// Fetches the quota guard refused.
    pub(super) refused_total: AtomicU64,
}

impl Slot {
    pub(crate) fn new(key: TokenKey) -> Self {
        Self {
            key,
            cached: RwLock::new(None),
            flight: tokio::sync::Mutex::new(()),
            refreshing: AtomicBool::new(false),
            next_background_ms: AtomicU64::new(0),
            fetches: Mutex::new(VecDeque::new()),
            fetched_total: AtomicU64::new(0),
            forced_total: AtomicU64::new(0),
            refused_total: AtomicU64::new(0),
        }
    }

    /// How many tokens this process fetched for the slot.
    pub(crate) fn fetched_total(&self) -> u64 {
        self.fetched_total.load(Ordering::Relaxed)
    }

    /// How many of them were forced refreshes.
    pub(crate) fn forced_total(&self) -> u64 {
        self.forced_total.load(Ordering::Relaxed)
    }

    pub(crate) fn key(&self) -> &TokenKey {
        &self.key
    }

    pub(super) fn cached(&self) -> Option<Cached> {
        // A poisoned lock only means a panic elsewhere; the value is always whole.
        self.cached
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The token the process holds, if any (usable or not): nothing is fetched or read.
    pub(crate) fn held(&self) -> Option<Token> {
        self.cached().map(|cached| cached.token)
    }

    pub(super) fn set_cached(&self, cached: Option<Cached>) {
        *self.cached.write().unwrap_or_else(|e| e.into_inner()) = cached;
    }
}

/// What the process's memory holds for a slot.
pub(crate) enum Lookup {
    /// A usable token.
    Fresh(Token),
    /// A usable token that is due for a refresh.
    RefreshDue(Token),
    /// Nothing usable.
    Missing,
}

/// Which token a caller will accept.
#[derive(Clone)]
pub(crate) enum Need {
    /// Any usable token.
    Any,
    /// Only one that expires after this (Unix milliseconds): refresh ahead.
    After(u64),
    /// One other than this token, which was rejected — or this same one if the platform has
    /// just reaffirmed it, so that any number of reports of one token cause one replacement.
    Replacing(Token),
}

impl Need {
    /// A token that outlives `current`.
    pub(crate) fn after(current: &Token) -> Self {
        Need::After(current.expires_at_ms())
    }
}

/// A background refresh in progress; dropping it lets the next one start.
pub(crate) struct Background<'a>(pub(super) &'a Slot);

impl Drop for Background<'_> {
    fn drop(&mut self) {
        self.0.refreshing.store(false, Ordering::Release);
    }
}
