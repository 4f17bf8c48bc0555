//! Listeners and the layer every API call goes through.
//!
//! Connections are served one by one with hyper (not `axum::serve`) so that a fault can drop
//! one: the handler signals its connection's task, which closes the socket without an answer.
//! The API layer records each call (secrets removed), applies scripted faults, and counts a
//! generation so the state file is written after changes.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::calls::{Call, redact_body, redact_query};
use crate::error::{ApiError, Errcode, SandboxError};
use crate::faults::Outcome;
use crate::state::{Shared, lock};

/// Largest request body read (uploads of 10 MB with their multipart framing fit).
const MAX_BODY: usize = 24 * 1024 * 1024;

/// The connection a request arrived on, and how to drop it.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    listener: Arc<str>,
    drop: Arc<Notify>,
}

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

/// Binds a listening socket.
pub(crate) async fn bind(addr: SocketAddr) -> Result<TcpListener, SandboxError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| SandboxError::Bind {
            addr: addr.to_string(),
            source,
        })
}

/// Serves `app` on `listener` until `shutdown` turns true.
pub(crate) async fn serve(
    listener: TcpListener,
    name: &str,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let name: Arc<str> = Arc::from(name);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let conn = Connection { listener: Arc::clone(&name), drop: Arc::new(Notify::new()) };
                    connections.spawn(connection(stream, app.clone(), conn, shutdown.clone()));
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "sandbox: accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            },
            _ = shutdown.changed() => break,
        }
        while connections.try_join_next().is_some() {}
    }
    connections.abort_all();
}

async fn connection(
    stream: TcpStream,
    app: Router,
    conn: Connection,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let dropped = Arc::clone(&conn.drop);
    let service = app.map_request(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(conn.clone());
        request
    });
    let served = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::select! {
        result = served => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "sandbox: connection ended with an error");
            }
        }
        // A fault asked for the connection to be dropped: returning drops the socket.
        () = dropped.notified() => {}
        _ = shutdown.changed() => {}
    }
}

/// Records API calls, applies faults and marks the state as changed. The control API
/// (`/sandbox/…`) and the console's page pass straight through.
async fn api_layer(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if crate::routes::console::is_page(&path) {
        return next.run(request).await;
    }
    if path == "/sandbox" || path.starts_with("/sandbox/") {
        shared.touch();
        return next.run(request).await;
    }
    let conn = request.extensions().get::<Connection>().cloned();
    let listener = conn
        .as_ref()
        .map_or_else(|| "api".to_owned(), |c| c.listener.to_string());
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
    };
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        let error = ApiError::msg(45001, "media size out of limit");
        call.errcode = Some(error.code);
        lock(&shared.calls).record(call);
        return error.into_response();
    };
    call.body = redact_body(content_type.as_deref(), &bytes);
    let applied = lock(&shared.faults).take(&path, &listener);
    if let Some(applied) = applied {
        if let Some(delay) = applied.delay {
            call.fault = Some("delay");
            tokio::time::sleep(delay).await;
        }
        match applied.outcome {
            Outcome::Errcode(code) => {
                call.fault = Some("errcode");
                call.errcode = Some(code);
                lock(&shared.calls).record(call);
                return ApiError::new(code).into_response();
            }
            Outcome::Drop => {
                call.fault = Some("drop");
                lock(&shared.calls).record(call);
                return drop_connection(conn).await;
            }
            Outcome::Pass => {}
        }
    }
    shared.touch();
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    call.errcode = Some(response.extensions().get::<Errcode>().map_or(0, |e| e.0));
    lock(&shared.calls).record(call);
    response
}

/// Closes the connection without an answer. Without a connection to close (the router driven
/// directly, as in unit tests) the call fails with a bare 500.
async fn drop_connection(conn: Option<Connection>) -> Response {
    let Some(conn) = conn else {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    conn.drop.notify_one();
    // The connection task drops this future with the connection.
    match std::future::pending::<Infallible>().await {}
}
