//! The HTTP side of the blacklist (api-reference.md §6): batches of at most 20 OpenIDs, pages
//! of 10,000 (configurable). Blacklisted followers receive no messages (43019). The rules are
//! `platform::people`'s.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;

use super::{Authed, Json, page_of, post};
use crate::error::{ApiResult, ok, ok_empty};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/tags/members/getblacklist", post(list))
        .route("/cgi-bin/tags/members/batchblacklist", post(block))
        .route("/cgi-bin/tags/members/batchunblacklist", post(unblock))
}

#[derive(Debug, Deserialize)]
struct ListRequest {
    #[serde(default)]
    begin_openid: Option<String>,
}

async fn list(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<ListRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    ok(page_of(
        &account.audience.blacklist,
        request.begin_openid.as_deref(),
        shared.settings.blacklist_page,
        Some(account.audience.blacklist.len()),
    ))
}

#[derive(Debug, Deserialize)]
struct BatchRequest {
    openid_list: Option<Vec<String>>,
}

async fn block(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<BatchRequest>,
) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?.block(request.openid_list)?;
    ok_empty()
}

async fn unblock(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<BatchRequest>,
) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?.unblock(request.openid_list)?;
    ok_empty()
}
