//! The keeper: a component's proactive refresh of every authorizer's access token, idle or not.
//! It learns the authorizers from the store's index (on a cold start, and whenever the store
//! lost some, from `api_get_authorizer_list`), picks those due — the token's usable end less
//! the refresh-ahead less a spread of its own per authorizer and token — and refreshes each
//! through the client's single flight (the store's lock and a re-check), so that instances
//! sharing a store refresh an authorizer once per token lifetime, within the fleet's rate.
//! An authorizer the store has no token for (a flushed Redis) is first taken by the instance
//! that holds its token, which writes it back; the others wait a moment before fetching.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use wxoa_types::ids::AppId;

use super::credentials::access_key;
use super::{Component, ComponentError};
use crate::error::Result;
use crate::token::{IndexedAuthorizer, TokenKind, now_ms};

/// The largest margin a token keeps for clock skew ([`crate::token::Token::is_usable_at`]).
const MAX_SKEW_MS: u64 = 30_000;
/// The longest pause between two passes.
const MAX_TICK: Duration = Duration::from_secs(1);
/// The shortest.
const MIN_TICK: Duration = Duration::from_millis(100);
/// The shortest and longest wait of an authorizer without a token for a write-back.
const MIN_GRACE: Duration = Duration::from_secs(1);
const MAX_GRACE: Duration = Duration::from_secs(5);
/// How long the keeper waits for one refresh before moving on: a tenth of the token's life,
/// within these bounds.
const MIN_PATIENCE: Duration = Duration::from_secs(1);
const MAX_PATIENCE: Duration = Duration::from_secs(10);

/// Keeps every authorizer's access token of a component fresh ahead of its expiry: run it in a
/// task of its own ([`Keeper::run`]) in each instance of the component. A cheap `Clone` handle;
/// its counts are shared by the clones.
///
/// ```no_run
/// # async fn run(component: wxoa_client::component::Component) {
/// let keeper = component.keeper();
/// tokio::spawn({
///     let keeper = keeper.clone();
///     async move { keeper.run().await }
/// });
/// // … later, for /metrics:
/// println!("{:?}", keeper.counts());
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Keeper {
    component: Component,
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Every authorizer known: from the index, from the authorizer list.
    known: Mutex<HashSet<AppId>>,
    /// The shortest and longest token lifetimes seen (milliseconds; 0 before any): the
    /// shortest sets the pause between passes, the longest how far ahead a pass looks.
    lifetimes: Mutex<(u64, u64)>,
    /// Authorizers seen without a token in the store, and since when (Unix milliseconds):
    /// they wait for a write-back ([`Keeper::waited`]).
    unknown_since: Mutex<HashMap<AppId, u64>>,
    /// Whether the store's lock was found too long for the tokens' lifetime (warned once).
    lock_warned: AtomicBool,
    authorizers: Gauge,
    refreshed: Counter,
    adopted: Counter,
    expired: Counter,
    deferred: Counter,
    failed: Counter,
}

/// What a keeper has done since it was made ([`Keeper::counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeeperCounts {
    /// Authorizers known.
    pub authorizers: u64,
    /// Due tokens this process refreshed (fetched from the platform).
    pub refreshed: u64,
    /// Due tokens found refreshed already — by another instance, or held by this process when
    /// the store had lost them (written back to the store).
    pub adopted: u64,
    /// Due tokens that had expired in the store before they were refreshed (0 when the
    /// keeper keeps up).
    pub expired: u64,
    /// Refreshes still waiting (on another instance's lock, on the fleet's rate) when the
    /// keeper moved on: they go on by themselves, and the next pass looks again.
    pub deferred: u64,
    /// Refreshes that failed (tried again on the next pass).
    pub failed: u64,
    /// Rebuilds of refresh tokens from the authorizer list by this process — the keeper's
    /// (its cold start included), on demand, by a refresh that found none.
    pub recoveries: u64,
    /// Authorizer tokens this process fetched in all — the keeper's and those API calls
    /// needed — across the component's handles.
    pub fetched: u64,
    /// Authorizer refreshes of this process held back by the fleet's rate bound.
    pub throttled: u64,
}

/// What one pass did ([`Keeper::tick`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeeperPass {
    /// Authorizers due in this pass.
    pub due: usize,
    /// Refreshed by this process.
    pub refreshed: usize,
    /// Found refreshed already.
    pub adopted: usize,
    /// Still waiting (on a lock, on the rate) when the keeper moved on.
    pub deferred: usize,
    /// Failed.
    pub failed: usize,
}

