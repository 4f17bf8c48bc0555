//! Web OAuth 2.0 (网页授权, api-reference §14): the authorize URL a page redirects to, the code
//! it comes back with exchanged for an [`OAuthToken`], its refresh, the user's profile, and a
//! check of a token.
//!
//! These endpoints do not take the account's access token: the code exchange and the refresh
//! take the AppID (and the AppSecret), the profile and the check take the user's OAuth token,
//! which is a different thing from the account's access token and lives in its own type.
//!
//! The same calls work for an account authorized to a third-party platform
//! (`component.authorizer(appid)?.oauth()`, open-platform §6): the authorize URL then names the
//! component (`component_appid`), and the code exchange and the refresh go to
//! `/sns/oauth2/component/*` with the component's AppID and token instead of an AppSecret; the
//! profile and the check are unchanged.
//!
//! ```no_run
//! use wxoa_client::api::oauth::Scope;
//!
//! # async fn run(client: wxoa_client::Client, code: String) -> Result<(), wxoa_client::Error> {
//! let url = client
//!     .oauth()
//!     .authorize_url("https://example.com/callback", Scope::UserInfo)
//!     .state("xyz123")
//!     .to_url()?;
//! // … the user consents; the platform redirects to /callback?code=CODE&state=xyz123 …
//! let token = client.oauth().exchange_code(code).await?;
//! let profile = client.oauth().userinfo(&token).await?;
//! # Ok(())
//! # }
//! ```

use std::future::IntoFuture;

use futures::future::BoxFuture;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::{OpenId, UnionId};
use wxoa_types::secret::Secret;

use crate::api::support::{
    alphanumeric, awaitable, invalid, lenient, opt_lenient, require, string_enum, web_url,
};
use crate::api::users::Lang;
use crate::client::Role;
use crate::{ApiRequest, Client, ConfigError, Error, Result, Rule};

/// Longest `state`, in bytes.
pub const STATE_MAX_BYTES: usize = 128;

/// What `redirect_uri` escapes: everything but `A-Z a-z 0-9 - _ . ~`, like wechatpy's
/// `quote(redirect_uri, safe="")`.
pub(crate) const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

string_enum! {
    /// What the user is asked to grant.
    pub enum Scope {
        /// Silent: the OpenID only.
        Base = "snsapi_base",
        /// A consent page: the profile too, for followers or not.
        UserInfo = "snsapi_userinfo",
    }
}

/// A user's web OAuth token (`sns/oauth2/access_token`, `sns/oauth2/refresh_token`): not the
/// account's access token. `Debug` never shows the tokens.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct OAuthToken {
    /// The OAuth access token (7,200 s).
    pub access_token: Secret,
    /// Its lifetime, seconds.
    #[serde(default, deserialize_with = "lenient")]
    pub expires_in: u64,
    /// The refresh token (30 days).
    pub refresh_token: Secret,
    /// The user.
    pub openid: OpenId,
    /// The scopes granted, e.g. `snsapi_userinfo`.
    #[serde(default)]
    pub scope: String,
    /// 1 for the virtual user of a snapshot page.
    #[serde(default, deserialize_with = "opt_lenient")]
    pub is_snapshotuser: Option<i64>,
    /// The UnionID, when the account is bound to an Open Platform account.
    #[serde(default)]
    pub unionid: Option<UnionId>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A user's profile (`sns/userinfo`, needs `snsapi_userinfo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuthUser {
    /// The user.
    pub openid: OpenId,
    /// The nickname.
    #[serde(default)]
    pub nickname: String,
    /// 1 male, 2 female, 0 unknown.
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub sex: Option<i64>,
    /// The province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// The city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The avatar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headimgurl: Option<String>,
    /// Privileges (e.g. `chinaunicom`).
    #[serde(default)]
    pub privilege: Vec<String>,
    /// The UnionID, when the account is bound to an Open Platform account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unionid: Option<UnionId>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The web OAuth API: `client.oauth()`.
#[derive(Debug, Clone)]
pub struct OAuth {
    client: Client,
}

impl Client {
    /// The web OAuth API (api-reference §14).
    ///
    /// ```no_run
    /// use wxoa_client::api::oauth::Scope;
    /// # fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let url = client.oauth().authorize_url("https://example.com/cb", Scope::Base).to_url()?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn oauth(&self) -> OAuth {
        OAuth {
            client: self.clone(),
        }
    }
}

