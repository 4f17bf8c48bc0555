//! An account of the client's registry: its credentials, and the process's token slots for it.

use std::sync::RwLock;
use std::sync::atomic::AtomicBool;

use wxoa_types::ids::AppId;
use wxoa_types::secret::Secret;

use crate::token::{Slot, TokenKey, TokenKind};

/// An account's credentials: its AppID and, unless tokens come from a token server, its
/// AppSecret.
#[derive(Debug, Clone)]
pub struct Account {
    pub(super) app_id: AppId,
    pub(super) secret: Option<Secret>,
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
    pub(super) app_id: AppId,
    pub(super) secret: RwLock<Option<Secret>>,
    pub(super) removed: AtomicBool,
    access_token: Slot,
    jsapi_ticket: Slot,
    wx_card_ticket: Slot,
}

impl AccountState {
    pub(super) fn new(account: Account) -> Self {
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

    pub(super) fn slot(&self, kind: TokenKind) -> &Slot {
        match kind {
            TokenKind::AccessToken => &self.access_token,
            TokenKind::JsapiTicket => &self.jsapi_ticket,
            TokenKind::WxCardTicket => &self.wx_card_ticket,
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
