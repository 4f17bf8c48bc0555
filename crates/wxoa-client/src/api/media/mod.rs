//! Temporary media (api-reference §9, kept 3 days) and the uploads of mass messages (§8):
//! upload an image, voice, video or thumbnail; download one; upload an image for article HTML
//! or a card logo (`uploadimg`); upload the articles (`uploadnews`) and the video
//! (`uploadvideo`) of a mass message.
//!
//! Files come from a path, bytes or a stream ([`Upload`]) and go as `multipart/form-data`
//! with the file in the field `media`. Checked before anything is sent, on the file name's
//! extension and the length:
//!
//! | kind | formats | size (current docs, [`MediaLimits::TEMPORARY`]) |
//! |---|---|---|
//! | image | png, jpeg, jpg, gif | 10 MiB (older revisions: 1 MiB, then 2 MiB) |
//! | voice | amr, mp3 | 2 MiB (and ≤ 60 s, which only the platform checks) |
//! | video | mp4 | 10 MiB |
//! | thumb | jpg, jpeg | 64 KiB |
//! | `uploadimg` | jpg, jpeg, png | 1 MiB |
//!
//! The sizes differ between revisions of the platform's documentation: set others with
//! [`MediaApi::with_limits`]. An empty file is refused too (44001).
//!
//! Downloads are files streamed to a writer, a file or a directory ([`Download`]); a temporary
//! video is a URL instead ([`MediaContent::Video`]).
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! use wxoa_client::Upload;
//! use wxoa_client::api::media::{MediaContent, MediaKind};
//!
//! let uploaded = client.media().upload(MediaKind::Image, Upload::path("photo.jpg")).await?;
//! match client.media().download(uploaded.media_id.as_str()).await? {
//!     MediaContent::File(file) => { file.save_in("downloads", uploaded.media_id.as_str()).await?; }
//!     MediaContent::Video { video_url, .. } => println!("{video_url}"),
//!     _ => {}
//! }
//! # Ok(())
//! # }
//! ```

mod limits;

use std::future::IntoFuture;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::ids::MediaId;

use crate::api::material::NewsArticle;
use crate::api::support::{opt_lenient, require};
use crate::{
    ApiRequest, Client, Content, Download, Error, Fetched, Form, Result, Upload, UploadKind,
};
pub(crate) use limits::check_upload;
pub use limits::{MediaKind, MediaLimits, UPLOADIMG_MAX_BYTES, temporary_formats};

/// Most articles of `uploadnews`.
pub const NEWS_MAX_ARTICLES: usize = 8;

/// The temporary-media API: `client.media()`.
#[derive(Debug, Clone)]
pub struct MediaApi {
    client: Client,
    limits: MediaLimits,
}

impl Client {
    /// The temporary-media API (api-reference §9) and the uploads of mass messages (§8).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::Upload;
    /// use wxoa_client::api::media::MediaKind;
    /// let voice = client.media().upload(MediaKind::Voice, Upload::path("hello.amr")).await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn media(&self) -> MediaApi {
        MediaApi {
            client: self.clone(),
            limits: MediaLimits::TEMPORARY,
        }
    }
}

