//! Temporary media (api-reference.md §9): uploads kept 3 days on the virtual clock, the bytes
//! served back by `media/get`, and `uploadimg` for images inside articles.
//!
//! | rule | code |
//! |---|---|
//! | `type` is image, voice, video or thumb | 40004 |
//! | a multipart body with a `media` file | 41005 |
//! | the file is not empty | 44001 |
//! | image png/jpeg/jpg/gif ≤ 10 MB; voice amr/mp3 ≤ 2 MB; video mp4 ≤ 10 MB; thumb jpg ≤ 64 KB | 40005 (type), 40009 / 40010 / 40011 / 40012 (size) |
//! | `uploadimg`: jpg/png under 1 MB | 40005 / 40009 |
//! | `media/get` of an unknown or expired id; without an id | 40007 / 41006 |

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{Authed, Query, get, post};
use crate::error::{ApiError, ApiResult, ok};
use crate::platform::media::{
    ARTICLE_IMAGE, MEDIA_LIFETIME, MediaFile, Rule, TEMPORARY, new_media_id, rule_for,
};
use crate::platform::tokens::random_text;
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/media/upload", post(upload))
        .route("/cgi-bin/media/get", get(download))
        .route("/cgi-bin/media/get/jssdk", get(download))
        .route("/cgi-bin/media/uploadimg", post(upload_image))
        .route("/sandbox/media/{media_id}", axum::routing::get(raw))
}

/// A file uploaded in the `media` field, and the other text fields of the form.
#[derive(Debug)]
pub(crate) struct Upload {
    pub(crate) filename: String,
    pub(crate) content_type: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) fields: HashMap<String, String>,
}

impl Upload {
    /// Reads the form; 41005 without a `media` file.
    pub(crate) async fn read(
        multipart: Result<Multipart, MultipartRejection>,
    ) -> Result<Upload, ApiError> {
        let missing = || ApiError::msg(41005, "media data missing");
        let mut multipart = multipart.map_err(|_| missing())?;
        let mut file = None;
        let mut fields = HashMap::new();
        while let Some(field) = multipart.next_field().await.map_err(|_| missing())? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "media" {
                let filename = field.file_name().unwrap_or_default().to_owned();
                let content_type = field.content_type().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(|_| missing())?.to_vec();
                file = Some((filename, content_type, bytes));
            } else if let Ok(text) = field.text().await {
                fields.insert(name, text);
            }
        }
        let (filename, content_type, bytes) = file.ok_or_else(missing)?;
        Ok(Upload {
            filename,
            content_type,
            bytes,
            fields,
        })
    }

    /// Checks the file against a rule: not empty (44001), a listed extension (40005), not too
    /// large (the rule's size code).
    pub(crate) fn check(&self, rule: &Rule) -> Result<(), ApiError> {
        if self.bytes.is_empty() {
            return Err(ApiError::msg(44001, "empty media data"));
        }
        let extension = self
            .filename
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        if !rule.extensions.contains(&extension.as_str()) {
            return Err(ApiError::msg(40005, "invalid file type"));
        }
        if self.bytes.len() > rule.max_bytes {
            return Err(ApiError::new(rule.size_code));
        }
        Ok(())
    }

    /// The file as stored.
    pub(crate) fn into_file(self, kind: &str, now: i64) -> MediaFile {
        MediaFile::file(kind, self.filename, self.content_type, self.bytes, now)
    }
}

async fn upload(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    query: Query,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult {
    let rule = rule_for(TEMPORARY, query.get("type"))?;
    let file = Upload::read(multipart).await?;
    file.check(&rule)?;
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let id = new_media_id();
    account
        .media
        .temporary
        .retain(|_, m| now - m.created_at < MEDIA_LIFETIME);
    account
        .media
        .temporary
        .insert(id.clone(), file.into_file(rule.kind, now));
    let key = if rule.kind == "thumb" {
        "thumb_media_id"
    } else {
        "media_id"
    };
    ok(json!({"type": rule.kind, key: id, "created_at": now}))
}

async fn download(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    query: Query,
    headers: HeaderMap,
) -> ApiResult {
    let id = query
        .get("media_id")
        .ok_or_else(|| ApiError::msg(41006, "media_id missing"))?;
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let file = account
        .media
        .temporary
        .get(id)
        .filter(|m| now - m.created_at < MEDIA_LIFETIME)
        .ok_or_else(|| ApiError::msg(40007, "invalid media_id"))?;
    if file.kind == "video" {
        return ok(json!({"video_url": raw_url(&headers, id)}));
    }
    Ok(file_response(file))
}

/// Where the sandbox serves a media file's bytes without a token (what a `down_url` or
/// `video_url` points to).
pub(crate) fn raw_url(headers: &HeaderMap, media_id: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}/sandbox/media/{media_id}")
}

/// A file as the platform serves it: its bytes, type and an attachment name.
pub(crate) fn file_response(file: &MediaFile) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        file.filename.replace(['"', '\r', '\n'], "")
    );
    (
        [
            (header::CONTENT_TYPE, file.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.bytes.clone(),
    )
        .into_response()
}

async fn upload_image(_: Authed, multipart: Result<Multipart, MultipartRejection>) -> ApiResult {
    let file = Upload::read(multipart).await?;
    file.check(&ARTICLE_IMAGE)?;
    ok(json!({"url": format!("http://mmbiz.qpic.cn/sz_mmbiz_jpg/{}/0", random_text(40))}))
}

/// `GET /sandbox/media/{media_id}`: the bytes of any media file, temporary or permanent.
async fn raw(State(shared): State<Arc<Shared>>, Path(media_id): Path<String>) -> Response {
    let now = shared.clock.now();
    let state = shared.state();
    let file = state
        .accounts
        .iter()
        .find_map(|a| a.media.file(&media_id, now));
    match file {
        Some(file) => file_response(file),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
