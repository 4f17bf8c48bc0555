//! An account of the client's registry: its credentials, its role (an account of its own, a
//! third-party platform, or an account reached through one), and the process's token slots.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};

use wxoa_types::ids::AppId;
use wxoa_types::secret::Secret;

use crate::component::ComponentState;
use crate::token::{Slot, TokenKey, TokenKind};

/// An account's credentials: its AppID and, unless tokens come from a token server, its
/// AppSecret.
#[derive(Debug, Clone)]
pub struct Account {
    pub(super) app_id: AppId,
    pub(super) secret: Option<Secret>,
    pub(crate) role: Role,
}

/// How an account's access token is obtained.
#[derive(Debug, Clone)]
pub(crate) enum Role {
    /// With its own AppSecret (or from a token server).
    Own,
    /// A third-party platform: its access token is the `component_access_token`, obtained with
    /// the `component_verify_ticket` the platform pushes.
    Component(Arc<ComponentState>),
    /// An account that authorized a third-party platform: its tokens are refreshed through the
    /// component with the authorizer's refresh token.
    Authorizer {
        /// The component's AppID.
        component: AppId,
    },
}

impl Account {
    /// An account with its AppSecret.
    pub fn new(app_id: impl Into<AppId>, secret: impl Into<Secret>) -> Self {
        Self {
            app_id: app_id.into(),
            secret: Some(secret.into()),
            role: Role::Own,
        }
    }

    /// An account whose tokens come from a token server: no AppSecret needed.
    pub fn without_secret(app_id: impl Into<AppId>) -> Self {
        Self {
            app_id: app_id.into(),
            secret: None,
            role: Role::Own,
        }
    }

    /// A third-party platform (开放平台 第三方平台) with its `component_appsecret`: the
    /// handle's access token is the `component_access_token`. See [`crate::component`].
    ///
    /// ```
    /// use wxoa_client::{Account, Client};
    ///
    /// let client = Client::builder()
    ///     .account(Account::component("wx0123456789abcdef", "component-secret"))
    ///     .build()?;
    /// let component = wxoa_client::component::Component::new(client)?;
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    pub fn component(app_id: impl Into<AppId>, secret: impl Into<Secret>) -> Self {
        Self {
            app_id: app_id.into(),
            secret: Some(secret.into()),
            role: Role::Component(Arc::new(ComponentState::default())),
        }
    }

    /// An account reached through the component `component`.
    pub(crate) fn authorizer(app_id: impl Into<AppId>, component: AppId) -> Self {
        Self {
            app_id: app_id.into(),
            secret: None,
            role: Role::Authorizer { component },
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
    pub(super) app_id: AppId,
    pub(super) secret: RwLock<Option<Secret>>,
    pub(super) role: Role,
    pub(super) removed: AtomicBool,
    access_token: Slot,
    jsapi_ticket: Slot,
    wx_card_ticket: Slot,
}

impl AccountState {
    pub(super) fn new(account: Account) -> Self {
        let component = match &account.role {
            Role::Authorizer { component } => Some(component.clone()),
            Role::Own | Role::Component(_) => None,
        };
        let slot = |kind| {
            let key = TokenKey::new(account.app_id.clone(), kind);
            Slot::new(match &component {
                Some(component) => key.through(component.clone()),
                None => key,
            })
        };
        Self {
            access_token: slot(TokenKind::AccessToken),
            jsapi_ticket: slot(TokenKind::JsapiTicket),
            wx_card_ticket: slot(TokenKind::WxCardTicket),
            app_id: account.app_id,
            secret: RwLock::new(account.secret),
            role: account.role,
            removed: AtomicBool::new(false),
        }
    }

    /// The process's slot of a kind of token; `None` for the records a store keeps for the
    /// component flow ([`TokenKind::is_record`]), which are never cached or fetched.
    pub(super) fn slot(&self, kind: TokenKind) -> Option<&Slot> {
        match kind {
            TokenKind::AccessToken => Some(&self.access_token),
            TokenKind::JsapiTicket => Some(&self.jsapi_ticket),
            TokenKind::WxCardTicket => Some(&self.wx_card_ticket),
            TokenKind::VerifyTicket | TokenKind::RefreshToken => None,
        }
    }

    pub(super) fn slots(&self) -> [&Slot; 3] {
        [&self.access_token, &self.jsapi_ticket, &self.wx_card_ticket]
    }

    pub(super) fn secret(&self) -> Option<Secret> {
        self.secret
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
