//! Web OAuth: the codes, access tokens and refresh tokens an account's followers granted, and
//! their rules — codes are single use and live 5 minutes, access tokens 7,200 seconds,
//! refresh tokens 30 days — who signs in on the authorize page, and the profile `userinfo`
//! shows (see `routes/oauth.rs` for the table of codes). A grant made through a third-party
//! platform (open-platform §6) remembers the component: its code and refresh token work only
//! on `/sns/oauth2/component/*` with that component, the others only on the account's own
//! endpoints.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use crate::error::ApiError;
use crate::followers::Cursor;
use crate::platform::tokens::{LIFETIME, random_text};
use crate::state::{Account, State};

/// Nicknames of synthetic users, by the first byte of a hash.
const NICKNAMES: &[&str] = &[
    "小明", "阿花", "Lucky", "晴天", "老王", "Momo", "橙子", "Kevin",
];

/// How long a code can be exchanged, seconds.
const CODE_LIFETIME: i64 = 300;
/// How long a refresh token lasts, seconds (30 days).
const REFRESH_LIFETIME: i64 = 30 * 86_400;

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
    /// The third-party platform the grant was made through, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) component: Option<String>,
}

impl OAuthGrant {
    fn new(openid: &str, scope: &str, component: Option<&str>, now: i64) -> Self {
        Self {
            openid: openid.to_owned(),
            scope: scope.to_owned(),
            issued_at: now,
            used: false,
            component: component.map(str::to_owned),
        }
    }

    /// The grant of a new token or refresh token made from this one.
    fn renewed(&self, now: i64) -> Self {
        Self::new(&self.openid, &self.scope, self.component.as_deref(), now)
    }

    /// The grant of an access token, checked for `openid`: not expired (42001), for them
    /// (40003).
    pub(crate) fn check_token(&self, openid: &str, now: i64) -> Result<(), ApiError> {
        if now - self.issued_at >= LIFETIME {
            return Err(ApiError::msg(42001, "access_token expired"));
        }
        if self.openid != openid {
            return Err(ApiError::msg(40003, "invalid openid"));
        }
        Ok(())
    }
}

impl OAuth {
    /// A new code for `openid` with `scope`, through `component` if given; codes and tokens
    /// long past their lifetime are forgotten.
    pub(crate) fn issue_code(
        &mut self,
        openid: &str,
        scope: &str,
        component: Option<&str>,
        now: i64,
    ) -> String {
        self.codes
            .retain(|_, c| now - c.issued_at < CODE_LIFETIME * 12);
        self.tokens.retain(|_, t| now - t.issued_at < LIFETIME * 2);
        self.refresh_tokens
            .retain(|_, r| now - r.issued_at < REFRESH_LIFETIME * 2);
        let code = random_text(32);
        self.codes
            .insert(code.clone(), OAuthGrant::new(openid, scope, component, now));
        code
    }

    /// `access_token`: a code, present (41008), known to this endpoint — issued through
    /// `component`, or not through any when none (40029), unused (40163) and younger than 5
    /// minutes (42003), becomes an access token and a refresh token. The answer.
    pub(crate) fn exchange_code(
        &mut self,
        code: Option<&str>,
        component: Option<&str>,
        now: i64,
    ) -> Result<Value, ApiError> {
        let code = code.ok_or_else(|| ApiError::msg(41008, "missing code"))?;
        let grant = self
            .codes
            .get_mut(code)
            .filter(|grant| grant.component.as_deref() == component)
            .ok_or_else(|| ApiError::msg(40029, "invalid code"))?;
        if grant.used {
            return Err(ApiError::msg(40163, "code been used"));
        }
        if now - grant.issued_at >= CODE_LIFETIME {
            return Err(ApiError::msg(42003, "code expired"));
        }
        grant.used = true;
        let grant = grant.clone();
        let refresh = random_text(88);
        self.refresh_tokens
            .insert(refresh.clone(), grant.renewed(now));
        Ok(self.token_answer(&grant, &refresh, now))
    }

