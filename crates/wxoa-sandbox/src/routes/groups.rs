//! The HTTP side of legacy groups (api-reference.md §4): create, list with counts, a
//! follower's group, rename, move members, delete. The rules are `platform::groups`'s; this
//! file decodes and encodes.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, get, post};
use crate::error::{ApiResult, ok, ok_empty};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/groups/create", post(create))
        .route("/cgi-bin/groups/get", get(list))
        .route("/cgi-bin/groups/getid", post(get_id))
        .route("/cgi-bin/groups/update", post(update))
        .route("/cgi-bin/groups/members/update", post(move_member))
        .route("/cgi-bin/groups/members/batchupdate", post(move_members))
        .route("/cgi-bin/groups/delete", post(delete))
}

#[derive(Debug, Deserialize)]
struct GroupRequest {
    group: GroupFields,
}

#[derive(Debug, Deserialize)]
struct GroupFields {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    name: Option<String>,
}

async fn create(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<GroupRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let (id, name) = account.groups.create(request.group.name)?;
    ok(json!({"group": {"id": id, "name": name}}))
}

async fn list(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let groups: Vec<Value> = account
        .group_counts()
        .into_iter()
        .map(|(id, name, count)| json!({"id": id, "name": name, "count": count}))
        .collect();
    ok(json!({"groups": groups}))
}

#[derive(Debug, Deserialize)]
struct OpenIdRequest {
    openid: Option<String>,
}

async fn get_id(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<OpenIdRequest>,
) -> ApiResult {
    let openid = request.openid.unwrap_or_default();
    let mut state = shared.state();
    let groupid = auth.account(&mut state)?.group_of(&openid)?;
    ok(json!({"groupid": groupid}))
}

async fn update(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<GroupRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account
        .groups
        .rename(request.group.id.as_ref(), request.group.name)?;
    ok_empty()
}

#[derive(Debug, Deserialize)]
struct MoveRequest {
    openid: Option<String>,
    to_groupid: Option<Value>,
}

async fn move_member(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MoveRequest>,
) -> ApiResult {
    let openid = request.openid.unwrap_or_default();
    let mut state = shared.state();
    auth.account(&mut state)?
        .move_to_group(&openid, request.to_groupid.as_ref())?;
    ok_empty()
}

#[derive(Debug, Deserialize)]
struct BatchMoveRequest {
    openid_list: Option<Vec<String>>,
    to_groupid: Option<Value>,
}

async fn move_members(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<BatchMoveRequest>,
) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?
        .move_all_to_group(request.openid_list, request.to_groupid.as_ref())?;
    ok_empty()
}

async fn delete(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<GroupRequest>,
) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?
        .delete_group(request.group.id.as_ref())?;
    ok_empty()
}
