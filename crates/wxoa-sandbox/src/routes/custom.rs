//! The HTTP side of customer-service messages (api-reference.md §7.1–7.2): every msgtype, the
//! window opened by the follower's last interaction (45015 outside it, 45047 over its message
//! allowance; see [`CsPolicy`](crate::CsPolicy)), 43004 for someone who does not follow, 43019
//! for someone blacklisted, 45008 for more than one article; and the typing indicator. The
//! rules are `platform::custom`'s; this file decodes the requests.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Authed, Json, post};
use crate::error::{ApiResult, ok_empty};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/message/custom/send", post(send))
        .route("/cgi-bin/message/custom/typing", post(typing))
}

#[derive(Debug, Deserialize)]
struct SendRequest {
    #[serde(default)]
    touser: Option<String>,
    #[serde(default)]
    msgtype: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

async fn send(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<SendRequest>,
) -> ApiResult {
    let msgtype = request.msgtype.unwrap_or_default();
    let openid = request.touser.unwrap_or_default();
    let now = shared.clock.now();
    let mut state = shared.state();
    auth.account(&mut state)?.send_custom(
        &openid,
        msgtype,
        request.rest,
        &shared.settings.cs,
        now,
    )?;
    ok_empty()
}

#[derive(Debug, Deserialize)]
struct TypingRequest {
    #[serde(default)]
    touser: Option<String>,
    #[serde(default)]
    command: Option<String>,
}

async fn typing(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<TypingRequest>,
) -> ApiResult {
    let openid = request.touser.unwrap_or_default();
    let now = shared.clock.now();
    let mut state = shared.state();
    auth.account(&mut state)?
        .set_typing(&openid, request.command.as_deref(), now)?;
    ok_empty()
}
