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

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Extension, FromRequest, Multipart, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use wxoa_types::errcode::ErrCode;

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

#[derive(Debug)]
struct Stub {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Issued {
    app_id: String,
    expires_at: Instant,
    revoked: bool,
}

#[derive(Debug, Default)]
struct Inner {
    accounts: HashMap<String, String>,
    tokens: HashMap<String, Issued>,
    stable: HashMap<String, String>,
    /// When each account's stable token was last refreshed by force.
    last_forced: HashMap<String, Instant>,
    tickets: HashMap<(String, String), (String, Instant)>,
    token_fetches: usize,
    forced_fetches: usize,
    ticket_fetches: usize,
    calls: HashMap<String, usize>,
    faults: HashMap<String, VecDeque<(Fault, usize)>>,
    responses: HashMap<String, Value>,
    raw_responses: HashMap<String, RawAnswer>,
    requests: HashMap<String, VecDeque<StubRequest>>,
    expires_in: u64,
    token_delay: Duration,
    serial: u64,
}

impl Inner {
    fn issue(&mut self, prefix: &str) -> String {
        use rand::Rng;
        self.serial += 1;
        let noise: u64 = rand::thread_rng().r#gen();
        format!("{prefix}{}x{noise:016x}", self.serial)
    }

    fn issue_token(&mut self, app_id: &str) -> String {
        let value = self.issue("STUBTOKEN");
        self.tokens.insert(
            value.clone(),
            Issued {
                app_id: app_id.to_owned(),
                expires_at: Instant::now() + Duration::from_secs(self.expires_in),
                revoked: false,
            },
        );
        value
    }

    /// The current stable token of `app_id`, issuing one when there is none.
    fn stable_token(&mut self, app_id: &str) -> (String, u64) {
        let now = Instant::now();
        if let Some(value) = self.stable.get(app_id)
            && let Some(issued) = self.tokens.get(value)
            && !issued.revoked
            && issued.expires_at > now
        {
            return (
                value.clone(),
                issued.expires_at.duration_since(now).as_secs(),
            );
        }
        let value = self.issue_token(app_id);
        self.stable.insert(app_id.to_owned(), value.clone());
        (value, self.expires_in)
    }

    /// A forced refresh of `app_id`'s stable token: the current one ends and a new one is
    /// issued — unless the previous forced refresh was less than 30 s ago, when nothing changes.
    fn force_stable_token(&mut self, app_id: &str) -> (String, u64) {
        let now = Instant::now();
        let too_soon = self
            .last_forced
            .get(app_id)
            .is_some_and(|at| now.duration_since(*at) < Duration::from_secs(30));
        if !too_soon {
            self.last_forced.insert(app_id.to_owned(), now);
            if let Some(current) = self.stable.remove(app_id)
                && let Some(issued) = self.tokens.get_mut(&current)
            {
                issued.revoked = true;
            }
        }
        self.stable_token(app_id)
    }

    fn ticket(&mut self, app_id: &str, kind: &str) -> (String, u64) {
        self.ticket_fetches += 1;
        let now = Instant::now();
        let key = (app_id.to_owned(), kind.to_owned());
        if let Some((value, expires_at)) = self.tickets.get(&key)
            && *expires_at > now
        {
            return (value.clone(), expires_at.duration_since(now).as_secs());
        }
        let value = self.issue("STUBTICKET");
        let expires_at = now + Duration::from_secs(self.expires_in);
        self.tickets.insert(key, (value.clone(), expires_at));
        (value, self.expires_in)
    }

    /// Checks an `access_token`; the account it belongs to, or the error body.
    fn check_token(&self, token: Option<&str>) -> Result<String, Value> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(error_body(41001));
        };
        match self.tokens.get(token) {
            Some(issued) if issued.revoked => Err(error_body(40001)),
            Some(issued) if issued.expires_at <= Instant::now() => Err(error_body(42001)),
            Some(issued) => Ok(issued.app_id.clone()),
            None => Err(error_body(40001)),
        }
    }

    fn take_fault(&mut self, path: &str) -> Option<Fault> {
        let queue = self.faults.get_mut(path)?;
        let (fault, times) = queue.front_mut()?;
        let fault = *fault;
        *times = times.saturating_sub(1);
        if *times == 0 {
            queue.pop_front();
        }
        Some(fault)
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
        let app = Router::new()
            .fallback(handle)
            // Uploads are checked by size in the tests, not refused by the stub.
            .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
            .with_state(Arc::clone(&state));
        let accept = tokio::spawn(serve(listener, app));
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

/// Closes the connection of the request that carries it.
#[derive(Clone)]
struct Kill(Arc<Notify>);

/// Serves each connection until it ends or a handler asks for it to be dropped.
async fn serve(listener: TcpListener, app: Router) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let kill = Arc::new(Notify::new());
        let service =
            TowerToHyperService::new(app.clone().layer(Extension(Kill(Arc::clone(&kill)))));
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            // Dropping the connection closes the socket without an answer.
            tokio::select! {
                _ = connection => {}
                () = kill.notified() => {}
            }
        });
    }
}

