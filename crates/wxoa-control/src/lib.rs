//! The central control server (中控服务器): access tokens and tickets for many AppIDs over HTTP.
//!
//! The platform's advice for fleets is one server that owns the tokens, and every business
//! server asking it. [`ControlServer`] is that server, as an axum [`Router`] (CONTRACT §5):
//!
//! | route | answer |
//! |---|---|
//! | `GET /token[?appid=A]` | `{"access_token": "…", "expires_at": UNIX_SECONDS}` |
//! | `POST /token/invalidate` `{"access_token": "…"}` | if that is still the current token, one replacement (however many callers, on however many instances, report it); the current token either way |
//! | `GET /ticket/jsapi`, `GET /ticket/wx_card` | `{"ticket": "…", "expires_at": …}` |
//! | `GET /healthz`, `GET /metrics` | `ok`; the server's and its client's metrics, OpenMetrics text |
//!
//! When the client's account is a third-party platform ([`Account::component`]), the server
//! also serves the platform's authorizers by their AppIDs: `GET /token?appid=AUTHORIZER` is the
//! authorizer's token, refreshed through the component with the refresh token the store keeps
//! (the store `wxoa component serve` writes the tickets and refresh tokens to; one refresh per
//! authorizer per expiry across every instance sharing it), `POST /token/invalidate?appid=…`
//! replaces it under the same compare-and-invalidate rule, and `GET /ticket/jsapi?appid=…` and
//! `GET /ticket/wx_card?appid=…` are the authorizer's tickets; `?appid=COMPONENT` (or no
//! `appid`) is the component's own token. Business processes never hold a refresh token.
//!
//! Every route needs `Authorization: Bearer X` (compared in constant time); otherwise 401.
//! Platform errors keep the platform's shape, `{"errcode": N, "errmsg": "…"}`, so that a
//! client's remote token source reports them typed. When the token quota guard refuses a fetch
//! that a request needs, the answer is `429 Too Many Requests` with `Retry-After` and
//! `{"error": "token_quota", "errmsg": "…", "appid", "kind", "retry_at": UNIX_SECONDS,
//! "retry_after": SECONDS}`; a token that is still valid keeps being served all the while.
//! Other refusals have the same shape, with `errcode` too:
//!
//! | status | `error` | when |
//! |---|---|---|
//! | 400 | `bad_appid` | `appid` is not 1–32 letters, digits or `_` |
//! | 404 | `unknown_appid` | neither an account of the server nor (without a component) anything it could serve; errcode 40013 |
//! | 404 | `not_authorized` | the component has no refresh token for the AppID, in the store or in its authorizer list, or the platform says the authorization ended (61003, 61023) |
//! | 404 | `no_ticket` | a ticket asked of the component itself, which has none |
//!
//! The tokens themselves are the [`wxoa_client`] token machinery's: single flight in the
//! process, the store's lock across processes and machines (a shared Redis store makes any
//! number of instances cause one upstream fetch per refresh), refresh ahead of expiry (a
//! background pass keeps every served token fresh), and a file or Redis store that survives
//! restarts without a new fetch. A report of the current token ([`Client::invalidate`])
//! costs one fetch of the current token and, only if the platform answers the reported value
//! again (`stable_token` does while it is valid), one forced refresh — whatever the number of
//! callers and instances — and every caller is answered with the platform's current token. A
//! caller that disconnects does not cancel a fetch the others wait for.
//!
//! ```no_run
//! use std::sync::Arc;
//! use wxoa_client::{Account, Client, token::FileStore};
//! use wxoa_control::ControlServer;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder()
//!     .account(Account::new("wx0123456789abcdef", "app-secret"))
//!     .store(Arc::new(FileStore::new("/var/lib/wxoa/tokens.json")))
//!     .build()?;
//! let server = ControlServer::new(client, "bearer-secret");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8300").await?;
//! axum::serve(listener, server.router()).await?;
//! # Ok(())
//! # }
//! ```

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, UNIX_EPOCH};

use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use prometheus_client::registry::Registry;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;
use wxoa_client::component::{Component, ComponentError};
use wxoa_client::token::{Token, TokenKind};
use wxoa_client::{Client, Error};
use wxoa_types::secret::Secret;

mod metrics;

use metrics::{KINDS, ServerMetrics};

/// The `Content-Type` of `/metrics`: the OpenMetrics text format.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

