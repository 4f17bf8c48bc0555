//! Users (api-reference.md §3): profiles, batch profiles (≤ 100), the follower list in pages
//! of 10,000 with `next_openid`, and remarks.

use std::fmt::Write;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;

use super::{Authed, Json, Query, get, post};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::followers::Cursor;
use crate::platform::people::Who;
use crate::shared::Shared;
use crate::state::Account;

/// Most users `user/info/batchget` answers for.
const BATCHGET_MAX: usize = 100;
/// A remark must be shorter than this many characters.
const REMARK_MAX_CHARS: usize = 30;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/user/info", get(info))
        .route("/cgi-bin/user/info/batchget", post(batchget))
        .route("/cgi-bin/user/get", get(list))
        .route("/cgi-bin/user/info/updateremark", post(update_remark))
}

async fn info(State(shared): State<Arc<Shared>>, auth: Authed, query: Query) -> ApiResult {
    let openid = query
        .get("openid")
        .ok_or_else(|| ApiError::msg(41009, "missing openid"))?;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    known(account, openid)?;
    ok(account.user_info(openid))
}

#[derive(Debug, Deserialize)]
struct BatchRequest {
    user_list: Option<Vec<BatchUser>>,
}

#[derive(Debug, Deserialize)]
struct BatchUser {
    openid: String,
}

async fn batchget(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<BatchRequest>,
) -> ApiResult {
    let users = request.user_list.unwrap_or_default();
    if users.is_empty() {
        return Err(ApiError::msg(40031, "invalid openid list"));
    }
    if users.len() > BATCHGET_MAX {
        return Err(ApiError::msg(40032, "invalid openid list size"));
    }
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let mut list = Vec::with_capacity(users.len());
    for user in &users {
        known(account, &user.openid)?;
        list.push(account.user_info(&user.openid));
    }
    ok(json!({"user_info_list": list}))
}

async fn list(State(shared): State<Arc<Shared>>, auth: Authed, query: Query) -> ApiResult {
    let page = shared.settings.user_page;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let cursor = match query.get("next_openid") {
        None => Cursor::Start,
        Some(openid) => account
            .audience
            .followers
            .cursor_after(openid, account.index_of(openid))
            .ok_or_else(|| ApiError::msg(40003, "invalid openid"))?,
    };
    let total = account.audience.followers.total();
    // Written by hand: a page is 10,000 OpenIDs, which only hold `[A-Za-z0-9_-]`.
    let mut body = String::with_capacity(64 + page.min(10_000) * 31);
    let _ = write!(body, "{{\"total\":{total},\"count\":");
    let mut openids = String::with_capacity(page.min(10_000) * 31);
    let mut count = 0usize;
    let mut last = 0..0;
    account.audience.followers.page(cursor, page, |member| {
        if count > 0 {
            openids.push(',');
        }
        openids.push('"');
        let start = openids.len();
        account.openid_of(member, &mut openids);
        last = start..openids.len();
        openids.push('"');
        count += 1;
    });
    if count == 0 {
        body.push_str("0,\"next_openid\":\"\"}");
    } else {
        let next = openids.get(last).unwrap_or_default();
        let _ = write!(
            body,
            "{count},\"data\":{{\"openid\":[{openids}]}},\"next_openid\":\"{next}\"}}"
        );
    }
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
struct RemarkRequest {
    openid: Option<String>,
    remark: Option<String>,
}

async fn update_remark(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<RemarkRequest>,
) -> ApiResult {
    let openid = request
        .openid
        .filter(|o| !o.is_empty())
        .ok_or_else(|| ApiError::msg(41009, "missing openid"))?;
    let remark = request.remark.unwrap_or_default();
    if remark.chars().count() >= REMARK_MAX_CHARS {
        return Err(ApiError::argument("remark"));
    }
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account.check_following(&openid)?;
    account.person_mut(&openid).remark = remark;
    ok_empty()
}

/// 40003 unless the account knows `openid` (a follower now or before).
pub(crate) fn known(account: &Account, openid: &str) -> Result<(), ApiError> {
    match account.who(openid) {
        Who::Unknown => Err(ApiError::msg(40003, "invalid openid")),
        _ => Ok(()),
    }
}
