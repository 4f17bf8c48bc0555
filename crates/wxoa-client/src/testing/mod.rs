//! An in-process stub of the platform for tests (feature `testing`).
//!
//! [`StubPlatform`] serves, on a loopback port:
//!
//! - the token endpoints `POST /cgi-bin/stable_token` (the same token while it is valid;
//!   `force_refresh` ends it and issues a new one, unless the previous forced refresh was less
//!   than 30 s ago) and `GET /cgi-bin/token` (a new token each time), checking the AppID and
//!   AppSecret;
//! - `GET /cgi-bin/ticket/getticket` (`type=jsapi|wx_card`);
//! - a central token server (CONTRACT §5): `GET /token`, `POST /token/invalidate`,
//!   `GET /ticket/jsapi|wx_card`, with `Authorization: Bearer` [`STUB_TOKEN_SERVER_AUTH`];
//! - every other path as an API endpoint that checks `access_token` (41001 when missing, 40001
//!   when unknown or revoked, 42001 when expired) and answers the scripted body for the path
//!   ([`StubPlatform::respond`]), `{"ip_list":["127.0.0.1"]}` for `/cgi-bin/getcallbackip`, or
//!   an echo of the request;
//! - scripted raw answers ([`StubPlatform::respond_raw`]): any status, headers and bytes — a
//!   file with its `Content-disposition`, an image of `showqrcode` served without a token.
//!
//! It keeps the last requests of each path ([`StubPlatform::requests`]) with their query, body
//! and, for multipart uploads, their parsed form fields, so that tests can check what was sent.
//!
//! It counts what reaches it ([`StubPlatform::calls`], [`StubPlatform::token_fetches`]) and can
//! fail on purpose ([`Fault`]): an `errcode`, an HTTP status, a delay, or a connection dropped
//! after the request was read. It is no emulator of the platform's rules — the sandbox is.
//!
//! ```
//! use wxoa_client::testing::{Fault, StubPlatform, STUB_APP_ID, STUB_APP_SECRET};
//! use wxoa_client::{Account, Client, RetryPolicy};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let stub = StubPlatform::start().await?;
//! stub.fault("/cgi-bin/getcallbackip", Fault::ErrCode(-1), 1);
//! let client = Client::builder()
//!     .account(Account::new(STUB_APP_ID, STUB_APP_SECRET))
//!     .api_bases([stub.base_url()])
//!     .retry(RetryPolicy { initial_backoff: std::time::Duration::from_millis(1), ..RetryPolicy::default() })
//!     .build()?;
//! let ips = client.get_json("/cgi-bin/getcallbackip", &[]).await?;
//! assert_eq!(ips["ip_list"][0], "127.0.0.1");
//! assert_eq!(stub.calls("/cgi-bin/getcallbackip"), 2);
//! assert_eq!(stub.token_fetches(), 1);
//! # Ok(())
//! # }
//! ```

// What the stub keeps and how it issues tokens is `state`; how it serves HTTP, `server`.
mod server;
mod state;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::net::TcpListener;

use server::{router, serve};
use state::{Inner, Stub};

/// The AppID of the stub's default account.
pub const STUB_APP_ID: &str = "wx00000000000000a1";
/// The AppSecret of the stub's default account.
pub const STUB_APP_SECRET: &str = "stub-app-secret-5f1d7c2a9e";
/// The Bearer token of the stub's token-server endpoints.
pub const STUB_TOKEN_SERVER_AUTH: &str = "stub-token-server-auth-83b1";

/// A scripted failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer HTTP 200 with this `errcode` (40164 names the caller IP `203.0.113.7`).
    ErrCode(i64),
    /// Answer this HTTP status with an empty body.
    Status(u16),
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Read the request, then close the connection without answering.
    Drop,
}

/// How many requests of each path the stub keeps.
const KEPT_REQUESTS: usize = 64;

/// A request the stub received, as a contract test looks at it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StubRequest {
    /// `GET`, `POST`, ….
    pub method: String,
    /// The query parameters, `access_token` removed.
    pub query: HashMap<String, String>,
    /// The `access_token` of the query, if one was sent.
    pub access_token: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The raw body.
    pub body: Bytes,
    /// The fields of a `multipart/form-data` body, in order (empty for other bodies).
    pub form: Vec<FormField>,
}

impl StubRequest {
    /// The body as JSON, if it is JSON.
    #[must_use]
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The multipart field named `name`.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&FormField> {
        self.form.iter().find(|f| f.name == name)
    }
}

/// One field of a multipart body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FormField {
    /// The field name (`media`, `description`).
    pub name: String,
    /// The file name of a file field.
    pub file_name: Option<String>,
    /// The content type of the field, if given.
    pub content_type: Option<String>,
    /// The content.
    pub data: Bytes,
}

/// A scripted answer with any status, headers and bytes ([`StubPlatform::respond_raw`]).
#[derive(Debug, Clone)]
pub struct RawAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
    needs_token: bool,
}

impl RawAnswer {
    /// An answer with this status and body, no headers, for calls with a valid token.
    pub fn new(status: u16, body: impl Into<Bytes>) -> RawAnswer {
        RawAnswer {
            status,
            headers: Vec::new(),
            body: body.into(),
            needs_token: true,
        }
    }

