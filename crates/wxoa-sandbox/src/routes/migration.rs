//! The HTTP side of account migration (api-reference-2 §6): `changeopenid` turns OpenIDs of
//! the old account (`wxoa sandbox --migrate-from APPID`) into OpenIDs of the caller's.
//!
//! | rule | code |
//! |---|---|
//! | `from_appid`: the AppID (or original id `gh_…`) of an account | 63178 |
//! | the caller took that account over, at most 15 days ago | 63183 |
//! | `openid_list`: at least one OpenID | 63182 |
//! | `openid_list`: at most 100 OpenIDs (code unconfirmed, configurable) | 40032 |
//! | per OpenID: a follower of the old account, else `err_msg` `ori_openid error` | |
//!
//! The rules are `platform::migration`'s; this file decodes the request and encodes the answer.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;

use super::{Authed, Json, post};
use crate::error::{ApiError, ApiResult, ok};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/cgi-bin/changeopenid", post(change_openids))
}

#[derive(Debug, Deserialize)]
struct ChangeRequest {
    #[serde(default)]
    from_appid: Option<String>,
    #[serde(default)]
    openid_list: Option<Vec<String>>,
}

async fn change_openids(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<ChangeRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let index = state
        .accounts
        .iter()
        .position(|a| a.app_id == auth.app_id)
        .ok_or_else(|| ApiError::msg(40014, "invalid access_token"))?;
    let results = state.change_openids(
        index,
        request.from_appid.as_deref(),
        request.openid_list,
        &shared.settings.migration,
        now,
    )?;
    ok(json!({"errcode": 0, "errmsg": "ok", "result_list": results}))
}
