//! The push endpoint: accounts, the request pipeline, and the axum [`Router`].

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;
use http_body_util::BodyExt;
use tracing::{Instrument, debug, info, info_span, warn};
use wxoa_crypto::{CryptoError, MsgCrypt};
use wxoa_types::inbound::Inbound;
use wxoa_types::reply::{NO_REPLY, ReplyBody, render_parts};
use wxoa_types::secret::Secret;

use crate::dedup::{Claim, DedupError, DedupStore, MemoryDedup, Windows};
use crate::deferred::{Drained, LateReply, LateWork, Ticket, custom_message};
use crate::handler::Outcome;
use crate::metrics::Metrics;
use crate::rejection::Rejection;
use crate::router::Dispatch;
use crate::verify::{Mode, PushQuery, check_replay, check_signature, now, open_body};

/// One official account served by the webhook: its AppID, Token, EncodingAESKey (for compat
/// and safe mode) and handlers.
#[derive(Clone)]
pub struct Account {
    app_id: Arc<str>,
    token: Secret,
    crypt: Option<MsgCrypt>,
    original_id: Option<String>,
    allow_plain: bool,
    bot: Arc<dyn Dispatch>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("app_id", &self.app_id)
            .field("token", &self.token)
            .field("encrypted", &self.crypt.is_some())
            .field("original_id", &self.original_id)
            .field("allow_plain", &self.allow_plain)
            .finish()
    }
}

impl Account {
    /// An account in plain mode; add [`aes_key`](Self::aes_key) for compat and safe mode.
    pub fn new(app_id: impl Into<String>, token: impl Into<Secret>, bot: impl Dispatch) -> Self {
        Self {
            app_id: Arc::from(app_id.into()),
            token: token.into(),
            crypt: None,
            original_id: None,
            allow_plain: false,
            bot: Arc::new(bot),
        }
    }

    /// The EncodingAESKey (43 characters) for compat and safe mode.
    pub fn aes_key(mut self, encoding_aes_key: &str) -> Result<Self, CryptoError> {
        self.crypt = Some(MsgCrypt::new(
            self.token.clone(),
            encoding_aes_key,
            self.app_id.to_string(),
        )?);
        Ok(self)
    }

    /// Whether an account with an EncodingAESKey still takes plaintext pushes (default: no).
    ///
    /// A plaintext push is signed over the Token, timestamp and nonce only — not over its body —
    /// so anyone holding one query string the platform sent in safe mode (a proxy's access log)
    /// could forge follower messages for the whole replay window and read the cleartext
    /// answers. Once the account has a key, plaintext pushes are therefore refused (401,
    /// outcome `plain_refused`); allow them only while switching the platform from plain to
    /// compat or safe mode. An account without a key takes plaintext pushes either way.
    pub fn allow_plain(mut self, allow: bool) -> Self {
        self.allow_plain = allow;
        self
    }

    /// The account's original id (`gh_…`), to tell accounts apart on a shared path.
    pub fn original_id(mut self, original_id: impl Into<String>) -> Self {
        self.original_id = Some(original_id.into());
        self
    }

    /// The AppID.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }
}

/// Settings of the push endpoint.
#[derive(Debug, Clone)]
struct Settings {
    path: String,
    replay_window: Duration,
    body_limit: usize,
    budget: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            path: "/wechat".to_owned(),
            replay_window: Duration::from_secs(300),
            body_limit: 64 * 1024,
            budget: Duration::from_millis(4500),
        }
    }
}

struct Inner {
    // Behind `Arc`: a push takes a reference, not a copy of the key schedule and the Token.
    accounts: RwLock<HashMap<Arc<str>, Arc<Account>>>,
    dedup: Arc<dyn DedupStore>,
    /// How long the store keeps claims and answers: from the budget and the replay window.
    windows: Windows,
    late: Option<Arc<dyn LateReply>>,
    /// Work that outlived its request, for [`Webhook::drain`].
    late_work: Arc<LateWork>,
    /// Set by [`Webhook::drain`]: pushes are refused from then on.
    draining: AtomicBool,
    metrics: Arc<Metrics>,
    settings: Settings,
}

