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

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use wxoa_types::ids::{CardId, MediaId, MsgId, OpenId};

use crate::api::support::{Ack, awaitable, invalid, lenient, opt_lenient, require, string_enum};
use crate::{ApiRequest, Client, Result};

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

/// What a mass message says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MassMessage {
    /// An article message (`mpnews`): a `media_id` from `media/uploadnews`, a permanent news
    /// material or a draft.
    MpNews {
        /// The news.
        media_id: MediaId,
        /// Go on when an article is judged a reprint and reprinting is allowed
        /// (`send_ignore_reprint` 1); stop otherwise (the default).
        send_ignore_reprint: bool,
    },
    /// A text.
    Text {
        /// The text.
        content: String,
    },
    /// A voice message.
    Voice {
        /// A voice media or material.
        media_id: MediaId,
    },
    /// One image.
    Image {
        /// An image media or material.
        media_id: MediaId,
    },
    /// Several images in one message (`image` with `images`).
    Images(ImageSet),
    /// A video: a `media_id` from `media/uploadvideo` or a permanent video.
    MpVideo {
        /// The video.
        media_id: MediaId,
    },
    /// A card.
    WxCard {
        /// The card.
        card_id: CardId,
    },
}

/// The images of an [`MassMessage::Images`] message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageSet {
    /// The images, in order.
    pub media_ids: Vec<MediaId>,
    /// The recommendation text shown with them.
    pub recommend: Option<String>,
    /// Whether comments are open.
    pub need_open_comment: bool,
    /// Whether only followers may comment.
    pub only_fans_can_comment: bool,
}

impl ImageSet {
    /// A set of images, comments closed.
    pub fn new<I, M>(media_ids: I) -> ImageSet
    where
        I: IntoIterator<Item = M>,
        M: Into<MediaId>,
    {
        ImageSet {
            media_ids: media_ids.into_iter().map(Into::into).collect(),
            ..ImageSet::default()
        }
    }

    /// Shows this recommendation text.
    #[must_use]
    pub fn recommend(mut self, text: impl Into<String>) -> Self {
        self.recommend = Some(text.into());
        self
    }

    /// Opens comments, to everyone or to followers only.
    #[must_use]
    pub fn open_comments(mut self, followers_only: bool) -> Self {
        self.need_open_comment = true;
        self.only_fans_can_comment = followers_only;
        self
    }
}

impl MassMessage {
    /// An article message; stops when an article is judged a reprint.
    pub fn mpnews(media_id: impl Into<MediaId>) -> MassMessage {
        MassMessage::MpNews {
            media_id: media_id.into(),
            send_ignore_reprint: false,
        }
    }

    /// A text.
    pub fn text(content: impl Into<String>) -> MassMessage {
        MassMessage::Text {
            content: content.into(),
        }
    }

    /// A voice message.
    pub fn voice(media_id: impl Into<MediaId>) -> MassMessage {
        MassMessage::Voice {
            media_id: media_id.into(),
        }
    }

    /// One image.
    pub fn image(media_id: impl Into<MediaId>) -> MassMessage {
        MassMessage::Image {
            media_id: media_id.into(),
        }
    }

    /// Several images in one message.
    pub fn images(images: ImageSet) -> MassMessage {
        MassMessage::Images(images)
    }

    /// A video from `media/uploadvideo` or a permanent video.
    pub fn mpvideo(media_id: impl Into<MediaId>) -> MassMessage {
        MassMessage::MpVideo {
            media_id: media_id.into(),
        }
    }

    /// A card.
    pub fn wxcard(card_id: impl Into<CardId>) -> MassMessage {
        MassMessage::WxCard {
            card_id: card_id.into(),
        }
    }

    /// The `msgtype` the platform calls it.
    #[must_use]
    pub fn msgtype(&self) -> &'static str {
        match self {
            MassMessage::MpNews { .. } => "mpnews",
            MassMessage::Text { .. } => "text",
            MassMessage::Voice { .. } => "voice",
            MassMessage::Image { .. } | MassMessage::Images(_) => "image",
            MassMessage::MpVideo { .. } => "mpvideo",
            MassMessage::WxCard { .. } => "wxcard",
        }
    }

    /// Adds `msgtype` and the payload to `body`, checking the payload.
    fn write(&self, body: &mut Map<String, Value>) -> Result<()> {
        let msgtype = self.msgtype();
        let (key, payload) = match self {
            MassMessage::MpNews {
                media_id,
                send_ignore_reprint,
            } => {
                require("mpnews.media_id", media_id.as_str())?;
                body.insert(
                    "send_ignore_reprint".to_owned(),
                    json!(u8::from(*send_ignore_reprint)),
                );
                ("mpnews", json!({"media_id": media_id}))
            }
            MassMessage::Text { content } => {
                require("text.content", content)?;
                ("text", json!({"content": content}))
            }
            MassMessage::Voice { media_id } => {
                require("voice.media_id", media_id.as_str())?;
                ("voice", json!({"media_id": media_id}))
            }
            MassMessage::Image { media_id } => {
                require("image.media_id", media_id.as_str())?;
                ("image", json!({"media_id": media_id}))
            }
            MassMessage::Images(images) => {
                if images.media_ids.is_empty() {
                    return Err(invalid("images.media_ids", "must name at least one image"));
                }
                if let Some(i) = images.media_ids.iter().position(|m| m.as_str().is_empty()) {
                    return Err(invalid(
                        format!("images.media_ids[{i}]"),
                        "must not be empty",
                    ));
                }
                let mut payload = Map::new();
                payload.insert("media_ids".to_owned(), json!(images.media_ids));
                if let Some(recommend) = &images.recommend {
                    payload.insert("recommend".to_owned(), json!(recommend));
                }
                payload.insert(
                    "need_open_comment".to_owned(),
                    json!(u8::from(images.need_open_comment)),
                );
                payload.insert(
                    "only_fans_can_comment".to_owned(),
                    json!(u8::from(images.only_fans_can_comment)),
                );
                ("images", Value::Object(payload))
            }
            MassMessage::MpVideo { media_id } => {
                require("mpvideo.media_id", media_id.as_str())?;
                ("mpvideo", json!({"media_id": media_id}))
            }
            MassMessage::WxCard { card_id } => {
                require("wxcard.card_id", card_id.as_str())?;
                ("wxcard", json!({"card_id": card_id}))
            }
        };
        body.insert("msgtype".to_owned(), json!(msgtype));
        body.insert(key.to_owned(), payload);
        Ok(())
    }
}

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

