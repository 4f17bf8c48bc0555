//! The authorization flow of a component — pre-authorization codes, the authorization page's
//! URLs, the exchange of an authorization code — and what the component can read of its
//! authorizers: their information, the authorizer list, their options (`spec/open-platform.md`
//! §3).

use percent_encoding::utf8_percent_encode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use wxoa_types::ids::AppId;
use wxoa_types::secret::Secret;

use super::Component;
use super::credentials::{checked, keep_access_token, keep_refresh_token, token_for};
use crate::api::oauth::URI_COMPONENT;
use crate::api::support::{invalid, lenient, require, web_url};
use crate::error::Result;
use crate::{ApiRequest, Client, Rule, Unit};

/// Most authorizers `api_get_authorizer_list` answers in one page.
pub const AUTHORIZER_PAGE_MAX: usize = 500;

/// A pre-authorization code (`api_create_preauthcode`), to start the authorization page with.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PreAuthCode {
    /// The code. Never log it.
    pub code: Secret,
    /// Its lifetime in seconds, as the platform answered it (600 in every example; the
    /// documentation's text says 1800 — trust this value).
    pub expires_in: u64,
}

/// Which accounts the authorization page lists (`auth_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthType {
    /// Official accounts only (1).
    OfficialAccounts,
    /// Mini programs only (2).
    MiniPrograms,
    /// Both (3, the platform's default).
    #[default]
    Both,
}

impl AuthType {
    fn code(self) -> u8 {
        match self {
            AuthType::OfficialAccounts => 1,
            AuthType::MiniPrograms => 2,
            AuthType::Both => 3,
        }
    }
}

/// The URL of the authorization page an account's administrator opens, from
/// [`Component::authorization_url`]: on a computer (a QR code the administrator scans,
/// [`AuthorizationUrl::pc`]) or inside WeChat ([`AuthorizationUrl::mobile`]).
#[derive(Debug, Clone)]
#[must_use]
pub struct AuthorizationUrl {
    component_appid: AppId,
    pre_auth_code: Secret,
    redirect_uri: String,
    auth_type: AuthType,
    biz_appid: Option<String>,
    mp_base: String,
    open_base: String,
}

impl AuthorizationUrl {
    /// Lists only the accounts of this kind (default both).
    pub fn auth_type(mut self, auth_type: AuthType) -> Self {
        self.auth_type = auth_type;
        self
    }

    /// Only this account's administrator may authorize (it wins over `auth_type`).
    pub fn biz_appid(mut self, app_id: impl Into<String>) -> Self {
        self.biz_appid = Some(app_id.into());
        self
    }

    /// The page for a computer:
    /// `{mp}/cgi-bin/componentloginpage?component_appid=…&pre_auth_code=…&redirect_uri=…&auth_type=…`.
    pub fn pc(&self) -> Result<String> {
        let query = self.query()?;
        Ok(format!(
            "{}/cgi-bin/componentloginpage?{query}",
            self.mp_base
        ))
    }

    /// The page opened inside WeChat:
    /// `{open}/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1&…#wechat_redirect`.
    pub fn mobile(&self) -> Result<String> {
        let query = self.query()?;
        Ok(format!(
            "{}/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1&{query}#wechat_redirect",
            self.open_base
        ))
    }

    fn query(&self) -> Result<String> {
        require("pre_auth_code", self.pre_auth_code.expose())?;
        web_url("redirect_uri", &self.redirect_uri)?;
        if self.redirect_uri.contains('#') {
            return Err(invalid("redirect_uri", Rule::Fragment));
        }
        let mut query = format!(
            "component_appid={}&pre_auth_code={}&redirect_uri={}&auth_type={}",
            utf8_percent_encode(self.component_appid.as_str(), URI_COMPONENT),
            utf8_percent_encode(self.pre_auth_code.expose(), URI_COMPONENT),
            utf8_percent_encode(&self.redirect_uri, URI_COMPONENT),
            self.auth_type.code(),
        );
        if let Some(biz) = &self.biz_appid {
            require("biz_appid", biz)?;
            if !biz.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(invalid("biz_appid", Rule::LettersAndDigits));
            }
            query.push_str("&biz_appid=");
            query.push_str(biz);
        }
        Ok(query)
    }
}

