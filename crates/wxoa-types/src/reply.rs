//! Passive replies: the XML an account's server answers a push with, within 5 seconds.
//!
//! Every string is written as CDATA, with `]]>` split so the document stays well formed whatever
//! the content; `CreateTime` and `ArticleCount` are bare numbers. A reply is validated when it is
//! rendered ([`Reply::to_xml`]): a news reply holds 1 to [`MAX_NEWS_ARTICLES`] articles, and the
//! ids a reply needs are present.
//!
//! "No reply" is not a [`Reply`]: answer the body `success` ([`NO_REPLY`]).

use serde::Serialize;

use crate::inbound::{FromField, Inbound, Items, Word};
use crate::xml::{self, Element, XmlError, write_bare_element, write_cdata_element};

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
    #[error("a news reply holds 1 to {MAX_NEWS_ARTICLES} articles, this one has {0}")]
    ArticleCount(usize),
    /// A required id is empty.
    #[error("reply field {0} must not be empty")]
    Empty(&'static str),
    /// The reply XML could not be parsed.
    #[error("reply is not valid XML: {0}")]
    Xml(#[from] XmlError),
    /// The reply XML lacks a field or has a malformed one.
    #[error("reply is malformed: {0}")]
    Malformed(String),
    /// `ArticleCount` disagrees with the number of articles.
    #[error("reply ArticleCount is {declared} but it holds {actual} articles")]
    CountMismatch {
        /// The declared count.
        declared: usize,
        /// The articles present.
        actual: usize,
    },
    /// A `MsgType` that is not a reply type.
    #[error("{0:?} is not a reply type")]
    UnknownType(String),
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl Reply {
    /// A reply from its parts.
    pub fn from_parts(
        to_user_name: impl Into<String>,
        from_user_name: impl Into<String>,
        create_time: i64,
        body: ReplyBody,
    ) -> Self {
        Self {
            to_user_name: to_user_name.into(),
            from_user_name: from_user_name.into(),
            create_time,
            body,
        }
    }

    /// A reply to `push` (addressed back to its sender), stamped now.
    pub fn to(push: &Inbound, body: ReplyBody) -> Self {
        Self {
            to_user_name: push.from_user_name.0.clone(),
            from_user_name: push.to_user_name.clone(),
            create_time: now(),
            body,
        }
    }

    /// A text reply to `push`.
    pub fn text(push: &Inbound, content: impl Into<String>) -> Self {
        Self::to(
            push,
            ReplyBody::Text {
                content: content.into(),
            },
        )
    }

    /// An image reply to `push`.
    pub fn image(push: &Inbound, media_id: impl Into<String>) -> Self {
        Self::to(
            push,
            ReplyBody::Image {
                media_id: media_id.into(),
            },
        )
    }

    /// A voice reply to `push`.
    pub fn voice(push: &Inbound, media_id: impl Into<String>) -> Self {
        Self::to(
            push,
            ReplyBody::Voice {
                media_id: media_id.into(),
            },
        )
    }

    /// A video reply to `push`.
    pub fn video(
        push: &Inbound,
        media_id: impl Into<String>,
        title: Option<String>,
        description: Option<String>,
    ) -> Self {
        Self::to(
            push,
            ReplyBody::Video {
                media_id: media_id.into(),
                title,
                description,
            },
        )
    }

    /// A music reply to `push`.
    pub fn music(push: &Inbound, music: Music) -> Self {
        Self::to(push, ReplyBody::Music(music))
    }

    /// A news reply to `push`.
    pub fn news(push: &Inbound, articles: Vec<Article>) -> Self {
        Self::to(push, ReplyBody::News { articles })
    }

    /// Hands the conversation to customer service (any agent, or `kf_account`).
    pub fn transfer_customer_service(push: &Inbound, kf_account: Option<String>) -> Self {
        Self::to(push, ReplyBody::TransferCustomerService { kf_account })
    }

    /// Sets `CreateTime`.
    pub fn at(mut self, create_time: i64) -> Self {
        self.create_time = create_time;
        self
    }

    /// The reply's `MsgType`.
    pub fn msg_type(&self) -> &'static str {
        self.body.msg_type()
    }

    /// Checks the rules a reply must meet before it is sent.
    pub fn validate(&self) -> Result<(), ReplyError> {
        validate_parts(&self.to_user_name, &self.from_user_name, &self.body)
    }

    /// Renders the reply XML after [`validate`](Self::validate).
    pub fn to_xml(&self) -> Result<String, ReplyError> {
        render_parts(
            &self.to_user_name,
            &self.from_user_name,
            self.create_time,
            &self.body,
        )
    }

    /// Appends the reply XML to `out` without validating it.
    pub fn write_xml(&self, out: &mut String) {
        write_parts(
            out,
            &self.to_user_name,
            &self.from_user_name,
            self.create_time,
            &self.body,
        );
    }

    /// Reads a reply back from its XML (what the platform, or the sandbox, does with it).
    pub fn from_xml(input: &[u8]) -> Result<Reply, ReplyError> {
        let mut root = xml::parse(input)?;
        let to_user_name = take::<String>(&mut root, "ToUserName")?;
        let from_user_name = take::<String>(&mut root, "FromUserName")?;
        let create_time = take::<i64>(&mut root, "CreateTime")?;
        let msg_type = take::<Word>(&mut root, "MsgType")?;
        let body = match msg_type.to_ascii_lowercase().as_str() {
            "text" => ReplyBody::Text {
                content: take(&mut root, "Content")?,
            },
            "image" => ReplyBody::Image {
                media_id: media_of(&mut root, "Image")?,
            },
            "voice" => ReplyBody::Voice {
                media_id: media_of(&mut root, "Voice")?,
            },
            "video" => {
                let mut video = take::<Element>(&mut root, "Video")?;
                ReplyBody::Video {
                    media_id: take(&mut video, "MediaId")?,
                    title: take(&mut video, "Title")?,
                    description: take(&mut video, "Description")?,
                }
            }
            "music" => {
                let mut music = take::<Element>(&mut root, "Music")?;
                ReplyBody::Music(Music {
                    title: take(&mut music, "Title")?,
                    description: take(&mut music, "Description")?,
                    music_url: take(&mut music, "MusicUrl")?,
                    hq_music_url: take(&mut music, "HQMusicUrl")?,
                    thumb_media_id: take(&mut music, "ThumbMediaId")?,
                })
            }
            "news" => {
                let declared = take::<u32>(&mut root, "ArticleCount")? as usize;
                let items = take::<Items<Element>>(&mut root, "Articles")?;
                let articles = items
                    .0
                    .into_iter()
                    .map(|mut item| {
                        Ok(Article {
                            title: take::<Option<String>>(&mut item, "Title")?.unwrap_or_default(),
                            description: take::<Option<String>>(&mut item, "Description")?
                                .unwrap_or_default(),
                            pic_url: take::<Option<String>>(&mut item, "PicUrl")?
                                .unwrap_or_default(),
                            url: take::<Option<String>>(&mut item, "Url")?.unwrap_or_default(),
                        })
                    })
                    .collect::<Result<Vec<_>, ReplyError>>()?;
                if declared != articles.len() {
                    return Err(ReplyError::CountMismatch {
                        declared,
                        actual: articles.len(),
                    });
                }
                ReplyBody::News { articles }
            }
            "transfer_customer_service" => {
                let kf_account = match root.take_child("TransInfo") {
                    Some(mut info) => take(&mut info, "KfAccount")?,
                    None => None,
                };
                ReplyBody::TransferCustomerService { kf_account }
            }
            _ => return Err(ReplyError::UnknownType(msg_type.0)),
        };
        Ok(Reply {
            to_user_name,
            from_user_name,
            create_time,
            body,
        })
    }
}

fn take<T: FromField>(parent: &mut Element, name: &'static str) -> Result<T, ReplyError> {
    T::take(parent, name).map_err(|e| ReplyError::Malformed(e.to_string()))
}

fn media_of(root: &mut Element, group: &'static str) -> Result<String, ReplyError> {
    let mut element = take::<Element>(root, group)?;
    take(&mut element, "MediaId")
}

fn media(out: &mut String, group: &str, media_id: &str) {
    out.push('<');
    out.push_str(group);
    out.push('>');
    write_cdata_element(out, "MediaId", media_id);
    out.push_str("</");
    out.push_str(group);
    out.push('>');
}

fn optional(out: &mut String, name: &str, value: Option<&str>) {
    if let Some(value) = value {
        write_cdata_element(out, name, value);
    }
}

/// Renders a reply from borrowed parts, validated as [`Reply::to_xml`] does: the webhook's
/// path, which addresses the reply from the push without copying the two names.
pub fn render_parts(
    to_user_name: &str,
    from_user_name: &str,
    create_time: i64,
    body: &ReplyBody,
) -> Result<String, ReplyError> {
    validate_parts(to_user_name, from_user_name, body)?;
    let mut out = String::with_capacity(
        160 + to_user_name.len() + from_user_name.len() + body.estimated_len(),
    );
    write_parts(&mut out, to_user_name, from_user_name, create_time, body);
    Ok(out)
}

fn validate_parts(
    to_user_name: &str,
    from_user_name: &str,
    body: &ReplyBody,
) -> Result<(), ReplyError> {
    let non_empty = |value: &str, name: &'static str| {
        if value.is_empty() {
            Err(ReplyError::Empty(name))
        } else {
            Ok(())
        }
    };
    non_empty(to_user_name, "ToUserName")?;
    non_empty(from_user_name, "FromUserName")?;
    match body {
        ReplyBody::Image { media_id } | ReplyBody::Voice { media_id } => {
            non_empty(media_id, "MediaId")
        }
        ReplyBody::Video { media_id, .. } => non_empty(media_id, "MediaId"),
        ReplyBody::Music(music) => non_empty(&music.thumb_media_id, "ThumbMediaId"),
        ReplyBody::News { articles } => {
            if articles.is_empty() || articles.len() > MAX_NEWS_ARTICLES {
                Err(ReplyError::ArticleCount(articles.len()))
            } else {
                Ok(())
            }
        }
        ReplyBody::Text { .. } | ReplyBody::TransferCustomerService { .. } => Ok(()),
    }
}

