//! Mass messages (api-reference §8): send to every follower, to a tag, to a legacy group or to
//! a list of 2 to 10,000 OpenIDs; preview to one user; delete; status; speed.
//!
//! # Never twice
//!
//! Every send carries a `clientmsgid` (at most 64 bytes): the caller's, or one generated when
//! the request value is made ([`SendMass::client_msg_id`] shows it — keep it to ask again after
//! a crash). The platform runs a `clientmsgid` once, so a mass send with one is safe to repeat
//! and the client retries it like a read after a lost connection, a 5xx or `-1`. When the
//! platform already ran it, it answers 45065 with the `msg_id` of that send: this module turns
//! that into a success, [`MassSent`] with `already_sent: true`. Asking again with the same
//! `clientmsgid` within a minute answers 45066 (an [`Error::Api`](crate::Error::Api): wait a
//! minute and ask again to learn the `msg_id`).
//!
//! # Checked before anything is sent
//! - 2 to 10,000 OpenIDs for a list send (40130 / 40032 otherwise), none empty;
//! - a `clientmsgid` of 1 to 64 bytes (45067 beyond);
//! - speed 0 to 4 (45083 otherwise);
//! - non-empty `media_id`, `card_id`, text content, preview recipient.
//!
//! The results arrive later as the `MASSSENDJOBFINISH` event.
//!
//! This file holds the area's handle (`client.mass()`), its limits and the send itself; the
//! messages live in `message.rs`, previews, deletion, status and speed in `manage.rs`.
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! use wxoa_client::api::mass::MassMessage;
//!
//! let send = client.mass().to_tag(2, MassMessage::text("Spring sale starts today"));
//! println!("clientmsgid {}", send.client_msg_id());
//! let sent = send.await?;
//! println!("msg_id {} (already sent before: {})", sent.msg_id, sent.already_sent);
//! # Ok(())
//! # }
//! ```

mod manage;
mod message;

pub use manage::{
    DeleteMass, GetSpeed, MassStatus, MassStatusRequest, Preview, PreviewSent, SendStatus,
    SetSpeed, Speed,
};
pub use message::{ImageSet, MassMessage};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::{MsgId, OpenId};

use crate::api::support::{invalid, opt_lenient, require};
use crate::{ApiRequest, Client, Result, Rule, Unit};
use manage::Recipient;
use message::MassContent;

/// Fewest OpenIDs of a list send.
pub const OPENIDS_MIN: usize = 2;
/// Most OpenIDs of a list send.
pub const OPENIDS_MAX: usize = 10_000;
/// Longest `clientmsgid`, in bytes.
pub const CLIENT_MSG_ID_MAX_BYTES: usize = 64;
/// Slowest speed level (0 is the fastest).
pub const SPEED_MAX: u8 = 4;

/// The errcode of a `clientmsgid` the platform already ran.
const CLIENT_MSG_ID_EXISTS: i64 = 45065;

/// The mass-message API: `client.mass()`.
#[derive(Debug, Clone)]
pub struct Mass {
    client: Client,
}

impl Client {
    /// The mass-message API (api-reference §8).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::mass::MassMessage;
    /// let sent = client.mass().to_all(MassMessage::mpnews("MEDIA_ID")).await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn mass(&self) -> Mass {
        Mass {
            client: self.clone(),
        }
    }
}

/// Who a mass send goes to: everyone or a tag (`sendall` with its `filter`), or a list of
/// OpenIDs (`send` with `touser`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
enum Audience {
    #[serde(rename = "filter")]
    Filter(Filter),
    #[serde(rename = "touser")]
    OpenIds(Vec<OpenId>),
}

/// The `filter` of `sendall`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Filter {
    is_to_all: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag_id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<u32>,
}

impl Audience {
    fn filter(tag_id: Option<u32>, group_id: Option<u32>) -> Audience {
        Audience::Filter(Filter {
            is_to_all: tag_id.is_none() && group_id.is_none(),
            tag_id,
            group_id,
        })
    }
}