/// The webhook: build it, then serve [`Webhook::router`] (or nest it in your own axum app).
///
/// ```
/// use wxoa_webhook::{Account, Bot, Ctx, Webhook};
///
/// let bot = Bot::new().text(|ctx: Ctx| async move { ctx.text().map(str::to_owned) });
/// let webhook = Webhook::builder()
///     .account(Account::new("wx0123456789abcdef", "token", bot))
///     .build();
/// let app: axum::Router = webhook.router();
/// ```
#[derive(Clone)]
pub struct Webhook {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("settings", &self.inner.settings)
            .finish()
    }
}

/// Builds a [`Webhook`].
#[derive(Default)]
pub struct WebhookBuilder {
    accounts: Vec<Account>,
    dedup: Option<Arc<dyn DedupStore>>,
    late: Option<Arc<dyn LateReply>>,
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

    /// The webhook.
    pub fn build(self) -> Webhook {
        let accounts = self
            .accounts
            .into_iter()
            .map(|a| (a.app_id.clone(), Arc::new(a)))
            .collect();
        let metrics = Arc::new(Metrics::default());
        Webhook {
            inner: Arc::new(Inner {
                accounts: RwLock::new(accounts),
                dedup: self
                    .dedup
                    .unwrap_or_else(|| Arc::new(MemoryDedup::default())),
                windows: Windows::new(self.settings.budget, self.settings.replay_window),
                late: self.late,
                late_work: Arc::new(LateWork::new(metrics.clone())),
                draining: AtomicBool::new(false),
                metrics,
                settings: self.settings,
            }),
        }
    }
}

/// A handler's run: its outcome, a panic counted as a failure (its key is then released for
/// the retry, as for any failed handler).
type Handling = futures::future::Map<
    futures::future::CatchUnwind<std::panic::AssertUnwindSafe<BoxFuture<'static, Outcome>>>,
    fn(std::thread::Result<Outcome>) -> Outcome,
>;

/// Runs the handler the push routes to, as a [`Handling`].
fn handling(account: &Account, push: Arc<Inbound>) -> Handling {
    fn panicked_is_failed(run: std::thread::Result<Outcome>) -> Outcome {
        run.unwrap_or_else(|_| Outcome::Failed("the handler panicked".to_owned()))
    }
    std::panic::AssertUnwindSafe(account.bot.dispatch(push, account.app_id.clone()))
        .catch_unwind()
        .map(panicked_is_failed as fn(_) -> _)
}

/// What finishing a push needs once its handler's outcome is known: the push, its dedupe key,
/// when it started, and the span it was handled in.
struct Pending {
    webhook: Webhook,
    account: Arc<Account>,
    push: Arc<Inbound>,
    key: String,
    started: Instant,
    arrived: i64,
    span: tracing::Span,
}

/// A handler's run with what finishing it needs, polled inline by the request (no task, no
/// allocation of its own on the fast path). If the request is dropped before the handler is
/// done — the platform or a proxy hung up — the handler goes on in a tracked background task
/// (see [`Pending::hung_up`]): a handler is never cancelled halfway, and its reply is
/// delivered exactly once.
struct Detach {
    run: Option<(Handling, Pending)>,
}

impl Future for Detach {
    type Output = Result<(Outcome, Pending), ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some((handling, _)) = self.run.as_mut() else {
            return Poll::Ready(Err(()));
        };
        let Poll::Ready(outcome) = handling.poll_unpin(cx) else {
            return Poll::Pending;
        };
        Poll::Ready(match self.run.take() {
            Some((_, pending)) => Ok((outcome, pending)),
            None => Err(()),
        })
    }
}

impl Drop for Detach {
    fn drop(&mut self) {
        if let Some((handling, pending)) = self.run.take() {
            pending.hung_up(handling);
        }
    }
}

impl Pending {
    /// The request was dropped before its answer: the platform timed out, or a proxy in front
    /// closed the connection. A retry may come, or may not (a proxy that answered the platform
    /// itself).
    ///
    /// With a late-reply sender, retries are answered `success` at once and the reply goes out
    /// as a customer-service message when the handler is done: delivered exactly once, whether
    /// or not a retry comes. Without one, the answer is recorded for the retry, the only way
    /// left to deliver it.
    fn hung_up(self, handling: Handling) {
        let webhook = self.webhook.clone();
        webhook.inner.metrics.request("closed");
        self.span.record("outcome", "closed");
        let guard = self.span.enter();
        if webhook.inner.late.is_some() {
            debug!(
                "the connection closed before the answer: retries get success, the reply goes out as a customer-service message"
            );
            drop(guard);
            webhook.track(self, move |pending, ticket| async move {
                pending
                    .webhook
                    .complete(&pending.key, NO_REPLY.as_bytes())
                    .await;
                let outcome = handling.await;
                ticket.sending();
                pending.finish_late(outcome).await;
            });
        } else {
            debug!(
                "the connection closed before the answer: it is recorded for the platform's retry"
            );
            drop(guard);
            webhook.track(self, move |pending, ticket| async move {
                let outcome = handling.await;
                ticket.sending();
                if let Err(reason) = pending.finish(outcome).await {
                    warn!(%reason, "a handler whose connection closed failed; the platform's retry runs it again");
                }
            });
        }
    }