fn write_parts(
    out: &mut String,
    to_user_name: &str,
    from_user_name: &str,
    create_time: i64,
    body: &ReplyBody,
) {
    out.push_str("<xml>");
    write_cdata_element(out, "ToUserName", to_user_name);
    write_cdata_element(out, "FromUserName", from_user_name);
    write_bare_element(out, "CreateTime", create_time);
    write_cdata_element(out, "MsgType", body.msg_type());
    match body {
        ReplyBody::Text { content } => write_cdata_element(out, "Content", content),
        ReplyBody::Image { media_id } => media(out, "Image", media_id),
        ReplyBody::Voice { media_id } => media(out, "Voice", media_id),
        ReplyBody::Video {
            media_id,
            title,
            description,
        } => {
            out.push_str("<Video>");
            write_cdata_element(out, "MediaId", media_id);
            optional(out, "Title", title.as_deref());
            optional(out, "Description", description.as_deref());
            out.push_str("</Video>");
        }
        ReplyBody::Music(music) => {
            out.push_str("<Music>");
            optional(out, "Title", music.title.as_deref());
            optional(out, "Description", music.description.as_deref());
            optional(out, "MusicUrl", music.music_url.as_deref());
            optional(out, "HQMusicUrl", music.hq_music_url.as_deref());
            write_cdata_element(out, "ThumbMediaId", &music.thumb_media_id);
            out.push_str("</Music>");
        }
        ReplyBody::News { articles } => {
            write_bare_element(out, "ArticleCount", articles.len());
            out.push_str("<Articles>");
            for article in articles {
                out.push_str("<item>");
                write_cdata_element(out, "Title", &article.title);
                write_cdata_element(out, "Description", &article.description);
                write_cdata_element(out, "PicUrl", &article.pic_url);
                write_cdata_element(out, "Url", &article.url);
                out.push_str("</item>");
            }
            out.push_str("</Articles>");
        }
        ReplyBody::TransferCustomerService { kf_account } => {
            if let Some(account) = kf_account {
                out.push_str("<TransInfo>");
                write_cdata_element(out, "KfAccount", account);
                out.push_str("</TransInfo>");
            }
        }
    }
    out.push_str("</xml>");
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn push() -> Inbound {
        Inbound::from_xml(
            b"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>\
              <FromUserName><![CDATA[oUpF8uMuAJO_M2pxb1Q9zNjWeS6o]]></FromUserName>\
              <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>\
              <Content><![CDATA[hi]]></Content><MsgId>1</MsgId></xml>",
        )
        .unwrap()
    }

    #[test]
    fn text_reply_matches_the_spec_layout() {
        let xml = Reply::text(&push(), "line one\nline two")
            .at(1700000001)
            .to_xml()
            .unwrap();
        assert_eq!(
            xml,
            "<xml><ToUserName><![CDATA[oUpF8uMuAJO_M2pxb1Q9zNjWeS6o]]></ToUserName>\
             <FromUserName><![CDATA[gh_0123456789ab]]></FromUserName>\
             <CreateTime>1700000001</CreateTime><MsgType><![CDATA[text]]></MsgType>\
             <Content><![CDATA[line one\nline two]]></Content></xml>"
        );
    }

    #[test]
    fn every_reply_kind_round_trips() {
        let p = push();
        let replies = vec![
            Reply::text(&p, "a]]>b 中文 🎉"),
            Reply::image(&p, "MEDIA"),
            Reply::voice(&p, "MEDIA"),
            Reply::video(&p, "MEDIA", Some("t".into()), None),
            Reply::music(
                &p,
                Music::new("THUMB")
                    .title("t")
                    .description("d")
                    .music_url("http://m")
                    .hq_music_url("http://hq"),
            ),
            Reply::news(
                &p,
                vec![
                    Article::new("one", "http://1")
                        .description("d")
                        .pic_url("http://p"),
                    Article::new("two", "http://2"),
                ],
            ),
            Reply::transfer_customer_service(&p, None),
            Reply::transfer_customer_service(&p, Some("agent1@account".into())),
        ];
        for reply in replies {
            let reply = reply.at(1700000001);
            let xml = reply.to_xml().unwrap();
            assert_eq!(Reply::from_xml(xml.as_bytes()).unwrap(), reply, "{xml}");
        }
    }

    #[test]
    fn news_is_bounded() {
        let p = push();
        assert_eq!(
            Reply::news(&p, vec![]).to_xml(),
            Err(ReplyError::ArticleCount(0))
        );
        let nine = vec![Article::new("t", "u"); 9];
        assert_eq!(
            Reply::news(&p, nine).to_xml(),
            Err(ReplyError::ArticleCount(9))
        );
        let eight = vec![Article::new("t", "u"); 8];
        assert!(Reply::news(&p, eight).to_xml().is_ok());
    }

    #[test]
    fn required_ids_are_checked() {
        let p = push();
        assert_eq!(
            Reply::image(&p, "").to_xml(),
            Err(ReplyError::Empty("MediaId"))
        );
        assert_eq!(
            Reply::music(&p, Music::default()).to_xml(),
            Err(ReplyError::Empty("ThumbMediaId"))
        );
    }

    #[test]
    fn count_mismatch_is_refused() {
        let xml = "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName>\
                   <CreateTime>1</CreateTime><MsgType>news</MsgType><ArticleCount>2</ArticleCount>\
                   <Articles><item><Title>t</Title></item></Articles></xml>";
        assert_eq!(
            Reply::from_xml(xml.as_bytes()),
            Err(ReplyError::CountMismatch {
                declared: 2,
                actual: 1
            })
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_round_trips(content in ".*", to in "[a-zA-Z0-9_-]{1,28}") {
            let mut reply = Reply::text(&push(), content.clone()).at(1);
            reply.to_user_name = to;
            let xml = reply.to_xml().unwrap();
            let back = Reply::from_xml(xml.as_bytes()).unwrap();
            let expected = ReplyBody::Text { content: xml::sanitize(&content) };
            proptest::prop_assert_eq!(back.body, expected);
        }
    }
}
