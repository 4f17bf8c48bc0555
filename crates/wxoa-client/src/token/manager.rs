//! The token manager: single flight, refresh ahead, compare-and-invalidate, the quota guard,
//! and surviving store failures.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use futures::future::BoxFuture;

use super::{StoreError, Token, TokenKey, TokenStore, jitter, now_ms};
use crate::error::{Error, Result};

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
    /// brought back the same token is tried again after it). Default 30 s.
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

/// The quota guard: at most `max_fetches` fetches of each token (per AppID and kind) in any
/// `window`, in this process. Beyond it calls fail at once with
/// [`Error::TokenQuota`](crate::Error::TokenQuota) instead of burning the platform's daily
/// quota in a refresh loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaPolicy {
    /// Fetches allowed in a window. Default 20.
    pub max_fetches: usize,
    /// The sliding window. Default one hour.
    pub window: Duration,
}

impl Default for QuotaPolicy {
    fn default() -> Self {
        Self {
            max_fetches: 20,
            window: Duration::from_secs(3600),
        }
    }
}

/// How fetchers of several processes wait for each other through the store's lock.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LockPolicy {
    /// The lock's time to live, should its holder die.
    pub(crate) ttl: Duration,
    /// How long a caller waits for another process's fetch before fetching itself.
    pub(crate) wait: Duration,
    /// How often a waiting caller looks at the store (plus up to as much again, at random).
    pub(crate) poll: Duration,
}

impl Default for LockPolicy {
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(30),
            wait: Duration::from_secs(15),
            poll: Duration::from_millis(25),
        }
    }
}

/// A token held in the process's memory, with when to refresh it.
#[derive(Clone)]
struct Cached {
    token: Token,
    refresh_at_ms: u64,
}

/// Everything the process keeps for one `(AppID, kind)`.
pub(crate) struct Slot {
    key: TokenKey,
    cached: RwLock<Option<Cached>>,
    /// Held by the caller that fetches; the others wait on it (in-process single flight).
    flight: tokio::sync::Mutex<()>,
    refreshing: AtomicBool,
    next_background_ms: AtomicU64,
    /// When the recent fetches happened, for the quota guard.
    fetches: Mutex<VecDeque<u64>>,
    /// Every fetch this process made for the slot (adoptions from the store not counted).
    fetched_total: AtomicU64,
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
        }
    }

    /// How many tokens this process fetched for the slot.
    pub(crate) fn fetched_total(&self) -> u64 {
        self.fetched_total.load(Ordering::Relaxed)
    }

    pub(crate) fn key(&self) -> &TokenKey {
        &self.key
    }

    fn cached(&self) -> Option<Cached> {
        // A poisoned lock only means a panic elsewhere; the value is always whole.
        self.cached
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_cached(&self, cached: Option<Cached>) {
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

/// Which token a caller that fetches will accept.
#[derive(Clone, Copy)]
pub(crate) struct Need<'a> {
    /// Not this one: it failed.
    reject: Option<&'a Token>,
    /// Only one that expires after this (refresh ahead).
    newer_than_ms: u64,
}

impl<'a> Need<'a> {
    /// Any usable token.
    pub(crate) fn any() -> Self {
        Self {
            reject: None,
            newer_than_ms: 0,
        }
    }

    /// A token other than `failed`.
    pub(crate) fn replacing(failed: &'a Token) -> Self {
        Self {
            reject: Some(failed),
            newer_than_ms: 0,
        }
    }

    /// A token that outlives `current`.
    pub(crate) fn after(current: &Token) -> Self {
        Self {
            reject: None,
            newer_than_ms: current.expires_at_ms(),
        }
    }

    fn accepts(&self, token: &Token, now: u64) -> bool {
        token.is_usable_at(now)
            && token.expires_at_ms() > self.newer_than_ms
            && !self.reject.is_some_and(|r| r.same_value(token))
    }

    /// Whether a token found while waiting will do: acceptable, or fetched by somebody else
    /// after the wait began (what the platform gives now, even if it is the same value again).
    fn accepts_after_wait(&self, token: &Token, now: u64, started: u64) -> bool {
        self.accepts(token, now) || (token.fetched_at_ms() >= started && token.is_usable_at(now))
    }
}

/// A background refresh in progress; dropping it lets the next one start.
pub(crate) struct Background<'a>(&'a Slot);

impl Drop for Background<'_> {
    fn drop(&mut self) {
        self.0.refreshing.store(false, Ordering::Release);
    }
}

/// Fetches one kind of token for one account.
pub(crate) trait Fetch: Sync {
    /// Fetches a token; `rejected` is the one that failed, if that is why.
    fn fetch<'a>(&'a self, rejected: Option<&'a Token>) -> BoxFuture<'a, Result<Token>>;
}