    /// The handler finished in time (or after its request was dropped): records the plaintext
    /// answer for retries — or releases the key when the handler failed — and gives it.
    async fn finish(self, outcome: Outcome) -> Result<Bytes, String> {
        let webhook = &self.webhook;
        let took = self.started.elapsed();
        webhook.inner.metrics.handled(took);
        let body = match outcome {
            Outcome::NoReply => Bytes::from_static(NO_REPLY.as_bytes()),
            Outcome::Reply(reply) => {
                let now = self
                    .arrived
                    .saturating_add(i64::try_from(took.as_secs()).unwrap_or(0));
                render(&self.push, reply, now)
            }
            Outcome::Failed(reason) => {
                if let Err(error) = webhook.inner.dedup.release(&self.key).await {
                    webhook.dedupe_failed("release", &error);
                }
                return Err(reason);
            }
        };
        webhook.complete(&self.key, &body).await;
        Ok(body)
    }

    /// The handler missed the budget (the platform got `success`): its reply goes out as a
    /// customer-service message.
    async fn finish_late(self, outcome: Outcome) {
        self.webhook.inner.metrics.handled(self.started.elapsed());
        self.webhook
            .finish_late(&self.account, &self.push, outcome)
            .await;
    }
}

/// What a push is answered with.
struct Answer {
    body: Bytes,
}

impl Answer {
    fn into_response(self) -> Response {
        let content_type = if self.body.starts_with(b"<") {
            "text/xml; charset=utf-8"
        } else {
            "text/plain; charset=utf-8"
        };
        let mut response = Response::new(Body::from(self.body));
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        response
    }
}

impl Webhook {
    /// Starts building a webhook.
    pub fn builder() -> WebhookBuilder {
        WebhookBuilder::default()
    }

    /// Adds or replaces an account while serving.
    pub fn add_account(&self, account: Account) {
        let mut accounts = self
            .inner
            .accounts
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        accounts.insert(account.app_id.clone(), Arc::new(account));
    }

    /// Removes an account while serving.
    pub fn remove_account(&self, app_id: &str) -> bool {
        let mut accounts = self
            .inner
            .accounts
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        accounts.remove(app_id).is_some()
    }

