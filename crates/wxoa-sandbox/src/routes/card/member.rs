//! The HTTP side of member cards: `card/membercard/activateuserform/set`,
//! `activatetempinfo/get`, `activate`, `updateuser`, `userinfo/get` and `activate/geturl`
//! (every one needs an existing card of type MEMBER_CARD; refusals are 47003 naming the
//! field), and the control API's follower filling in the activation form
//! (`POST /sandbox/card-activation` `{"from", "code", "fields": {name: text or [texts]}}` →
//! the `activate_ticket`, after pushing `submit_membercard_user_info`).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::{ApiResult, ok};
use crate::platform::card::{FormRefusal, MemberChange};
use crate::platform::oauth::nickname_of;
use crate::push::{push, push_in_background};
use crate::routes::sandbox_api::{ControlError, ControlResult, account_index, body, reply};
use crate::routes::{Authed, Json, post};
use crate::shared::Shared;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/card/membercard/activateuserform/set",
            post(set_activation_form),
        )
        .route(
            "/card/membercard/activatetempinfo/get",
            post(activation_info),
        )
        .route("/card/membercard/activate", post(activate))
        .route("/card/membercard/updateuser", post(update_user))
        .route("/card/membercard/userinfo/get", post(user_info))
        .route("/card/membercard/activate/geturl", post(activation_url))
        .route(
            "/sandbox/card-activation",
            axum::routing::post(submit_activation),
        )
}

async fn set_activation_form(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(body): Json<Map<String, Value>>,
) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?.set_activation_form(body)?;
    ok(json!({"errcode": 0, "errmsg": "ok"}))
}

#[derive(Debug, Deserialize)]
struct TicketRequest {
    #[serde(default)]
    activate_ticket: Option<String>,
}

async fn activation_info(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<TicketRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let info = auth
        .account(&mut state)?
        .activation_info(request.activate_ticket.as_deref())?;
    ok(json!({"errcode": 0, "errmsg": "ok", "info": info}))
}

async fn activate(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(body): Json<Map<String, Value>>,
) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?.activate_member(&body)?;
    ok(json!({"errcode": 0, "errmsg": "ok"}))
}

async fn update_user(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(change): Json<MemberChange>,
) -> ApiResult {
    let now = shared.clock.now();
    let (bonus, balance, openid, outgoing) = {
        let mut state = shared.state();
        auth.account(&mut state)?.update_member(change, now)?
    };
    push_in_background(&shared, outgoing);
    ok(json!({"errcode": 0, "errmsg": "ok", "result_bonus": bonus,
              "result_balance": balance, "openid": openid}))
}

#[derive(Debug, Deserialize)]
struct MemberRequest {
    #[serde(default)]
    card_id: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    outer_str: Option<String>,
}

async fn user_info(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MemberRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let view = account.member_view(request.card_id.as_deref(), request.code.as_deref())?;
    let status = account
        .cards
        .code_view(request.code.as_deref(), None, now)?
        .status;
    let sex = match account.profile(&view.openid).sex {
        1 => "MALE",
        2 => "FEMALE",
        _ => "UNKNOWN",
    };
    let member = view.member;
    ok(json!({
        "errcode": 0,
        "errmsg": "ok",
        "openid": view.openid,
        "nickname": nickname_of(&view.openid),
        "membership_number": member.membership_number,
        "bonus": member.bonus,
        "balance": member.balance,
        "sex": sex,
        "user_info": if member.user_info.is_object() {
            member.user_info
        } else {
            json!({"common_field_list": [], "custom_field_list": []})
        },
        "user_card_status": status,
        "has_active": member.activated,
    }))
}

async fn activation_url(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MemberRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let url = auth
        .account(&mut state)?
        .activation_url(request.card_id.as_deref(), request.outer_str.as_deref())?;
    ok(json!({"errcode": 0, "errmsg": "ok", "url": url}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitRequest {
    from: String,
    code: String,
    #[serde(default)]
    fields: Map<String, Value>,
    #[serde(default)]
    app_id: Option<String>,
}

/// A follower fills in the activation form of a member card they hold: the
/// `activate_ticket` their activation page would receive, after the
/// `submit_membercard_user_info` push.
async fn submit_activation(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: SubmitRequest = body(&bytes)?;
    let (ticket, card_id, outgoing) = {
        let now = shared.clock.now();
        let mut state = shared.state();
        let index = account_index(&state, request.app_id.as_deref(), Some(&request.from))?;
        let account = state
            .accounts
            .get_mut(index)
            .ok_or_else(|| ControlError::not_found("no such account"))?;
        account
            .submit_activation(&request.from, &request.code, &request.fields, now)
            .map_err(|refusal| match refusal {
                FormRefusal::NoCode(..) => ControlError::not_found(refusal.to_string()),
                _ => ControlError::bad(refusal.to_string()),
            })?
    };
    let record = push(&shared, outgoing).await;
    reply(json!({
        "activate_ticket": ticket,
        "card_id": card_id,
        "code": request.code,
        "push": record.summary(),
    }))
}