/// Puts the store, the policies and the fetchers together.
#[derive(Debug)]
pub(crate) struct TokenManager {
    store: Arc<dyn TokenStore>,
    refresh: RefreshPolicy,
    quota: QuotaPolicy,
    lock: LockPolicy,
    store_down: AtomicBool,
    /// Until when the store is left alone after a failure (Unix milliseconds).
    store_retry_at_ms: AtomicU64,
}

/// How long a failed store is left alone before it is tried again.
const STORE_PAUSE: Duration = Duration::from_secs(1);

impl TokenManager {
    pub(crate) fn new(
        store: Arc<dyn TokenStore>,
        refresh: RefreshPolicy,
        quota: QuotaPolicy,
        lock: LockPolicy,
    ) -> Self {
        Self {
            store,
            refresh,
            quota,
            lock,
            store_down: AtomicBool::new(false),
            store_retry_at_ms: AtomicU64::new(0),
        }
    }

    pub(crate) fn store(&self) -> &Arc<dyn TokenStore> {
        &self.store
    }

    /// What the process's memory holds: the fast path of every call.
    pub(crate) fn lookup(&self, slot: &Slot, now: u64) -> Lookup {
        let guard = slot.cached.read().unwrap_or_else(|e| e.into_inner());
        match &*guard {
            Some(c) if c.token.is_usable_at(now) => {
                if now >= c.refresh_at_ms {
                    Lookup::RefreshDue(c.token.clone())
                } else {
                    Lookup::Fresh(c.token.clone())
                }
            }
            _ => Lookup::Missing,
        }
    }

    /// Whether the caller should start a background refresh of `slot` now (at most one at a
    /// time, at most one per retry interval). Hold [`TokenManager::background`] while it runs.
    pub(crate) fn begin_background(&self, slot: &Slot, now: u64) -> bool {
        if now < slot.next_background_ms.load(Ordering::Relaxed)
            || slot.refreshing.swap(true, Ordering::AcqRel)
        {
            return false;
        }
        let interval = u64::try_from(self.refresh.retry_interval.as_millis()).unwrap_or(u64::MAX);
        slot.next_background_ms
            .store(now.saturating_add(interval), Ordering::Relaxed);
        true
    }

