//! [`Client`], its builder and its registry of accounts.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wxoa_types::errcode::ErrCode;
use wxoa_types::ids::AppId;
use wxoa_types::secret::Secret;

use crate::download::{Download, Fetched, JsonAnswer};
use crate::error::{Error, Result};
use crate::request::ApiRequest;
use crate::token::{
    FetchMode, Lookup, MemoryStore, Need, QuotaPolicy, QuotaStatus, RefreshPolicy, Slot,
    SourceKind, Token, TokenKey, TokenKind, TokenManager, TokenResponse, TokenSource, TokenStore,
    now_ms,
};
use crate::transport::{
    Expect, Reply, RetryPolicy, Target, Transport, content_type, decode, is_textual, parse_base,
};

/// The platform's API hosts: the general one, then its disaster-recovery twin.
pub const DEFAULT_API_BASES: [&str; 2] =
    ["https://api.weixin.qq.com", "https://api2.weixin.qq.com"];

/// The host of `showqrcode` and other mp.weixin.qq.com pages.
pub const DEFAULT_MP_BASE: &str = "https://mp.weixin.qq.com";

/// The host of the OAuth authorize page.
pub const DEFAULT_OPEN_BASE: &str = "https://open.weixin.qq.com";

/// An account's credentials: its AppID and, unless tokens come from a token server, its
/// AppSecret.
#[derive(Debug, Clone)]
pub struct Account {
    app_id: AppId,
    secret: Option<Secret>,
}

impl Account {
    /// An account with its AppSecret.
    pub fn new(app_id: impl Into<AppId>, secret: impl Into<Secret>) -> Self {
        Self {
            app_id: app_id.into(),
            secret: Some(secret.into()),
        }
    }

    /// An account whose tokens come from a token server: no AppSecret needed.
    pub fn without_secret(app_id: impl Into<AppId>) -> Self {
        Self {
            app_id: app_id.into(),
            secret: None,
        }
    }

    /// The AppID.
    #[must_use]
    pub fn app_id(&self) -> &AppId {
        &self.app_id
    }
}

/// One account of the registry, with the process's tokens for it.
pub(crate) struct AccountState {
    app_id: AppId,
    secret: RwLock<Option<Secret>>,
    removed: AtomicBool,
    access_token: Slot,
    jsapi_ticket: Slot,
    wx_card_ticket: Slot,
}

impl AccountState {
    fn new(account: Account) -> Self {
        let slot = |kind| Slot::new(TokenKey::new(account.app_id.clone(), kind));
        Self {
            access_token: slot(TokenKind::AccessToken),
            jsapi_ticket: slot(TokenKind::JsapiTicket),
            wx_card_ticket: slot(TokenKind::WxCardTicket),
            app_id: account.app_id,
            secret: RwLock::new(account.secret),
            removed: AtomicBool::new(false),
        }
    }

    fn slot(&self, kind: TokenKind) -> &Slot {
        match kind {
            TokenKind::AccessToken => &self.access_token,
            TokenKind::JsapiTicket => &self.jsapi_ticket,
            TokenKind::WxCardTicket => &self.wx_card_ticket,
        }
    }

    fn slots(&self) -> [&Slot; 3] {
        [&self.access_token, &self.jsapi_ticket, &self.wx_card_ticket]
    }