/// An authorization, exchanged (`api_query_auth`): the account, the permission sets it
/// granted, and its handle (its tokens already stored).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Authorized {
    /// The account that authorized.
    pub authorizer_appid: AppId,
    /// The ids of the permission sets granted (`func_info[].funcscope_category.id`): 1
    /// messages, 2 users, 4 web pages, 7 mass sends, 11 materials, 15 menus, …
    pub func_info: Vec<u32>,
    /// The authorizer's handle.
    pub client: Client,
}

/// The authorizer's account as `api_get_authorizer_info` describes it. Lenient: the platform
/// places some fields inconsistently; what this version does not name is in `extra`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct AuthorizerInfo {
    /// `authorizer_info`: nickname, avatar, account type, verification, `user_name` (the gh_
    /// id pushes carry as `ToUserName`), principal, QR code, business flags, status.
    #[serde(default)]
    pub authorizer_info: Map<String, Value>,
    /// `authorization_info`: the AppID and the permission sets granted (absent at times).
    #[serde(default)]
    pub authorization_info: Map<String, Value>,
    /// Anything else the platform answered.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl AuthorizerInfo {
    /// The account's original id (`gh_…`), which pushes carry as `ToUserName`.
    #[must_use]
    pub fn user_name(&self) -> Option<&str> {
        self.authorizer_info
            .get("user_name")
            .and_then(Value::as_str)
    }

    /// The account's nickname.
    #[must_use]
    pub fn nick_name(&self) -> Option<&str> {
        self.authorizer_info
            .get("nick_name")
            .and_then(Value::as_str)
    }
}

/// One page of `api_get_authorizer_list`.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct AuthorizerPage {
    /// How many authorizers there are in all.
    #[serde(default, deserialize_with = "lenient")]
    pub total_count: usize,
    /// This page's.
    #[serde(default)]
    pub list: Vec<AuthorizerEntry>,
}

/// An authorizer of the list.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct AuthorizerEntry {
    /// The account.
    pub authorizer_appid: AppId,
    /// Its refresh token (empty for an authorization whose code was never exchanged).
    #[serde(default)]
    pub refresh_token: Option<Secret>,
    /// When it authorized (Unix seconds).
    #[serde(default, deserialize_with = "lenient")]
    pub auth_time: u64,
}

/// An authorizer's option (`location_report`, `voice_recognize`, `customer_service`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[non_exhaustive]
pub struct AuthorizerOption {
    /// The option's name.
    #[serde(default)]
    pub option_name: String,
    /// Its value, as the platform writes it (`"0"`, `"1"`, `"2"`).
    #[serde(default)]
    pub option_value: String,
    /// Anything else the platform answered.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Component {
    /// `POST /cgi-bin/component/api_create_preauthcode`: a code to start the authorization
    /// page with.
    pub async fn pre_auth_code(&self) -> Result<PreAuthCode> {
        const PATH: &str = "/cgi-bin/component/api_create_preauthcode";
        #[derive(Deserialize)]
        struct Answer {
            pre_auth_code: Option<String>,
            #[serde(default, deserialize_with = "lenient")]
            expires_in: u64,
        }
        let body = json!({"component_appid": self.app_id()});
        let answer: Answer = self
            .client()
            .execute(ApiRequest::post(PATH).json(&body)?)
            .await?;
        Ok(PreAuthCode {
            code: checked(PATH, "pre_auth_code", answer.pre_auth_code)?,
            expires_in: answer.expires_in,
        })
    }

    /// The authorization page for `pre_auth_code`, sending the administrator back to
    /// `redirect_uri` (on the component's authorization domain) with `auth_code`.
    ///
    /// ```
    /// # let client = wxoa_client::Client::builder()
    /// #     .account(wxoa_client::Account::component("wx0123456789abcdef", "s"))
    /// #     .build()?;
    /// # let component = wxoa_client::component::Component::new(client)?;
    /// use wxoa_client::component::AuthType;
    /// let url = component
    ///     .authorization_url("preauthcode@@@x", "https://saas.example.com/authorized")
    ///     .auth_type(AuthType::OfficialAccounts)
    ///     .pc()?;
    /// assert!(url.contains("/cgi-bin/componentloginpage?component_appid=wx0123456789abcdef"));
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    pub fn authorization_url(
        &self,
        pre_auth_code: impl Into<Secret>,
        redirect_uri: impl Into<String>,
    ) -> AuthorizationUrl {
        AuthorizationUrl {
            component_appid: self.app_id().clone(),
            pre_auth_code: pre_auth_code.into(),
            redirect_uri: redirect_uri.into(),
            auth_type: AuthType::default(),
            biz_appid: None,
            mp_base: self.client().mp_base().to_owned(),
            open_base: self.client().open_base().to_owned(),
        }
    }

