//! The in-process store: tokens, fetch locks, a component's authorizers (read from the
//! refresh tokens it holds) and counters.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;

use wxoa_types::ids::AppId;

use super::store::lock_id;
use super::{IndexedAuthorizer, StoreError, StoreLock, Token, TokenKey, TokenKind, TokenStore};

/// Tokens kept in the process's memory: for one process, or for several clients of one process
/// that share it (`Arc<MemoryStore>`). Nothing survives a restart.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tokens: RwLock<HashMap<TokenKey, Token>>,
    locks: RwLock<HashMap<TokenKey, (String, Instant)>>,
    /// Each counter's current window and count.
    counters: RwLock<HashMap<String, (u64, u64)>>,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The token under `key`, without going through a future: the fast path the benchmarks
    /// measure, and what [`TokenStore::get`] answers.
    #[must_use]
    pub fn get_now(&self, key: &TokenKey) -> Option<Token> {
        // A poisoned lock only means a panic elsewhere; the map itself is always consistent.
        let tokens = self.tokens.read().unwrap_or_else(|e| e.into_inner());
        tokens.get(key).cloned()
    }

    fn put_now(&self, key: &TokenKey, token: &Token) {
        let mut tokens = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        match tokens.get(key) {
            Some(current) if current.fetched_at_ms() > token.fetched_at_ms() => {}
            _ => {
                tokens.insert(key.clone(), token.clone());
            }
        }
    }

    fn try_lock_now(&self, key: &TokenKey, ttl: Duration) -> Option<StoreLock> {
        let mut locks = self.locks.write().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if locks.get(key).is_some_and(|(_, until)| *until > now) {
            return None;
        }
        let id = lock_id();
        locks.insert(key.clone(), (id.clone(), now + ttl));
        Some(StoreLock::new(key.clone(), id, None))
    }

    /// The authorizers of `component` with a refresh token, and their access tokens' times.
    fn authorizers_now(&self, component: &AppId) -> Vec<IndexedAuthorizer> {
        let tokens = self.tokens.read().unwrap_or_else(|e| e.into_inner());
        tokens
            .iter()
            .filter(|(key, token)| {
                key.kind == TokenKind::RefreshToken
                    && key.component.as_ref() == Some(component)
                    && !token.expose().is_empty()
            })
            .map(|(key, _)| {
                let access = TokenKey::new(key.app_id.clone(), TokenKind::AccessToken)
                    .through(component.clone());
                let (fetched, expires) = tokens
                    .get(&access)
                    .map_or((0, 0), |t| (t.fetched_at_ms(), t.expires_at_ms()));
                IndexedAuthorizer::new(key.app_id.clone(), fetched, expires)
            })
            .collect()
    }

    fn tally_now(&self, counter: &str, window: u64) -> u64 {
        let mut counters = self.counters.write().unwrap_or_else(|e| e.into_inner());
        let entry = counters.entry(counter.to_owned()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 += 1;
        entry.1
    }

    fn unlock_now(&self, lock: &StoreLock) {
        let mut locks = self.locks.write().unwrap_or_else(|e| e.into_inner());
        if locks.get(lock.key()).is_some_and(|(id, _)| id == lock.id()) {
            locks.remove(lock.key());
        }
    }
}

impl TokenStore for MemoryStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn get<'a>(&'a self, key: &'a TokenKey) -> BoxFuture<'a, Result<Option<Token>, StoreError>> {
        futures::future::ready(Ok(self.get_now(key))).boxed()
    }

    fn put<'a>(
        &'a self,
        key: &'a TokenKey,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.put_now(key, token);
        futures::future::ready(Ok(())).boxed()
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a TokenKey,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<StoreLock>, StoreError>> {
        futures::future::ready(Ok(self.try_lock_now(key, ttl))).boxed()
    }

    fn unlock(&self, lock: StoreLock) -> BoxFuture<'_, Result<(), StoreError>> {
        self.unlock_now(&lock);
        futures::future::ready(Ok(())).boxed()
    }

    fn authorizers<'a>(
        &'a self,
        component: &'a AppId,
        before_ms: u64,
    ) -> BoxFuture<'a, Result<Vec<IndexedAuthorizer>, StoreError>> {
        let mut found = self.authorizers_now(component);
        found.retain(|a| a.expires_at_ms < before_ms);
        futures::future::ready(Ok(found)).boxed()
    }

    fn authorizer_count<'a>(
        &'a self,
        component: &'a AppId,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        futures::future::ready(Ok(self.authorizers_now(component).len())).boxed()
    }

    fn tally<'a>(
        &'a self,
        counter: &'a str,
        window: u64,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        futures::future::ready(Ok(self.tally_now(counter, window))).boxed()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::token::TokenKind;

    #[test]
    fn an_older_fetch_never_wins() {
        let store = MemoryStore::new();
        let key = TokenKey::new("wx1", TokenKind::AccessToken);
        let old = Token::new("old", 1, 10_000);
        let new = Token::new("new", 2, 10_000);
        store.put_now(&key, &new);
        store.put_now(&key, &old);
        assert_eq!(store.get_now(&key).unwrap().expose(), "new");
        // The same value fetched again later (reaffirmed) replaces the earlier record.
        store.put_now(&key, &Token::new("new", 3, 10_000).reaffirmed(true));
        let kept = store.get_now(&key).unwrap();
        assert!(kept.is_reaffirmed() && kept.fetched_at_ms() == 3);
    }

    #[test]
    fn lock_is_exclusive_until_released_or_expired() {
        let store = MemoryStore::new();
        let key = TokenKey::new("wx1", TokenKind::AccessToken);
        let lock = store.try_lock_now(&key, Duration::from_secs(60)).unwrap();
        assert!(store.try_lock_now(&key, Duration::from_secs(60)).is_none());
        store.unlock_now(&lock);
        let short = store.try_lock_now(&key, Duration::ZERO).unwrap();
        let again = store.try_lock_now(&key, Duration::from_secs(60)).unwrap();
        store.unlock_now(&short);
        assert!(store.try_lock_now(&key, Duration::from_secs(60)).is_none());
        store.unlock_now(&again);
    }
}
