//! The webhook as a whole: its settings, builder and shared state, the routes it serves, the
//! GET handshake, and how a refusal is logged, counted and answered.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tracing::warn;

use crate::account::{Account, Accounts};
use crate::component::{ComponentAccount, auth_event};
use crate::deadline::{LateReply, LateWork};
use crate::dedup::{DedupStore, MemoryDedup, Windows};
use crate::metrics::{self, Metrics, Registry};
use crate::rejection::{Rejection, RequestError};
use crate::router::RouteError;
use crate::verify::{PushQuery, check_signature};

/// Settings of the push endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) path: String,
    pub(crate) component_path: String,
    pub(crate) replay_window: Duration,
    pub(crate) body_limit: usize,
    pub(crate) budget: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            path: "/wechat".to_owned(),
            component_path: "/component".to_owned(),
            replay_window: Duration::from_secs(300),
            body_limit: 64 * 1024,
            budget: Duration::from_millis(4500),
        }
    }
}

pub(crate) struct Inner {
    pub(crate) accounts: Accounts,
    pub(crate) dedup: Arc<dyn DedupStore>,
    /// How long the store keeps claims and answers: from the budget and the replay window.
    pub(crate) windows: Windows,
    pub(crate) late: Option<Arc<dyn LateReply>>,
    /// Work that outlived its request, for [`Webhook::drain`].
    pub(crate) late_work: Arc<LateWork>,
    /// Set by [`Webhook::drain`]: pushes are refused from then on.
    pub(crate) draining: AtomicBool,
    /// Set once the recovery loop of the store's outbox has started, or once it is known that
    /// the store keeps no outbox (nothing to recover).
    pub(crate) recovering: AtomicBool,
    pub(crate) metrics: Arc<Metrics>,
    /// What `/metrics` serves: the webhook's metrics and whatever the application registered.
    registry: Registry,
    pub(crate) settings: Settings,
}

/// The webhook: build it, then serve [`Webhook::router`] (or nest it in your own axum app).
///
/// ```
/// use wxoa_types::inbound::{MessageKind, Text};
/// use wxoa_webhook::{Account, Bot, Ctx, Webhook};
///
/// let bot = Bot::new().on_message(MessageKind::Text, |_: Ctx, text: Text| async move {
///     text.content
/// });
/// let webhook = Webhook::builder()
///     .account(Account::new("wx0123456789abcdef", "token", bot))
///     .build()?;
/// let app: axum::Router = webhook.router();
/// # Ok::<(), wxoa_webhook::BuildError>(())
/// ```
#[derive(Clone)]
pub struct Webhook {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("settings", &self.inner.settings)
            .finish()
    }
}

/// Why a webhook cannot be built, or an account added to it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// An account's bot has a route whose handler takes something its kind does not carry.
    #[error("the bot of AppID {app_id} cannot serve: {source}")]
    Bot {
        /// The account.
        app_id: String,
        /// The route refused.
        #[source]
        source: RouteError,
    },
}

/// Whether the account's bot can serve.
fn check(account: &Account) -> Result<(), BuildError> {
    account.bot.check().map_err(|source| BuildError::Bot {
        app_id: account.app_id.to_string(),
        source,
    })
}

/// Builds a [`Webhook`].
#[derive(Default)]
pub struct WebhookBuilder {
    accounts: Vec<Account>,
    component: Option<ComponentAccount>,
    dedup: Option<Arc<dyn DedupStore>>,
    late: Option<Arc<dyn LateReply>>,
    registry: Registry,
    settings: Settings,
}

impl std::fmt::Debug for WebhookBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookBuilder")
            .field("accounts", &self.accounts)
            .field("settings", &self.settings)
            .finish()
    }
}

impl WebhookBuilder {
    /// Serves an account (add as many as needed).
    pub fn account(mut self, account: Account) -> Self {
        self.accounts.push(account);
        self
    }

    /// Serves a third-party platform: its authorization events on
    /// [`component_path`](Self::component_path), and the pushes of every account that
    /// authorized it on `{path}/{appid}` (see [`crate::component`]).
    pub fn component(mut self, component: ComponentAccount) -> Self {
        self.component = Some(component);
        self
    }

    /// The path of the component's authorization events (default `/component`).
    pub fn component_path(mut self, path: impl Into<String>) -> Self {
        self.settings.component_path = path.into();
        self
    }

    /// Where claims and answers of retries are kept (default: this process's memory). The
    /// webhook tells the store how long to keep them ([`Windows::new`]): answers for its replay
    /// window and a minute, claims just past its budget. When the store fails, pushes are
    /// handled without dedupe; the failures are logged and counted in `/metrics`.
    pub fn dedup(mut self, store: Arc<dyn DedupStore>) -> Self {
        self.dedup = Some(store);
        self
    }

    /// Sends replies that missed the deadline as customer-service messages.
    pub fn late_reply(mut self, sender: Arc<dyn LateReply>) -> Self {
        self.late = Some(sender);
        self
    }

