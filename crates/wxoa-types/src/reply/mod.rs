//! Passive replies: the XML an account's server answers a push with, within 5 seconds.
//!
//! Every string is written as CDATA, with `]]>` split so the document stays well formed whatever
//! the content; `CreateTime` and `ArticleCount` are bare numbers. A reply is validated when it is
//! rendered ([`Reply::to_xml`]): a news reply holds 1 to [`MAX_NEWS_ARTICLES`] articles, and the
//! ids a reply needs are present.
//!
//! "No reply" is not a [`Reply`]: answer the body `success` ([`NO_REPLY`]).

use serde::Serialize;

use crate::inbound::InboundError;
use crate::xml::XmlError;

/// The body that tells the platform there is nothing to say.
pub const NO_REPLY: &str = "success";

/// Most articles a news reply may carry (the platform drops the rest; older limits were 10).
/// When replying to a follower's message the platform shows only the first.
pub const MAX_NEWS_ARTICLES: usize = 8;

/// A passive reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Reply {
    /// The follower's OpenID (the push's `FromUserName`).
    pub to_user_name: String,
    /// The account's original id (the push's `ToUserName`).
    pub from_user_name: String,
    /// Unix seconds.
    pub create_time: i64,
    /// What is said.
    #[serde(flatten)]
    pub body: ReplyBody,
}

/// The content of a reply, one variant per reply type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "msg_type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReplyBody {
    /// Text; may contain newlines and `<a href>` links.
    Text {
        /// The text.
        content: String,
    },
    /// An image, by media id.
    Image {
        /// Temporary or permanent media id.
        media_id: String,
    },
    /// A voice message, by media id.
    Voice {
        /// Temporary or permanent media id.
        media_id: String,
    },
    /// A video.
    Video {
        /// Media id of the video.
        media_id: String,
        /// Title.
        title: Option<String>,
        /// Description.
        description: Option<String>,
    },
    /// Music.
    Music(Music),
    /// Article cards (图文).
    News {
        /// 1 to 8 articles.
        articles: Vec<Article>,
    },
    /// Hand the conversation to customer service.
    TransferCustomerService {
        /// A specific agent, or any.
        kf_account: Option<String>,
    },
}

impl ReplyBody {
    /// A text reply.
    pub fn text(content: impl Into<String>) -> Self {
        ReplyBody::Text {
            content: content.into(),
        }
    }

    /// An image reply.
    pub fn image(media_id: impl Into<String>) -> Self {
        ReplyBody::Image {
            media_id: media_id.into(),
        }
    }

    /// A voice reply.
    pub fn voice(media_id: impl Into<String>) -> Self {
        ReplyBody::Voice {
            media_id: media_id.into(),
        }
    }

    /// A video reply.
    pub fn video(
        media_id: impl Into<String>,
        title: Option<String>,
        description: Option<String>,
    ) -> Self {
        ReplyBody::Video {
            media_id: media_id.into(),
            title,
            description,
        }
    }

    /// A news reply.
    pub fn news(articles: Vec<Article>) -> Self {
        ReplyBody::News { articles }
    }

    /// Hands the conversation to customer service.
    pub fn transfer_customer_service(kf_account: Option<String>) -> Self {
        ReplyBody::TransferCustomerService { kf_account }
    }

    /// The `MsgType` of this body.
    pub fn msg_type(&self) -> &'static str {
        match self {
            ReplyBody::Text { .. } => "text",
            ReplyBody::Image { .. } => "image",
            ReplyBody::Voice { .. } => "voice",
            ReplyBody::Video { .. } => "video",
            ReplyBody::Music(_) => "music",
            ReplyBody::News { .. } => "news",
            ReplyBody::TransferCustomerService { .. } => "transfer_customer_service",
        }
    }

    /// About how many bytes the body adds to a reply's XML (to size the buffer once).
    fn estimated_len(&self) -> usize {
        let optional = |value: &Option<String>| value.as_ref().map_or(0, |v| v.len() + 40);
        match self {
            ReplyBody::Text { content } => content.len() + 40,
            ReplyBody::Image { media_id } | ReplyBody::Voice { media_id } => media_id.len() + 60,
            ReplyBody::Video {
                media_id,
                title,
                description,
            } => media_id.len() + optional(title) + optional(description) + 80,
            ReplyBody::Music(music) => {
                music.thumb_media_id.len()
                    + optional(&music.title)
                    + optional(&music.description)
                    + optional(&music.music_url)
                    + optional(&music.hq_music_url)
                    + 80
            }
            ReplyBody::News { articles } => articles
                .iter()
                .map(|a| a.title.len() + a.description.len() + a.pic_url.len() + a.url.len() + 140)
                .sum::<usize>()
                .saturating_add(60),
            ReplyBody::TransferCustomerService { kf_account } => optional(kf_account) + 40,
        }
    }
}

/// A music reply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct Music {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Link to the music.
    pub music_url: Option<String>,
    /// Link to high-quality music, used on Wi-Fi.
    pub hq_music_url: Option<String>,
    /// Media id of the thumbnail (required).
    pub thumb_media_id: String,
}

impl Music {
    /// A music reply with its required thumbnail.
    pub fn new(thumb_media_id: impl Into<String>) -> Self {
        Self {
            thumb_media_id: thumb_media_id.into(),
            ..Self::default()
        }
    }

    /// Sets the title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the music URL.
    pub fn music_url(mut self, url: impl Into<String>) -> Self {
        self.music_url = Some(url.into());
        self
    }

    /// Sets the high-quality music URL.
    pub fn hq_music_url(mut self, url: impl Into<String>) -> Self {
        self.hq_music_url = Some(url.into());
        self
    }
}

/// One article card (a link with a title, description and picture): of a news reply, and of a
/// customer-service news message, which the API client sends in JSON as this type serialises
/// (`{"title", "description", "url", "picurl"}`, empty texts left out).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct Article {
    /// Title.
    pub title: String,
    /// Description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Where a tap leads.
    pub url: String,
    /// Cover picture (JPG or PNG; 360×200 large, 200×200 small).
    #[serde(rename = "picurl", skip_serializing_if = "String::is_empty")]
    pub pic_url: String,
}

impl Article {
    /// An article with a title and a link.
    pub fn new(title: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            url: url.into(),
            ..Self::default()
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets the cover picture.
    pub fn pic_url(mut self, pic_url: impl Into<String>) -> Self {
        self.pic_url = pic_url.into();
        self
    }
}

/// Why a reply could not be rendered or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// A news reply with no article or more than [`MAX_NEWS_ARTICLES`].
    #[error("a news reply holds 1 to {MAX_NEWS_ARTICLES} articles, this one has {count}")]
    ArticleCount {
        /// The articles it holds.
        count: usize,
    },
    /// A required id is empty.
    #[error("reply field {field} must not be empty")]
    Empty {
        /// The XML name of the field.
        field: &'static str,
    },
    /// The reply XML could not be parsed.
    #[error("reply is not valid XML: {0}")]
    Xml(#[from] XmlError),
    /// The reply XML lacks a field or has a malformed one.
    #[error("reply is malformed: {0}")]
    Malformed(#[source] InboundError),
    /// `ArticleCount` disagrees with the number of articles.
    #[error("reply ArticleCount is {declared} but it holds {actual} articles")]
    CountMismatch {
        /// The declared count.
        declared: usize,
        /// The articles present.
        actual: usize,
    },
    /// A `MsgType` that is not a reply type.
    #[error("{msg_type:?} is not a reply type")]
    UnknownType {
        /// The `MsgType` as written.
        msg_type: String,
    },
}

mod wire;

pub use self::wire::render_parts;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