    /// `POST /cgi-bin/component/api_query_auth`: exchanges an authorization code (the
    /// redirect's `auth_code`, or the `AuthorizationCode` of an `authorized` push), stores the
    /// authorizer's refresh token and access token, and answers its handle.
    pub async fn query_auth(&self, authorization_code: &str) -> Result<Authorized> {
        const PATH: &str = "/cgi-bin/component/api_query_auth";
        #[derive(Deserialize)]
        struct Answer {
            authorization_info: Info,
        }
        #[derive(Deserialize)]
        struct Info {
            authorizer_appid: Option<String>,
            authorizer_access_token: Option<String>,
            #[serde(default, deserialize_with = "lenient")]
            expires_in: u64,
            authorizer_refresh_token: Option<String>,
            #[serde(default)]
            func_info: Vec<Func>,
        }
        #[derive(Deserialize)]
        struct Func {
            funcscope_category: Option<Category>,
        }
        #[derive(Deserialize)]
        struct Category {
            #[serde(deserialize_with = "lenient")]
            id: u32,
        }
        require("authorization_code", authorization_code)?;
        let body = json!({
            "component_appid": self.app_id(),
            "authorization_code": authorization_code,
        });
        // A code works once: a retry after it reached the platform would only get 61009.
        let answer: Answer = self
            .client()
            .execute(ApiRequest::post(PATH).json(&body)?)
            .await?;
        let info = answer.authorization_info;
        let appid = checked(PATH, "authorizer_appid", info.authorizer_appid)?;
        let appid = appid.expose();
        let client = self.authorizer(appid)?;
        // An account without API rights answers no tokens: it is authorized all the same.
        if let Some(refresh) = info.authorizer_refresh_token.filter(|r| !r.is_empty()) {
            let refresh = checked(PATH, "authorizer_refresh_token", Some(refresh))?;
            keep_refresh_token(self.client(), appid, &refresh).await?;
        }
        if let Some(access) = info.authorizer_access_token.filter(|t| !t.is_empty()) {
            let token = token_for(
                checked(PATH, "authorizer_access_token", Some(access))?,
                info.expires_in,
            );
            keep_access_token(self.client(), appid, &token).await;
        }
        let func_info = info
            .func_info
            .into_iter()
            .filter_map(|f| f.funcscope_category.map(|c| c.id))
            .collect();
        Ok(Authorized {
            authorizer_appid: AppId::from(appid),
            func_info,
            client,
        })
    }

    /// `POST /cgi-bin/component/api_get_authorizer_info`.
    pub async fn authorizer_info(&self, authorizer: &str) -> Result<AuthorizerInfo> {
        require("authorizer_appid", authorizer)?;
        let body = json!({"component_appid": self.app_id(), "authorizer_appid": authorizer});
        let request = ApiRequest::post("/cgi-bin/component/api_get_authorizer_info")
            .json(&body)?
            .idempotent(true);
        self.client().execute(request).await
    }

    /// `POST /cgi-bin/component/api_get_authorizer_list`: `count` (1 to 500) authorizers from
    /// `offset`.
    pub async fn authorizer_page(&self, offset: usize, count: usize) -> Result<AuthorizerPage> {
        if !(1..=AUTHORIZER_PAGE_MAX).contains(&count) {
            return Err(invalid(
                "count",
                Rule::OutOfRange {
                    min: 1,
                    max: AUTHORIZER_PAGE_MAX as i64,
                    unit: Unit::Count,
                    got: i64::try_from(count).unwrap_or(i64::MAX),
                },
            ));
        }
        let body = json!({"component_appid": self.app_id(), "offset": offset, "count": count});
        let request = ApiRequest::post("/cgi-bin/component/api_get_authorizer_list")
            .json(&body)?
            .idempotent(true);
        self.client().execute(request).await
    }

    /// Every authorizer, page after page (500 a call).
    pub async fn authorizers(&self) -> Result<Vec<AuthorizerEntry>> {
        let mut all = Vec::new();
        loop {
            let page = self.authorizer_page(all.len(), AUTHORIZER_PAGE_MAX).await?;
            let empty = page.list.is_empty();
            all.extend(page.list);
            if empty || all.len() >= page.total_count {
                return Ok(all);
            }
        }
    }