impl MediaApi {
    /// Checks uploads against these sizes instead of [`MediaLimits::TEMPORARY`].
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::Upload;
    /// use wxoa_client::api::media::{MediaKind, MediaLimits};
    /// let media = client.media().with_limits(MediaLimits::TEMPORARY_LEGACY);
    /// media.upload(MediaKind::Image, Upload::path("photo.jpg")).await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn with_limits(mut self, limits: MediaLimits) -> MediaApi {
        self.limits = limits;
        self
    }

    /// `POST /cgi-bin/media/upload?type=…` (multipart): a temporary media, kept 3 days.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::Upload;
    /// use wxoa_client::api::media::MediaKind;
    /// let thumb = client.media().upload(MediaKind::Thumb, Upload::bytes("cover.jpg", vec![0xff, 0xd8])).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn upload(&self, kind: MediaKind, file: Upload) -> UploadMedia {
        UploadMedia {
            client: self.client.clone(),
            kind,
            file,
            max: self.limits.max(kind),
        }
    }

    /// `GET /cgi-bin/media/get?media_id=…`: a temporary media — a file, or the URL of a
    /// video.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::media::MediaContent;
    /// if let MediaContent::File(file) = client.media().download("MEDIA_ID").await? {
    ///     let mut buffer = Vec::new();
    ///     file.write_to(&mut buffer).await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn download(&self, media_id: impl Into<MediaId>) -> DownloadMedia {
        DownloadMedia {
            client: self.client.clone(),
            path: "/cgi-bin/media/get",
            media_id: media_id.into(),
        }
    }

    /// `GET /cgi-bin/media/get/jssdk?media_id=…`: the high-quality (speex) version of a voice
    /// recorded through the JS-SDK.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let voice = client.media().download_jssdk_voice("MEDIA_ID").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn download_jssdk_voice(&self, media_id: impl Into<MediaId>) -> DownloadMedia {
        DownloadMedia {
            client: self.client.clone(),
            path: "/cgi-bin/media/get/jssdk",
            media_id: media_id.into(),
        }
    }

    /// `POST /cgi-bin/media/uploadimg` (multipart): an image for article HTML or a card logo
    /// (jpg or png, at most 1 MiB); answers its URL. It does not count against the material
    /// quota.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::Upload;
    /// let url = client.media().upload_image(Upload::path("inline.png")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn upload_image(&self, file: Upload) -> UploadImage {
        UploadImage {
            client: self.client.clone(),
            file,
        }
    }

    /// `POST /cgi-bin/media/uploadnews`: the articles (1 to 8) of an `mpnews` mass message.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::material::NewsArticle;
    /// let news = client.media().upload_news([NewsArticle::new("Happy Day", "THUMB_MEDIA_ID", "<p>…</p>")]).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn upload_news(&self, articles: impl IntoIterator<Item = NewsArticle>) -> UploadNews {
        UploadNews {
            client: self.client.clone(),
            articles: articles.into_iter().collect(),
        }
    }

    /// `POST /cgi-bin/media/uploadvideo`: turns an uploaded temporary video into the
    /// `media_id` of an `mpvideo` mass message.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let video = client.media().upload_video("TEMP_VIDEO_MEDIA_ID", "Title", "Description").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn upload_video(
        &self,
        media_id: impl Into<MediaId>,
        title: impl Into<String>,
        description: impl Into<String>,
    ) -> UploadVideo {
        UploadVideo {
            client: self.client.clone(),
            media_id: media_id.into(),
            title: title.into(),
            description: description.into(),
        }
    }
}

/// `POST /cgi-bin/media/upload`, from [`MediaApi::upload`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UploadMedia {
    client: Client,
    kind: MediaKind,
    file: Upload,
    max: u64,
}

impl IntoFuture for UploadMedia {
    type Output = Result<MediaUploaded>;
    type IntoFuture = BoxFuture<'static, Result<MediaUploaded>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let mut file = self.file;
            check_upload(&mut file, UploadKind::Temporary(self.kind), self.max).await?;
            let request = ApiRequest::post("/cgi-bin/media/upload")
                .query("type", self.kind.as_str())
                .multipart(Form::new().file("media", file));
            uploaded(self.client, Ok(request)).await
        })
    }
}

/// Sends an upload of media, news or video and reads the answer.
async fn uploaded(client: Client, request: Result<ApiRequest>) -> Result<MediaUploaded> {
    let request = request?;
    let path = request.path().to_owned();
    let answer: UploadAnswer = client.execute(request).await?;
    // A thumbnail's id comes as `thumb_media_id`.
    let media_id =
        answer
            .media_id
            .or(answer.thumb_media_id)
            .ok_or_else(|| Error::UnexpectedContent {
                path,
                expected: Content::MediaId,
                content_type: "application/json".to_owned(),
                body: serde_json::to_string(&answer.extra).unwrap_or_default(),
            })?;
    Ok(MediaUploaded {
        kind: answer.kind,
        media_id,
        created_at: answer.created_at,
        extra: answer.extra,
    })
}

