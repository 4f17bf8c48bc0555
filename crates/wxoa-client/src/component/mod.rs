//! The third-party platform (开放平台 第三方平台, "component"): one component managing the
//! official accounts that authorized it (`spec/open-platform.md`).
//!
//! A component is an account of the client's registry ([`Account::component`]) whose access
//! token is the `component_access_token`; each authorizer is an account reached through it
//! ([`Component::authorizer`]), whose handle works with every API area of the client. What the
//! component needs is kept where the fleet shares it, the client's token store:
//!
//! - the **`component_verify_ticket`**, pushed every ten minutes and valid twelve hours, is
//!   written to the store the moment it arrives ([`Component::receive`]), so that every
//!   instance reads it and a restart loses nothing (with a file or Redis store). When no valid
//!   ticket is known, the component asks the platform to push one (`api_start_push_ticket`, at
//!   most once a minute) and the call fails with [`ComponentError::NoVerifyTicket`];
//! - the **component token** is obtained like any access token: single flight in the process
//!   and across the fleet (the store's lock), refreshed ahead, replaced once per rejected token
//!   (compare and invalidate), under the quota guard;
//! - each authorizer's **refresh token** is a durable record of the store, keyed by component
//!   and authorizer. It is written when an authorization is exchanged (`api_query_auth`) and
//!   whenever `api_authorizer_token` answers one, before it is used again; an authorizer's
//!   access token is refreshed with it under the store's lock of that authorizer — one refresh
//!   per authorizer per expiry across the fleet. A refresh token that is lost (a flushed Redis)
//!   is rebuilt from `api_get_authorizer_list` ([`Component::recover_refresh_tokens`], also run
//!   by itself, at most once a minute, when a refresh finds none);
//! - refreshes are bounded in concurrency and rate ([`ComponentSettings`]; the rate across
//!   the fleet through a counter in the store) and refresh-ahead is jittered per token, so
//!   that thousands of authorizers never refresh in one burst;
//! - the **keeper** ([`Component::keeper`]) keeps every authorizer's token fresh, idle or
//!   not: it learns the authorizers from the store's index (and, on a cold start, from
//!   `api_get_authorizer_list`), and refreshes each one due through the same single flight —
//!   two instances sharing a store refresh an authorizer once per token lifetime.
//!
//! Authorizers are added and removed at runtime as the authorization events arrive:
//! [`Component::receive`] exchanges the code of `authorized` and `updateauthorized` and forgets
//! the account on `unauthorized`.
//!
//! ```no_run
//! use wxoa_client::component::Component;
//! use wxoa_client::{Account, Client};
//! use wxoa_types::component::AuthEvent;
//!
//! # async fn run(decrypted_push: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder()
//!     .account(Account::component("wx0123456789abcdef", "component-secret"))
//!     .build()?;
//! let component = Component::new(client)?;
//! // On the authorization-event URL: the ticket, authorizations, revocations.
//! component.receive(&AuthEvent::from_xml(decrypted_push)?).await?;
//! // Any API of an authorizer, with its token refreshed through the component.
//! let shop = component.authorizer("wxf8b4f85f3a794e77")?;
//! shop.custom().send("oFollower", wxoa_client::api::custom::Message::text("hi")).await?;
//! # Ok(()) }
//! ```
//!
//! This file holds the handle, its settings and errors; `credentials.rs` the ticket, the tokens
//! and the refresh tokens; `authorization.rs` the authorization flow and the authorizers'
//! information; `keeper.rs` the proactive refresh of every authorizer's token; `recovery.rs`
//! the rebuild of lost refresh tokens.

mod authorization;
mod credentials;
mod keeper;
mod oauth;
mod recovery;

use std::sync::Arc;
use std::time::Duration;

use wxoa_types::component::AuthEvent;
use wxoa_types::ids::AppId;

pub use authorization::{
    AUTHORIZER_PAGE_MAX, AuthType, AuthorizationUrl, Authorized, AuthorizerEntry, AuthorizerInfo,
    AuthorizerOption, AuthorizerPage, PreAuthCode,
};
pub(crate) use credentials::{ComponentState, fetch_authorizer_token, fetch_component_token};
pub use keeper::{Keeper, KeeperCounts, KeeperPass};
pub(crate) use oauth::with_component_token;

use crate::client::Role;
use crate::error::{Error, Result};
use crate::token::{StoreError, TokenKind};
use crate::{Account, Client};

