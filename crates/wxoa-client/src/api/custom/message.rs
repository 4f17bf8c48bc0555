//! A customer-service message of every kind, as the platform takes it: each variant
//! serialises under its `msgtype` key (`"text": {"content": …}`), with the rules each kind has.

use serde::Serialize;
use wxoa_types::ids::{CardId, MediaId};

use crate::api::support::{invalid, require};
use crate::{Result, Rule};

/// A customer-service message (api-reference §7.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
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

    /// Checks the message's own rules.
    pub(crate) fn validate(&self) -> Result<()> {
        let kind = self.msgtype();
        let field = |name: &str| format!("{kind}.{name}");
        match self {
            Self::Text { content } => require(&field("content"), content),
            Self::Image { media_id } | Self::Voice { media_id } | Self::MpNews { media_id } => {
                require(&field("media_id"), media_id.as_str())
            }
            Self::Video(video) => {
                require(&field("media_id"), video.media_id.as_str())?;
                require(&field("thumb_media_id"), video.thumb_media_id.as_str())
            }
            Self::Music(music) => {
                require(&field("musicurl"), &music.musicurl)?;
                require(&field("hqmusicurl"), &music.hqmusicurl)?;
                require(&field("thumb_media_id"), music.thumb_media_id.as_str())
            }
            Self::News { articles } if articles.len() != 1 => Err(invalid(
                field("articles"),
                Rule::OneArticle {
                    got: articles.len(),
                },
            )),
            Self::News { .. } => Ok(()),
            Self::MpNewsArticle { article_id } => require(&field("article_id"), article_id),
            Self::MsgMenu(menu) => {
                if menu.list.is_empty() {
                    return Err(invalid(field("list"), Rule::NoChoice));
                }
                for (i, item) in menu.list.iter().enumerate() {
                    require(&field(&format!("list[{i}].id")), &item.id)?;
                    require(&field(&format!("list[{i}].content")), &item.content)?;
                }
                Ok(())
            }
            Self::WxCard { card_id } => require(&field("card_id"), card_id.as_str()),
            Self::MiniProgramPage(page) => {
                require(&field("title"), &page.title)?;
                require(&field("appid"), &page.appid)?;
                require(&field("pagepath"), &page.pagepath)?;
                require(&field("thumb_media_id"), page.thumb_media_id.as_str())
            }
        }
    }
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn news_has_exactly_one_article() {
        let one = Message::news(Article::new("t", "https://example.com"));
        assert!(one.validate().is_ok());
        let two = Message::News {
            articles: vec![Article::new("a", "u"), Article::new("b", "u")],
        };
        let e = two.validate().unwrap_err();
        assert!(e.to_string().contains("news.articles: "), "{e}");
        let none = Message::News { articles: vec![] };
        assert!(none.validate().is_err());
    }

    #[test]
    fn each_kind_serialises_under_its_msgtype() {
        let kinds = [
            Message::text("t"),
            Message::image("M"),
            Message::voice("M"),
            Video::new("M", "T").into(),
            Music::new("u", "h", "T").into(),
            Message::news(Article::new("t", "u")),
            Message::mpnews("M"),
            Message::mpnews_article("A"),
            MsgMenu::new("h", "t").item("1", "x").into(),
            Message::wxcard("C"),
            MiniProgramPage::new("t", "wxa", "p", "T").into(),
        ];
        for message in kinds {
            let json = serde_json::to_value(&message).unwrap();
            let object = json.as_object().unwrap();
            assert_eq!(object.len(), 1, "{json}");
            assert!(object.contains_key(message.msgtype()), "{json}");
        }
    }
}
