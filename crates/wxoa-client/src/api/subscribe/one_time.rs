//! The legacy one-time subscription (一次性订阅消息, api-reference-2 §2), superseded by
//! subscription notifications: a page (`mp/subscribemsg`) where the user confirms one
//! message, the redirect back with their OpenID, and the one send the confirmation allows
//! (`message/template/subscribe`). Kept for accounts that still use it.

use percent_encoding::utf8_percent_encode;
use serde::Serialize;
use wxoa_types::ids::{OpenId, TemplateId};

use super::Subscriptions;
use crate::api::oauth::URI_COMPONENT;
use crate::api::support::{
    Ack, alphanumeric, awaitable, invalid, number_as_text, require, web_url,
};
use crate::api::template::{MiniProgram, is_color};
use crate::{ApiRequest, Client, Error, Result, Rule, Unit};

/// Largest `scene`.
pub const SCENE_MAX: u32 = 10_000;
/// Longest `reserved`, in bytes.
pub const RESERVED_MAX_BYTES: usize = 128;
/// Longest `title` of a one-time message, in characters.
pub const TITLE_MAX: usize = 15;
/// Longest `content` of a one-time message, in characters.
pub const CONTENT_MAX: usize = 200;

impl Subscriptions {
    /// **Legacy.** The page where a user confirms one message of `template_id` (a template of
    /// the MP console) for `scene` (0 to 10,000); WeChat then sends them to `redirect_url`
    /// with their OpenID ([`OneTimeConsent`]). Built on the client's mp host.
    ///
    /// ```
    /// let client = wxoa_client::Client::builder()
    ///     .account(wxoa_client::Account::new("wx520c15f417810387", "SECRET"))
    ///     .build()?;
    /// let url = client
    ///     .subscriptions()
    ///     .one_time_authorize_url("TEMPLATE_ID", 1000, "https://example.com/back")
    ///     .reserved("abc123")
    ///     .to_url()?;
    /// assert_eq!(
    ///     url,
    ///     "https://mp.weixin.qq.com/mp/subscribemsg?action=get_confirm&appid=wx520c15f417810387\
    ///      &scene=1000&template_id=TEMPLATE_ID&redirect_url=https%3A%2F%2Fexample.com%2Fback\
    ///      &reserved=abc123#wechat_redirect"
    /// );
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    pub fn one_time_authorize_url(
        &self,
        template_id: impl Into<TemplateId>,
        scene: u32,
        redirect_url: impl Into<String>,
    ) -> OneTimeAuthorizeUrl {
        OneTimeAuthorizeUrl {
            mp_base: self.client.mp_base().to_owned(),
            app_id: self.client.app_id().as_str().to_owned(),
            template_id: template_id.into(),
            scene,
            redirect_url: redirect_url.into(),
            reserved: None,
        }
    }

    /// **Legacy.** `POST /cgi-bin/message/template/subscribe`: the one message a user's
    /// confirmation of `template_id` for `scene` allows; `title` at most 15 characters,
    /// `content` at most 200. Never repeated once it may have reached the platform.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client
    ///     .subscriptions()
    ///     .one_time_send("oUser", "TEMPLATE_ID", 1000, "预约成功", "您预约的课程明天开课")
    ///     .url("https://example.com/course/7")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn one_time_send(
        &self,
        openid: impl Into<OpenId>,
        template_id: impl Into<TemplateId>,
        scene: u32,
        title: impl Into<String>,
        content: impl Into<String>,
    ) -> OneTimeSend {
        OneTimeSend {
            client: self.client.clone(),
            openid: openid.into(),
            template_id: template_id.into(),
            url: None,
            miniprogram: None,
            scene,
            title: title.into(),
            data: OneTimeData {
                content: OneTimeContent {
                    value: content.into(),
                    color: None,
                },
            },
        }
    }
}

/// The confirmation page's URL, from [`Subscriptions::one_time_authorize_url`].
#[derive(Debug, Clone)]
#[must_use = "the URL is built by to_url"]
pub struct OneTimeAuthorizeUrl {
    mp_base: String,
    app_id: String,
    template_id: TemplateId,
    scene: u32,
    redirect_url: String,
    reserved: Option<String>,
}

impl OneTimeAuthorizeUrl {
    /// The value WeChat hands back with the redirect, against CSRF: letters and digits, at
    /// most 128 bytes.
    pub fn reserved(mut self, reserved: impl Into<String>) -> Self {
        self.reserved = Some(reserved.into());
        self
    }

    /// The URL, parameters in the platform's order, after checking them.
    pub fn to_url(&self) -> Result<String> {
        require("appid", &self.app_id)?;
        require("template_id", self.template_id.as_str())?;
        if self.scene > SCENE_MAX {
            return Err(scene_out_of_range(self.scene));
        }
        web_url("redirect_url", &self.redirect_url)?;
        let mut url = format!(
            "{}/mp/subscribemsg?action=get_confirm&appid={}&scene={}&template_id={}&redirect_url={}",
            self.mp_base,
            utf8_percent_encode(&self.app_id, URI_COMPONENT),
            self.scene,
            utf8_percent_encode(self.template_id.as_str(), URI_COMPONENT),
            utf8_percent_encode(&self.redirect_url, URI_COMPONENT),
        );
        if let Some(reserved) = &self.reserved {
            alphanumeric("reserved", reserved, RESERVED_MAX_BYTES)?;
            url.push_str("&reserved=");
            url.push_str(reserved);
        }
        url.push_str("#wechat_redirect");
        Ok(url)
    }
}

