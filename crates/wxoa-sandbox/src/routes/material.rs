//! Permanent material (api-reference.md §10): files and news articles kept until deleted.
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

use std::sync::Arc;

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Authed, Json, NewsRequest, Query, Upload, file_response, get, lenient_i64, post, raw_url,
    set_field, store_news,
};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::platform::media::{MediaFile, PERMANENT, new_media_id, news_items, rule_for};
use crate::shared::Shared;
use crate::state::Account;

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
    upload.check(&rule)?;
    let description = if rule.kind == "video" {
        let text = upload
            .fields
            .get("description")
            .map(String::as_str)
            .unwrap_or_default();
        let value: Value = serde_json::from_str(text)
            .map_err(|_| ApiError::msg(47001, "data format error: description"))?;
        let field = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        Some((
            field("title").unwrap_or_default(),
            field("introduction").unwrap_or_default(),
        ))
    } else {
        None
    };
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let id = new_media_id();
    let mut file = upload.into_file(rule.kind, now);
    if let Some((title, introduction)) = description {
        file.title = Some(title);
        file.introduction = Some(introduction);
    }
    account.media.permanent.insert(id.clone(), file);
    let mut body = json!({"media_id": id});
    if rule.kind == "image" {
        set_field(&mut body, "url", json!(image_url(&id)));
    }
    ok(body)
}

/// The mmbiz URL of a permanent image.
fn image_url(media_id: &str) -> String {
    format!(
        "http://mmbiz.qpic.cn/mmbiz_jpg/{}/0?wx_fmt=jpeg",
        media_id.get(..32).unwrap_or(media_id)
    )
}

async fn add_news(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<NewsRequest>,
) -> ApiResult {
    let (id, _) = store_news(&shared, auth, request, "news", |account| {
        &mut account.media.permanent
    })?;
    ok(json!({"media_id": id}))
}

#[derive(Debug, Deserialize)]
struct UpdateRequest {
    #[serde(default)]
    media_id: Option<String>,
    #[serde(default)]
    index: Option<Value>,
    #[serde(default)]
    articles: Option<Value>,
}

async fn update_news(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<UpdateRequest>,
) -> ApiResult {
    let id = request.media_id.unwrap_or_default();
    let article = request.articles.unwrap_or(Value::Null);
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let size = account
        .media
        .permanent
        .get(&id)
        .filter(|m| m.kind == "news")
        .map(|m| m.articles.len())
        .ok_or_else(|| ApiError::msg(40007, "invalid media_id"))?;
    let index = request
        .index
        .as_ref()
        .and_then(lenient_i64)
        .and_then(|i| usize::try_from(i).ok())
        .filter(|&i| i < size)
        .ok_or_else(|| ApiError::argument("index"))?;
    account.check_article(&article, now)?;
    if let Some(news) = account.media.permanent.get_mut(&id) {
        if let Some(slot) = news.articles.get_mut(index) {
            *slot = article;
        }
        news.update_time = now;
    }
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
    let account = auth.account(&mut state)?;
    let file = account
        .media
        .permanent
        .get(&id)
        .ok_or_else(|| ApiError::msg(40007, "invalid media_id"))?;
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

/// The articles of a news material as `get_material` shows them, each with its page URL.
async fn del_material(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<IdRequest>,
) -> ApiResult {
    let id = request.media_id.unwrap_or_default();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    if !account.media.permanent.contains_key(&id) {
        return Err(ApiError::msg(40007, "invalid media_id"));
    }
    if menu_uses(account, &id) {
        return Err(ApiError::msg(
            48005,
            "forbid to delete material used by auto-reply or menu",
        ));
    }
    account.media.permanent.remove(&id);
    ok_empty()
}

/// Whether a button of any menu of the account names this media id.
fn menu_uses(account: &Account, id: &str) -> bool {
    fn walk(buttons: &Value, id: &str) -> bool {
        buttons.as_array().into_iter().flatten().any(|b| {
            b.get("media_id").and_then(Value::as_str) == Some(id)
                || b.get("sub_button").is_some_and(|s| walk(s, id))
        })
    }
    account
        .menus
        .default
        .iter()
        .chain(&account.menus.conditional)
        .any(|m| walk(&m.button, id))
}

async fn count(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let of = |kind: &str| {
        account
            .media
            .permanent
            .values()
            .filter(|m| m.kind == kind)
            .count()
    };
    ok(json!({
        "voice_count": of("voice"),
        "video_count": of("video"),
        "image_count": of("image"),
        "news_count": of("news"),
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
    if !matches!(kind.as_str(), "image" | "video" | "voice" | "news") {
        return Err(ApiError::msg(40004, "invalid media type"));
    }
    let offset = request.offset.as_ref().and_then(lenient_i64).unwrap_or(0);
    let count = request
        .count
        .as_ref()
        .and_then(lenient_i64)
        .filter(|c| (1..=20).contains(c))
        .ok_or_else(|| ApiError::argument("count"))?;
    let offset = usize::try_from(offset).map_err(|_| ApiError::argument("offset"))?;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let mut files: Vec<(&String, &MediaFile)> = account
        .media
        .permanent
        .iter()
        .filter(|(_, m)| m.kind == kind)
        .collect();
    files.sort_by(|a, b| b.1.update_time.cmp(&a.1.update_time).then(a.0.cmp(b.0)));
    let total = files.len();
    let items: Vec<Value> = files
        .into_iter()
        .skip(offset)
        .take(usize::try_from(count).unwrap_or(20))
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
