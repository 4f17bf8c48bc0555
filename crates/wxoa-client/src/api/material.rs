//! Permanent material (api-reference §10): add an image, voice, video (with its title and
//! introduction) or thumbnail; add and update news; get, delete, count and list materials.
//!
//! Checked before anything is sent: formats and sizes of uploads (see the table below, sizes
//! configurable with [`MaterialApi::with_limits`] as they differ between revisions of the
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
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! use wxoa_client::Upload;
//! use wxoa_client::api::material::Material;
//!
//! let video = client.material().add_video(Upload::path("clip.mp4"), "Clip", "A short clip").await?;
//! if let Material::Video(video) = client.material().get(video.media_id.as_str()).await? {
//!     println!("{}", video.down_url);
//! }
//! # Ok(())
//! # }
//! ```

use std::future::IntoFuture;

use futures::future::BoxFuture;
use futures::{Stream, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use wxoa_types::ids::MediaId;

use crate::api::json_input::Fields;
use crate::api::media::{MediaKind, MediaLimits, check_upload};
use crate::api::support::{Ack, awaitable, invalid, lenient, opt_lenient, require};
use crate::{ApiRequest, Client, Download, Fetched, Form, Result, Upload};

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

/// An article of a news material, of `uploadnews` (mass messages) and of drafts' simplest
/// form.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Article {
    /// The title.
    pub title: String,
    /// The cover: a permanent image or thumb material.
    pub thumb_media_id: MediaId,
    /// The author.
    pub author: Option<String>,
    /// The summary (single-article news only).
    pub digest: Option<String>,
    /// Whether the cover shows in the text.
    pub show_cover_pic: Option<bool>,
    /// The HTML content: under 20,000 characters and 1 MB; JavaScript is removed and images
    /// must be `uploadimg` URLs.
    pub content: String,
    /// The "read more" URL.
    pub content_source_url: Option<String>,
    /// Whether comments are open.
    pub need_open_comment: Option<bool>,
    /// Whether only followers may comment.
    pub only_fans_can_comment: Option<bool>,
    /// Other fields, sent as they are (drafts: `pic_crop_235_1`, `article_type`,
    /// `image_info`, …).
    pub extra: Map<String, Value>,
}

impl Article {
    /// An article with its title, cover and content.
    pub fn new(
        title: impl Into<String>,
        thumb_media_id: impl Into<MediaId>,
        content: impl Into<String>,
    ) -> Article {
        Article {
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
    /// model are kept and sent as they are. `field` names it in errors (`articles[0]`).
    ///
    /// ```
    /// use wxoa_client::api::material::Article;
    ///
    /// let json = serde_json::json!({"title": "T", "thumb_media_id": "M", "content": "<p>c</p>", "show_cover_pic": 1});
    /// let article = Article::from_json(&json, "articles[0]")?;
    /// assert_eq!(article.show_cover_pic, Some(true));
    /// # Ok::<(), wxoa_client::Error>(())
    /// ```
    pub fn from_json(value: &Value, field: &str) -> Result<Article> {
        let mut fields = Fields::of(value, field)?;
        let mut article = Article::new(
            fields.string("title")?.unwrap_or_default(),
            fields.string("thumb_media_id")?.unwrap_or_default(),
            fields.string("content")?.unwrap_or_default(),
        );
        article.author = fields.string("author")?;
        article.digest = fields.string("digest")?;
        article.content_source_url = fields.string("content_source_url")?;
        article.show_cover_pic = fields.flag("show_cover_pic")?;
        article.need_open_comment = fields.flag("need_open_comment")?;
        article.only_fans_can_comment = fields.flag("only_fans_can_comment")?;
        article.extra = fields.rest();
        Ok(article)
    }

    /// Another field, sent as it is (`pic_crop_235_1` of a draft, …).
    #[must_use]
    pub fn field(mut self, key: impl Into<String>, value: Value) -> Article {
        self.extra.insert(key.into(), value);
        self
    }

    /// Sets the author.
    #[must_use]
    pub fn author(mut self, author: impl Into<String>) -> Article {
        self.author = Some(author.into());
        self
    }

    /// Sets the summary.
    #[must_use]
    pub fn digest(mut self, digest: impl Into<String>) -> Article {
        self.digest = Some(digest.into());
        self
    }

    /// Shows the cover in the text, or not.
    #[must_use]
    pub fn show_cover_pic(mut self, show: bool) -> Article {
        self.show_cover_pic = Some(show);
        self
    }

    /// Sets the "read more" URL.
    #[must_use]
    pub fn content_source_url(mut self, url: impl Into<String>) -> Article {
        self.content_source_url = Some(url.into());
        self
    }

    /// Opens or closes comments; `followers_only` restricts them to followers.
    #[must_use]
    pub fn comments(mut self, open: bool, followers_only: bool) -> Article {
        self.need_open_comment = Some(open);
        self.only_fans_can_comment = Some(followers_only);
        self
    }

    /// The article as the platform takes it, checked; `field` names it in errors.
    pub(crate) fn to_json(&self, field: &str) -> Result<Value> {
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
                format!(
                    "under {CONTENT_MAX_CHARS} characters and {CONTENT_MAX_BYTES} bytes, got {chars} characters in {} bytes",
                    self.content.len()
                ),
            ));
        }
        let mut article = self.extra.clone();
        article.insert("title".to_owned(), json!(self.title));
        if !self.thumb_media_id.as_str().is_empty() {
            article.insert("thumb_media_id".to_owned(), json!(self.thumb_media_id));
        }
        article.insert("content".to_owned(), json!(self.content));
        let texts = [
            ("author", &self.author),
            ("digest", &self.digest),
            ("content_source_url", &self.content_source_url),
        ];
        for (key, value) in texts {
            if let Some(value) = value {
                article.insert(key.to_owned(), json!(value));
            }
        }
        let flags = [
            ("show_cover_pic", self.show_cover_pic),
            ("need_open_comment", self.need_open_comment),
            ("only_fans_can_comment", self.only_fans_can_comment),
        ];
        for (key, value) in flags {
            if let Some(value) = value {
                article.insert(key.to_owned(), json!(u8::from(value)));
            }
        }
        Ok(Value::Object(article))
    }

    /// A list of 1 to `max` articles as the platform takes it, checked.
    pub(crate) fn list_json(field: &str, articles: &[Article], max: usize) -> Result<Vec<Value>> {
        if articles.is_empty() || articles.len() > max {
            return Err(invalid(
                field,
                format!("1..={max} articles, got {}", articles.len()),
            ));
        }
        articles
            .iter()
            .enumerate()
            .map(|(i, article)| article.to_json(&format!("{field}[{i}]")))
            .collect()
    }
}

