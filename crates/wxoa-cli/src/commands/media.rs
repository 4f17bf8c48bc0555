//! `wxoa media upload|download …` (CONTRACT §7): temporary media and permanent material —
//! uploads checked for type and size before they are sent, downloads saved into a file or a
//! directory (created if missing) under the name the platform gives.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use wxoa_client::api::material::{Article, Material, MaterialType};
use wxoa_client::api::media::{MediaContent, MediaKind};
use wxoa_client::{Client, Download, Error, Upload};

use crate::commands::api::call;
use crate::config::Settings;
use crate::exit::Failure;

/// `wxoa media …`.
#[derive(Debug, Subcommand)]
pub(crate) enum MediaCommand {
    /// Upload a file: a temporary media (kept 3 days), or a permanent material with
    /// --permanent.
    Upload(UploadArgs),
    /// Upload an image for article HTML or a card logo (uploadimg: jpg or png, ≤ 1 MiB);
    /// prints its URL.
    UploadImage {
        /// The image.
        file: PathBuf,
    },
    /// Download a media (or a material with --permanent) into a file or a directory; a video
    /// or a news material is printed instead.
    Download(DownloadArgs),
    /// Add a permanent news material from a JSON file of articles (deprecated by the platform
    /// in favour of drafts).
    AddNews {
        /// `{"articles": [...]}` in the platform's shape, a list of articles, or one article
        /// (- for stdin).
        file: PathBuf,
    },
    /// How many permanent materials of each kind.
    Count,
    /// List permanent materials of a kind.
    List {
        /// The kind.
        #[arg(long = "type", value_enum)]
        kind: ListKind,
        /// Start at this position.
        #[arg(long, default_value_t = 0)]
        offset: u32,
        /// This many (1..=20).
        #[arg(long, default_value_t = 20)]
        count: u32,
        /// Every material of the kind, 20 per call.
        #[arg(long, conflicts_with_all = ["offset", "count"])]
        all: bool,
    },
    /// Delete a permanent material.
    Delete {
        /// The material.
        media_id: String,
    },
}

/// The kind of a media, as `--type` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Kind {
    /// An image.
    Image,
    /// A voice recording.
    Voice,
    /// A video.
    Video,
    /// A thumbnail.
    Thumb,
}

impl From<Kind> for MediaKind {
    fn from(kind: Kind) -> MediaKind {
        match kind {
            Kind::Image => MediaKind::Image,
            Kind::Voice => MediaKind::Voice,
            Kind::Video => MediaKind::Video,
            Kind::Thumb => MediaKind::Thumb,
        }
    }
}

/// The kinds `media list` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ListKind {
    /// Images.
    Image,
    /// Voice recordings.
    Voice,
    /// Videos.
    Video,
    /// News.
    News,
}

impl From<ListKind> for MaterialType {
    fn from(kind: ListKind) -> MaterialType {
        match kind {
            ListKind::Image => MaterialType::Image,
            ListKind::Voice => MaterialType::Voice,
            ListKind::Video => MaterialType::Video,
            ListKind::News => MaterialType::News,
        }
    }
}

/// Options of `wxoa media upload`.
#[derive(Debug, Args)]
pub(crate) struct UploadArgs {
    /// The file.
    pub(crate) file: PathBuf,
    /// The kind (default: from the file's extension: jpg/jpeg/png/gif/bmp image, amr/mp3/wma/wav
    /// voice, mp4 video).
    #[arg(long = "type", value_enum)]
    pub(crate) kind: Option<Kind>,
    /// A permanent material instead of a temporary media.
    #[arg(long)]
    pub(crate) permanent: bool,
    /// The title of a permanent video.
    #[arg(long, requires = "permanent")]
    pub(crate) title: Option<String>,
    /// The introduction of a permanent video.
    #[arg(long, requires = "permanent")]
    pub(crate) introduction: Option<String>,
}

/// Options of `wxoa media download`.
#[derive(Debug, Args)]
pub(crate) struct DownloadArgs {
    /// The media (or material) id.
    pub(crate) media_id: String,
    /// Save the file here.
    #[arg(long, value_name = "FILE", conflicts_with = "dir")]
    pub(crate) out: Option<PathBuf>,
    /// Save the file in this directory (created if missing), under the name the platform gives
    /// (else the media id). Default: the current directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
    /// A permanent material instead of a temporary media.
    #[arg(long)]
    pub(crate) permanent: bool,
}

pub(crate) fn media(settings: &Settings, command: MediaCommand) -> Result<(), Failure> {
    match command {
        MediaCommand::Upload(args) => {
            let kind = match args.kind {
                Some(kind) => MediaKind::from(kind),
                None => kind_of(&args.file)?,
            };
            call(settings, |c| upload(c, kind, args))
        }
        MediaCommand::UploadImage { file } => call(settings, |c| async move {
            let url = c.media().upload_image(Upload::path(file)).await?;
            Ok(json!({"url": url}))
        }),
        MediaCommand::Download(args) => call(settings, |c| download(c, args)),
        MediaCommand::AddNews { file } => {
            let articles = read_articles(&file)?;
            call(settings, |c| async move {
                let media_id = c.material().add_news(articles).await?;
                Ok(json!({"media_id": media_id}))
            })
        }
        MediaCommand::Count => call(settings, |c| async move { c.material().count().await }),
        MediaCommand::List {
            kind,
            offset,
            count,
            all,
        } => call(settings, |c| async move {
            let kind = MaterialType::from(kind);
            if all {
                use futures::TryStreamExt;
                let items: Vec<_> = c.material().list(kind).try_collect().await?;
                Ok(json!({"total_count": items.len(), "item": items}))
            } else {
                let page = c.material().list_page(kind, offset, count).await?;
                serde_json::to_value(page).map_err(|e| Error::InvalidRequest(e.to_string()))
            }
        }),
        MediaCommand::Delete { media_id } => {
            call(
                settings,
                |c| async move { c.material().delete(media_id).await },
            )
        }
    }
}

