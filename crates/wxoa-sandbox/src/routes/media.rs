//! The HTTP side of temporary media (api-reference.md §9): uploads kept 3 days on the virtual
//! clock, the bytes served back by `media/get`, and `uploadimg` for images inside articles.
//!
//! | rule | code |
//! |---|---|
//! | `type` is image, voice, video or thumb | 40004 |
//! | a multipart body with a `media` file | 41005 |
//! | the file is not empty | 44001 |
//! | image png/jpeg/jpg/gif ≤ 10 MB; voice amr/mp3 ≤ 2 MB; video mp4 ≤ 10 MB; thumb jpg ≤ 64 KB | 40005 (type), 40009 / 40010 / 40011 / 40012 (size) |
//! | `uploadimg`: jpg/png under 1 MB | 40005 / 40009 |
//! | `media/get` of an unknown or expired id; without an id | 40007 / 41006 |
//!
//! The rules are `platform::media`'s; this file reads the form and encodes the answers.

use std::sync::Arc;

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{Authed, Query, Upload, file_response, get, post, raw_url};
use crate::error::{ApiError, ApiResult, ok};
use crate::platform::media::{TEMPORARY, article_image, rule_for};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/media/upload", post(upload))
        .route("/cgi-bin/media/get", get(download))
        .route("/cgi-bin/media/get/jssdk", get(download))
        .route("/cgi-bin/media/uploadimg", post(upload_image))
        .route("/sandbox/media/{media_id}", axum::routing::get(raw))
}

async fn upload(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    query: Query,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult {
    let rule = rule_for(TEMPORARY, query.get("type"))?;
    let upload = Upload::read(multipart).await?;
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let id = account
        .media
        .add_temporary(&rule, upload.into_file(rule.kind, now), now)?;
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
    let file = auth.account(&mut state)?.media.temporary_file(id, now)?;
    if file.kind == "video" {
        return ok(json!({"video_url": raw_url(&headers, id)}));
    }
    Ok(file_response(file))
}

async fn upload_image(_: Authed, multipart: Result<Multipart, MultipartRejection>) -> ApiResult {
    let upload = Upload::read(multipart).await?;
    let url = article_image(&upload.filename, &upload.bytes)?;
    ok(json!({"url": url}))
}

/// `GET /sandbox/media/{media_id}`: the bytes of any media file, temporary or permanent.
async fn raw(State(shared): State<Arc<Shared>>, Path(media_id): Path<String>) -> Response {
    let now = shared.clock.now();
    let state = shared.state();
    match state.media_file(&media_id, now) {
        Some(file) => file_response(file),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
