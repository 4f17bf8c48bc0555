//! Drafts and free publishing (草稿箱, 发布能力): the platform's replacement for news
//! materials. Write a draft, publish it, follow the publication, read or delete published
//! articles.
//!
//! These endpoints are **not in the spec**: their paths and JSON shapes come from public SDKs
//! (silenceper/wechat `officialaccount/draft`, `officialaccount/freepublish`; WxJava) and the
//! platform's documentation as they quote it. Their errors are in the spec's table:
//! 53500 publishing banned, 53501 too frequent, 53502 invalid `publish_id`, 53600 invalid
//! `article_id`.
//!
//! Checked before anything is sent: 1 to 8 articles per draft (each as
//! [`NewsArticle`](crate::api::material::NewsArticle) checks it), a list page of 1 to 20 items.
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! use wxoa_client::api::material::NewsArticle;
//! use wxoa_client::api::publish::PublishState;
//!
//! let draft = client.drafts().add([NewsArticle::new("Title", "THUMB_MEDIA_ID", "<p>…</p>")]).await?;
//! let submitted = client.publications().submit(draft.as_str()).await?;
//! let status = client.publications().status(&submitted.publish_id).await?;
//! if status.publish_status == PublishState::Success {
//!     println!("published as {:?}", status.article_id);
//! }
//! # Ok(())
//! # }
//! ```

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use wxoa_types::ids::MediaId;

use crate::api::material::{NewsArticle, NewsContent, NewsItem};
use crate::api::support::{
    Ack, awaitable, bool_as_number, invalid, lenient, opt_lenient, require, text,
};
use crate::{ApiRequest, Client, Result};

/// Most articles of one draft.
pub const DRAFT_MAX_ARTICLES: usize = 8;
/// Most items of one list page.
pub const PAGE_MAX: u32 = 20;

/// The draft API: `client.drafts()`.
#[derive(Debug, Clone)]
pub struct Drafts {
    client: Client,
}

/// The free-publishing API: `client.publications()`.
#[derive(Debug, Clone)]
pub struct Publications {
    client: Client,
}

impl Client {
    /// The draft API (`/cgi-bin/draft/*`; shapes from public SDKs, not the spec).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let drafts = client.drafts().count().await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn drafts(&self) -> Drafts {
        Drafts {
            client: self.clone(),
        }
    }

    /// The free-publishing API (`/cgi-bin/freepublish/*`; shapes from public SDKs, not the
    /// spec).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let page = client.publications().list_page(0, 20).await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn publications(&self) -> Publications {
        Publications {
            client: self.clone(),
        }
    }
}

impl Drafts {
    /// `POST /cgi-bin/draft/add`: a draft of 1 to 8 articles; answers its `media_id`.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::material::NewsArticle;
    /// let media_id = client.drafts().add([NewsArticle::new("Title", "THUMB_MEDIA_ID", "<p>…</p>")]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn add(&self, articles: impl IntoIterator<Item = NewsArticle>) -> AddDraft {
        AddDraft {
            client: self.client.clone(),
            articles: articles.into_iter().collect(),
        }
    }

    /// `POST /cgi-bin/draft/get`: the articles of a draft.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let articles = client.drafts().get("MEDIA_ID").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, media_id: impl Into<MediaId>) -> GetDraft {
        GetDraft {
            client: self.client.clone(),
            media_id: media_id.into(),
        }
    }

    /// `POST /cgi-bin/draft/delete`.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.drafts().delete("MEDIA_ID").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, media_id: impl Into<MediaId>) -> DeleteDraft {
        DeleteDraft {
            client: self.client.clone(),
            media_id: media_id.into(),
        }
    }

    /// `POST /cgi-bin/draft/update`: replaces the article at `index` (from 0).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::material::NewsArticle;
    /// client.drafts().update("MEDIA_ID", 0, NewsArticle::new("New title", "THUMB_MEDIA_ID", "<p>…</p>")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn update(
        &self,
        media_id: impl Into<MediaId>,
        index: u32,
        article: NewsArticle,
    ) -> UpdateDraft {
        UpdateDraft {
            client: self.client.clone(),
            media_id: media_id.into(),
            index,
            article,
        }
    }

    /// `GET /cgi-bin/draft/count`: how many drafts there are.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let count = client.drafts().count().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn count(&self) -> CountDrafts {
        CountDrafts {
            client: self.client.clone(),
        }
    }

    /// `POST /cgi-bin/draft/batchget`: one page of 1 to 20 drafts from `offset`.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let page = client.drafts().list_page(0, 20).no_content(true).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_page(&self, offset: u32, count: u32) -> ListPage {
        ListPage {
            client: self.client.clone(),
            path: "/cgi-bin/draft/batchget",
            offset,
            count,
            no_content: false,
        }
    }
}

