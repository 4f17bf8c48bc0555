//! Drafts and free publishing (草稿箱, 发布能力), and the daily quota of an API
//! (`openapi/quota/get`).
//!
//! These endpoints are **not in the spec**: their paths and JSON shapes come from public SDKs
//! (silenceper/wechat `officialaccount/draft`, `officialaccount/freepublish`,
//! `officialaccount/openapi`; WxJava) and the platform's documentation as they quote it. The
//! errors the spec's table names are used where they apply (53502 invalid `publish_id`, 53600
//! invalid `article_id`); the rest follow the sandbox's material rules.
//!
//! | rule | code |
//! |---|---|
//! | `draft/add`: 1 to 8 articles, each with a title, content and an existing thumbnail | 44003 / 45008 / 47003 / 40007 |
//! | `draft/get\|update\|delete`, `freepublish/submit`: a known draft `media_id` | 40007 |
//! | `draft/update`: `index` within the draft's articles; the article checked as above | 47003 |
//! | `draft/batchget`, `freepublish/batchget`: `count` 1 to 20 | 47003 |
//! | `freepublish/get`: a known `publish_id` | 53502 |
//! | `freepublish/getarticle\|delete`: a known, not deleted `article_id`; `index` within its articles | 53600 / 47003 |
//! | `openapi/quota/get`: a `cgi_path`; one with a daily quota | 47003 / 76021 |
//!
//! A submitted draft is published at once (status 0) and a `PUBLISHJOBFINISH` event is pushed to
//! the webhook, as the platform does when a publication finishes. The draft stays in the box.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, NewsRequest, get, lenient_i64, post, store_news};
use crate::clock::china_day;
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::platform::media::MediaFile;
use crate::platform::media::news_items;
use crate::platform::publish::Publication;
use crate::platform::tokens::random_text;
use crate::push::{Outgoing, push_in_background};
use crate::shared::Shared;
use crate::state::Account;

/// Most items of a list page.
const PAGE_MAX: i64 = 20;
/// Who publication results come from.
const PUBLISH_HELPER: &str = "mphelper";

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/draft/add", post(draft_add))
        .route("/cgi-bin/draft/get", post(draft_get))
        .route("/cgi-bin/draft/update", post(draft_update))
        .route("/cgi-bin/draft/delete", post(draft_delete))
        .route("/cgi-bin/draft/count", get(draft_count))
        .route("/cgi-bin/draft/batchget", post(draft_batchget))
        .route("/cgi-bin/freepublish/submit", post(submit))
        .route("/cgi-bin/freepublish/get", post(status))
        .route("/cgi-bin/freepublish/delete", post(delete_published))
        .route("/cgi-bin/freepublish/getarticle", post(get_article))
        .route("/cgi-bin/freepublish/batchget", post(published_batchget))
        .route("/cgi-bin/openapi/quota/get", post(quota_get))
}

async fn draft_add(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<NewsRequest>,
) -> ApiResult {
    let (id, _) = store_news(&shared, auth, request, "draft", |account| {
        &mut account.publish.drafts
    })?;
    ok(json!({"media_id": id}))
}

#[derive(Debug, Deserialize)]
struct MediaIdRequest {
    #[serde(default)]
    media_id: Option<String>,
}

fn draft<'a>(account: &'a Account, id: &str) -> Result<&'a MediaFile, ApiError> {
    account
        .publish
        .drafts
        .get(id)
        .ok_or_else(|| ApiError::msg(40007, "invalid media_id"))
}