    fn secret(&self) -> Option<Secret> {
        self.secret
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// What every handle of a client shares.
struct Shared {
    transport: Transport,
    tokens: TokenManager,
    source: TokenSource,
    accounts: RwLock<HashMap<AppId, Arc<AccountState>>>,
    total_timeout: Duration,
    transfer_timeout: Duration,
    mp_base: String,
    open_base: String,
}

/// The API client: a cheap `Clone` handle acting for one account of its registry.
///
/// Every call goes through one layer that adds the access token, retries where that is safe,
/// moves to the failover host when the primary fails, decodes the platform's `errcode` into
/// [`Error::Api`], and refreshes and retries once when the platform rejects the token. See the
/// crate documentation for the whole picture.
///
/// ```no_run
/// use wxoa_client::{Account, Client};
///
/// # async fn run() -> Result<(), wxoa_client::Error> {
/// let client = Client::builder()
///     .account(Account::new("wx0123456789abcdef", "app-secret"))
///     .build()?;
/// let ips = client.get_json("/cgi-bin/getcallbackip", &[]).await?;
/// println!("{ips}");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    account: Arc<AccountState>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("app_id", &self.account.app_id)
            .field("bases", &self.shared.transport.bases())
            .field("source", &self.shared.source)
            .field("store", &self.shared.tokens.store())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults: the platform's hosts (or `WXOA_API_BASE`), `stable_token`,
    /// a [`MemoryStore`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The AppID this handle acts for.
    #[must_use]
    pub fn app_id(&self) -> &AppId {
        &self.account.app_id
    }

    /// The AppSecret of the account, for the endpoints that take it instead of an access token
    /// (web OAuth); `None` when tokens come from a token server.
    pub(crate) fn app_secret(&self) -> Option<Secret> {
        self.account.secret()
    }

    /// A handle acting for another registered account (sharing everything else).
    pub fn for_account(&self, app_id: &str) -> Result<Client> {
        let accounts = self
            .shared
            .accounts
            .read()
            .unwrap_or_else(|e| e.into_inner());
        let account = accounts.get(app_id).ok_or_else(|| Error::UnknownAccount {
            app_id: AppId::from(app_id),
        })?;
        Ok(Client {
            shared: Arc::clone(&self.shared),
            account: Arc::clone(account),
        })
    }

    /// Adds an account to the registry, or replaces the AppSecret of a registered one (its
    /// tokens are kept); answers a handle acting for it.
    pub fn add_account(&self, account: Account) -> Client {
        let mut accounts = self
            .shared
            .accounts
            .write()
            .unwrap_or_else(|e| e.into_inner());
        let state = match accounts.get(&account.app_id) {
            Some(state) => {
                *state.secret.write().unwrap_or_else(|e| e.into_inner()) = account.secret;
                Arc::clone(state)
            }
            None => {
                let state = Arc::new(AccountState::new(account));
                accounts.insert(state.app_id.clone(), Arc::clone(&state));
                state
            }
        };
        Client {
            shared: Arc::clone(&self.shared),
            account: state,
        }
    }

    /// Removes an account: its tokens are dropped from the process's memory, and handles acting
    /// for it fail with [`Error::UnknownAccount`]. Answers whether it was registered.
    pub fn remove_account(&self, app_id: &str) -> bool {
        let removed = self
            .shared
            .accounts
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(app_id);
        let Some(state) = removed else {
            return false;
        };
        state.removed.store(true, Ordering::Release);
        for slot in state.slots() {
            self.shared.tokens.forget(slot);
        }
        true
    }

    /// The AppIDs of the registry, sorted.
    #[must_use]
    pub fn app_ids(&self) -> Vec<AppId> {
        let accounts = self
            .shared
            .accounts
            .read()
            .unwrap_or_else(|e| e.into_inner());
        let mut ids: Vec<AppId> = accounts.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// The API bases, primary first.
    #[must_use]
    pub fn api_bases(&self) -> &[String] {
        self.shared.transport.bases()
    }

    /// The host of `showqrcode` and other mp.weixin.qq.com pages (see
    /// [`ClientBuilder::mp_base`]).
    #[must_use]
    pub fn mp_base(&self) -> &str {
        &self.shared.mp_base
    }

    /// The host of the OAuth authorize page (see [`ClientBuilder::open_base`]).
    #[must_use]
    pub fn open_base(&self) -> &str {
        &self.shared.open_base
    }

    /// A read: `GET path?query` with the access token; the JSON answer.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let page = client.get_json("/cgi-bin/user/get", &[("next_openid", "")]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_json(&self, path: &str, query: &[(&str, &str)]) -> Result<serde_json::Value> {
        let mut req = ApiRequest::get(path);
        for (k, v) in query {
            req = req.query(*k, *v);
        }
        self.execute(req).await
    }

    /// A send: `POST path` with a JSON body and the access token; the JSON answer. It is never
    /// sent again once it may have reached the platform.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let body = serde_json::json!({"touser": "oUser", "msgtype": "text", "text": {"content": "hi"}});
    /// client.post_json("/cgi-bin/message/custom/send", &body).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn post_json<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<serde_json::Value> {
        self.execute(ApiRequest::post(path).json(body)?).await
    }

