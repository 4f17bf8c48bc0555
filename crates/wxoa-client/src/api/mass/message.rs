//! What a mass message says: each kind with its rules, and how it is written into a send's
//! body.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use wxoa_types::ids::{CardId, MediaId};

use crate::api::support::{bool_as_number, invalid, require};
use crate::{Result, Rule};

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

/// The images of an [`MassMessage::Images`] message, as the platform takes them (flags as
/// 0 or 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ImageSet {
    /// The images, in order.
    pub media_ids: Vec<MediaId>,
    /// The recommendation text shown with them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommend: Option<String>,
    /// Whether comments are open.
    #[serde(serialize_with = "bool_as_number")]
    pub need_open_comment: bool,
    /// Whether only followers may comment.
    #[serde(serialize_with = "bool_as_number")]
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

    /// Checks the payload.
    pub(super) fn validate(&self) -> Result<()> {
        match self {
            MassMessage::MpNews { media_id, .. } => require("mpnews.media_id", media_id.as_str()),
            MassMessage::Text { content } => require("text.content", content),
            MassMessage::Voice { media_id } => require("voice.media_id", media_id.as_str()),
            MassMessage::Image { media_id } => require("image.media_id", media_id.as_str()),
            MassMessage::Images(images) => {
                if images.media_ids.is_empty() {
                    return Err(invalid("images.media_ids", Rule::NoImage));
                }
                match images.media_ids.iter().position(|m| m.as_str().is_empty()) {
                    Some(i) => Err(invalid(format!("images.media_ids[{i}]"), Rule::Empty)),
                    None => Ok(()),
                }
            }
            MassMessage::MpVideo { media_id } => require("mpvideo.media_id", media_id.as_str()),
            MassMessage::WxCard { card_id } => require("wxcard.card_id", card_id.as_str()),
        }
    }
}

/// The members a [`MassMessage`] adds to a send's body: `msgtype`, the payload under its key
/// (`"text": {"content": …}`, `"images": {…}`), and for an article message of a mass send the
/// top-level `send_ignore_reprint` (a preview reaches one person: reprint checks do not apply).
#[derive(Debug, Clone)]
pub(super) struct MassContent {
    pub(super) message: MassMessage,
    pub(super) reprint_check: bool,
}

/// `{"media_id": …}`.
#[derive(Serialize)]
struct MediaRef<'a> {
    media_id: &'a MediaId,
}

/// `{"content": …}`.
#[derive(Serialize)]
struct TextRef<'a> {
    content: &'a str,
}

/// `{"card_id": …}`.
#[derive(Serialize)]
struct CardRef<'a> {
    card_id: &'a CardId,
}

impl Serialize for MassContent {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("msgtype", self.message.msgtype())?;
        match &self.message {
            MassMessage::MpNews {
                media_id,
                send_ignore_reprint,
            } => {
                map.serialize_entry("mpnews", &MediaRef { media_id })?;
                if self.reprint_check {
                    map.serialize_entry("send_ignore_reprint", &u8::from(*send_ignore_reprint))?;
                }
            }
            MassMessage::Text { content } => map.serialize_entry("text", &TextRef { content })?,
            MassMessage::Voice { media_id } => {
                map.serialize_entry("voice", &MediaRef { media_id })?
            }
            MassMessage::Image { media_id } => {
                map.serialize_entry("image", &MediaRef { media_id })?
            }
            MassMessage::Images(images) => map.serialize_entry("images", images)?,
            MassMessage::MpVideo { media_id } => {
                map.serialize_entry("mpvideo", &MediaRef { media_id })?;
            }
            MassMessage::WxCard { card_id } => {
                map.serialize_entry("wxcard", &CardRef { card_id })?
            }
        }
        map.end()
    }
}