impl Component {
    /// A keeper of this component's authorizers' tokens (see [`Keeper`]).
    #[must_use]
    pub fn keeper(&self) -> Keeper {
        Keeper {
            component: self.clone(),
            inner: Arc::default(),
        }
    }
}

impl Keeper {
    /// Runs passes until the task is dropped: one every second at most (more often for
    /// short-lived tokens, a twentieth of their life). A failed pass is logged and tried again.
    pub async fn run(&self) {
        loop {
            if let Err(error) = self.tick().await {
                tracing::warn!(
                    component = %self.component.app_id(),
                    error = %crate::transport::error_chain(&error),
                    "a pass of the authorizer token keeper failed; trying again"
                );
            }
            tokio::time::sleep(self.pause()).await;
        }
    }

    /// One pass: learns the authorizers (from the authorizer list on a cold start or when the
    /// store lost some, at most once per retry interval), and refreshes those due, at most
    /// `refresh_concurrency` at once, each through the single flight.
    pub async fn tick(&self) -> Result<KeeperPass> {
        let app_id = self.component.app_id().clone();
        let store = self.component.client().store();
        let index_failed = |source| ComponentError::Store {
            kind: TokenKind::RefreshToken,
            source,
        };
        let count = store
            .authorizer_count(&app_id)
            .await
            .map_err(index_failed)?;
        if count < self.known_count() || count == 0 {
            self.recover().await?;
        }
        let settings = self.component.state.settings;
        // The earliest a token can be due, before its expiry (see `due_at`): the margins of
        // the longest lifetime seen, or the settings' whole before any is seen.
        let (_, longest) = self.lifetimes();
        let capped = |margin: u64, share: u64| match longest {
            0 => margin,
            longest => margin.min(longest / share),
        };
        let horizon = now_ms()
            .saturating_add(capped(MAX_SKEW_MS, 4))
            .saturating_add(capped(millis(settings.refresh_ahead), 8))
            .saturating_add(capped(millis(settings.refresh_spread), 10));
        let entries = store
            .authorizers(&app_id, horizon)
            .await
            .map_err(index_failed)?;
        self.learn(entries.iter().map(|e| e.app_id.clone()));
        let now = now_ms();
        let grace = self.grace();
        let mut due: Vec<IndexedAuthorizer> = entries
            .into_iter()
            .filter(|e| self.due_at(e) <= now && self.waited(e, now, grace))
            .collect();
        // Instances walk the due ones in different orders: they meet less on the same one.
        {
            use rand::seq::SliceRandom;
            due.shuffle(&mut rand::thread_rng());
        }
        let mut pass = KeeperPass {
            due: due.len(),
            ..KeeperPass::default()
        };
        let concurrency = settings.refresh_concurrency.max(1);
        let mut outcomes = futures::stream::iter(due)
            .map(|entry| self.refresh(entry))
            .buffer_unordered(concurrency);
        while let Some(outcome) = outcomes.next().await {
            match outcome {
                Outcome::Refreshed => pass.refreshed += 1,
                Outcome::Adopted => pass.adopted += 1,
                Outcome::Deferred => pass.deferred += 1,
                Outcome::Failed => pass.failed += 1,
            }
        }
        Ok(pass)
    }

    /// What the keeper has done.
    #[must_use]
    pub fn counts(&self) -> KeeperCounts {
        let inner = &self.inner;
        KeeperCounts {
            authorizers: u64::try_from(inner.authorizers.get()).unwrap_or(0),
            refreshed: inner.refreshed.get(),
            adopted: inner.adopted.get(),
            expired: inner.expired.get(),
            deferred: inner.deferred.get(),
            failed: inner.failed.get(),
            recoveries: self.component.state.rebuilds.get(),
            fetched: self.component.state.refreshed.get(),
            throttled: self.component.state.throttled.get(),
        }
    }