    /// A `POST` that is safe to repeat (it only reads, or the platform deduplicates it):
    /// retried like a read.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let users = client
    ///     .post_json_idempotent("/cgi-bin/user/info/batchget", &serde_json::json!({"user_list": [{"openid": "o1"}]}))
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn post_json_idempotent<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<serde_json::Value> {
        self.execute(ApiRequest::post(path).json(body)?.idempotent(true))
            .await
    }

    /// Sends `req` and decodes the answer into `T`; the layer every typed endpoint goes
    /// through.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// #[derive(serde::Deserialize)]
    /// struct CallbackIps { ip_list: Vec<String> }
    /// let ips: CallbackIps = client.execute(wxoa_client::ApiRequest::get("/cgi-bin/getcallbackip")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute<T: DeserializeOwned>(&self, req: ApiRequest) -> Result<T> {
        let body = self.call(&req).await?;
        decode(req.path(), &body)
    }

    /// Sends `req` to an endpoint that serves files: a JSON error becomes [`Error::Api`], other
    /// JSON is [`Fetched::Json`], anything else a [`Download`] whose body is still to be read.
    /// The total timeout covers the call up to the answer's headers; reading the body is
    /// bounded by the request timeout.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::{ApiRequest, Fetched};
    ///
    /// let request = ApiRequest::get("/cgi-bin/media/get").query("media_id", "MEDIA_ID");
    /// match client.fetch_file(request).await? {
    ///     Fetched::File(file) => { file.save_in("downloads", "MEDIA_ID").await?; }
    ///     Fetched::Json(json) => println!("{}", String::from_utf8_lossy(json.as_bytes())),
    ///     _ => {}
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn fetch_file(&self, req: ApiRequest) -> Result<Fetched> {
        req.validate()?;
        let total = self.shared.total_timeout.max(self.shared.transfer_timeout);
        let reply =
            match tokio::time::timeout(total, self.call_with_token(&req, Expect::File)).await {
                Ok(reply) => reply?,
                Err(_) => {
                    return Err(Error::Timeout {
                        path: req.path.clone(),
                        after: total,
                    });
                }
            };
        Ok(match reply {
            Reply::Stream(response) => Fetched::File(Download::live(req.path, response)),
            Reply::Body { headers, body } => {
                let is_json = is_textual(&headers)
                    && serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok();
                if is_json {
                    Fetched::Json(JsonAnswer::new(req.path, body))
                } else {
                    Fetched::File(Download::read(req.path, headers, body))
                }
            }
        })
    }

    /// [`Client::fetch_file`] for an endpoint that serves only files: JSON that is not an error
    /// is [`Error::UnexpectedContent`].
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let request = wxoa_client::ApiRequest::get("/cgi-bin/showqrcode")
    ///     .query("ticket", "TICKET")
    ///     .without_token()
    ///     .on_mp_host();
    /// let image = client.download(request).await?.bytes().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn download(&self, req: ApiRequest) -> Result<Download> {
        let path = req.path.clone();
        match self.fetch_file(req).await? {
            Fetched::File(file) => Ok(file),
            Fetched::Json(json) => Err(Error::UnexpectedContent {
                path,
                expected: "a file",
                content_type: "application/json".to_owned(),
                body: crate::transport::shown_body(json.as_bytes(), 4096),
            }),
        }
    }

    /// The account's access token: from memory, the store, or fetched.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let token = client.access_token().await?;
    /// println!("expires at {:?}", token.expires_at());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn access_token(&self) -> Result<Token> {
        self.token(TokenKind::AccessToken).await
    }

    /// The account's JS-SDK `jsapi_ticket`, kept and shared like the access token.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let ticket = client.jsapi_ticket().await?;
    /// let sig = wxoa_crypto::jssdk_signature(ticket.expose(), "noncestr", "1414587457", "https://example.com/page");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn jsapi_ticket(&self) -> Result<Token> {
        self.token(TokenKind::JsapiTicket).await
    }

    /// The account's card `api_ticket` (`type=wx_card`).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let ticket = client.wx_card_ticket().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn wx_card_ticket(&self) -> Result<Token> {
        self.token(TokenKind::WxCardTicket).await
    }

    /// Reports that `rejected` was refused by the platform where the client could not see it
    /// (a JS-SDK page, a call made with another HTTP client, a token server's caller), and
    /// answers the current token — the one calls the client makes already do on 40001, 40014
    /// and 42001.
    ///
    /// A report replaces a token once, however many callers report it, in this process and in
    /// every process sharing the store: the current token is fetched once; only if the
    /// platform answers the reported value again (`stable_token` does while the token is
    /// valid) is one forced refresh made; and a token the platform still answers after that is
    /// kept as reaffirmed ([`Token::is_reaffirmed`]), so that further reports of it fetch
    /// nothing for [`RefreshPolicy::retry_interval`]. A report of a token that is no longer
    /// the current one fetches nothing. The token in place is never dropped first: when the
    /// quota guard refuses the fetch ([`Error::TokenQuota`]), every other call keeps it.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let ticket = client.jsapi_ticket().await?;
    /// // … the page reported an invalid signature with a fresh ticket …
    /// let current = client.invalidate(wxoa_client::token::TokenKind::JsapiTicket, &ticket).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn invalidate(&self, kind: TokenKind, rejected: &Token) -> Result<Token> {
        self.check_registered()?;
        self.obtain(kind, Need::Replacing(rejected.clone())).await
    }

    /// How many tokens of `kind` this process fetched for the account from its source, forced
    /// refreshes included (tokens adopted from a shared store are not counted): what a token
    /// server reports as `wxoa_token_fetches_total`.
    #[must_use]
    pub fn token_fetches(&self, kind: TokenKind) -> u64 {
        self.account.slot(kind).fetched_total()
    }

    /// How many of [`Client::token_fetches`] were forced `stable_token` refreshes (the
    /// platform allows 20 a day).
    #[must_use]
    pub fn token_forced_refreshes(&self, kind: TokenKind) -> u64 {
        self.account.slot(kind).forced_total()
    }

    /// The token quota guard's state for the account's tokens of `kind`: how many fetches it
    /// refused, and until when it refuses, when it does.
    ///
    /// ```no_run
    /// # fn run(client: wxoa_client::Client) {
    /// let status = client.token_quota_status(wxoa_client::token::TokenKind::AccessToken);
    /// if let Some(until) = status.refusing_until {
    ///     eprintln!("no token fetch before {until:?}");
    /// }
    /// # }
    /// ```
    #[must_use]
    pub fn token_quota_status(&self, kind: TokenKind) -> QuotaStatus {
        self.shared.tokens.quota_status(self.account.slot(kind))
    }

    /// A token of `kind` that `need` accepts, obtained in a task of its own: a caller that
    /// gives up (a timeout, a dropped future, a token server's caller that disconnects) does
    /// not cancel a fetch that other callers, here and in other processes, wait for — the fetch
    /// completes within the fetch lock's hold limit, stores its token and releases the lock.
    async fn obtain(&self, kind: TokenKind, need: Need) -> Result<Token> {
        let client = self.clone();
        let work = async move {
            let fetcher = KindFetcher {
                client: &client,
                kind,
            };
            client
                .shared
                .tokens
                .obtain(client.account.slot(kind), &need, &fetcher)
                .await
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return work.await;
        };
        match runtime.spawn(work).await {
            Ok(result) => result,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(_) => Err(Error::TokenFetchAbandoned {
                app_id: self.account.app_id.clone(),
                kind,
                reason: "the runtime running it shut down".to_owned(),
            }),
        }
    }

    /// A token of `kind`, from memory when it is there (starting a background refresh when it
    /// is due), else from the store or fetched.
    async fn token(&self, kind: TokenKind) -> Result<Token> {
        self.check_registered()?;
        let slot = self.account.slot(kind);
        let tokens = &self.shared.tokens;
        let now = now_ms();
        match tokens.lookup(slot, now) {
            Lookup::Fresh(token) => Ok(token),
            Lookup::RefreshDue(token) => {
                self.refresh_in_background(kind, &token, now);
                Ok(token)
            }
            Lookup::Missing => self.obtain(kind, Need::Any).await,
        }
    }

    fn refresh_in_background(&self, kind: TokenKind, current: &Token, now: u64) {
        // Without a Tokio runtime there is no background: the token is refreshed when it expires.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let slot = self.account.slot(kind);
        if !self.shared.tokens.begin_background(slot, now) {
            return;
        }
        let client = self.clone();
        let current = current.clone();
        runtime.spawn(async move {
            let slot = client.account.slot(kind);
            let tokens = &client.shared.tokens;
            // Ends the refresh however the task ends, cancelled with its runtime included.
            let _background = tokens.background(slot);
            let fetcher = KindFetcher {
                client: &client,
                kind,
            };
            if let Err(e) = tokens.obtain(slot, &Need::after(&current), &fetcher).await {
                tracing::warn!(key = %slot.key(), error = %e, "background token refresh failed; callers keep the current token");
            }
        });
    }

    fn check_registered(&self) -> Result<()> {
        if self.account.removed.load(Ordering::Acquire) {
            return Err(Error::UnknownAccount {
                app_id: self.account.app_id.clone(),
            });
        }
        Ok(())
    }

    /// Sends `req` within the total timeout; the body of a successful answer.
    async fn call(&self, req: &ApiRequest) -> Result<Bytes> {
        req.validate()?;
        let total = if req.carries_file() {
            self.shared.total_timeout.max(self.shared.transfer_timeout)
        } else {
            self.shared.total_timeout
        };
        match tokio::time::timeout(total, self.call_with_token(req, Expect::Json)).await {
            Ok(Ok(Reply::Body { body, .. })) => Ok(body),
            // A JSON exchange reads every body whole.
            Ok(Ok(Reply::Stream(response))) => Err(Error::UnexpectedContent {
                path: req.path.clone(),
                expected: "JSON",
                content_type: content_type(response.headers()).to_owned(),
                body: String::new(),
            }),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(Error::Timeout {
                path: req.path.clone(),
                after: total,
            }),
        }
    }

    /// Adds the token; on a token error, compare-and-invalidates it and retries exactly once.
    async fn call_with_token(&self, req: &ApiRequest, expect: Expect) -> Result<Reply> {
        let transport = &self.shared.transport;
        let target = if req.on_mp_host {
            Target::Host(&self.shared.mp_base)
        } else {
            Target::Platform
        };
        if !req.with_token {
            return transport.exchange(target, req, None, expect).await;
        }
        let token = self.token(TokenKind::AccessToken).await?;
        let error = match transport
            .exchange(target, req, Some(token.expose()), expect)
            .await
        {
            // An upload whose stream was read cannot be sent again.
            Err(error) if error.is_token_error() && req.can_send() => error,
            other => return other,
        };
        // The platform rejected the call before doing anything: replacing the token and trying
        // once more is safe even for a send. Never more than once, and the token is replaced
        // once however many calls report it: an endpoint that keeps answering a token error
        // costs at most one fetch and one forced refresh per token, not a loop.
        let fresh = self
            .obtain(TokenKind::AccessToken, Need::Replacing(token.clone()))
            .await?;
        tracing::debug!(path = req.path(), "retrying once with a new access token");
        let result = transport
            .exchange(target, req, Some(fresh.expose()), expect)
            .await;
        match &result {
            // A new token worked where the old one failed: the old one really was dead.
            Ok(_) if !fresh.same_value(&token) => self.warn_if_replaced_early(&token, error.code()),
            Err(again) if again.is_token_error() => tracing::warn!(
                app_id = %self.account.app_id,
                path = req.path(),
                errcode = again.code().map(ErrCode::code),
                "the platform rejected a freshly obtained access token too; check that the \
                 AppSecret (or the token server) belongs to this AppID"
            ),
            _ => {}
        }
        result
    }

    /// A token that dies long before its expiry was replaced by somebody else: with
    /// `cgi-bin/token`, every fetch by another party kills the previous token five minutes later.
    fn warn_if_replaced_early(&self, token: &Token, code: Option<ErrCode>) {
        let left_ms = token.expires_at_ms().saturating_sub(now_ms());
        let threshold_ms = (token.lifetime_ms() / 2).min(600_000);
        if left_ms > threshold_ms {
            tracing::warn!(
                app_id = %self.account.app_id,
                errcode = code.map(ErrCode::code),
                left_s = left_ms / 1000,
                "another party refreshed the token for AppID {}: it was rejected {} s before its \
                 expiry. Another process or environment (dev and prod sharing one AppID?) is \
                 fetching new tokens (cgi-bin/token, or stable_token with force_refresh); make \
                 them share one store or a token server",
                self.account.app_id,
                left_ms / 1000,
            );
        }
    }

    /// Fetches a token of `kind` from the configured source. A forced refresh is asked only of
    /// `stable_token`; the other sources fetch the current token.
    async fn fetch(&self, kind: TokenKind, mode: FetchMode<'_>) -> Result<Token> {
        self.check_registered()?;
        let transport = &self.shared.transport;
        let app_id = &self.account.app_id;
        match (self.shared.source.kind(), kind.ticket_type()) {
            (SourceKind::Remote(server), _) => {
                let rejected = match mode {
                    FetchMode::Replacing(rejected) => Some(rejected),
                    FetchMode::Current | FetchMode::Forced => None,
                };
                server.fetch(transport, app_id, kind, rejected).await
            }
            (_, None) => {
                let secret = self.account.secret().ok_or_else(|| {
                    Error::Config(format!(
                        "no AppSecret for AppID {app_id}: give one, or take tokens from a token server"
                    ))
                })?;
                let force = matches!(mode, FetchMode::Forced);
                self.shared
                    .source
                    .platform_access_token(transport, app_id, &secret, force)
                    .await
            }
            (_, Some(ticket_type)) => {
                let req = ApiRequest::get("/cgi-bin/ticket/getticket").query("type", ticket_type);
                let body = self.call(&req).await?;
                TokenResponse::decode(req.path(), kind, &body)
            }
        }
        .inspect(|_| {
            tracing::debug!(app_id = %app_id, kind = %kind, source = self.shared.source.name(), "token fetched");
        })
    }
}