struct Inner {
    client: Client,
    /// The third-party platform, when the client's account is one: its authorizers are
    /// served too.
    component: Option<Component>,
    auth: Secret,
    metrics: ServerMetrics,
    /// What `/metrics` serves: the server's metrics and its client's.
    registry: Registry,
    /// Which tickets have been asked for, by AppID: only those are kept fresh in the background.
    tickets_wanted: Mutex<HashSet<(String, TokenKind)>>,
}

/// The control server. Cheap to clone.
#[derive(Clone)]
pub struct ControlServer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ControlServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlServer")
            .field("client", &self.inner.client)
            .field("auth", &self.inner.auth)
            .finish()
    }
}

#[derive(Debug, Deserialize)]
struct AppQuery {
    appid: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Invalidate {
    access_token: String,
}

/// A failure: in the platform's shape (`errcode`, `errmsg`), a refusal of the server's own
/// (`error` naming it), or the quota guard's refusal.
enum Failure {
    Platform {
        status: StatusCode,
        errcode: i64,
        errmsg: String,
    },
    Refused {
        status: StatusCode,
        body: serde_json::Value,
    },
    Quota {
        body: serde_json::Value,
        retry_after: Duration,
    },
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Platform {
                status,
                errcode,
                errmsg,
            } => (
                status,
                Json(json!({ "errcode": errcode, "errmsg": errmsg })),
            )
                .into_response(),
            Failure::Refused { status, body } => (status, Json(body)).into_response(),
            Failure::Quota { body, retry_after } => {
                // Whole seconds, rounded up: a client waiting that long is never early.
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, seconds.to_string())],
                    Json(body),
                )
                    .into_response()
            }
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        match &error {
            _ if ended_authorization(&error) => Failure::Refused {
                status: StatusCode::NOT_FOUND,
                body: json!({
                    "error": "not_authorized",
                    "errcode": error.code().map_or(61003, |c| c.code()),
                    "errmsg": error.to_string(),
                }),
            },
            Error::Api { code, message, .. } => Failure::Platform {
                status: StatusCode::OK,
                errcode: code.code(),
                errmsg: message.clone(),
            },
            Error::UnknownAccount { app_id } => Failure::Refused {
                status: StatusCode::NOT_FOUND,
                body: json!({
                    "error": "unknown_appid",
                    "errcode": 40013,
                    "errmsg": format!("invalid appid: {error}"),
                    "appid": app_id.as_str(),
                }),
            },
            Error::Component(ComponentError::NoTicketsForComponent { component, .. }) => {
                Failure::Refused {
                    status: StatusCode::NOT_FOUND,
                    body: json!({
                        "error": "no_ticket",
                        "errcode": 40013,
                        "errmsg": error.to_string(),
                        "appid": component.as_str(),
                    }),
                }
            }
            Error::TokenQuota {
                app_id,
                kind,
                retry_after,
                retry_at,
                ..
            } => Failure::Quota {
                body: json!({
                    "error": "token_quota",
                    "errmsg": error.to_string(),
                    "appid": app_id.as_str(),
                    "kind": kind.as_str(),
                    "retry_at": retry_at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
                    "retry_after": retry_after.as_secs(),
                }),
                retry_after: *retry_after,
            },
            // Error messages are redacted by the client: no secret reaches the answer.
            _ => Failure::Platform {
                status: StatusCode::BAD_GATEWAY,
                errcode: -1,
                errmsg: error.to_string(),
            },
        }
    }
}

fn unix_seconds(token: &Token) -> u64 {
    token.expires_at_ms() / 1000
}

/// Whether `error` says the account is no (longer an) authorizer of the component: no refresh
/// token anywhere, or the platform's 61003 / 61023.
fn ended_authorization(error: &Error) -> bool {
    matches!(
        error,
        Error::Component(ComponentError::NoRefreshToken { .. })
    ) || matches!(error.code().map(|c| c.code()), Some(61003 | 61023))
}

/// The longest AppID taken from a caller (the platform's are 18 characters).
const MAX_APPID: usize = 32;

impl ControlServer {
    /// A server for every account of `client`'s registry (the first is the default when a
    /// request names no `appid`), authenticating callers with the Bearer token `auth`. Its
    /// `/metrics` serves the server's metrics and the client's ([`Client::metrics`]).
    pub fn new(client: Client, auth: impl Into<Secret>) -> Self {
        let metrics = ServerMetrics::new(client.clone());
        let mut registry = Registry::default();
        client.metrics().register(&mut registry);
        metrics.register(&mut registry);
        Self {
            inner: Arc::new(Inner {
                component: Component::new(client.clone()).ok(),
                client,
                auth: auth.into(),
                metrics,
                registry,
                tickets_wanted: Mutex::default(),
            }),
        }
    }

