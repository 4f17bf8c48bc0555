//! The HTTP side of cards (api-reference.md §17, api-reference-2 §10): create with the required
//! `base_info` (MEMBER_CARD with its `prerogative`), read, list, update (a new `title` or
//! `logo_url` answers `send_check: true` and pushes a new `card_pass_check`), change stock, delete, and card QR codes whose scan gives the follower the card
//! (`user_get_card`) with a 12-digit code. A created card passes review at once:
//! `card_pass_check` is pushed. Codes: `card/code/get` (status and validity), `consume` (once;
//! pushes `user_consume_card`), `decrypt` (the `encrypt_code` the card's pages receive, listed by
//! `GET /sandbox/cards/{openid}`), `update` (a new code) and `unavailable`.
//!
//! Every refusal is 47003 naming the field (the spec gives no card-specific codes):
//! `card_type` one of GROUPON, CASH, DISCOUNT, GIFT, GENERAL_COUPON, MEMBER_CARD with its own
//! field (`deal_detail`, `least_cost` + `reduce_cost`, `discount`, `gift`, `default_detail`);
//! `base_info` with `logo_url`, `brand_name` (≤ 12 characters), `code_type` (one of the six),
//! `title` (≤ 9), `color` (Color010 … Color102), `notice` (≤ 16), `description` (≤ 1,024),
//! `sku.quantity` (≤ 100,000,000) and `date_info` (a fixed range ending after it starts, or a
//! fixed term: `fixed_term` 1 to 36,500 days starting `fixed_begin_term` 0 to 36,500 days after
//! the card is taken — the platform names no upper bound, and a century keeps the dates
//! computable); QR codes of existing cards, at most 5 for `QR_MULTIPLE_CARD`, with an
//! `expire_seconds` of 60 to 1,800 when given (the platform's card docs); `card/update`
//! with the card's own type and the same rules for the card it makes (stock changes go through
//! `modifystock`: `sku` cannot be updated); a known `code` (of the `card_id` when given) that is
//! still `NORMAL` to consume, update or make unavailable; a `new_code` no other code has.
//! Deposited codes, the whitelist, landing pages, article HTML and a follower's cards are
//! `more.rs`; member cards `member.rs`.
//!
//! The rules are `platform::card`'s; this file decodes the requests and encodes the answers.

mod member;
mod more;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Authed, Json, lenient_i64, post};
use crate::error::{ApiResult, ok};
use crate::push::push_in_background;
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/card/create", post(create))
        .route("/card/get", post(get_card))
        .route("/card/batchget", post(batchget))
        .route("/card/modifystock", post(modify_stock))
        .route("/card/delete", post(delete))
        .route("/card/qrcode/create", post(qrcode))
        .route("/card/update", post(update))
        .route("/card/code/get", post(code_get))
        .route("/card/code/consume", post(code_consume))
        .route("/card/code/decrypt", post(code_decrypt))
        .route("/card/code/update", post(code_update))
        .route("/card/code/unavailable", post(code_unavailable))
        .route("/sandbox/cards/{openid}", axum::routing::get(held))
        .merge(member::routes())
        .merge(more::routes())
}

#[derive(Debug, Deserialize)]
struct CreateRequest {
    #[serde(default)]
    card: Option<Value>,
}

async fn create(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CreateRequest>,
) -> ApiResult {
    let card = request.card.unwrap_or(Value::Null);
    let now = shared.clock.now();
    let manual = shared.settings.cards.manual_review;
    let (card_id, outgoing) = {
        let mut state = shared.state();
        auth.account(&mut state)?.create_card(card, now, manual)?
    };
    if let Some(outgoing) = outgoing {
        push_in_background(&shared, outgoing);
    }
    ok(json!({"errcode": 0, "errmsg": "ok", "card_id": card_id}))
}

#[derive(Debug, Deserialize)]
struct CardRequest {
    #[serde(default)]
    card_id: Option<String>,
    #[serde(default)]
    increase_stock_value: Option<Value>,
    #[serde(default)]
    reduce_stock_value: Option<Value>,
}

async fn get_card(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CardRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let card = account.cards.get(request.card_id.as_deref())?;
    ok(json!({"errcode": 0, "errmsg": "ok", "card": card}))
}

#[derive(Debug, Deserialize)]
struct BatchRequest {
    #[serde(default)]
    offset: Option<Value>,
    #[serde(default)]
    count: Option<Value>,
}

async fn batchget(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<BatchRequest>,
) -> ApiResult {
    let offset = request.offset.as_ref().and_then(lenient_i64).unwrap_or(0);
    let count = request.count.as_ref().and_then(lenient_i64);
    let mut state = shared.state();
    let cards = &auth.account(&mut state)?.cards;
    let ids = cards.page(offset, count)?;
    ok(json!({"errcode": 0, "errmsg": "ok", "card_id_list": ids, "total_num": cards.by_id.len()}))
}

