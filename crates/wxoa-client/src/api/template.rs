//! Template messages (模板消息, api-reference §13): the account's industries, its templates,
//! and sends with a link or a mini-program page, per-field colours and an idempotency key.
//!
//! The result of a send arrives later as a `TEMPLATESENDJOBFINISH` event with the same
//! `MsgID` (see `wxoa_types::inbound`).
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let msgid = client
//!     .templates()
//!     .send("oUser", "Doclyl5uP7Aciu-qZ7mJNPtWkbkYnWBWVja26EGbNyk")
//!     .url("https://example.com/order/42")
//!     .field("keyword1", "巧克力")
//!     .colored_field("keyword2", "39.8元", "#173177")
//!     .client_msg_id("order-42-shipped")
//!     .await?;
//! # Ok(())
//! # }
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::{MsgId, OpenId, TemplateId};

use crate::api::support::{
    Ack, awaitable, bytes_between, invalid, number_as_text, parameterless_get, require,
};
use crate::{ApiRequest, Client, Result, Rule};

/// Longest `client_msg_id`, in bytes (the limit of mass sends' `clientmsgid`).
pub const CLIENT_MSG_ID_MAX: usize = 64;

/// An industry as the platform names it: first and second class.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IndustryClass {
    /// The first class, e.g. `IT科技`.
    #[serde(default)]
    pub first_class: String,
    /// The second class, e.g. `互联网|电子商务`.
    #[serde(default)]
    pub second_class: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The account's industries (`template/get_industry`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Industry {
    /// The primary industry.
    #[serde(default)]
    pub primary_industry: IndustryClass,
    /// The secondary industry.
    #[serde(default)]
    pub secondary_industry: IndustryClass,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A template of the account (`template/get_all_private_template`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Template {
    /// The template id to send with.
    pub template_id: TemplateId,
    /// The title.
    #[serde(default)]
    pub title: String,
    /// The primary industry, as text.
    #[serde(default)]
    pub primary_industry: String,
    /// The secondary industry, as text.
    #[serde(default)]
    pub deputy_industry: String,
    /// The content, with `{{name.DATA}}` placeholders.
    #[serde(default)]
    pub content: String,
    /// An example.
    #[serde(default)]
    pub example: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The template-message API: `client.templates()`.
#[derive(Debug, Clone)]
pub struct Templates {
    client: Client,
}

impl Client {
    /// The template-message API (api-reference §13).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let templates = client.templates().list().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn templates(&self) -> Templates {
        Templates {
            client: self.clone(),
        }
    }
}

impl Templates {
    /// `POST /cgi-bin/template/api_set_industry`: the account's two industries (by the
    /// platform's industry codes; changeable once a month).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.templates().set_industry(1, 4).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_industry(&self, primary: u32, secondary: u32) -> SetIndustry {
        SetIndustry {
            client: self.client.clone(),
            primary,
            secondary,
        }
    }

    /// `GET /cgi-bin/template/get_industry`: the account's industries.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let industry = client.templates().industry().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn industry(&self) -> GetIndustry {
        GetIndustry {
            client: self.client.clone(),
        }
    }

    /// `POST /cgi-bin/template/api_add_template`: adds a template of the library by its short
    /// id (`TM00015`); the answer is its template id.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let id = client.templates().add("TM00015").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn add(&self, template_id_short: impl Into<String>) -> AddTemplate {
        AddTemplate {
            client: self.client.clone(),
            short_id: template_id_short.into(),
            keyword_names: Vec::new(),
        }
    }

    /// `GET /cgi-bin/template/get_all_private_template`: the account's templates.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// for template in client.templates().list().await? {
    ///     println!("{} {}", template.template_id, template.title);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> ListTemplates {
        ListTemplates {
            client: self.client.clone(),
        }
    }

    /// `POST /cgi-bin/template/del_private_template`: removes a template from the account.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.templates().delete("Doclyl5uP7Aciu-qZ7mJNPtWkbkYnWBWVja26EGbNyk").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, template_id: impl Into<TemplateId>) -> DeleteTemplate {
        DeleteTemplate {
            client: self.client.clone(),
            template_id: template_id.into(),
        }
    }

    /// `POST /cgi-bin/message/template/send`: a template message to a follower; the answer is
    /// its `msgid`. With [`SendTemplate::client_msg_id`] the platform sends it once however
    /// often it is asked, so the call is then retried like a read.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let msgid = client
    ///     .templates()
    ///     .send("oUser", "TEMPLATE_ID")
    ///     .miniprogram("wx1234567890abcdef", "index?foo=bar")
    ///     .field("thing1", "订单已发货")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn send(
        &self,
        openid: impl Into<OpenId>,
        template_id: impl Into<TemplateId>,
    ) -> SendTemplate {
        SendTemplate {
            client: self.client.clone(),
            openid: openid.into(),
            template_id: template_id.into(),
            url: None,
            miniprogram: None,
            client_msg_id: None,
            data: Vec::new(),
        }
    }
}

/// `POST /cgi-bin/template/api_set_industry`, from [`Templates::set_industry`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SetIndustry {
    #[serde(skip)]
    client: Client,
    /// The platform's documents send the codes as strings.
    #[serde(rename = "industry_id1", serialize_with = "number_as_text")]
    primary: u32,
    #[serde(rename = "industry_id2", serialize_with = "number_as_text")]
    secondary: u32,
}

impl SetIndustry {
    fn request(&self) -> Result<ApiRequest> {
        for (field, id) in [
            ("industry_id1", self.primary),
            ("industry_id2", self.secondary),
        ] {
            if id == 0 {
                return Err(invalid(field, Rule::IndustryCode));
            }
        }
        ApiRequest::post("/cgi-bin/template/api_set_industry").json(self)
    }
}

