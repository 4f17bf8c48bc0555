//! The HTTP side of marketing conversions (api-reference-2 §9): user-action sets and the
//! conversions reported to them, every path called with `version=v1.0`.
//!
//! | rule | code |
//! |---|---|
//! | `version=v1.0` in the query | 47003 |
//! | `user_action_sets/add`: `type` WEB, IOS or ANDROID (the apps with `mobile_app_id`), a `name`, a `description` of at most 128 bytes | 47003 |
//! | `user_action_sets/get`: `user_action_set_id`, when given, of a set of the account | 47003 |
//! | `user_actions/add`: 1 to 50 `actions` (unconfirmed, configurable), each with a set of the account, `action_type`, `action_time` and `user_id.wechat_openid` | 47003 |
//!
//! Every code here is unconfirmed (the spec names none): 47003 names the field. The rules are
//! `platform::marketing`'s; this file decodes the requests and encodes the answers.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, Query, get, post};
use crate::error::{ApiResult, ok};
use crate::platform::marketing::{NewSet, check_version};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/marketing/user_action_sets/add", post(add_set))
        .route("/marketing/user_action_sets/get", get(sets))
        .route("/marketing/user_actions/add", post(add_actions))
}

async fn add_set(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    query: Query,
    Json(request): Json<NewSet>,
) -> ApiResult {
    check_version(query.get("version"))?;
    let now = shared.clock.now();
    let mut state = shared.state();
    let id = auth.account(&mut state)?.marketing.add_set(request, now)?;
    ok(json!({"errcode": 0, "errmsg": "", "data": {"user_action_set_id": id}}))
}

async fn sets(State(shared): State<Arc<Shared>>, auth: Authed, query: Query) -> ApiResult {
    check_version(query.get("version"))?;
    let mut state = shared.state();
    let list = auth
        .account(&mut state)?
        .marketing
        .sets_json(query.get("user_action_set_id"))?;
    ok(json!({"errcode": 0, "errmsg": "", "data": {"list": list}}))
}

#[derive(Debug, Deserialize)]
struct ActionsRequest {
    #[serde(default)]
    actions: Option<Vec<Value>>,
}

async fn add_actions(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    query: Query,
    Json(request): Json<ActionsRequest>,
) -> ApiResult {
    check_version(query.get("version"))?;
    let mut state = shared.state();
    auth.account(&mut state)?
        .marketing
        .add_actions(request.actions, &shared.settings.marketing)?;
    ok(json!({"errcode": 0, "errmsg": ""}))
}