/// How a component paces what it does for its authorizers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ComponentSettings {
    /// How long a `component_verify_ticket` is used after it was pushed. Default 12 hours (the
    /// platform's current documentation; older copies say less — unsure, hence settable).
    pub ticket_lifetime: Duration,
    /// Most authorizer refreshes running at once in the process. Default 16.
    pub refresh_concurrency: usize,
    /// Most authorizer refreshes started per second by the process and, when the store is
    /// shared (file, Redis), by every process sharing it together (a counter of the second
    /// in the store). Default 50.
    pub refreshes_per_second: u32,
    /// How long before an authorizer's token stops being usable the keeper
    /// ([`Component::keeper`]) refreshes it, at most an eighth of the token's life. Default
    /// 10 minutes.
    pub refresh_ahead: Duration,
    /// Plus up to this much more, different for each authorizer and each token, at most a
    /// tenth of the token's life: the spread that keeps thousands of authorizers from
    /// refreshing in one burst. Default 10 minutes.
    pub refresh_spread: Duration,
    /// Least time between two requests to push a ticket (`api_start_push_ticket`) and between
    /// two automatic recoveries of lost refresh tokens. Default one minute.
    pub retry_interval: Duration,
}

impl Default for ComponentSettings {
    fn default() -> Self {
        Self {
            ticket_lifetime: Duration::from_secs(12 * 3600),
            refresh_concurrency: 16,
            refreshes_per_second: 50,
            refresh_ahead: Duration::from_secs(600),
            refresh_spread: Duration::from_secs(600),
            retry_interval: Duration::from_secs(60),
        }
    }
}

impl Account {
    /// [`Account::component`] with settings of its own.
    pub fn component_with(
        app_id: impl Into<AppId>,
        secret: impl Into<wxoa_types::secret::Secret>,
        settings: ComponentSettings,
    ) -> Self {
        let mut account = Account::component(app_id, secret);
        account.role = Role::Component(Arc::new(ComponentState::new(settings)));
        account
    }

    /// A third-party platform whose tokens come from a token server
    /// ([`TokenSource::remote`](crate::token::TokenSource::remote)): no `component_appsecret`
    /// in the process. Its authorizers' tokens and tickets, and its own token (for the web
    /// OAuth of its authorizers), are the server's.
    ///
    /// ```
    /// use wxoa_client::token::{RemoteTokenSource, TokenSource};
    /// use wxoa_client::{Account, Client};
    ///
    /// let server = RemoteTokenSource::new("http://tokens.internal:8300", Some("X".into()))?;
    /// let client = Client::builder()
    ///     .account(Account::component_without_secret("wx0123456789abcdef"))
    ///     .token_source(TokenSource::remote(server))
    ///     .build()?;
    /// let shop = wxoa_client::component::Component::new(client)?.authorizer("wxf8b4f85f3a794e77")?;
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    pub fn component_without_secret(app_id: impl Into<AppId>) -> Self {
        let mut account = Account::without_secret(app_id);
        account.role = Role::Component(Arc::new(ComponentState::default()));
        account
    }
}

/// Why the component's credentials are missing or unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ComponentError {
    /// The client's account is not a component ([`Account::component`]).
    #[error("AppID {app_id} is not registered as a third-party platform (Account::component)")]
    NotAComponent {
        /// The account.
        app_id: AppId,
    },
    /// No `component_verify_ticket` has been received (or stored) yet.
    #[error(
        "no component_verify_ticket for component {component}: the platform pushes one every \
         10 minutes to the authorization-event URL (a push was requested); pass each push to \
         Component::receive"
    )]
    NoVerifyTicket {
        /// The component.
        component: AppId,
    },
    /// The last ticket received is older than [`ComponentSettings::ticket_lifetime`].
    #[error(
        "the component_verify_ticket of component {component} was pushed {age:?} ago and has \
         expired: are pushes to the authorization-event URL reaching Component::receive? (a push \
         was requested)"
    )]
    VerifyTicketExpired {
        /// The component.
        component: AppId,
        /// How long ago it was pushed.
        age: Duration,
    },
    /// The authorizer has no refresh token in the store, and `api_get_authorizer_list` has
    /// none either: it must authorize (again).
    #[error(
        "no refresh token for authorizer {authorizer} of component {component}, in the store or \
         in api_get_authorizer_list: the account has not authorized the component (or the code \
         was never exchanged)"
    )]
    NoRefreshToken {
        /// The component.
        component: AppId,
        /// The authorizer.
        authorizer: AppId,
    },
    /// The AppID is already registered in the client in another role (an account of its own,
    /// or an authorizer of another component).
    #[error("AppID {app_id} is already registered in this client in another role")]
    OtherRole {
        /// The account.
        app_id: AppId,
    },
    /// Tickets are fetched with an account's access token; a component has none.
    #[error("component {component} has no {kind}: ask an authorizer's handle for it")]
    NoTicketsForComponent {
        /// The component.
        component: AppId,
        /// What was asked.
        kind: TokenKind,
    },
    /// A record kind of the store was asked for as a token.
    #[error("a {kind} is a record of the token store, not a token a client obtains")]
    NotAToken {
        /// The kind asked for.
        kind: TokenKind,
    },
    /// The store failed while the component wrote a ticket or a refresh token.
    #[error("cannot keep the component's {kind} in the token store")]
    Store {
        /// What was being written.
        kind: TokenKind,
        /// Why.
        #[source]
        source: StoreError,
    },
}