/// `POST /cgi-bin/draft/add`, from [`Drafts::add`]; answers the draft's `media_id`.
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct AddDraft {
    #[serde(skip)]
    client: Client,
    articles: Vec<NewsArticle>,
}

impl AddDraft {
    fn request(&self) -> Result<ApiRequest> {
        NewsArticle::validate_list("articles", &self.articles, DRAFT_MAX_ARTICLES)?;
        ApiRequest::post("/cgi-bin/draft/add").json(self)
    }
}

#[derive(Deserialize)]
struct MediaIdAnswer {
    media_id: MediaId,
}

awaitable!(AddDraft => MediaIdAnswer => MediaId, |a: MediaIdAnswer| a.media_id);

/// `POST /cgi-bin/draft/get`, from [`Drafts::get`]; answers the articles.
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetDraft {
    #[serde(skip)]
    client: Client,
    media_id: MediaId,
}

impl GetDraft {
    fn request(&self) -> Result<ApiRequest> {
        require("media_id", self.media_id.as_str())?;
        Ok(ApiRequest::post("/cgi-bin/draft/get")
            .json(self)?
            .idempotent(true))
    }
}

#[derive(Deserialize)]
struct NewsAnswer {
    #[serde(default)]
    news_item: Vec<NewsItem>,
}

awaitable!(GetDraft => NewsAnswer => Vec<NewsItem>, |a: NewsAnswer| a.news_item);

/// `POST /cgi-bin/draft/delete`, from [`Drafts::delete`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteDraft {
    #[serde(skip)]
    client: Client,
    media_id: MediaId,
}

impl DeleteDraft {
    fn request(&self) -> Result<ApiRequest> {
        require("media_id", self.media_id.as_str())?;
        ApiRequest::post("/cgi-bin/draft/delete").json(self)
    }
}

awaitable!(DeleteDraft => Ack);

/// `POST /cgi-bin/draft/update`, from [`Drafts::update`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UpdateDraft {
    #[serde(skip)]
    client: Client,
    media_id: MediaId,
    index: u32,
    /// One article, under the platform's plural name.
    #[serde(rename = "articles")]
    article: NewsArticle,
}

impl UpdateDraft {
    fn request(&self) -> Result<ApiRequest> {
        require("media_id", self.media_id.as_str())?;
        let index = usize::try_from(self.index).unwrap_or(usize::MAX);
        if index >= DRAFT_MAX_ARTICLES {
            return Err(invalid(
                "index",
                format!(
                    "0..={} (a draft has at most {DRAFT_MAX_ARTICLES} articles), got {}",
                    DRAFT_MAX_ARTICLES - 1,
                    self.index
                ),
            ));
        }
        self.article.validate("articles")?;
        // Replacing an article with the same one twice leaves the same draft.
        Ok(ApiRequest::post("/cgi-bin/draft/update")
            .json(self)?
            .idempotent(true))
    }
}

awaitable!(UpdateDraft => Ack);

/// `GET /cgi-bin/draft/count`, from [`Drafts::count`]; answers the number of drafts.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CountDrafts {
    client: Client,
}

impl CountDrafts {
    fn request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::get("/cgi-bin/draft/count"))
    }
}

#[derive(Deserialize)]
struct CountAnswer {
    #[serde(deserialize_with = "lenient")]
    total_count: u64,
}

awaitable!(CountDrafts => CountAnswer => u64, |a: CountAnswer| a.total_count);

