//! The 5-second deadline. A handler that misses the budget (default 4.5 s) gets `success` sent
//! for it at once, so the platform neither retries nor shows "该公众号暂时无法提供服务"; its
//! eventual reply is then delivered as a customer-service message through a [`LateReply`]
//! sender, within the 48-hour window the push opened. Every failure of that delivery is logged
//! with its reason and counted in `wxoa_webhook_late_replies_total{result="failed"}`.
//!
//! When the connection closes before the answer (the platform timed out, or a proxy in front
//! gave up first), the handler is not cancelled: with a sender, retries of the push get
//! `success` at once and the reply goes out as a customer-service message when it is ready;
//! without one, the reply is recorded for the platform's retry. Either way it is delivered once.
//!
//! All of this work outlives its request. It is tracked, so that a shutdown can wait for it:
//! [`Webhook::drain`](crate::Webhook::drain) stops taking pushes, waits up to a deadline, and
//! names (in the log, in `wxoa_webhook_late_replies_total{result="undelivered"}` and in its
//! [`Drained`] answer) every push whose reply did not go out in time.
//!
//! **What survives a crash depends on the dedupe store.** With a store that keeps an
//! [outbox](crate::dedup::outbox) (Redis), a push answered `success` while its handler runs is
//! parked there first, under a lease this instance renews while the handler and the late reply
//! run; if the instance dies (SIGKILL, a crash, a drain deadline passed), another instance
//! takes the job over once the lease lapses, runs the handler again and sends the reply:
//! at least once (twice if the instance died after sending and before finishing the job).
//! With the memory store (one process) nothing is durable: late work lives in this process's
//! memory, a SIGTERM drains it, and a SIGKILL loses it.
//!
//! This file owns the budget, the detaching of a handler whose request is gone, late delivery
//! and the drain; the tracking of late work is in `work.rs`, the outbox's lease, hand-over and
//! recovery in `outbox.rs`, the customer-service message a late reply becomes in `message.rs`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;
use tracing::{Instrument, debug, info, warn};
use wxoa_types::inbound::Inbound;
use wxoa_types::reply::ReplyBody;

use crate::account::Account;
use crate::dedup::DedupOp;
use crate::handler::{HandlerError, Outcome};
use crate::metrics::{LateResult, OutboxEvent, RequestOutcome};
use crate::pipeline::{Answer, render, takes_no_reply};
use crate::rejection::Rejection;
use crate::webhook::Webhook;

mod message;
mod outbox;
mod work;

#[cfg(feature = "client")]
pub use self::message::CustomerService;
pub use self::message::{LateReplyError, custom_message};
pub use self::work::{Drained, Stage, Undelivered};
pub(crate) use self::work::{LateWork, Ticket};

/// Sends a reply that missed the deadline as a customer-service message.
pub trait LateReply: Send + Sync + 'static {
    /// Sends `message` (a `message/custom/send` body, see [`custom_message`]) for the account
    /// `app_id`.
    fn send<'a>(&'a self, app_id: &'a str, message: Value) -> BoxFuture<'a, Result<(), SendError>>;
}