fn error_body(code: i64) -> Value {
    let errmsg = match code {
        40164 => "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist".to_owned(),
        -1 => "system error".to_owned(),
        _ => ErrCode::from_code(code).meaning().to_owned(),
    };
    json!({"errcode": code, "errmsg": format!("{errmsg} rid: 5f1d7c2a-0000-0000")})
}

fn query_pairs(uri: &Uri) -> HashMap<String, String> {
    uri.query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default()
}

/// The only handler: dispatches by path so that faults apply to every path alike.
async fn handle(
    State(stub): State<Arc<Stub>>,
    Extension(kill): Extension<Kill>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let recorded = record(&method, &uri, &headers, &body).await;
    let fault = {
        let mut inner = stub.inner.lock().unwrap_or_else(|e| e.into_inner());
        *inner.calls.entry(path.clone()).or_default() += 1;
        let kept = inner.requests.entry(path.clone()).or_default();
        if kept.len() == KEPT_REQUESTS {
            kept.pop_front();
        }
        kept.push_back(recorded);
        inner.take_fault(&path)
    };
    match fault {
        Some(Fault::ErrCode(code)) => return axum::Json(error_body(code)).into_response(),
        Some(Fault::Status(status)) => {
            return StatusCode::from_u16(status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
                .into_response();
        }
        Some(Fault::Drop) => {
            kill.0.notify_one();
            return std::future::pending::<Response>().await;
        }
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        None => {}
    }
    let query = query_pairs(&uri);
    let is_token_fetch = matches!(
        (method.as_str(), path.as_str()),
        ("POST", "/cgi-bin/stable_token")
            | ("GET", "/cgi-bin/token")
            | ("GET", "/token")
            | ("POST", "/token/invalidate")
    );
    if is_token_fetch {
        let delay = stub
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .token_delay;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }
    let mut inner = stub.inner.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(raw) = inner.raw_responses.get(&path).cloned() {
        if raw.needs_token
            && let Err(error) = inner.check_token(query.get("access_token").map(String::as_str))
        {
            return axum::Json(error).into_response();
        }
        return raw.into_response();
    }
    let answer = match (method.as_str(), path.as_str()) {
        ("POST", "/cgi-bin/stable_token") => {
            let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let field = |name: &str| request.get(name).and_then(Value::as_str).map(str::to_owned);
            let force = request
                .get("force_refresh")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            platform_token(
                &mut inner,
                field("grant_type"),
                field("appid"),
                field("secret"),
                Some(force),
            )
        }
        ("GET", "/cgi-bin/token") => {
            let field = |name: &str| query.get(name).cloned();
            platform_token(
                &mut inner,
                field("grant_type"),
                field("appid"),
                field("secret"),
                None,
            )
        }
        ("GET", "/cgi-bin/ticket/getticket") => {
            match inner.check_token(query.get("access_token").map(String::as_str)) {
                Err(error) => error,
                Ok(app_id) => match query.get("type").map(String::as_str) {
                    Some(kind @ ("jsapi" | "wx_card")) => {
                        let (ticket, expires_in) = inner.ticket(&app_id, kind);
                        json!({"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": expires_in})
                    }
                    _ => error_body(40035),
                },
            }
        }
        (_, "/token" | "/token/invalidate" | "/ticket/jsapi" | "/ticket/wx_card") => {
            let authorized = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                == Some(&format!("Bearer {STUB_TOKEN_SERVER_AUTH}"));
            if !authorized {
                return (StatusCode::UNAUTHORIZED, "missing or wrong Bearer token").into_response();
            }
            let app_id = query
                .get("appid")
                .cloned()
                .unwrap_or_else(|| STUB_APP_ID.to_owned());
            if !inner.accounts.contains_key(&app_id) {
                return (StatusCode::NOT_FOUND, "unknown appid").into_response();
            }
            token_server(&mut inner, &path, &app_id, &body)
        }
        _ => match inner.check_token(query.get("access_token").map(String::as_str)) {
            Err(error) => error,
            Ok(_) => match inner.responses.get(&path) {
                Some(scripted) => scripted.clone(),
                None if path == "/cgi-bin/getcallbackip" => json!({"ip_list": ["127.0.0.1"]}),
                None => {
                    let mut query = query;
                    query.remove("access_token");
                    let body = serde_json::from_slice::<Value>(&body).unwrap_or_else(|_| {
                        Value::String(String::from_utf8_lossy(&body).into_owned())
                    });
                    json!({"errcode": 0, "errmsg": "ok", "method": method.as_str(), "path": path, "query": query, "body": body})
                }
            },
        },
    };
    axum::Json(answer).into_response()
}

/// What a contract test sees of a request: its query without the token, its body and, for a
/// multipart body, its fields.
async fn record(method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> StubRequest {
    let mut query = query_pairs(uri);
    let access_token = query.remove("access_token");
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut form = Vec::new();
    if content_type
        .as_deref()
        .is_some_and(|t| t.starts_with("multipart/form-data"))
    {
        let mut request = axum::http::Request::new(axum::body::Body::from(body.clone()));
        *request.headers_mut() = headers.clone();
        if let Ok(mut multipart) = Multipart::from_request(request, &()).await {
            while let Ok(Some(field)) = multipart.next_field().await {
                let name = field.name().unwrap_or_default().to_owned();
                let file_name = field.file_name().map(str::to_owned);
                let content_type = field.content_type().map(str::to_owned);
                let Ok(data) = field.bytes().await else { break };
                form.push(FormField {
                    name,
                    file_name,
                    content_type,
                    data,
                });
            }
        }
    }
    StubRequest {
        method: method.as_str().to_owned(),
        query,
        access_token,
        content_type,
        body: body.clone(),
        form,
    }
}

/// `stable_token` (`stable` holds its `force_refresh`: the same token while valid unless forced)
/// or `cgi-bin/token` (`stable` is `None`: a new one each time).
fn platform_token(
    inner: &mut Inner,
    grant_type: Option<String>,
    app_id: Option<String>,
    secret: Option<String>,
    stable: Option<bool>,
) -> Value {
    if grant_type.as_deref() != Some("client_credential") {
        return error_body(40002);
    }
    let Some(app_id) = app_id.filter(|a| !a.is_empty()) else {
        return error_body(41002);
    };
    let Some(secret) = secret.filter(|s| !s.is_empty()) else {
        return error_body(41004);
    };
    match inner.accounts.get(&app_id) {
        None => return error_body(40013),
        Some(expected) if *expected != secret => return error_body(40125),
        Some(_) => {}
    }
    inner.token_fetches += 1;
    let (token, expires_in) = match stable {
        Some(true) => {
            inner.forced_fetches += 1;
            inner.force_stable_token(&app_id)
        }
        Some(false) => inner.stable_token(&app_id),
        None => {
            let token = inner.issue_token(&app_id);
            (token, inner.expires_in)
        }
    };
    json!({"access_token": token, "expires_in": expires_in})
}

/// CONTRACT §5 on the stub's own tokens.
fn token_server(inner: &mut Inner, path: &str, app_id: &str, body: &[u8]) -> Value {
    let unix_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    match path {
        "/ticket/jsapi" | "/ticket/wx_card" => {
            let kind = path.trim_start_matches("/ticket/");
            let (ticket, expires_in) = inner.ticket(app_id, kind);
            json!({"ticket": ticket, "expires_at": unix_now + expires_in})
        }
        _ => {
            if path == "/token/invalidate" {
                let reported = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
                    v.get("access_token")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                });
                if reported.is_some() && inner.stable.get(app_id) == reported.as_ref() {
                    if let Some(issued) = reported.and_then(|r| inner.tokens.get_mut(&r)) {
                        issued.revoked = true;
                    }
                    inner.stable.remove(app_id);
                }
            }
            inner.token_fetches += 1;
            let (token, expires_in) = inner.stable_token(app_id);
            json!({"access_token": token, "expires_at": unix_now + expires_in})
        }
    }
}