    /// The routes of CONTRACT §5, all behind Bearer authentication.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/token", get(token))
            .route("/token/invalidate", post(invalidate))
            .route("/ticket/jsapi", get(jsapi))
            .route("/ticket/wx_card", get(wx_card))
            .route("/healthz", get(|| async { "ok" }))
            .route("/metrics", get(serve_metrics))
            .layer(middleware::from_fn_with_state(self.clone(), authenticate))
            .with_state(self.clone())
    }

    /// Keeps every served token fresh: every `interval`, asks the token machinery for each
    /// account's access token (and the tickets that have been requested), which refreshes them
    /// ahead of expiry. Runs until the task is dropped.
    pub async fn keep_fresh(&self, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            for app_id in self.inner.client.app_ids() {
                let Ok(client) = self.inner.client.for_account(app_id.as_str()) else {
                    continue;
                };
                for kind in KINDS {
                    if kind != TokenKind::AccessToken && !self.ticket_wanted(app_id.as_str(), kind)
                    {
                        continue;
                    }
                    match fetch(&client, kind).await {
                        Ok(token) => {
                            self.inner.metrics.kept_fresh(
                                app_id.as_str(),
                                kind,
                                unix_seconds(&token),
                            );
                        }
                        Err(error) => {
                            self.inner.metrics.failed(app_id.as_str());
                            tracing::warn!(app_id = %app_id, kind = kind.label(), %error, "could not keep the token fresh");
                            if self.forget_if_ended(app_id.as_str(), &error) {
                                break;
                            }
                        }
                    }
                }
            }
        }
    }

    fn ticket_wanted(&self, app_id: &str, kind: TokenKind) -> bool {
        self.inner
            .tickets_wanted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&(app_id.to_owned(), kind))
    }

    /// The handle of the account a request names: one of the registry, else an authorizer of
    /// the component (added to the registry until its authorization is found ended).
    fn client_for(&self, query: &AppQuery) -> Result<Client, Failure> {
        let Some(app_id) = &query.appid else {
            return Ok(self.inner.client.clone());
        };
        let well_formed = !app_id.is_empty()
            && app_id.len() <= MAX_APPID
            && app_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !well_formed {
            return Err(Failure::Refused {
                status: StatusCode::BAD_REQUEST,
                body: json!({
                    "error": "bad_appid",
                    "errcode": 40013,
                    "errmsg": format!("appid must hold 1 to {MAX_APPID} letters, digits or _"),
                }),
            });
        }
        match (self.inner.client.for_account(app_id), &self.inner.component) {
            (Ok(client), _) => Ok(client),
            (Err(_), Some(component)) => component.authorizer(app_id).map_err(Failure::from),
            (Err(error), None) => Err(error.into()),
        }
    }

    /// Drops an authorizer whose authorization ended from the registry (it is neither kept
    /// fresh nor listed in the metrics any more); answers whether it did.
    fn forget_if_ended(&self, app_id: &str, error: &Error) -> bool {
        let Some(component) = &self.inner.component else {
            return false;
        };
        if app_id == component.app_id().as_str() || !ended_authorization(error) {
            return false;
        }
        tracing::info!(%app_id, "not (or no longer) an authorizer of the component: forgotten");
        self.inner.client.remove_account(app_id)
    }

    async fn serve(&self, query: AppQuery, kind: TokenKind) -> Result<(Client, Token), Failure> {
        let client = self.client_for(&query)?;
        let app_id = client.app_id().as_str().to_owned();
        if kind != TokenKind::AccessToken {
            self.inner
                .tickets_wanted
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert((app_id.clone(), kind));
        }
        let result = fetch(&client, kind).await;
        self.served(&app_id, kind, result)
            .map(|token| (client, token))
    }

    /// Counts a token served, or a request that could not be.
    fn served(
        &self,
        app_id: &str,
        kind: TokenKind,
        result: Result<Token, Error>,
    ) -> Result<Token, Failure> {
        match result {
            Ok(token) => {
                self.inner
                    .metrics
                    .served(app_id, kind, unix_seconds(&token));
                Ok(token)
            }
            Err(error) => {
                self.inner.metrics.failed(app_id);
                tracing::warn!(%app_id, %error, "could not serve a token");
                self.forget_if_ended(app_id, &error);
                let mut failure = Failure::from(error);
                if let Failure::Refused { body, .. } = &mut failure
                    && let Some(body) = body.as_object_mut()
                {
                    body.insert("appid".to_owned(), app_id.into());
                }
                Err(failure)
            }
        }
    }
}

