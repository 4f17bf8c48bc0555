//! Drafts and free publishing (草稿箱, 发布能力).
//!
//! These endpoints are **not in the spec**: their paths and JSON shapes come from public SDKs
//! (silenceper/wechat `officialaccount/draft`, `officialaccount/freepublish`,
//! WxJava) and the platform's documentation as they quote it. The
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
//!
//! A submitted draft is published at once (status 0) and a `PUBLISHJOBFINISH` event is pushed to
//! the webhook, as the platform does when a publication finishes. The draft stays in the box.
//!
//! The rules are `platform::publish`'s; this file decodes
//! the requests and encodes the answers.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, NewsRequest, NewsUpdate, get, lenient_i64, post};
use crate::error::{ApiResult, ok, ok_empty};
use crate::platform::material::NewsBox;
use crate::platform::media::news_items;
use crate::platform::publish::page;
use crate::push::push_in_background;
use crate::shared::Shared;

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
}

async fn draft_add(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<NewsRequest>,
) -> ApiResult {
    let (id, _) = request.keep(&shared, &auth, NewsBox::Drafts)?;
    ok(json!({"media_id": id}))
}

#[derive(Debug, Deserialize)]
struct MediaIdRequest {
    #[serde(default)]
    media_id: Option<String>,
}

async fn draft_get(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MediaIdRequest>,
) -> ApiResult {
    let id = request.media_id.unwrap_or_default();
    let mut state = shared.state();
    let file = auth.account(&mut state)?.publish.draft(&id)?;
    ok(json!({"news_item": news_items(&id, file)}))
}

async fn draft_update(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<NewsUpdate>,
) -> ApiResult {
    request.apply(&shared, &auth, NewsBox::Drafts)?;
    ok_empty()
}

async fn draft_delete(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MediaIdRequest>,
) -> ApiResult {
    let id = request.media_id.unwrap_or_default();
    let mut state = shared.state();
    auth.account(&mut state)?.publish.delete_draft(&id)?;
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

impl PageRequest {
    /// Whether the articles' `content` is left out.
    fn no_content(&self) -> bool {
        self.no_content.as_ref().and_then(lenient_i64) == Some(1)
    }
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
    let (offset, count) = page(request.offset.as_ref(), request.count.as_ref())?;
    let no_content = request.no_content();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let (total, drafts) = account.publish.drafts_page(offset, count);
    let items: Vec<Value> = drafts
        .into_iter()
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

async fn submit(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MediaIdRequest>,
) -> ApiResult {
    let id = request.media_id.unwrap_or_default();
    let now = shared.clock.now();
    let (publish_id, msg_data_id, outgoing) = {
        let mut state = shared.state();
        auth.account(&mut state)?.submit(&id, now)?
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
    let publication = auth.account(&mut state)?.publish.publication(&id)?;
    // 0 published; 5 deleted by the user (every article deleted).
    let status = if publication.all_deleted() { 5 } else { 0 };
    ok(json!({
        "publish_id": id,
        "publish_status": status,
        "article_id": publication.article_id,
        "article_detail": publication.detail(),
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

async fn delete_published(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<ArticleRequest>,
) -> ApiResult {
    let article_id = request.article_id.unwrap_or_default();
    let index = request.index.as_ref().and_then(lenient_i64).unwrap_or(0);
    let mut state = shared.state();
    auth.account(&mut state)?
        .publish
        .delete_published(&article_id, index)?;
    ok_empty()
}

async fn get_article(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<ArticleRequest>,
) -> ApiResult {
    let article_id = request.article_id.unwrap_or_default();
    let mut state = shared.state();
    let publication = auth.account(&mut state)?.publish.published(&article_id)?;
    ok(json!({"news_item": publication.items()}))
}

async fn published_batchget(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<PageRequest>,
) -> ApiResult {
    let (offset, count) = page(request.offset.as_ref(), request.count.as_ref())?;
    let no_content = request.no_content();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let (total, live) = account.publish.live_page(offset, count);
    let items: Vec<Value> = live
        .into_iter()
        .map(|p| {
            json!({
                "article_id": p.article_id,
                "content": {
                    "news_item": listed(p.items(), no_content),
                    "create_time": p.at,
                    "update_time": p.at,
                },
                "update_time": p.at,
            })
        })
        .collect();
    ok(json!({"total_count": total, "item_count": items.len(), "item": items}))
}
