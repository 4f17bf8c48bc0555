//! Customer-service messages (客服消息, api-reference §7): messages of every kind to a follower
//! who interacted recently, the typing indicator, and the agent accounts.
//!
//! A message only reaches a follower inside the window their last interaction opened (45015
//! outside it, 45047 over its allowance; errors-and-limits §6). Sends are never repeated once
//! they may have reached the platform.
//!
//! ```no_run
//! use wxoa_client::api::custom::{Article, Message};
//!
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! client.custom().send("oUser", Message::text("你好")).await?;
//! client
//!     .custom()
//!     .send("oUser", Message::news(Article::new("Happy Day", "https://example.com/a")))
//!     .kf_account("agent1@gh_account")
//!     .await?;
//! # Ok(())
//! # }
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use wxoa_types::ids::{CardId, MediaId, OpenId};

use crate::api::support::{
    Ack, awaitable, invalid, opt_lenient, opt_text, parameterless_get, require, string_enum, text,
};
use crate::{ApiRequest, Client, Form, Result, Upload};

/// Longest prefix of an agent account (`prefix@account`).
pub const KF_PREFIX_MAX: usize = 10;

/// A customer-service message (api-reference §7.1).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Message {
    /// Text; links (`<a href>`) and mini-program links are allowed.
    Text {
        /// The text.
        content: String,
    },
    /// An image (temporary media or permanent material).
    Image {
        /// The image.
        media_id: MediaId,
    },
    /// A voice message.
    Voice {
        /// The voice.
        media_id: MediaId,
    },
    /// A video.
    Video(Video),
    /// Music.
    Music(Music),
    /// A link card: exactly one article (more: 45008).
    News {
        /// The article; exactly one.
        articles: Vec<Article>,
    },
    /// An article of the account's material (one article).
    MpNews {
        /// The news material.
        media_id: MediaId,
    },
    /// A published article.
    MpNewsArticle {
        /// The `article_id` of the published article.
        article_id: String,
    },
    /// A menu of choices; a tap comes back as a text message with `bizmsgmenuid`.
    MsgMenu(MsgMenu),
    /// A card.
    WxCard {
        /// The card.
        card_id: CardId,
    },
    /// A mini-program page card (the mini program must be linked to the account).
    MiniProgramPage(MiniProgramPage),
}

impl Message {
    /// A text message.
    pub fn text(content: impl Into<String>) -> Self {
        Self::Text {
            content: content.into(),
        }
    }

    /// An image message.
    pub fn image(media_id: impl Into<MediaId>) -> Self {
        Self::Image {
            media_id: media_id.into(),
        }
    }

    /// A voice message.
    pub fn voice(media_id: impl Into<MediaId>) -> Self {
        Self::Voice {
            media_id: media_id.into(),
        }
    }

    /// A link card with its one article.
    pub fn news(article: Article) -> Self {
        Self::News {
            articles: vec![article],
        }
    }

    /// An article of the account's material.
    pub fn mpnews(media_id: impl Into<MediaId>) -> Self {
        Self::MpNews {
            media_id: media_id.into(),
        }
    }

    /// A published article.
    pub fn mpnews_article(article_id: impl Into<String>) -> Self {
        Self::MpNewsArticle {
            article_id: article_id.into(),
        }
    }

    /// A card.
    pub fn wxcard(card_id: impl Into<CardId>) -> Self {
        Self::WxCard {
            card_id: card_id.into(),
        }
    }