/// Fetches one kind of token for the client's account.
struct KindFetcher<'a> {
    client: &'a Client,
    kind: TokenKind,
}

impl crate::token::Fetch for KindFetcher<'_> {
    fn fetch<'a>(&'a self, mode: FetchMode<'a>) -> BoxFuture<'a, Result<Token>> {
        Box::pin(self.client.fetch(self.kind, mode))
    }

    /// Only access tokens from `stable_token`: tickets and the other sources have no forced
    /// refresh (a token server makes its own).
    fn can_force(&self) -> bool {
        self.kind == TokenKind::AccessToken && self.client.shared.source.can_force()
    }
}

/// Builds a [`Client`].
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use wxoa_client::{Account, Client, RetryPolicy};
/// use wxoa_client::token::{FileStore, TokenSource};
///
/// let client = Client::builder()
///     .account(Account::new("wx0123456789abcdef", "app-secret"))
///     .api_bases(["https://api.weixin.qq.com", "https://api2.weixin.qq.com"])
///     .token_source(TokenSource::stable())
///     .store(Arc::new(FileStore::new("/var/lib/myapp/tokens.json")))
///     .request_timeout(Duration::from_secs(10))
///     .retry(RetryPolicy { max_attempts: 3, ..RetryPolicy::default() })
///     .build()?;
/// # Ok::<(), wxoa_client::Error>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    accounts: Vec<Account>,
    bases: Option<Vec<String>>,
    source: TokenSource,
    store: Option<Arc<dyn TokenStore>>,
    http: Option<reqwest::Client>,
    connect_timeout: Duration,
    request_timeout: Duration,
    total_timeout: Duration,
    transfer_timeout: Duration,
    retry: RetryPolicy,
    failback_after: Duration,
    refresh: RefreshPolicy,
    quota: QuotaPolicy,
    lock: crate::token::LockPolicy,
    mp_base: Option<String>,
    open_base: Option<String>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            accounts: Vec::new(),
            bases: None,
            source: TokenSource::default(),
            store: None,
            http: None,
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(15),
            total_timeout: Duration::from_secs(45),
            transfer_timeout: Duration::from_secs(300),
            retry: RetryPolicy::default(),
            failback_after: Duration::from_secs(60),
            refresh: RefreshPolicy::default(),
            quota: QuotaPolicy::default(),
            lock: crate::token::LockPolicy::default(),
            mp_base: None,
            open_base: None,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("accounts", &self.accounts)
            .field("bases", &self.bases)
            .field("source", &self.source)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Registers an account; the first one is the account of the built handle.
    pub fn account(mut self, account: Account) -> Self {
        self.accounts.push(account);
        self
    }

    /// Replaces the API bases: the primary first, then the failover hosts in order. Without
    /// this, `WXOA_API_BASE` (comma-separated) is used when set, else [`DEFAULT_API_BASES`].
    pub fn api_bases<I, S>(mut self, bases: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.bases = Some(bases.into_iter().map(Into::into).collect());
        self
    }

    /// The host of `showqrcode` and other mp.weixin.qq.com pages. Default:
    /// [`DEFAULT_MP_BASE`], or the first API base when that is not one of the platform's own
    /// hosts (so pointing the API base at a sandbox is enough).
    pub fn mp_base(mut self, base: impl Into<String>) -> Self {
        self.mp_base = Some(base.into());
        self
    }

    /// The host of the OAuth authorize page. Default: [`DEFAULT_OPEN_BASE`], with the rule of
    /// [`ClientBuilder::mp_base`].
    pub fn open_base(mut self, base: impl Into<String>) -> Self {
        self.open_base = Some(base.into());
        self
    }

    /// Where tokens come from (default: `stable_token`).
    pub fn token_source(mut self, source: TokenSource) -> Self {
        self.source = source;
        self
    }

    /// Where tokens are kept (default: a [`MemoryStore`] of this client).
    pub fn store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Uses this reqwest client (and its connection pool) instead of building one; the connect
    /// timeout is then the given client's.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// How long making a connection may take (default 3 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, body included (default 15 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long a whole call may take: token, retries and failover included (default 45 s).
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = timeout;
        self
    }

    /// How long a call that carries a file may take — an upload, or a download with its body
    /// (default 5 minutes; never less than the request timeout). It replaces the request and
    /// total timeouts for those calls only: 10 MB take longer than a JSON answer.
    pub fn transfer_timeout(mut self, timeout: Duration) -> Self {
        self.transfer_timeout = timeout;
        self
    }

    /// How reads and token fetches are retried.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How long calls stay on a failover host before trying the primary again (default 60 s).
    pub fn failback_after(mut self, interval: Duration) -> Self {
        self.failback_after = interval;
        self
    }

    /// When tokens are refreshed ahead of their expiry.
    pub fn refresh_ahead(mut self, policy: RefreshPolicy) -> Self {
        self.refresh = policy;
        self
    }

    /// The token quota guard.
    pub fn token_quota(mut self, policy: QuotaPolicy) -> Self {
        self.quota = policy;
        self
    }

    /// How long the store's fetch lock lives should its holder die (default 30 s, at least
    /// 1 s). The holder gives up a fetch that takes longer than nine tenths of it (with
    /// [`Error::TokenFetchAbandoned`]) and releases the lock, so that the lock never expires
    /// under a running fetch; callers of other processes wait for the lock as long as it can
    /// live, and fetch without it only past that (a holder stopped without dying, keeping a
    /// file lock).
    pub fn store_lock(mut self, ttl: Duration) -> Self {
        self.lock.ttl = ttl;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let Some(first) = self.accounts.first() else {
            return Err(Error::Config(
                "a client needs at least one account".to_owned(),
            ));
        };
        let default_app = first.app_id.clone();
        if self.lock.ttl < Duration::from_secs(1) {
            return Err(Error::Config(format!(
                "the store's fetch lock must live at least 1 s, not {:?}",
                self.lock.ttl
            )));
        }
        for account in &self.accounts {
            if account.app_id.as_str().is_empty() {
                return Err(Error::Config("an AppID is empty".to_owned()));
            }
            if self.source.needs_secret() && account.secret.as_ref().is_none_or(Secret::is_empty) {
                return Err(Error::Config(format!(
                    "no AppSecret for AppID {}: give one, or take tokens from a token server",
                    account.app_id
                )));
            }
        }
        let bases = match self.bases {
            Some(bases) => bases,
            None => bases_from_env(),
        };
        let bases = bases
            .iter()
            .map(|b| parse_base(b).map_err(Error::Config))
            .collect::<Result<Vec<_>>>()?;
        let Some(primary) = bases.first() else {
            return Err(Error::Config("no API base".to_owned()));
        };
        let page_base = |given: Option<String>, default: &str| match given {
            Some(base) => parse_base(&base).map_err(Error::Config),
            None if is_platform_host(primary) => Ok(default.to_owned()),
            None => Ok(primary.clone()),
        };
        let mp_base = page_base(self.mp_base, DEFAULT_MP_BASE)?;
        let open_base = page_base(self.open_base, DEFAULT_OPEN_BASE)?;
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .pool_idle_timeout(Duration::from_secs(60))
                .user_agent(concat!("wxoa/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(MemoryStore::new()) as Arc<dyn TokenStore>);
        let mut accounts = HashMap::new();
        for account in self.accounts {
            accounts.insert(account.app_id.clone(), Arc::new(AccountState::new(account)));
        }
        let Some(account) = accounts.get(&default_app).cloned() else {
            return Err(Error::Config("the first account vanished".to_owned()));
        };
        Ok(Client {
            shared: Arc::new(Shared {
                transport: Transport::new(
                    http,
                    bases,
                    self.retry,
                    self.request_timeout,
                    self.failback_after,
                )
                .with_transfer_timeout(self.transfer_timeout),
                tokens: TokenManager::new(store, self.refresh, self.quota, self.lock),
                source: self.source,
                accounts: RwLock::new(accounts),
                total_timeout: self.total_timeout,
                transfer_timeout: self.transfer_timeout,
                mp_base,
                open_base,
            }),
            account,
        })
    }
}

/// Whether a (normalised) base URL is one of the platform's own hosts (`*.weixin.qq.com`).
fn is_platform_host(base: &str) -> bool {
    url::Url::parse(base)
        .ok()
        .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|host| host == "weixin.qq.com" || host.ends_with(".weixin.qq.com"))
}

fn bases_from_env() -> Vec<String> {
    let from_env: Vec<String> = std::env::var("WXOA_API_BASE")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(str::to_owned)
        .collect();
    if from_env.is_empty() {
        DEFAULT_API_BASES.iter().map(|b| (*b).to_owned()).collect()
    } else {
        from_env
    }
}
