//! Listeners and the layer every API call goes through.
//!
//! Listeners are served by `wxoa_server` with the sandbox's [`Limits`], which also gives each
//! request its [`Connection`]: a fault drops a connection by closing it, without an answer.
//! The API layer records each call (secrets removed), applies scripted faults (a scripted
//! answer after the call's token check), and counts a generation so the state file is written
//! after changes.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use tokio::net::TcpListener;
use tokio::sync::watch;
use wxoa_server::{Connection, Limits};

use crate::calls::{Call, redact_body, redact_query, shown_form};
use crate::error::{Answered, ApiError, Errcode, SandboxError};
use crate::faults::{FaultOutcome, Scripted};
use crate::kept::{form_parts, kept_request};
use crate::shared::{Shared, lock};

/// Largest request body read (uploads of 10 MB with their multipart framing fit).
const MAX_BODY: usize = 24 * 1024 * 1024;

/// The name of the listener a request arrived on (`api`, `api2`, …), as calls record it.
#[derive(Debug, Clone)]
struct Listener(Arc<str>);

/// The whole application: routes, the API layer and the state.
pub(crate) fn app(shared: Arc<Shared>) -> Router {
    crate::routes::router()
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            api_layer,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
}

/// Binds a listening socket with the backlog of `wxoa_server::bind`.
pub(crate) async fn bind(addr: SocketAddr) -> Result<TcpListener, SandboxError> {
    wxoa_server::bind(addr)
        .await
        .map_err(|source| SandboxError::Bind {
            addr: addr.to_string(),
            source,
        })
}

/// Serves `app` on `listener`, named `name` in the calls log, within `limits` until `shutdown`
/// turns true; then lets the requests in flight finish.
pub(crate) async fn serve(
    listener: TcpListener,
    name: &str,
    app: Router,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let app = app.layer(Extension(Listener(Arc::from(name))));
    wxoa_server::serve(listener, app, limits, async move {
        // A dropped sender (the sandbox gone) stops the listener too.
        let _ = shutdown.wait_for(|stop| *stop).await;
    })
    .await;
}

/// Records API calls, applies faults and marks the state as changed. The control API
/// (`/sandbox/…`) and the console's page pass straight through.
async fn api_layer(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if crate::guard::is_console_page(&path) {
        return next.run(request).await;
    }
    if path == "/sandbox" || path.starts_with("/sandbox/") {
        shared.touch();
        return next.run(request).await;
    }
    let in_flight = InFlight::enter(&shared);
    let started = std::time::Instant::now();
    let conn = request.extensions().get::<Connection>().cloned();
    let listener = request
        .extensions()
        .get::<Listener>()
        .map_or_else(|| "api".to_owned(), |l| l.0.to_string());
    let (parts, body) = request.into_parts();
    let content_type = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut call = Call {
        seq: 0,
        at: shared.clock.now(),
        listener: listener.clone(),
        method: parts.method.to_string(),
        path: path.clone(),
        query: redact_query(parts.uri.query().unwrap_or_default()),
        body: serde_json::Value::Null,
        errcode: None,
        fault: None,
        in_flight: in_flight.0,
        form: Vec::new(),
    };
    let asked = Asked {
        started,
        token: crate::routes::Query::parse(parts.uri.query())
            .get("access_token")
            .map(str::to_owned),
        client_ip: conn
            .as_ref()
            .and_then(Connection::peer_addr)
            .map(|peer| peer.ip().to_string())
            .unwrap_or_default(),
    };
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        let error = ApiError::msg(45001, "media size out of limit");
        call.errcode = Some(error.code);
        return finish(&shared, &asked, call, error.into_response());
    };
    call.body = redact_body(content_type.as_deref(), &bytes);
    let form = form_parts(content_type.as_deref(), &bytes).await;
    call.form = shown_form(&form);
    if shared.settings.keep_requests {
        let kept = kept_request(
            parts.method.as_str(),
            parts.uri.query(),
            content_type.as_deref(),
            &bytes,
            form,
        );
        lock(&shared.kept).keep(&path, kept);
    }
    if let Err(error) = scripted_answer_token(&shared, &path, &listener, parts.uri.query()) {
        call.errcode = Some(error.code);
        log_call(&shared, call);
        return error.into_response();
    }
    let applied = lock(&shared.faults).take(&path, &listener);
    if let Some(applied) = applied {
        if let Some(delay) = applied.delay {
            call.fault = Some("delay");
            // Logged on arrival, its answer filled in after: a caller that gives up while the
            // call is held (a timeout) still finds it in the log.
            call.seq = lock(&shared.calls).record(call.clone());
            tokio::time::sleep(delay).await;
        }
        match applied.outcome {
            FaultOutcome::Errcode(code) => {
                call.fault = Some("errcode");
                call.errcode = Some(code);
                return finish(&shared, &asked, call, ApiError::new(code).into_response());
            }
            FaultOutcome::Drop => {
                call.fault = Some("drop");
                log_call(&shared, call);
                return drop_connection(conn).await;
            }
            FaultOutcome::Answer => {
                call.fault = Some("answer");
                let answer = applied.answer.unwrap_or_else(|| Scripted {
                    status: axum::http::StatusCode::OK,
                    headers: Vec::new(),
                    body: axum::body::Bytes::new(),
                });
                call.errcode = scripted_errcode(&answer);
                log_call(&shared, call);
                let mut response = (answer.status, answer.body).into_response();
                for (name, value) in answer.headers {
                    response.headers_mut().insert(name, value);
                }
                return response;
            }
            FaultOutcome::Pass => {}
        }
    }
    if let Some(component) = &shared.settings.component {
        let query = crate::routes::Query::parse(parts.uri.query());
        let token = query
            .get("access_token")
            .or_else(|| query.get("component_access_token"));
        let ip = asked.client_ip.parse().ok();
        let checked = shared
            .state()
            .check_component_ip(component, &path, token, ip, call.at);
        if let Err(error) = checked {
            call.errcode = Some(error.code);
            return finish(&shared, &asked, call, error.into_response());
        }
    }
    shared.touch();
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    call.errcode = Some(response.extensions().get::<Errcode>().map_or(0, |e| e.0));
    let response = finish(&shared, &asked, call, response);
    // The answer is ready (and no lock is held): it travels back as slowly as configured.
    let latency = shared.settings.latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    response
}

