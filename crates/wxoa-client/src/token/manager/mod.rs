//! The token manager: single flight, refresh ahead and one replacement per rejected token —
//! how a caller obtains a token from the process, the store or the source. Its policies are
//! `policy`, what it keeps per token `slot`, the quota guard `quota`, and its use of the shared
//! store (the fetch lock, surviving failures) `shared_store`.

mod policy;
mod quota;
mod shared_store;
mod slot;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;

use super::{Token, TokenStore, jitter, now_ms};
use crate::error::{Error, Result};
pub(crate) use policy::LockPolicy;
pub use policy::RefreshPolicy;
pub use quota::{QuotaPolicy, QuotaStatus};
use shared_store::HeldLock;
use slot::{Background, Cached};
pub(crate) use slot::{Lookup, Need, Slot};

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

    /// How long the store's fetch lock lives should its holder die.
    pub(crate) fn lock_ttl(&self) -> Duration {
        self.lock.ttl
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

    /// How long a reaffirmed token is not refreshed again for reports of it, and how long
    /// background refreshes of a token are spaced.
    fn recheck_ms(&self) -> u64 {
        millis(self.refresh.retry_interval)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::token::{MemoryStore, TokenKey, TokenKind};

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
