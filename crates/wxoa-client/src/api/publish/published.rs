//! Free publishing (发布能力): submitting a draft, where a publication stands, its articles
//! and deleting one.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use wxoa_types::ids::MediaId;

use super::{ListPage, NewsAnswer, Publications};
use crate::api::material::NewsItem;
use crate::api::support::{Ack, awaitable, lenient, opt_lenient, require, text};
use crate::{ApiRequest, Client, Result};

impl Publications {
    /// `POST /cgi-bin/freepublish/submit`: publishes a draft; the outcome arrives later
    /// (`PUBLISHJOBFINISH` event, or [`Publications::status`](super::Publications::status)).
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

/// `POST /cgi-bin/freepublish/submit`, from [`Publications::submit`](super::Publications::submit).
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

/// `POST /cgi-bin/freepublish/get`, from [`Publications::status`](super::Publications::status).
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

/// The articles of a publication, as its status lists them: how many, and where each is.
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

/// One article of a publication: its position and permanent URL only. Not a
/// [`NewsItem`]: the status of a publication does not carry the article itself (read it with
/// [`Publications::article`](super::Publications::article)).
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

/// `POST /cgi-bin/freepublish/delete`, from [`Publications::delete`](super::Publications::delete).
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

/// `POST /cgi-bin/freepublish/getarticle`, from [`Publications::article`](super::Publications::article); answers the
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
