//! Web OAuth: the codes, access tokens and refresh tokens an account's followers granted.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Web OAuth: codes, access tokens and refresh tokens of one account.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct OAuth {
    pub(crate) codes: HashMap<String, OAuthGrant>,
    pub(crate) tokens: HashMap<String, OAuthGrant>,
    pub(crate) refresh_tokens: HashMap<String, OAuthGrant>,
}

/// Who a code or token is for, with which scope, and since when.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OAuthGrant {
    pub(crate) openid: String,
    pub(crate) scope: String,
    pub(crate) issued_at: i64,
    #[serde(default)]
    pub(crate) used: bool,
}
