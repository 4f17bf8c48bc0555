//! The token manager: single flight, refresh ahead, one replacement per rejected token, the
//! quota guard, and surviving store failures.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;

use super::{StoreError, StoreLock, Token, TokenKey, TokenStore, jitter, now_ms};
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
    /// brought back the same token is tried again after it). Default 30 s, the spacing the
    /// platform keeps between two forced `stable_token` refreshes. A token the platform
    /// reaffirmed after it was reported rejected ([`Token::is_reaffirmed`]) is not refreshed
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

/// The quota guard: at most `max_fetches` fetches of each token (per AppID and kind) in any
/// `window`, in this process. Beyond it a call that needs a fetch fails at once with
/// [`Error::TokenQuota`](crate::Error::TokenQuota), which says until when, instead of burning
/// the platform's daily quota in a refresh loop. The guard never stops serving a token that is
/// still valid: a refused refresh or replacement leaves the current token in place.
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
    fn hold_limit(&self) -> Duration {
        self.ttl.saturating_sub(self.ttl / 10)
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
    /// The forced refreshes among them.
    forced_total: AtomicU64,
    /// Fetches the quota guard refused.
    refused_total: AtomicU64,
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

/// The quota guard's state for one token, as [`crate::Client::token_quota_status`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct QuotaStatus {
    /// Fetches the guard refused since the client was built.
    pub refusals: u64,
    /// Until when the guard refuses to fetch, when it does now.
    pub refusing_until: Option<SystemTime>,
}

/// A background refresh in progress; dropping it lets the next one start.
pub(crate) struct Background<'a>(&'a Slot);

impl Drop for Background<'_> {
    fn drop(&mut self) {
        self.0.refreshing.store(false, Ordering::Release);
    }
}

/// What a fetch asks the source for.
#[derive(Clone, Copy)]
pub(crate) enum FetchMode<'a> {
    /// The current token: `stable_token` in normal mode, `cgi-bin/token`, the token server's
    /// `GET /token`.
    Current,
    /// The current token, in place of this rejected one (a token server is told which).
    Replacing(&'a Token),
    /// A forced refresh (`stable_token` with `force_refresh`), which ends the current token.
    Forced,
}

/// Fetches one kind of token for one account.
pub(crate) trait Fetch: Sync {
    /// Fetches a token.
    fn fetch<'a>(&'a self, mode: FetchMode<'a>) -> BoxFuture<'a, Result<Token>>;

    /// Whether the source can force a refresh ([`FetchMode::Forced`]).
    fn can_force(&self) -> bool;
}

/// The store's fetch lock while a caller holds it: released by [`HeldLock::release`], or, if
/// the caller is cancelled first, by a task spawned when it is dropped — a cancelled fetch never
/// leaves the lock to expire while the others wait.
struct HeldLock {
    store: Arc<dyn TokenStore>,
    lock: Option<StoreLock>,
}

impl HeldLock {
    async fn release(mut self) -> Result<(), StoreError> {
        match self.lock.take() {
            Some(lock) => self.store.unlock(lock).await,
            None => Ok(()),
        }
    }
}

impl Drop for HeldLock {
    fn drop(&mut self) {
        let Some(lock) = self.lock.take() else {
            return;
        };
        // Without a runtime (it is shutting down) the lock is dropped as it is: a file lock is
        // released with its file, a Redis lock expires after its time to live.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let store = Arc::clone(&self.store);
        runtime.spawn(async move {
            let key = lock.key().clone();
            match store.unlock(lock).await {
                Ok(()) => tracing::debug!(%key, "released the fetch lock of a cancelled fetch"),
                Err(error) => tracing::warn!(
                    %key,
                    error = %crate::transport::error_chain(&error),
                    "could not release the fetch lock of a cancelled fetch; it expires by itself"
                ),
            }
        });
    }
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
        slot.next_background_ms
            .store(now.saturating_add(self.recheck_ms()), Ordering::Relaxed);
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

    /// The quota guard's state for `slot`.
    pub(crate) fn quota_status(&self, slot: &Slot) -> QuotaStatus {
        let now = now_ms();
        let mut fetches = slot.fetches.lock().unwrap_or_else(|e| e.into_inner());
        let refusing_until = self
            .refused_until(&mut fetches, now)
            .map(|until| UNIX_EPOCH + Duration::from_millis(until));
        QuotaStatus {
            refusals: slot.refused_total.load(Ordering::Relaxed),
            refusing_until,
        }
    }