#[derive(Deserialize)]
struct UploadAnswer {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    media_id: Option<MediaId>,
    #[serde(default)]
    thumb_media_id: Option<MediaId>,
    #[serde(default, deserialize_with = "opt_lenient")]
    created_at: Option<i64>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

/// A temporary media uploaded (or an `uploadnews` / `uploadvideo` answer).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct MediaUploaded {
    /// The kind, as the platform wrote it (`image`, `thumb`, `news`, `video`).
    #[serde(rename = "type")]
    pub kind: String,
    /// The id (for a thumbnail, the platform's `thumb_media_id`).
    pub media_id: MediaId,
    /// When it was uploaded (Unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A temporary media: a file, or the URL of a video.
#[derive(Debug)]
#[non_exhaustive]
#[allow(
    clippy::large_enum_variant,
    reason = "made once per call and moved once: boxing would only add an allocation"
)]
pub enum MediaContent {
    /// The file, to be read.
    File(Download),
    /// A video is not served as a file: its URL.
    Video {
        /// Where to download the video.
        video_url: String,
        /// Fields this version does not know.
        extra: Map<String, Value>,
    },
}

/// `GET /cgi-bin/media/get` (or `/get/jssdk`), from [`MediaApi::download`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct DownloadMedia {
    client: Client,
    path: &'static str,
    media_id: MediaId,
}

#[derive(Deserialize)]
struct VideoUrl {
    video_url: String,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl IntoFuture for DownloadMedia {
    type Output = Result<MediaContent>;
    type IntoFuture = BoxFuture<'static, Result<MediaContent>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            require("media_id", self.media_id.as_str())?;
            let request = ApiRequest::get(self.path).query("media_id", self.media_id.as_str());
            match self.client.fetch_file(request).await? {
                Fetched::File(file) => Ok(MediaContent::File(file)),
                Fetched::Json(json) => {
                    let video: VideoUrl = json.decode()?;
                    Ok(MediaContent::Video {
                        video_url: video.video_url,
                        extra: video.extra,
                    })
                }
            }
        })
    }
}

/// `POST /cgi-bin/media/uploadimg`, from [`MediaApi::upload_image`]; answers the image's URL.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UploadImage {
    client: Client,
    file: Upload,
}

#[derive(Deserialize)]
struct UrlAnswer {
    url: String,
}

impl IntoFuture for UploadImage {
    type Output = Result<String>;
    type IntoFuture = BoxFuture<'static, Result<String>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let mut file = self.file;
            check_upload(&mut file, UploadKind::ArticleImage, UPLOADIMG_MAX_BYTES).await?;
            let request = ApiRequest::post("/cgi-bin/media/uploadimg")
                .multipart(Form::new().file("media", file));
            let answer: UrlAnswer = self.client.execute(request).await?;
            Ok(answer.url)
        })
    }
}

/// `POST /cgi-bin/media/uploadnews`, from [`MediaApi::upload_news`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UploadNews {
    #[serde(skip)]
    client: Client,
    articles: Vec<NewsArticle>,
}

impl UploadNews {
    fn request(&self) -> Result<ApiRequest> {
        NewsArticle::validate_list("articles", &self.articles, NEWS_MAX_ARTICLES)?;
        ApiRequest::post("/cgi-bin/media/uploadnews").json(self)
    }
}

impl IntoFuture for UploadNews {
    type Output = Result<MediaUploaded>;
    type IntoFuture = BoxFuture<'static, Result<MediaUploaded>>;

    fn into_future(self) -> Self::IntoFuture {
        let request = self.request();
        Box::pin(uploaded(self.client, request))
    }
}

/// `POST /cgi-bin/media/uploadvideo`, from [`MediaApi::upload_video`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct UploadVideo {
    #[serde(skip)]
    client: Client,
    media_id: MediaId,
    title: String,
    description: String,
}

impl UploadVideo {
    fn request(&self) -> Result<ApiRequest> {
        require("media_id", self.media_id.as_str())?;
        require("title", &self.title)?;
        ApiRequest::post("/cgi-bin/media/uploadvideo").json(self)
    }
}

impl IntoFuture for UploadVideo {
    type Output = Result<MediaUploaded>;
    type IntoFuture = BoxFuture<'static, Result<MediaUploaded>>;

    fn into_future(self) -> Self::IntoFuture {
        let request = self.request();
        Box::pin(uploaded(self.client, request))
    }
}