/// Why a [`LateReply`] sender could not send a message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The API client failed (the platform refused, 45015 outside the 48-hour window among
    /// others, or it could not be reached).
    #[cfg(feature = "client")]
    #[error(transparent)]
    Client(#[from] wxoa_client::Error),
    /// Another sender's failure.
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

impl SendError {
    /// A failure of a sender of your own.
    pub fn other(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        SendError::Other(error.into())
    }
}

/// A handler's run: its outcome, a panic counted as a failure (its key is then released for
/// the retry, as for any failed handler).
type Handling = futures::future::Map<
    futures::future::CatchUnwind<std::panic::AssertUnwindSafe<BoxFuture<'static, Outcome>>>,
    fn(std::thread::Result<Outcome>) -> Outcome,
>;

/// Runs the handler the push routes to, as a [`Handling`].
fn handling(account: &Account, push: Arc<Inbound>) -> Handling {
    fn panicked_is_failed(run: std::thread::Result<Outcome>) -> Outcome {
        run.unwrap_or_else(|_| Outcome::Failed(HandlerError::Panicked))
    }
    std::panic::AssertUnwindSafe(account.bot.dispatch(push, account.app_id.clone()))
        .catch_unwind()
        .map(panicked_is_failed as fn(_) -> _)
}

/// A push as the pipeline received it: its account, the typed push, the plaintext it was read
/// from (parked in the outbox if the handler runs past its request), when it arrived.
pub(crate) struct Received {
    pub(crate) account: Arc<Account>,
    pub(crate) push: Arc<Inbound>,
    pub(crate) plain: Vec<u8>,
    pub(crate) arrived: i64,
}

/// What finishing a push needs once its handler's outcome is known: the push, its dedupe key,
/// when it started, and the span it was handled in.
struct Pending {
    webhook: Webhook,
    account: Arc<Account>,
    push: Arc<Inbound>,
    /// The push's plaintext XML.
    plain: Vec<u8>,
    key: String,
    started: Instant,
    arrived: i64,
    span: tracing::Span,
}

/// A handler's run with what finishing it needs, polled inline by the request (no task, no
/// allocation of its own on the fast path). If the request is dropped before the handler is
/// done — the platform or a proxy hung up — the handler goes on in a tracked background task
/// (see [`Pending::hung_up`]): a handler is never cancelled halfway, and its reply is
/// delivered exactly once.
struct Detach {
    run: Option<(Handling, Pending)>,
}

impl Future for Detach {
    type Output = Result<(Outcome, Pending), ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some((handling, _)) = self.run.as_mut() else {
            return Poll::Ready(Err(()));
        };
        let Poll::Ready(outcome) = handling.poll_unpin(cx) else {
            return Poll::Pending;
        };
        Poll::Ready(match self.run.take() {
            Some((_, pending)) => Ok((outcome, pending)),
            None => Err(()),
        })
    }
}

impl Drop for Detach {
    fn drop(&mut self) {
        if let Some((handling, pending)) = self.run.take() {
            pending.hung_up(handling);
        }
    }
}

impl Pending {
    /// The request was dropped before its answer: the platform timed out, or a proxy in front
    /// closed the connection. A retry may come, or may not (a proxy that answered the platform
    /// itself).
    ///
    /// With a late-reply sender, retries are answered `success` at once and the reply goes out
    /// as a customer-service message when the handler is done: delivered exactly once, whether
    /// or not a retry comes. Without one, the answer is recorded for the retry, the only way
    /// left to deliver it.
    fn hung_up(self, handling: Handling) {
        let webhook = self.webhook.clone();
        webhook.inner.metrics.request(RequestOutcome::Closed);
        self.span.record("outcome", "closed");
        let guard = self.span.enter();
        if webhook.late_sender(&self.account).is_some() {
            debug!(
                "the connection closed before the answer: retries get success, the reply goes out as a customer-service message"
            );
            drop(guard);
            webhook.track(self, move |pending, ticket| async move {
                // Parked before `success` is recorded: a retry answered `success` always finds
                // the work in the outbox while the store answers.
                let job = pending.job();
                let parked = pending.park(job.as_ref()).await;
                pending
                    .webhook
                    .complete(&pending.key, &Answer::Success)
                    .await;
                pending.run_late(handling, ticket, job, parked).await;
            });
        } else {
            debug!(
                "the connection closed before the answer: it is recorded for the platform's retry"
            );
            drop(guard);
            webhook.track(self, move |pending, ticket| async move {
                let outcome = handling.await;
                ticket.sending();
                if let Err(reason) = pending.finish(outcome).await {
                    warn!(%reason, "a handler whose connection closed failed; the platform's retry runs it again");
                }
            });
        }
    }

    /// The handler finished in time (or after its request was dropped): records the plaintext
    /// answer for retries — or releases the key when the handler failed — and gives it.
    async fn finish(self, outcome: Outcome) -> Result<Answer, HandlerError> {
        let webhook = &self.webhook;
        let took = self.started.elapsed();
        webhook.inner.metrics.handled(took);
        let answer = match outcome {
            Outcome::NoReply => Answer::Success,
            Outcome::Reply(reply) => {
                let now = self
                    .arrived
                    .saturating_add(i64::try_from(took.as_secs()).unwrap_or(0));
                render(&self.push, reply, now)
            }
            Outcome::Failed(reason) => {
                if let Err(error) = webhook.inner.dedup.release(&self.key).await {
                    webhook.dedupe_failed(DedupOp::Release, &error);
                }
                return Err(reason);
            }
        };
        webhook.complete(&self.key, &answer).await;
        Ok(answer)
    }

    /// The handler missed the budget (the platform got `success`): its reply goes out as a
    /// customer-service message.
    async fn finish_late(&self, outcome: Outcome) {
        self.webhook.inner.metrics.handled(self.started.elapsed());
        self.webhook
            .finish_late(&self.account, &self.push, outcome)
            .await;
    }
}

