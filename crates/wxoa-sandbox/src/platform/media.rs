//! Media files: temporary media (kept 3 days) and permanent material as stored, the limits of
//! each kind of upload and their check, the rules of temporary media (`media/upload`,
//! `media/get`, `uploadimg`), media ids and URLs, the placeholder files behind the media a
//! follower sends, and how news articles are shown. Permanent material's rules are
//! `platform::material`'s.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::platform::field_text;
use crate::platform::tokens::random_text;
use crate::state::State;

/// An account's media: temporary media and permanent material, each by media id.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct MediaStore {
    #[serde(default)]
    pub(crate) temporary: HashMap<String, MediaFile>,
    #[serde(default)]
    pub(crate) permanent: HashMap<String, MediaFile>,
}

impl MediaStore {
    /// Temporary media still within its 3 days, or permanent material, with this id.
    pub(crate) fn file(&self, media_id: &str, now: i64) -> Option<&MediaFile> {
        self.temporary
            .get(media_id)
            .filter(|m| now - m.created_at < MEDIA_LIFETIME)
            .or_else(|| self.permanent.get(media_id))
    }

    /// `media/upload`: a file within the rule of its type is kept 3 days (media older than
    /// that are forgotten). Its media id.
    pub(crate) fn add_temporary(
        &mut self,
        rule: &Rule,
        file: MediaFile,
        now: i64,
    ) -> Result<String, ApiError> {
        rule.check(&file.filename, &file.bytes)?;
        let id = new_media_id();
        self.temporary
            .retain(|_, m| now - m.created_at < MEDIA_LIFETIME);
        self.temporary.insert(id.clone(), file);
        Ok(id)
    }

    /// `media/get`: temporary media within its 3 days (40007).
    pub(crate) fn temporary_file(&self, media_id: &str, now: i64) -> Result<&MediaFile, ApiError> {
        self.temporary
            .get(media_id)
            .filter(|m| now - m.created_at < MEDIA_LIFETIME)
            .ok_or_else(|| ApiError::msg(40007, "invalid media_id"))
    }
}

impl State {
    /// Any media file of any account, temporary (within its 3 days) or permanent.
    pub(crate) fn media_file(&self, media_id: &str, now: i64) -> Option<&MediaFile> {
        self.accounts
            .iter()
            .find_map(|a| a.media.file(media_id, now))
    }
}

/// `uploadimg`: a jpg or png under 1 MB becomes an image articles can show. Its URL.
pub(crate) fn article_image(filename: &str, bytes: &[u8]) -> Result<String, ApiError> {
    ARTICLE_IMAGE.check(filename, bytes)?;
    Ok(format!(
        "http://mmbiz.qpic.cn/sz_mmbiz_jpg/{}/0",
        random_text(40)
    ))
}

/// The mmbiz URL of a permanent image.
pub(crate) fn image_url(media_id: &str) -> String {
    format!(
        "http://mmbiz.qpic.cn/mmbiz_jpg/{}/0?wx_fmt=jpeg",
        media_id.get(..32).unwrap_or(media_id)
    )
}

impl MediaStore {
    /// A follower's image, voice or video carries a media id the server can fetch with
    /// `media/get`, as on the platform: one is added to the message's `fields` when it has
    /// none, and a placeholder file stands behind it. A video carries the media id of its
    /// thumbnail too, an image its `PicUrl`.
    pub(crate) fn attach_to_message(&mut self, fields: &mut Vec<(String, Value)>, now: i64) {
        let text = |fields: &[(String, Value)], name: &str| field_text(fields, name).to_owned();
        let kind = match text(fields, "MsgType").as_str() {
            "image" => "image",
            "voice" => "voice",
            "video" | "shortvideo" => "video",
            _ => return,
        };
        let id = match text(fields, "MediaId") {
            id if id.is_empty() => {
                let id = new_media_id();
                fields.push(("MediaId".to_owned(), json!(id)));
                id
            }
            id => id,
        };
        ensure_sent_media(&mut self.temporary, kind, &id, now);
        if kind == "video" && text(fields, "ThumbMediaId").is_empty() {
            let thumb = new_media_id();
            ensure_sent_media(&mut self.temporary, "thumb", &thumb, now);
            fields.push(("ThumbMediaId".to_owned(), json!(thumb)));
        }
        if kind == "image" && text(fields, "PicUrl").is_empty() {
            let url = format!(
                "http://mmbiz.qpic.cn/mmbiz_jpg/{}/0",
                id.get(..16).unwrap_or(&id)
            );
            fields.push(("PicUrl".to_owned(), json!(url)));
        }
    }

