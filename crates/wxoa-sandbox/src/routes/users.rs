//! The HTTP side of users (api-reference.md §3): profiles, batch profiles (≤ 100), the
//! follower list in pages of 10,000 with `next_openid`, and remarks. The rules are
//! `platform::people`'s; this file decodes the requests and encodes the answers (the follower
//! list by hand).

use std::fmt::Write;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;

use super::{Authed, Json, Query, get, post};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::shared::Shared;

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
    account.known(openid)?;
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
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let list = account.user_infos(users.iter().map(|u| u.openid.as_str()))?;
    ok(json!({"user_info_list": list}))
}

async fn list(State(shared): State<Arc<Shared>>, auth: Authed, query: Query) -> ApiResult {
    let page = shared.settings.user_page;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let cursor = account.followers_after(query.get("next_openid"))?;
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
    let mut state = shared.state();
    auth.account(&mut state)?.set_remark(&openid, remark)?;
    ok_empty()
}
