//! The client's metrics: calls, the platform's errcodes and call latency by endpoint path, and
//! token fetches, recorded by the one layer every call goes through, for the application to
//! register into its [`Registry`].
//!
//! | metric | labels |
//! |---|---|
//! | `wxoa_client_calls_total` | `path`, `result`: `ok`, `errcode`, `failed`, `abandoned` |
//! | `wxoa_client_errcodes_total` | `path`, `errcode` (a code this library does not know: `other`) |
//! | `wxoa_client_call_seconds` (histogram) | `path` |
//! | `wxoa_client_token_fetches_total` | `appid`, `kind` (`access_token`, `jsapi`, `wx_card`), `result`: `ok`, `failed` |
//!
//! A call is one request as the caller sees it: its retries, failover and the wait between
//! attempts are inside it. The `path` label is the endpoint's path alone — never its query,
//! which carries the access token — and its values are bounded: a path that is not made of
//! the characters of the platform's paths, or that comes after the first
//! [`MAX_PATHS`] distinct ones, is counted as `other`. No label or value holds a secret.
//!
//! ```
//! use wxoa_client::metrics::Registry;
//! use wxoa_client::{Account, Client};
//!
//! let client = Client::builder()
//!     .account(Account::new("wx0123456789abcdef", "app-secret"))
//!     .build()?;
//! let mut registry = Registry::default();
//! client.metrics().register(&mut registry);
//! // … serve `registry` (prometheus_client::encoding::text::encode) on /metrics …
//! # Ok::<(), wxoa_client::Error>(())
//! ```

use std::collections::HashSet;
use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
pub use prometheus_client::registry::Registry;
use wxoa_types::errcode::ErrCode;
use wxoa_types::ids::AppId;

use crate::error::{Error, Result};
use crate::token::TokenKind;

/// How many distinct endpoint paths get a label of their own; later ones are counted as
/// `other`. The platform has fewer than 200 endpoints, and a process calls a few dozen.
pub const MAX_PATHS: usize = 256;

/// The longest path that gets a label of its own: the platform's are under 60 bytes.
const MAX_PATH_LEN: usize = 128;

/// Upper bounds of the call latency histogram, in seconds: from a loopback sandbox to an
/// upload near the transfer timeout.
const BUCKETS: [f64; 13] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// How a call ended, the `result` label of `wxoa_client_calls_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallResult {
    /// A usable answer (no `errcode`, or 0).
    Ok,
    /// The platform answered a non-zero `errcode` (counted by code in
    /// `wxoa_client_errcodes_total`).
    Errcode,
    /// No usable answer: the network, an unexpected HTTP status, a body too large, a request
    /// that could not be sent.
    Failed,
    /// The caller stopped waiting before the call ended: the total timeout, or a dropped call.
    Abandoned,
}

impl CallResult {
    /// The label value: `ok`, `errcode`, `failed`, `abandoned`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            CallResult::Ok => "ok",
            CallResult::Errcode => "errcode",
            CallResult::Failed => "failed",
            CallResult::Abandoned => "abandoned",
        }
    }
}

/// How a token fetch ended, the `result` label of `wxoa_client_token_fetches_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FetchResult {
    /// A token or ticket came back.
    Ok,
    /// The source failed or refused.
    Failed,
}

impl FetchResult {
    /// The label value: `ok`, `failed`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            FetchResult::Ok => "ok",
            FetchResult::Failed => "failed",
        }
    }
}

impl TokenKind {
    /// The `kind` label of the client's and the token server's metrics: `access_token`,
    /// `jsapi`, `wx_card`, `component_verify_ticket`, `refresh_token`.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            TokenKind::AccessToken => "access_token",
            TokenKind::JsapiTicket => "jsapi",
            TokenKind::WxCardTicket => "wx_card",
            TokenKind::VerifyTicket => "component_verify_ticket",
            TokenKind::RefreshToken => "refresh_token",
        }
    }
}

impl EncodeLabelValue for TokenKind {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> fmt::Result {
        encoder.write_str(self.label())
    }
}

impl EncodeLabelValue for CallResult {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> fmt::Result {
        encoder.write_str(self.as_str())
    }
}