    /// `uploadvideo`: a temporary video within its 3 days (40007) becomes a video a mass send
    /// can name, with a title and description. Its media id.
    pub(crate) fn mass_video(
        &mut self,
        source: &str,
        title: Option<String>,
        description: Option<String>,
        now: i64,
    ) -> Result<String, ApiError> {
        let video = self
            .temporary
            .get(source)
            .filter(|m| m.kind == "video" && now - m.created_at < MEDIA_LIFETIME)
            .cloned()
            .ok_or_else(|| ApiError::msg(40007, "invalid media_id"))?;
        let id = new_media_id();
        let mut mpvideo = MediaFile::record("mpvideo", now, Vec::new());
        mpvideo.bytes = video.bytes;
        mpvideo.filename = video.filename;
        mpvideo.content_type = video.content_type;
        mpvideo.title = title;
        mpvideo.introduction = description;
        self.temporary.insert(id.clone(), mpvideo);
        Ok(id)
    }
}

/// How many files there are, and a page of them with their media ids.
pub(crate) type FilePage<'a> = (usize, Vec<(&'a String, &'a MediaFile)>);

/// A media file: temporary media (kept 3 days) or permanent material.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MediaFile {
    /// `image`, `voice`, `video`, `thumb`, or `news` (permanent articles).
    pub(crate) kind: String,
    pub(crate) filename: String,
    pub(crate) content_type: String,
    #[serde(with = "crate::serde_helpers::base64_bytes")]
    pub(crate) bytes: Vec<u8>,
    pub(crate) created_at: i64,
    /// When it last changed (`update_news`); the order of `batchget_material`.
    pub(crate) update_time: i64,
    /// Title and introduction of a permanent video.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) introduction: Option<String>,
    /// Articles of permanent news.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub(crate) articles: Vec<serde_json::Value>,
}

impl MediaFile {
    /// A file of `kind` with these bytes, made now; its content type from its name when none
    /// is given.
    pub(crate) fn file(
        kind: &str,
        filename: String,
        content_type: String,
        bytes: Vec<u8>,
        now: i64,
    ) -> Self {
        let content_type = if content_type.is_empty() {
            content_type_of(&filename).to_owned()
        } else {
            content_type
        };
        Self {
            kind: kind.to_owned(),
            filename,
            content_type,
            bytes,
            created_at: now,
            update_time: now,
            title: None,
            introduction: None,
            articles: Vec::new(),
        }
    }

    /// A file with no bytes: news articles (`kind` news), or a record to fill in.
    pub(crate) fn record(kind: &str, now: i64, articles: Vec<serde_json::Value>) -> Self {
        Self {
            kind: kind.to_owned(),
            filename: String::new(),
            content_type: "application/json".to_owned(),
            bytes: Vec::new(),
            created_at: now,
            update_time: now,
            title: None,
            introduction: None,
            articles,
        }
    }
}

/// How long temporary media are kept, seconds (3 days).
pub(crate) const MEDIA_LIFETIME: i64 = 3 * 86_400;

/// The limits of one kind of file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rule {
    pub(crate) kind: &'static str,
    pub(crate) max_bytes: usize,
    pub(crate) extensions: &'static [&'static str],
    /// The errcode of a file over `max_bytes`.
    pub(crate) size_code: i64,
}

impl Rule {
    /// Checks a file against the rule: not empty (44001), a listed extension (40005), not too
    /// large (the rule's size code).
    pub(crate) fn check(&self, filename: &str, bytes: &[u8]) -> Result<(), ApiError> {
        if bytes.is_empty() {
            return Err(ApiError::msg(44001, "empty media data"));
        }
        let extension = filename
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        if !self.extensions.contains(&extension.as_str()) {
            return Err(ApiError::msg(40005, "invalid file type"));
        }
        if bytes.len() > self.max_bytes {
            return Err(ApiError::new(self.size_code));
        }
        Ok(())
    }
}

/// A megabyte.
const MB: usize = 1024 * 1024;

/// Limits of temporary media.
pub(crate) const TEMPORARY: &[Rule] = &[
    Rule {
        kind: "image",
        max_bytes: 10 * MB,
        extensions: &["png", "jpeg", "jpg", "gif"],
        size_code: 40009,
    },
    Rule {
        kind: "voice",
        max_bytes: 2 * MB,
        extensions: &["amr", "mp3"],
        size_code: 40010,
    },
    Rule {
        kind: "video",
        max_bytes: 10 * MB,
        extensions: &["mp4"],
        size_code: 40011,
    },
    Rule {
        kind: "thumb",
        max_bytes: 64 * 1024,
        extensions: &["jpg", "jpeg"],
        size_code: 40012,
    },
];