impl From<ComponentError> for Error {
    fn from(error: ComponentError) -> Self {
        Error::Component(error)
    }
}

/// A third-party platform: a cheap `Clone` handle over a client whose account is a component.
#[derive(Debug, Clone)]
pub struct Component {
    client: Client,
    state: Arc<ComponentState>,
}

/// What [`Component::receive`] did with an authorization event.
#[derive(Debug)]
#[non_exhaustive]
pub enum Received {
    /// A ticket was stored.
    Ticket,
    /// An account authorized the component (or changed what it grants): its code was
    /// exchanged, its credentials stored, and here is its handle.
    Authorized(Box<Authorized>),
    /// An account withdrew its authorization: its refresh token was dropped and its handle
    /// removed.
    Revoked(AppId),
    /// An event of another kind, or for another component: nothing to do.
    Ignored,
}

impl Component {
    /// The component of `client`, whose account must be one ([`Account::component`]).
    pub fn new(client: Client) -> Result<Self> {
        let Role::Component(state) = client.role() else {
            return Err(ComponentError::NotAComponent {
                app_id: client.app_id().clone(),
            }
            .into());
        };
        let state = Arc::clone(state);
        Ok(Self { client, state })
    }

    /// The component's AppID.
    #[must_use]
    pub fn app_id(&self) -> &AppId {
        self.client.app_id()
    }

    /// The handle acting for the component itself (its calls carry the component token).
    #[must_use]
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Handles an event of the authorization-event URL: stores a ticket, exchanges the code of
    /// an authorization, forgets a revoked authorizer. Events for another component are
    /// ignored.
    ///
    /// ```no_run
    /// # async fn run(component: wxoa_client::component::Component, xml: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
    /// let event = wxoa_types::component::AuthEvent::from_xml(xml)?;
    /// component.receive(&event).await?;
    /// # Ok(()) }
    /// ```
    pub async fn receive(&self, event: &AuthEvent) -> Result<Received> {
        if event.component_appid() != self.app_id() {
            tracing::warn!(
                component = %self.app_id(),
                named = %event.component_appid(),
                info_type = event.info_type(),
                "ignoring an authorization event for another component"
            );
            return Ok(Received::Ignored);
        }
        match event {
            AuthEvent::VerifyTicket(ticket) => {
                self.store_ticket(ticket.ticket.clone(), ticket.create_time)
                    .await?;
                Ok(Received::Ticket)
            }
            AuthEvent::Authorized(authorization) | AuthEvent::UpdateAuthorized(authorization) => {
                let authorized = self
                    .query_auth(authorization.authorization_code.expose())
                    .await?;
                Ok(Received::Authorized(Box::new(authorized)))
            }
            AuthEvent::Unauthorized(revoked) => {
                self.revoke(revoked.authorizer_appid.as_str()).await?;
                Ok(Received::Revoked(revoked.authorizer_appid.clone()))
            }
            _ => Ok(Received::Ignored),
        }
    }

    /// The handle of an authorizer: every API area of the client, with the authorizer's
    /// access token refreshed through the component.
    pub fn authorizer(&self, app_id: &str) -> Result<Client> {
        if let Ok(existing) = self.client.for_account(app_id) {
            return match existing.role() {
                Role::Authorizer { component } if component == self.app_id() => Ok(existing),
                _ => Err(ComponentError::OtherRole {
                    app_id: AppId::from(app_id),
                }
                .into()),
            };
        }
        Ok(self
            .client
            .add_account(Account::authorizer(app_id, self.app_id().clone())))
    }
}