    /// The `msgtype`.
    #[must_use]
    pub fn msgtype(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::Image { .. } => "image",
            Self::Voice { .. } => "voice",
            Self::Video(_) => "video",
            Self::Music(_) => "music",
            Self::News { .. } => "news",
            Self::MpNews { .. } => "mpnews",
            Self::MpNewsArticle { .. } => "mpnewsarticle",
            Self::MsgMenu(_) => "msgmenu",
            Self::WxCard { .. } => "wxcard",
            Self::MiniProgramPage(_) => "miniprogrampage",
        }
    }

    /// Checks the message's own rules; the payload under its `msgtype` key.
    fn payload(&self) -> Result<Value> {
        let kind = self.msgtype();
        let field = |name: &str| format!("{kind}.{name}");
        match self {
            Self::Text { content } => {
                require(&field("content"), content)?;
                Ok(json!({"content": content}))
            }
            Self::Image { media_id } | Self::Voice { media_id } | Self::MpNews { media_id } => {
                require(&field("media_id"), media_id.as_str())?;
                Ok(json!({"media_id": media_id}))
            }
            Self::Video(video) => {
                require(&field("media_id"), video.media_id.as_str())?;
                require(&field("thumb_media_id"), video.thumb_media_id.as_str())?;
                to_json(video)
            }
            Self::Music(music) => {
                require(&field("musicurl"), &music.musicurl)?;
                require(&field("hqmusicurl"), &music.hqmusicurl)?;
                require(&field("thumb_media_id"), music.thumb_media_id.as_str())?;
                to_json(music)
            }
            Self::News { articles } => {
                if articles.len() != 1 {
                    return Err(invalid(
                        field("articles"),
                        format!(
                            "a customer-service news message has exactly 1 article, not {}",
                            articles.len()
                        ),
                    ));
                }
                Ok(json!({"articles": articles}))
            }
            Self::MpNewsArticle { article_id } => {
                require(&field("article_id"), article_id)?;
                Ok(json!({"article_id": article_id}))
            }
            Self::MsgMenu(menu) => {
                if menu.list.is_empty() {
                    return Err(invalid(field("list"), "needs at least one choice"));
                }
                for (i, item) in menu.list.iter().enumerate() {
                    require(&field(&format!("list[{i}].id")), &item.id)?;
                    require(&field(&format!("list[{i}].content")), &item.content)?;
                }
                to_json(menu)
            }
            Self::WxCard { card_id } => {
                require(&field("card_id"), card_id.as_str())?;
                Ok(json!({"card_id": card_id}))
            }
            Self::MiniProgramPage(page) => {
                require(&field("title"), &page.title)?;
                require(&field("appid"), &page.appid)?;
                require(&field("pagepath"), &page.pagepath)?;
                require(&field("thumb_media_id"), page.thumb_media_id.as_str())?;
                to_json(page)
            }
        }
    }
}

fn to_json<T: Serialize>(payload: &T) -> Result<Value> {
    serde_json::to_value(payload)
        .map_err(|e| crate::Error::InvalidRequest(format!("the message is not JSON: {e}")))
}

/// The payload of a video message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Video {
    /// The video.
    pub media_id: MediaId,
    /// Its thumbnail.
    pub thumb_media_id: MediaId,
    /// The title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Video {
    /// A video with its thumbnail.
    pub fn new(media_id: impl Into<MediaId>, thumb_media_id: impl Into<MediaId>) -> Self {
        Self {
            media_id: media_id.into(),
            thumb_media_id: thumb_media_id.into(),
            title: None,
            description: None,
        }
    }
}

/// The payload of a music message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Music {
    /// The title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The music's URL.
    pub musicurl: String,
    /// The high-quality music's URL (played on Wi-Fi).
    pub hqmusicurl: String,
    /// The thumbnail.
    pub thumb_media_id: MediaId,
}

impl Music {
    /// Music with its URLs and thumbnail.
    pub fn new(
        musicurl: impl Into<String>,
        hqmusicurl: impl Into<String>,
        thumb_media_id: impl Into<MediaId>,
    ) -> Self {
        Self {
            title: None,
            description: None,
            musicurl: musicurl.into(),
            hqmusicurl: hqmusicurl.into(),
            thumb_media_id: thumb_media_id.into(),
        }
    }
}

/// The article of a customer-service news message: a link card, the same type as the article
/// of a passive news reply, so that a reply can be sent as a message unchanged.
pub use wxoa_types::reply::Article;

/// The payload of a menu message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct MsgMenu {
    /// The text above the choices.
    pub head_content: String,
    /// The choices.
    pub list: Vec<MsgMenuItem>,
    /// The text below the choices.
    pub tail_content: String,
}