impl EncodeLabelValue for FetchResult {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> fmt::Result {
        encoder.write_str(self.as_str())
    }
}

/// An endpoint's path as a label value: one of a bounded set, or `other`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EndpointPath(Option<Arc<str>>);

impl EncodeLabelValue for EndpointPath {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> fmt::Result {
        encoder.write_str(self.0.as_deref().unwrap_or("other"))
    }
}

/// A platform errcode as a label value: its number when this library knows it, else `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Errcode(Option<i64>);

impl Errcode {
    fn of(code: ErrCode) -> Self {
        match ErrCode::from_code(code.code()) {
            ErrCode::Other(_) => Errcode(None),
            known => Errcode(Some(known.code())),
        }
    }
}

impl EncodeLabelValue for Errcode {
    fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> fmt::Result {
        match self.0 {
            Some(code) => code.encode(encoder),
            None => encoder.write_str("other"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CallLabels {
    path: EndpointPath,
    result: CallResult,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ErrcodeLabels {
    path: EndpointPath,
    errcode: Errcode,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PathLabel {
    path: EndpointPath,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct FetchLabels {
    appid: String,
    kind: TokenKind,
    result: FetchResult,
}

fn call_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The metrics of one client, shared by all its handles ([`crate::Client::metrics`]). Cheap
/// to clone: clones count into the same metrics.
#[derive(Debug, Clone)]
pub struct ClientMetrics {
    calls: Family<CallLabels, Counter>,
    errcodes: Family<ErrcodeLabels, Counter>,
    call_seconds: Family<PathLabel, Histogram, fn() -> Histogram>,
    token_fetches: Family<FetchLabels, Counter>,
    /// The paths that have a label of their own.
    paths: Arc<Mutex<HashSet<Arc<str>>>>,
}

impl Default for ClientMetrics {
    fn default() -> Self {
        Self {
            calls: Family::default(),
            errcodes: Family::default(),
            call_seconds: Family::new_with_constructor(call_histogram),
            token_fetches: Family::default(),
            paths: Arc::default(),
        }
    }
}

impl ClientMetrics {
    /// Adds the client's metrics to `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "wxoa_client_calls",
            "Calls to the platform's API (and to a token server), retries included, by endpoint \
             path and result: ok, errcode (a non-zero errcode answered), failed (no usable \
             answer), abandoned (the caller stopped waiting)",
            self.calls.clone(),
        );
        registry.register(
            "wxoa_client_errcodes",
            "Non-zero errcodes the platform answered, by endpoint path and code (other: a code \
             this library does not know)",
            self.errcodes.clone(),
        );
        registry.register(
            "wxoa_client_call_seconds",
            "How long calls took, retries and failover included, by endpoint path",
            self.call_seconds.clone(),
        );
        registry.register(
            "wxoa_client_token_fetches",
            "Tokens and tickets fetched from the configured source by this process, by account, \
             kind and result (fetches the quota guard refused were not made)",
            self.token_fetches.clone(),
        );
    }

    /// Starts timing a call to `path`; the call is counted when it ends, or as abandoned when
    /// it is dropped before.
    pub(crate) fn call(&self, path: &str) -> CallTimer<'_> {
        CallTimer {
            metrics: self,
            path: self.path_label(path),
            started: Instant::now(),
            ended: false,
        }
    }

    /// Counts a fetch from the token source.
    pub(crate) fn token_fetch<T>(&self, app_id: &AppId, kind: TokenKind, result: &Result<T>) {
        let result = match result {
            Ok(_) => FetchResult::Ok,
            Err(_) => FetchResult::Failed,
        };
        self.token_fetches
            .get_or_create(&FetchLabels {
                appid: app_id.as_str().to_owned(),
                kind,
                result,
            })
            .inc();
    }

    /// The label of `path`: the path without any query, when it is made of the characters of
    /// the platform's paths and is one of the first [`MAX_PATHS`]; else `other`.
    fn path_label(&self, path: &str) -> EndpointPath {
        let path = path.split(['?', ';']).next().unwrap_or_default();
        let well_formed = path.starts_with('/')
            && path.len() <= MAX_PATH_LEN
            && path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'.'));
        if !well_formed {
            return EndpointPath(None);
        }
        let mut paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(known) = paths.get(path) {
            return EndpointPath(Some(Arc::clone(known)));
        }
        if paths.len() >= MAX_PATHS {
            return EndpointPath(None);
        }
        let label: Arc<str> = Arc::from(path);
        paths.insert(Arc::clone(&label));
        EndpointPath(Some(label))
    }

    fn ended(&self, path: EndpointPath, result: CallResult, started: Instant) {
        self.call_seconds
            .get_or_create(&PathLabel { path: path.clone() })
            .observe(started.elapsed().as_secs_f64());
        self.calls.get_or_create(&CallLabels { path, result }).inc();
    }
}

/// A call being timed: counted once, by [`CallTimer::end`] or, for a call dropped before it
/// ended, as [`CallResult::Abandoned`].
pub(crate) struct CallTimer<'a> {
    metrics: &'a ClientMetrics,
    path: EndpointPath,
    started: Instant,
    ended: bool,
}

impl CallTimer<'_> {
    /// Counts the call by how it ended.
    pub(crate) fn end<T>(mut self, result: &Result<T>) {
        self.ended = true;
        let result = match result {
            Ok(_) => CallResult::Ok,
            Err(Error::Api { code, .. }) => {
                self.metrics
                    .errcodes
                    .get_or_create(&ErrcodeLabels {
                        path: self.path.clone(),
                        errcode: Errcode::of(*code),
                    })
                    .inc();
                CallResult::Errcode
            }
            Err(_) => CallResult::Failed,
        };
        self.metrics.ended(self.path.clone(), result, self.started);
    }
}