/// `draft/batchget` or `freepublish/batchget`, from [`Drafts::list_page`] and
/// [`Publications::list_page`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ListPage {
    #[serde(skip)]
    client: Client,
    #[serde(skip)]
    path: &'static str,
    offset: u32,
    count: u32,
    #[serde(serialize_with = "bool_as_number")]
    no_content: bool,
}

impl ListPage {
    /// Leaves the articles' HTML out of the answer.
    pub fn no_content(mut self, no_content: bool) -> Self {
        self.no_content = no_content;
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        if !(1..=PAGE_MAX).contains(&self.count) {
            return Err(invalid(
                "count",
                format!("1..={PAGE_MAX}, got {}", self.count),
            ));
        }
        Ok(ApiRequest::post(self.path).json(self)?.idempotent(true))
    }
}

/// One page of drafts or published articles.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Page {
    /// How many there are in all.
    #[serde(default, deserialize_with = "lenient")]
    pub total_count: u64,
    /// How many are on this page.
    #[serde(default, deserialize_with = "lenient")]
    pub item_count: u64,
    /// The items.
    #[serde(default)]
    pub item: Vec<PageItem>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A draft (`media_id`) or a published article (`article_id`) of a page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PageItem {
    /// The draft's id (drafts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<MediaId>,
    /// The published article's id (free publishing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_id: Option<String>,
    /// The articles.
    #[serde(default)]
    pub content: NewsContent,
    /// When it last changed (Unix seconds).
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub update_time: Option<i64>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(ListPage => Page);

impl Publications {
    /// `POST /cgi-bin/freepublish/submit`: publishes a draft; the outcome arrives later
    /// (`PUBLISHJOBFINISH` event, or [`Publications::status`]).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let submitted = client.publications().submit("DRAFT_MEDIA_ID").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn submit(&self, media_id: impl Into<MediaId>) -> Submit {
        Submit {
            client: self.client.clone(),
            media_id: media_id.into(),
        }
    }

    /// `POST /cgi-bin/freepublish/get`: where a publication stands.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let status = client.publications().status("100000001").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn status(&self, publish_id: impl Into<String>) -> PublishStatusRequest {
        PublishStatusRequest {
            client: self.client.clone(),
            publish_id: publish_id.into(),
        }
    }

    /// `POST /cgi-bin/freepublish/delete`: deletes a published article (every article of it
    /// unless [`DeletePublished::index`] names one, from 1). It cannot be undone.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.publications().delete("ARTICLE_ID").index(1).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, article_id: impl Into<String>) -> DeletePublished {
        DeletePublished {
            client: self.client.clone(),
            article_id: article_id.into(),
            index: None,
        }
    }

    /// `POST /cgi-bin/freepublish/getarticle`: the articles of a published `article_id`.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let articles = client.publications().article("ARTICLE_ID").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn article(&self, article_id: impl Into<String>) -> GetPublished {
        GetPublished {
            client: self.client.clone(),
            article_id: article_id.into(),
        }
    }

    /// `POST /cgi-bin/freepublish/batchget`: one page of 1 to 20 published articles.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let page = client.publications().list_page(0, 20).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_page(&self, offset: u32, count: u32) -> ListPage {
        ListPage {
            client: self.client.clone(),
            path: "/cgi-bin/freepublish/batchget",
            offset,
            count,
            no_content: false,
        }
    }
}

/// `POST /cgi-bin/freepublish/submit`, from [`Publications::submit`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct Submit {
    #[serde(skip)]
    client: Client,
    media_id: MediaId,
}

impl Submit {
    fn request(&self) -> Result<ApiRequest> {
        require("media_id", self.media_id.as_str())?;
        ApiRequest::post("/cgi-bin/freepublish/submit").json(self)
    }
}

/// A publication submitted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Submitted {
    /// The publication's id (sent as a string or a number; kept as text).
    #[serde(deserialize_with = "text")]
    pub publish_id: String,
    /// The id of the articles' data.
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub msg_data_id: Option<u64>,
    /// Fields this version does not know (`errcode`, `errmsg` included).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(Submit => Submitted);

