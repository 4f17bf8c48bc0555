//! One pooled HTTP client, the API bases with failover, the retry policy, and errcode decoding.
//! This file holds the transport and its attempts; the retry policy and failover live in
//! `retry.rs`, the URL, errors and decoding in `wire.rs`.

use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};

mod retry;
mod wire;

pub use retry::RetryPolicy;
use retry::{Attempt, Failover, Verdict, judge};
use wire::url;
pub(crate) use wire::{content_type, decode, decode_borrowed, is_textual, parse_base, shown_body};
/// An error and its sources on one line, redacted, for logs.
pub(crate) use wxoa_types::secret::error_chain;

use crate::error::{Content, Error, Result};
use crate::metrics::ClientMetrics;
use crate::request::{ApiRequest, Body};

/// The largest answer read: far above any JSON answer of the platform.
pub(crate) const MAX_BODY: usize = 16 * 1024 * 1024;
/// How much of an unexpected body an error keeps.
const MAX_ERROR_BODY: usize = 4096;

/// Where a request goes.
#[derive(Clone, Copy)]
pub(crate) enum Target<'a> {
    /// The platform's API bases, with failover.
    Platform,
    /// One fixed base (a token server), with its `Authorization` header.
    Fixed {
        base: &'a str,
        authorization: Option<&'a HeaderValue>,
    },
    /// One fixed host of the platform without failover (the mp host of `showqrcode`).
    Host(&'a str),
}

/// What a caller expects in a successful answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// The platform's JSON, read whole.
    Json,
    /// A file, left unread for the caller to stream; JSON (an error, or a JSON answer of an
    /// endpoint that serves both) is read whole.
    File,
}

/// A successful answer.
#[derive(Debug)]
pub(crate) enum Reply {
    /// A body read whole, with the answer's headers.
    Body { headers: HeaderMap, body: Bytes },
    /// A file whose body is still to be read.
    Stream(reqwest::Response),
}

/// The shared HTTP machinery of a client.
#[derive(Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
    failover: Failover,
    retry: RetryPolicy,
    request_timeout: Duration,
    transfer_timeout: Duration,
    /// Every call counted and timed here, the one place every call goes through.
    metrics: ClientMetrics,
}

impl Transport {
    pub(crate) fn new(
        http: reqwest::Client,
        bases: Vec<String>,
        retry: RetryPolicy,
        request_timeout: Duration,
        failback_after: Duration,
    ) -> Self {
        Self {
            http,
            failover: Failover::new(bases, failback_after),
            retry,
            request_timeout,
            transfer_timeout: request_timeout,
            metrics: ClientMetrics::default(),
        }
    }

    /// The calls' metrics.
    pub(crate) fn metrics(&self) -> &ClientMetrics {
        &self.metrics
    }

    /// How long one attempt that carries a file (an upload, or a file answer with its body)
    /// may take; at least the request timeout.
    pub(crate) fn with_transfer_timeout(mut self, timeout: Duration) -> Self {
        self.transfer_timeout = timeout.max(self.request_timeout);
        self
    }

    /// The API bases, primary first.
    pub(crate) fn bases(&self) -> &[String] {
        &self.failover.bases
    }

    /// Sends `req` with retries and failover as its idempotency allows; answers the body of a
    /// successful answer (`errcode` absent or 0).
    pub(crate) async fn call(
        &self,
        target: Target<'_>,
        req: &ApiRequest,
        token: Option<&str>,
    ) -> Result<Bytes> {
        match self.exchange(target, req, token, Expect::Json).await? {
            Reply::Body { body, .. } => Ok(body),
            // A JSON exchange reads every body whole.
            Reply::Stream(response) => Err(Error::UnexpectedContent {
                path: req.path.clone(),
                expected: Content::Json,
                content_type: content_type(response.headers()).to_owned(),
                body: String::new(),
            }),
        }
    }

    /// [`Transport::call`] for an answer that may be a file. Counted and timed as one call,
    /// whatever its attempts.
    pub(crate) async fn exchange(
        &self,
        target: Target<'_>,
        req: &ApiRequest,
        token: Option<&str>,
        expect: Expect,
    ) -> Result<Reply> {
        let call = self.metrics.call(req.path());
        let result = self.attempts(target, req, token, expect).await;
        call.end(&result);
        result
    }