impl Webhook {
    /// Runs the handler of a push this delivery claimed, within the budget counted from
    /// `begun`: its answer, or `success` once the budget is spent (the handler then goes on
    /// as tracked late work).
    pub(crate) async fn within_budget(
        &self,
        received: Received,
        key: String,
        begun: Instant,
        waited: bool,
    ) -> Result<Answer, Rejection> {
        let inner = &self.inner;
        let Received {
            account,
            push,
            plain,
            arrived,
        } = received;
        debug!(%key, "handling the push");
        let span = tracing::Span::current();
        // The handler is polled right here; if the platform drops the connection first (its
        // timeout, a network fault), hyper cancels this request and `Detach` moves the handler
        // to a background task: it finishes and its answer is recorded for the retry.
        let handling = handling(&account, push.clone());
        // The handler's own time, for its latency: the clock is read again only after a wait.
        let started = if waited { Instant::now() } else { begun };
        let pending = Pending {
            webhook: self.clone(),
            account,
            push,
            plain,
            key,
            started,
            arrived,
            span,
        };
        let mut task = Detach {
            run: Some((handling, pending)),
        };
        // Most handlers answer without waiting on anything: a first poll takes their answer
        // before any timer is armed. The budget still counts from `begun`.
        let deadline = tokio::time::Instant::from_std(begun + inner.settings.budget);
        let within_budget = match futures::poll!(&mut task) {
            Poll::Ready(finished) => Ok(finished),
            Poll::Pending => tokio::time::timeout_at(deadline, &mut task).await,
        };
        let finished = match within_budget {
            Ok(Ok((outcome, pending))) => pending.finish(outcome).await,
            Ok(Err(())) => Err(HandlerError::AlreadyComplete),
            Err(_) => {
                // Out of time: the platform gets `success` now, and the handler goes on in a
                // background task that sends its reply as a customer-service message.
                let answer = Answer::Success;
                if let Some((handling, pending)) = task.run.take() {
                    // Parked in the outbox as `success` is recorded, both before the answer
                    // goes: each is bounded, and together they take no longer than one.
                    let job = pending.job();
                    let (parked, ()) = futures::join!(
                        pending.park(job.as_ref()),
                        self.complete(&pending.key, &answer)
                    );
                    self.track(pending, move |pending, ticket| {
                        pending.run_late(handling, ticket, job, parked)
                    });
                }
                inner.metrics.request(RequestOutcome::Late);
                tracing::Span::current().record("outcome", "late");
                return Ok(answer);
            }
        };
        match finished {
            Ok(answer) => {
                inner.metrics.request(RequestOutcome::Ok);
                tracing::Span::current().record("outcome", "ok");
                Ok(answer)
            }
            Err(reason) => Err(Rejection::HandlerFailed(reason)),
        }
    }

