//! The HTTP side of tags (api-reference.md §5): create, list, rename, delete, members in pages
//! of 10,000, batch (un)tagging and a follower's tags. The rules (at most 100 per account and
//! 20 per user, names of at most 30 bytes and unique, ids 0, 1 and 2 reserved, batches of at
//! most 50 OpenIDs) are `platform::tags`'s; this file decodes and encodes.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, get, page_of, post};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::shared::Shared;

/// OpenIDs per page of `user/tag/get`.
const MEMBERS_PAGE: usize = 10_000;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/tags/create", post(create))
        .route("/cgi-bin/tags/get", get(list))
        .route("/cgi-bin/tags/update", post(update))
        .route("/cgi-bin/tags/delete", post(delete))
        .route("/cgi-bin/user/tag/get", post(members))
        .route("/cgi-bin/tags/members/batchtagging", post(batch_tag))
        .route("/cgi-bin/tags/members/batchuntagging", post(batch_untag))
        .route("/cgi-bin/tags/getidlist", post(id_list))
}

#[derive(Debug, Deserialize)]
struct TagRequest {
    tag: TagFields,
}

#[derive(Debug, Deserialize)]
struct TagFields {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    name: Option<String>,
}

async fn create(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<TagRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let (id, name) = account.tags.create(request.tag.name.as_deref())?;
    ok(json!({"tag": {"id": id, "name": name}}))
}

async fn list(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let tags: Vec<Value> = account
        .tags
        .by_id
        .iter()
        .map(|(id, tag)| json!({"id": id, "name": tag.name, "count": tag.members.len()}))
        .collect();
    ok(json!({"tags": tags}))
}

async fn update(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<TagRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account
        .tags
        .rename(request.tag.id.as_ref(), request.tag.name.as_deref())?;
    ok_empty()
}

async fn delete(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<TagRequest>,
) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?
        .delete_tag(request.tag.id.as_ref())?;
    ok_empty()
}

#[derive(Debug, Deserialize)]
struct MembersRequest {
    tagid: Option<Value>,
    #[serde(default)]
    next_openid: Option<String>,
}

async fn members(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MembersRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let members = account.tags.members(request.tagid.as_ref())?;
    ok(page_of(
        members,
        request.next_openid.as_deref(),
        MEMBERS_PAGE,
        None,
    ))
}

#[derive(Debug, Deserialize)]
struct BatchRequest {
    openid_list: Option<Vec<String>>,
    tagid: Option<Value>,
}

async fn batch_tag(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<BatchRequest>,
) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?
        .tag_followers(request.tagid.as_ref(), request.openid_list)?;
    ok_empty()
}

async fn batch_untag(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<BatchRequest>,
) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?
        .untag_followers(request.tagid.as_ref(), request.openid_list)?;
    ok_empty()
}

#[derive(Debug, Deserialize)]
struct IdListRequest {
    openid: Option<String>,
}

async fn id_list(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<IdListRequest>,
) -> ApiResult {
    let openid = request
        .openid
        .filter(|o| !o.is_empty())
        .ok_or_else(|| ApiError::msg(41009, "missing openid"))?;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account.check_following(&openid)?;
    ok(json!({"tagid_list": account.tags_of(&openid)}))
}
