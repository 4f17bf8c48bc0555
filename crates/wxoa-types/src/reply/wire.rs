//! A reply built and on the wire: its constructors, reading one from the platform's XML (the
//! sandbox and tests read what a server answered), validating its parts, and rendering it as the
//! XML the platform expects.

use crate::inbound::{FromField, Inbound, Items, Word};
use crate::xml::{self, Element, write_bare_element, write_cdata_element};

use super::{Article, MAX_NEWS_ARTICLES, Music, Reply, ReplyBody, ReplyError};

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
            _ => {
                return Err(ReplyError::UnknownType {
                    msg_type: msg_type.0,
                });
            }
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
    T::take(parent, name).map_err(ReplyError::Malformed)
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
            Err(ReplyError::Empty { field: name })
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
                Err(ReplyError::ArticleCount {
                    count: articles.len(),
                })
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