    /// `refresh_token`: a refresh token known to this endpoint (made through `component`, or
    /// through none when none: 40030) younger than 30 days (42002) gives a new access token.
    /// The answer.
    pub(crate) fn refresh(
        &mut self,
        refresh: &str,
        component: Option<&str>,
        now: i64,
    ) -> Result<Value, ApiError> {
        let grant = self
            .refresh_tokens
            .get(refresh)
            .filter(|grant| grant.component.as_deref() == component)
            .cloned()
            .ok_or_else(|| ApiError::msg(40030, "invalid refresh_token"))?;
        if now - grant.issued_at >= REFRESH_LIFETIME {
            return Err(ApiError::msg(42002, "refresh_token expired"));
        }
        Ok(self.token_answer(&grant, refresh, now))
    }

    /// The answer of `access_token` and `refresh_token`: a new access token for the grant.
    fn token_answer(&mut self, grant: &OAuthGrant, refresh: &str, now: i64) -> Value {
        let token = random_text(88);
        self.tokens.insert(token.clone(), grant.renewed(now));
        json!({
            "access_token": token,
            "expires_in": LIFETIME,
            "refresh_token": refresh,
            "openid": grant.openid,
            "scope": grant.scope,
        })
    }
}

impl Account {
    /// Who acts on a page the sandbox plays for a user (the authorize page, the one-time
    /// subscription's confirmation): the follower asked for, else the first follower; none
    /// when the account has no follower.
    pub(crate) fn signing_in(&self, asked: Option<&str>) -> Option<String> {
        if let Some(openid) = asked {
            return Some(openid.to_owned());
        }
        let mut first = String::new();
        self.audience
            .followers
            .page(Cursor::Start, 1, |m| self.openid_of(m, &mut first));
        (!first.is_empty()).then_some(first)
    }
}

/// The nickname a person is shown with, derived from their OpenID (the same wherever the
/// platform shows one).
pub(crate) fn nickname_of(openid: &str) -> &'static str {
    let hash = Sha1::digest(openid.as_bytes());
    NICKNAMES
        .get(usize::from(hash.first().copied().unwrap_or(0)) % NICKNAMES.len())
        .copied()
        .unwrap_or("微信用户")
}

impl State {
    /// The grant of an OAuth access token, whichever account issued it (40001 when none did),
    /// checked for `openid` (see [`OAuthGrant::check_token`]), and that account.
    pub(crate) fn oauth_grant(
        &self,
        token: &str,
        openid: &str,
        now: i64,
    ) -> Result<(&Account, &OAuthGrant), ApiError> {
        let (account, grant) = self
            .accounts
            .iter()
            .find_map(|a| a.oauth.tokens.get(token).map(|g| (a, g)))
            .ok_or_else(|| {
                ApiError::msg(
                    40001,
                    "invalid credential, access_token is invalid or not latest",
                )
            })?;
        grant.check_token(openid, now)?;
        Ok((account, grant))
    }

    /// `sns/userinfo`: the profile of the person an access token of scope snsapi_userinfo
    /// (48001 otherwise) is for, with a nickname and avatar derived from their OpenID.
    pub(crate) fn oauth_userinfo(
        &self,
        token: &str,
        openid: &str,
        now: i64,
    ) -> Result<Value, ApiError> {
        let (account, grant) = self.oauth_grant(token, openid, now)?;
        if grant.scope != "snsapi_userinfo" {
            return Err(ApiError::msg(48001, "api unauthorized"));
        }
        let profile = account.profile(&grant.openid);
        let hash = Sha1::digest(grant.openid.as_bytes());
        let nickname = nickname_of(&grant.openid);
        let avatar: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        Ok(json!({
            "openid": grant.openid,
            "nickname": nickname,
            "sex": profile.sex,
            "province": profile.province,
            "city": profile.city,
            "country": profile.country,
            "headimgurl": format!("https://thirdwx.qlogo.cn/mmopen/vi_32/{avatar}/132"),
            "privilege": [],
        }))
    }
}
