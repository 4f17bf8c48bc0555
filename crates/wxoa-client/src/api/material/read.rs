//! Permanent materials once added: reading one (a news, a video's URLs or the file itself),
//! deleting one, counting them and listing them a page at a time.

use std::future::IntoFuture;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::MediaId;

use super::{MaterialType, NewsItem, PAGE_MAX};
use crate::api::support::{Ack, awaitable, invalid, lenient, opt_lenient, require};
use crate::{ApiRequest, Client, Download, Fetched, Result, Rule, Unit};

/// A permanent material.
#[derive(Debug)]
#[non_exhaustive]
pub enum Material {
    /// A news material: its articles.
    News(Vec<NewsItem>),
    /// A video: its title, description and download URL.
    Video(VideoMaterial),
    /// An image, voice or thumbnail: the file, to be read.
    File(Download),
    /// JSON this version does not know.
    Other(Map<String, Value>),
}

/// A permanent video.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VideoMaterial {
    /// The title.
    #[serde(default)]
    pub title: String,
    /// The description.
    #[serde(default)]
    pub description: String,
    /// Where to download it.
    #[serde(default)]
    pub down_url: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /cgi-bin/material/get_material`, from [`Materials::get`](super::Materials::get).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetMaterial {
    #[serde(skip)]
    pub(super) client: Client,
    pub(super) media_id: MediaId,
}

#[derive(Deserialize)]
struct NewsAnswer {
    #[serde(default)]
    news_item: Vec<NewsItem>,
}

impl IntoFuture for GetMaterial {
    type Output = Result<Material>;
    type IntoFuture = BoxFuture<'static, Result<Material>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            require("media_id", self.media_id.as_str())?;
            // It only reads: safe to repeat.
            let request = ApiRequest::post("/cgi-bin/material/get_material")
                .json(&self)?
                .idempotent(true);
            let json = match self.client.fetch_file(request).await? {
                Fetched::File(file) => return Ok(Material::File(file)),
                Fetched::Json(json) => json,
            };
            let fields: Map<String, Value> = json.decode()?;
            if fields.contains_key("news_item") {
                let news: NewsAnswer = json.decode()?;
                Ok(Material::News(news.news_item))
            } else if fields.contains_key("down_url") {
                Ok(Material::Video(json.decode()?))
            } else {
                Ok(Material::Other(fields))
            }
        })
    }
}

/// `POST /cgi-bin/material/del_material`, from [`Materials::delete`](super::Materials::delete).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteMaterial {
    #[serde(skip)]
    pub(super) client: Client,
    pub(super) media_id: MediaId,
}

impl DeleteMaterial {
    fn request(&self) -> Result<ApiRequest> {
        require("media_id", self.media_id.as_str())?;
        ApiRequest::post("/cgi-bin/material/del_material").json(self)
    }
}

awaitable!(DeleteMaterial => Ack);

/// `GET /cgi-bin/material/get_materialcount`, from [`Materials::count`](super::Materials::count).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CountMaterial {
    pub(super) client: Client,
}

impl CountMaterial {
    fn request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::get("/cgi-bin/material/get_materialcount"))
    }
}

/// How many permanent materials of each kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MaterialCount {
    /// Voice recordings.
    #[serde(default, deserialize_with = "lenient")]
    pub voice_count: u64,
    /// Videos.
    #[serde(default, deserialize_with = "lenient")]
    pub video_count: u64,
    /// Images.
    #[serde(default, deserialize_with = "lenient")]
    pub image_count: u64,
    /// News.
    #[serde(default, deserialize_with = "lenient")]
    pub news_count: u64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(CountMaterial => MaterialCount);

/// `POST /cgi-bin/material/batchget_material`, from [`Materials::list_page`](super::Materials::list_page).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ListMaterial {
    #[serde(skip)]
    pub(super) client: Client,
    #[serde(rename = "type")]
    pub(super) kind: MaterialType,
    pub(super) offset: u32,
    pub(super) count: u32,
}

impl ListMaterial {
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
        Ok(ApiRequest::post("/cgi-bin/material/batchget_material")
            .json(self)?
            .idempotent(true))
    }
}

/// One page of materials.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MaterialPage {
    /// How many materials of the type there are.
    #[serde(default, deserialize_with = "lenient")]
    pub total_count: u64,
    /// How many are on this page.
    #[serde(default, deserialize_with = "lenient")]
    pub item_count: u64,
    /// The materials.
    #[serde(default)]
    pub item: Vec<MaterialItem>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One material of a list page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MaterialItem {
    /// The id.
    pub media_id: MediaId,
    /// The file name (not for news).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When it last changed (Unix seconds).
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub update_time: Option<i64>,
    /// The image's URL (images only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The articles (news only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<NewsContent>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The articles of a news item in a list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewsContent {
    /// The articles.
    #[serde(default)]
    pub news_item: Vec<NewsItem>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

awaitable!(ListMaterial => MaterialPage);
