//! The stub's HTTP side: the accept loop (a connection can be dropped on purpose), the one
//! handler that counts, records, applies faults and dispatches by path, and how a request is
//! recorded for the tests.

use std::collections::HashMap;
use std::sync::Arc;

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

use super::state::{Stub, platform_token, token_server};
use super::{Fault, FormField, KEPT_REQUESTS, STUB_APP_ID, STUB_TOKEN_SERVER_AUTH, StubRequest};

/// The stub's one route: every path goes to [`handle`].
pub(super) fn router(stub: Arc<Stub>) -> Router {
    Router::new()
        .fallback(handle)
        // Uploads are checked by size in the tests, not refused by the stub.
        .layer(DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(stub)
}

/// Closes the connection of the request that carries it.
#[derive(Clone)]
struct Kill(Arc<Notify>);

/// Serves each connection until it ends or a handler asks for it to be dropped.
pub(super) async fn serve(listener: TcpListener, app: Router) {
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

pub(super) fn error_body(code: i64) -> Value {
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