impl OAuth {
    /// The authorize page's URL (on the client's open base): the parameters in the exact
    /// order the platform checks, `redirect_uri` percent-encoded, `#wechat_redirect` last.
    ///
    /// ```
    /// use wxoa_client::api::oauth::Scope;
    /// use wxoa_client::{Account, Client};
    ///
    /// let client = Client::builder()
    ///     .account(Account::new("wx520c15f417810387", "secret"))
    ///     .api_bases(["https://api.weixin.qq.com"])
    ///     .build()?;
    /// let url = client
    ///     .oauth()
    ///     .authorize_url("http://localhost/callback", Scope::Base)
    ///     .state("123")
    ///     .to_url()?;
    /// assert_eq!(
    ///     url,
    ///     "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx520c15f417810387\
    ///      &redirect_uri=http%3A%2F%2Flocalhost%2Fcallback&response_type=code\
    ///      &scope=snsapi_base&state=123#wechat_redirect"
    /// );
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    ///
    /// For an authorizer of a third-party platform, `&component_appid=…` follows the state.
    pub fn authorize_url(&self, redirect_uri: impl Into<String>, scope: Scope) -> AuthorizeUrl {
        AuthorizeUrl {
            open_base: self.client.open_base().to_owned(),
            app_id: self.client.app_id().as_str().to_owned(),
            redirect_uri: redirect_uri.into(),
            scope,
            state: None,
            component_appid: match self.client.role() {
                Role::Authorizer { component } => Some(component.as_str().to_owned()),
                Role::Own | Role::Component(_) => None,
            },
        }
    }

    /// `GET /sns/oauth2/access_token`: exchanges the code of the redirect (single use, 5
    /// minutes) for the user's OAuth token. Needs the AppSecret; never retried once it may
    /// have reached the platform (a code works once). For an authorizer of a third-party
    /// platform, `GET /sns/oauth2/component/access_token` with the component's AppID and token
    /// (a component token the platform rejects is replaced once and the call made again).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let token = client.oauth().exchange_code("CODE").await?;
    /// println!("{} granted {}", token.openid, token.scope);
    /// # Ok(())
    /// # }
    /// ```
    pub fn exchange_code(&self, code: impl Into<Secret>) -> ExchangeCode {
        ExchangeCode {
            client: self.client.clone(),
            code: code.into(),
        }
    }

    /// `GET /sns/oauth2/refresh_token`: a new OAuth access token from the refresh token
    /// (valid 30 days); for an authorizer, `GET /sns/oauth2/component/refresh_token` with the
    /// component's AppID and token.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client, token: wxoa_client::api::oauth::OAuthToken) -> Result<(), wxoa_client::Error> {
    /// let fresh = client.oauth().refresh(token.refresh_token.clone()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn refresh(&self, refresh_token: impl Into<Secret>) -> RefreshOAuthToken {
        RefreshOAuthToken {
            client: self.client.clone(),
            refresh_token: refresh_token.into(),
        }
    }

    /// `GET /sns/userinfo`: the profile of the token's user (the token needs
    /// `snsapi_userinfo`: 48001 otherwise).
    ///
    /// ```no_run
    /// use wxoa_client::api::users::Lang;
    /// # async fn run(client: wxoa_client::Client, token: wxoa_client::api::oauth::OAuthToken) -> Result<(), wxoa_client::Error> {
    /// let user = client.oauth().userinfo(&token).lang(Lang::En).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn userinfo(&self, token: &OAuthToken) -> OAuthUserInfo {
        OAuthUserInfo {
            client: self.client.clone(),
            access_token: token.access_token.clone(),
            openid: token.openid.clone(),
            lang: None,
        }
    }

    /// `GET /sns/auth`: whether an OAuth access token is still valid for its user. `false`
    /// when the platform says it is invalid, expired or another user's.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client, token: wxoa_client::api::oauth::OAuthToken) -> Result<(), wxoa_client::Error> {
    /// if !client.oauth().check(&token).await? {
    ///     // refresh it, or send the user through the authorize page again
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn check(&self, token: &OAuthToken) -> CheckOAuthToken {
        CheckOAuthToken {
            client: self.client.clone(),
            access_token: token.access_token.clone(),
            openid: token.openid.clone(),
        }
    }
}

