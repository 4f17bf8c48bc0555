//! The accounts a webhook serves: each one's credentials and mode rules (plaintext refused once
//! it has an EncodingAESKey), and the registry that finds the account a request is for.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use wxoa_crypto::{CryptoError, MsgCrypt};
use wxoa_types::secret::Secret;

use crate::component::ComponentAccount;
use crate::deadline::LateReply;
use crate::rejection::{Rejection, SignatureError, UnknownAccount};
use crate::router::Dispatch;
use crate::verify::{PushQuery, check_signature};

/// One official account served by the webhook: its AppID, Token, EncodingAESKey (for compat
/// and safe mode) and handlers.
#[derive(Clone)]
pub struct Account {
    pub(crate) app_id: Arc<str>,
    pub(crate) token: Secret,
    pub(crate) crypt: Option<MsgCrypt>,
    pub(crate) original_id: Option<String>,
    pub(crate) allow_plain: bool,
    pub(crate) bot: Arc<dyn Dispatch>,
    /// The account's own sender of late replies (an authorizer's goes through its
    /// component), in place of the webhook's.
    pub(crate) late: Option<Arc<dyn LateReply>>,
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
            late: None,
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

/// The accounts being served, by AppID, and the third-party platform whose authorizers are
/// every other AppID on the path; changed while serving.
#[derive(Default)]
pub(crate) struct Accounts {
    // Behind `Arc`: a push takes a reference, not a copy of the key schedule and the Token.
    by_app_id: RwLock<HashMap<Arc<str>, Arc<Account>>>,
    component: Option<Arc<ComponentAccount>>,
}

impl Accounts {
    pub(crate) fn new(accounts: Vec<Account>, component: Option<ComponentAccount>) -> Self {
        let by_app_id = accounts
            .into_iter()
            .map(|a| (a.app_id.clone(), Arc::new(a)))
            .collect();
        Self {
            by_app_id: RwLock::new(by_app_id),
            component: component.map(Arc::new),
        }
    }

    /// The third-party platform served, if any.
    pub(crate) fn component(&self) -> Option<&Arc<ComponentAccount>> {
        self.component.as_ref()
    }

    // Every update is one map operation, so a lock poisoned by a panic elsewhere still guards
    // usable data.
    fn read(&self) -> RwLockReadGuard<'_, HashMap<Arc<str>, Arc<Account>>> {
        self.by_app_id
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<Arc<str>, Arc<Account>>> {
        self.by_app_id
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds or replaces an account.
    pub(crate) fn insert(&self, account: Account) {
        self.write()
            .insert(account.app_id.clone(), Arc::new(account));
    }

    /// Every account served now.
    pub(crate) fn all(&self) -> Vec<Arc<Account>> {
        self.read().values().cloned().collect()
    }

    /// The account `app_id` served on its own, if it is.
    pub(crate) fn get(&self, app_id: &str) -> Option<Arc<Account>> {
        self.read().get(app_id).cloned()
    }

    /// Whether `app_id` is served as an account of its own (not as an authorizer of the
    /// component).
    pub(crate) fn serves(&self, app_id: &str) -> bool {
        self.read().contains_key(app_id)
    }

    /// Removes an account; whether it was there.
    pub(crate) fn remove(&self, app_id: &str) -> bool {
        self.write().remove(app_id).is_some()
    }

    /// The account a request is for: the one named on the path (an account of its own, or
    /// else an authorizer of the component), the only one, or the one whose Token signs the
    /// request.
    pub(crate) fn find(
        &self,
        app_id: Option<&str>,
        query: &PushQuery<'_>,
    ) -> Result<Arc<Account>, Rejection> {
        let accounts = self.read();
        if let Some(app_id) = app_id {
            if let Some(account) = accounts.get(app_id) {
                return Ok(Arc::clone(account));
            }
            // Made for this push only: nothing is kept for an AppID before its push is
            // verified, so made-up AppIDs cannot fill the process's memory.
            return match &self.component {
                Some(component) => Ok(Arc::new(component.authorizer(app_id))),
                None => Err(UnknownAccount::AppId {
                    app_id: app_id.to_owned(),
                }
                .into()),
            };
        }
        if accounts.len() == 1 {
            return accounts
                .values()
                .next()
                .cloned()
                .ok_or(Rejection::UnknownAccount(UnknownAccount::ThisPath));
        }
        // Several accounts on one path: the one whose Token signs the request.
        accounts
            .values()
            .find(|a| check_signature(a.token.expose(), query).is_ok())
            .cloned()
            .ok_or(Rejection::BadSignature(SignatureError::NoAccount))
    }
}