async fn draft_get(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MediaIdRequest>,
) -> ApiResult {
    let id = request.media_id.unwrap_or_default();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let file = draft(account, &id)?;
    ok(json!({"news_item": news_items(&id, file)}))
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

async fn draft_update(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<UpdateRequest>,
) -> ApiResult {
    let id = request.media_id.unwrap_or_default();
    let article = request.articles.unwrap_or(Value::Null);
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let size = draft(account, &id)?.articles.len();
    let index = request
        .index
        .as_ref()
        .and_then(lenient_i64)
        .and_then(|i| usize::try_from(i).ok())
        .filter(|&i| i < size)
        .ok_or_else(|| ApiError::argument("index"))?;
    account.check_article(&article, now)?;
    if let Some(file) = account.publish.drafts.get_mut(&id) {
        if let Some(slot) = file.articles.get_mut(index) {
            *slot = article;
        }
        file.update_time = now;
    }
    ok_empty()
}

async fn draft_delete(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MediaIdRequest>,
) -> ApiResult {
    let id = request.media_id.unwrap_or_default();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account
        .publish
        .drafts
        .remove(&id)
        .ok_or_else(|| ApiError::msg(40007, "invalid media_id"))?;
    ok_empty()
}

async fn draft_count(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    ok(json!({"total_count": account.publish.drafts.len()}))
}

#[derive(Debug, Deserialize)]
struct PageRequest {
    #[serde(default)]
    offset: Option<Value>,
    #[serde(default)]
    count: Option<Value>,
    #[serde(default)]
    no_content: Option<Value>,
}

/// A page's offset and size, and whether the articles' `content` is left out.
fn page(request: &PageRequest) -> Result<(usize, usize, bool), ApiError> {
    let offset = request.offset.as_ref().and_then(lenient_i64).unwrap_or(0);
    let offset = usize::try_from(offset).map_err(|_| ApiError::argument("offset"))?;
    let count = request
        .count
        .as_ref()
        .and_then(lenient_i64)
        .filter(|c| (1..=PAGE_MAX).contains(c))
        .and_then(|c| usize::try_from(c).ok())
        .ok_or_else(|| ApiError::argument("count"))?;
    let no_content = request.no_content.as_ref().and_then(lenient_i64) == Some(1);
    Ok((offset, count, no_content))
}

/// The articles as a list shows them: `content` left out when asked.
fn listed(mut items: Vec<Value>, no_content: bool) -> Vec<Value> {
    if no_content {
        for item in &mut items {
            if let Some(map) = item.as_object_mut() {
                map.remove("content");
            }
        }
    }
    items
}

async fn draft_batchget(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<PageRequest>,
) -> ApiResult {
    let (offset, count, no_content) = page(&request)?;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let mut drafts: Vec<(&String, &MediaFile)> = account.publish.drafts.iter().collect();
    drafts.sort_by(|a, b| b.1.update_time.cmp(&a.1.update_time).then(a.0.cmp(b.0)));
    let total = drafts.len();
    let items: Vec<Value> = drafts
        .into_iter()
        .skip(offset)
        .take(count)
        .map(|(id, file)| {
            json!({
                "media_id": id,
                "content": {
                    "news_item": listed(news_items(id, file), no_content),
                    "create_time": file.created_at,
                    "update_time": file.update_time,
                },
                "update_time": file.update_time,
            })
        })
        .collect();
    ok(json!({"total_count": total, "item_count": items.len(), "item": items}))
}

/// The URL of article `idx` (from 1) of a publication.
fn article_url(article_id: &str, idx: usize) -> String {
    format!("http://mp.weixin.qq.com/s?__biz=sandbox&article={article_id}&idx={idx}")
}

/// `article_detail` of a publication: the articles still published.
fn article_detail(publication: &Publication) -> Value {
    let items: Vec<Value> = publication
        .deleted
        .iter()
        .enumerate()
        .filter(|(_, deleted)| !**deleted)
        .map(|(i, _)| json!({"idx": i + 1, "article_url": article_url(&publication.article_id, i + 1)}))
        .collect();
    json!({"count": items.len(), "item": items})
}

async fn submit(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MediaIdRequest>,
) -> ApiResult {
    let id = request.media_id.unwrap_or_default();
    let now = shared.clock.now();
    let (publish_id, msg_data_id, outgoing) = {
        let mut state = shared.state();
        let account = auth.account(&mut state)?;
        let articles = draft(account, &id)?.articles.clone();
        let number = account.next_msg_id();
        let publish_id = number.to_string();
        let seq = account.next_seq();
        let publication = Publication {
            article_id: random_text(43),
            deleted: vec![false; articles.len()],
            articles,
            at: now,
            seq,
        };
        let fields = [
            ("MsgType".to_owned(), json!("event")),
            ("Event".to_owned(), json!("PUBLISHJOBFINISH")),
            (
                "PublishEventInfo".to_owned(),
                json!({
                    "publish_id": publish_id,
                    "publish_status": 0,
                    "article_id": publication.article_id,
                    "article_detail": article_detail(&publication),
                }),
            ),
        ];
        let outgoing = Outgoing::new(
            &account.app_id,
            &account.original_id,
            PUBLISH_HELPER,
            now,
            &fields,
            || number,
        );
        account.publish.jobs.insert(publish_id.clone(), publication);
        (publish_id, number % 1_000_000_000, outgoing)
    };
    // The result reaches the account's server after the call has been answered.
    push_in_background(&shared, outgoing);
    ok(json!({"errcode": 0, "errmsg": "ok", "publish_id": publish_id, "msg_data_id": msg_data_id}))
}

#[derive(Debug, Deserialize)]
struct StatusRequest {
    #[serde(default)]
    publish_id: Option<Value>,
}

async fn status(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<StatusRequest>,
) -> ApiResult {
    let id = match request.publish_id {
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let publication = account
        .publish
        .jobs
        .get(&id)
        .ok_or_else(|| ApiError::msg(53502, "invalid publish_id"))?;
    // 0 published; 5 deleted by the user (every article deleted).
    let status = if publication.all_deleted() { 5 } else { 0 };
    ok(json!({
        "publish_id": id,
        "publish_status": status,
        "article_id": publication.article_id,
        "article_detail": article_detail(publication),
        "fail_idx": [],
    }))
}

#[derive(Debug, Deserialize)]
struct ArticleRequest {
    #[serde(default)]
    article_id: Option<String>,
    #[serde(default)]
    index: Option<Value>,
}

/// The live publication of an article id.
fn published<'a>(
    account: &'a mut Account,
    article_id: &str,
) -> Result<&'a mut Publication, ApiError> {
    account
        .publish
        .jobs
        .values_mut()
        .find(|p| p.article_id == article_id && !p.all_deleted())
        .ok_or_else(|| ApiError::msg(53600, "invalid article_id"))
}

