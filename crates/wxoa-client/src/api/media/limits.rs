//! The kinds of media file and what the platform takes of each: the formats (by extension)
//! and largest sizes of temporary media, permanent material and `uploadimg`, and the check of
//! an upload against them before anything is sent.

use crate::api::support::{invalid, require};
use crate::{Error, Result, Rule, Upload, UploadKind};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * 1024;

/// Largest image for `uploadimg`: 1 MiB.
pub const UPLOADIMG_MAX_BYTES: u64 = MIB;

/// The kind of a media file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// An image.
    Image,
    /// A voice recording.
    Voice,
    /// A video.
    Video,
    /// A thumbnail (of a video or music message, or a news cover).
    Thumb,
}

impl MediaKind {
    /// The `type` the platform calls it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Voice => "voice",
            MediaKind::Video => "video",
            MediaKind::Thumb => "thumb",
        }
    }
}

impl std::fmt::Display for MediaKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for MediaKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "image" => Ok(MediaKind::Image),
            "voice" => Ok(MediaKind::Voice),
            "video" => Ok(MediaKind::Video),
            "thumb" => Ok(MediaKind::Thumb),
            other => Err(invalid(
                "type",
                Rule::OneOf {
                    choices: &["image", "voice", "video", "thumb"],
                    got: other.to_owned(),
                },
            )),
        }
    }
}

/// The largest file of each kind, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MediaLimits {
    /// Largest image.
    pub image: u64,
    /// Largest voice recording.
    pub voice: u64,
    /// Largest video.
    pub video: u64,
    /// Largest thumbnail.
    pub thumb: u64,
}

impl MediaLimits {
    /// Temporary media, current docs: image 10 MiB, voice 2 MiB, video 10 MiB, thumb 64 KiB.
    pub const TEMPORARY: MediaLimits = MediaLimits {
        image: 10 * MIB,
        voice: 2 * MIB,
        video: 10 * MIB,
        thumb: 64 * KIB,
    };

    /// Temporary media, the oldest revision: image 1 MiB (JPG), voice 2 MiB, video 10 MiB,
    /// thumb 64 KiB.
    pub const TEMPORARY_LEGACY: MediaLimits = MediaLimits {
        image: MIB,
        ..MediaLimits::TEMPORARY
    };

    /// Permanent material, current docs: image 10 MiB, voice 2 MiB, video 10 MiB, thumb
    /// 64 KiB (older revisions: image 2 MiB; some texts allow voice 5 MiB).
    pub const PERMANENT: MediaLimits = MediaLimits {
        image: 10 * MIB,
        voice: 2 * MIB,
        video: 10 * MIB,
        thumb: 64 * KIB,
    };

    /// These limits with another largest size for `kind`.
    #[must_use]
    pub fn with(mut self, kind: MediaKind, max_bytes: u64) -> MediaLimits {
        *self.slot(kind) = max_bytes;
        self
    }

    /// The largest file of `kind`.
    #[must_use]
    pub fn max(&self, kind: MediaKind) -> u64 {
        match kind {
            MediaKind::Image => self.image,
            MediaKind::Voice => self.voice,
            MediaKind::Video => self.video,
            MediaKind::Thumb => self.thumb,
        }
    }

    fn slot(&mut self, kind: MediaKind) -> &mut u64 {
        match kind {
            MediaKind::Image => &mut self.image,
            MediaKind::Voice => &mut self.voice,
            MediaKind::Video => &mut self.video,
            MediaKind::Thumb => &mut self.thumb,
        }
    }
}

/// The formats (file extensions) the platform takes for temporary media of `kind`.
#[must_use]
pub fn temporary_formats(kind: MediaKind) -> &'static [&'static str] {
    match kind {
        MediaKind::Image => &["png", "jpeg", "jpg", "gif"],
        MediaKind::Voice => &["amr", "mp3"],
        MediaKind::Video => &["mp4"],
        MediaKind::Thumb => &["jpg", "jpeg"],
    }
}

/// Checks an upload's extension against the formats the platform takes for `upload_kind`, and
/// its length against 1..=`max`; answers the length.
pub(crate) async fn check_upload(
    upload: &mut Upload,
    upload_kind: UploadKind,
    max: u64,
) -> Result<u64> {
    let formats = match upload_kind {
        UploadKind::Temporary(kind) => temporary_formats(kind),
        UploadKind::Permanent(kind) => crate::api::material::permanent_formats(kind),
        UploadKind::ArticleImage => &["jpg", "jpeg", "png"],
    };
    let name = upload.file_name().to_owned();
    require("media (file name)", &name)?;
    let extension = upload.extension().unwrap_or_default();
    if !formats.contains(&extension.as_str()) {
        return Err(invalid(
            "media",
            Rule::FileFormat {
                upload: upload_kind,
                formats,
                name,
            },
        ));
    }
    let len = upload.len().await?;
    if len == 0 {
        return Err(invalid("media", Rule::EmptyFile { name }));
    }
    if len > max {
        return Err(invalid(
            "media",
            Rule::FileSize {
                upload: upload_kind,
                max,
                name,
                len,
            },
        ));
    }
    Ok(len)
}
