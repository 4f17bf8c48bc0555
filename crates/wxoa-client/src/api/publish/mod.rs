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
//! This file holds the area's handles (`client.drafts()`, `client.publications()`) and the
//! list pages both share; drafts live in `drafts.rs`, publications in `published.rs`.
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

mod drafts;
mod published;

pub use drafts::{AddDraft, CountDrafts, DeleteDraft, GetDraft, UpdateDraft};
pub use published::{
    ArticleDetail, DeletePublished, GetPublished, PublishState, PublishStatus,
    PublishStatusRequest, PublishedArticle, Submit, Submitted,
};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::MediaId;

use crate::api::material::{NewsContent, NewsItem};
use crate::api::support::{awaitable, bool_as_number, invalid, lenient, opt_lenient};
use crate::{ApiRequest, Client, Result, Rule, Unit};

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

/// `draft/batchget` or `freepublish/batchget`, from [`Drafts::list_page`] and
/// [`Publications::list_page`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ListPage {
    #[serde(skip)]
    pub(super) client: Client,
    #[serde(skip)]
    pub(super) path: &'static str,
    pub(super) offset: u32,
    pub(super) count: u32,
    #[serde(serialize_with = "bool_as_number")]
    pub(super) no_content: bool,
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
                Rule::OutOfRange {
                    min: 1,
                    max: PAGE_MAX.into(),
                    unit: Unit::Count,
                    got: self.count.into(),
                },
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

/// The articles of a draft or of a publication: `{"news_item": […]}`.
#[derive(Deserialize)]
struct NewsAnswer {
    #[serde(default)]
    news_item: Vec<NewsItem>,
}