/// The authorize page's URL, from [`OAuth::authorize_url`].
#[derive(Debug, Clone)]
#[must_use = "the URL is built by to_url"]
pub struct AuthorizeUrl {
    open_base: String,
    app_id: String,
    redirect_uri: String,
    scope: Scope,
    state: Option<String>,
    /// The third-party platform acting for the account, if any.
    component_appid: Option<String>,
}

impl AuthorizeUrl {
    /// The `state` the platform hands back with the code: letters and digits, at most 128
    /// bytes.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// The URL, after checking `redirect_uri` (an absolute http or https URL), the scope and
    /// the state.
    pub fn to_url(&self) -> Result<String> {
        web_url("redirect_uri", &self.redirect_uri)?;
        if let Scope::Unknown(other) = &self.scope {
            return Err(invalid(
                "scope",
                Rule::OneOf {
                    choices: &["snsapi_base", "snsapi_userinfo"],
                    got: other.clone(),
                },
            ));
        }
        require("appid", &self.app_id)?;
        let mut url = format!(
            "{}/connect/oauth2/authorize?appid={}&redirect_uri={}&response_type=code&scope={}",
            self.open_base,
            utf8_percent_encode(&self.app_id, URI_COMPONENT),
            utf8_percent_encode(&self.redirect_uri, URI_COMPONENT),
            self.scope.as_str(),
        );
        if let Some(state) = &self.state {
            alphanumeric("state", state, STATE_MAX_BYTES)?;
            url.push_str("&state=");
            url.push_str(state);
        }
        if let Some(component) = &self.component_appid {
            url.push_str("&component_appid=");
            url.extend(utf8_percent_encode(component, URI_COMPONENT));
        }
        url.push_str("#wechat_redirect");
        Ok(url)
    }
}

/// The AppSecret of the client's account, which the code exchange needs.
fn app_secret(client: &Client) -> Result<Secret> {
    client
        .app_secret()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Error::Config(ConfigError::OAuthWithoutSecret {
                app_id: client.app_id().clone(),
            })
        })
}

/// `GET /sns/oauth2/access_token`, from [`OAuth::exchange_code`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ExchangeCode {
    client: Client,
    code: Secret,
}

impl ExchangeCode {
    fn request(&self) -> Result<ApiRequest> {
        require("code", self.code.expose())?;
        let app_id = self.client.app_id().as_str();
        let request = match self.client.role() {
            Role::Authorizer { .. } => ApiRequest::get("/sns/oauth2/component/access_token")
                .query("appid", app_id)
                .query("code", self.code.expose()),
            Role::Own | Role::Component(_) => {
                let secret = app_secret(&self.client)?;
                ApiRequest::get("/sns/oauth2/access_token")
                    .query("appid", app_id)
                    .query("secret", secret.expose())
                    .query("code", self.code.expose())
            }
        };
        Ok(request
            .query("grant_type", "authorization_code")
            .without_token()
            // A code works once: a retry after it reached the platform would only get 40163.
            .idempotent(false))
    }
}

awaitable!(ExchangeCode => OAuthToken, via grant);

/// `GET /sns/oauth2/refresh_token`, from [`OAuth::refresh`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct RefreshOAuthToken {
    client: Client,
    refresh_token: Secret,
}

impl RefreshOAuthToken {
    fn request(&self) -> Result<ApiRequest> {
        require("refresh_token", self.refresh_token.expose())?;
        let path = match self.client.role() {
            Role::Authorizer { .. } => "/sns/oauth2/component/refresh_token",
            Role::Own | Role::Component(_) => "/sns/oauth2/refresh_token",
        };
        Ok(ApiRequest::get(path)
            .query("appid", self.client.app_id().as_str())
            .query("grant_type", "refresh_token")
            .query("refresh_token", self.refresh_token.expose())
            .without_token())
    }
}

awaitable!(RefreshOAuthToken => OAuthToken, via grant);

/// Sends a code exchange or a refresh: an authorizer's with its component's AppID and token.
fn grant(client: Client, request: Result<ApiRequest>) -> BoxFuture<'static, Result<OAuthToken>> {
    Box::pin(async move {
        let request = request?;
        match client.role() {
            Role::Authorizer { component } => {
                let component = component.clone();
                crate::component::with_component_token(&client, &component, request).await
            }
            Role::Own | Role::Component(_) => client.execute(request).await,
        }
    })
}

