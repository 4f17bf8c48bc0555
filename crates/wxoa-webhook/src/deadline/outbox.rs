//! The webhook's side of the [outbox](crate::dedup::outbox): late work parked where another
//! instance can finish it, its lease renewed while it runs, the job finished when its reply
//! has gone out, and the recovery loop that takes over the jobs of instances that died.
//!
//! Every outbox operation is bounded like the store's others and fails open: the work goes on
//! in memory, the failure is logged and counted (`wxoa_webhook_dedupe_failures_total`), and
//! the next renewal parks the job again once the store answers.

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::{Either, select};
use tracing::{debug, info, warn};
use wxoa_types::inbound::Inbound;

use super::{Handling, Pending, Ticket, handling};
use crate::account::Account;
use crate::dedup::DedupOp;
use crate::dedup::outbox::{HEARTBEAT, Job, Lease, MAX_AGE, MAX_TAKEOVERS, SCAN, Taken};
use crate::metrics::OutboxEvent;
use crate::verify::now;
use crate::webhook::{Inner, Webhook};

/// At most this many jobs are taken over by one scan of an account's outbox.
const TAKE_AT_ONCE: usize = 16;
/// How long an owner keeps trying to finish a job the store did not answer for: past it, the
/// job's lease lapses and another instance sends the reply again (at least once).
const FINISH_FOR: Duration = Duration::from_secs(30);
/// The pause between two tries to finish a job (the store's own retry pause).
const FINISH_RETRY: Duration = Duration::from_millis(500);

impl Pending {
    /// The outbox job of this push, when the store keeps an outbox and a late reply can be
    /// sent (without a sender, running the handler again elsewhere would send nothing either).
    /// A push to an authorizer of the component is parked in the component's outbox, naming
    /// the authorizer.
    pub(super) fn job(&self) -> Option<Job> {
        let inner = &self.webhook.inner;
        inner.dedup.outbox()?;
        self.webhook.late_sender(&self.account)?;
        let app_id = &self.account.app_id;
        let parked_in = |outbox: &Arc<str>| {
            Job::new(
                outbox.clone(),
                self.key.clone(),
                Bytes::copy_from_slice(&self.plain),
                self.arrived,
            )
        };
        if inner.accounts.serves(app_id) {
            return Some(parked_in(app_id));
        }
        let component = inner.accounts.component()?;
        Some(parked_in(&component.app_id).for_authorizer(app_id.clone()))
    }

    /// Parks `job` in the outbox; whether it is there. A failure is logged and counted, and
    /// the work goes on in memory (its heartbeat parks it when the store answers again).
    pub(super) async fn park(&self, job: Option<&Job>) -> bool {
        let (Some(job), Some(outbox)) = (job, self.webhook.inner.dedup.outbox()) else {
            return false;
        };
        match outbox.park(job).await {
            Ok(()) => true,
            Err(error) => {
                self.webhook.dedupe_failed(DedupOp::Park, &error);
                false
            }
        }
    }

    /// The rest of a push whose request is answered: the handler's outcome awaited, its reply
    /// sent as a customer-service message, and — with a `job` in the outbox — the job's lease
    /// renewed meanwhile and the job finished after.
    pub(super) async fn run_late(
        self,
        handling: Handling,
        ticket: Ticket,
        job: Option<Job>,
        parked: bool,
    ) {
        let work = async {
            let outcome = handling.await;
            ticket.sending();
            self.finish_late(outcome).await;
        };
        let Some(job) = job else {
            return work.await;
        };
        ticket.in_outbox(parked);
        let webhook = self.webhook.clone();
        let heartbeat = std::pin::pin!(webhook.renew_while_running(&job, &ticket));
        let work = std::pin::pin!(work);
        match select(heartbeat, work).await {
            Either::Left((never, _)) => match never {},
            Either::Right(((), _)) => webhook.finish_job(&job).await,
        }
    }
}

impl Webhook {
    /// Renews this instance's lease on `job` every [`HEARTBEAT`]; parks it again when the
    /// store lost it (restarted empty, or it failed when the job was parked). Never ends by
    /// itself while the lease is held; stops renewing once another instance took the job over
    /// (this one's lease lapsed: both send the reply).
    async fn renew_while_running(&self, job: &Job, ticket: &Ticket) -> Infallible {
        let Some(outbox) = self.inner.dedup.outbox() else {
            return std::future::pending().await;
        };
        loop {
            tokio::time::sleep(HEARTBEAT).await;
            match outbox.renew(&job.app_id, &job.id).await {
                Ok(Lease::Held) => ticket.in_outbox(true),
                Ok(Lease::Missing) => match outbox.park(job).await {
                    Ok(()) => {
                        debug!(job = %job.id, "the job was missing from the outbox: parked again");
                        ticket.in_outbox(true);
                    }
                    Err(error) => self.dedupe_failed(DedupOp::Park, &error),
                },
                Ok(Lease::Lost) => {
                    ticket.in_outbox(false);
                    warn!(job = %job.id, "another instance took this job over (its lease lapsed): the reply may be sent twice");
                    return std::future::pending().await;
                }
                Err(error) => self.dedupe_failed(DedupOp::Renew, &error),
            }
        }
    }

