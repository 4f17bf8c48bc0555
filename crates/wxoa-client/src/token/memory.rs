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

    /// The authorizers of `component` with a refresh token, and their access tokens' times.
    fn authorizers_of(&self, component: &AppId) -> Vec<IndexedAuthorizer> {
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
}

impl TokenStore for MemoryStore {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn get<'a>(&'a self, key: &'a TokenKey) -> BoxFuture<'a, Result<Option<Token>, StoreError>> {
        // A poisoned lock only means a panic elsewhere; the map itself is always consistent.
        let tokens = self.tokens.read().unwrap_or_else(|e| e.into_inner());
        futures::future::ready(Ok(tokens.get(key).cloned())).boxed()
    }

    fn put<'a>(
        &'a self,
        key: &'a TokenKey,
        token: &'a Token,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut tokens = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        match tokens.get(key) {
            Some(current) if current.fetched_at_ms() > token.fetched_at_ms() => {}
            _ => {
                tokens.insert(key.clone(), token.clone());
            }
        }
        futures::future::ready(Ok(())).boxed()
    }

    fn try_lock<'a>(
        &'a self,
        key: &'a TokenKey,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<StoreLock>, StoreError>> {
        let mut locks = self.locks.write().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if locks.get(key).is_some_and(|(_, until)| *until > now) {
            return futures::future::ready(Ok(None)).boxed();
        }
        let id = lock_id();
        locks.insert(key.clone(), (id.clone(), now + ttl));
        futures::future::ready(Ok(Some(StoreLock::new(key.clone(), id, None)))).boxed()
    }

    fn unlock(&self, lock: StoreLock) -> BoxFuture<'_, Result<(), StoreError>> {
        let mut locks = self.locks.write().unwrap_or_else(|e| e.into_inner());
        if locks.get(lock.key()).is_some_and(|(id, _)| id == lock.id()) {
            locks.remove(lock.key());
        }
        futures::future::ready(Ok(())).boxed()
    }

    fn authorizers<'a>(
        &'a self,
        component: &'a AppId,
        before_ms: u64,
    ) -> BoxFuture<'a, Result<Vec<IndexedAuthorizer>, StoreError>> {
        let mut found = self.authorizers_of(component);
        found.retain(|a| a.expires_at_ms < before_ms);
        futures::future::ready(Ok(found)).boxed()
    }

    fn authorizer_count<'a>(
        &'a self,
        component: &'a AppId,
    ) -> BoxFuture<'a, Result<usize, StoreError>> {
        futures::future::ready(Ok(self.authorizers_of(component).len())).boxed()
    }

    fn tally<'a>(
        &'a self,
        counter: &'a str,
        window: u64,
        seen: u64,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        let mut counters = self.counters.write().unwrap_or_else(|e| e.into_inner());
        let entry = counters.entry(counter.to_owned()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 = entry.1.max(seen) + 1;
        futures::future::ready(Ok(entry.1)).boxed()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::token::TokenKind;

    // Every operation of the memory store answers at once: its futures are ready when made.
    fn ready<T>(future: BoxFuture<'_, Result<T, StoreError>>) -> T {
        future.now_or_never().unwrap().unwrap()
    }

    #[test]
    fn an_older_fetch_never_wins() {
        let store = MemoryStore::new();
        let key = TokenKey::new("wx1", TokenKind::AccessToken);
        let old = Token::new("old", 1, 10_000);
        let new = Token::new("new", 2, 10_000);
        ready(store.put(&key, &new));
        ready(store.put(&key, &old));
        assert_eq!(ready(store.get(&key)).unwrap().expose(), "new");
        // The same value fetched again later (reaffirmed) replaces the earlier record.
        ready(store.put(&key, &Token::new("new", 3, 10_000).reaffirmed(true)));
        let kept = ready(store.get(&key)).unwrap();
        assert!(kept.is_reaffirmed() && kept.fetched_at_ms() == 3);
    }

    #[test]
    fn lock_is_exclusive_until_released_or_expired() {
        let store = MemoryStore::new();
        let key = TokenKey::new("wx1", TokenKind::AccessToken);
        let minute = Duration::from_secs(60);
        let lock = ready(store.try_lock(&key, minute)).unwrap();
        assert!(ready(store.try_lock(&key, minute)).is_none());
        ready(store.unlock(lock));
        let short = ready(store.try_lock(&key, Duration::ZERO)).unwrap();
        let again = ready(store.try_lock(&key, minute)).unwrap();
        ready(store.unlock(short));
        assert!(ready(store.try_lock(&key, minute)).is_none());
        ready(store.unlock(again));
    }
}