impl Mass {
    /// `POST /cgi-bin/message/mass/sendall` with `is_to_all`: every follower.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::mass::MassMessage;
    /// let sent = client.mass().to_all(MassMessage::text("hello")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_all(&self, message: MassMessage) -> SendMass {
        self.send(Audience::filter(None, None), message)
    }

    /// `POST /cgi-bin/message/mass/sendall` with a `tag_id`: the followers with that tag.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::mass::MassMessage;
    /// let sent = client.mass().to_tag(134, MassMessage::image("MEDIA_ID")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_tag(&self, tag_id: u32, message: MassMessage) -> SendMass {
        self.send(Audience::filter(Some(tag_id), None), message)
    }

    /// `POST /cgi-bin/message/mass/sendall` with a legacy `group_id` (分组, superseded by
    /// tags; still answered by the platform).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::mass::MassMessage;
    /// let sent = client.mass().to_group(108, MassMessage::text("hello")).await?;
    /// # Ok(())
    /// # }
    /// ```
    #[deprecated(note = "legacy groups are superseded by tags: use to_tag")]
    pub fn to_group(&self, group_id: u32, message: MassMessage) -> SendMass {
        self.send(Audience::filter(None, Some(group_id)), message)
    }

    /// `POST /cgi-bin/message/mass/send`: 2 to 10,000 OpenIDs.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::mass::MassMessage;
    /// let sent = client.mass().to_openids(["o1", "o2"], MassMessage::voice("MEDIA_ID")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_openids<I, O>(&self, openids: I, message: MassMessage) -> SendMass
    where
        I: IntoIterator<Item = O>,
        O: Into<OpenId>,
    {
        self.send(
            Audience::OpenIds(openids.into_iter().map(Into::into).collect()),
            message,
        )
    }

    fn send(&self, audience: Audience, message: MassMessage) -> SendMass {
        SendMass {
            client: self.client.clone(),
            audience,
            content: MassContent {
                message,
                reprint_check: true,
            },
            client_msg_id: generate_client_msg_id(),
        }
    }

    /// `POST /cgi-bin/message/mass/preview` to one follower by OpenID (100 previews a day).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::mass::MassMessage;
    /// client.mass().preview_to_openid("oUser", MassMessage::text("draft")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn preview_to_openid(&self, openid: impl Into<OpenId>, message: MassMessage) -> Preview {
        Preview::new(
            self.client.clone(),
            Recipient::OpenId(openid.into()),
            message,
        )
    }

    /// `POST /cgi-bin/message/mass/preview` to one follower by WeChat id (`towxname`).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::mass::MassMessage;
    /// client.mass().preview_to_wxname("editor-wechat-id", MassMessage::mpnews("MEDIA_ID")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn preview_to_wxname(&self, wxname: impl Into<String>, message: MassMessage) -> Preview {
        Preview::new(
            self.client.clone(),
            Recipient::WxName(wxname.into()),
            message,
        )
    }

    /// `POST /cgi-bin/message/mass/delete`: invalidates the detail page of a sent mass message
    /// (articles and videos only); every article unless [`DeleteMass::article_idx`] says one.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.mass().delete(30124).article_idx(2).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, msg_id: impl Into<MsgId>) -> DeleteMass {
        DeleteMass {
            client: self.client.clone(),
            msg_id: msg_id.into(),
            article_idx: None,
            url: None,
        }
    }

    /// `POST /cgi-bin/message/mass/get`: where a mass send stands.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let status = client.mass().status(201053012).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn status(&self, msg_id: impl Into<MsgId>) -> MassStatusRequest {
        MassStatusRequest {
            client: self.client.clone(),
            msg_id: msg_id.into(),
        }
    }

    /// `POST /cgi-bin/message/mass/speed/get`: the current speed level.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let speed = client.mass().speed().await?;
    /// println!("level {} = {}万/min", speed.speed, speed.realspeed);
    /// # Ok(())
    /// # }
    /// ```
    pub fn speed(&self) -> GetSpeed {
        GetSpeed {
            client: self.client.clone(),
        }
    }

    /// `POST /cgi-bin/message/mass/speed/set`: 0 (800,000 a minute) to 4 (100,000 a minute).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.mass().set_speed(1).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_speed(&self, speed: u8) -> SetSpeed {
        SetSpeed {
            client: self.client.clone(),
            speed,
        }
    }
}

/// A fresh `clientmsgid`: 128 random bits, 37 bytes.
fn generate_client_msg_id() -> String {
    format!("wxoa-{:032x}", rand::random::<u128>())
}

