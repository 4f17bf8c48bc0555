//! The HTTP side of customer-service sessions and the message record (api-reference.md §7.3,
//! "Session control"): an agent opens or closes a session with a follower, the sessions of a
//! follower and of an agent, the followers waiting for an agent (those whose message the account's
//! server transferred with a `transfer_customer_service` reply), and the record of what was said.
//!
//! | rule | code |
//! |---|---|
//! | the account has the new customer-service system (`AccountConfig::new_kf`) | 65400 |
//! | `kf_account` names an agent of the account | 65401 |
//! | `create`: the agent is bound to a WeChat id and online (see `routes/kf`) | 65402 / 65415 |
//! | the follower is in a session with another agent | 65414 |
//! | closing a session that is not open | 65413 |
//! | `openid` of a follower (missing 41009; unknown 40003; blacklisted 43019; not following 43004) | |
//! | `msgrecord`: `number` 1 to 10,000, `msgid` ≥ 1, `starttime` < `endtime` | 65416 |
//! | `msgrecord`: at most 24 hours at a time | 65417 |
//!
//! The codes 65413 to 65417 are the platform's (the spec groups 65400–65412 as "new
//! customer-service system errors" without detail). Every route here reaches the account
//! through [`kf_account`], which answers 65400 for an account without the new system. The sandbox has no agent clients: every
//! agent counts as bound and online until the control API says otherwise, and sessions change
//! only through this API and transfers. The rules
//! are `platform::kf`'s; this file decodes the requests and encodes the answers.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, Query, get, post};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::platform::kf::SessionChange;
use crate::shared::Shared;
use crate::state::Account;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/customservice/kfsession/create", post(create))
        .route("/customservice/kfsession/close", post(close))
        .route("/customservice/kfsession/getsession", get(session_of))
        .route("/customservice/kfsession/getsessionlist", get(sessions_of))
        .route("/customservice/kfsession/getwaitcase", get(waiting))
        .route("/customservice/msgrecord/getmsglist", post(records))
}

/// The calling account, when it has the new customer-service system (65400 otherwise).
fn kf_account<'s>(
    auth: &Authed,
    state: &'s mut crate::state::State,
) -> Result<&'s mut Account, ApiError> {
    let account = auth.account(state)?;
    if account.old_kf {
        return Err(ApiError::msg(
            65400,
            "api unavailable: the new customer-service system is not enabled",
        ));
    }
    Ok(account)
}

#[derive(Debug, Deserialize)]
struct SessionRequest {
    #[serde(default)]
    kf_account: Option<String>,
    #[serde(default)]
    openid: Option<String>,
}

async fn create(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<SessionRequest>,
) -> ApiResult {
    change(&shared, &auth, request, SessionChange::Open)
}

async fn close(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<SessionRequest>,
) -> ApiResult {
    change(&shared, &auth, request, SessionChange::Close)
}

fn change(
    shared: &Shared,
    auth: &Authed,
    request: SessionRequest,
    change: SessionChange,
) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    kf_account(auth, &mut state)?.change_kf_session(
        change,
        request.kf_account.as_deref(),
        request.openid.as_deref(),
        now,
    )?;
    ok_empty()
}

async fn session_of(State(shared): State<Arc<Shared>>, auth: Authed, query: Query) -> ApiResult {
    let mut state = shared.state();
    let account = kf_account(&auth, &mut state)?;
    let (agent, created) = account.kf_session_of(query.get("openid"))?;
    ok(json!({"errcode": 0, "errmsg": "ok", "kf_account": agent, "createtime": created}))
}

async fn sessions_of(State(shared): State<Arc<Shared>>, auth: Authed, query: Query) -> ApiResult {
    let mut state = shared.state();
    let account = kf_account(&auth, &mut state)?;
    let list: Vec<Value> = account
        .kf
        .sessions_of_agent(query.get("kf_account"))?
        .into_iter()
        .map(|(openid, created)| json!({"openid": openid, "createtime": created}))
        .collect();
    ok(json!({"sessionlist": list}))
}

async fn waiting(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = kf_account(&auth, &mut state)?;
    let (count, first) = account.kf.waiting_first();
    let shown: Vec<Value> = first
        .iter()
        .map(|(openid, at)| json!({"openid": openid, "latest_time": at}))
        .collect();
    ok(json!({"count": count, "waitcaselist": shown}))
}

#[derive(Debug, Deserialize)]
struct RecordRequest {
    #[serde(default)]
    starttime: Option<Value>,
    #[serde(default)]
    endtime: Option<Value>,
    #[serde(default)]
    msgid: Option<Value>,
    #[serde(default)]
    number: Option<Value>,
}

async fn records(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<RecordRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = kf_account(&auth, &mut state)?;
    let (page, next) = account.kf.records_page(
        request.starttime.as_ref(),
        request.endtime.as_ref(),
        request.msgid.as_ref(),
        request.number.as_ref(),
    )?;
    let list: Vec<Value> = page
        .iter()
        .map(|r| {
            json!({"openid": r.openid, "opercode": r.opercode, "text": r.text,
                   "time": r.time, "worker": r.worker})
        })
        .collect();
    ok(json!({"recordlist": list, "number": list.len(), "msgid": next}))
}