impl MsgMenu {
    /// A menu with its head and tail texts and no choices yet.
    pub fn new(head_content: impl Into<String>, tail_content: impl Into<String>) -> Self {
        Self {
            head_content: head_content.into(),
            list: Vec::new(),
            tail_content: tail_content.into(),
        }
    }

    /// Adds a choice: its id comes back as `bizmsgmenuid` when tapped.
    #[must_use]
    pub fn item(mut self, id: impl Into<String>, content: impl Into<String>) -> Self {
        self.list.push(MsgMenuItem {
            id: id.into(),
            content: content.into(),
        });
        self
    }
}

/// A choice of a [`MsgMenu`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct MsgMenuItem {
    /// The id (`bizmsgmenuid` of the tap).
    pub id: String,
    /// The text shown.
    pub content: String,
}

/// The payload of a mini-program page message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct MiniProgramPage {
    /// The title.
    pub title: String,
    /// The mini program's AppID.
    pub appid: String,
    /// The page, e.g. `pages/index`.
    pub pagepath: String,
    /// The card's picture.
    pub thumb_media_id: MediaId,
}

impl MiniProgramPage {
    /// A page card.
    pub fn new(
        title: impl Into<String>,
        appid: impl Into<String>,
        pagepath: impl Into<String>,
        thumb_media_id: impl Into<MediaId>,
    ) -> Self {
        Self {
            title: title.into(),
            appid: appid.into(),
            pagepath: pagepath.into(),
            thumb_media_id: thumb_media_id.into(),
        }
    }
}

/// The `title` and `description` setters of a payload that has both.
macro_rules! titled {
    ($($payload:ident),+) => {$(
        impl $payload {
            /// Sets the title.
            #[must_use]
            pub fn title(mut self, title: impl Into<String>) -> Self {
                self.title = Some(title.into());
                self
            }

            /// Sets the description.
            #[must_use]
            pub fn description(mut self, description: impl Into<String>) -> Self {
                self.description = Some(description.into());
                self
            }
        }
    )+};
}

titled!(Video, Music);

/// A payload is the message of its kind.
macro_rules! into_message {
    ($($payload:ident),+) => {$(
        impl From<$payload> for Message {
            fn from(payload: $payload) -> Self {
                Message::$payload(payload)
            }
        }
    )+};
}

into_message!(Video, Music, MsgMenu, MiniProgramPage);

string_enum! {
    /// The state of an invitation to bind a WeChat user to an agent account.
    pub enum InviteStatus {
        /// Waiting for the user.
        Waiting = "waiting",
        /// Refused.
        Rejected = "rejected",
        /// Expired.
        Expired = "expired",
    }
}

/// An agent account (`customservice/getkflist`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KfAccount {
    /// `prefix@account`.
    #[serde(default)]
    pub kf_account: String,
    /// The nickname.
    #[serde(default)]
    pub kf_nick: String,
    /// The agent's number.
    #[serde(default, deserialize_with = "text")]
    pub kf_id: String,
    /// The avatar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kf_headimgurl: Option<String>,
    /// The WeChat id bound to the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kf_wx: Option<String>,
    /// The WeChat id invited to bind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_wx: Option<String>,
    /// When the invitation expires, Unix seconds.
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub invite_expire_time: Option<i64>,
    /// The invitation's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_status: Option<InviteStatus>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An agent online (`customservice/getonlinekflist`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OnlineKfAccount {
    /// `prefix@account`.
    #[serde(default)]
    pub kf_account: String,
    /// 1 online on the web client (other values for other clients).
    #[serde(default, deserialize_with = "opt_lenient")]
    pub status: Option<i64>,
    /// The agent's number.
    #[serde(default, deserialize_with = "opt_text")]
    pub kf_id: Option<String>,
    /// How many conversations the agent has open.
    #[serde(default, deserialize_with = "opt_lenient")]
    pub accepted_case: Option<i64>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The customer-service API: `client.custom()`.