    /// The process's registry, which `/metrics` serves: the webhook adds its metrics to it, next
    /// to those the application registered before (a client's, for instance: see
    /// `wxoa_client::Client::metrics`). Default: a registry of the webhook's metrics alone.
    ///
    /// ```
    /// use wxoa_webhook::Webhook;
    /// use wxoa_webhook::metrics::Registry;
    ///
    /// let registry = Registry::default();
    /// // … the application's own metrics, registered here …
    /// let webhook = Webhook::builder().registry(registry).build()?;
    /// assert!(webhook.render_metrics().unwrap().contains("wxoa_webhook_requests_total"));
    /// # Ok::<(), wxoa_webhook::BuildError>(())
    /// ```
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = registry;
        self
    }

    /// The path pushes arrive on (default `/wechat`; `/wechat/{appid}` also routes by AppID).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.settings.path = path.into();
        self
    }

    /// How far a push's `timestamp` may be from now (default 300 s; zero turns it off).
    pub fn replay_window(mut self, window: Duration) -> Self {
        self.settings.replay_window = window;
        self
    }

    /// Largest accepted body (default 64 KiB).
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.settings.body_limit = bytes;
        self
    }

    /// How long a handler may take before `success` is sent for it (default 4.5 s, within the
    /// platform's 5 s).
    pub fn budget(mut self, budget: Duration) -> Self {
        self.settings.budget = budget;
        self
    }

    /// The webhook, unless an account's bot cannot serve ([`BuildError`]). With a store that
    /// keeps an outbox (Redis), its recovery loop starts now on the current tokio runtime (or
    /// with the first push when built outside one): every second it takes over the late work
    /// of instances that died, and runs it.
    pub fn build(mut self) -> Result<Webhook, BuildError> {
        self.accounts.iter().try_for_each(check)?;
        if let Some(component) = &self.component {
            component.bot.check().map_err(|source| BuildError::Bot {
                app_id: component.app_id().to_owned(),
                source,
            })?;
        }
        let metrics = Arc::new(Metrics::default());
        metrics.register(&mut self.registry);
        let webhook = Webhook {
            inner: Arc::new(Inner {
                accounts: Accounts::new(self.accounts, self.component),
                dedup: self
                    .dedup
                    .unwrap_or_else(|| Arc::new(MemoryDedup::default())),
                windows: Windows::new(self.settings.budget, self.settings.replay_window),
                late: self.late,
                late_work: Arc::new(LateWork::new(metrics.clone())),
                draining: AtomicBool::new(false),
                recovering: AtomicBool::new(false),
                metrics,
                registry: self.registry,
                settings: self.settings,
            }),
        };
        webhook.start_recovery();
        Ok(webhook)
    }
}

impl Webhook {
    /// Starts building a webhook.
    pub fn builder() -> WebhookBuilder {
        WebhookBuilder::default()
    }

    /// Adds or replaces an account while serving, unless its bot cannot serve
    /// ([`BuildError`]).
    pub fn add_account(&self, account: Account) -> Result<(), BuildError> {
        check(&account)?;
        self.inner.accounts.insert(account);
        Ok(())
    }

    /// Removes an account while serving.
    pub fn remove_account(&self, app_id: &str) -> bool {
        self.inner.accounts.remove(app_id)
    }

    /// The webhook's metrics.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.inner.metrics.clone()
    }

    /// What `GET /metrics` answers: every metric of the registry (the webhook's, and those the
    /// application registered) in the OpenMetrics text format ([`metrics::CONTENT_TYPE`]).
    pub fn render_metrics(&self) -> Result<String, std::fmt::Error> {
        metrics::render(&self.inner.registry)
    }

    /// The routes: `GET`/`POST` on the path and on `{path}/{appid}`, `POST` on the component
    /// path when a component is served, `GET /healthz`, `GET /metrics`.
    pub fn router(&self) -> Router {
        let path = self.inner.settings.path.trim_end_matches('/').to_owned();
        let path = if path.is_empty() {
            "/".to_owned()
        } else {
            path
        };
        let with_app = format!("{}/{{appid}}", path.trim_end_matches('/'));
        let mut router = Router::new()
            .route(&path, get(handshake).post(push))
            .route(&with_app, get(handshake_for).post(push_for));
        if self.inner.accounts.component().is_some() {
            router = router.route(
                &self.inner.settings.component_path,
                axum::routing::post(auth_event),
            );
        }
        router
            .route("/healthz", get(|| async { "ok" }))
            .route("/metrics", get(serve_metrics))
            .with_state(self.clone())
    }

    pub(crate) fn reject(&self, rejection: Rejection) -> Response {
        self.inner.metrics.request(rejection.outcome());
        warn!(outcome = rejection.outcome().as_str(), reason = %rejection, "push refused");
        rejection.into_response()
    }

    fn handle_get(&self, app_id: Option<&str>, uri: &Uri) -> Response {
        let result = PushQuery::parse(uri.query()).and_then(|query| {
            let account = self.inner.accounts.find(app_id, &query)?;
            check_signature(account.token.expose(), &query)?;
            query
                .echostr
                .map(std::borrow::Cow::into_owned)
                .ok_or(Rejection::BadRequest(RequestError::NoEchostr))
        });
        match result {
            Ok(echostr) => {
                let mut response = Response::new(Body::from(echostr));
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                response
            }
            Err(rejection) => self.reject(rejection),
        }
    }
}

async fn handshake(State(webhook): State<Webhook>, uri: Uri) -> Response {
    webhook.handle_get(None, &uri)
}

async fn handshake_for(
    State(webhook): State<Webhook>,
    Path(app_id): Path<String>,
    uri: Uri,
) -> Response {
    webhook.handle_get(Some(&app_id), &uri)
}

// The whole request, taken apart here: its URI is read in place rather than cloned out.
async fn push(State(webhook): State<Webhook>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    webhook.handle_post(None, &parts.uri, body).await
}

async fn push_for(
    State(webhook): State<Webhook>,
    Path(app_id): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    webhook.handle_post(Some(&app_id), &parts.uri, body).await
}

async fn serve_metrics(State(webhook): State<Webhook>) -> Response {
    match webhook.render_metrics() {
        Ok(text) => ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "a metric could not be written",
        )
            .into_response(),
    }
}
