//! News materials: the article of a news material, of `uploadnews` (mass messages) and of a
//! draft — one shape the platform takes in all three — as written and checked once, and the
//! article as the platform returns it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::MediaId;

use super::{CONTENT_MAX_BYTES, CONTENT_MAX_CHARS, NEWS_MAX_ARTICLES};
use crate::api::support::{
    Ack, awaitable, decode_input, flag_as_number, invalid, opt_flag, opt_lenient, or_default,
    require,
};
use crate::{ApiRequest, ArticleList, Client, Result, Rule, Unit};

/// An article of a news material, of `uploadnews` (mass messages) and of a draft, as the
/// platform takes it: the type is the body. It is not the link article of a customer-service
/// message or a passive reply ([`custom::Article`](crate::api::custom::Article)): that one
/// points at a URL, this one carries its content and a cover material. What the platform
/// returns is [`NewsItem`], which has the article's own `url` and no flags to set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewsArticle {
    /// The title.
    #[serde(default, deserialize_with = "or_default")]
    pub title: String,
    /// The cover: a permanent image or thumb material.
    #[serde(
        default,
        deserialize_with = "or_default",
        skip_serializing_if = "no_media_id"
    )]
    pub thumb_media_id: MediaId,
    /// The author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The summary (single-article news only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Whether the cover shows in the text (sent as 0 or 1).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "flag_as_number",
        deserialize_with = "opt_flag"
    )]
    pub show_cover_pic: Option<bool>,
    /// The HTML content: under 20,000 characters and 1 MB; JavaScript is removed and images
    /// must be `uploadimg` URLs.
    #[serde(default, deserialize_with = "or_default")]
    pub content: String,
    /// The "read more" URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_source_url: Option<String>,
    /// Whether comments are open (sent as 0 or 1).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "flag_as_number",
        deserialize_with = "opt_flag"
    )]
    pub need_open_comment: Option<bool>,
    /// Whether only followers may comment (sent as 0 or 1).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "flag_as_number",
        deserialize_with = "opt_flag"
    )]
    pub only_fans_can_comment: Option<bool>,
    /// Other fields, sent as they are (drafts: `pic_crop_235_1`, `article_type`,
    /// `image_info`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A picture post without a cover leaves `thumb_media_id` out.
fn no_media_id(id: &MediaId) -> bool {
    id.as_str().is_empty()
}

impl NewsArticle {
    /// An article with its title, cover and content.
    pub fn new(
        title: impl Into<String>,
        thumb_media_id: impl Into<MediaId>,
        content: impl Into<String>,
    ) -> NewsArticle {
        NewsArticle {
            title: title.into(),
            thumb_media_id: thumb_media_id.into(),
            author: None,
            digest: None,
            show_cover_pic: None,
            content: content.into(),
            content_source_url: None,
            need_open_comment: None,
            only_fans_can_comment: None,
            extra: Map::new(),
        }
    }

    /// An article in the platform's JSON shape (`{"title": …, "thumb_media_id": …,
    /// "content": …, "show_cover_pic": 1, …}`), as kept in a file; members this type does not
    /// model are kept and sent as they are; a member of the wrong type fails naming its path
    /// under `field` (`articles[0]`).
    ///
    /// ```
    /// use wxoa_client::api::material::NewsArticle;
    ///
    /// let json = serde_json::json!({"title": "T", "thumb_media_id": "M", "content": "<p>c</p>", "show_cover_pic": 1});
    /// let article = NewsArticle::from_json(&json, "articles[0]")?;
    /// assert_eq!(article.show_cover_pic, Some(true));
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    pub fn from_json(value: &Value, field: &str) -> Result<NewsArticle> {
        decode_input(value, field)
    }

    /// Another field, sent as it is (`pic_crop_235_1` of a draft, …).
    #[must_use]
    pub fn field(mut self, key: impl Into<String>, value: Value) -> NewsArticle {
        self.extra.insert(key.into(), value);
        self
    }

    /// Sets the author.
    #[must_use]
    pub fn author(mut self, author: impl Into<String>) -> NewsArticle {
        self.author = Some(author.into());
        self
    }

    /// Sets the summary.
    #[must_use]
    pub fn digest(mut self, digest: impl Into<String>) -> NewsArticle {
        self.digest = Some(digest.into());
        self
    }

    /// Shows the cover in the text, or not.
    #[must_use]
    pub fn show_cover_pic(mut self, show: bool) -> NewsArticle {
        self.show_cover_pic = Some(show);
        self
    }

    /// Sets the "read more" URL.
    #[must_use]
    pub fn content_source_url(mut self, url: impl Into<String>) -> NewsArticle {
        self.content_source_url = Some(url.into());
        self
    }