/// What the API layer notes of a call on arrival, for `openapi/rid/get`.
struct Asked {
    started: std::time::Instant,
    token: Option<String>,
    client_ip: String,
}

/// Logs an answered call and keeps the request id of an error answer with what it answered.
fn finish(shared: &Shared, asked: &Asked, call: Call, response: Response) -> Response {
    if let Some(answered) = response.extensions().get::<Answered>() {
        let app_id = asked
            .token
            .as_deref()
            .and_then(|token| shared.state().token_owner(token, &call.path, call.at).ok());
        let request_url = call
            .query
            .iter()
            .fold(
                url::form_urlencoded::Serializer::new(String::new()),
                |mut url, (key, value)| {
                    let text = value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_owned);
                    url.append_pair(key, &text);
                    url
                },
            )
            .finish();
        let request_body = match &call.body {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        lock(&shared.rids).record(crate::rids::RidEntry {
            rid: answered.rid.clone(),
            app_id,
            invoke_time: call.at,
            cost_in_ms: u64::try_from(asked.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            request_url,
            request_body,
            response_body: answered.body.clone(),
            client_ip: asked.client_ip.clone(),
        });
    }
    log_call(shared, call);
    response
}

/// Logs a call, or fills in the answer of one logged on arrival (a delayed call, whose `seq`
/// is set).
fn log_call(shared: &Shared, call: Call) {
    let mut calls = lock(&shared.calls);
    if call.seq == 0 {
        calls.record(call);
    } else {
        calls.answered(call.seq, call.errcode, call.fault);
    }
}

/// A scripted answer replaces what the API answers, not its token check: when the next fault
/// of a call is one and the call carries an `access_token`, the token is checked first as every
/// API does — a refused token answers its error (40001, 42001, …) and the fault waits for the
/// next call.
fn scripted_answer_token(
    shared: &Shared,
    path: &str,
    listener: &str,
    query: Option<&str>,
) -> Result<(), ApiError> {
    if lock(&shared.faults).peek(path, listener) != Some(FaultOutcome::Answer) {
        return Ok(());
    }
    let query = crate::routes::extract::Query::parse(query);
    match query.get("access_token") {
        Some(token) => shared
            .state()
            .token_owner(token, path, shared.clock.now())
            .map(drop),
        None => Ok(()),
    }
}

/// The errcode of a scripted answer as the calls log shows it: the body's `errcode` when it
/// is JSON with one, 0 for another 2xx answer, none otherwise.
fn scripted_errcode(answer: &Scripted) -> Option<i64> {
    let errcode = serde_json::from_slice::<serde_json::Value>(&answer.body)
        .ok()
        .and_then(|v| v.get("errcode").and_then(serde_json::Value::as_i64));
    match errcode {
        Some(code) => Some(code),
        None if answer.status.is_success() => Some(0),
        None => None,
    }
}

/// Closes the connection without an answer. Without a connection to close (the router driven
/// directly, as in unit tests) the call fails with a bare 500.
async fn drop_connection(conn: Option<Connection>) -> Response {
    let Some(conn) = conn else {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    conn.close();
    // The connection's task drops this future with the connection.
    match std::future::pending::<Infallible>().await {}
}

/// An API call being answered: counted in `Shared::api_in_flight` until it is dropped, on
/// every way out of the API layer. Holds the count seen on arrival.
struct InFlight<'a>(u32, &'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> Self {
        let now = shared.api_in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        Self(now, shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.1.api_in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}
