//! Work that outlives its request, tracked: what a drain waits for, and what it names when
//! it cannot wait any longer.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::AbortHandle;
use wxoa_types::inbound::Inbound;

use crate::metrics::Metrics;

/// How far a reply got when [`Webhook::drain`](crate::Webhook::drain) gave up on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage {
    /// The handler was still running: there was no reply yet.
    Handling,
    /// The handler had answered and its reply was being sent as a customer-service message (or
    /// recorded for the platform's retry): it may or may not have reached the platform.
    Sending,
}

impl Stage {
    /// A lowercase name for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Handling => "handling",
            Stage::Sending => "sending",
        }
    }
}

/// A push whose reply was not delivered before the drain deadline.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Undelivered {
    /// The AppID of the account the push came to.
    pub app_id: Arc<str>,
    /// The push, as the handler saw it.
    pub push: Arc<Inbound>,
    /// How far its reply got.
    pub stage: Stage,
}

impl Undelivered {
    fn of(job: Job) -> Self {
        Self {
            app_id: job.app_id,
            push: job.push,
            stage: job.stage,
        }
    }
}

/// What [`Webhook::drain`](crate::Webhook::drain) did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Drained {
    /// Pieces of late work (handlers past the budget, their customer-service replies, handlers
    /// whose connection closed) that finished while draining.
    pub finished: u64,
    /// Those still running at the deadline and kept nowhere else, oldest first: cancelled,
    /// each logged with its push and counted in
    /// `wxoa_webhook_late_replies_total{result="undelivered"}`.
    pub undelivered: Vec<Undelivered>,
    /// Those still running at the deadline whose job is in the store's outbox, oldest first:
    /// cancelled here, and finished by another instance once their lease lapses (each logged,
    /// and counted in `wxoa_webhook_outbox_jobs_total{event="handed_over"}`).
    pub handed_over: Vec<Undelivered>,
}

/// Work that outlives its request — a handler past the budget and its late reply, a handler
/// whose connection closed — tracked so that a shutdown can wait for it and name what it could
/// not wait for. A push answered within the budget never touches it.
pub(crate) struct LateWork {
    jobs: Mutex<Jobs>,
    /// Woken when the last running job ends.
    idle: Notify,
    /// Jobs that ended by themselves (not cancelled by a drain).
    finished: AtomicU64,
    /// Where the jobs running now are shown (`wxoa_webhook_late_pending`).
    metrics: Arc<Metrics>,
}

#[derive(Default)]
struct Jobs {
    next: u64,
    running: BTreeMap<u64, Job>,
}

struct Job {
    app_id: Arc<str>,
    push: Arc<Inbound>,
    stage: Stage,
    /// Whether the job is in the store's outbox, where another instance can finish it.
    in_outbox: bool,
    /// Set right after the spawn (the job is registered first, so it cannot end unregistered).
    abort: Option<AbortHandle>,
}

/// A running job's hold on its entry: marks its progress, and removes the entry when the job
/// ends, however it ends (finished, failed, panicked or cancelled).
pub(crate) struct Ticket {
    work: Arc<LateWork>,
    id: u64,
}

impl Ticket {
    /// The handler has answered: what is left is delivering its reply.
    pub(crate) fn sending(&self) {
        if let Some(job) = self.work.jobs().running.get_mut(&self.id) {
            job.stage = Stage::Sending;
        }
    }

    /// Whether the job is (still) in the store's outbox, owned by this instance.
    pub(crate) fn in_outbox(&self, kept: bool) {
        if let Some(job) = self.work.jobs().running.get_mut(&self.id) {
            job.in_outbox = kept;
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let now_idle = {
            let mut jobs = self.work.jobs();
            // Gone already: a drain took it (and counted it as undelivered).
            if jobs.running.remove(&self.id).is_none() {
                return;
            }
            jobs.running.is_empty()
        };
        self.work.finished.fetch_add(1, Ordering::Relaxed);
        self.work.metrics.add_late_pending(-1);
        if now_idle {
            self.work.idle.notify_waiters();
        }
    }
}

impl LateWork {
    pub(crate) fn new(metrics: Arc<Metrics>) -> Self {
        Self {
            jobs: Mutex::default(),
            idle: Notify::new(),
            finished: AtomicU64::new(0),
            metrics,
        }
    }

    // Every update leaves the map consistent, so a lock poisoned by a panic elsewhere still
    // guards usable data.
    fn jobs(&self) -> MutexGuard<'_, Jobs> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `job` on the current runtime, tracked. Without a runtime to run it on, the job is
    /// not started and `false` comes back.
    pub(crate) fn spawn<F>(
        self: &Arc<Self>,
        app_id: Arc<str>,
        push: Arc<Inbound>,
        job: impl FnOnce(Ticket) -> F,
    ) -> bool
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return false;
        };
        let id = {
            let mut jobs = self.jobs();
            let id = jobs.next;
            jobs.next += 1;
            jobs.running.insert(
                id,
                Job {
                    app_id,
                    push,
                    stage: Stage::Handling,
                    in_outbox: false,
                    abort: None,
                },
            );
            id
        };
        self.metrics.add_late_pending(1);
        // Spawned outside the lock: a runtime that is shutting down drops the job at once, and
        // its ticket then takes the lock.
        let handle = runtime.spawn(job(Ticket {
            work: self.clone(),
            id,
        }));
        if let Some(entry) = self.jobs().running.get_mut(&id) {
            entry.abort = Some(handle.abort_handle());
        }
        true
    }

    /// Waits until no job runs or `timeout` passes, then cancels what is left and gives it.
    pub(crate) async fn drain(&self, timeout: Duration) -> Drained {
        let before = self.finished.load(Ordering::Relaxed);
        // A timeout too large for the clock waits for as long as it takes.
        let deadline = tokio::time::Instant::now().checked_add(timeout);
        loop {
            let idle = self.idle.notified();
            tokio::pin!(idle);
            // Registered before the check: a job ending in between still wakes this wait.
            idle.as_mut().enable();
            if self.jobs().running.is_empty() {
                break;
            }
            match deadline {
                Some(deadline) => {
                    if tokio::time::timeout_at(deadline, idle).await.is_err() {
                        break;
                    }
                }
                None => idle.await,
            }
        }
        let left = std::mem::take(&mut self.jobs().running);
        let (mut undelivered, mut handed_over) = (Vec::new(), Vec::new());
        for job in left.into_values() {
            if let Some(abort) = &job.abort {
                abort.abort();
            }
            self.metrics.add_late_pending(-1);
            if job.in_outbox {
                handed_over.push(Undelivered::of(job));
            } else {
                undelivered.push(Undelivered::of(job));
            }
        }
        Drained {
            finished: self.finished.load(Ordering::Relaxed).saturating_sub(before),
            undelivered,
            handed_over,
        }
    }
}
