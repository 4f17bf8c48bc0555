//! Permanent material (api-reference §10): add an image, voice, video (with its title and
//! introduction) or thumbnail; add and update news; get, delete, count and list materials.
//!
//! Checked before anything is sent: formats and sizes of uploads (see the table below, sizes
//! configurable with [`Materials::with_limits`] as they differ between revisions of the
//! platform's docs); 1 to 8 articles, each with a title, a cover and a content under 20,000
//! characters and 1 MB; a list page of 1 to 20 items.
//!
//! | kind | formats | size ([`MediaLimits::PERMANENT`]) |
//! |---|---|---|
//! | image | bmp, png, jpeg, jpg, gif | 10 MiB (older: 2 MiB) |
//! | voice | mp3, wma, wav, amr | 2 MiB (some texts: 5 MiB) |
//! | video | mp4 | 10 MiB |
//! | thumb | jpg, jpeg | 64 KiB |
//!
//! `add_news` is deprecated by the platform in favour of drafts and free publishing
//! ([`crate::api::publish`]); it still works for accounts that have it.
//!
//! This file holds the area's handle (`client.materials()`), its limits and uploads; news
//! articles live in `news.rs`, reading, counting, listing and deleting materials in
//! `read.rs`.
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! use wxoa_client::Upload;
//! use wxoa_client::api::material::Material;
//!
//! let video = client.materials().add_video(Upload::path("clip.mp4"), "Clip", "A short clip").await?;
//! if let Material::Video(video) = client.materials().get(video.media_id.as_str()).await? {
//!     println!("{}", video.down_url);
//! }
//! # Ok(())
//! # }
//! ```

mod news;
mod read;

pub use news::{AddNews, NewsArticle, NewsItem, UpdateNews};
pub use read::{
    CountMaterial, DeleteMaterial, GetMaterial, ListMaterial, Material, MaterialCount,
    MaterialItem, MaterialPage, NewsContent, VideoMaterial,
};

use std::future::IntoFuture;

use futures::future::BoxFuture;
use futures::{Stream, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::MediaId;

use crate::api::media::{MediaKind, MediaLimits, check_upload};
use crate::api::support::{invalid, require};
use crate::{ApiRequest, Client, Form, InvalidRequest, Result, Rule, Upload, UploadKind};

/// Most articles of one news material.
pub const NEWS_MAX_ARTICLES: usize = 8;
/// Most items of one `batchget_material` page.
pub const PAGE_MAX: u32 = 20;
/// An article's content must be shorter than this many characters.
pub const CONTENT_MAX_CHARS: usize = 20_000;
/// An article's content must be smaller than this many bytes (1 MB).
pub const CONTENT_MAX_BYTES: usize = 1024 * 1024;

/// The formats (file extensions) the platform takes for permanent material of `kind`.
#[must_use]
pub fn permanent_formats(kind: MediaKind) -> &'static [&'static str] {
    match kind {
        MediaKind::Image => &["bmp", "png", "jpeg", "jpg", "gif"],
        MediaKind::Voice => &["mp3", "wma", "wav", "amr"],
        MediaKind::Video => &["mp4"],
        MediaKind::Thumb => &["jpg", "jpeg"],
    }
}

/// The permanent-material API: `client.materials()`.
#[derive(Debug, Clone)]
pub struct Materials {
    client: Client,
    limits: MediaLimits,
}

impl Client {
    /// The permanent-material API (api-reference §10).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let count = client.materials().count().await?;
    /// println!("{} images", count.image_count);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn materials(&self) -> Materials {
        Materials {
            client: self.clone(),
            limits: MediaLimits::PERMANENT,
        }
    }
}

/// The types `batchget_material` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MaterialType {
    /// Images.
    Image,
    /// Voice recordings.
    Voice,
    /// Videos.
    Video,
    /// News.
    News,
}

impl MaterialType {
    /// The `type` the platform calls it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MaterialType::Image => "image",
            MaterialType::Voice => "voice",
            MaterialType::Video => "video",
            MaterialType::News => "news",
        }
    }
}

impl std::str::FromStr for MaterialType {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "image" => Ok(MaterialType::Image),
            "voice" => Ok(MaterialType::Voice),
            "video" => Ok(MaterialType::Video),
            "news" => Ok(MaterialType::News),
            other => Err(invalid(
                "type",
                Rule::OneOf {
                    choices: &["image", "voice", "video", "news"],
                    got: other.to_owned(),
                },
            )),
        }
    }
}

impl Materials {
    /// Checks uploads against these sizes instead of [`MediaLimits::PERMANENT`].
    ///
    /// ```
    /// # fn run(client: wxoa_client::Client) {
    /// use wxoa_client::api::media::{MediaKind, MediaLimits};
    /// let material = client.materials().with_limits(MediaLimits::PERMANENT.with(MediaKind::Voice, 5 * 1024 * 1024));
    /// # }
    /// ```
    #[must_use]
    pub fn with_limits(mut self, limits: MediaLimits) -> Materials {
        self.limits = limits;
        self
    }

    /// `POST /cgi-bin/material/add_material?type=…` (multipart): a permanent image, voice or
    /// thumbnail. A video needs its title: [`Materials::add_video`].
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::Upload;
    /// use wxoa_client::api::media::MediaKind;
    /// let image = client.materials().add(MediaKind::Image, Upload::path("banner.png")).await?;
    /// println!("{:?}", image.url);
    /// # Ok(())
    /// # }
    /// ```
    pub fn add(&self, kind: MediaKind, file: Upload) -> AddMaterial {
        AddMaterial {
            client: self.client.clone(),
            kind,
            file,
            max: self.limits.max(kind),
            description: None,
        }
    }