/// What the user chose on the confirmation page.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OneTimeAction {
    /// `confirm`: one message may be sent.
    Confirm,
    /// `cancel`: nothing may be sent.
    Cancel,
    /// A value this version does not know, kept as sent.
    Unknown(String),
}

/// The redirect back from the confirmation page:
/// `redirect_url?openid=…&template_id=…&action=confirm|cancel&scene=…&reserved=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OneTimeConsent {
    /// The user, present when they confirmed.
    pub openid: Option<OpenId>,
    /// The template.
    pub template_id: TemplateId,
    /// What they chose.
    pub action: OneTimeAction,
    /// The scene of the page.
    pub scene: u32,
    /// The `reserved` of the page, to check against the one it was given.
    pub reserved: Option<String>,
}

impl OneTimeConsent {
    /// Reads the query string of the redirect (with or without the leading `?`).
    ///
    /// ```
    /// use wxoa_client::api::subscribe::{OneTimeAction, OneTimeConsent};
    ///
    /// let consent = OneTimeConsent::from_query(
    ///     "openid=oUser&template_id=T&action=confirm&scene=1000&reserved=abc",
    /// )?;
    /// assert_eq!(consent.action, OneTimeAction::Confirm);
    /// assert_eq!(consent.openid.unwrap().as_str(), "oUser");
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    pub fn from_query(query: &str) -> Result<Self> {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let get = |key: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let template_id =
            get("template_id").ok_or_else(|| invalid("template_id", Rule::Required))?;
        let scene = get("scene")
            .ok_or_else(|| invalid("scene", Rule::Required))?
            .parse()
            .map_err(|_| invalid("scene", Rule::NotANumber))?;
        let action = match get("action") {
            Some("confirm") => OneTimeAction::Confirm,
            Some("cancel") => OneTimeAction::Cancel,
            Some(other) => OneTimeAction::Unknown(other.to_owned()),
            None => return Err(invalid("action", Rule::Required)),
        };
        Ok(Self {
            openid: get("openid").map(OpenId::from),
            template_id: TemplateId::from(template_id),
            action,
            scene,
            reserved: get("reserved").map(str::to_owned),
        })
    }
}

/// A `scene` past [`SCENE_MAX`].
fn scene_out_of_range(scene: u32) -> Error {
    invalid(
        "scene",
        Rule::OutOfRange {
            min: 0,
            max: i64::from(SCENE_MAX),
            unit: Unit::Count,
            got: i64::from(scene),
        },
    )
}

#[derive(Debug, Clone, Serialize)]
struct OneTimeData {
    content: OneTimeContent,
}

#[derive(Debug, Clone, Serialize)]
struct OneTimeContent {
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<String>,
}

/// `POST /cgi-bin/message/template/subscribe`, from [`Subscriptions::one_time_send`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct OneTimeSend {
    #[serde(skip)]
    client: Client,
    #[serde(rename = "touser")]
    openid: OpenId,
    template_id: TemplateId,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    miniprogram: Option<MiniProgram>,
    /// A string on the wire, as the platform's example writes it.
    #[serde(serialize_with = "number_as_text")]
    scene: u32,
    title: String,
    data: OneTimeData,
}

impl OneTimeSend {
    /// Where a tap leads.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Opens this page of a linked mini program on a tap.
    pub fn miniprogram(mut self, appid: impl Into<String>, pagepath: impl Into<String>) -> Self {
        self.miniprogram = Some(MiniProgram::new(appid, pagepath));
        self
    }

    /// The colour of the content, `#RRGGBB`.
    pub fn color(mut self, color: impl Into<String>) -> Self {
        self.data.content.color = Some(color.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("touser", self.openid.as_str())?;
        require("template_id", self.template_id.as_str())?;
        if self.scene > SCENE_MAX {
            return Err(scene_out_of_range(self.scene));
        }
        for (field, value, max) in [
            ("title", &self.title, TITLE_MAX),
            ("data.content.value", &self.data.content.value, CONTENT_MAX),
        ] {
            require(field, value)?;
            if value.chars().count() > max {
                return Err(invalid(
                    field,
                    Rule::LongerThan {
                        max,
                        unit: Unit::Characters,
                    },
                ));
            }
        }
        if let Some(color) = &self.data.content.color
            && !is_color(color)
        {
            return Err(invalid("data.content.color", Rule::HexColor));
        }
        if let Some(url) = &self.url {
            require("url", url)?;
        }
        if let Some(mini) = &self.miniprogram {
            require("miniprogram.appid", &mini.appid)?;
        }
        ApiRequest::post("/cgi-bin/message/template/subscribe").json(self)
    }
}

awaitable!(OneTimeSend => Ack);