    /// Removes a finished `job` from the outbox, trying again while the store does not answer
    /// (for up to [`FINISH_FOR`]): a job left behind would be run again by another instance.
    async fn finish_job(&self, job: &Job) {
        let Some(outbox) = self.inner.dedup.outbox() else {
            return;
        };
        let started = Instant::now();
        loop {
            match outbox.finish(&job.app_id, &job.id).await {
                Ok(()) => return,
                Err(error) => {
                    self.dedupe_failed(DedupOp::Finish, &error);
                    if started.elapsed() >= FINISH_FOR {
                        warn!(job = %job.id, "the finished job could not be removed from the outbox: another instance may send its reply again");
                        return;
                    }
                }
            }
            tokio::time::sleep(FINISH_RETRY).await;
        }
    }

    /// Starts this webhook's recovery loop, once, when its store keeps an outbox and a runtime
    /// is at hand (else the next push starts it). The loop holds the webhook weakly: it ends
    /// when the webhook is dropped, and when a drain begins.
    pub(crate) fn start_recovery(&self) {
        let inner = &self.inner;
        if inner.recovering.load(Ordering::Relaxed) {
            return;
        }
        if inner.dedup.outbox().is_none() {
            // Nothing to recover, ever: later pushes need not ask again.
            inner.recovering.store(true, Ordering::Relaxed);
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if inner.recovering.swap(true, Ordering::Relaxed) {
            return;
        }
        runtime.spawn(recover(Arc::downgrade(&self.inner)));
    }

    /// One scan: for each account (and the component, whose outbox holds its authorizers'
    /// jobs), takes over the jobs whose lease lapsed and runs them.
    async fn recover_lapsed(&self) {
        let Some(outbox) = self.inner.dedup.outbox() else {
            return;
        };
        let accounts = self.inner.accounts.all();
        let component = self.inner.accounts.component();
        let outboxes = accounts
            .iter()
            .map(|account| &account.app_id)
            .chain(component.map(|c| &c.app_id));
        for app_id in outboxes {
            if self.inner.draining.load(Ordering::Relaxed) {
                return;
            }
            match outbox.take_lapsed(app_id, TAKE_AT_ONCE).await {
                Ok(taken) => {
                    for taken in taken {
                        self.resume(taken).await;
                    }
                }
                Err(error) => self.dedupe_failed(DedupOp::Recover, &error),
            }
        }
    }

    /// The account a job taken over is run for: the one whose outbox it was in, or the
    /// authorizer it names, read through the component; why not, when there is none.
    fn account_of(&self, job: &Job) -> Result<Arc<Account>, String> {
        let accounts = &self.inner.accounts;
        match &job.authorizer {
            None => accounts
                .get(&job.app_id)
                .ok_or_else(|| format!("the account {} is no longer served", job.app_id)),
            Some(authorizer) => match accounts.component() {
                Some(component) if component.app_id == job.app_id => {
                    Ok(Arc::new(component.authorizer(authorizer)))
                }
                _ => Err(format!(
                    "the component {} of authorizer {authorizer} is no longer served",
                    job.app_id
                )),
            },
        }
    }

    /// Runs a job taken over from an instance whose lease lapsed, in late mode (no budget: the
    /// platform was answered long ago), or drops it when it cannot or must not run again.
    async fn resume(&self, taken: Taken) {
        let Taken { job, takeovers } = taken;
        let age = Duration::from_secs(now().saturating_sub(job.arrived).max(0).unsigned_abs());
        let push = Inbound::from_xml(&job.push);
        let account = self.account_of(&job);
        let why = if takeovers > MAX_TAKEOVERS {
            Some(format!("taken over {takeovers} times"))
        } else if age > MAX_AGE {
            Some(format!(
                "{} h old, past the 48-hour customer-service window",
                age.as_secs() / 3600
            ))
        } else if let Err(why) = &account {
            Some(why.clone())
        } else {
            push.as_ref()
                .err()
                .map(|e| format!("its push cannot be read: {e}"))
        };
        let (push, account) = match (why, push, account) {
            (None, Ok(push), Ok(account)) => (Arc::new(push), account),
            (why, _, _) => {
                self.inner.metrics.outbox(OutboxEvent::Dropped);
                warn!(
                    app_id = %job.app_id,
                    job = %job.id,
                    reason = why.as_deref().unwrap_or("unknown"),
                    "an outbox job was dropped: its reply is not sent"
                );
                self.finish_job(&job).await;
                return;
            }
        };
        self.inner.metrics.outbox(OutboxEvent::Recovered);
        let span = tracing::info_span!("recovered", app_id = %account.app_id, kind = push.kind(), outcome = tracing::field::Empty);
        span.in_scope(|| {
            debug!(key = %job.id, takeovers, "handling the push again: taken over from the outbox");
        });
        let handling = handling(&account, push.clone());
        let pending = Pending {
            webhook: self.clone(),
            account,
            push,
            plain: job.push.to_vec(),
            key: job.id.clone(),
            started: Instant::now(),
            arrived: job.arrived,
            span,
        };
        self.track(pending, move |pending, ticket| {
            pending.run_late(handling, ticket, Some(job), true)
        });
    }
}

/// The recovery loop: every [`SCAN`], takes over and runs the jobs of this webhook's accounts
/// whose owner stopped renewing their lease. Stops when the webhook is dropped or draining.
async fn recover(webhook: Weak<Inner>) {
    info!("recovering late work of other instances from the outbox");
    loop {
        tokio::time::sleep(SCAN).await;
        let Some(inner) = webhook.upgrade() else {
            return;
        };
        if inner.draining.load(Ordering::Relaxed) {
            return;
        }
        Webhook { inner }.recover_lapsed().await;
    }
}