/// Where a publication stands (`publish_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PublishState {
    /// 0: published.
    Success,
    /// 1: being published.
    Publishing,
    /// 2: refused as not original.
    OriginalFailed,
    /// 3: failed.
    Failed,
    /// 4: refused by the platform's review.
    AuditRefused,
    /// 5: every article was deleted by the account after publication.
    UserDeleted,
    /// 6: every article was banned by the platform after publication.
    SystemBanned,
    /// A value this version does not know.
    Unknown(i64),
}

impl PublishState {
    /// The platform's number.
    #[must_use]
    pub fn code(self) -> i64 {
        match self {
            PublishState::Success => 0,
            PublishState::Publishing => 1,
            PublishState::OriginalFailed => 2,
            PublishState::Failed => 3,
            PublishState::AuditRefused => 4,
            PublishState::UserDeleted => 5,
            PublishState::SystemBanned => 6,
            PublishState::Unknown(code) => code,
        }
    }

    /// The state of a number.
    #[must_use]
    pub fn from_code(code: i64) -> PublishState {
        match code {
            0 => PublishState::Success,
            1 => PublishState::Publishing,
            2 => PublishState::OriginalFailed,
            3 => PublishState::Failed,
            4 => PublishState::AuditRefused,
            5 => PublishState::UserDeleted,
            6 => PublishState::SystemBanned,
            other => PublishState::Unknown(other),
        }
    }
}

impl Serialize for PublishState {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_i64(self.code())
    }
}

impl<'de> Deserialize<'de> for PublishState {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        lenient::<D, i64>(d).map(PublishState::from_code)
    }
}

/// `POST /cgi-bin/freepublish/get`, from [`Publications::status`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct PublishStatusRequest {
    #[serde(skip)]
    client: Client,
    publish_id: String,
}

impl PublishStatusRequest {
    fn request(&self) -> Result<ApiRequest> {
        require("publish_id", &self.publish_id)?;
        Ok(ApiRequest::post("/cgi-bin/freepublish/get")
            .json(self)?
            .idempotent(true))
    }
}

/// The status of a publication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PublishStatus {
    /// The publication.
    #[serde(deserialize_with = "text")]
    pub publish_id: String,
    /// Where it stands.
    pub publish_status: PublishState,
    /// The published article's id (when published).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_id: Option<String>,
    /// The published articles' URLs (when published).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_detail: Option<ArticleDetail>,
    /// The articles refused, counted from 1 (states 2 and 4).
    #[serde(default, deserialize_with = "crate::api::support::lenient_list")]
    pub fail_idx: Vec<u32>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The articles of a publication.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ArticleDetail {
    /// How many.
    #[serde(default, deserialize_with = "lenient")]
    pub count: u32,
    /// Each with its URL.
    #[serde(default)]
    pub item: Vec<PublishedArticle>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One article of a publication.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PublishedArticle {
    /// Its position, from 1.
    #[serde(default, deserialize_with = "lenient")]
    pub idx: u32,
    /// Its permanent URL.
    #[serde(default)]
    pub article_url: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(PublishStatusRequest => PublishStatus);

/// `POST /cgi-bin/freepublish/delete`, from [`Publications::delete`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeletePublished {
    #[serde(skip)]
    client: Client,
    article_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<u32>,
}

impl DeletePublished {
    /// Deletes only the article at this position, from 1 (0 deletes them all).
    pub fn index(mut self, index: u32) -> Self {
        self.index = Some(index);
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        require("article_id", &self.article_id)?;
        ApiRequest::post("/cgi-bin/freepublish/delete").json(self)
    }
}

awaitable!(DeletePublished => Ack);

/// `POST /cgi-bin/freepublish/getarticle`, from [`Publications::article`]; answers the
/// articles.
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetPublished {
    #[serde(skip)]
    client: Client,
    article_id: String,
}

impl GetPublished {
    fn request(&self) -> Result<ApiRequest> {
        require("article_id", &self.article_id)?;
        Ok(ApiRequest::post("/cgi-bin/freepublish/getarticle")
            .json(self)?
            .idempotent(true))
    }
}

awaitable!(GetPublished => NewsAnswer => Vec<NewsItem>, |a: NewsAnswer| a.news_item);