    /// A guard that ends the background refresh of `slot` when dropped.
    pub(crate) fn background<'a>(&self, slot: &'a Slot) -> Background<'a> {
        Background(slot)
    }

    /// Drops what the process holds for `slot` (an account was removed).
    pub(crate) fn forget(&self, slot: &Slot) {
        slot.set_cached(None);
    }

    /// A token that `need` accepts: from the process's memory, from the store, or fetched —
    /// by one caller of the process at a time, and by one process at a time through the store's
    /// lock.
    pub(crate) async fn obtain(
        &self,
        slot: &Slot,
        need: Need<'_>,
        fetcher: &dyn Fetch,
    ) -> Result<Token> {
        let started = now_ms();
        let _flight = slot.flight.lock().await;
        // Another caller of this process may have fetched while this one waited.
        if let Some(cached) = slot.cached()
            && need.accepts_after_wait(&cached.token, now_ms(), started)
        {
            return Ok(cached.token);
        }
        // A store that just failed is left alone for a moment rather than waited on by every
        // fetch (an unreachable Redis costs a timeout per operation).
        if self.store_paused() {
            return self.fetch(slot, need, fetcher).await;
        }
        if let Some(token) = self.stored(slot, |t, now| need.accepts(t, now)).await {
            return Ok(token);
        }
        let deadline = started.saturating_add(millis(self.lock.wait));
        loop {
            match self.store.try_lock(&slot.key, self.lock.ttl).await {
                Ok(Some(lock)) => {
                    self.store_ok(&slot.key);
                    // Whoever held the lock before may have stored a token just now.
                    let found = self
                        .stored(slot, |t, now| need.accepts_after_wait(t, now, started))
                        .await;
                    let result = match found {
                        Some(token) => Ok(token),
                        None => self.fetch(slot, need, fetcher).await,
                    };
                    if let Err(e) = self.store.unlock(lock).await {
                        self.store_failed(&slot.key, &e);
                    }
                    return result;
                }
                Ok(None) => {
                    if now_ms() >= deadline {
                        tracing::warn!(
                            key = %slot.key,
                            store = self.store.name(),
                            waited = ?self.lock.wait,
                            "another process has held the token fetch lock too long; fetching without it"
                        );
                        return self.fetch(slot, need, fetcher).await;
                    }
                    tokio::time::sleep(self.lock.poll + jitter(self.lock.poll)).await;
                    let found = self
                        .stored(slot, |t, now| need.accepts_after_wait(t, now, started))
                        .await;
                    if let Some(token) = found {
                        return Ok(token);
                    }
                    if self.store_paused() {
                        return self.fetch(slot, need, fetcher).await;
                    }
                }
                Err(e) => {
                    self.store_failed(&slot.key, &e);
                    return self.fetch(slot, need, fetcher).await;
                }
            }
        }
    }

    /// Drops `failed` from the process's memory and from the store, in each only if it is
    /// still the token held there.
    pub(crate) async fn invalidate(&self, slot: &Slot, failed: &Token) {
        {
            let mut cached = slot.cached.write().unwrap_or_else(|e| e.into_inner());
            if cached.as_ref().is_some_and(|c| c.token.same_value(failed)) {
                *cached = None;
            }
        }
        if self.store_paused() {
            return;
        }
        match self.store.invalidate(&slot.key, failed).await {
            Ok(removed) => {
                self.store_ok(&slot.key);
                tracing::debug!(key = %slot.key, removed, "compare-and-invalidate");
            }
            Err(e) => self.store_failed(&slot.key, &e),
        }
    }

    /// The store's token if `accept` takes it, remembered in the process's memory.
    async fn stored(&self, slot: &Slot, accept: impl Fn(&Token, u64) -> bool) -> Option<Token> {
        match self.store.get(&slot.key).await {
            Ok(Some(token)) => {
                self.store_ok(&slot.key);
                if accept(&token, now_ms()) {
                    self.remember(slot, &token);
                    return Some(token);
                }
                None
            }
            Ok(None) => {
                self.store_ok(&slot.key);
                None
            }
            Err(e) => {
                self.store_failed(&slot.key, &e);
                None
            }
        }
    }

    /// Fetches (within the quota), stores and remembers a token.
    async fn fetch(&self, slot: &Slot, need: Need<'_>, fetcher: &dyn Fetch) -> Result<Token> {
        self.check_quota(slot)?;
        let token = fetcher.fetch(need.reject).await?;
        slot.fetched_total.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            key = %slot.key,
            expires_in_s = token.lifetime_ms() / 1000,
            "fetched a new token"
        );
        if !self.store_paused() {
            match self.store.put(&slot.key, &token).await {
                Ok(()) => self.store_ok(&slot.key),
                Err(e) => self.store_failed(&slot.key, &e),
            }
        }
        self.remember(slot, &token);
        Ok(token)
    }

    fn remember(&self, slot: &Slot, token: &Token) {
        let lifetime = token.lifetime_ms();
        let ahead = millis(self.refresh.margin) + millis(jitter(self.refresh.jitter));
        let refresh_at_ms = token
            .expires_at_ms()
            .saturating_sub(ahead)
            .max(token.fetched_at_ms() + lifetime / 2);
        slot.set_cached(Some(Cached {
            token: token.clone(),
            refresh_at_ms,
        }));
    }

    fn check_quota(&self, slot: &Slot) -> Result<()> {
        let now = now_ms();
        let window = millis(self.quota.window);
        let mut fetches = slot.fetches.lock().unwrap_or_else(|e| e.into_inner());
        while fetches
            .front()
            .is_some_and(|&at| now.saturating_sub(at) >= window)
        {
            fetches.pop_front();
        }
        if fetches.len() >= self.quota.max_fetches {
            let oldest = fetches.front().copied().unwrap_or(now);
            let retry_after =
                Duration::from_millis(oldest.saturating_add(window).saturating_sub(now));
            tracing::error!(
                key = %slot.key,
                fetches = fetches.len(),
                window = ?self.quota.window,
                "token quota guard: refusing to fetch again"
            );
            return Err(Error::TokenQuota {
                app_id: slot.key.app_id.clone(),
                kind: slot.key.kind,
                fetches: fetches.len(),
                window: self.quota.window,
                retry_after,
            });
        }
        fetches.push_back(now);
        Ok(())
    }

    /// Whether the store failed less than [`STORE_PAUSE`] ago.
    fn store_paused(&self) -> bool {
        now_ms() < self.store_retry_at_ms.load(Ordering::Relaxed)
    }

    fn store_failed(&self, key: &TokenKey, error: &StoreError) {
        self.store_retry_at_ms.store(
            now_ms().saturating_add(millis(STORE_PAUSE)),
            Ordering::Relaxed,
        );
        let chain = crate::transport::error_chain(error);
        if !self.store_down.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                store = self.store.name(),
                %key,
                error = %chain,
                "token store failed; serving tokens from process memory until it answers again"
            );
        } else {
            tracing::debug!(store = self.store.name(), %key, error = %chain, "token store still failing");
        }
    }

    fn store_ok(&self, key: &TokenKey) {
        if self.store_down.swap(false, Ordering::AcqRel) {
            tracing::warn!(
                store = self.store.name(),
                %key,
                "token store recovered; sharing tokens through it again"
            );
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
