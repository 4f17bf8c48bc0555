//! The public template library (`/wxaapi/newtmpl/getcategory`, `getpubtemplatetitles`,
//! `getpubtemplatekeywords`): the categories of the account, the titles of the library in
//! pages of at most 30, and the keywords a title offers.

use futures::{Stream, stream};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Subscriptions, TemplateType};
use crate::api::paging::until_error;
use crate::api::support::{awaitable, invalid, lenient, parameterless_get, text};
use crate::{ApiRequest, Client, Result, Rule, Unit};

/// Most titles a page holds (`limit`).
pub const TITLES_PAGE_MAX: u32 = 30;

/// A category of the account (`getcategory`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Category {
    /// The category's id, what [`GetTitles::categories`] takes.
    #[serde(deserialize_with = "lenient")]
    pub id: u32,
    /// Its name, e.g. `公交`.
    #[serde(default)]
    pub name: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A title of the library (`getpubtemplatetitles`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Title {
    /// The title's id, what [`Subscriptions::keywords`] and [`Subscriptions::add`] take.
    #[serde(deserialize_with = "lenient")]
    pub tid: u32,
    /// The title, e.g. `付款成功通知`.
    #[serde(default)]
    pub title: String,
    /// One-time or long-term.
    #[serde(rename = "type", default)]
    pub kind: TemplateType,
    /// The category it belongs to (`categoryId`, a string on the wire).
    #[serde(rename = "categoryId", default, deserialize_with = "text")]
    pub category_id: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A page of titles: `count` is the size of the whole list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TitlePage {
    /// How many titles the whole list holds.
    #[serde(default, deserialize_with = "lenient")]
    pub count: u64,
    /// The titles of this page.
    #[serde(default)]
    pub data: Vec<Title>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A keyword a title offers (`getpubtemplatekeywords`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Keyword {
    /// The keyword's id, what [`Subscriptions::add`] takes in `kidList`.
    #[serde(deserialize_with = "lenient")]
    pub kid: u32,
    /// Its label, e.g. `物品名称`.
    #[serde(default)]
    pub name: String,
    /// An example value.
    #[serde(default)]
    pub example: String,
    /// Its type: what its values may hold; the field is named `<rule><kid>` in a send.
    #[serde(default = "no_rule")]
    pub rule: super::KeywordRule,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The type of a keyword whose `rule` is absent.
fn no_rule() -> super::KeywordRule {
    super::KeywordRule::Unknown(String::new())
}

/// The keywords of a title: `count` and `data`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Keywords {
    /// How many keywords the title offers.
    #[serde(default, deserialize_with = "lenient")]
    pub count: u64,
    /// The keywords.
    #[serde(default)]
    pub data: Vec<Keyword>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Subscriptions {
    /// `GET /wxaapi/newtmpl/getcategory`: the account's categories.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// for category in client.subscriptions().categories().await? {
    ///     println!("{} {}", category.id, category.name);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn categories(&self) -> GetCategories {
        GetCategories {
            client: self.client.clone(),
        }
    }

    /// `GET /wxaapi/newtmpl/getpubtemplatetitles`: a page of the library's titles, from
    /// `start` (0-based), at most `limit` (1 to 30).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let page = client.subscriptions().titles(0, 30).categories([616]).await?;
    /// println!("{} titles in all", page.count);
    /// # Ok(())
    /// # }
    /// ```
    pub fn titles(&self, start: u32, limit: u32) -> GetTitles {
        GetTitles {
            client: self.client.clone(),
            start,
            limit,
            categories: Vec::new(),
        }
    }

    /// Every title of the library in these categories (every category when empty), a page of
    /// 30 at a time, fetched as the stream is read.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let titles: Vec<_> = client.subscriptions().all_titles(vec![616]).try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn all_titles(
        &self,
        categories: Vec<u32>,
    ) -> impl Stream<Item = Result<Title>> + Send + 'static {
        let first = self.titles(0, TITLES_PAGE_MAX).categories(categories);
        let pages = stream::try_unfold(Some(first), |request| async move {
            let Some(request) = request else {
                return Ok::<_, crate::Error>(None);
            };
            let page = request.clone().await?;
            let seen = u64::from(request.start) + page.data.len() as u64;
            let next = (!page.data.is_empty() && seen < page.count).then(|| GetTitles {
                start: u32::try_from(seen).unwrap_or(u32::MAX),
                ..request
            });
            Ok(Some((stream::iter(page.data.into_iter().map(Ok)), next)))
        });
        until_error(futures::TryStreamExt::try_flatten(pages))
    }

    /// `GET /wxaapi/newtmpl/getpubtemplatekeywords`: the keywords a title offers.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// for keyword in client.subscriptions().keywords(99).await?.data {
    ///     println!("{} {} ({})", keyword.kid, keyword.name, keyword.rule);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn keywords(&self, tid: u32) -> GetKeywords {
        GetKeywords {
            client: self.client.clone(),
            tid,
        }
    }
}

#[derive(Deserialize)]
struct CategoryAnswer {
    #[serde(default)]
    data: Vec<Category>,
}

parameterless_get!(
    /// `GET /wxaapi/newtmpl/getcategory`, from [`Subscriptions::categories`].
    GetCategories, "/wxaapi/newtmpl/getcategory" => CategoryAnswer => Vec<Category>, |a: CategoryAnswer| a.data
);

/// `GET /wxaapi/newtmpl/getpubtemplatetitles`, from [`Subscriptions::titles`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetTitles {
    client: Client,
    start: u32,
    limit: u32,
    categories: Vec<u32>,
}

impl GetTitles {
    /// Only titles of these categories (`ids`; every category when none is given).
    pub fn categories(mut self, ids: impl IntoIterator<Item = u32>) -> Self {
        self.categories = ids.into_iter().collect();
        self
    }

    fn request(&self) -> Result<ApiRequest> {
        if !(1..=TITLES_PAGE_MAX).contains(&self.limit) {
            return Err(invalid(
                "limit",
                Rule::OutOfRange {
                    min: 1,
                    max: i64::from(TITLES_PAGE_MAX),
                    unit: Unit::Count,
                    got: i64::from(self.limit),
                },
            ));
        }
        if self.categories.contains(&0) {
            return Err(invalid("ids", Rule::CategoryId));
        }
        let mut request = ApiRequest::get("/wxaapi/newtmpl/getpubtemplatetitles");
        if !self.categories.is_empty() {
            let ids: Vec<String> = self.categories.iter().map(u32::to_string).collect();
            request = request.query("ids", ids.join(","));
        }
        Ok(request
            .query("start", self.start.to_string())
            .query("limit", self.limit.to_string()))
    }
}

awaitable!(GetTitles => TitlePage);

/// `GET /wxaapi/newtmpl/getpubtemplatekeywords`, from [`Subscriptions::keywords`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetKeywords {
    client: Client,
    tid: u32,
}

impl GetKeywords {
    fn request(&self) -> Result<ApiRequest> {
        if self.tid == 0 {
            return Err(invalid("tid", Rule::TitleId));
        }
        Ok(ApiRequest::get("/wxaapi/newtmpl/getpubtemplatekeywords")
            .query("tid", self.tid.to_string()))
    }
}

awaitable!(GetKeywords => Keywords);
