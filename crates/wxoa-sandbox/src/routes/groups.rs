//! Legacy groups (api-reference.md §4): ids 0 (未分组), 1 (黑名单) and 2 (星标组) are system
//! groups; at most 100 groups; names of at most 30 characters; every user is in one group.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, followers_batch, get, lenient_i64, post};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::platform::tags::Group;
use crate::shared::Shared;
use crate::state::Account;

/// Most groups, system groups included.
const MAX_GROUPS: usize = 100;
/// Longest group name, characters.
const MAX_NAME_CHARS: usize = 30;
/// Most OpenIDs in one batch move.
const MAX_BATCH: usize = 50;
/// The blacklist group: users enter it through the blacklist API only.
const BLACKLIST_GROUP: u32 = 1;

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
    let name = valid_name(request.group.name)?;
    if account.groups.by_id.len() >= MAX_GROUPS {
        return Err(ApiError::msg(45018, "too many groups"));
    }
    let id = account.groups.next_id;
    account.groups.next_id += 1;
    account
        .groups
        .by_id
        .insert(id, Group { name: name.clone() });
    ok(json!({"group": {"id": id, "name": name}}))
}

async fn list(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let mut counts = std::collections::BTreeMap::<u32, u64>::new();
    for (openid, person) in &account.audience.people {
        if person.groupid != 0 && account.is_following(openid) {
            *counts.entry(person.groupid).or_default() += 1;
        }
    }
    counts.insert(BLACKLIST_GROUP, account.audience.blacklist.len() as u64);
    let elsewhere: u64 = counts.values().sum();
    counts.insert(
        0,
        account.audience.followers.total().saturating_sub(elsewhere),
    );
    let groups: Vec<Value> = account
        .groups.by_id
        .iter()
        .map(|(id, g)| json!({"id": id, "name": g.name, "count": counts.get(id).copied().unwrap_or(0)}))
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
    let account = auth.account(&mut state)?;
    account.check_following(&openid)?;
    let groupid = if account.audience.blacklist.contains(&openid) {
        BLACKLIST_GROUP
    } else {
        account
            .audience
            .people
            .get(&openid)
            .map_or(0, |p| p.groupid)
    };
    ok(json!({"groupid": groupid}))
}

async fn update(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<GroupRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let id = custom_group(account, request.group.id.as_ref())?;
    let name = valid_name(request.group.name)?;
    if let Some(group) = account.groups.by_id.get_mut(&id) {
        group.name = name;
    }
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
    let account = auth.account(&mut state)?;
    account.check_following(&openid)?;
    let to = target_group(account, request.to_groupid.as_ref())?;
    account.person_mut(&openid).groupid = to;
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
    let account = auth.account(&mut state)?;
    let openids = followers_batch(account, request.openid_list, MAX_BATCH)?;
    let to = target_group(account, request.to_groupid.as_ref())?;
    for openid in &openids {
        account.person_mut(openid).groupid = to;
    }
    ok_empty()
}

async fn delete(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<GroupRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let id = custom_group(account, request.group.id.as_ref())?;
    account.groups.by_id.remove(&id);
    for person in account.audience.people.values_mut() {
        if person.groupid == id {
            person.groupid = 0;
        }
    }
    ok_empty()
}

/// A group users can be moved into: any existing group but the blacklist (40050 otherwise).
fn target_group(account: &Account, id: Option<&Value>) -> Result<u32, ApiError> {
    id.and_then(lenient_i64)
        .and_then(|id| u32::try_from(id).ok())
        .filter(|id| *id != BLACKLIST_GROUP && account.groups.by_id.contains_key(id))
        .ok_or_else(|| ApiError::msg(40050, "invalid group id"))
}

/// A group that may be renamed or deleted: not a system group (45016), existing (40050).
fn custom_group(account: &Account, id: Option<&Value>) -> Result<u32, ApiError> {
    let id = id
        .and_then(lenient_i64)
        .ok_or_else(|| ApiError::msg(40050, "invalid group id"))?;
    if (0..=2).contains(&id) {
        return Err(ApiError::msg(45016, "system group not allowed to modify"));
    }
    u32::try_from(id)
        .ok()
        .filter(|id| account.groups.by_id.contains_key(id))
        .ok_or_else(|| ApiError::msg(40050, "invalid group id"))
}

/// A group name: present (40051) and at most 30 characters (45017).
fn valid_name(name: Option<String>) -> Result<String, ApiError> {
    let name = name.unwrap_or_default();
    if name.trim().is_empty() {
        return Err(ApiError::msg(40051, "invalid group name"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::msg(45017, "group name too long"));
    }
    Ok(name)
}