/// Limits of permanent material.
pub(crate) const PERMANENT: &[Rule] = &[
    Rule {
        kind: "image",
        max_bytes: 10 * MB,
        extensions: &["bmp", "png", "jpeg", "jpg", "gif"],
        size_code: 40009,
    },
    Rule {
        kind: "voice",
        max_bytes: 2 * MB,
        extensions: &["mp3", "wma", "wav", "amr"],
        size_code: 40010,
    },
    Rule {
        kind: "video",
        max_bytes: 10 * MB,
        extensions: &["mp4"],
        size_code: 40011,
    },
    Rule {
        kind: "thumb",
        max_bytes: 64 * 1024,
        extensions: &["jpg", "jpeg"],
        size_code: 40012,
    },
];
/// Limits of `uploadimg`.
const ARTICLE_IMAGE: Rule = Rule {
    kind: "image",
    max_bytes: MB,
    extensions: &["jpg", "jpeg", "png"],
    size_code: 40009,
};

/// The rule of `kind` in `rules`, or 40004.
pub(crate) fn rule_for(rules: &[Rule], kind: Option<&str>) -> Result<Rule, ApiError> {
    rules
        .iter()
        .find(|r| Some(r.kind) == kind)
        .copied()
        .ok_or_else(|| ApiError::msg(40004, "invalid media type"))
}

/// A content type for a file name.
fn content_type_of(filename: &str) -> &'static str {
    let extension = filename.rsplit_once('.').map_or("", |(_, e)| e);
    match extension.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "amr" => "audio/amr",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "wma" => "audio/x-ms-wma",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

/// A media id shaped like the platform's: 64 characters of `[A-Za-z0-9_-]`.
pub(crate) fn new_media_id() -> String {
    random_text(64)
}

/// Makes sure the media id a follower's message carries exists, as it does on the platform
/// (the server may fetch it with `media/get`): a small placeholder file of the right kind.
pub(crate) fn ensure_sent_media(
    media: &mut HashMap<String, MediaFile>,
    kind: &str,
    media_id: &str,
    now: i64,
) {
    if media.contains_key(media_id) {
        return;
    }
    let (filename, bytes): (&str, Vec<u8>) = match kind {
        "image" => ("image.jpg", placeholder_picture()),
        "thumb" => ("thumb.jpg", placeholder_picture()),
        "voice" => ("voice.amr", b"#!AMR\n".to_vec()),
        _ => ("video.mp4", b"\0\0\0\x18ftypmp42".to_vec()),
    };
    let file = MediaFile::file(kind, filename.to_owned(), String::new(), bytes, now);
    media.insert(media_id.to_owned(), file);
}

/// A picture standing for a follower's photo (a sunny landscape, 320 × 240), as a JPEG.
fn placeholder_picture() -> Vec<u8> {
    const WIDTH: u32 = 320;
    const HEIGHT: u32 = 240;
    let mut pixels = Vec::with_capacity((WIDTH * HEIGHT * 3) as usize);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let (fx, fy) = (x as f32 / WIDTH as f32, y as f32 / HEIGHT as f32);
            let hill = 0.64 + 0.07 * (fx * 5.0).sin() - 0.05 * fx;
            let sun = (fx - 0.74).powi(2) + ((fy - 0.28) * 0.75).powi(2) < 0.006;
            let [r, g, b] = if fy > hill {
                let shade = (fy - hill) * 120.0;
                [40.0 + shade, 160.0 - shade, 90.0]
            } else if sun {
                [255.0, 210.0, 100.0]
            } else {
                [110.0 + fy * 120.0, 170.0 + fy * 60.0, 240.0]
            };
            pixels.extend([r as u8, g as u8, b as u8]);
        }
    }
    let mut jpeg = Vec::new();
    let encoded = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85).encode(
        &pixels,
        WIDTH,
        HEIGHT,
        image::ExtendedColorType::Rgb8,
    );
    if encoded.is_err() {
        return Vec::new();
    }
    jpeg
}

/// The articles of news as `get_material` and the draft box show them.
pub(crate) fn news_items(id: &str, file: &MediaFile) -> Vec<Value> {
    file.articles
        .iter()
        .enumerate()
        .map(|(i, article)| {
            let text = |key: &str| article.get(key).and_then(Value::as_str).unwrap_or_default();
            json!({
                "title": text("title"),
                "thumb_media_id": text("thumb_media_id"),
                "show_cover_pic": article.get("show_cover_pic").and_then(super::lenient_i64).unwrap_or(0),
                "author": text("author"),
                "digest": text("digest"),
                "content": text("content"),
                "url": format!("http://mp.weixin.qq.com/s?__biz=sandbox&mid={id}&idx={}", i + 1),
                "content_source_url": text("content_source_url"),
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_placeholder_picture_is_a_jpeg_of_320_by_240() {
        let jpeg = placeholder_picture();
        let picture = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((picture.width(), picture.height()), (320, 240));
        assert_eq!(content_type_of("image.jpg"), "image/jpeg");
    }
}