    /// Adds a header (`Content-Type`, `Content-disposition`).
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> RawAnswer {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Serves the answer without checking an access token (`showqrcode`).
    #[must_use]
    pub fn without_token(mut self) -> RawAnswer {
        self.needs_token = false;
        self
    }

    fn into_response(self) -> Response {
        let mut response = (
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            self.body,
        )
            .into_response();
        for (name, value) in self.headers {
            if let (Ok(name), Ok(value)) = (
                header::HeaderName::from_bytes(name.as_bytes()),
                header::HeaderValue::from_str(&value),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

/// The stub platform; it stops serving when dropped.
#[derive(Debug)]
pub struct StubPlatform {
    state: Arc<Stub>,
    base_url: String,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for StubPlatform {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl StubPlatform {
    /// Starts a stub on `127.0.0.1` with the account [`STUB_APP_ID`] / [`STUB_APP_SECRET`].
    pub async fn start() -> std::io::Result<StubPlatform> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let mut inner = Inner {
            expires_in: 7200,
            ..Inner::default()
        };
        inner
            .accounts
            .insert(STUB_APP_ID.to_owned(), STUB_APP_SECRET.to_owned());
        let state = Arc::new(Stub {
            inner: Mutex::new(inner),
        });
        let accept = tokio::spawn(serve(listener, router(Arc::clone(&state))));
        Ok(StubPlatform {
            state,
            base_url,
            accept,
        })
    }

    /// A base URL on which nothing listens: connections are refused.
    pub fn unreachable_base() -> std::io::Result<String> {
        let listener = std::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = listener.local_addr()?;
        drop(listener);
        Ok(format!("http://{addr}"))
    }

    /// The stub's base URL, `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.state.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers another account.
    pub fn add_account(&self, app_id: &str, secret: &str) {
        self.inner()
            .accounts
            .insert(app_id.to_owned(), secret.to_owned());
    }

    /// Makes the next `times` requests to `path` fail with `fault` (`usize::MAX`: always).
    pub fn fault(&self, path: &str, fault: Fault, times: usize) {
        self.inner()
            .faults
            .entry(path.to_owned())
            .or_default()
            .push_back((fault, times));
    }

    /// Removes every scripted fault.
    pub fn clear_faults(&self) {
        self.inner().faults.clear();
    }

    /// Answers `body` (HTTP 200) to valid calls of `path`.
    pub fn respond(&self, path: &str, body: Value) {
        self.inner().responses.insert(path.to_owned(), body);
    }

    /// Answers `answer` to calls of `path` (with a valid token unless
    /// [`RawAnswer::without_token`]); it takes precedence over [`StubPlatform::respond`].
    ///
    /// ```
    /// use wxoa_client::testing::{RawAnswer, StubPlatform};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let stub = StubPlatform::start().await?;
    /// stub.respond_raw(
    ///     "/cgi-bin/media/get",
    ///     RawAnswer::new(200, &b"\xff\xd8\xff"[..])
    ///         .header("content-type", "image/jpeg")
    ///         .header("content-disposition", "attachment; filename=\"MEDIA_ID.jpg\""),
    /// );
    /// # Ok(())
    /// # }
    /// ```
    pub fn respond_raw(&self, path: &str, answer: RawAnswer) {
        self.inner().raw_responses.insert(path.to_owned(), answer);
    }

    /// The last requests (at most 64) that reached `path`, oldest first.
    #[must_use]
    pub fn requests(&self, path: &str) -> Vec<StubRequest> {
        self.inner()
            .requests
            .get(path)
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Every token issued so far now answers 40001, as when another party fetched a new one.
    pub fn revoke_tokens(&self) {
        let mut inner = self.inner();
        for issued in inner.tokens.values_mut() {
            issued.revoked = true;
        }
        inner.stable.clear();
    }

    /// The lifetime of tokens and tickets issued from now on (default 7200 s).
    pub fn set_expires_in(&self, seconds: u64) {
        self.inner().expires_in = seconds;
    }

    /// Makes every token fetch take this long (to widen races in single-flight tests).
    pub fn set_token_delay(&self, delay: Duration) {
        self.inner().token_delay = delay;
    }

    /// Requests that reached `path`, faults and dropped connections included.
    #[must_use]
    pub fn calls(&self, path: &str) -> usize {
        self.inner().calls.get(path).copied().unwrap_or(0)
    }

    /// Token fetches answered with a token: `stable_token`, `cgi-bin/token`, and the token
    /// server's `/token` and `/token/invalidate`.
    #[must_use]
    pub fn token_fetches(&self) -> usize {
        self.inner().token_fetches
    }

    /// The forced `stable_token` refreshes among [`StubPlatform::token_fetches`].
    #[must_use]
    pub fn forced_fetches(&self) -> usize {
        self.inner().forced_fetches
    }

    /// Ticket fetches answered with a ticket.
    #[must_use]
    pub fn ticket_fetches(&self) -> usize {
        self.inner().ticket_fetches
    }

    /// Every secret value the stub knows: AppSecrets, tokens and tickets issued, the token
    /// server's auth token — what must never appear in a log line.
    #[must_use]
    pub fn secrets(&self) -> Vec<String> {
        let inner = self.inner();
        let mut secrets: Vec<String> = inner.accounts.values().cloned().collect();
        secrets.extend(inner.tokens.keys().cloned());
        secrets.extend(inner.tickets.values().map(|(t, _)| t.clone()));
        secrets.push(STUB_TOKEN_SERVER_AUTH.to_owned());
        secrets
    }
}
