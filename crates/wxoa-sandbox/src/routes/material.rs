//! The HTTP side of permanent material (api-reference.md §10): files and news articles kept
//! until deleted.
//!
//! | rule | code |
//! |---|---|
//! | `type` is image, voice, video or thumb | 40004 |
//! | image bmp/png/jpeg/jpg/gif ≤ 10 MB; voice mp3/wma/wav/amr ≤ 2 MB; video mp4 ≤ 10 MB; thumb jpg ≤ 64 KB | 40005 / 40009–40012 |
//! | a video has a `description` field `{"title","introduction"}` | 47001 |
//! | news: 1 to 8 articles, each with a title, content and an existing `thumb_media_id` | 44003 / 45008 / 47003 / 40007 |
//! | article content under 20,000 characters | 45002 |
//! | an unknown media id | 40007 |
//! | material a menu button uses cannot be deleted | 48005 |
//! | `batchget_material`: a known type, `count` 1 to 20 | 40004 / 47003 |
//!
//! The rules are `platform::material`'s; this file reads the requests and encodes the answers.

use std::sync::Arc;

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Authed, Json, NewsRequest, NewsUpdate, Query, Upload, file_response, get, post, raw_url,
    set_field,
};
use crate::error::{ApiResult, ok, ok_empty};
use crate::platform::material::NewsBox;
use crate::platform::media::{PERMANENT, image_url, news_items, rule_for};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/material/add_material", post(add_material))
        .route("/cgi-bin/material/add_news", post(add_news))
        .route("/cgi-bin/material/update_news", post(update_news))
        .route("/cgi-bin/material/get_material", post(get_material))
        .route("/cgi-bin/material/del_material", post(del_material))
        .route("/cgi-bin/material/get_materialcount", get(count))
        .route("/cgi-bin/material/batchget_material", post(batchget))
}

async fn add_material(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    query: Query,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult {
    let rule = rule_for(PERMANENT, query.get("type"))?;
    let upload = Upload::read(multipart).await?;
    let description = upload.fields.get("description").cloned();
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let file = upload.into_file(rule.kind, now);
    let id = account
        .media
        .add_permanent(&rule, file, description.as_deref())?;
    let mut body = json!({"media_id": id});
    if rule.kind == "image" {
        set_field(&mut body, "url", json!(image_url(&id)));
    }
    ok(body)
}

async fn add_news(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<NewsRequest>,
) -> ApiResult {
    let (id, _) = request.keep(&shared, &auth, NewsBox::Material)?;
    ok(json!({"media_id": id}))
}

async fn update_news(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<NewsUpdate>,
) -> ApiResult {
    request.apply(&shared, &auth, NewsBox::Material)?;
    ok_empty()
}

#[derive(Debug, Deserialize)]
struct IdRequest {
    #[serde(default)]
    media_id: Option<String>,
}

async fn get_material(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    headers: HeaderMap,
    Json(request): Json<IdRequest>,
) -> ApiResult {
    let id = request.media_id.unwrap_or_default();
    let mut state = shared.state();
    let file = auth.account(&mut state)?.media.permanent_file(&id)?;
    match file.kind.as_str() {
        "news" => ok(json!({"news_item": news_items(&id, file)})),
        "video" => ok(json!({
            "title": file.title,
            "description": file.introduction,
            "down_url": raw_url(&headers, &id),
        })),
        _ => Ok(file_response(file)),
    }
}

async fn del_material(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<IdRequest>,
) -> ApiResult {
    let id = request.media_id.unwrap_or_default();
    let mut state = shared.state();
    auth.account(&mut state)?.delete_material(&id)?;
    ok_empty()
}

async fn count(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let media = &auth.account(&mut state)?.media;
    ok(json!({
        "voice_count": media.permanent_count("voice"),
        "video_count": media.permanent_count("video"),
        "image_count": media.permanent_count("image"),
        "news_count": media.permanent_count("news"),
    }))
}

#[derive(Debug, Deserialize)]
struct BatchRequest {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    offset: Option<Value>,
    #[serde(default)]
    count: Option<Value>,
}

async fn batchget(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<BatchRequest>,
) -> ApiResult {
    let kind = request.kind.unwrap_or_default();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let (total, files) =
        account
            .media
            .permanent_page(&kind, request.offset.as_ref(), request.count.as_ref())?;
    let items: Vec<Value> = files
        .into_iter()
        .map(|(id, file)| {
            if kind == "news" {
                json!({
                    "media_id": id,
                    "content": {"news_item": news_items(id, file)},
                    "update_time": file.update_time,
                })
            } else {
                json!({
                    "media_id": id,
                    "name": file.filename,
                    "update_time": file.update_time,
                    "url": if kind == "image" { image_url(id) } else { String::new() },
                })
            }
        })
        .collect();
    ok(json!({"total_count": total, "item_count": items.len(), "item": items}))
}
