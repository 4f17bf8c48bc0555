//! Customer-service agent accounts (api-reference.md §7.3).
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

use std::sync::Arc;

use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::media::Upload;
use super::{Authed, Json, Query, get, parse_json, post, set_field};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::platform::kf::Agent;
use crate::shared::Shared;
use crate::state::Account;

/// Most agents of an account.
const MAX_AGENTS: usize = 10;
/// Longest prefix of a `kf_account`.
const MAX_PREFIX: usize = 10;
/// How long an invitation waits, seconds (7 days).
const INVITE_LIFETIME: i64 = 7 * 86_400;

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

/// Checks the shape of a `kf_account`: 61451, 61452, 61454, 61455.
fn valid_name(kf_account: Option<&str>) -> Result<String, ApiError> {
    let name = kf_account
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::msg(61451, "invalid parameter"))?;
    let Some((prefix, wx)) = name.split_once('@') else {
        return Err(ApiError::msg(61452, "invalid kf_account"));
    };
    if prefix.is_empty() || wx.is_empty() {
        return Err(ApiError::msg(61452, "invalid kf_account"));
    }
    if prefix.chars().count() > MAX_PREFIX {
        return Err(ApiError::msg(61454, "kf_account prefix too long"));
    }
    if !prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::msg(
            61455,
            "kf_account contains illegal characters",
        ));
    }
    Ok(name.to_owned())
}

fn nickname(request: &AccountRequest) -> Result<String, ApiError> {
    request
        .nickname
        .clone()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::msg(61451, "invalid parameter"))
}

/// An existing agent (61452 otherwise).
fn agent<'a>(account: &'a mut Account, name: &str) -> Result<&'a mut Agent, ApiError> {
    account
        .kf
        .agents
        .get_mut(name)
        .ok_or_else(|| ApiError::msg(61452, "invalid kf_account"))
}

async fn add(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<AccountRequest>,
) -> ApiResult {
    let name = valid_name(request.kf_account.as_deref())?;
    let nickname = nickname(&request)?;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    if account.kf.agents.contains_key(&name) {
        return Err(ApiError::msg(61453, "kf_account exsited"));
    }
    if account.kf.agents.len() >= MAX_AGENTS {
        return Err(ApiError::msg(61456, "kf_account count exceeded"));
    }
    let id = account
        .kf
        .agents
        .values()
        .map(|a| a.id)
        .max()
        .unwrap_or(1000)
        + 1;
    account.kf.agents.insert(
        name,
        Agent {
            id,
            nickname,
            headimgurl: String::new(),
            invite_wx: None,
            invite_expire_time: None,
        },
    );
    ok_empty()
}

async fn update(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<AccountRequest>,
) -> ApiResult {
    let name = valid_name(request.kf_account.as_deref())?;
    let nickname = nickname(&request)?;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    agent(account, &name)?.nickname = nickname;
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
            valid_name(request.kf_account.as_deref())?
        }
    };
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account
        .kf
        .agents
        .remove(&name)
        .ok_or_else(|| ApiError::msg(61452, "invalid kf_account"))?;
    ok_empty()
}

async fn invite(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<AccountRequest>,
) -> ApiResult {
    let name = valid_name(request.kf_account.as_deref())?;
    let wx = request
        .invite_wx
        .filter(|w| !w.is_empty())
        .ok_or_else(|| ApiError::msg(65409, "invalid wechat id"))?;
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let agent = agent(account, &name)?;
    agent.invite_wx = Some(wx);
    agent.invite_expire_time = Some(now + INVITE_LIFETIME);
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
    let image = upload
        .filename
        .rsplit_once('.')
        .is_some_and(|(_, e)| matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"));
    if upload.bytes.is_empty() || !image {
        return Err(ApiError::msg(61457, "invalid file type"));
    }
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let agent = agent(account, &name)?;
    agent.headimgurl = format!("http://mmbiz.qpic.cn/mmbiz_jpg/kf{}/300", agent.id);
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
                set_field(
                    &mut item,
                    "invite_status",
                    json!(if expire > now { "waiting" } else { "expired" }),
                );
            }
            item
        })
        .collect();
    ok(json!({"kf_list": agents}))
}

/// Agents online: the sandbox has no agent clients, so every agent is shown online with no
/// session.
async fn online(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let agents: Vec<Value> = account
        .kf.agents
        .iter()
        .map(|(name, agent)| {
            json!({"kf_account": name, "status": 1, "kf_id": agent.id.to_string(), "accepted_case": 0})
        })
        .collect();
    ok(json!({"kf_online_list": agents}))
}