async fn fetch(client: &Client, kind: TokenKind) -> Result<Token, Error> {
    match kind {
        TokenKind::AccessToken => client.access_token().await,
        TokenKind::JsapiTicket => client.jsapi_ticket().await,
        _ => client.wx_card_ticket().await,
    }
}

async fn authenticate(
    State(server): State<ControlServer>,
    request: Request,
    next: Next,
) -> Response {
    let expected = server.inner.auth.expose().as_bytes();
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
        .unwrap_or_default();
    let ok =
        !expected.is_empty() && given.len() == expected.len() && bool::from(given.ct_eq(expected));
    if !ok {
        tracing::warn!(path = %request.uri().path(), "refused: missing or wrong bearer token");
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "missing or wrong bearer token",
        )
            .into_response();
    }
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    tracing::info!(%path, status = response.status().as_u16(), "served");
    response
}

async fn token(
    State(server): State<ControlServer>,
    Query(query): Query<AppQuery>,
) -> Result<Response, Failure> {
    let (_, token) = server.serve(query, TokenKind::AccessToken).await?;
    Ok(
        Json(json!({ "access_token": token.expose(), "expires_at": unix_seconds(&token) }))
            .into_response(),
    )
}

async fn ticket(
    server: ControlServer,
    query: AppQuery,
    kind: TokenKind,
) -> Result<Response, Failure> {
    let (_, token) = server.serve(query, kind).await?;
    Ok(
        Json(json!({ "ticket": token.expose(), "expires_at": unix_seconds(&token) }))
            .into_response(),
    )
}

async fn jsapi(
    State(server): State<ControlServer>,
    Query(query): Query<AppQuery>,
) -> Result<Response, Failure> {
    ticket(server, query, TokenKind::JsapiTicket).await
}

async fn wx_card(
    State(server): State<ControlServer>,
    Query(query): Query<AppQuery>,
) -> Result<Response, Failure> {
    ticket(server, query, TokenKind::WxCardTicket).await
}

/// The longest token a caller may report: the platform's are at most 512 characters.
const MAX_REPORTED: usize = 4096;

/// A report of a rejected token: the token machinery replaces it once however many callers (and
/// instances sharing the store) report it, and only if it is still the current one; every
/// caller is answered with the current token.
async fn invalidate(
    State(server): State<ControlServer>,
    Query(query): Query<AppQuery>,
    body: Result<Json<Invalidate>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, Failure> {
    let bad_request = |errmsg: String| Failure::Platform {
        status: StatusCode::BAD_REQUEST,
        errcode: 47001,
        errmsg,
    };
    let Json(report) = body
        .map_err(|e| bad_request(format!("the body must be {{\"access_token\": \"…\"}}: {e}")))?;
    if report.access_token.is_empty() || report.access_token.len() > MAX_REPORTED {
        return Err(bad_request(format!(
            "access_token must hold 1 to {MAX_REPORTED} bytes"
        )));
    }
    let client = server.client_for(&query)?;
    let app_id = client.app_id().as_str().to_owned();
    server.inner.metrics.reported(&app_id);
    tracing::debug!(%app_id, "a caller reported a rejected access token");
    // Only the value is known; its times are never used to compare.
    let rejected = Token::new(report.access_token, 0, 0);
    let result = client.invalidate(TokenKind::AccessToken, &rejected).await;
    let token = server.served(&app_id, TokenKind::AccessToken, result)?;
    Ok(
        Json(json!({ "access_token": token.expose(), "expires_at": unix_seconds(&token) }))
            .into_response(),
    )
}

async fn serve_metrics(State(server): State<ControlServer>) -> Response {
    let mut text = String::with_capacity(8192);
    match prometheus_client::encoding::text::encode(&mut text, &server.inner.registry) {
        Ok(()) => ([(header::CONTENT_TYPE, OPENMETRICS)], text).into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "a metric could not be written",
        )
            .into_response(),
    }
}