/// `GET /sns/userinfo`, from [`OAuth::userinfo`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct OAuthUserInfo {
    client: Client,
    access_token: Secret,
    openid: OpenId,
    lang: Option<Lang>,
}

impl OAuthUserInfo {
    /// The language of place names (default `zh_CN`).
    pub fn lang(mut self, lang: Lang) -> Self {
        self.lang = Some(lang);
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("access_token", self.access_token.expose())?;
        require("openid", self.openid.as_str())?;
        let mut request = ApiRequest::get("/sns/userinfo")
            .query("access_token", self.access_token.expose())
            .query("openid", self.openid.as_str())
            .without_token();
        if let Some(lang) = &self.lang {
            request = request.query("lang", lang.as_str());
        }
        Ok(request)
    }
}

awaitable!(OAuthUserInfo => OAuthUser);

/// `GET /sns/auth`, from [`OAuth::check`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CheckOAuthToken {
    client: Client,
    access_token: Secret,
    openid: OpenId,
}

impl IntoFuture for CheckOAuthToken {
    type Output = Result<bool>;
    type IntoFuture = BoxFuture<'static, Result<bool>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            require("access_token", self.access_token.expose())?;
            require("openid", self.openid.as_str())?;
            let request = ApiRequest::get("/sns/auth")
                .query("access_token", self.access_token.expose())
                .query("openid", self.openid.as_str())
                .without_token();
            match self.client.execute::<crate::api::Ack>(request).await {
                Ok(_) => Ok(true),
                // Invalid, expired, malformed, or another user's: the token does not work.
                Err(e)
                    if e.code()
                        .is_some_and(|c| matches!(c.code(), 40001 | 40003 | 40014 | 42001)) =>
                {
                    Ok(false)
                }
                Err(e) => Err(e),
            }
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn url(open_base: &str, redirect: &str, scope: Scope, state: Option<&str>) -> Result<String> {
        let mut url = AuthorizeUrl {
            open_base: open_base.to_owned(),
            app_id: "wx520c15f417810387".to_owned(),
            redirect_uri: redirect.to_owned(),
            scope,
            state: None,
            component_appid: None,
        };
        if let Some(state) = state {
            url = url.state(state);
        }
        url.to_url()
    }

    #[test]
    fn the_url_matches_wechatpy() {
        // wechatpy tests/test_oauth.py: quote(redirect_uri, safe="") and this exact order.
        let got = url(
            "https://open.weixin.qq.com",
            "http://localhost/callback?x=1&y=a b",
            Scope::UserInfo,
            None,
        )
        .unwrap();
        assert_eq!(
            got,
            "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx520c15f417810387\
             &redirect_uri=http%3A%2F%2Flocalhost%2Fcallback%3Fx%3D1%26y%3Da%20b\
             &response_type=code&scope=snsapi_userinfo#wechat_redirect"
        );
    }

    #[test]
    fn state_scope_and_redirect_are_checked() {
        let base = "https://open.weixin.qq.com";
        let ok = "https://example.com/cb";
        assert!(url(base, ok, Scope::Base, Some(&"a".repeat(128))).is_ok());
        let cases = [
            (
                url(base, ok, Scope::Base, Some(&"a".repeat(129))),
                "state: longer than 128 bytes",
            ),
            (
                url(base, ok, Scope::Base, Some("a-b")),
                "state: holds only letters",
            ),
            (url(base, ok, Scope::from("snsapi_login"), None), "scope: "),
            (
                url(base, "/cb", Scope::Base, None),
                "redirect_uri: not an absolute URL",
            ),
            (
                url(base, "ftp://x/cb", Scope::Base, None),
                "redirect_uri: must be an http",
            ),
        ];
        for (result, expected) in cases {
            let e = result.unwrap_err().to_string();
            assert!(e.contains(expected), "{e} does not contain {expected}");
        }
    }

    #[test]
    fn tokens_never_show_in_debug() {
        let token: OAuthToken = serde_json::from_str(
            r#"{"access_token":"AT-SECRET","expires_in":"7200","refresh_token":"RT-SECRET",
                "openid":"o1","scope":"snsapi_base","is_snapshotuser":1}"#,
        )
        .unwrap();
        let shown = format!("{token:?}");
        assert!(
            !shown.contains("AT-SECRET") && !shown.contains("RT-SECRET"),
            "{shown}"
        );
        assert_eq!((token.expires_in, token.is_snapshotuser), (7200, Some(1)));
    }
}
