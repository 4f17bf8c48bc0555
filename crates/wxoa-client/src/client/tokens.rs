//! The client's tokens: the access token and tickets of its account, obtained through the
//! token manager (single flight, refresh ahead, the quota guard) from the configured source.

use futures::future::BoxFuture;

use super::Client;
use super::account::Role;
use crate::ApiRequest;
use crate::component::{self, ComponentError};
use crate::error::{Abandoned, ConfigError, Error, Result};
use crate::token::{
    FetchMode, Lookup, Need, QuotaStatus, Slot, SourceKind, Token, TokenKind, TokenResponse, now_ms,
};

impl Client {
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

    /// The account's access token, refreshed unless the one in memory or in the store
    /// expires after `expires_ms` — through the single flight of every fetch (one fetch
    /// however many callers, here and in every process sharing the store): what a
    /// component's keeper asks for each authorizer that is due.
    pub(crate) async fn access_token_after(&self, expires_ms: u64) -> Result<Token> {
        self.check_registered()?;
        self.obtain(TokenKind::AccessToken, Need::After(expires_ms))
            .await
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
        self.account.slot(kind).map_or(0, Slot::fetched_total)
    }

    /// How many of [`Client::token_fetches`] were forced `stable_token` refreshes (the
    /// platform allows 20 a day).
    #[must_use]
    pub fn token_forced_refreshes(&self, kind: TokenKind) -> u64 {
        self.account.slot(kind).map_or(0, Slot::forced_total)
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
        match self.account.slot(kind) {
            Some(slot) => self.shared.tokens.quota_status(slot),
            None => QuotaStatus::default(),
        }
    }

    /// A token of `kind` that `need` accepts, obtained in a task of its own: a caller that
    /// gives up (a timeout, a dropped future, a token server's caller that disconnects) does
    /// not cancel a fetch that other callers, here and in other processes, wait for — the fetch
    /// completes within the fetch lock's hold limit, stores its token and releases the lock.
    pub(super) async fn obtain(&self, kind: TokenKind, need: Need) -> Result<Token> {
        self.slot(kind)?;
        let client = self.clone();
        let work = async move {
            let fetcher = KindFetcher {
                client: &client,
                kind,
            };
            let slot = client.slot(kind)?;
            client.shared.tokens.obtain(slot, &need, &fetcher).await
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
                reason: Abandoned::RuntimeShutDown,
            }),
        }
    }

    /// A token of `kind`, from memory when it is there (starting a background refresh when it
    /// is due), else from the store or fetched.
    pub(super) async fn token(&self, kind: TokenKind) -> Result<Token> {
        self.check_registered()?;
        let slot = self.slot(kind)?;
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

    pub(super) fn refresh_in_background(&self, kind: TokenKind, current: &Token, now: u64) {
        // Without a Tokio runtime there is no background: the token is refreshed when it expires.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Ok(slot) = self.slot(kind) else { return };
        if !self.shared.tokens.begin_background(slot, now) {
            return;
        }
        let client = self.clone();
        let current = current.clone();
        runtime.spawn(async move {
            let Ok(slot) = client.slot(kind) else { return };
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

    /// Fetches a token of `kind` from the configured source, counted in the client's metrics
    /// however it ends.
    pub(super) async fn fetch(&self, kind: TokenKind, mode: FetchMode<'_>) -> Result<Token> {
        self.check_registered()?;
        let app_id = &self.account.app_id;
        let fetched = self.fetch_from_source(kind, mode).await;
        self.shared
            .transport
            .metrics()
            .token_fetch(app_id, kind, &fetched);
        fetched.inspect(|_| {
            tracing::debug!(app_id = %app_id, kind = %kind, source = self.shared.source.name(), "token fetched");
        })
    }

    /// The token of `kind` this process holds in memory while it is usable: nothing is
    /// fetched, nothing read from the store.
    pub(crate) fn held(&self, kind: TokenKind) -> Option<Token> {
        let token = self.slot(kind).ok()?.held()?;
        token.is_usable_at(now_ms()).then_some(token)
    }

    /// The process's slot of `kind`: the records of the component flow have none.
    fn slot(&self, kind: TokenKind) -> Result<&Slot> {
        self.account
            .slot(kind)
            .ok_or(Error::Component(ComponentError::NotAToken { kind }))
    }

    /// One fetch from the source. A forced refresh is asked only of `stable_token`; the other
    /// sources fetch the current token. A component's access token is its
    /// `component_access_token`, an authorizer's is refreshed through its component, and an
    /// authorizer's tickets are fetched with its token — unless a token server serves them,
    /// the authorizers' by their AppIDs.
    async fn fetch_from_source(&self, kind: TokenKind, mode: FetchMode<'_>) -> Result<Token> {
        let transport = &self.shared.transport;
        let app_id = &self.account.app_id;
        let remote = matches!(self.shared.source.kind(), SourceKind::Remote(_));
        match (&self.account.role, kind, remote) {
            (Role::Component(state), TokenKind::AccessToken, false) => {
                return component::fetch_component_token(self, state).await;
            }
            // A token server serves the component's token as any other (`?appid=COMPONENT`).
            (Role::Component(_), TokenKind::AccessToken, true) => {}
            (Role::Component(_), _, _) => {
                return Err(Error::Component(ComponentError::NoTicketsForComponent {
                    component: app_id.clone(),
                    kind,
                }));
            }
            (Role::Authorizer { component }, TokenKind::AccessToken, false) => {
                return component::fetch_authorizer_token(self, component).await;
            }
            _ => {}
        }
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
                    Error::Config(ConfigError::NoAppSecret {
                        app_id: app_id.clone(),
                    })
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
        self.kind == TokenKind::AccessToken
            && matches!(self.client.account.role, Role::Own)
            && self.client.shared.source.can_force()
    }
}