awaitable!(SetIndustry => Ack);

parameterless_get!(
    /// `GET /cgi-bin/template/get_industry`, from [`Templates::industry`].
    GetIndustry, "/cgi-bin/template/get_industry" => Industry
);

/// `POST /cgi-bin/template/api_add_template`, from [`Templates::add`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct AddTemplate {
    #[serde(skip)]
    client: Client,
    #[serde(rename = "template_id_short")]
    short_id: String,
    #[serde(rename = "keyword_name_list", skip_serializing_if = "Vec::is_empty")]
    keyword_names: Vec<String>,
}

impl AddTemplate {
    /// The keywords to keep, for category templates (`keyword_name_list`).
    pub fn keyword_names<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.keyword_names = names.into_iter().map(Into::into).collect();
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("template_id_short", &self.short_id)?;
        ApiRequest::post("/cgi-bin/template/api_add_template").json(self)
    }
}

#[derive(Deserialize)]
struct AddAnswer {
    template_id: TemplateId,
}

awaitable!(AddTemplate => AddAnswer => TemplateId, |a: AddAnswer| a.template_id);

#[derive(Deserialize)]
struct ListAnswer {
    #[serde(default)]
    template_list: Vec<Template>,
}

parameterless_get!(
    /// `GET /cgi-bin/template/get_all_private_template`, from [`Templates::list`].
    ListTemplates, "/cgi-bin/template/get_all_private_template" => ListAnswer => Vec<Template>, |a: ListAnswer| a.template_list
);

/// `POST /cgi-bin/template/del_private_template`, from [`Templates::delete`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteTemplate {
    #[serde(skip)]
    client: Client,
    template_id: TemplateId,
}

impl DeleteTemplate {
    fn request(&self) -> Result<ApiRequest> {
        require("template_id", self.template_id.as_str())?;
        ApiRequest::post("/cgi-bin/template/del_private_template").json(self)
    }
}

awaitable!(DeleteTemplate => Ack);

/// One field of a template message's `data`.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Field {
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<String>,
}

/// `POST /cgi-bin/message/template/send`, from [`Templates::send`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SendTemplate {
    #[serde(skip)]
    client: Client,
    #[serde(rename = "touser")]
    openid: OpenId,
    template_id: TemplateId,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    miniprogram: Option<MiniProgram>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_msg_id: Option<String>,
    /// The fields, in the order they were set, written as one object.
    #[serde(serialize_with = "fields_as_object")]
    data: Vec<(String, Field)>,
}

/// The mini-program page a tap opens (template messages and subscription notifications).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MiniProgram {
    pub(crate) appid: String,
    pub(crate) pagepath: String,
}

impl MiniProgram {
    pub(crate) fn new(appid: impl Into<String>, pagepath: impl Into<String>) -> Self {
        Self {
            appid: appid.into(),
            pagepath: pagepath.into(),
        }
    }
}

/// Writes `data` fields, kept in the order they were set, as one JSON object.
pub(crate) fn fields_as_object<S: serde::Serializer, T: Serialize>(
    data: &[(String, T)],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_map(data.iter().map(|(name, field)| (name, field)))
}

impl SendTemplate {
    /// Where a tap leads (a mini-program page wins where both are given and supported).
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Opens this page of a linked mini program on a tap.
    pub fn miniprogram(mut self, appid: impl Into<String>, pagepath: impl Into<String>) -> Self {
        self.miniprogram = Some(MiniProgram::new(appid, pagepath));
        self
    }

    /// The idempotency key (at most 64 bytes): the platform sends a message with a key it has
    /// seen once only, so the call may be retried.
    pub fn client_msg_id(mut self, key: impl Into<String>) -> Self {
        self.client_msg_id = Some(key.into());
        self
    }

    /// Sets a field of `data` (`{{name.DATA}}` of the template).
    pub fn field(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.push(name.into(), value.into(), None)
    }

    /// Sets a field of `data` with its colour, `#RRGGBB` (legacy: current clients ignore it).
    pub fn colored_field(
        self,
        name: impl Into<String>,
        value: impl Into<String>,
        color: impl Into<String>,
    ) -> Self {
        self.push(name.into(), value.into(), Some(color.into()))
    }

    fn push(mut self, name: String, value: String, color: Option<String>) -> Self {
        let field = Field { value, color };
        match self.data.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => *existing = field,
            None => self.data.push((name, field)),
        }
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("touser", self.openid.as_str())?;
        require("template_id", self.template_id.as_str())?;
        for (name, field) in &self.data {
            if name.is_empty() {
                return Err(invalid("data", Rule::DataName));
            }
            if let Some(color) = &field.color
                && !is_color(color)
            {
                return Err(invalid(format!("data.{name}.color"), Rule::HexColor));
            }
        }
        if let Some(url) = &self.url {
            require("url", url)?;
        }
        if let Some(page) = &self.miniprogram {
            require("miniprogram.appid", &page.appid)?;
        }
        if let Some(key) = &self.client_msg_id {
            bytes_between("client_msg_id", key, CLIENT_MSG_ID_MAX)?;
        }
        Ok(ApiRequest::post("/cgi-bin/message/template/send")
            .json(self)?
            .idempotent(self.client_msg_id.is_some()))
    }
}

/// `#RRGGBB`.
pub(crate) fn is_color(color: &str) -> bool {
    color.len() == 7
        && color.starts_with('#')
        && color.bytes().skip(1).all(|b| b.is_ascii_hexdigit())
}

#[derive(Deserialize)]
struct SendAnswer {
    msgid: MsgId,
}

awaitable!(SendTemplate => SendAnswer => MsgId, |a: SendAnswer| a.msgid);