    /// The attempts of one call, with retries and failover as its idempotency allows.
    async fn attempts(
        &self,
        target: Target<'_>,
        req: &ApiRequest,
        token: Option<&str>,
        expect: Expect,
    ) -> Result<Reply> {
        let (mut index, authorization) = match target {
            Target::Platform => (self.failover.start(), None),
            Target::Fixed { authorization, .. } => (0, authorization),
            Target::Host(_) => (0, None),
        };
        let max_attempts = self.retry.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let base = match target {
                Target::Platform => self.failover.base(index),
                Target::Fixed { base, .. } | Target::Host(base) => base,
            };
            let started = Instant::now();
            let outcome = self
                .send_once(&url(base, req, token), req, authorization, expect)
                .await;
            tracing::debug!(
                base,
                path = req.path(),
                query = %req.shown_query(),
                attempt,
                elapsed_ms = started.elapsed().as_millis(),
                outcome = %outcome,
                "api attempt"
            );
            match judge(target, req, outcome, attempt, max_attempts) {
                Verdict::Done(result) => return result,
                Verdict::Again => {
                    tracing::info!(
                        path = req.path(),
                        attempt,
                        "transient platform error; retrying"
                    );
                    tokio::time::sleep(self.retry.backoff(attempt)).await;
                }
                Verdict::HostFailed {
                    reason,
                    retry,
                    error,
                } => {
                    // The host failed whatever happens next: later calls start on the next one.
                    let next = match target {
                        Target::Platform => self.failover.failed(index, reason),
                        Target::Fixed { .. } | Target::Host(_) => index,
                    };
                    // An upload whose stream was read cannot be sent again.
                    if !retry || !req.can_send() {
                        return Err(error);
                    }
                    // Moving to another host needs no wait; trying the same one again does.
                    if next == index {
                        tokio::time::sleep(self.retry.backoff(attempt)).await;
                    }
                    index = next;
                }
            }
        }
    }

    async fn send_once(
        &self,
        url: &str,
        req: &ApiRequest,
        authorization: Option<&HeaderValue>,
        expect: Expect,
    ) -> Attempt {
        let timeout = if req.carries_file() || expect == Expect::File {
            self.transfer_timeout
        } else {
            self.request_timeout
        };
        let mut builder = self.http.request(req.method.clone(), url).timeout(timeout);
        match &req.body {
            Some(Body::Json(body)) => {
                builder = builder
                    .header(CONTENT_TYPE, "application/json; charset=utf-8")
                    .body(body.clone());
            }
            Some(Body::Multipart(form)) => match form.build().await {
                Ok(form) => builder = builder.multipart(form),
                Err(error) => return Attempt::Local(error),
            },
            None => {}
        }
        if let Some(authorization) = authorization {
            builder = builder.header(AUTHORIZATION, authorization.clone());
        }
        let mut response = match builder.send().await {
            Ok(response) => response,
            Err(error) if error.is_builder() => return Attempt::Invalid(error.without_url()),
            Err(error) if error.is_connect() => return Attempt::NotSent(error.without_url()),
            Err(error) => return Attempt::Lost(error.without_url()),
        };
        let status = response.status();
        if expect == Expect::File && status.is_success() && !is_textual(response.headers()) {
            return Attempt::Stream(response);
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_BODY as u64)
        {
            return Attempt::TooLarge;
        }
        let headers = std::mem::take(response.headers_mut());
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.is_empty() && response.content_length() == Some(chunk.len() as u64) {
                        // The whole body in one chunk: no copy.
                        return Attempt::Answer {
                            status,
                            headers,
                            body: chunk,
                        };
                    }
                    if body.len() + chunk.len() > MAX_BODY {
                        return Attempt::TooLarge;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) => return Attempt::Lost(error.without_url()),
            }
        }
        Attempt::Answer {
            status,
            headers,
            body: Bytes::from(body),
        }
    }
}