    /// Registers the keeper's counts (`wxoa_component_*`) for /metrics.
    pub fn register(&self, registry: &mut Registry) {
        let inner = &self.inner;
        let state = &self.component.state;
        registry.register(
            "wxoa_component_authorizers",
            "Authorizers the keeper knows",
            inner.authorizers.clone(),
        );
        registry.register(
            "wxoa_component_keeper_refreshed",
            "Authorizer tokens the keeper had this process refresh",
            inner.refreshed.clone(),
        );
        registry.register(
            "wxoa_component_keeper_adopted",
            "Due authorizer tokens the keeper found refreshed already (by another instance)",
            inner.adopted.clone(),
        );
        registry.register(
            "wxoa_component_keeper_expired",
            "Due authorizer tokens that had expired in the store before they were refreshed",
            inner.expired.clone(),
        );
        registry.register(
            "wxoa_component_keeper_deferred",
            "Authorizer token refreshes still waiting (on a lock, on the rate) when the keeper moved on",
            inner.deferred.clone(),
        );
        registry.register(
            "wxoa_component_keeper_failed",
            "Authorizer token refreshes of the keeper that failed",
            inner.failed.clone(),
        );
        registry.register(
            "wxoa_component_rebuilds",
            "Rebuilds of refresh tokens from the authorizer list by this process",
            state.rebuilds.clone(),
        );
        registry.register(
            "wxoa_component_authorizer_refreshes",
            "Authorizer tokens this process fetched (the keeper's and calls' together)",
            state.refreshed.clone(),
        );
        registry.register(
            "wxoa_component_refresh_throttled",
            "Authorizer refreshes held back for the fleet's rate bound",
            state.throttled.clone(),
        );
    }

    /// Rebuilds the store's refresh tokens from the authorizer list, and learns the list.
    async fn recover(&self) -> Result<()> {
        if let Some(recovered) = self.component.recover_if_due().await? {
            tracing::info!(
                component = %self.component.app_id(),
                written = recovered.written,
                listed = recovered.authorizers.len(),
                "the keeper learned the authorizers from the authorizer list"
            );
            // The list is the truth: authorizers that left are forgotten.
            let listed: HashSet<AppId> = recovered.authorizers.into_iter().collect();
            let mut known = self.inner.known.lock().unwrap_or_else(|e| e.into_inner());
            *known = listed;
            self.inner
                .authorizers
                .set(i64::try_from(known.len()).unwrap_or(i64::MAX));
        }
        Ok(())
    }

    fn learn(&self, app_ids: impl Iterator<Item = AppId>) {
        let mut known = self.inner.known.lock().unwrap_or_else(|e| e.into_inner());
        known.extend(app_ids);
        self.inner
            .authorizers
            .set(i64::try_from(known.len()).unwrap_or(i64::MAX));
    }

    fn lifetimes(&self) -> (u64, u64) {
        *self
            .inner
            .lifetimes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn known_count(&self) -> usize {
        self.inner
            .known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// When `entry` is due (Unix milliseconds): at once without a token; else the token's
    /// usable end less the refresh-ahead (at most an eighth of its life) less a spread (at most
    /// a tenth) drawn from the authorizer and the token, the same in every instance.
    fn due_at(&self, entry: &IndexedAuthorizer) -> u64 {
        if entry.expires_at_ms == 0 {
            return 0;
        }
        let lifetime = entry.expires_at_ms.saturating_sub(entry.fetched_at_ms);
        let mut shortest = false;
        if lifetime > 0 {
            let mut seen = self
                .inner
                .lifetimes
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if seen.0 == 0 || lifetime < seen.0 {
                seen.0 = lifetime;
                shortest = true;
            }
            seen.1 = seen.1.max(lifetime);
        }
        let settings = &self.component.state.settings;
        let usable_until = entry
            .expires_at_ms
            .saturating_sub((lifetime / 4).min(MAX_SKEW_MS));
        let ahead = millis(settings.refresh_ahead).min(lifetime / 8);
        let spread = millis(settings.refresh_spread).min(lifetime / 10);
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (entry.app_id.as_str(), entry.expires_at_ms).hash(&mut hasher);
        let drawn = if spread == 0 {
            0
        } else {
            hasher.finish() % spread
        };
        let due = usable_until.saturating_sub(ahead).saturating_sub(drawn);
        if shortest {
            self.check_lock(lifetime, entry.expires_at_ms.saturating_sub(due));
        }
        due
    }

    /// Warns once when the store's lock is long against the tokens' lifetime: an instance
    /// killed while refreshing holds its lock until the lock expires, and a token whose
    /// margin (from the refresh to its expiry) is not twice the lock can lapse meanwhile.
    /// Never so with the platform's two hours and the default 30 s; a shortened lifetime
    /// (the sandbox's) needs a shorter lock (`store_lock`, `--store-lock`).
    fn check_lock(&self, lifetime: u64, margin: u64) {
        let lock = millis(self.component.client().store_lock_ttl());
        if lock.saturating_mul(2) > margin && !self.inner.lock_warned.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                component = %self.component.app_id(),
                lock_ms = lock,
                lifetime_ms = lifetime,
                margin_ms = margin,
                "the store's fetch lock is long against the authorizer tokens' lifetime: a token refreshed by an instance that dies can lapse before the lock expires; set a store lock under half the margin"
            );
        }
    }

