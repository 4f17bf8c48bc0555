//! [`Client`] and its registry of accounts, and the one layer every call goes through. The
//! accounts live in `account.rs`, the tokens in `tokens.rs`, the builder in `builder.rs`.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wxoa_types::errcode::ErrCode;
use wxoa_types::ids::AppId;
use wxoa_types::secret::Secret;

mod account;
mod builder;
mod tokens;

pub use account::Account;
pub(crate) use account::{AccountState, Role};
pub use builder::ClientBuilder;

use crate::download::{Download, Fetched, JsonAnswer};
use crate::error::{Content, Error, Result};
use crate::metrics::ClientMetrics;
use crate::request::ApiRequest;
use crate::token::{Need, Token, TokenKind, TokenManager, TokenSource, now_ms};
use crate::transport::{Expect, Reply, Target, Transport, content_type, decode, is_textual};

/// The platform's API hosts: the general one, then its disaster-recovery twin.
pub const DEFAULT_API_BASES: [&str; 2] =
    ["https://api.weixin.qq.com", "https://api2.weixin.qq.com"];

/// The host of `showqrcode` and other mp.weixin.qq.com pages.
pub const DEFAULT_MP_BASE: &str = "https://mp.weixin.qq.com";

/// The host of the OAuth authorize page.
pub const DEFAULT_OPEN_BASE: &str = "https://open.weixin.qq.com";

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

    /// How the account's access token is obtained.
    pub(crate) fn role(&self) -> &Role {
        &self.account.role
    }

    /// How long the store's fetch lock lives should its holder die.
    pub(crate) fn store_lock_ttl(&self) -> std::time::Duration {
        self.shared.tokens.lock_ttl()
    }

    /// The token store every handle of the client shares.
    pub(crate) fn store(&self) -> &Arc<dyn crate::token::TokenStore> {
        self.shared.tokens.store()
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

    /// The metrics of every call this client (and every handle of it) makes: calls, the
    /// platform's errcodes and latency by endpoint path, and token fetches. Register them into
    /// the application's registry to serve them (see [`crate::metrics`]).
    ///
    /// ```
    /// # let client = wxoa_client::Client::builder()
    /// #     .account(wxoa_client::Account::new("wx0123456789abcdef", "app-secret"))
    /// #     .build()?;
    /// let mut registry = wxoa_client::metrics::Registry::default();
    /// client.metrics().register(&mut registry);
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    #[must_use]
    pub fn metrics(&self) -> &ClientMetrics {
        self.shared.transport.metrics()
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
                expected: Content::File,
                content_type: "application/json".to_owned(),
                body: crate::transport::shown_body(json.as_bytes(), 4096),
            }),
        }
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
    pub(crate) async fn call(&self, req: &ApiRequest) -> Result<Bytes> {
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
                expected: Content::Json,
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
}