/// An article as the platform returns it (news materials, drafts, published articles).
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

/// The permanent-material API: `client.material()`.
#[derive(Debug, Clone)]
pub struct MaterialApi {
    client: Client,
    limits: MediaLimits,
}

impl Client {
    /// The permanent-material API (api-reference §10).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let count = client.material().count().await?;
    /// println!("{} images", count.image_count);
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn material(&self) -> MaterialApi {
        MaterialApi {
            client: self.clone(),
            limits: MediaLimits::PERMANENT,
        }
    }
}

/// The types `batchget_material` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
                format!("must be image, voice, video or news, not {other:?}"),
            )),
        }
    }
}

impl MaterialApi {
    /// Checks uploads against these sizes instead of [`MediaLimits::PERMANENT`].
    ///
    /// ```
    /// # fn run(client: wxoa_client::Client) {
    /// use wxoa_client::api::media::{MediaKind, MediaLimits};
    /// let material = client.material().with_limits(MediaLimits::PERMANENT.with(MediaKind::Voice, 5 * 1024 * 1024));
    /// # }
    /// ```
    #[must_use]
    pub fn with_limits(mut self, limits: MediaLimits) -> MaterialApi {
        self.limits = limits;
        self
    }

    /// `POST /cgi-bin/material/add_material?type=…` (multipart): a permanent image, voice or
    /// thumbnail. A video needs its title: [`MaterialApi::add_video`].
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::Upload;
    /// use wxoa_client::api::media::MediaKind;
    /// let image = client.material().add(MediaKind::Image, Upload::path("banner.png")).await?;
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
    /// let video = client.material().add_video(Upload::path("clip.mp4"), "Clip", "A short clip").await?;
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
            description: Some((title.into(), introduction.into())),
        }
    }

    /// `POST /cgi-bin/material/add_news`: a news material of 1 to 8 articles (deprecated by
    /// the platform in favour of drafts).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::material::Article;
    /// let media_id = client.material().add_news([Article::new("Title", "THUMB_MEDIA_ID", "<p>…</p>")]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_news(&self, articles: impl IntoIterator<Item = Article>) -> AddNews {
        AddNews {
            client: self.client.clone(),
            articles: articles.into_iter().collect(),
        }
    }

    /// `POST /cgi-bin/material/update_news`: replaces the article at `index` (from 0).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::material::Article;
    /// client.material().update_news("MEDIA_ID", 0, Article::new("New title", "THUMB_MEDIA_ID", "<p>…</p>")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn update_news(
        &self,
        media_id: impl Into<MediaId>,
        index: u32,
        article: Article,
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
    /// match client.material().get("MEDIA_ID").await? {
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
    /// client.material().delete("MEDIA_ID").await?;
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
    /// let count = client.material().count().await?;
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
    /// let page = client.material().list_page(MaterialType::Image, 0, 20).await?;
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
    /// let images: Vec<_> = client.material().list(MaterialType::Image).try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self, kind: MaterialType) -> impl Stream<Item = Result<MaterialItem>> + Send {
        let material = self.clone();
        let pages = futures::stream::try_unfold(Some(0u32), move |offset| {
            let material = material.clone();
            async move {
                let Some(offset) = offset else {
                    return Ok(None);
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

/// `POST /cgi-bin/material/add_material`, from [`MaterialApi::add`] and
/// [`MaterialApi::add_video`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct AddMaterial {
    client: Client,
    kind: MediaKind,
    file: Upload,
    max: u64,
    description: Option<(String, String)>,
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
            let what = format!("a permanent {}", self.kind);
            check_upload(&mut file, &what, permanent_formats(self.kind), self.max).await?;
            let mut form = Form::new().file("media", file);
            match (&self.description, self.kind) {
                (Some((title, introduction)), MediaKind::Video) => {
                    require("description.title", title)?;
                    let description = json!({"title": title, "introduction": introduction});
                    form = form.text("description", description.to_string());
                }
                (None, MediaKind::Video) => {
                    return Err(invalid(
                        "description",
                        "a video needs its title and introduction: use add_video",
                    ));
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

/// `POST /cgi-bin/material/add_news`, from [`MaterialApi::add_news`]; answers the news'
/// `media_id`.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct AddNews {
    client: Client,
    articles: Vec<Article>,
}

impl AddNews {
    fn request(&self) -> Result<ApiRequest> {
        let articles = Article::list_json("articles", &self.articles, NEWS_MAX_ARTICLES)?;
        ApiRequest::post("/cgi-bin/material/add_news").json(&json!({"articles": articles}))
    }
}

#[derive(Deserialize)]
struct MediaIdAnswer {
    media_id: MediaId,
}

awaitable!(AddNews => MediaIdAnswer => MediaId, |a: MediaIdAnswer| a.media_id);

/// `POST /cgi-bin/material/update_news`, from [`MaterialApi::update_news`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UpdateNews {
    client: Client,
    media_id: MediaId,
    index: u32,
    article: Article,
}

impl UpdateNews {
    fn request(&self) -> Result<ApiRequest> {
        require("media_id", self.media_id.as_str())?;
        let index = usize::try_from(self.index).unwrap_or(usize::MAX);
        if index >= NEWS_MAX_ARTICLES {
            return Err(invalid(
                "index",
                format!(
                    "0..={} (a news has at most {NEWS_MAX_ARTICLES} articles), got {}",
                    NEWS_MAX_ARTICLES - 1,
                    self.index
                ),
            ));
        }
        let article = self.article.to_json("articles")?;
        // Replacing an article with the same one twice leaves the same news.
        Ok(ApiRequest::post("/cgi-bin/material/update_news")
            .json(&json!({"media_id": self.media_id, "index": self.index, "articles": article}))?
            .idempotent(true))
    }
}

awaitable!(UpdateNews => Ack);

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

/// `POST /cgi-bin/material/get_material`, from [`MaterialApi::get`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetMaterial {
    client: Client,
    media_id: MediaId,
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
                .json(&json!({"media_id": self.media_id}))?
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

/// `POST /cgi-bin/material/del_material`, from [`MaterialApi::delete`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DeleteMaterial {
    client: Client,
    media_id: MediaId,
}

impl DeleteMaterial {
    fn request(&self) -> Result<ApiRequest> {
        require("media_id", self.media_id.as_str())?;
        ApiRequest::post("/cgi-bin/material/del_material").json(&json!({"media_id": self.media_id}))
    }
}

awaitable!(DeleteMaterial => Ack);

/// `GET /cgi-bin/material/get_materialcount`, from [`MaterialApi::count`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct CountMaterial {
    client: Client,
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

/// `POST /cgi-bin/material/batchget_material`, from [`MaterialApi::list_page`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ListMaterial {
    client: Client,
    kind: MaterialType,
    offset: u32,
    count: u32,
}

impl ListMaterial {
    fn request(&self) -> Result<ApiRequest> {
        if !(1..=PAGE_MAX).contains(&self.count) {
            return Err(invalid(
                "count",
                format!("1..={PAGE_MAX}, got {}", self.count),
            ));
        }
        Ok(ApiRequest::post("/cgi-bin/material/batchget_material")
            .json(&json!({"type": self.kind.as_str(), "offset": self.offset, "count": self.count}))?
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
