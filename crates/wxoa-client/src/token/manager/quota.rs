//! The token manager's quota guard: at most so many fetches of one token in a window
//! ([`QuotaPolicy`]); beyond it a fetch fails at once with [`Error::TokenQuota`], and
//! [`QuotaStatus`] says what the guard refused and until when.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Slot, TokenManager, millis};
use crate::error::{Error, Result};
use crate::token::now_ms;

/// The quota guard: at most `max_fetches` fetches of each token (per AppID and kind) in any
/// `window`, in this process. Beyond it a call that needs a fetch fails at once with
/// [`Error::TokenQuota`], which says until when, instead of burning the platform's daily quota
/// in a refresh loop. The guard never stops serving a token that is still valid: a refused
/// refresh or replacement leaves the current token in place.
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

/// The quota guard's state for one token, as [`crate::Client::token_quota_status`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct QuotaStatus {
    /// Fetches the guard refused since the client was built.
    pub refusals: u64,
    /// Until when the guard refuses to fetch, when it does now.
    pub refusing_until: Option<SystemTime>,
}

impl TokenManager {
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

    pub(super) fn check_quota(&self, slot: &Slot) -> Result<()> {
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
}