    /// Opens or closes comments; `followers_only` restricts them to followers.
    #[must_use]
    pub fn comments(mut self, open: bool, followers_only: bool) -> NewsArticle {
        self.need_open_comment = Some(open);
        self.only_fans_can_comment = Some(followers_only);
        self
    }

    /// Checks the platform's rules; `field` names the article in errors.
    pub(crate) fn validate(&self, field: &str) -> Result<()> {
        require(&format!("{field}.title"), &self.title)?;
        // A picture post (draft `article_type` newspic) has images instead of a cover.
        let newspic = self.extra.get("article_type").and_then(Value::as_str) == Some("newspic");
        if !newspic {
            require(
                &format!("{field}.thumb_media_id"),
                self.thumb_media_id.as_str(),
            )?;
        }
        require(&format!("{field}.content"), &self.content)?;
        let chars = self.content.chars().count();
        if chars >= CONTENT_MAX_CHARS || self.content.len() >= CONTENT_MAX_BYTES {
            return Err(invalid(
                format!("{field}.content"),
                Rule::ContentLength {
                    max_chars: CONTENT_MAX_CHARS,
                    max_bytes: CONTENT_MAX_BYTES,
                    chars,
                    bytes: self.content.len(),
                },
            ));
        }
        Ok(())
    }

    /// Checks a list of 1 to `max` articles; `field` names it in errors.
    pub(crate) fn validate_list(field: &str, articles: &[NewsArticle], max: usize) -> Result<()> {
        if articles.is_empty() || articles.len() > max {
            return Err(invalid(
                field,
                Rule::OutOfRange {
                    min: 1,
                    max: max as i64,
                    unit: Unit::Articles,
                    got: articles.len() as i64,
                },
            ));
        }
        articles
            .iter()
            .enumerate()
            .try_for_each(|(i, article)| article.validate(&format!("{field}[{i}]")))
    }
}

/// An article as the platform returns it (news materials, drafts, published articles). Not a
/// [`NewsArticle`]: the answer adds the article's own `url`, sends every text (empty when
/// unset) and its flags as numbers, and may carry fields a request never sends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewsItem {
    /// The title.
    #[serde(default)]
    pub title: String,
    /// The cover.
    #[serde(default)]
    pub thumb_media_id: String,
    /// Whether the cover shows in the text (0 or 1).
    #[serde(default, deserialize_with = "opt_lenient")]
    pub show_cover_pic: Option<u8>,
    /// The author.
    #[serde(default)]
    pub author: String,
    /// The summary.
    #[serde(default)]
    pub digest: String,
    /// The HTML content.
    #[serde(default)]
    pub content: String,
    /// The article's own URL.
    #[serde(default)]
    pub url: String,
    /// The "read more" URL.
    #[serde(default)]
    pub content_source_url: String,
    /// Fields this version does not know (`need_open_comment`, `thumb_url`, `is_deleted`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
/// `POST /cgi-bin/material/add_news`, from [`Materials::add_news`](super::Materials::add_news); answers the news'
/// `media_id`.
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct AddNews {
    #[serde(skip)]
    pub(super) client: Client,
    pub(super) articles: Vec<NewsArticle>,
}

impl AddNews {
    fn request(&self) -> Result<ApiRequest> {
        NewsArticle::validate_list("articles", &self.articles, NEWS_MAX_ARTICLES)?;
        ApiRequest::post("/cgi-bin/material/add_news").json(self)
    }
}

#[derive(Deserialize)]
struct MediaIdAnswer {
    media_id: MediaId,
}

awaitable!(AddNews => MediaIdAnswer => MediaId, |a: MediaIdAnswer| a.media_id);

/// `POST /cgi-bin/material/update_news`, from [`Materials::update_news`](super::Materials::update_news).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UpdateNews {
    #[serde(skip)]
    pub(super) client: Client,
    pub(super) media_id: MediaId,
    pub(super) index: u32,
    /// One article, under the platform's plural name.
    #[serde(rename = "articles")]
    pub(super) article: NewsArticle,
}

impl UpdateNews {
    fn request(&self) -> Result<ApiRequest> {
        require("media_id", self.media_id.as_str())?;
        let index = usize::try_from(self.index).unwrap_or(usize::MAX);
        if index >= NEWS_MAX_ARTICLES {
            return Err(invalid(
                "index",
                Rule::ArticleIndex {
                    list: ArticleList::News,
                    articles: NEWS_MAX_ARTICLES,
                    got: self.index,
                },
            ));
        }
        self.article.validate("articles")?;
        // Replacing an article with the same one twice leaves the same news.
        Ok(ApiRequest::post("/cgi-bin/material/update_news")
            .json(self)?
            .idempotent(true))
    }
}

awaitable!(UpdateNews => Ack);