    /// Whether `entry` may be refreshed now as far as the write-backs go. An authorizer
    /// without a token in the store (newly authorized, or the store lost its tokens) is taken
    /// at once by an instance that holds its token — which writes it back, fetching nothing —
    /// and by the others only after it has been without one for `grace` (ms): time for the
    /// holder to write it back, so that a flushed store is refilled from the instances'
    /// memory rather than refetched by one that never held the token.
    fn waited(&self, entry: &IndexedAuthorizer, now: u64, grace: u64) -> bool {
        let mut unknown = self
            .inner
            .unknown_since
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if entry.expires_at_ms != 0 {
            if !unknown.is_empty() {
                unknown.remove(&entry.app_id);
            }
            return true;
        }
        let held = self
            .component
            .authorizer(entry.app_id.as_str())
            .ok()
            .and_then(|handle| handle.held(TokenKind::AccessToken));
        if held.is_some() {
            unknown.remove(&entry.app_id);
            return true;
        }
        let since = *unknown.entry(entry.app_id.clone()).or_insert(now);
        now >= since.saturating_add(grace)
    }

    /// How long an authorizer without a token waits for a write-back (ms): a twentieth of the
    /// shortest token life seen, within [`MIN_GRACE`] and [`MAX_GRACE`].
    fn grace(&self) -> u64 {
        let (shortest, _) = self.lifetimes();
        let grace = if shortest == 0 {
            MAX_GRACE
        } else {
            Duration::from_millis(shortest / 20).clamp(MIN_GRACE, MAX_GRACE)
        };
        millis(grace)
    }

    /// The pause between passes: a twentieth of the shortest token life seen, within
    /// [`MIN_TICK`] and [`MAX_TICK`].
    fn pause(&self) -> Duration {
        let (shortest, _) = self.lifetimes();
        if shortest == 0 {
            return MAX_TICK;
        }
        Duration::from_millis(shortest / 20).clamp(MIN_TICK, MAX_TICK)
    }

    /// Refreshes one due authorizer through the single flight: the token in memory or in the
    /// store is taken if it expires later than the indexed one (another instance refreshed
    /// it), else one fetch under the store's lock.
    async fn refresh(&self, entry: IndexedAuthorizer) -> Outcome {
        let inner = &self.inner;
        let started = now_ms();
        if entry.expires_at_ms != 0 && entry.expires_at_ms <= started {
            inner.expired.inc();
            tracing::warn!(component = %self.component.app_id(), authorizer = %entry.app_id, "an authorizer's token expired in the store before it was refreshed");
        }
        let handle = match self.component.authorizer(entry.app_id.as_str()) {
            Ok(handle) => handle,
            Err(error) => {
                inner.failed.inc();
                tracing::warn!(authorizer = %entry.app_id, %error, "cannot keep an authorizer's token");
                return Outcome::Failed;
            }
        };
        let before = handle.token_fetches(TokenKind::AccessToken);
        // A refresh waiting long (on a lock a killed instance left to expire, on the fleet's
        // rate) goes on in its own task; the keeper moves on and looks again next pass.
        let lifetime = entry.expires_at_ms.saturating_sub(entry.fetched_at_ms);
        let patience = Duration::from_millis(lifetime / 10).clamp(MIN_PATIENCE, MAX_PATIENCE);
        let Ok(obtained) =
            tokio::time::timeout(patience, handle.access_token_after(entry.expires_at_ms)).await
        else {
            inner.deferred.inc();
            return Outcome::Deferred;
        };
        match obtained {
            Ok(_) if handle.token_fetches(TokenKind::AccessToken) > before => {
                inner.refreshed.inc();
                Outcome::Refreshed
            }
            Ok(token) => {
                inner.adopted.inc();
                // A token this process held while the store lost it: written back, so that
                // every instance sees it (the store keeps a later one if it has it).
                if entry.expires_at_ms < token.expires_at_ms() {
                    let key = access_key(self.component.app_id(), entry.app_id.as_str());
                    if let Err(error) = self.component.client().store().put(&key, &token).await {
                        tracing::warn!(authorizer = %entry.app_id, %error, "cannot write an authorizer token back to the store");
                    }
                }
                Outcome::Adopted
            }
            Err(error) => {
                inner.failed.inc();
                tracing::warn!(
                    component = %self.component.app_id(),
                    authorizer = %entry.app_id,
                    error = %crate::transport::error_chain(&error),
                    "the keeper could not refresh an authorizer's token; trying again on the next pass"
                );
                Outcome::Failed
            }
        }
    }
}

enum Outcome {
    Refreshed,
    Adopted,
    Deferred,
    Failed,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