#[derive(Debug, Clone)]
pub struct CustomService {
    client: Client,
}

impl Client {
    /// The customer-service API (api-reference §7): messages, typing, agent accounts.
    ///
    /// ```no_run
    /// use wxoa_client::api::custom::Message;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().send("oUser", Message::text("hello")).await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn custom(&self) -> CustomService {
        CustomService {
            client: self.clone(),
        }
    }
}

impl CustomService {
    /// `POST /cgi-bin/message/custom/send`: a message to a follower.
    ///
    /// ```no_run
    /// use wxoa_client::api::custom::{Message, MsgMenu};
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let menu = MsgMenu::new("满意吗？", "谢谢").item("101", "满意").item("102", "不满意");
    /// client.custom().send("oUser", menu).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn send(&self, openid: impl Into<OpenId>, message: impl Into<Message>) -> SendMessage {
        SendMessage {
            client: self.client.clone(),
            openid: openid.into(),
            message: message.into(),
            kf_account: None,
        }
    }

    /// `POST /cgi-bin/message/custom/typing` with `Typing`: shows "typing…" to the follower
    /// (needs an interaction in the last 30 s).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().typing("oUser").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn typing(&self, openid: impl Into<OpenId>) -> Typing {
        Typing {
            client: self.client.clone(),
            openid: openid.into(),
            command: "Typing",
        }
    }

    /// `POST /cgi-bin/message/custom/typing` with `CancelTyping`.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().cancel_typing("oUser").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn cancel_typing(&self, openid: impl Into<OpenId>) -> Typing {
        Typing {
            client: self.client.clone(),
            openid: openid.into(),
            command: "CancelTyping",
        }
    }

    /// `POST /customservice/kfaccount/add`: a new agent account `prefix@account`.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().add_account("agent1@gh_account", "客服1").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_account(
        &self,
        kf_account: impl Into<String>,
        nickname: impl Into<String>,
    ) -> KfAccountChange {
        KfAccountChange {
            client: self.client.clone(),
            path: "/customservice/kfaccount/add",
            kf_account: kf_account.into(),
            nickname: nickname.into(),
            password: None,
        }
    }

    /// `POST /customservice/kfaccount/update`: renames an agent account.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().update_account("agent1@gh_account", "客服一").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_account(
        &self,
        kf_account: impl Into<String>,
        nickname: impl Into<String>,
    ) -> KfAccountChange {
        KfAccountChange {
            client: self.client.clone(),
            path: "/customservice/kfaccount/update",
            kf_account: kf_account.into(),
            nickname: nickname.into(),
            password: None,
        }
    }

    /// `GET /customservice/kfaccount/del?kf_account=…`: deletes an agent account.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().delete_account("agent1@gh_account").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete_account(&self, kf_account: impl Into<String>) -> DeleteKfAccount {
        DeleteKfAccount {
            client: self.client.clone(),
            kf_account: kf_account.into(),
        }
    }

    /// `POST /customservice/kfaccount/inviteworker`: invites a WeChat user to bind to an agent
    /// account.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().invite_worker("agent1@gh_account", "wechat_id").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn invite_worker(
        &self,
        kf_account: impl Into<String>,
        invite_wx: impl Into<String>,
    ) -> InviteWorker {
        InviteWorker {
            client: self.client.clone(),
            kf_account: kf_account.into(),
            invite_wx: invite_wx.into(),
        }
    }

    /// `POST /customservice/kfaccount/uploadheadimg` (multipart `media`): sets the avatar of an
    /// agent account; a JPG or PNG image.
    ///
    /// ```no_run
    /// use wxoa_client::Upload;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().upload_avatar("agent1@gh_account", Upload::path("agent1.png")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn upload_avatar(&self, kf_account: impl Into<String>, image: Upload) -> UploadAvatar {
        UploadAvatar {
            client: self.client.clone(),
            kf_account: kf_account.into(),
            image,
        }
    }

    /// `GET /cgi-bin/customservice/getkflist`: every agent account.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let agents = client.custom().accounts().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn accounts(&self) -> ListKfAccounts {
        ListKfAccounts {
            client: self.client.clone(),
        }
    }

    /// `GET /cgi-bin/customservice/getonlinekflist`: the agents online.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let online = client.custom().online_accounts().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn online_accounts(&self) -> ListOnlineKfAccounts {
        ListOnlineKfAccounts {
            client: self.client.clone(),
        }
    }
}