    /// `POST /cgi-bin/component/api_get_authorizer_option`: an authorizer's option.
    pub async fn option(&self, authorizer: &str, name: &str) -> Result<AuthorizerOption> {
        require("authorizer_appid", authorizer)?;
        require("option_name", name)?;
        let body = json!({
            "component_appid": self.app_id(),
            "authorizer_appid": authorizer,
            "option_name": name,
        });
        let request = ApiRequest::post("/cgi-bin/component/api_get_authorizer_option")
            .json(&body)?
            .idempotent(true);
        self.client().execute(request).await
    }

    /// `POST /cgi-bin/component/api_set_authorizer_option`: sets an authorizer's option.
    pub async fn set_option(&self, authorizer: &str, name: &str, value: &str) -> Result<()> {
        require("authorizer_appid", authorizer)?;
        require("option_name", name)?;
        require("option_value", value)?;
        let body = json!({
            "component_appid": self.app_id(),
            "authorizer_appid": authorizer,
            "option_name": name,
            "option_value": value,
        });
        let request = ApiRequest::post("/cgi-bin/component/api_set_authorizer_option")
            .json(&body)?
            .idempotent(true);
        let _: crate::api::support::Ack = self.client().execute(request).await?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::{Account, Error, InvalidRequest};

    fn component() -> Component {
        let client = Client::builder()
            .account(Account::component("wxcomponent000001", "component-secret"))
            .api_bases(["http://127.0.0.1:9"])
            .build()
            .unwrap();
        Component::new(client).unwrap()
    }

    fn field_of(error: Error) -> String {
        match error {
            Error::InvalidRequest(InvalidRequest::Field { field, .. }) => field,
            Error::InvalidRequest(InvalidRequest::Url { field, .. }) => field.to_owned(),
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn the_pages_carry_every_parameter_encoded() {
        let url = component()
            .authorization_url("preauthcode@@@a b", "https://saas.example.com/back?x=1")
            .auth_type(AuthType::OfficialAccounts)
            .biz_appid("wxbiz0000000001");
        assert_eq!(
            url.pc().unwrap(),
            "http://127.0.0.1:9/cgi-bin/componentloginpage?component_appid=wxcomponent000001\
             &pre_auth_code=preauthcode%40%40%40a%20b\
             &redirect_uri=https%3A%2F%2Fsaas.example.com%2Fback%3Fx%3D1&auth_type=1\
             &biz_appid=wxbiz0000000001"
        );
        let mobile = url.mobile().unwrap();
        assert!(
            mobile.starts_with(
                "http://127.0.0.1:9/wxaopen/safe/bindcomponent?action=bindcomponent&no_scan=1\
                 &component_appid=wxcomponent000001&"
            ),
            "{mobile}"
        );
        assert!(mobile.ends_with("#wechat_redirect"), "{mobile}");
        let both = component()
            .authorization_url("p", "https://a.example.com/")
            .pc()
            .unwrap();
        assert!(both.ends_with("&auth_type=3"), "{both}");
    }

    #[test]
    fn bad_parameters_are_refused_by_name() {
        let c = component();
        let refused = |url: AuthorizationUrl| field_of(url.pc().unwrap_err());
        assert_eq!(
            refused(c.authorization_url("", "https://a.example.com/")),
            "pre_auth_code"
        );
        assert_eq!(
            refused(c.authorization_url("p", "not a url")),
            "redirect_uri"
        );
        assert_eq!(
            refused(c.authorization_url("p", "ftp://a.example.com/")),
            "redirect_uri"
        );
        assert_eq!(
            refused(c.authorization_url("p", "https://a.example.com/#x")),
            "redirect_uri"
        );
        assert_eq!(
            refused(
                c.authorization_url("p", "https://a.example.com/")
                    .biz_appid("wx&x=1")
            ),
            "biz_appid"
        );
    }

    #[tokio::test]
    async fn pages_outside_the_platform_limit_are_refused_before_sending() {
        let error = component().authorizer_page(0, 501).await.unwrap_err();
        assert_eq!(field_of(error), "count");
        let error = component().authorizer_page(0, 0).await.unwrap_err();
        assert_eq!(field_of(error), "count");
    }

    #[test]
    fn an_account_of_its_own_is_not_a_component() {
        let client = Client::builder()
            .account(Account::new("wx0123456789abcdef", "s"))
            .build()
            .unwrap();
        assert!(matches!(
            Component::new(client),
            Err(Error::Component(
                super::super::ComponentError::NotAComponent { .. }
            ))
        ));
    }
}