async fn delete_published(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<ArticleRequest>,
) -> ApiResult {
    let article_id = request.article_id.unwrap_or_default();
    let index = request.index.as_ref().and_then(lenient_i64).unwrap_or(0);
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let publication = published(account, &article_id)?;
    // 0 (or none) deletes every article; 1..=n the one at that position.
    let Ok(index) = usize::try_from(index) else {
        return Err(ApiError::argument("index"));
    };
    if index == 0 {
        publication.deleted.iter_mut().for_each(|d| *d = true);
    } else {
        let slot = publication
            .deleted
            .get_mut(index - 1)
            .ok_or_else(|| ApiError::argument("index"))?;
        *slot = true;
    }
    ok_empty()
}

/// The articles of a publication as `getarticle` and `batchget` show them.
fn published_items(publication: &Publication) -> Vec<Value> {
    let file = MediaFile::record("news", publication.at, publication.articles.clone());
    let mut items = news_items(&publication.article_id, &file);
    for (i, item) in items.iter_mut().enumerate() {
        if let Some(map) = item.as_object_mut() {
            map.insert(
                "url".to_owned(),
                json!(article_url(&publication.article_id, i + 1)),
            );
            let deleted = publication.deleted.get(i).copied().unwrap_or(false);
            map.insert("is_deleted".to_owned(), json!(deleted));
        }
    }
    items
}

async fn get_article(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<ArticleRequest>,
) -> ApiResult {
    let article_id = request.article_id.unwrap_or_default();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let publication = published(account, &article_id)?;
    ok(json!({"news_item": published_items(publication)}))
}

async fn published_batchget(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<PageRequest>,
) -> ApiResult {
    let (offset, count, no_content) = page(&request)?;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let mut live: Vec<&Publication> = account
        .publish
        .jobs
        .values()
        .filter(|p| !p.all_deleted())
        .collect();
    live.sort_by_key(|p| std::cmp::Reverse(p.seq));
    let total = live.len();
    let items: Vec<Value> = live
        .into_iter()
        .skip(offset)
        .take(count)
        .map(|p| {
            json!({
                "article_id": p.article_id,
                "content": {
                    "news_item": listed(published_items(p), no_content),
                    "create_time": p.at,
                    "update_time": p.at,
                },
                "update_time": p.at,
            })
        })
        .collect();
    ok(json!({"total_count": total, "item_count": items.len(), "item": items}))
}

#[derive(Debug, Deserialize)]
struct QuotaRequest {
    #[serde(default)]
    cgi_path: Option<String>,
}

async fn quota_get(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<QuotaRequest>,
) -> ApiResult {
    let path = request
        .cgi_path
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::argument("cgi_path"))?;
    let limit = shared
        .settings
        .quotas
        .limit(&path)
        .ok_or_else(|| ApiError::msg(76021, "cgi_path not found, please check"))?;
    let today = china_day(shared.clock.now());
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let quota = &account.tokens.quota;
    let used = if quota.day == today {
        quota.counts.get(&path).copied().unwrap_or(0)
    } else {
        0
    };
    ok(json!({
        "errcode": 0,
        "errmsg": "ok",
        "quota": {"daily_limit": limit, "used": used, "remain": limit.saturating_sub(used)},
    }))
}