/// Checks the shape of an agent account: `prefix@account`, the prefix of 1 to 10 letters and
/// digits.
fn valid_kf_account(field: &str, kf_account: &str) -> Result<()> {
    let Some((prefix, account)) = kf_account.split_once('@') else {
        return Err(invalid(
            field,
            "must be prefix@account (the account's WeChat id)",
        ));
    };
    if prefix.is_empty() || account.is_empty() {
        return Err(invalid(
            field,
            "must be prefix@account (the account's WeChat id)",
        ));
    }
    if prefix.len() > KF_PREFIX_MAX {
        return Err(invalid(
            field,
            format!("the prefix is longer than {KF_PREFIX_MAX} characters"),
        ));
    }
    if !prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid(field, "the prefix holds only letters and digits"));
    }
    Ok(())
}

/// `POST /cgi-bin/message/custom/send`, from [`CustomService::send`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SendMessage {
    client: Client,
    openid: OpenId,
    message: Message,
    kf_account: Option<String>,
}

impl SendMessage {
    /// Sends as this agent account (`customservice.kf_account`).
    pub fn kf_account(mut self, kf_account: impl Into<String>) -> Self {
        self.kf_account = Some(kf_account.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("touser", self.openid.as_str())?;
        let kind = self.message.msgtype();
        let mut body = Map::new();
        body.insert("touser".into(), json!(self.openid));
        body.insert("msgtype".into(), json!(kind));
        body.insert(kind.into(), self.message.payload()?);
        if let Some(kf_account) = &self.kf_account {
            valid_kf_account("customservice.kf_account", kf_account)?;
            body.insert("customservice".into(), json!({"kf_account": kf_account}));
        }
        ApiRequest::post("/cgi-bin/message/custom/send").json(&body)
    }
}

awaitable!(SendMessage => Ack);

/// `POST /cgi-bin/message/custom/typing`, from [`CustomService::typing`] and
/// [`CustomService::cancel_typing`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct Typing {
    client: Client,
    openid: OpenId,
    command: &'static str,
}

impl Typing {
    fn request(&self) -> Result<ApiRequest> {
        require("touser", self.openid.as_str())?;
        ApiRequest::post("/cgi-bin/message/custom/typing")
            .json(&json!({"touser": self.openid, "command": self.command}))
    }
}

awaitable!(Typing => Ack);

/// `kfaccount/add` or `kfaccount/update`, from [`CustomService::add_account`] and
/// [`CustomService::update_account`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct KfAccountChange {
    client: Client,
    path: &'static str,
    kf_account: String,
    nickname: String,
    password: Option<String>,
}

impl KfAccountChange {
    /// The legacy `password` field: the MD5 hex of the agent's password.
    pub fn password_md5(mut self, md5_hex: impl Into<String>) -> Self {
        self.password = Some(md5_hex.into());
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        valid_kf_account("kf_account", &self.kf_account)?;
        require("nickname", &self.nickname)?;
        let mut body = json!({"kf_account": self.kf_account, "nickname": self.nickname});
        if let (Some(password), Some(map)) = (&self.password, body.as_object_mut()) {
            map.insert("password".into(), json!(password));
        }
        ApiRequest::post(self.path).json(&body)
    }
}

awaitable!(KfAccountChange => Ack);

/// `GET /customservice/kfaccount/del`, from [`CustomService::delete_account`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteKfAccount {
    client: Client,
    kf_account: String,
}