    /// Stops taking pushes (and recovering other instances' late work), then waits up to
    /// `timeout` for the work that outlived its request: handlers past the budget and their
    /// customer-service replies, handlers whose connection closed. What is still running at the
    /// deadline is cancelled: a job kept in the store's outbox is left there for another
    /// instance ([`Drained::handed_over`]); anything else is logged with its push, counted in
    /// `wxoa_webhook_late_replies_total{result="undelivered"}`, and comes back in
    /// [`Drained::undelivered`].
    ///
    /// Call it once your server has stopped accepting connections and has answered the
    /// requests in progress (axum's graceful shutdown), so that every piece of late work has
    /// been handed over; pushes that still reach the webhook from then on are refused with
    /// 503 (outcome `shutting_down`), and the platform's retry goes elsewhere.
    ///
    /// ```no_run
    /// # use std::future::Future;
    /// # async fn run(
    /// #     webhook: wxoa_webhook::Webhook,
    /// #     stop_signal: impl Future<Output = ()> + Send + 'static,
    /// # ) -> std::io::Result<()> {
    /// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
    /// axum::serve(listener, webhook.router())
    ///     .with_graceful_shutdown(stop_signal)
    ///     .await?;
    /// let drained = webhook.drain(std::time::Duration::from_secs(30)).await;
    /// if !drained.undelivered.is_empty() {
    ///     eprintln!("{} replies were not delivered", drained.undelivered.len());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn drain(&self, timeout: Duration) -> Drained {
        self.inner.draining.store(true, Ordering::Relaxed);
        let pending = self.inner.metrics.late_pending();
        if pending > 0 {
            info!(
                pending,
                timeout_secs = timeout.as_secs_f64(),
                "waiting for handlers and late replies"
            );
        }
        let drained = self.inner.late_work.drain(timeout).await;
        for handed_over in &drained.handed_over {
            self.inner.metrics.outbox(OutboxEvent::HandedOver);
            let push = &handed_over.push;
            warn!(
                app_id = %handed_over.app_id,
                openid = push.from_user_name.as_str(),
                kind = push.kind(),
                stage = handed_over.stage.as_str(),
                "reply left in the outbox: the drain deadline passed first, another instance sends it once this one's lease lapses"
            );
        }
        for undelivered in &drained.undelivered {
            self.inner.metrics.late(LateResult::Undelivered);
            let push = &undelivered.push;
            warn!(
                app_id = %undelivered.app_id,
                openid = push.from_user_name.as_str(),
                kind = push.kind(),
                stage = undelivered.stage.as_str(),
                push = %push_json(push),
                "reply not delivered: the drain deadline passed first"
            );
        }
        drained
    }

    /// Runs `job`, the rest of a push that outlives its request, as tracked late work (see
    /// [`drain`](Self::drain)), in the push's span.
    fn track<F>(&self, pending: Pending, job: impl FnOnce(Pending, Ticket) -> F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let (push, span) = (pending.push.clone(), pending.span.clone());
        let in_span = span.clone();
        let started = self.inner.late_work.spawn(
            pending.account.app_id.clone(),
            push.clone(),
            move |ticket| job(pending, ticket).instrument(in_span),
        );
        if !started {
            self.inner.metrics.late(LateResult::Undelivered);
            let _entered = span.enter();
            warn!(
                push = %push_json(&push),
                "reply not delivered: no runtime to run the handler on past its request"
            );
        }
    }

    /// The handler missed the budget (the platform got `success`): its reply goes out as a
    /// customer-service message.
    async fn finish_late(&self, account: &Account, push: &Inbound, outcome: Outcome) {
        let body = match outcome {
            Outcome::Reply(body) => body,
            Outcome::NoReply => return,
            Outcome::Failed(reason) => {
                warn!(%reason, "a handler answered late (past the budget or its closed connection) failed; nothing to send");
                return;
            }
        };
        let result = self.send_late(account, push, &body).await;
        self.inner.metrics.late(if result.is_ok() {
            LateResult::Delivered
        } else {
            LateResult::Failed
        });
        match result {
            Ok(()) => debug!("late reply sent as a customer-service message"),
            Err(reason) => warn!(%reason, "late reply could not be delivered"),
        }
    }

    /// Who sends `account`'s late replies: its own sender (an authorizer's, through its
    /// component), else the webhook's.
    pub(crate) fn late_sender<'a>(
        &'a self,
        account: &'a Account,
    ) -> Option<&'a Arc<dyn LateReply>> {
        account.late.as_ref().or(self.inner.late.as_ref())
    }

    async fn send_late(
        &self,
        account: &Account,
        push: &Inbound,
        body: &ReplyBody,
    ) -> Result<(), LateError> {
        if takes_no_reply(push) {
            return Err(LateError::TakesNoReply { kind: push.kind() });
        }
        let Some(sender) = self.late_sender(account) else {
            return Err(LateError::NoSender);
        };
        let message = custom_message(push.from_user_name.as_str(), body)?;
        if let ReplyBody::News { articles } = body
            && articles.len() > 1
        {
            warn!(
                dropped = articles.len() - 1,
                "a customer-service news message carries one article; sending the first"
            );
        }
        Ok(sender.send(&account.app_id, message).await?)
    }
}

/// Why a late reply was not delivered (logged as its reason).
#[derive(Debug, thiserror::Error)]
enum LateError {
    /// Job and notification events take no reply, passive or late.
    #[error("a {kind} push takes no reply")]
    TakesNoReply {
        /// The push's kind.
        kind: &'static str,
    },
    /// The webhook has no [`LateReply`] sender.
    #[error(
        "no customer-service sender is configured (give the webhook an AppSecret or a late-reply sender)"
    )]
    NoSender,
    /// The reply has no customer-service form.
    #[error(transparent)]
    Message(#[from] LateReplyError),
    /// The sender failed.
    #[error(transparent)]
    Send(#[from] SendError),
}

/// The push as JSON, for a log line that must let an operator act on it.
fn push_json(push: &Inbound) -> String {
    serde_json::to_string(push).unwrap_or_else(|e| format!("(cannot be shown: {e})"))
}