impl Drop for CallTimer<'_> {
    fn drop(&mut self) {
        if !self.ended {
            self.metrics
                .ended(self.path.clone(), CallResult::Abandoned, self.started);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn exposition(metrics: &ClientMetrics) -> String {
        let mut registry = Registry::default();
        metrics.register(&mut registry);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        text
    }

    /// The value of the line that starts with `series` and a space.
    fn value(text: &str, series: &str) -> Option<String> {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .map(str::to_owned)
    }

    /// Asserts the value of each series.
    fn assert_values(text: &str, expected: &[(&str, &str)]) {
        for (series, value_expected) in expected {
            assert_eq!(
                value(text, series).as_deref(),
                Some(*value_expected),
                "{series}\n{text}"
            );
        }
    }

    fn api_error(code: i64) -> Result<()> {
        Err(Error::Api {
            code: ErrCode::from_code(code),
            message: "m".to_owned(),
            reported_ip: None,
        })
    }

    #[test]
    fn calls_are_counted_by_path_and_result_and_errcodes_by_code() {
        let metrics = ClientMetrics::default();
        metrics.call("/cgi-bin/user/get").end(&Ok(()));
        metrics.call("/cgi-bin/user/get").end(&Ok(()));
        metrics.call("/cgi-bin/user/get").end(&api_error(40003));
        metrics
            .call("/cgi-bin/message/custom/send")
            .end(&api_error(45015));
        metrics
            .call("/cgi-bin/message/custom/send")
            .end(&api_error(987_654_321));
        metrics
            .call("/cgi-bin/menu/get")
            .end(&Err::<(), _>(Error::Timeout {
                path: "/cgi-bin/menu/get".to_owned(),
                after: std::time::Duration::from_secs(1),
            }));
        drop(metrics.call("/cgi-bin/menu/get"));
        let text = exposition(&metrics);
        assert_values(
            &text,
            &[
                (
                    r#"wxoa_client_calls_total{path="/cgi-bin/user/get",result="ok"}"#,
                    "2",
                ),
                (
                    r#"wxoa_client_calls_total{path="/cgi-bin/user/get",result="errcode"}"#,
                    "1",
                ),
                (
                    r#"wxoa_client_errcodes_total{path="/cgi-bin/user/get",errcode="40003"}"#,
                    "1",
                ),
                (
                    r#"wxoa_client_calls_total{path="/cgi-bin/message/custom/send",result="errcode"}"#,
                    "2",
                ),
                (
                    r#"wxoa_client_errcodes_total{path="/cgi-bin/message/custom/send",errcode="45015"}"#,
                    "1",
                ),
                (
                    r#"wxoa_client_errcodes_total{path="/cgi-bin/message/custom/send",errcode="other"}"#,
                    "1",
                ),
                (
                    r#"wxoa_client_calls_total{path="/cgi-bin/menu/get",result="failed"}"#,
                    "1",
                ),
                (
                    r#"wxoa_client_calls_total{path="/cgi-bin/menu/get",result="abandoned"}"#,
                    "1",
                ),
                (
                    r#"wxoa_client_call_seconds_count{path="/cgi-bin/user/get"}"#,
                    "3",
                ),
                (
                    r#"wxoa_client_call_seconds_bucket{le="+Inf",path="/cgi-bin/menu/get"}"#,
                    "2",
                ),
            ],
        );
        assert!(!text.contains("987654321"), "{text}");
        assert!(
            text.contains("# TYPE wxoa_client_call_seconds histogram"),
            "{text}"
        );
    }

    #[test]
    fn the_path_label_is_the_path_alone_and_bounded() {
        let metrics = ClientMetrics::default();
        metrics
            .call("/cgi-bin/user/info?openid=o1&access_token=SECRET-TOKEN")
            .end(&Ok(()));
        metrics.call("/cgi-bin/x;secret=SECRET-KEY").end(&Ok(()));
        metrics.call("/cgi-bin/%2Fsneaky\"quote").end(&Ok(()));
        metrics
            .call(&format!("/{}", "a".repeat(MAX_PATH_LEN)))
            .end(&Ok(()));
        let text = exposition(&metrics);
        assert!(!text.contains("SECRET"), "{text}");
        assert!(!text.contains("sneaky"), "{text}");
        assert_values(
            &text,
            &[
                (
                    r#"wxoa_client_calls_total{path="/cgi-bin/user/info",result="ok"}"#,
                    "1",
                ),
                (
                    r#"wxoa_client_calls_total{path="/cgi-bin/x",result="ok"}"#,
                    "1",
                ),
                (r#"wxoa_client_calls_total{path="other",result="ok"}"#, "2"),
            ],
        );
        // Past the bound, new paths share `other`; known ones keep their label.
        for i in 0..MAX_PATHS {
            metrics.call(&format!("/p/{i}")).end(&Ok(()));
        }
        metrics.call("/cgi-bin/user/info").end(&Ok(()));
        let text = exposition(&metrics);
        let paths: HashSet<&str> = text
            .lines()
            .filter(|l| l.starts_with("wxoa_client_calls_total{"))
            .filter_map(|l| l.split('"').nth(1))
            .collect();
        assert_eq!(paths.len(), MAX_PATHS + 1, "the bound and `other`");
        assert_eq!(
            value(
                &text,
                r#"wxoa_client_calls_total{path="/cgi-bin/user/info",result="ok"}"#
            )
            .as_deref(),
            Some("2")
        );
        assert!(
            value(
                &text,
                r#"wxoa_client_calls_total{path="other",result="ok"}"#
            )
            .is_some_and(|v| v.parse::<usize>().unwrap() > 2)
        );
    }

    #[test]
    fn token_fetches_are_counted_by_account_kind_and_result() {
        let metrics = ClientMetrics::default();
        let app = AppId::from("wx0123456789abcdef");
        metrics.token_fetch(&app, TokenKind::AccessToken, &Ok(()));
        metrics.token_fetch(&app, TokenKind::WxCardTicket, &api_error(40001));
        let text = exposition(&metrics);
        assert_values(
            &text,
            &[
                (
                    r#"wxoa_client_token_fetches_total{appid="wx0123456789abcdef",kind="access_token",result="ok"}"#,
                    "1",
                ),
                (
                    r#"wxoa_client_token_fetches_total{appid="wx0123456789abcdef",kind="wx_card",result="failed"}"#,
                    "1",
                ),
            ],
        );
        // A family without a series is left out of the exposition.
        assert!(!text.contains("wxoa_client_calls"), "{text}");
    }
}