impl DeleteKfAccount {
    fn request(&self) -> Result<ApiRequest> {
        valid_kf_account("kf_account", &self.kf_account)?;
        // A GET, as wechatpy and WxJava send it, but it changes state: never replayed.
        Ok(ApiRequest::get("/customservice/kfaccount/del")
            .query("kf_account", &self.kf_account)
            .idempotent(false))
    }
}

awaitable!(DeleteKfAccount => Ack);

/// `POST /customservice/kfaccount/inviteworker`, from [`CustomService::invite_worker`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct InviteWorker {
    client: Client,
    kf_account: String,
    invite_wx: String,
}

impl InviteWorker {
    fn request(&self) -> Result<ApiRequest> {
        valid_kf_account("kf_account", &self.kf_account)?;
        require("invite_wx", &self.invite_wx)?;
        ApiRequest::post("/customservice/kfaccount/inviteworker")
            .json(&json!({"kf_account": self.kf_account, "invite_wx": self.invite_wx}))
    }
}

awaitable!(InviteWorker => Ack);

/// `POST /customservice/kfaccount/uploadheadimg`, from [`CustomService::upload_avatar`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UploadAvatar {
    client: Client,
    kf_account: String,
    image: Upload,
}

impl UploadAvatar {
    fn request(&self) -> Result<ApiRequest> {
        valid_kf_account("kf_account", &self.kf_account)?;
        if !matches!(
            self.image.extension().as_deref(),
            Some("jpg" | "jpeg" | "png")
        ) {
            return Err(invalid(
                "media",
                format!(
                    "an agent's avatar is a .jpg or .png image, not {:?}",
                    self.image.file_name()
                ),
            ));
        }
        Ok(ApiRequest::post("/customservice/kfaccount/uploadheadimg")
            .query("kf_account", &self.kf_account)
            .multipart(Form::new().file("media", self.image.clone())))
    }
}

awaitable!(UploadAvatar => Ack);

#[derive(Deserialize)]
struct KfListAnswer {
    #[serde(default)]
    kf_list: Vec<KfAccount>,
}

parameterless_get!(
    /// `GET /cgi-bin/customservice/getkflist`, from [`CustomService::accounts`].
    ListKfAccounts, "/cgi-bin/customservice/getkflist" => KfListAnswer => Vec<KfAccount>, |a: KfListAnswer| a.kf_list
);

#[derive(Deserialize)]
struct KfOnlineAnswer {
    #[serde(default)]
    kf_online_list: Vec<OnlineKfAccount>,
}

parameterless_get!(
    /// `GET /cgi-bin/customservice/getonlinekflist`, from [`CustomService::online_accounts`].
    ListOnlineKfAccounts, "/cgi-bin/customservice/getonlinekflist" => KfOnlineAnswer => Vec<OnlineKfAccount>,
    |a: KfOnlineAnswer| a.kf_online_list
);

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn agent_accounts_have_a_shape() {
        assert!(valid_kf_account("k", "test1@test").is_ok());
        for bad in ["test1", "@test", "test1@", "a_b@test", "abcdefghijk@test"] {
            let e = valid_kf_account("kf_account", bad).unwrap_err();
            assert!(e.to_string().contains("kf_account: "), "{bad}: {e}");
        }
    }

    #[test]
    fn news_has_exactly_one_article() {
        let one = Message::news(Article::new("t", "https://example.com"));
        assert!(one.payload().is_ok());
        let two = Message::News {
            articles: vec![Article::new("a", "u"), Article::new("b", "u")],
        };
        let e = two.payload().unwrap_err();
        assert!(e.to_string().contains("news.articles: "), "{e}");
        let none = Message::News { articles: vec![] };
        assert!(none.payload().is_err());
    }

    #[test]
    fn agent_lists_parse_both_avatar_spellings() {
        let list: KfListAnswer = serde_json::from_str(
            r#"{"kf_list":[{"kf_account":"test1@test","kf_nick":"t","kf_id":1001,"kf_headimg":""}]}"#,
        )
        .unwrap();
        let agent = &list.kf_list[0];
        assert_eq!(agent.kf_id, "1001");
        assert!(agent.extra.contains_key("kf_headimg"));
    }
}
