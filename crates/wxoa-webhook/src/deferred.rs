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

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio::task::AbortHandle;
use wxoa_types::inbound::Inbound;
use wxoa_types::reply::ReplyBody;

use crate::metrics::Metrics;

/// Sends a reply that missed the deadline as a customer-service message.
pub trait LateReply: Send + Sync + 'static {
    /// Sends `message` (a `message/custom/send` body, see [`custom_message`]) for the account
    /// `app_id`.
    fn send<'a>(&'a self, app_id: &'a str, message: Value) -> BoxFuture<'a, Result<(), String>>;
}

/// Why a reply cannot go out as a customer-service message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LateReplyError {
    /// Transfers to customer service exist only as passive replies.
    #[error(
        "a transfer to customer service cannot be sent late: it exists only as a passive reply"
    )]
    Transfer,
    /// A reply type this version cannot send as a customer-service message.
    #[error("a {0} reply cannot be sent as a customer-service message")]
    Unsupported(&'static str),
    /// A news reply without articles.
    #[error("a news reply without articles")]
    NoArticles,
}

/// The `message/custom/send` body that says what `body` says, to `openid`. A customer-service
/// news message carries one article: the first is sent (and the caller logs the rest).
pub fn custom_message(openid: &str, body: &ReplyBody) -> Result<Value, LateReplyError> {
    let (msgtype, payload) = match body {
        ReplyBody::Text { content } => ("text", json!({ "content": content })),
        ReplyBody::Image { media_id } => ("image", json!({ "media_id": media_id })),
        ReplyBody::Voice { media_id } => ("voice", json!({ "media_id": media_id })),
        ReplyBody::Video {
            media_id,
            title,
            description,
        } => (
            "video",
            json!({ "media_id": media_id, "title": title, "description": description }),
        ),
        ReplyBody::Music(music) => (
            "music",
            json!({
                "title": music.title,
                "description": music.description,
                "musicurl": music.music_url,
                "hqmusicurl": music.hq_music_url,
                "thumb_media_id": music.thumb_media_id,
            }),
        ),
        ReplyBody::News { articles } => {
            let first = articles.first().ok_or(LateReplyError::NoArticles)?;
            (
                "news",
                json!({ "articles": [{
                    "title": first.title,
                    "description": first.description,
                    "url": first.url,
                    "picurl": first.pic_url,
                }] }),
            )
        }
        ReplyBody::TransferCustomerService { .. } => return Err(LateReplyError::Transfer),
        other => return Err(LateReplyError::Unsupported(other.msg_type())),
    };
    let mut message = json!({ "touser": openid, "msgtype": msgtype });
    if let Some(object) = message.as_object_mut() {
        object.insert(msgtype.to_owned(), payload);
    }
    Ok(message)
}

/// Sends late replies through the platform's `message/custom/send` with a [`wxoa_client`]
/// client holding the accounts (feature `client`). A send is never retried once it may have
/// reached the platform; 45015 (outside the 48-hour window) and every other failure come back
/// as the reason the webhook logs.
#[cfg(feature = "client")]
#[derive(Debug, Clone)]
pub struct CustomerService {
    client: wxoa_client::Client,
}

#[cfg(feature = "client")]
impl CustomerService {
    /// Late replies through `client` (its registry must hold the webhook's accounts).
    pub fn new(client: wxoa_client::Client) -> Self {
        Self { client }
    }
}

#[cfg(feature = "client")]
impl LateReply for CustomerService {
    fn send<'a>(&'a self, app_id: &'a str, message: Value) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let client = self.client.for_account(app_id).map_err(|e| e.to_string())?;
            client
                .post_json("/cgi-bin/message/custom/send", &message)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }
}

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

/// What [`Webhook::drain`](crate::Webhook::drain) did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Drained {
    /// Pieces of late work (handlers past the budget, their customer-service replies, handlers
    /// whose connection closed) that finished while draining.
    pub finished: u64,
    /// Those still running at the deadline, oldest first: cancelled, each logged with its push
    /// and counted in `wxoa_webhook_late_replies_total{result="undelivered"}`.
    pub undelivered: Vec<Undelivered>,
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
        self.work.metrics.late_pending(-1);
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
                    abort: None,
                },
            );
            id
        };
        self.metrics.late_pending(1);
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
        let undelivered: Vec<Undelivered> = left
            .into_values()
            .map(|job| {
                if let Some(abort) = &job.abort {
                    abort.abort();
                }
                self.metrics.late_pending(-1);
                Undelivered {
                    app_id: job.app_id,
                    push: job.push,
                    stage: job.stage,
                }
            })
            .collect();
        Drained {
            finished: self.finished.load(Ordering::Relaxed).saturating_sub(before),
            undelivered,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use wxoa_types::reply::{Article, Music};

    #[test]
    fn maps_every_reply_kind() {
        assert_eq!(
            custom_message("o1", &ReplyBody::text("hi")).unwrap(),
            json!({"touser": "o1", "msgtype": "text", "text": {"content": "hi"}})
        );
        assert_eq!(
            custom_message("o1", &ReplyBody::image("M")).unwrap()["image"]["media_id"],
            "M"
        );
        let music =
            custom_message("o1", &ReplyBody::Music(Music::new("T").music_url("u"))).unwrap();
        assert_eq!(music["music"]["thumb_media_id"], "T");
        assert_eq!(music["music"]["musicurl"], "u");
        let news = custom_message(
            "o1",
            &ReplyBody::news(vec![Article::new("a", "u1"), Article::new("b", "u2")]),
        )
        .unwrap();
        assert_eq!(news["news"]["articles"].as_array().unwrap().len(), 1);
        assert_eq!(
            custom_message("o1", &ReplyBody::transfer_customer_service(None)),
            Err(LateReplyError::Transfer)
        );
    }
}