    /// Stops taking pushes, then waits up to `timeout` for the work that outlived its request:
    /// handlers past the budget and their customer-service replies, handlers whose connection
    /// closed. What is still running at the deadline is cancelled, logged with its push and
    /// counted in `wxoa_webhook_late_replies_total{result="undelivered"}`, and comes back in
    /// [`Drained::undelivered`].
    ///
    /// Call it once your server has stopped accepting connections and has answered the
    /// requests in progress (axum's graceful shutdown), so that every piece of late work has
    /// been handed over; pushes that still reach the webhook from then on are refused with
    /// 503 (outcome `shutting_down`), and the platform's retry goes elsewhere.
    ///
    /// ```no_run
    /// # use std::future::Future;
    /// # async fn run(
    /// #     webhook: wxoa_webhook::Webhook,
    /// #     stop_signal: impl Future<Output = ()> + Send + 'static,
    /// # ) -> std::io::Result<()> {
    /// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
    /// axum::serve(listener, webhook.router())
    ///     .with_graceful_shutdown(stop_signal)
    ///     .await?;
    /// let drained = webhook.drain(std::time::Duration::from_secs(30)).await;
    /// if !drained.undelivered.is_empty() {
    ///     eprintln!("{} replies were not delivered", drained.undelivered.len());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn drain(&self, timeout: Duration) -> Drained {
        self.inner.draining.store(true, Ordering::Relaxed);
        let pending = self.inner.metrics.late_pending_now();
        if pending > 0 {
            info!(
                pending,
                timeout_secs = timeout.as_secs_f64(),
                "waiting for handlers and late replies"
            );
        }
        let drained = self.inner.late_work.drain(timeout).await;
        for undelivered in &drained.undelivered {
            self.inner.metrics.late_undelivered();
            let push = &undelivered.push;
            warn!(
                app_id = %undelivered.app_id,
                openid = push.from_user_name.as_str(),
                kind = push.kind(),
                stage = undelivered.stage.as_str(),
                push = %push_json(push),
                "reply not delivered: the drain deadline passed first"
            );
        }
        drained
    }

    /// The counters.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.inner.metrics.clone()
    }

    /// The routes: `GET`/`POST` on the path and on `{path}/{appid}`, `GET /healthz`,
    /// `GET /metrics`.
    pub fn router(&self) -> Router {
        let path = self.inner.settings.path.trim_end_matches('/').to_owned();
        let path = if path.is_empty() {
            "/".to_owned()
        } else {
            path
        };
        let with_app = format!("{}/{{appid}}", path.trim_end_matches('/'));
        Router::new()
            .route(&path, get(handshake).post(push))
            .route(&with_app, get(handshake_for).post(push_for))
            .route("/healthz", get(|| async { "ok" }))
            .route("/metrics", get(metrics))
            .with_state(self.clone())
    }

    fn account(
        &self,
        app_id: Option<&str>,
        query: &PushQuery<'_>,
    ) -> Result<Arc<Account>, Rejection> {
        let accounts = self
            .inner
            .accounts
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(app_id) = app_id {
            return accounts
                .get(app_id)
                .cloned()
                .ok_or_else(|| Rejection::UnknownAccount(format!("AppID {app_id}")));
        }
        if accounts.len() == 1 {
            return accounts
                .values()
                .next()
                .cloned()
                .ok_or_else(|| Rejection::UnknownAccount("this path".to_owned()));
        }
        // Several accounts on one path: the one whose Token signs the request.
        accounts
            .values()
            .find(|a| check_signature(a.token.expose(), query).is_ok())
            .cloned()
            .ok_or_else(|| {
                Rejection::BadSignature("no account's Token signs this request".to_owned())
            })
    }

    fn reject(&self, rejection: Rejection) -> Response {
        self.inner.metrics.request(rejection.outcome());
        warn!(outcome = rejection.outcome(), reason = %rejection, "push refused");
        rejection.into_response()
    }

    fn handle_get(&self, app_id: Option<&str>, uri: &Uri) -> Response {
        let result = PushQuery::parse(uri.query()).and_then(|query| {
            let account = self.account(app_id, &query)?;
            check_signature(account.token.expose(), &query)?;
            query
                .echostr
                .map(std::borrow::Cow::into_owned)
                .ok_or_else(|| Rejection::BadRequest("GET without echostr".to_owned()))
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

    async fn handle_post(&self, app_id: Option<&str>, uri: &Uri, body: Body) -> Response {
        if self.inner.draining.load(Ordering::Relaxed) {
            return self.reject(Rejection::ShuttingDown);
        }
        match self.pipeline(app_id, uri, body).await {
            Ok(answer) => answer.into_response(),
            Err(rejection) => self.reject(rejection),
        }
    }

    async fn pipeline(
        &self,
        app_id: Option<&str>,
        uri: &Uri,
        body: Body,
    ) -> Result<Answer, Rejection> {
        let settings = &self.inner.settings;
        let body = read_body(body, settings.body_limit).await?;
        let query = PushQuery::parse(uri.query())?;
        let account = self.account(app_id, &query)?;
        check_signature(account.token.expose(), &query)?;
        // The wall clock is read once a push: for the replay window and the reply's CreateTime.
        let arrived = check_replay(&query, settings.replay_window)?.unwrap_or_else(now);
        let (plain, mode) = open_body(account.crypt.as_ref(), account.allow_plain, &query, &body)?;
        // Behind `Arc` at once: the push is shared with the handler and moves no further.
        let push = Arc::new(
            Inbound::from_xml(&plain)
                .map_err(|e| Rejection::BadRequest(format!("push cannot be read: {e}")))?,
        );
        let span = info_span!("push", app_id = %account.app_id, kind = push.kind(), mode = mode.as_str(), outcome = tracing::field::Empty);
        // A span nobody listens to is not worth entering and leaving at every poll.
        let plain = if span.is_disabled() {
            self.deliver(account.clone(), push, arrived).await?
        } else {
            self.deliver(account.clone(), push, arrived)
                .instrument(span)
                .await?
        };
        Ok(seal(&account, mode, &query, plain))
    }

    /// Dedupe, run the handler within the budget, render the plaintext answer (the reply XML
    /// or `success`). The dedupe store keeps this plaintext, which is smaller than the envelope,
    /// and every delivery's answer is sealed with that delivery's own timestamp and nonce.
    async fn deliver(
        &self,
        account: Arc<Account>,
        push: Arc<Inbound>,
        arrived: i64,
    ) -> Result<Bytes, Rejection> {
        let inner = &self.inner;
        // The budget counts from here, so that time spent on the store (a claim, a wait for
        // another delivery) comes out of it rather than on top of it.
        let begun = Instant::now();
        let mut waited = false;
        let key = dedupe_key(&account, &push);
        let claimed = match inner.dedup.claim_now(&key, inner.windows) {
            Some(claimed) => claimed,
            None => inner.dedup.claim(&key, inner.windows).await,
        };
        match claimed {
            Ok(Claim::Claimed) => {}
            Ok(Claim::Done(answer)) => return Ok(self.duplicate(answer)),
            Ok(Claim::InFlight) => {
                // A retry of a push still being handled: wait for the first delivery's answer.
                waited = true;
                // Up to the claim's own lifetime, not only the budget: a retry that came less
                // than the claim margin after the first delivery (its instance died and the
                // connection broke at once) would otherwise give up just before the claim
                // lapses and answer `success` for a push nobody handles. A live first delivery
                // records its answer at its budget, within this wait.
                let left = inner.windows.claim.saturating_sub(begun.elapsed());
                match inner.dedup.wait(&key, left).await {
                    Ok(Some(answer)) => return Ok(self.duplicate(answer)),
                    Ok(None) => {
                        // Released by a failed handler, lapsed with an instance that died (or
                        // still running past the budget): try to become the delivery that
                        // handles it.
                        match inner.dedup.claim(&key, inner.windows).await {
                            Ok(Claim::Claimed) => {}
                            Ok(Claim::Done(answer)) => return Ok(self.duplicate(answer)),
                            Ok(Claim::InFlight) => {
                                return Ok(self.duplicate(Bytes::from_static(NO_REPLY.as_bytes())));
                            }
                            Err(error) => self.dedupe_failed("claim", &error),
                        }
                    }
                    Err(error) => self.dedupe_failed("wait", &error),
                }
            }
            Err(error) => self.dedupe_failed("claim", &error),
        }

        debug!(%key, "handling the push");
        let span = tracing::Span::current();
        // The handler is polled right here; if the platform drops the connection first (its
        // timeout, a network fault), hyper cancels this request and `Detach` moves the handler
        // to a background task: it finishes and its answer is recorded for the retry.
        let handling = handling(&account, push.clone());
        // The handler's own time, for its latency: the clock is read again only after a wait.
        let started = if waited { Instant::now() } else { begun };
        let pending = Pending {
            webhook: self.clone(),
            account,
            push,
            key,
            started,
            arrived,
            span,
        };
        let mut task = Detach {
            run: Some((handling, pending)),
        };
        // Most handlers answer without waiting on anything: a first poll takes their answer
        // before any timer is armed. The budget still counts from `begun`.
        let deadline = tokio::time::Instant::from_std(begun + inner.settings.budget);
        let within_budget = match futures::poll!(&mut task) {
            Poll::Ready(finished) => Ok(finished),
            Poll::Pending => tokio::time::timeout_at(deadline, &mut task).await,
        };
        let finished = match within_budget {
            Ok(Ok((outcome, pending))) => pending.finish(outcome).await,
            Ok(Err(())) => Err("the handling was already complete".to_owned()),
            Err(_) => {
                // Out of time: the platform gets `success` now, and the handler goes on in a
                // background task that sends its reply as a customer-service message.
                let answer = Bytes::from_static(NO_REPLY.as_bytes());
                if let Some((handling, pending)) = task.run.take() {
                    let key = pending.key.clone();
                    self.track(pending, move |pending, ticket| async move {
                        let outcome = handling.await;
                        ticket.sending();
                        pending.finish_late(outcome).await;
                    });
                    self.complete(&key, &answer).await;
                }
                inner.metrics.request("late");
                tracing::Span::current().record("outcome", "late");
                return Ok(answer);
            }
        };
        match finished {
            Ok(body) => {
                inner.metrics.request("ok");
                tracing::Span::current().record("outcome", "ok");
                Ok(body)
            }
            Err(reason) => Err(Rejection::HandlerFailed(reason)),
        }
    }

    /// Runs `job`, the rest of a push that outlives its request, as tracked late work (see
    /// [`drain`](Self::drain)), in the push's span.
    fn track<F>(&self, pending: Pending, job: impl FnOnce(Pending, Ticket) -> F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let (push, span) = (pending.push.clone(), pending.span.clone());
        let in_span = span.clone();
        let started = self.inner.late_work.spawn(
            pending.account.app_id.clone(),
            push.clone(),
            move |ticket| job(pending, ticket).instrument(in_span),
        );
        if !started {
            self.inner.metrics.late_undelivered();
            let _entered = span.enter();
            warn!(
                push = %push_json(&push),
                "reply not delivered: no runtime to run the handler on past its request"
            );
        }
    }

    fn duplicate(&self, answer: Bytes) -> Bytes {
        self.inner.metrics.request("duplicate");
        self.inner.metrics.duplicate();
        tracing::Span::current().record("outcome", "duplicate");
        debug!("retry answered from its first delivery");
        answer
    }

    async fn complete(&self, key: &str, answer: &[u8]) {
        let windows = self.inner.windows;
        let done = match self.inner.dedup.complete_now(key, answer, windows) {
            Some(done) => done,
            None => self.inner.dedup.complete(key, answer, windows).await,
        };
        if let Err(error) = done {
            self.dedupe_failed("complete", &error);
        }
    }

    /// A dedupe store operation failed: the push goes on without it (handled, or its answer
    /// not recorded for retries). Counted each time; logged each time, except while the store
    /// is known to be unavailable (it logged that once).
    fn dedupe_failed(&self, op: &'static str, error: &DedupError) {
        self.inner.metrics.dedupe_failed(op);
        if error.is_unavailable() {
            debug!(op, %error, "dedupe store unavailable; going on without it");
        } else {
            warn!(op, %error, "dedupe store failed; going on without it (the push is handled, retries may run it again)");
        }
    }

    /// The handler missed the budget (the platform got `success`): its reply goes out as a
    /// customer-service message.
    async fn finish_late(&self, account: &Account, push: &Inbound, outcome: Outcome) {
        let body = match outcome {
            Outcome::Reply(body) => body,
            Outcome::NoReply => return,
            Outcome::Failed(reason) => {
                warn!(%reason, "a handler answered late (past the budget or its closed connection) failed; nothing to send");
                return;
            }
        };
        let result = self.send_late(account, push, &body).await;
        self.inner.metrics.late(result.is_ok());
        match result {
            Ok(()) => debug!("late reply sent as a customer-service message"),
            Err(reason) => warn!(%reason, "late reply could not be delivered"),
        }
    }

    async fn send_late(
        &self,
        account: &Account,
        push: &Inbound,
        body: &ReplyBody,
    ) -> Result<(), String> {
        if takes_no_reply(push) {
            return Err(format!("a {} push takes no reply", push.kind()));
        }
        let Some(sender) = &self.inner.late else {
            return Err("no customer-service sender is configured (give the webhook an AppSecret or a late-reply sender)".to_owned());
        };
        let message =
            custom_message(push.from_user_name.as_str(), body).map_err(|e| e.to_string())?;
        if let ReplyBody::News { articles } = body
            && articles.len() > 1
        {
            warn!(
                dropped = articles.len() - 1,
                "a customer-service news message carries one article; sending the first"
            );
        }
        sender.send(&account.app_id, message).await
    }
}

/// The push as JSON, for a log line that must let an operator act on it.
fn push_json(push: &Inbound) -> String {
    serde_json::to_string(push).unwrap_or_else(|e| format!("(cannot be shown: {e})"))
}

/// A push's dedupe key: the AppID, then the push's own key (MsgId, or the event's fields).
fn dedupe_key(account: &Account, push: &Inbound) -> String {
    let mut key = String::with_capacity(96);
    key.push_str(&account.app_id);
    key.push(':');
    push.write_dedupe_key(&mut key);
    key
}

/// The reply XML, or `success` for a reply that cannot be rendered or a push that takes none
/// (both logged).
fn render(push: &Inbound, body: ReplyBody, now: i64) -> Bytes {
    if takes_no_reply(push) {
        warn!(
            kind = push.kind(),
            "the handler replied to a push that takes no passive reply; answered success"
        );
        return Bytes::from_static(NO_REPLY.as_bytes());
    }
    match render_parts(
        push.from_user_name.as_str(),
        push.to_user_name.as_str(),
        now,
        &body,
    ) {
        // Exactly as long as the reply (the allocator shrinks in place), so that the `Bytes`
        // needs no shared header of its own.
        Ok(xml) => Bytes::from(xml.into_bytes().into_boxed_slice()),
        Err(error) => {
            warn!(%error, "the handler's reply is invalid; answered success");
            Bytes::from_static(NO_REPLY.as_bytes())
        }
    }
}

/// The answer as sent: `success` as is, a reply as plaintext XML in plain mode and as the
/// envelope (signed over this request's timestamp and nonce) in compat and safe mode.
fn seal(account: &Account, mode: Mode, query: &PushQuery<'_>, plain: Bytes) -> Answer {
    let (Some(crypt), true) = (&account.crypt, mode.encrypted() && plain.starts_with(b"<")) else {
        return Answer { body: plain };
    };
    let timestamp = query.timestamp.as_deref().unwrap_or("");
    let nonce = query.nonce.as_deref().unwrap_or("");
    match crypt.encrypt_reply_xml(&plain, timestamp, nonce) {
        // Exactly as long as the envelope: no shared header for the `Bytes` (as in `render`).
        Ok(envelope) => Answer {
            body: Bytes::from(envelope.into_bytes().into_boxed_slice()),
        },
        Err(error) => {
            warn!(%error, "the reply could not be encrypted; answered success");
            Answer {
                body: Bytes::from_static(NO_REPLY.as_bytes()),
            }
        }
    }
}

/// Known job and notification events (template, mass, publish, card, session, subscription
/// notices) take no passive reply. A type this library does not know gets the benefit of the
/// doubt: a handler that answers it explicitly is obeyed.
fn takes_no_reply(push: &Inbound) -> bool {
    match push.as_event() {
        Some(event) => event.name().is_some() && !event.accepts_reply(),
        None => false,
    }
}

async fn read_body(body: Body, limit: usize) -> Result<Bytes, Rejection> {
    let failed = |error: axum::BoxError| {
        if error.is::<http_body_util::LengthLimitError>() {
            Rejection::TooLarge {
                size: limit + 1,
                limit,
            }
        } else {
            Rejection::BadRequest(format!("body could not be read: {error}"))
        }
    };
    let mut body = http_body_util::Limited::new(body, limit);
    // A push's body nearly always arrives as one frame: it is taken as it is, without a
    // buffer list; more frames are joined.
    let mut first: Option<Bytes> = None;
    let mut joined: Option<bytes::BytesMut> = None;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(failed)?.into_data() else {
            continue;
        };
        match (&first, &mut joined) {
            (None, _) => first = Some(data),
            (Some(head), None) => {
                let mut all = bytes::BytesMut::with_capacity(head.len() + data.len());
                all.extend_from_slice(head);
                all.extend_from_slice(&data);
                joined = Some(all);
            }
            (Some(_), Some(all)) => all.extend_from_slice(&data),
        }
    }
    Ok(match joined {
        Some(all) => all.freeze(),
        None => first.unwrap_or_default(),
    })
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

async fn metrics(State(webhook): State<Webhook>) -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        webhook.inner.metrics.render(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn chunked(chunks: &[&'static str]) -> Body {
        let frames: Vec<Result<Bytes, std::io::Error>> = chunks
            .iter()
            .map(|c| Ok(Bytes::from_static(c.as_bytes())))
            .collect();
        Body::from_stream(futures::stream::iter(frames))
    }

    #[tokio::test]
    async fn bodies_are_read_whole_in_one_frame_or_many() {
        let one = read_body(Body::from("<xml/>"), 64).await.unwrap();
        assert_eq!(one, "<xml/>");
        let many = read_body(chunked(&["<x", "ml", "/>"]), 64).await.unwrap();
        assert_eq!(many, "<xml/>");
        assert_eq!(read_body(Body::empty(), 64).await.unwrap(), "");
        assert!(matches!(
            read_body(chunked(&["12345", "67890"]), 8).await,
            Err(Rejection::TooLarge { limit: 8, .. })
        ));
        assert!(matches!(
            read_body(Body::from("123456789"), 8).await,
            Err(Rejection::TooLarge { limit: 8, .. })
        ));
    }
}
