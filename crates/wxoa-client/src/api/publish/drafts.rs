//! Drafts (草稿箱): adding, reading, replacing an article of, deleting and counting them.

use serde::{Deserialize, Serialize};
use wxoa_types::ids::MediaId;

use super::{DRAFT_MAX_ARTICLES, Drafts, ListPage, NewsAnswer};
use crate::api::material::{NewsArticle, NewsItem};
use crate::api::support::{Ack, awaitable, invalid, lenient, require};
use crate::{ApiRequest, ArticleList, Client, Result, Rule};

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

/// `POST /cgi-bin/draft/add`, from [`Drafts::add`](super::Drafts::add); answers the draft's `media_id`.
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

/// `POST /cgi-bin/draft/get`, from [`Drafts::get`](super::Drafts::get); answers the articles.
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

awaitable!(GetDraft => NewsAnswer => Vec<NewsItem>, |a: NewsAnswer| a.news_item);

/// `POST /cgi-bin/draft/delete`, from [`Drafts::delete`](super::Drafts::delete).
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

/// `POST /cgi-bin/draft/update`, from [`Drafts::update`](super::Drafts::update).
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
                Rule::ArticleIndex {
                    list: ArticleList::Draft,
                    articles: DRAFT_MAX_ARTICLES,
                    got: self.index,
                },
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

/// `GET /cgi-bin/draft/count`, from [`Drafts::count`](super::Drafts::count); answers the number of drafts.
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
