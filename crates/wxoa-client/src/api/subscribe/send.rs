//! `POST /cgi-bin/message/subscribe/bizsend`: a notification to a follower who consented to
//! the template, each value checked against its keyword type before it leaves.

use serde::Serialize;
use wxoa_types::ids::{OpenId, TemplateId};
use wxoa_types::subscribe::{KeywordLimits, check_field};

use super::{MiniProgramState, NotificationLang, Sent};
use crate::api::support::{awaitable, bytes_between, invalid, require};
use crate::api::template::{CLIENT_MSG_ID_MAX, MiniProgram, fields_as_object};
use crate::{ApiRequest, Client, Result, Rule};

/// One field of a notification's `data`: only a value (no colour, unlike template messages).
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Field {
    value: String,
}

/// `POST /cgi-bin/message/subscribe/bizsend`, from
/// [`Subscriptions::send`](super::Subscriptions::send).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SendNotification {
    #[serde(skip)]
    client: Client,
    #[serde(skip)]
    limits: KeywordLimits,
    #[serde(rename = "touser")]
    openid: OpenId,
    template_id: TemplateId,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    miniprogram: Option<MiniProgram>,
    #[serde(skip_serializing_if = "Option::is_none")]
    miniprogram_state: Option<MiniProgramState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lang: Option<NotificationLang>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_msg_id: Option<String>,
    /// The fields, in the order they were set, written as one object.
    #[serde(serialize_with = "fields_as_object")]
    data: Vec<(String, Field)>,
}

impl SendNotification {
    pub(super) fn new(client: Client, openid: OpenId, template_id: TemplateId) -> Self {
        Self {
            client,
            limits: KeywordLimits::default(),
            openid,
            template_id,
            page: None,
            miniprogram: None,
            miniprogram_state: None,
            lang: None,
            client_msg_id: None,
            data: Vec::new(),
        }
    }

    /// Sets a field of `data`: `name` is the template's placeholder (`thing1`, `time2`), and
    /// the value must follow the rule of the name's type.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, field) = (
            name.into(),
            Field {
                value: value.into(),
            },
        );
        match self.data.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => *existing = field,
            None => self.data.push((name, field)),
        }
        self
    }

    /// Where a tap leads (`page`: a web page per the SDKs; the platform's newest page says a
    /// mini-program page — unsure). A mini program set with [`Self::miniprogram`] wins.
    pub fn page(mut self, page: impl Into<String>) -> Self {
        self.page = Some(page.into());
        self
    }

    /// Opens this page of a linked mini program on a tap.
    pub fn miniprogram(mut self, appid: impl Into<String>, pagepath: impl Into<String>) -> Self {
        self.miniprogram = Some(MiniProgram::new(appid, pagepath));
        self
    }

    /// Which version of the mini program a tap opens (`miniprogram_state`).
    pub fn miniprogram_state(mut self, state: MiniProgramState) -> Self {
        self.miniprogram_state = Some(state);
        self
    }

    /// The language of the mini program a tap opens (`lang`).
    pub fn lang(mut self, lang: NotificationLang) -> Self {
        self.lang = Some(lang);
        self
    }

    /// The idempotency key of the platform's newest page (at most 64 bytes): a notification
    /// with a key the platform has seen is sent once only, so the call may then be retried.
    pub fn client_msg_id(mut self, key: impl Into<String>) -> Self {
        self.client_msg_id = Some(key.into());
        self
    }

    /// The limits values are checked against (default: the platform's table; see
    /// [`KeywordLimits`] for the ones the sources disagree on).
    pub fn keyword_limits(mut self, limits: KeywordLimits) -> Self {
        self.limits = limits;
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("touser", self.openid.as_str())?;
        require("template_id", self.template_id.as_str())?;
        if self.data.is_empty() {
            return Err(invalid("data", Rule::NoData));
        }
        for (name, field) in &self.data {
            if name.is_empty() {
                return Err(invalid("data", Rule::DataName));
            }
            check_field(name, &field.value, &self.limits)
                .map_err(|e| invalid(format!("data.{name}.value"), Rule::Keyword(e)))?;
        }
        if let Some(page) = &self.page {
            require("page", page)?;
        }
        if let Some(mini) = &self.miniprogram {
            require("miniprogram.appid", &mini.appid)?;
        }
        if let Some(MiniProgramState::Unknown(other)) = &self.miniprogram_state {
            return Err(invalid(
                "miniprogram_state",
                Rule::OneOf {
                    choices: &["developer", "trial", "formal"],
                    got: other.clone(),
                },
            ));
        }
        if let Some(NotificationLang::Unknown(other)) = &self.lang {
            return Err(invalid(
                "lang",
                Rule::OneOf {
                    choices: &["zh_CN", "en_US", "zh_HK", "zh_TW"],
                    got: other.clone(),
                },
            ));
        }
        if let Some(key) = &self.client_msg_id {
            bytes_between("client_msg_id", key, CLIENT_MSG_ID_MAX)?;
        }
        Ok(ApiRequest::post("/cgi-bin/message/subscribe/bizsend")
            .json(self)?
            .idempotent(self.client_msg_id.is_some()))
    }
}

awaitable!(SendNotification => Sent);