    /// `POST /cgi-bin/material/add_material?type=video` (multipart) with the form field
    /// `description` = `{"title":…,"introduction":…}`.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::Upload;
    /// let video = client.materials().add_video(Upload::path("clip.mp4"), "Clip", "A short clip").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_video(
        &self,
        file: Upload,
        title: impl Into<String>,
        introduction: impl Into<String>,
    ) -> AddMaterial {
        AddMaterial {
            client: self.client.clone(),
            kind: MediaKind::Video,
            file,
            max: self.limits.max(MediaKind::Video),
            description: Some(VideoDescription {
                title: title.into(),
                introduction: introduction.into(),
            }),
        }
    }

    /// `POST /cgi-bin/material/add_news`: a news material of 1 to 8 articles (deprecated by
    /// the platform in favour of drafts).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::material::NewsArticle;
    /// let media_id = client.materials().add_news([NewsArticle::new("Title", "THUMB_MEDIA_ID", "<p>…</p>")]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_news(&self, articles: impl IntoIterator<Item = NewsArticle>) -> AddNews {
        AddNews {
            client: self.client.clone(),
            articles: articles.into_iter().collect(),
        }
    }

    /// `POST /cgi-bin/material/update_news`: replaces the article at `index` (from 0).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::material::NewsArticle;
    /// client.materials().update_news("MEDIA_ID", 0, NewsArticle::new("New title", "THUMB_MEDIA_ID", "<p>…</p>")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_news(
        &self,
        media_id: impl Into<MediaId>,
        index: u32,
        article: NewsArticle,
    ) -> UpdateNews {
        UpdateNews {
            client: self.client.clone(),
            media_id: media_id.into(),
            index,
            article,
        }
    }

    /// `POST /cgi-bin/material/get_material`: news and videos as JSON, other kinds as a file.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::material::Material;
    /// match client.materials().get("MEDIA_ID").await? {
    ///     Material::News(articles) => println!("{} articles", articles.len()),
    ///     Material::Video(video) => println!("{}", video.down_url),
    ///     Material::File(file) => { file.save_in("materials", "MEDIA_ID").await?; }
    ///     _ => {}
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn get(&self, media_id: impl Into<MediaId>) -> GetMaterial {
        GetMaterial {
            client: self.client.clone(),
            media_id: media_id.into(),
        }
    }

    /// `POST /cgi-bin/material/del_material` (48005 when an auto-reply or a menu uses it).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.materials().delete("MEDIA_ID").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete(&self, media_id: impl Into<MediaId>) -> DeleteMaterial {
        DeleteMaterial {
            client: self.client.clone(),
            media_id: media_id.into(),
        }
    }

    /// `GET /cgi-bin/material/get_materialcount`: how many materials of each kind.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let count = client.materials().count().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn count(&self) -> CountMaterial {
        CountMaterial {
            client: self.client.clone(),
        }
    }

    /// `POST /cgi-bin/material/batchget_material`: one page of 1 to 20 materials of a type,
    /// from `offset`.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::material::MaterialType;
    /// let page = client.materials().list_page(MaterialType::Image, 0, 20).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_page(&self, kind: MaterialType, offset: u32, count: u32) -> ListMaterial {
        ListMaterial {
            client: self.client.clone(),
            kind,
            offset,
            count,
        }
    }

    /// Every material of a type, paging through `batchget_material` 20 at a time.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::material::MaterialType;
    /// let images: Vec<_> = client.materials().list(MaterialType::Image).try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self, kind: MaterialType) -> impl Stream<Item = Result<MaterialItem>> + Send {
        let material = self.clone();
        let pages = futures::stream::try_unfold(Some(0u32), move |offset| {
            let material = material.clone();
            async move {
                let Some(offset) = offset else {
                    return Ok::<_, crate::Error>(None);
                };
                let page = material.list_page(kind, offset, PAGE_MAX).await?;
                let got = u32::try_from(page.item.len()).unwrap_or(u32::MAX);
                let next = offset.saturating_add(got);
                let more = got > 0 && u64::from(next) < page.total_count;
                Ok(Some((page.item, more.then_some(next))))
            }
        });
        pages
            .map_ok(|items| futures::stream::iter(items.into_iter().map(Ok)))
            .try_flatten()
    }
}

/// `POST /cgi-bin/material/add_material`, from [`Materials::add`] and
/// [`Materials::add_video`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct AddMaterial {
    client: Client,
    kind: MediaKind,
    file: Upload,
    max: u64,
    description: Option<VideoDescription>,
}

/// The `description` form field of a permanent video: its title and introduction.
#[derive(Debug, Clone, Serialize)]
struct VideoDescription {
    title: String,
    introduction: String,
}

/// A permanent material added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MaterialAdded {
    /// The material's id.
    pub media_id: MediaId,
    /// The image's URL (images only; usable on Tencent's own domains).
    #[serde(default)]
    pub url: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl IntoFuture for AddMaterial {
    type Output = Result<MaterialAdded>;
    type IntoFuture = BoxFuture<'static, Result<MaterialAdded>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let mut file = self.file;
            check_upload(&mut file, UploadKind::Permanent(self.kind), self.max).await?;
            let mut form = Form::new().file("media", file);
            match (&self.description, self.kind) {
                (Some(description), MediaKind::Video) => {
                    require("description.title", &description.title)?;
                    let description = serde_json::to_string(description)
                        .map_err(|source| InvalidRequest::Body { source })?;
                    form = form.text("description", description);
                }
                (None, MediaKind::Video) => {
                    return Err(invalid("description", Rule::VideoDescription));
                }
                (_, _) => {}
            }
            let request = ApiRequest::post("/cgi-bin/material/add_material")
                .query("type", self.kind.as_str())
                .multipart(form);
            self.client.execute(request).await
        })
    }
}
