//! What every request handler reaches: the platform's state behind its one mutex, and the
//! sandbox's services — the virtual clock, scripted faults, the calls and push logs, the
//! requests kept exactly, the
//! webhook, the settings, the HTTP client and the host policy — with the lock helper they use.
//!
//! The state mutex is held only while a handler reads or changes it, never across a network
//! call (pushes release it while the webhook answers).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};

use crate::calls::CallLog;
use crate::clock::Clock;
use crate::config::{Settings, Webhook};
use crate::event_push::EventLog;
use crate::faults::Faults;
use crate::guard::HostPolicy;
use crate::kept::Kept;
use crate::log::PushLog;
use crate::state::State;

/// Everything a request handler reaches: the state and the sandbox's services.
pub(crate) struct Shared {
    state: Mutex<State>,
    pub(crate) clock: Clock,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) calls: Mutex<CallLog>,
    /// Requests kept exactly, when the settings ask for it.
    pub(crate) kept: Mutex<Kept>,
    pub(crate) pushes: Mutex<PushLog>,
    /// The request ids of error answers, for `openapi/rid/get`.
    pub(crate) rids: Mutex<crate::rids::RidLog>,
    /// Pushes to the third-party platform's authorization-event URL.
    pub(crate) events: Mutex<EventLog>,
    pub(crate) webhook: RwLock<Option<Webhook>>,
    /// The next push's turn among the webhook's URLs (round-robin).
    webhook_turn: AtomicUsize,
    pub(crate) settings: Settings,
    pub(crate) http: reqwest::Client,
    /// Which `Host` values the control API and the console answer.
    pub(crate) hosts: Arc<HostPolicy>,
    /// Bumped on every request; the state file is written when it moved.
    generation: AtomicU64,
    /// API calls being answered now (the calls log shows it as each call arrives).
    pub(crate) api_in_flight: std::sync::atomic::AtomicU32,
    /// Whether a release test (全网发布) is running: one at a time.
    pub(crate) release_running: std::sync::atomic::AtomicBool,
}

impl Shared {
    pub(crate) fn new(
        state: State,
        clock: Clock,
        settings: Settings,
        webhook: Option<Webhook>,
        http: reqwest::Client,
    ) -> Self {
        Self {
            state: Mutex::new(state),
            clock,
            faults: Mutex::new(Faults::default()),
            calls: Mutex::new(CallLog::new(settings.calls_log_bytes)),
            kept: Mutex::new(Kept::default()),
            pushes: Mutex::new(PushLog::default()),
            rids: Mutex::new(crate::rids::RidLog::default()),
            events: Mutex::new(EventLog::default()),
            webhook: RwLock::new(webhook),
            webhook_turn: AtomicUsize::new(0),
            settings,
            http,
            hosts: Arc::default(),
            generation: AtomicU64::new(0),
            api_in_flight: std::sync::atomic::AtomicU32::new(0),
            release_running: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The state, locked. A handler that panicked while holding it cannot leave it half
    /// changed in a way later requests would trip over more than the panic itself, so a
    /// poisoned lock is taken over rather than propagated.
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The configured webhook, if any.
    pub(crate) fn webhook(&self) -> Option<Webhook> {
        self.webhook
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the webhook configuration.
    pub(crate) fn set_webhook(&self, webhook: Option<Webhook>) {
        *self.webhook.write().unwrap_or_else(PoisonError::into_inner) = webhook;
    }

    /// Where the next push starts among the webhook's URLs: 0, 1, 2 … (wrapping).
    pub(crate) fn next_webhook_turn(&self) -> usize {
        self.webhook_turn.fetch_add(1, Ordering::Relaxed)
    }

    /// Notes that the state may have changed.
    pub(crate) fn touch(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// The current generation of the state.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// The state as the state file holds it.
    pub(crate) fn snapshot(&self) -> Result<Vec<u8>, serde_json::Error> {
        let state = self.state();
        crate::persist::encode(&state, self.clock.offset())
    }
}

/// Locks a mutex, taking over a poisoned one (see [`Shared::state`]).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
