//! The in-process store.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;

use super::store::lock_id;
use super::{StoreError, StoreLock, Token, TokenKey, TokenStore};

/// Tokens kept in the process's memory: for one process, or for several clients of one process
/// that share it (`Arc<MemoryStore>`). Nothing survives a restart.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tokens: RwLock<HashMap<TokenKey, Token>>,
    locks: RwLock<HashMap<TokenKey, (String, Instant)>>,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
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