async fn modify_stock(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CardRequest>,
) -> ApiResult {
    let amount = |value: &Option<Value>| value.as_ref().and_then(lenient_i64).unwrap_or(0);
    let up = amount(&request.increase_stock_value);
    let down = amount(&request.reduce_stock_value);
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account
        .cards
        .modify_stock(request.card_id.as_deref(), up, down)?;
    ok(json!({"errcode": 0, "errmsg": "ok"}))
}

async fn delete(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CardRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account.cards.delete(request.card_id.as_deref())?;
    ok(json!({"errcode": 0, "errmsg": "ok"}))
}

#[derive(Debug, Deserialize)]
struct QrRequest {
    #[serde(default)]
    action_name: Option<String>,
    #[serde(default)]
    expire_seconds: Option<Value>,
    #[serde(default)]
    action_info: Option<Value>,
}

async fn qrcode(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    headers: HeaderMap,
    Json(request): Json<QrRequest>,
) -> ApiResult {
    let info = request.action_info.unwrap_or(Value::Null);
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let (code, expire) = account.card_qrcode(
        request.action_name,
        request.expire_seconds.as_ref(),
        &info,
        now,
    )?;
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let show = url::Url::parse_with_params(
        &format!("http://{host}/cgi-bin/showqrcode"),
        &[("ticket", code.ticket.as_str())],
    )
    .map(String::from)
    .unwrap_or_default();
    ok(json!({
        "errcode": 0,
        "errmsg": "ok",
        "ticket": code.ticket,
        "expire_seconds": expire,
        "url": code.url,
        "show_qrcode_url": show,
    }))
}

#[derive(Debug, Deserialize)]
struct UpdateRequest {
    #[serde(default)]
    card_id: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// `card/update`: fields of the card's own type object and of its `base_info` replaced; a new
/// title or logo sends the card back to review (`send_check`, then `card_pass_check`).
async fn update(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<UpdateRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let (send_check, outgoing) = {
        let mut state = shared.state();
        let account = auth.account(&mut state)?;
        let manual = shared.settings.cards.manual_review;
        account.update_card(request.card_id.as_deref(), request.rest, now, manual)?
    };
    if let Some(outgoing) = outgoing {
        push_in_background(&shared, outgoing);
    }
    ok(json!({"errcode": 0, "errmsg": "ok", "send_check": send_check}))
}

#[derive(Debug, Deserialize)]
struct CodeRequest {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    card_id: Option<String>,
    #[serde(default)]
    new_code: Option<String>,
}

async fn code_get(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CodeRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let view = account
        .cards
        .code_view(request.code.as_deref(), request.card_id.as_deref(), now)?;
    ok(json!({
        "errcode": 0,
        "errmsg": "ok",
        "card": {"card_id": view.code.card_id, "begin_time": view.begin, "end_time": view.end,
                 "code": request.code},
        "openid": view.code.openid,
        "can_consume": view.can_consume,
        "user_card_status": view.status,
    }))
}

async fn code_consume(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CodeRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let (card_id, openid, outgoing) = {
        let mut state = shared.state();
        let account = auth.account(&mut state)?;
        account.consume_code(request.code.as_deref(), request.card_id.as_deref(), now)?
    };
    push_in_background(&shared, outgoing);
    ok(json!({"errcode": 0, "errmsg": "ok", "card": {"card_id": card_id}, "openid": openid}))
}

#[derive(Debug, Deserialize)]
struct DecryptRequest {
    #[serde(default)]
    encrypt_code: Option<String>,
}

async fn code_decrypt(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<DecryptRequest>,
) -> ApiResult {
    let encrypted = request.encrypt_code.unwrap_or_default();
    let mut state = shared.state();
    let code = auth.account(&mut state)?.cards.decrypt(&encrypted)?;
    ok(json!({"errcode": 0, "errmsg": "ok", "code": code}))
}

async fn code_update(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CodeRequest>,
) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?.cards.change_code(
        request.code.as_deref(),
        request.card_id.as_deref(),
        request.new_code.as_deref(),
    )?;
    ok(json!({"errcode": 0, "errmsg": "ok"}))
}

async fn code_unavailable(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CodeRequest>,
) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?
        .cards
        .make_unavailable(request.code.as_deref(), request.card_id.as_deref())?;
    ok(json!({"errcode": 0, "errmsg": "ok"}))
}

/// `GET /sandbox/cards/{openid}`: the cards a follower holds, with each code's status and the
/// `encrypt_code` the card's pages would receive.
async fn held(State(shared): State<Arc<Shared>>, Path(openid): Path<String>) -> Response {
    let state = shared.state();
    let list: Vec<Value> = state
        .accounts
        .iter()
        .flat_map(|a| a.cards.codes.iter().map(move |(code, c)| (a, code, c)))
        .filter(|(_, _, c)| c.openid == openid)
        .map(|(a, code, c)| {
            json!({"app_id": a.app_id, "card_id": c.card_id, "code": code, "status": c.status,
                   "got_at": c.got_at, "encrypt_code": c.encrypt_code})
        })
        .collect();
    axum::Json(list).into_response()
}
