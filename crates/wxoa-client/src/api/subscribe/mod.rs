//! Subscription notifications (订阅通知, api-reference-2 §1–2): the public template library
//! (categories, titles, their keywords), the account's templates (add, list, delete), sends
//! to followers who consented (`message/subscribe/bizsend`), and the legacy one-time
//! subscription (`mp/subscribemsg` + `message/template/subscribe`, superseded by the rest).
//!
//! A follower's consent arrives as a `subscribe_msg_popup_event` (and later changes as
//! `subscribe_msg_change_event`); each send's result as a `subscribe_msg_sent_event` (see
//! `wxoa_types::inbound`). A one-time template (type 2) allows one send per consent; a
//! long-term one (type 3) allows sends until the follower turns it off.
//!
//! Each value of a send is checked against its keyword type before the send leaves
//! (`wxoa_types::subscribe`): `thing` at most 20 characters, `phrase` at most 5 Chinese
//! characters, `time` a 24-hour time … The limits the public sources disagree on (the digits
//! of an `amount`, ranges of `time` and `date`) are settings: [`SendNotification::keyword_limits`].
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let subscriptions = client.subscriptions();
//! let keywords = subscriptions.keywords(99).await?;
//! let kids: Vec<u32> = keywords.data.iter().take(3).map(|k| k.kid).collect();
//! let template_id = subscriptions.add(99, kids).scene_desc("订单通知").await?;
//! subscriptions
//!     .send("oUser", template_id)
//!     .field("thing1", "包裹已发货")
//!     .field("time2", "2024年6月11日 10:00")
//!     .page("https://example.com/orders/42")
//!     .await?;
//! # Ok(())
//! # }
//! ```

mod library;
mod one_time;
mod send;
mod templates;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use wxoa_types::ids::{MsgId, OpenId, TemplateId};
pub use wxoa_types::subscribe::{KeywordLimits, KeywordRule};

use crate::Client;
use crate::api::support::{opt_lenient, string_enum};

pub use library::{
    Category, GetCategories, GetKeywords, GetTitles, Keyword, Keywords, TITLES_PAGE_MAX, Title,
    TitlePage,
};
pub use one_time::{
    CONTENT_MAX, OneTimeAction, OneTimeAuthorizeUrl, OneTimeConsent, OneTimeSend,
    RESERVED_MAX_BYTES, SCENE_MAX, TITLE_MAX,
};
pub use send::SendNotification;
pub use templates::{
    AddTemplate, DeleteTemplate, KEYWORDS_MAX, KEYWORDS_MIN, KeywordEnumValues, ListTemplates,
    SCENE_DESC_MAX, Template,
};

/// The subscription-notification API: `client.subscriptions()`.
#[derive(Debug, Clone)]
pub struct Subscriptions {
    client: Client,
}

impl Client {
    /// The subscription-notification API (api-reference-2 §1–2): the template library, the
    /// account's templates, and sends to followers who consented.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// for template in client.subscriptions().list().await? {
    ///     println!("{} {}", template.pri_tmpl_id, template.title);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn subscriptions(&self) -> Subscriptions {
        Subscriptions {
            client: self.clone(),
        }
    }
}

/// How long a follower's consent to a template lasts (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TemplateType {
    /// 2, 一次性: each consent allows one send.
    OneTime,
    /// 3, 长期: sends are allowed until the follower turns them off.
    LongTerm,
    /// A value this version does not know, kept as the platform sent it.
    Unknown(i64),
}

impl TemplateType {
    /// The value as the platform writes it.
    #[must_use]
    pub fn code(self) -> i64 {
        match self {
            Self::OneTime => 2,
            Self::LongTerm => 3,
            Self::Unknown(other) => other,
        }
    }
}

impl Default for TemplateType {
    /// An absent `type`: `Unknown(0)`.
    fn default() -> Self {
        Self::Unknown(0)
    }
}

impl From<i64> for TemplateType {
    fn from(code: i64) -> Self {
        match code {
            2 => Self::OneTime,
            3 => Self::LongTerm,
            other => Self::Unknown(other),
        }
    }
}

impl Serialize for TemplateType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.code())
    }
}

impl<'de> Deserialize<'de> for TemplateType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code: Option<i64> = opt_lenient(d)?;
        Ok(Self::from(code.unwrap_or_default()))
    }
}

string_enum! {
    /// Which version of a linked mini program a tap opens (`miniprogram_state`).
    pub enum MiniProgramState {
        /// 开发版.
        Developer = "developer",
        /// 体验版.
        Trial = "trial",
        /// 正式版 (the platform's default).
        Formal = "formal",
    }
}

string_enum! {
    /// The language of the mini program a tap opens (`lang`).
    pub enum NotificationLang {
        /// Simplified Chinese (the platform's default).
        ZhCn = "zh_CN",
        /// English.
        EnUs = "en_US",
        /// Traditional Chinese, Hong Kong.
        ZhHk = "zh_HK",
        /// Traditional Chinese, Taiwan.
        ZhTw = "zh_TW",
    }
}

/// The answer of a send: `{"errcode":0,"errmsg":"ok"}`, with a `msgid` where the platform
/// gives one (WxJava reads it; the platform's page does not show it — unsure). The result
/// arrives later as a `subscribe_msg_sent_event` with the same `MsgID`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Sent {
    /// The message's id, when the platform answers one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msgid: Option<MsgId>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Subscriptions {
    /// `POST /cgi-bin/message/subscribe/bizsend`: a notification to a follower who consented
    /// to the template. Each value is checked against its keyword type first; the send is
    /// never repeated once it may have reached the platform, unless
    /// [`SendNotification::client_msg_id`] makes it idempotent.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client
    ///     .subscriptions()
    ///     .send("oUser", "PRI_TMPL_ID")
    ///     .field("thing1", "会员续费成功")
    ///     .field("amount2", "¥30.00")
    ///     .miniprogram("wx1234567890abcdef", "pages/index")
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn send(
        &self,
        openid: impl Into<OpenId>,
        template_id: impl Into<TemplateId>,
    ) -> SendNotification {
        SendNotification::new(self.client.clone(), openid.into(), template_id.into())
    }
}