/// The kind a file's extension implies.
fn kind_of(file: &Path) -> Result<MediaKind, Failure> {
    let extension = file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "jpg" | "jpeg" | "png" | "gif" | "bmp" => Ok(MediaKind::Image),
        "amr" | "mp3" | "wma" | "wav" => Ok(MediaKind::Voice),
        "mp4" => Ok(MediaKind::Video),
        _ => Err(Failure::usage(anyhow::anyhow!(
            "cannot tell the kind of {} from its extension: give --type image|voice|video|thumb",
            file.display()
        ))),
    }
}

async fn upload(client: Client, kind: MediaKind, args: UploadArgs) -> Result<Value, Error> {
    let file = Upload::path(&args.file);
    let answer = if !args.permanent {
        serde_json::to_value(client.media().upload(kind, file).await?)
    } else if kind == MediaKind::Video {
        let title = args.title.unwrap_or_default();
        let introduction = args.introduction.unwrap_or_default();
        serde_json::to_value(
            client
                .material()
                .add_video(file, title, introduction)
                .await?,
        )
    } else {
        serde_json::to_value(client.material().add(kind, file).await?)
    };
    answer.map_err(|e| Error::InvalidRequest(e.to_string()))
}

async fn download(client: Client, args: DownloadArgs) -> Result<Value, Error> {
    let file = if args.permanent {
        match client.material().get(args.media_id.as_str()).await? {
            Material::File(file) => file,
            Material::News(articles) => return Ok(json!({"news_item": articles})),
            Material::Video(video) => return to_value(&video),
            Material::Other(fields) => return Ok(Value::Object(fields)),
            _ => return Ok(json!({})),
        }
    } else {
        match client.media().download(args.media_id.as_str()).await? {
            MediaContent::File(file) => file,
            MediaContent::Video { video_url, .. } => return Ok(json!({"video_url": video_url})),
            _ => return Ok(json!({})),
        }
    };
    let content_type = file.content_type().map(str::to_owned);
    let (path, bytes) = save(file, &args).await?;
    Ok(json!({
        "media_id": args.media_id,
        "path": path,
        "bytes": bytes,
        "content_type": content_type,
    }))
}

/// Saves a download per `--out` / `--dir`; answers where and how many bytes.
async fn save(file: Download, args: &DownloadArgs) -> Result<(PathBuf, u64), Error> {
    if let Some(out) = &args.out {
        let bytes = file.save_as(out).await?;
        return Ok((out.clone(), bytes));
    }
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let fallback = format!(
        "{}{}",
        args.media_id,
        extension_of(file.content_type().unwrap_or(""))
    );
    let path = file.save_in(&dir, &fallback).await?;
    let bytes = std::fs::metadata(&path)
        .map_err(|source| Error::Io {
            action: "read",
            path: path.clone(),
            source,
        })?
        .len();
    Ok((path, bytes))
}

/// The file extension of a content type, for a name the platform did not give.
fn extension_of(content_type: &str) -> &'static str {
    match content_type.split(';').next().unwrap_or("").trim() {
        "image/jpeg" | "image/jpg" => ".jpg",
        "image/png" => ".png",
        "image/gif" => ".gif",
        "image/bmp" => ".bmp",
        "audio/amr" => ".amr",
        "audio/mpeg" | "audio/mp3" => ".mp3",
        "video/mp4" => ".mp4",
        _ => "",
    }
}

fn to_value<T: serde::Serialize>(value: &T) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::InvalidRequest(e.to_string()))
}

/// The articles of a JSON file: `{"articles": [...]}`, a list, or one article.
pub(crate) fn read_articles(file: &Path) -> Result<Vec<Article>, Failure> {
    let text = crate::io::read_file(file)?;
    let value: Value = serde_json::from_slice(&text)
        .map_err(|e| Failure::usage(anyhow::anyhow!("{} is not JSON: {e}", file.display())))?;
    let list = match value {
        Value::Object(mut map) if map.contains_key("articles") => {
            map.remove("articles").unwrap_or(Value::Null)
        }
        Value::Array(_) => value,
        single => Value::Array(vec![single]),
    };
    let Value::Array(items) = list else {
        return Err(Failure::usage(anyhow::anyhow!(
            "articles: must be a list of articles"
        )));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            Article::from_json(item, &format!("articles[{i}]"))
                .map_err(crate::commands::api::failure)
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_extensions() {
        assert_eq!(kind_of(Path::new("a/b.JPG")).unwrap(), MediaKind::Image);
        assert_eq!(kind_of(Path::new("v.amr")).unwrap(), MediaKind::Voice);
        assert_eq!(kind_of(Path::new("c.mp4")).unwrap(), MediaKind::Video);
        assert!(kind_of(Path::new("notes.txt")).is_err());
        assert!(kind_of(Path::new("noext")).is_err());
    }

    #[test]
    fn fallback_names_get_an_extension() {
        assert_eq!(extension_of("image/jpeg"), ".jpg");
        assert_eq!(extension_of("audio/amr; charset=binary"), ".amr");
        assert_eq!(extension_of("application/octet-stream"), "");
    }
}
