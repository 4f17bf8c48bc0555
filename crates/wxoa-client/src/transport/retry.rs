//! The retry policy and failover: the API bases and which one calls start on, what one
//! attempt's outcome means for a request of its idempotency, and the pause between attempts.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use wxoa_types::errcode::RetryClass;
use wxoa_types::secret::error_chain;

use super::wire::{content_type, errcode, status_error, transport_error};
use super::{MAX_BODY, Reply, Target};
use crate::error::{Error, Result};
use crate::invalid::InvalidRequest;
use crate::request::ApiRequest;

/// How reads and token fetches are retried.
///
/// A read is tried at most `max_attempts` times in all: after a transport error, a 5xx, or an
/// `errcode` the platform documents as transient (`-1`). Between two attempts on the same host
/// the client waits `initial_backoff × 2ⁿ` (at most `max_backoff`), of which a random half, so
/// that many clients do not retry in step; moving to a failover host does not wait. Sends are
/// only ever tried again when the connection could not be made at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1). Default 3.
    pub max_attempts: u32,
    /// The wait before the first retry on the same host. Default 200 ms.
    pub initial_backoff: Duration,
    /// The longest wait. Default 2 s.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The jittered wait after the `attempt`-th attempt (1-based).
    pub(super) fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let full = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        full / 2 + crate::token::jitter(full / 2)
    }
}

/// The API bases and which one calls start on.
#[derive(Debug)]
pub(super) struct Failover {
    pub(super) bases: Box<[String]>,
    /// The base calls start on: 0 (the primary) unless it failed recently.
    preferred: AtomicUsize,
    /// When the client moved away from the primary, in milliseconds since `epoch`.
    switched_at_ms: AtomicU64,
    failback_after: Duration,
    epoch: Instant,
}

impl Failover {
    pub(super) fn new(bases: Vec<String>, failback_after: Duration) -> Failover {
        Failover {
            bases: bases.into_boxed_slice(),
            preferred: AtomicUsize::new(0),
            switched_at_ms: AtomicU64::new(0),
            failback_after,
            epoch: Instant::now(),
        }
    }

    pub(super) fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The base a new call starts on: back to the primary once `failback_after` has passed.
    pub(super) fn start(&self) -> usize {
        let preferred = self.preferred.load(Ordering::Relaxed);
        if preferred == 0 {
            return 0;
        }
        let since = self
            .elapsed_ms()
            .saturating_sub(self.switched_at_ms.load(Ordering::Relaxed));
        if u128::from(since) >= self.failback_after.as_millis()
            && self
                .preferred
                .compare_exchange(preferred, 0, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::info!(
                primary = %self.base(0),
                "returning to the primary API base"
            );
            return 0;
        }
        preferred
    }

    /// The base after `failed`, which the next calls start on too.
    pub(super) fn failed(&self, failed: usize, reason: &str) -> usize {
        if self.bases.len() < 2 {
            return failed;
        }
        let next = (failed + 1) % self.bases.len();
        self.switched_at_ms
            .store(self.elapsed_ms(), Ordering::Relaxed);
        if self.preferred.swap(next, Ordering::Relaxed) != next {
            tracing::warn!(
                failed = %self.base(failed),
                next = %self.base(next),
                reason,
                "API base failed; moving to the next one"
            );
        }
        next
    }

    pub(super) fn base(&self, index: usize) -> &str {
        self.bases.get(index).map_or("", String::as_str)
    }
}

/// The outcome of one attempt.
pub(super) enum Attempt {
    /// The host answered.
    Answer {
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    },
    /// The host answered a file, left unread.
    Stream(reqwest::Response),
    /// The connection could not be made: the request never left.
    NotSent(reqwest::Error),
    /// The request may have been received (a broken connection, a timeout).
    Lost(reqwest::Error),
    /// The answer was over [`MAX_BODY`].
    TooLarge,
    /// The request could not be built (a malformed URL).
    Invalid(reqwest::Error),
    /// The request could not be prepared (a file to upload could not be opened).
    Local(Error),
}