    /// A token that `need` accepts: from the process's memory, from the store, or fetched —
    /// by one caller of the process at a time, and by one process at a time through the store's
    /// lock.
    ///
    /// For [`Need::Replacing`], the fetch is one replacement however many callers, here and in
    /// every process sharing the store, report the same token: the current token (once); only if
    /// the platform answers the reported value again, one forced refresh where the source has
    /// one; and if that too answers the same value, the token is kept as reaffirmed, so that
    /// further reports of it fetch nothing for [`RefreshPolicy::retry_interval`].
    pub(crate) async fn obtain(
        &self,
        slot: &Slot,
        need: &Need,
        fetcher: &dyn Fetch,
    ) -> Result<Token> {
        let started = now_ms();
        let _flight = slot.flight.lock().await;
        // Another caller of this process may have fetched while this one waited.
        if let Some(cached) = slot.cached()
            && self.accepts_after_wait(need, &cached.token, now_ms(), started)
        {
            return Ok(cached.token);
        }
        // A store that just failed is left alone for a moment rather than waited on by every
        // fetch (an unreachable Redis costs a timeout per operation).
        if self.store_paused() {
            return self.fetch(slot, need, fetcher).await;
        }
        if let Some(token) = self.stored(slot, |t, now| self.accepts(need, t, now)).await {
            return Ok(token);
        }
        // The lock, if somebody holds it, lives at most its time to live from now, and its
        // holder gives up before then: waiting that long (and a poll more) means the holder is
        // stuck without being dead — a stopped process keeping a file lock — and only then
        // does this caller fetch without the lock.
        let deadline = now_ms()
            .saturating_add(millis(self.lock.ttl))
            .saturating_add(millis(self.lock.poll));
        loop {
            match self.store.try_lock(&slot.key, self.lock.ttl).await {
                Ok(Some(lock)) => {
                    self.store_ok(&slot.key);
                    let held = HeldLock {
                        store: Arc::clone(&self.store),
                        lock: Some(lock),
                    };
                    let result = self.under_lock(slot, need, fetcher, started).await;
                    if let Err(e) = held.release().await {
                        self.store_failed(&slot.key, &e);
                    }
                    return result;
                }
                Ok(None) => {
                    if now_ms() >= deadline {
                        tracing::warn!(
                            key = %slot.key,
                            store = self.store.name(),
                            ttl = ?self.lock.ttl,
                            "the token fetch lock is still held past its time to live (its holder is stuck); fetching without it"
                        );
                        return self.fetch(slot, need, fetcher).await;
                    }
                    tokio::time::sleep(self.lock.poll + jitter(self.lock.poll)).await;
                    let found = self
                        .stored(slot, |t, now| {
                            self.accepts_after_wait(need, t, now, started)
                        })
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

    /// What the holder of the store's lock does, within the lock's hold limit: adopt what the
    /// previous holder stored, or fetch.
    async fn under_lock(
        &self,
        slot: &Slot,
        need: &Need,
        fetcher: &dyn Fetch,
        started: u64,
    ) -> Result<Token> {
        let limit = self.lock.hold_limit();
        let work = async {
            // Whoever held the lock before may have stored a token just now.
            let found = self
                .stored(slot, |t, now| {
                    self.accepts_after_wait(need, t, now, started)
                })
                .await;
            match found {
                Some(token) => Ok(token),
                None => self.fetch(slot, need, fetcher).await,
            }
        };
        tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
            tracing::warn!(
                key = %slot.key,
                after = ?limit,
                "a token fetch took longer than the fetch lock may be held; giving it up and releasing the lock"
            );
            Err(Error::TokenFetchAbandoned {
                app_id: slot.key.app_id.clone(),
                kind: slot.key.kind,
                reason: crate::Abandoned::TookTooLong { limit },
            })
        })
    }

    /// Whether `need` takes `token` at `now`.
    fn accepts(&self, need: &Need, token: &Token, now: u64) -> bool {
        if !token.is_usable_at(now) {
            return false;
        }
        match need {
            Need::Any => true,
            Need::After(expires_ms) => token.expires_at_ms() > *expires_ms,
            Need::Replacing(rejected) => {
                !token.same_value(rejected)
                    || (token.is_reaffirmed()
                        && now.saturating_sub(token.fetched_at_ms()) < self.recheck_ms())
            }
        }
    }

    /// Whether a token found while waiting will do: acceptable, or — unless a rejected token
    /// is being replaced — fetched by somebody else after the wait began (what the platform
    /// gives now, even if it is the same value again).
    fn accepts_after_wait(&self, need: &Need, token: &Token, now: u64, started: u64) -> bool {
        self.accepts(need, token, now)
            || (!matches!(need, Need::Replacing(_))
                && token.fetched_at_ms() >= started
                && token.is_usable_at(now))
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

    /// Fetches what `need` asks for (within the quota), stores and remembers it.
    async fn fetch(&self, slot: &Slot, need: &Need, fetcher: &dyn Fetch) -> Result<Token> {
        let Need::Replacing(rejected) = need else {
            let token = self.fetch_once(slot, FetchMode::Current, fetcher).await?;
            self.keep(slot, &token).await;
            return Ok(token);
        };
        let current = self
            .fetch_once(slot, FetchMode::Replacing(rejected), fetcher)
            .await?;
        if !current.same_value(rejected) {
            self.keep(slot, &current).await;
            return Ok(current);
        }
        // The platform still answers the reported token as its current one (stable_token's
        // normal mode does, CONTRACT §5): only a forced refresh replaces it.
        let latest = if fetcher.can_force() {
            match self.fetch_once(slot, FetchMode::Forced, fetcher).await {
                Ok(forced) if !forced.same_value(rejected) => {
                    self.keep(slot, &forced).await;
                    return Ok(forced);
                }
                Ok(forced) => forced,
                Err(error) => {
                    tracing::warn!(
                        key = %slot.key,
                        error = %crate::transport::error_chain(&error),
                        "could not force a refresh of a reported token; serving the token the platform still answers as current"
                    );
                    current
                }
            }
        } else {
            current
        };
        tracing::warn!(
            key = %slot.key,
            recheck = ?self.refresh.retry_interval,
            "the platform answered the reported token again: keeping it as reaffirmed; reports of it cause no fetch within the recheck interval"
        );
        let reaffirmed = latest.reaffirmed(true);
        self.keep(slot, &reaffirmed).await;
        Ok(reaffirmed)
    }

    /// One fetch from the source, counted by the quota guard.
    async fn fetch_once(
        &self,
        slot: &Slot,
        mode: FetchMode<'_>,
        fetcher: &dyn Fetch,
    ) -> Result<Token> {
        self.check_quota(slot)?;
        let token = fetcher.fetch(mode).await?;
        slot.fetched_total.fetch_add(1, Ordering::Relaxed);
        let forced = matches!(mode, FetchMode::Forced);
        if forced {
            slot.forced_total.fetch_add(1, Ordering::Relaxed);
        }
        tracing::info!(
            key = %slot.key,
            forced,
            expires_in_s = token.lifetime_ms() / 1000,
            "fetched a new token"
        );
        Ok(token)
    }

    /// Stores (unless the store is paused) and remembers a fetched token.
    async fn keep(&self, slot: &Slot, token: &Token) {
        if !self.store_paused() {
            match self.store.put(&slot.key, token).await {
                Ok(()) => self.store_ok(&slot.key),
                Err(e) => self.store_failed(&slot.key, &e),
            }
        }
        self.remember(slot, token);
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

    /// Until when (Unix milliseconds) the guard refuses, given the recent fetches; drops those
    /// that left the window.
    fn refused_until(&self, fetches: &mut VecDeque<u64>, now: u64) -> Option<u64> {
        let window = millis(self.quota.window);
        while fetches
            .front()
            .is_some_and(|&at| now.saturating_sub(at) >= window)
        {
            fetches.pop_front();
        }
        (fetches.len() >= self.quota.max_fetches).then(|| {
            fetches
                .front()
                .copied()
                .unwrap_or(now)
                .saturating_add(window)
        })
    }

    fn check_quota(&self, slot: &Slot) -> Result<()> {
        let now = now_ms();
        let mut fetches = slot.fetches.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = self.refused_until(&mut fetches, now) {
            slot.refused_total.fetch_add(1, Ordering::Relaxed);
            let retry_after = Duration::from_millis(until.saturating_sub(now));
            tracing::error!(
                key = %slot.key,
                fetches = fetches.len(),
                window = ?self.quota.window,
                retry_after_s = retry_after.as_secs(),
                "token quota guard: refusing to fetch again"
            );
            return Err(Error::TokenQuota {
                app_id: slot.key.app_id.clone(),
                kind: slot.key.kind,
                fetches: fetches.len(),
                window: self.quota.window,
                retry_after,
                retry_at: UNIX_EPOCH + Duration::from_millis(until),
            });
        }
        fetches.push_back(now);
        Ok(())
    }

    /// How long a reaffirmed token is not refreshed again for reports of it, and how long
    /// background refreshes of a token are spaced.
    fn recheck_ms(&self) -> u64 {
        millis(self.refresh.retry_interval)
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::token::{MemoryStore, TokenKind};

    /// A platform that never answers: the fetch stalls until it is cancelled.
    struct Stalled;

    impl Fetch for Stalled {
        fn fetch<'a>(&'a self, _mode: FetchMode<'a>) -> BoxFuture<'a, Result<Token>> {
            Box::pin(futures::future::pending())
        }

        fn can_force(&self) -> bool {
            false
        }
    }

    /// A fetch cancelled while it holds `store`'s lock (whose time to live is a minute)
    /// releases the lock at once.
    async fn cancelled_fetch_releases_the_lock(store: Arc<dyn TokenStore>, app_id: &str) {
        let key = TokenKey::new(app_id, TokenKind::AccessToken);
        let manager = Arc::new(TokenManager::new(
            Arc::clone(&store),
            RefreshPolicy::default(),
            QuotaPolicy::default(),
            LockPolicy {
                ttl: Duration::from_secs(60),
                poll: Duration::from_millis(25),
            },
        ));
        let slot = Arc::new(Slot::new(key.clone()));
        let fetching = {
            let (manager, slot) = (Arc::clone(&manager), Arc::clone(&slot));
            tokio::spawn(async move { manager.obtain(&slot, &Need::Any, &Stalled).await })
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        // Wait until the fetch holds the lock (bounded).
        loop {
            match store.try_lock(&key, Duration::from_secs(60)).await.unwrap() {
                None => break,
                Some(mine) => {
                    store.unlock(mine).await.unwrap();
                    assert!(std::time::Instant::now() < deadline, "never took the lock");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
        fetching.abort();
        assert!(fetching.await.unwrap_err().is_cancelled());
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        let lock = loop {
            if let Some(lock) = store.try_lock(&key, Duration::from_secs(60)).await.unwrap() {
                break lock;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the lock of the cancelled fetch was left to expire"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        store.unlock(lock).await.unwrap();
    }

    #[tokio::test]
    async fn a_cancelled_fetch_releases_the_memory_lock() {
        cancelled_fetch_releases_the_lock(Arc::new(MemoryStore::new()), "wx1").await;
    }

    #[cfg(feature = "redis")]
    #[tokio::test]
    async fn a_cancelled_fetch_releases_the_redis_lock() {
        let Some(redis) = wxoa_testkit::Redis::start() else {
            return;
        };
        let store = crate::token::RedisStore::new(redis.url()).unwrap();
        // An AppID of its own: REDIS_URL may be shared with other tests and runs.
        let app_id = format!("wxcancel{:x}", now_ms());
        cancelled_fetch_releases_the_lock(Arc::new(store), &app_id).await;
    }

    #[test]
    fn a_reaffirmed_token_satisfies_reports_of_it_only_for_the_recheck_interval() {
        let manager = TokenManager::new(
            Arc::new(MemoryStore::new()),
            RefreshPolicy::default(),
            QuotaPolicy::default(),
            LockPolicy::default(),
        );
        let now = now_ms();
        let lifetime = 7_200_000;
        let rejected = Token::new("T", now - 60_000, now + lifetime);
        let need = Need::Replacing(rejected.clone());
        assert!(!manager.accepts(&need, &rejected, now));
        let answered_again = Token::new("T", now - 1_000, now + lifetime).reaffirmed(true);
        assert!(manager.accepts(&need, &answered_again, now));
        assert!(!manager.accepts(&need, &answered_again, now + 30_000));
        let other = Token::new("U", now - 60_000, now + lifetime);
        assert!(manager.accepts(&need, &other, now));
        // Expired is never accepted.
        assert!(!manager.accepts(&need, &other, now + lifetime));
    }
}
