//! `wxoa media upload|download …` (CONTRACT §7): temporary media and permanent material —
//! uploads checked for type and size before they are sent, downloads saved into a file or a
//! directory (created if missing) under the name the platform gives, never over an existing
//! file unless `--force` is given.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use serde_json::{Value, json};
use wxoa_client::api::material::{
    Material, MaterialAdded, MaterialItem, MaterialPage, MaterialType, NewsArticle, VideoMaterial,
};
use wxoa_client::api::media::{MediaContent, MediaKind, MediaUploaded};
use wxoa_client::{Client, Download, Error, FileAction, InvalidRequest, Upload};

use crate::commands::api::{call, call_with};
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
    /// or a news material is printed instead. An existing file is never overwritten unless
    /// --force is given.
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
    /// Replace a file that exists already under the name saved to (without it, the download
    /// is refused with exit 2 and the file is left as it is).
    #[arg(long)]
    pub(crate) force: bool,
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
        MediaCommand::Download(args) => call_with(settings, |c| download(c, args)),
        MediaCommand::AddNews { file } => {
            let articles = read_articles(&file)?;
            call(settings, |c| async move {
                let media_id = c.materials().add_news(articles).await?;
                Ok(json!({"media_id": media_id}))
            })
        }
        MediaCommand::Count => call(settings, |c| async move { c.materials().count().await }),
        MediaCommand::List {
            kind,
            offset,
            count,
            all,
        } => call(settings, |c| async move {
            let kind = MaterialType::from(kind);
            if all {
                use futures::TryStreamExt;
                let items: Vec<_> = c.materials().list(kind).try_collect().await?;
                Ok(Listed::All {
                    total_count: items.len(),
                    item: items,
                })
            } else {
                Ok(Listed::Page(
                    c.materials().list_page(kind, offset, count).await?,
                ))
            }
        }),
        MediaCommand::Delete { media_id } => {
            call(
                settings,
                |c| async move { c.materials().delete(media_id).await },
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

/// What `media list` answers: every material of the kind, or one page.
#[derive(Serialize)]
#[serde(untagged)]
enum Listed {
    All {
        total_count: usize,
        item: Vec<MaterialItem>,
    },
    Page(MaterialPage),
}

/// What `media upload` answers: temporary media, or a permanent material.
#[derive(Serialize)]
#[serde(untagged)]
enum Uploaded {
    Media(MediaUploaded),
    Material(MaterialAdded),
}

async fn upload(client: Client, kind: MediaKind, args: UploadArgs) -> Result<Uploaded, Error> {
    let file = Upload::path(&args.file);
    Ok(if !args.permanent {
        Uploaded::Media(client.media().upload(kind, file).await?)
    } else if kind == MediaKind::Video {
        let title = args.title.unwrap_or_default();
        let introduction = args.introduction.unwrap_or_default();
        Uploaded::Material(
            client
                .materials()
                .add_video(file, title, introduction)
                .await?,
        )
    } else {
        Uploaded::Material(client.materials().add(kind, file).await?)
    })
}

/// What `media download` answers: where the file went, or what the platform answered instead
/// of a file.
#[derive(Serialize)]
#[serde(untagged)]
enum Downloaded {
    Saved {
        media_id: String,
        path: PathBuf,
        bytes: u64,
        content_type: Option<String>,
    },
    Answer(Value),
    Video(VideoMaterial),
}

async fn download(client: Client, args: DownloadArgs) -> Result<Downloaded, Failure> {
    let answer = |value| Ok(Downloaded::Answer(value));
    let file = if args.permanent {
        match client.materials().get(args.media_id.as_str()).await? {
            Material::File(file) => file,
            Material::News(articles) => return answer(json!({"news_item": articles})),
            Material::Video(video) => return Ok(Downloaded::Video(video)),
            Material::Other(fields) => return answer(Value::Object(fields)),
            _ => return answer(json!({})),
        }
    } else {
        match client.media().download(args.media_id.as_str()).await? {
            MediaContent::File(file) => file,
            MediaContent::Video { video_url, .. } => {
                return answer(json!({"video_url": video_url}));
            }
            _ => return answer(json!({})),
        }
    };
    let content_type = file.content_type().map(str::to_owned);
    let (path, bytes) = save(file, &args).await?;
    Ok(Downloaded::Saved {
        media_id: args.media_id,
        path,
        bytes,
        content_type,
    })
}

/// Saves a download per `--out` / `--dir`; answers where and how many bytes.
async fn save(file: Download, args: &DownloadArgs) -> Result<(PathBuf, u64), Failure> {
    let target = match &args.out {
        Some(out) => out.clone(),
        None => {
            let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
            tokio::fs::create_dir_all(&dir)
                .await
                .map_err(|source| Error::Io {
                    action: FileAction::CreateDirectory,
                    path: dir.clone(),
                    source,
                })?;
            let name = match file.file_name() {
                Some(name) => name,
                None => fallback_name(&args.media_id, file.content_type().unwrap_or(""))?,
            };
            dir.join(name)
        }
    };
    let bytes = save_at(file, &target, args.force).await?;
    Ok((target, bytes))
}

/// Streams `file` into a temporary file next to `target`, then moves it there: over an
/// existing file only when `force`, else never — not even over one created while the
/// download ran. A failed or interrupted download leaves nothing under `target`.
async fn save_at(file: Download, target: &Path, force: bool) -> Result<u64, Error> {
    if !force && target.symlink_metadata().is_ok() {
        // Refused before the body is read; the move below refuses again if the file appears
        // meanwhile.
        return Err(exists(target));
    }
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = target.file_name().ok_or_else(|| {
        Error::InvalidRequest(InvalidRequest::NoFileName {
            path: target.to_path_buf(),
        })
    })?;
    let io = |action: FileAction, path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".part");
    #[cfg(unix)]
    {
        // Readable as any file the user creates (the umask applies), not only by its owner.
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let (temp, temp_path) = builder
        .tempfile_in(dir)
        .map_err(io(FileAction::CreateTemporary, dir))?
        .into_parts();
    // Dropping `temp_path` on any early return removes the partial file.
    let mut temp = tokio::fs::File::from_std(temp);
    let written = file.write_to(&mut temp).await?;
    temp.sync_all()
        .await
        .map_err(io(FileAction::Write, &temp_path))?;
    drop(temp);
    let moved = if force {
        temp_path.persist(target)
    } else {
        temp_path.persist_noclobber(target)
    };
    match moved {
        Ok(()) => Ok(written),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists && !force => {
            Err(exists(target))
        }
        Err(e) => Err(io(FileAction::Write, target)(e.error)),
    }
}

/// The refusal to overwrite `target` (exit 2).
fn exists(target: &Path) -> Error {
    Error::Io {
        action: FileAction::Write,
        path: target.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "the file exists already; give --force to replace it",
        ),
    }
}

/// The file name of a download the platform did not name: the media id and the extension of
/// its content type, refused when the media id is not usable as a file name.
fn fallback_name(media_id: &str, content_type: &str) -> Result<String, Failure> {
    let usable = !media_id.is_empty()
        && media_id.len() <= 200
        && !media_id.starts_with('.')
        && !media_id
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control());
    if usable {
        Ok(format!("{media_id}{}", extension_of(content_type)))
    } else {
        Err(Failure::usage(anyhow::anyhow!(
            "invalid request: media id {media_id:?} is not usable as a file name: give --out FILE"
        )))
    }
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

/// The articles of a JSON file: `{"articles": [...]}`, a list, or one article.
pub(crate) fn read_articles(file: &Path) -> Result<Vec<NewsArticle>, Failure> {
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
            NewsArticle::from_json(item, &format!("articles[{i}]"))
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
        assert_eq!(fallback_name("M1", "image/png").unwrap(), "M1.png");
        for bad in ["", "../etc/passwd", ".hidden", "a\\b", "a\nb"] {
            assert!(fallback_name(bad, "image/png").is_err(), "{bad:?}");
        }
    }
}