/// Who a mass send goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Audience {
    All,
    Tag(u32),
    Group(u32),
    OpenIds(Vec<OpenId>),
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
        self.send(Audience::All, message)
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
        self.send(Audience::Tag(tag_id), message)
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
        self.send(Audience::Group(group_id), message)
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
            message,
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
        Preview {
            client: self.client.clone(),
            recipient: ("touser", openid.into().into_string()),
            message,
        }
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
        Preview {
            client: self.client.clone(),
            recipient: ("towxname", wxname.into()),
            message,
        }
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
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SendMass {
    client: Client,
    audience: Audience,
    message: MassMessage,
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
                format!(
                    "at most {CLIENT_MSG_ID_MAX_BYTES} bytes, got {}",
                    self.client_msg_id.len()
                ),
            ));
        }
        let mut body = Map::new();
        let path = match &self.audience {
            Audience::All => {
                body.insert("filter".to_owned(), json!({"is_to_all": true}));
                "/cgi-bin/message/mass/sendall"
            }
            Audience::Tag(tag_id) => {
                body.insert(
                    "filter".to_owned(),
                    json!({"is_to_all": false, "tag_id": tag_id}),
                );
                "/cgi-bin/message/mass/sendall"
            }
            Audience::Group(group_id) => {
                body.insert(
                    "filter".to_owned(),
                    json!({"is_to_all": false, "group_id": group_id}),
                );
                "/cgi-bin/message/mass/sendall"
            }
            Audience::OpenIds(openids) => {
                if !(OPENIDS_MIN..=OPENIDS_MAX).contains(&openids.len()) {
                    return Err(invalid(
                        "touser",
                        format!(
                            "{OPENIDS_MIN}..={OPENIDS_MAX} OpenIDs, got {}",
                            openids.len()
                        ),
                    ));
                }
                if let Some(i) = openids.iter().position(|o| o.as_str().is_empty()) {
                    return Err(invalid(format!("touser[{i}]"), "must not be empty"));
                }
                body.insert("touser".to_owned(), json!(openids));
                "/cgi-bin/message/mass/send"
            }
        };
        self.message.write(&mut body)?;
        body.insert("clientmsgid".to_owned(), json!(self.client_msg_id));
        // The platform runs a clientmsgid once: repeating the call cannot send twice.
        Ok(ApiRequest::post(path)
            .json(&body)?
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

/// `POST /cgi-bin/message/mass/preview`, from [`Mass::preview_to_openid`] and
/// [`Mass::preview_to_wxname`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct Preview {
    client: Client,
    recipient: (&'static str, String),
    message: MassMessage,
}

impl Preview {
    fn request(&self) -> Result<ApiRequest> {
        let (field, recipient) = &self.recipient;
        require(field, recipient)?;
        let mut body = Map::new();
        body.insert((*field).to_owned(), json!(recipient));
        self.message.write(&mut body)?;
        if let MassMessage::MpNews { .. } = self.message {
            // A preview reaches one person: reprint checks do not apply.
            body.remove("send_ignore_reprint");
        }
        ApiRequest::post("/cgi-bin/message/mass/preview").json(&body)
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
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteMass {
    client: Client,
    msg_id: MsgId,
    article_idx: Option<u32>,
    url: Option<String>,
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
        let mut body = Map::new();
        body.insert("msg_id".to_owned(), json!(self.msg_id));
        if let Some(index) = self.article_idx {
            body.insert("article_idx".to_owned(), json!(index));
        }
        if let Some(url) = &self.url {
            require("url", url)?;
            body.insert("url".to_owned(), json!(url));
        }
        ApiRequest::post("/cgi-bin/message/mass/delete").json(&body)
    }
}

awaitable!(DeleteMass => Ack);

/// `POST /cgi-bin/message/mass/get`, from [`Mass::status`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct MassStatusRequest {
    client: Client,
    msg_id: MsgId,
}

impl MassStatusRequest {
    fn request(&self) -> Result<ApiRequest> {
        // The spec writes this msg_id as a string.
        Ok(ApiRequest::post("/cgi-bin/message/mass/get")
            .json(&json!({"msg_id": self.msg_id.to_string()}))?
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
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetSpeed {
    client: Client,
}

impl GetSpeed {
    fn request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::post("/cgi-bin/message/mass/speed/get")
            .json(&json!({}))?
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
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SetSpeed {
    client: Client,
    speed: u8,
}

impl SetSpeed {
    fn request(&self) -> Result<ApiRequest> {
        if self.speed > SPEED_MAX {
            return Err(invalid(
                "speed",
                format!("0..={SPEED_MAX}, got {}", self.speed),
            ));
        }
        // Setting the same level twice is the same as once.
        Ok(ApiRequest::post("/cgi-bin/message/mass/speed/set")
            .json(&json!({"speed": self.speed}))?
            .idempotent(true))
    }
}

awaitable!(SetSpeed => Ack);

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