/// `sendall` or `send`, from [`Mass::to_all`], [`Mass::to_tag`], [`Mass::to_group`] and
/// [`Mass::to_openids`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SendMass {
    #[serde(skip)]
    client: Client,
    #[serde(flatten)]
    audience: Audience,
    #[serde(flatten)]
    content: MassContent,
    #[serde(rename = "clientmsgid")]
    client_msg_id: String,
}

impl SendMass {
    /// Uses this `clientmsgid` (1 to 64 bytes) instead of the generated one: sending the same
    /// message again with it can never go out twice.
    pub fn with_client_msg_id(mut self, client_msg_id: impl Into<String>) -> Self {
        self.client_msg_id = client_msg_id.into();
        self
    }

    /// The `clientmsgid` this send carries (generated unless given).
    #[must_use]
    pub fn client_msg_id(&self) -> &str {
        &self.client_msg_id
    }

    fn request(&self) -> Result<ApiRequest> {
        require("clientmsgid", &self.client_msg_id)?;
        if self.client_msg_id.len() > CLIENT_MSG_ID_MAX_BYTES {
            return Err(invalid(
                "clientmsgid",
                Rule::AtMost {
                    max: CLIENT_MSG_ID_MAX_BYTES as u64,
                    unit: Unit::Bytes,
                    got: self.client_msg_id.len() as u64,
                },
            ));
        }
        let path = match &self.audience {
            Audience::Filter(_) => "/cgi-bin/message/mass/sendall",
            Audience::OpenIds(openids) => {
                if !(OPENIDS_MIN..=OPENIDS_MAX).contains(&openids.len()) {
                    return Err(invalid(
                        "touser",
                        Rule::OutOfRange {
                            min: OPENIDS_MIN as i64,
                            max: OPENIDS_MAX as i64,
                            unit: Unit::OpenIds,
                            got: openids.len() as i64,
                        },
                    ));
                }
                if let Some(i) = openids.iter().position(|o| o.as_str().is_empty()) {
                    return Err(invalid(format!("touser[{i}]"), Rule::Empty));
                }
                "/cgi-bin/message/mass/send"
            }
        };
        self.content.message.validate()?;
        // The platform runs a clientmsgid once: repeating the call cannot send twice.
        Ok(ApiRequest::post(path)
            .json(self)?
            .idempotent(true)
            .answer_errcode(CLIENT_MSG_ID_EXISTS))
    }
}

impl std::future::IntoFuture for SendMass {
    type Output = Result<MassSent>;
    type IntoFuture = futures::future::BoxFuture<'static, Result<MassSent>>;

    fn into_future(self) -> Self::IntoFuture {
        let request = self.request();
        let client_msg_id = self.client_msg_id;
        let call = crate::api::call::<SendAnswer>(self.client, request);
        Box::pin(async move {
            let answer = call.await?;
            Ok(MassSent {
                msg_id: answer.msg_id,
                msg_data_id: answer.msg_data_id,
                client_msg_id,
                already_sent: answer.errcode == Some(CLIENT_MSG_ID_EXISTS),
                extra: answer.extra,
            })
        })
    }
}

#[derive(Deserialize)]
struct SendAnswer {
    #[serde(default, deserialize_with = "opt_lenient")]
    errcode: Option<i64>,
    #[serde(default, rename = "errmsg")]
    _errmsg: Option<String>,
    msg_id: MsgId,
    #[serde(default, deserialize_with = "opt_lenient")]
    msg_data_id: Option<u64>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

/// A mass send the platform accepted.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct MassSent {
    /// The send's id (the `MsgID` of its `MASSSENDJOBFINISH` event).
    pub msg_id: MsgId,
    /// The id of the articles' data (articles only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msg_data_id: Option<u64>,
    /// The `clientmsgid` the send carried.
    pub client_msg_id: String,
    /// The platform had already run this `clientmsgid` (errcode 45065): nothing new went out,
    /// `msg_id` is the earlier send's.
    pub already_sent: bool,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_client_msg_ids_are_unique_and_short_enough() {
        let a = generate_client_msg_id();
        let b = generate_client_msg_id();
        assert_ne!(a, b);
        assert!(a.len() <= CLIENT_MSG_ID_MAX_BYTES);
    }
}
