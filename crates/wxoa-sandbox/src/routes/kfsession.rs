//! Customer-service sessions and the message record (api-reference.md §7.3, "Session
//! control"): an agent opens or closes a session with a follower, the sessions of a follower
//! and of an agent, the followers waiting for an agent (those whose message the account's
//! server transferred with a `transfer_customer_service` reply), and the record of what was
//! said.
//!
//! | rule | code |
//! |---|---|
//! | `kf_account` names an agent of the account | 65401 |
//! | the follower is in a session with another agent | 65414 |
//! | closing a session that is not open | 65413 |
//! | `openid` of a follower (missing 41009; unknown 40003; blacklisted 43019; not following 43004) | |
//! | `msgrecord`: `number` 1 to 10,000, `msgid` ≥ 1, `starttime` < `endtime` | 65416 |
//! | `msgrecord`: at most 24 hours at a time | 65417 |
//!
//! The codes 65413 to 65417 are the platform's (the spec groups 65400–65412 as "new
//! customer-service system errors" without detail). The sandbox has no agent clients: every
//! agent counts as online, and sessions change only through this API and transfers.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, Query, get, lenient_i64, post};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::platform::kf::KfRecord;
use crate::shared::Shared;
use crate::state::Account;

/// Most records one `getmsglist` answers.
const MAX_PAGE: i64 = 10_000;
/// Longest span one `getmsglist` covers, seconds.
const MAX_SPAN: i64 = 86_400;
/// Most waiting followers `getwaitcase` lists.
const MAX_WAITING: usize = 100;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/customservice/kfsession/create", post(create))
        .route("/customservice/kfsession/close", post(close))
        .route("/customservice/kfsession/getsession", get(session_of))
        .route("/customservice/kfsession/getsessionlist", get(sessions_of))
        .route("/customservice/kfsession/getwaitcase", get(waiting))
        .route("/customservice/msgrecord/getmsglist", post(records))
}

#[derive(Debug, Deserialize)]
struct SessionRequest {
    #[serde(default)]
    kf_account: Option<String>,
    #[serde(default)]
    openid: Option<String>,
}

/// The follower named, who must be reachable.
fn follower_of(account: &Account, openid: Option<&str>) -> Result<String, ApiError> {
    let openid = openid
        .filter(|o| !o.is_empty())
        .ok_or_else(|| ApiError::msg(41009, "missing openid"))?;
    account.reachable(openid)?;
    Ok(openid.to_owned())
}

async fn create(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<SessionRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let agent = account.kf.agent_named(request.kf_account.as_deref())?;
    let openid = follower_of(account, request.openid.as_deref())?;
    account.kf.open(&openid, &agent, now)?;
    ok_empty()
}

async fn close(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<SessionRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let agent = account.kf.agent_named(request.kf_account.as_deref())?;
    let openid = request.openid.unwrap_or_default();
    account.kf.close(&openid, &agent, now)?;
    ok_empty()
}

async fn session_of(State(shared): State<Arc<Shared>>, auth: Authed, query: Query) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let openid = follower_of(account, query.get("openid"))?;
    let (agent, created) = account.kf.session_of(&openid);
    ok(json!({"errcode": 0, "errmsg": "ok", "kf_account": agent, "createtime": created}))
}

async fn sessions_of(State(shared): State<Arc<Shared>>, auth: Authed, query: Query) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let agent = account.kf.agent_named(query.get("kf_account"))?;
    let list: Vec<Value> = account
        .kf
        .sessions
        .iter()
        .filter(|(_, s)| s.kf_account == agent)
        .map(|(openid, s)| json!({"openid": openid, "createtime": s.created_at}))
        .collect();
    ok(json!({"sessionlist": list}))
}

async fn waiting(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let list = account.kf.waiting_first();
    let shown: Vec<Value> = list
        .iter()
        .take(MAX_WAITING)
        .map(|(openid, at)| json!({"openid": openid, "latest_time": at}))
        .collect();
    ok(json!({"count": list.len(), "waitcaselist": shown}))
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
    let number = |value: &Option<Value>| value.as_ref().and_then(lenient_i64);
    let invalid = || ApiError::msg(65416, "invalid parameter");
    let (Some(start), Some(end)) = (number(&request.starttime), number(&request.endtime)) else {
        return Err(invalid());
    };
    let from = number(&request.msgid).unwrap_or(1);
    let count = number(&request.number).unwrap_or(MAX_PAGE);
    if start >= end || from < 1 || !(1..=MAX_PAGE).contains(&count) {
        return Err(invalid());
    }
    if end.saturating_sub(start) > MAX_SPAN {
        return Err(ApiError::msg(65417, "time range exceeds one day"));
    }
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let from = u64::try_from(from).unwrap_or(1);
    let page: Vec<&KfRecord> =
        account
            .kf
            .records_page(from, start, end, usize::try_from(count).unwrap_or(0));
    let next = page.last().map_or(from, |r| r.id + 1);
    let list: Vec<Value> = page
        .iter()
        .map(|r| {
            json!({"openid": r.openid, "opercode": r.opercode, "text": r.text,
                   "time": r.time, "worker": r.worker})
        })
        .collect();
    ok(json!({"recordlist": list, "number": list.len(), "msgid": next}))
}
