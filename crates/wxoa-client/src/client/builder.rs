//! [`ClientBuilder`]: the client's configuration, checked when it is built.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::{AccountState, Client, DEFAULT_API_BASES, DEFAULT_MP_BASE, DEFAULT_OPEN_BASE, Shared};
use crate::Account;
use crate::error::{ConfigError, Error, Result};
use crate::token::{
    MemoryStore, QuotaPolicy, RefreshPolicy, TokenManager, TokenSource, TokenStore,
};
use crate::transport::{RetryPolicy, Transport, parse_base};
use wxoa_types::secret::Secret;

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
        let mut given = self.accounts.into_iter();
        let Some(first) = given.next() else {
            return Err(Error::Config(ConfigError::NoAccount));
        };
        if self.lock.ttl < Duration::from_secs(1) {
            return Err(Error::Config(ConfigError::LockTtl { ttl: self.lock.ttl }));
        }
        for account in std::iter::once(&first).chain(given.as_slice()) {
            if account.app_id.as_str().is_empty() {
                return Err(Error::Config(ConfigError::EmptyAppId));
            }
            if self.source.needs_secret() && account.secret.as_ref().is_none_or(Secret::is_empty) {
                return Err(Error::Config(ConfigError::NoAppSecret {
                    app_id: account.app_id.clone(),
                }));
            }
        }
        let bases = match self.bases {
            Some(bases) => bases,
            None => bases_from_env(),
        };
        let bases = bases
            .iter()
            .map(|b| parse_base(b, false))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let Some(primary) = bases.first() else {
            return Err(Error::Config(ConfigError::NoApiBase));
        };
        let page_base = |given: Option<String>, default: &str| match given {
            Some(base) => parse_base(&base, false),
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
                .map_err(|source| ConfigError::HttpClient { source })?,
        };
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(MemoryStore::new()) as Arc<dyn TokenStore>);
        let default_app = first.app_id.clone();
        let first = Arc::new(AccountState::new(first));
        let mut accounts = HashMap::from([(default_app.clone(), Arc::clone(&first))]);
        for account in given {
            accounts.insert(account.app_id.clone(), Arc::new(AccountState::new(account)));
        }
        // The registry keeps the last account given for an AppID: that one is the default.
        let account = Arc::clone(accounts.entry(default_app).or_insert(first));
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
