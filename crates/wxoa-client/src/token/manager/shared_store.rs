//! How the token manager uses the shared store: the fetch lock while a caller holds it
//! (released even when the caller is cancelled), and surviving store failures — the store is
//! left alone for a moment after each failure, with one warning when it fails and one when it
//! answers again.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{TokenManager, millis};
use crate::token::{StoreError, StoreLock, TokenKey, TokenStore, now_ms};

/// The store's fetch lock while a caller holds it: released by [`HeldLock::release`], or, if
/// the caller is cancelled first, by a task spawned when it is dropped — a cancelled fetch never
/// leaves the lock to expire while the others wait.
pub(super) struct HeldLock {
    pub(super) store: Arc<dyn TokenStore>,
    pub(super) lock: Option<StoreLock>,
}

impl HeldLock {
    pub(super) async fn release(mut self) -> Result<(), StoreError> {
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

/// How long a failed store is left alone before it is tried again.
const STORE_PAUSE: Duration = Duration::from_secs(1);

impl TokenManager {
    /// Whether the store failed less than [`STORE_PAUSE`] ago.
    pub(super) fn store_paused(&self) -> bool {
        now_ms() < self.store_retry_at_ms.load(Ordering::Relaxed)
    }

    pub(super) fn store_failed(&self, key: &TokenKey, error: &StoreError) {
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

    pub(super) fn store_ok(&self, key: &TokenKey) {
        if self.store_down.swap(false, Ordering::AcqRel) {
            tracing::warn!(
                store = self.store.name(),
                %key,
                "token store recovered; sharing tokens through it again"
            );
        }
    }
}
