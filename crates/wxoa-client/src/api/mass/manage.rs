//! A mass send once made or before it is made: a preview to one person, deleting a send,
//! its status, and the speed of sends.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::{MsgId, OpenId};

use super::SPEED_MAX;
use super::message::{MassContent, MassMessage};
use crate::api::support::{Ack, awaitable, invalid, lenient, require, string_enum};
use crate::{ApiRequest, Client, Result, Rule, Unit};

/// `POST /cgi-bin/message/mass/preview`, from [`Mass::preview_to_openid`] and
/// [`Mass::preview_to_wxname`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct Preview {
    #[serde(skip)]
    client: Client,
    #[serde(flatten)]
    recipient: Recipient,
    #[serde(flatten)]
    content: MassContent,
}

/// Who a preview goes to: a follower (`touser`) or a WeChat id (`towxname`).
#[derive(Debug, Clone, Serialize)]
pub(super) enum Recipient {
    #[serde(rename = "touser")]
    OpenId(OpenId),
    #[serde(rename = "towxname")]
    WxName(String),
}

impl Preview {
    pub(super) fn new(client: Client, recipient: Recipient, message: MassMessage) -> Preview {
        Preview {
            client,
            recipient,
            // A preview reaches one person: reprint checks do not apply.
            content: MassContent {
                message,
                reprint_check: false,
            },
        }
    }

    fn request(&self) -> Result<ApiRequest> {
        match &self.recipient {
            Recipient::OpenId(openid) => require("touser", openid.as_str())?,
            Recipient::WxName(wxname) => require("towxname", wxname)?,
        }
        self.content.message.validate()?;
        ApiRequest::post("/cgi-bin/message/mass/preview").json(self)
    }
}

/// A preview sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PreviewSent {
    /// The preview's id, when the platform gives one.
    #[serde(default)]
    pub msg_id: Option<MsgId>,
    /// Fields this version does not know (`errcode`, `errmsg` included).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(Preview => PreviewSent);

/// `POST /cgi-bin/message/mass/delete`, from [`Mass::delete`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteMass {
    #[serde(skip)]
    pub(super) client: Client,
    pub(super) msg_id: MsgId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) article_idx: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) url: Option<String>,
}

impl DeleteMass {
    /// Deletes only this article, counted from 1 (0 deletes them all, like leaving it out).
    pub fn article_idx(mut self, index: u32) -> Self {
        self.article_idx = Some(index);
        self
    }

    /// The URL of the article to delete.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        if let Some(url) = &self.url {
            require("url", url)?;
        }
        ApiRequest::post("/cgi-bin/message/mass/delete").json(self)
    }
}

awaitable!(DeleteMass => Ack);

/// `POST /cgi-bin/message/mass/get`, from [`Mass::status`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct MassStatusRequest {
    #[serde(skip)]
    pub(super) client: Client,
    /// The spec writes this msg_id as a string.
    #[serde(serialize_with = "msg_id_as_text")]
    pub(super) msg_id: MsgId,
}

fn msg_id_as_text<S: serde::Serializer>(
    msg_id: &MsgId,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(msg_id)
}

impl MassStatusRequest {
    fn request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::post("/cgi-bin/message/mass/get")
            .json(self)?
            .idempotent(true))
    }
}

string_enum! {
    /// Where a mass send stands.
    pub enum SendStatus {
        /// Being sent.
        Sending = "SENDING",
        /// Sent.
        SendSuccess = "SEND_SUCCESS",
        /// Failed.
        SendFail = "SEND_FAIL",
        /// Deleted.
        Delete = "DELETE",
    }
}

/// The status of a mass send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MassStatus {
    /// The send.
    pub msg_id: MsgId,
    /// Where it stands.
    pub msg_status: SendStatus,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(MassStatusRequest => MassStatus);

/// `POST /cgi-bin/message/mass/speed/get`, from [`Mass::speed`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetSpeed {
    #[serde(skip)]
    pub(super) client: Client,
}

impl GetSpeed {
    fn request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::post("/cgi-bin/message/mass/speed/get")
            .json(self)?
            .idempotent(true))
    }
}

/// The speed of mass sends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Speed {
    /// The level: 0 (fastest, 800,000 a minute) to 4 (100,000 a minute).
    #[serde(deserialize_with = "lenient")]
    pub speed: u8,
    /// The speed in units of 10,000 messages a minute (万/min).
    #[serde(default, deserialize_with = "lenient")]
    pub realspeed: u32,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(GetSpeed => Speed);

/// `POST /cgi-bin/message/mass/speed/set`, from [`Mass::set_speed`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SetSpeed {
    #[serde(skip)]
    pub(super) client: Client,
    pub(super) speed: u8,
}

impl SetSpeed {
    fn request(&self) -> Result<ApiRequest> {
        if self.speed > SPEED_MAX {
            return Err(invalid(
                "speed",
                Rule::OutOfRange {
                    min: 0,
                    max: SPEED_MAX.into(),
                    unit: Unit::Count,
                    got: self.speed.into(),
                },
            ));
        }
        // Setting the same level twice is the same as once.
        Ok(ApiRequest::post("/cgi-bin/message/mass/speed/set")
            .json(self)?
            .idempotent(true))
    }
}

awaitable!(SetSpeed => Ack);
