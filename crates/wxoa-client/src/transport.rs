//! One pooled HTTP client, the API bases with failover, the retry policy, and errcode decoding.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use wxoa_types::errcode::{ErrCode, RetryClass};

use crate::error::{Error, Result};
use crate::redact::redact;
use crate::request::{ApiRequest, Body};

/// The largest answer read: far above any JSON answer of the platform.
pub(crate) const MAX_BODY: usize = 16 * 1024 * 1024;
/// How much of an unexpected body an error keeps.
const MAX_ERROR_BODY: usize = 4096;

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
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let full = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        full / 2 + crate::token::jitter(full / 2)
    }
}

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

/// The API bases and which one calls start on.
#[derive(Debug)]
struct Failover {
    bases: Box<[String]>,
    /// The base calls start on: 0 (the primary) unless it failed recently.
    preferred: AtomicUsize,
    /// When the client moved away from the primary, in milliseconds since `epoch`.
    switched_at_ms: AtomicU64,
    failback_after: Duration,
    epoch: Instant,
}

impl Failover {
    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The base a new call starts on: back to the primary once `failback_after` has passed.
    fn start(&self) -> usize {
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
    fn failed(&self, failed: usize, reason: &str) -> usize {
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

    fn base(&self, index: usize) -> &str {
        self.bases.get(index).map_or("", String::as_str)
    }
}

/// The outcome of one attempt.
enum Attempt {
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
enum Verdict {
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
fn judge(
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
        Attempt::Invalid(error) => Verdict::Done(Err(Error::InvalidRequest(format!(
            "cannot build the request: {}",
            error_chain(&error)
        )))),
    }
}

/// The shared HTTP machinery of a client.
#[derive(Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
    failover: Failover,
    retry: RetryPolicy,
    request_timeout: Duration,
    transfer_timeout: Duration,
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
            failover: Failover {
                bases: bases.into_boxed_slice(),
                preferred: AtomicUsize::new(0),
                switched_at_ms: AtomicU64::new(0),
                failback_after,
                epoch: Instant::now(),
            },
            retry,
            request_timeout,
            transfer_timeout: request_timeout,
        }
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
                expected: "JSON",
                content_type: content_type(response.headers()).to_owned(),
                body: String::new(),
            }),
        }
    }

    /// [`Transport::call`] for an answer that may be a file.
    pub(crate) async fn exchange(
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

/// The `Content-Type` of an answer, empty when absent or not text.
pub(crate) fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// Whether an answer may be the platform's JSON: the platform sends its errors from file
/// endpoints as `application/json` or `text/plain`, sometimes with no type at all.
pub(crate) fn is_textual(headers: &HeaderMap) -> bool {
    let content_type = content_type(headers).trim().to_ascii_lowercase();
    content_type.is_empty()
        || content_type.starts_with("application/json")
        || content_type.starts_with("text/")
}

/// A base URL checked and normalised: `http` or `https`, a host, no credentials, query or
/// fragment, no trailing `/` (a path prefix is kept).
pub(crate) fn parse_base(base: &str) -> std::result::Result<String, String> {
    let parsed = url::Url::parse(base.trim()).map_err(|e| format!("{base:?} is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("{base:?} must be an http or https URL"));
    }
    if parsed.host().is_none() {
        return Err(format!("{base:?} has no host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("a base URL must not carry credentials".to_owned());
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!("{base:?} must not have a query or a fragment"));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// `{base}{path}?{query}&access_token={token}`.
fn url(base: &str, req: &ApiRequest, token: Option<&str>) -> String {
    let mut url = String::with_capacity(base.len() + req.path.len() + 256);
    url.push_str(base);
    url.push_str(&req.path);
    if req.query.is_empty() && token.is_none() {
        return url;
    }
    url.push('?');
    let start = url.len();
    let mut query = url::form_urlencoded::Serializer::for_suffix(url, start);
    for (k, v) in &req.query {
        query.append_pair(k, v);
    }
    if let Some(token) = token {
        query.append_pair("access_token", token);
    }
    query.finish()
}

/// The `errcode` and `errmsg` of a JSON object body, when it has an `errcode`.
fn errcode(body: &[u8]) -> Option<(ErrCode, String)> {
    #[derive(Deserialize)]
    struct Probe<'a> {
        #[serde(default)]
        errcode: Option<ErrCode>,
        #[serde(default, borrow)]
        errmsg: Option<Cow<'a, str>>,
    }
    let probe: Probe<'_> = serde_json::from_slice(body).ok()?;
    Some((
        probe.errcode?,
        probe.errmsg.unwrap_or_default().into_owned(),
    ))
}

fn transport_error(
    req: &ApiRequest,
    attempts: u32,
    may_have_reached_platform: bool,
    source: reqwest::Error,
) -> Error {
    Error::Transport {
        path: req.path.clone(),
        attempts,
        may_have_reached_platform,
        source,
    }
}

fn status_error(target: Target<'_>, req: &ApiRequest, status: StatusCode, body: &[u8]) -> Error {
    let body = shown_body(body, MAX_ERROR_BODY);
    match target {
        Target::Platform | Target::Host(_) => Error::Http {
            path: req.path.clone(),
            status: status.as_u16(),
            body,
        },
        Target::Fixed { .. } => Error::TokenServer {
            status: status.as_u16(),
            message: if body.is_empty() {
                status.canonical_reason().unwrap_or("no reason").to_owned()
            } else {
                body
            },
        },
    }
}

/// A body for an error message: lossy UTF-8, redacted, at most `limit` bytes.
pub(crate) fn shown_body(body: &[u8], limit: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut shown = redact(&text).into_owned();
    if shown.len() > limit {
        let mut cut = limit;
        while !shown.is_char_boundary(cut) {
            cut -= 1;
        }
        shown.truncate(cut);
        shown.push('…');
    }
    shown
}

/// Decodes a successful answer, keeping the raw body and the failing field on error.
pub(crate) fn decode<T: DeserializeOwned>(path: &str, body: &[u8]) -> Result<T> {
    let failed = |field: String, source: serde_json::Error| Error::Decode {
        path: path.to_owned(),
        field,
        body: shown_body(body, MAX_BODY),
        source,
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        let source = e.into_inner();
        // serde_json quotes the offending value ("invalid type: string \"…\""): not for a
        // secret field.
        let source = if is_secret_field(&field) {
            <serde_json::Error as serde::de::Error>::custom(format!(
                "invalid value at line {} column {} (not shown: the field is secret)",
                source.line(),
                source.column()
            ))
        } else {
            source
        };
        failed(field, source)
    })?;
    de.end().map_err(|e| failed(".".to_owned(), e))?;
    Ok(value)
}

/// Whether a field path (`a.b[0].access_token`) names a secret anywhere along it.
fn is_secret_field(field: &str) -> bool {
    field
        .split(['.', '['])
        .any(|segment| crate::redact::is_sensitive_key(segment.trim_end_matches(']')))
}

/// An error and its sources on one line, redacted, for logs.
pub(crate) use wxoa_types::secret::error_chain;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn url_has_the_token_last_and_encodes_values() {
        let req = ApiRequest::get("/cgi-bin/user/info").query("openid", "o 1&x");
        assert_eq!(
            url("http://h", &req, Some("T/+")),
            "http://h/cgi-bin/user/info?openid=o+1%26x&access_token=T%2F%2B"
        );
        assert_eq!(url("http://h", &ApiRequest::get("/a"), None), "http://h/a");
    }

    #[test]
    fn bases_are_checked_and_normalised() {
        assert_eq!(
            parse_base("https://api.weixin.qq.com/").unwrap(),
            "https://api.weixin.qq.com"
        );
        assert_eq!(
            parse_base(" http://127.0.0.1:8080/sandbox/ ").unwrap(),
            "http://127.0.0.1:8080/sandbox"
        );
        for bad in [
            "api.weixin.qq.com",
            "ftp://x",
            "http://u:p@x",
            "http://x/?a=1",
            "http://x/#f",
            "",
        ] {
            assert!(parse_base(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn errcode_probe() {
        assert_eq!(
            errcode(br#"{"errcode":40001,"errmsg":"invalid credential"}"#).unwrap(),
            (ErrCode::InvalidCredential, "invalid credential".to_owned())
        );
        assert_eq!(
            errcode(br#"{"errcode":"-1"}"#).unwrap(),
            (ErrCode::SystemBusy, String::new())
        );
        assert!(errcode(br#"{"ip_list":["1.2.3.4"]}"#).is_none());
        assert!(errcode(b"[1,2]").is_none());
        assert!(errcode(b"<html>").is_none());
        assert!(
            errcode(br#"{"errcode":0,"errmsg":"ok"}"#)
                .unwrap()
                .0
                .is_ok()
        );
    }

    #[test]
    fn decode_keeps_the_field_path_and_the_body() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Answer {
            ip_list: Vec<std::net::IpAddr>,
        }
        let body = br#"{"ip_list":["1.2.3.4","nope"],"access_token":"T"}"#;
        let Err(Error::Decode {
            path, field, body, ..
        }) = decode::<Answer>("/cgi-bin/getcallbackip", body)
        else {
            panic!("expected a decode error");
        };
        assert_eq!(path, "/cgi-bin/getcallbackip");
        assert_eq!(field, "ip_list[1]");
        assert_eq!(
            body,
            r#"{"ip_list":["1.2.3.4","nope"],"access_token":"***"}"#
        );
        assert!(matches!(
            decode::<serde_json::Value>("/x", b"{} x"),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn decode_errors_never_quote_a_secret_value() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Answer {
            ticket: u64,
        }
        let Err(Error::Decode { field, source, .. }) =
            decode::<Answer>("/x", br#"{"ticket":"TICKETVALUE"}"#)
        else {
            panic!("expected a decode error");
        };
        assert_eq!(field, "ticket");
        assert!(!format!("{source} {source:?}").contains("TICKETVALUE"));
        assert!(is_secret_field("data[0].refresh_token") && !is_secret_field("ip_list[1]"));
    }

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

    #[test]
    fn shown_bodies_are_cut_on_char_boundaries() {
        let body = "值".repeat(10);
        let shown = shown_body(body.as_bytes(), 4);
        assert_eq!(shown, "值…");
    }
}
