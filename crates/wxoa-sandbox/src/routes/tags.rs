//! Tags (api-reference.md §5): at most 100 per account and 20 per user, names of at most 30
//! bytes and unique, ids 0, 1 and 2 reserved, batches of at most 50 OpenIDs, members in pages
//! of 10,000.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, followers_batch, get, lenient_i64, page_of, post};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::platform::tags::{RESERVED_TAGS, Tag};
use crate::shared::Shared;
use crate::state::Account;

/// Most tags an account may create.
const MAX_TAGS: usize = 100;
/// Most tags one user may carry.
const MAX_TAGS_PER_USER: usize = 20;
/// Longest tag name, bytes.
const MAX_NAME_BYTES: usize = 30;
/// Most OpenIDs in one (un)tagging call.
const MAX_BATCH: usize = 50;
/// A tag with more fans than this cannot be deleted.
const MAX_DELETABLE_FANS: usize = 100_000;
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
    let name = valid_name(account, request.tag.name.as_deref(), None)?;
    let created = account
        .tags
        .by_id
        .keys()
        .filter(|id| !RESERVED_TAGS.contains(id))
        .count();
    if created >= MAX_TAGS {
        return Err(ApiError::msg(45056, "too many tags"));
    }
    let id = account.tags.next_id;
    account.tags.next_id += 1;
    account.tags.by_id.insert(
        id,
        Tag {
            name: name.clone(),
            members: BTreeSet::new(),
        },
    );
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
    let id = editable_tag(account, request.tag.id.as_ref())?;
    let name = valid_name(account, request.tag.name.as_deref(), Some(id))?;
    if let Some(tag) = account.tags.by_id.get_mut(&id) {
        tag.name = name;
    }
    ok_empty()
}

async fn delete(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<TagRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let id = editable_tag(account, request.tag.id.as_ref())?;
    if account
        .tags
        .by_id
        .get(&id)
        .is_some_and(|t| t.members.len() > MAX_DELETABLE_FANS)
    {
        return Err(ApiError::msg(
            45057,
            "can not delete the tag that has too many fans",
        ));
    }
    if let Some(tag) = account.tags.by_id.remove(&id) {
        for openid in tag.members {
            account.person_mut(&openid).tags.retain(|t| *t != id);
        }
    }
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
    let id = existing_tag(account, request.tagid.as_ref())?;
    let tag = account
        .tags
        .by_id
        .get(&id)
        .ok_or_else(|| ApiError::msg(45159, "invalid tag id"))?;
    ok(page_of(
        &tag.members,
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
    let account = auth.account(&mut state)?;
    let (id, openids) = check_batch(account, request)?;
    let over = openids.iter().any(|openid| {
        let tags = account.tags_of(openid);
        !tags.contains(&id) && tags.len() >= MAX_TAGS_PER_USER
    });
    if over {
        return Err(ApiError::msg(45059, "user tag num exceed limit"));
    }
    for openid in openids {
        let person = account.person_mut(&openid);
        if !person.tags.contains(&id) {
            person.tags.push(id);
        }
        if let Some(tag) = account.tags.by_id.get_mut(&id) {
            tag.members.insert(openid);
        }
    }
    ok_empty()
}

async fn batch_untag(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<BatchRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let (id, openids) = check_batch(account, request)?;
    for openid in openids {
        if let Some(person) = account.audience.people.get_mut(&openid) {
            person.tags.retain(|t| *t != id);
        }
        if let Some(tag) = account.tags.by_id.get_mut(&id) {
            tag.members.remove(&openid);
        }
    }
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

/// Checks a batch: 1 to 50 OpenIDs of followers and a tag that can hold members.
fn check_batch(account: &Account, request: BatchRequest) -> Result<(u32, Vec<String>), ApiError> {
    let id = existing_tag(account, request.tagid.as_ref())?;
    let openids = followers_batch(account, request.openid_list, MAX_BATCH)?;
    Ok((id, openids))
}

/// A tag id that exists (45159 otherwise).
fn existing_tag(account: &Account, id: Option<&Value>) -> Result<u32, ApiError> {
    id.and_then(lenient_i64)
        .and_then(|id| u32::try_from(id).ok())
        .filter(|id| account.tags.by_id.contains_key(id))
        .ok_or_else(|| ApiError::msg(45159, "invalid tag id"))
}

/// A tag id that may be renamed or deleted: not reserved (45058) and existing (45159).
fn editable_tag(account: &Account, id: Option<&Value>) -> Result<u32, ApiError> {
    let raw = id.and_then(lenient_i64);
    if raw.is_some_and(|id| RESERVED_TAGS.iter().any(|r| i64::from(*r) == id)) {
        return Err(ApiError::msg(45058, "can't modify sys tag"));
    }
    existing_tag(account, id)
}

/// A new tag name: present, at most 30 bytes (45158), not the name of another tag (45157).
fn valid_name(
    account: &Account,
    name: Option<&str>,
    renaming: Option<u32>,
) -> Result<String, ApiError> {
    let name = name.unwrap_or_default();
    if name.is_empty() {
        return Err(ApiError::argument("tag.name"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(ApiError::msg(45158, "tag name too long"));
    }
    let taken = account
        .tags
        .by_id
        .iter()
        .any(|(id, tag)| tag.name == name && Some(*id) != renaming);
    if taken {
        return Err(ApiError::msg(45157, "invalid tag name"));
    }
    Ok(name.to_owned())
}