impl std::fmt::Display for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Attempt::Answer { status, body, .. } => match errcode(body) {
                Some((code, _)) if !code.is_ok() => {
                    write!(f, "HTTP {status}, errcode {}", code.code())
                }
                _ => write!(f, "HTTP {status}"),
            },
            Attempt::NotSent(error) => write!(f, "not sent: {}", error_chain(error)),
            Attempt::Lost(error) => write!(f, "lost: {}", error_chain(error)),
            Attempt::TooLarge => write!(f, "answer over {MAX_BODY} bytes"),
            Attempt::Invalid(error) => write!(f, "invalid: {}", error_chain(error)),
            Attempt::Stream(response) => write!(
                f,
                "HTTP {}, a file of type {:?}",
                response.status(),
                content_type(response.headers())
            ),
            Attempt::Local(error) => write!(f, "not sent: {}", error_chain(error)),
        }
    }
}

/// What to do after an attempt.
pub(super) enum Verdict {
    /// Answer this.
    Done(Result<Reply>),
    /// Try the same host again after a pause (a transient `errcode` on a read).
    Again,
    /// The host failed: move on, then retry if allowed, else answer `error`.
    HostFailed {
        reason: &'static str,
        retry: bool,
        error: Error,
    },
}

/// The retry policy: what an attempt's outcome means for a request of this idempotency.
pub(super) fn judge(
    target: Target<'_>,
    req: &ApiRequest,
    outcome: Attempt,
    attempt: u32,
    max: u32,
) -> Verdict {
    let last = attempt >= max;
    match outcome {
        // The request never left: any request may go again, sends included.
        Attempt::NotSent(error) => Verdict::HostFailed {
            reason: "connection failed",
            retry: !last,
            error: transport_error(req, attempt, false, error),
        },
        // The request may have been received: only what is safe to repeat goes again.
        Attempt::Lost(error) => Verdict::HostFailed {
            reason: "request failed",
            retry: req.idempotent && !last,
            error: transport_error(req, attempt, true, error),
        },
        Attempt::Answer { status, body, .. } if status.is_server_error() => Verdict::HostFailed {
            reason: "server error",
            retry: req.idempotent && !last,
            error: status_error(target, req, status, &body),
        },
        Attempt::Answer { status, body, .. } if !status.is_success() => {
            Verdict::Done(Err(match errcode(&body) {
                Some((code, message)) if !code.is_ok() => Error::api(code, &message),
                _ => status_error(target, req, status, &body),
            }))
        }
        Attempt::Answer { body, headers, .. } => match errcode(&body) {
            Some((code, message)) if !code.is_ok() && !req.answers(code.code()) => {
                let transient = code.retry_class() == RetryClass::Retry;
                if transient && req.idempotent && !last {
                    Verdict::Again
                } else {
                    Verdict::Done(Err(Error::api(code, &message)))
                }
            }
            _ => Verdict::Done(Ok(Reply::Body { headers, body })),
        },
        Attempt::Stream(response) => Verdict::Done(Ok(Reply::Stream(response))),
        Attempt::Local(error) => Verdict::Done(Err(error)),
        Attempt::TooLarge => Verdict::Done(Err(Error::TooLarge {
            path: req.path.clone(),
            limit: MAX_BODY,
        })),
        Attempt::Invalid(source) => {
            Verdict::Done(Err(Error::InvalidRequest(InvalidRequest::Build { source })))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_jittered() {
        let policy = RetryPolicy::default();
        for attempt in 1..20 {
            let wait = policy.backoff(attempt);
            assert!(wait <= policy.max_backoff, "{attempt}: {wait:?}");
        }
        let first = policy.backoff(1);
        assert!(first >= Duration::from_millis(100) && first <= Duration::from_millis(200));
    }
}
