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

use super::custom::reachable;
use super::{Authed, Json, Query, get, lenient_i64, post};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::shared::Shared;
use crate::state::{Account, KfRecord, KfSession};

/// Most records kept; older ones are forgotten.
const MAX_RECORDS: usize = 100_000;
/// Most records one `getmsglist` answers.
const MAX_PAGE: i64 = 10_000;
/// Longest span one `getmsglist` covers, seconds.
const MAX_SPAN: i64 = 86_400;
/// Most waiting followers `getwaitcase` lists.
const MAX_WAITING: usize = 100;

/// Record codes (`opercode`).
const WAITING: u32 = 1000;
const TAKEN: u32 = 1001;
const OPENED: u32 = 1002;
const CLOSED: u32 = 1004;
const ACCOUNT_RECEIVED: u32 = 2001;
const AGENT_SENT: u32 = 2002;
const AGENT_RECEIVED: u32 = 2003;

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

/// The agent named, which must exist (65401).
fn agent_of(account: &Account, kf_account: Option<&str>) -> Result<String, ApiError> {
    kf_account
        .filter(|name| account.agents.contains_key(*name))
        .map(str::to_owned)
        .ok_or_else(|| ApiError::msg(65401, "invalid kf_account"))
}

/// The follower named, who must be reachable.
fn follower_of(account: &Account, openid: Option<&str>) -> Result<String, ApiError> {
    let openid = openid
        .filter(|o| !o.is_empty())
        .ok_or_else(|| ApiError::msg(41009, "missing openid"))?;
    reachable(account, openid)?;
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
    let agent = agent_of(account, request.kf_account.as_deref())?;
    let openid = follower_of(account, request.openid.as_deref())?;
    match account.kf.sessions.get(&openid) {
        Some(session) if session.kf_account == agent => return ok_empty(),
        Some(_) => return Err(ApiError::msg(65414, "user is being served by another kf")),
        None => {}
    }
    let code = if account.kf.waiting.remove(&openid).is_some() {
        TAKEN
    } else {
        OPENED
    };
    open_session(account, &openid, &agent, code, now);
    ok_empty()
}

fn open_session(account: &mut Account, openid: &str, agent: &str, code: u32, now: i64) {
    account.kf.sessions.insert(
        openid.to_owned(),
        KfSession {
            kf_account: agent.to_owned(),
            created_at: now,
        },
    );
    record(account, openid, code, "", agent, now);
}

async fn close(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<SessionRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let agent = agent_of(account, request.kf_account.as_deref())?;
    let openid = request.openid.unwrap_or_default();
    let open = account
        .kf
        .sessions
        .get(&openid)
        .is_some_and(|s| s.kf_account == agent);
    if !open {
        return Err(ApiError::msg(65413, "no session for this user"));
    }
    account.kf.sessions.remove(&openid);
    record(account, &openid, CLOSED, "", &agent, now);
    ok_empty()
}

async fn session_of(State(shared): State<Arc<Shared>>, auth: Authed, query: Query) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let openid = follower_of(account, query.get("openid"))?;
    let (agent, created) = account
        .kf
        .sessions
        .get(&openid)
        .map_or(("", 0), |s| (s.kf_account.as_str(), s.created_at));
    ok(json!({"errcode": 0, "errmsg": "ok", "kf_account": agent, "createtime": created}))
}

async fn sessions_of(State(shared): State<Arc<Shared>>, auth: Authed, query: Query) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let agent = agent_of(account, query.get("kf_account"))?;
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
    let mut list: Vec<(&String, &i64)> = account.kf.waiting.iter().collect();
    list.sort_by_key(|(_, at)| **at);
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
    let page: Vec<&KfRecord> = account
        .kf
        .records
        .iter()
        .filter(|r| r.id >= from && (start..=end).contains(&r.time))
        .take(usize::try_from(count).unwrap_or(0))
        .collect();
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

fn record(account: &mut Account, openid: &str, opercode: u32, text: &str, worker: &str, at: i64) {
    let kf = &mut account.kf;
    kf.last_record += 1;
    if kf.records.len() >= MAX_RECORDS {
        kf.records.remove(0);
    }
    kf.records.push(KfRecord {
        id: kf.last_record,
        openid: openid.to_owned(),
        opercode,
        text: text.to_owned(),
        time: at,
        worker: worker.to_owned(),
    });
}

/// The account's server transferred a follower's message to customer service: the follower
/// waits for an agent, or goes straight to the agent the reply named (if it exists), or stays
/// with the agent of their open session.
pub(crate) fn transfer(
    account: &mut Account,
    openid: &str,
    agent: Option<&str>,
    text: &str,
    now: i64,
) {
    if account.kf.sessions.contains_key(openid) {
        // Already with an agent, who received the message (`follower_wrote`).
        return;
    }
    match agent.filter(|a| account.agents.contains_key(*a)) {
        Some(agent) => {
            let agent = agent.to_owned();
            open_session(account, openid, &agent, TAKEN, now);
            record(account, openid, AGENT_RECEIVED, text, &agent, now);
        }
        None => {
            if account.kf.waiting.insert(openid.to_owned(), now).is_none() {
                record(account, openid, WAITING, "", "", now);
            }
            record(account, openid, ACCOUNT_RECEIVED, text, "", now);
        }
    }
}

/// A follower in a session wrote: the agent received it.
pub(crate) fn follower_wrote(account: &mut Account, openid: &str, text: &str, now: i64) {
    if let Some(session) = account.kf.sessions.get(openid) {
        let agent = session.kf_account.clone();
        record(account, openid, AGENT_RECEIVED, text, &agent, now);
    }
}

/// A customer-service message went out: in the record when an agent sent it (named in
/// `customservice.kf_account`, or the agent of the follower's session).
pub(crate) fn agent_sent(
    account: &mut Account,
    openid: &str,
    named: Option<&str>,
    text: &str,
    now: i64,
) {
    let agent = named.map(str::to_owned).or_else(|| {
        account
            .kf
            .sessions
            .get(openid)
            .map(|s| s.kf_account.clone())
    });
    if let Some(agent) = agent {
        record(account, openid, AGENT_SENT, text, &agent, now);
    }
}

/// The text a record shows for a message: its text, or its kind in brackets.
pub(crate) fn record_text(msg_type: &str, content: Option<&str>) -> String {
    match content {
        Some(text) if msg_type == "text" => text.to_owned(),
        _ => format!("[{msg_type}]"),
    }
}
