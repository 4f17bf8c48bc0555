//! The HTTP side of customer-service agent accounts (api-reference.md §7.3); the rules below
//! are `platform::kf`'s, this file decodes the requests and encodes the answers.
//!
//! | rule | code |
//! |---|---|
//! | `kf_account` and `nickname` present | 61451 |
//! | `kf_account` is `prefix@account` | 61452 |
//! | the prefix has at most 10 characters, letters and digits only | 61454 / 61455 |
//! | an account that exists already; one that does not (update, delete, invite, avatar) | 61453 / 61452 |
//! | at most 10 agents | 61456 |
//! | an avatar is a jpg or png image | 61457 |
//! | an invitation names a WeChat id | 65409 |
//!
//! The sandbox has no agent clients: agents start bound to a WeChat id and online, and the
//! control API (`POST /sandbox/kf-agent {"kf_account", "bound"?, "online"?}`) changes either,
//! so that a session with an unbound (65402) or offline (65415) agent can be refused.

use std::sync::Arc;

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::sandbox_api::{ControlError, ControlResult, body, pick_account_mut, reply};
use super::{Authed, Json, Query, Upload, get, parse_json, post, set_field};
use crate::error::{ApiResult, ok, ok_empty};
use crate::platform::kf::{KfState, valid_agent_name};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/customservice/kfaccount/add", post(add))
        .route("/customservice/kfaccount/update", post(update))
        .route(
            "/customservice/kfaccount/del",
            axum::routing::get(delete).post(delete),
        )
        .route("/customservice/kfaccount/inviteworker", post(invite))
        .route("/customservice/kfaccount/uploadheadimg", post(avatar))
        .route("/cgi-bin/customservice/getkflist", get(list))
        .route("/cgi-bin/customservice/getonlinekflist", get(online))
        .route("/sandbox/kf-agent", axum::routing::post(agent_state))
}

#[derive(Debug, Deserialize)]
struct AccountRequest {
    #[serde(default)]
    kf_account: Option<String>,
    #[serde(default)]
    nickname: Option<String>,
    #[serde(default)]
    invite_wx: Option<String>,
}

async fn add(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<AccountRequest>,
) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?
        .kf
        .add_agent(request.kf_account.as_deref(), request.nickname.as_deref())?;
    ok_empty()
}

async fn update(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<AccountRequest>,
) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?
        .kf
        .rename_agent(request.kf_account.as_deref(), request.nickname.as_deref())?;
    ok_empty()
}

/// `kfaccount/del`: the account in the query (GET, as wechatpy and WxJava send it) or in a JSON
/// body (POST, as other SDKs do).
async fn delete(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    query: Query,
    body: Bytes,
) -> ApiResult {
    let name = match query.get("kf_account") {
        Some(name) => name.to_owned(),
        None => {
            let request: AccountRequest = parse_json(&body)?;
            valid_agent_name(request.kf_account.as_deref())?
        }
    };
    let mut state = shared.state();
    auth.account(&mut state)?.kf.remove_agent(&name)?;
    ok_empty()
}

async fn invite(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<AccountRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    auth.account(&mut state)?.kf.invite_agent(
        request.kf_account.as_deref(),
        request.invite_wx.as_deref(),
        now,
    )?;
    ok_empty()
}

async fn avatar(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    query: Query,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult {
    let name = query.get("kf_account").unwrap_or_default().to_owned();
    let upload = Upload::read(multipart).await?;
    let mut state = shared.state();
    auth.account(&mut state)?
        .kf
        .set_agent_avatar(&name, &upload.filename, &upload.bytes)?;
    ok_empty()
}

async fn list(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let agents: Vec<Value> = account
        .kf
        .agents
        .iter()
        .map(|(name, agent)| {
            let mut item = json!({
                "kf_account": name,
                "kf_nick": agent.nickname,
                "kf_id": agent.id.to_string(),
                "kf_headimgurl": agent.headimgurl,
            });
            if let (Some(wx), Some(expire)) = (&agent.invite_wx, agent.invite_expire_time) {
                set_field(&mut item, "invite_wx", json!(wx));
                set_field(&mut item, "invite_expire_time", json!(expire));
                let status = KfState::invite_status(expire, now);
                set_field(&mut item, "invite_status", json!(status));
            }
            item
        })
        .collect();
    ok(json!({"kf_list": agents}))
}

/// Agents online: the sandbox has no agent clients, so every agent is online (with no
/// session counted) unless the control API took it offline.
async fn online(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let agents: Vec<Value> = account
        .kf.agents
        .iter()
        .filter(|(_, agent)| !agent.offline)
        .map(|(name, agent)| {
            json!({"kf_account": name, "status": 1, "kf_id": agent.id.to_string(), "accepted_case": 0})
        })
        .collect();
    ok(json!({"kf_online_list": agents}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentStateRequest {
    kf_account: String,
    #[serde(default)]
    bound: Option<bool>,
    #[serde(default)]
    online: Option<bool>,
    #[serde(default)]
    app_id: Option<String>,
}

/// `POST /sandbox/kf-agent`: an agent of the account bound to a WeChat id or not, online or
/// not (agents start bound and online); 404 for an unknown agent.
async fn agent_state(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: AgentStateRequest = body(&bytes)?;
    let mut state = shared.state();
    let account = pick_account_mut(&mut state, request.app_id.as_deref())?;
    if !account
        .kf
        .set_agent_state(&request.kf_account, request.bound, request.online)
    {
        return Err(ControlError::not_found(format!(
            "the account has no agent {}",
            request.kf_account
        )));
    }
    drop(state);
    shared.touch();
    reply(json!({"ok": true}))
}
