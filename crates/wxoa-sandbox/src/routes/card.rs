//! Cards, minimal (api-reference.md §17): create with the required `base_info`, read, list,
//! update, change stock, delete, and card QR codes whose scan gives the follower the card
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

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Authed, Json, lenient_i64, post};
use crate::error::{ApiError, ApiResult, ok};
use crate::platform::card::{CardCode, CardStatus, card_kind, check_card, validity};
use crate::platform::qrcode::{QrCode, new_ticket, new_url};
use crate::platform::tokens::random_text;
use crate::push::{Outgoing, push_in_background};
use crate::shared::Shared;
use crate::state::Account;

/// Most cards on one `QR_MULTIPLE_CARD` code.
const MAX_MULTIPLE: usize = 5;
/// The range of a card QR code's `expire_seconds`.
const QR_EXPIRE: std::ops::RangeInclusive<i64> = 60..=1_800;
/// Who card events come from.
const CARD_SYSTEM: &str = "mphelper";

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
    check_card(&card)?;
    let now = shared.clock.now();
    let (card_id, outgoing) = {
        let mut state = shared.state();
        let account = auth.account(&mut state)?;
        let card_id = format!("p{}", random_text(27));
        account.cards.by_id.insert(card_id.clone(), card);
        let fields = [
            ("MsgType".to_owned(), json!("event")),
            ("Event".to_owned(), json!("card_pass_check")),
            ("CardId".to_owned(), json!(card_id)),
        ];
        let outgoing = Outgoing::new(
            &account.app_id,
            &account.original_id,
            CARD_SYSTEM,
            now,
            &fields,
            || 0,
        );
        (card_id, outgoing)
    };
    push_in_background(&shared, outgoing);
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

/// The card with this id (47003 otherwise).
fn card_mut<'a>(account: &'a mut Account, id: Option<&str>) -> Result<&'a mut Value, ApiError> {
    account
        .cards
        .by_id
        .get_mut(id.unwrap_or_default())
        .ok_or_else(|| ApiError::argument("card_id"))
}

async fn get_card(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CardRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let card = card_mut(account, request.card_id.as_deref())?.clone();
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
    let count = request
        .count
        .as_ref()
        .and_then(lenient_i64)
        .filter(|c| (1..=50).contains(c))
        .ok_or_else(|| ApiError::argument("count"))?;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let ids: Vec<&String> = account
        .cards
        .by_id
        .keys()
        .skip(usize::try_from(offset).unwrap_or(0))
        .take(usize::try_from(count).unwrap_or(50))
        .collect();
    ok(
        json!({"errcode": 0, "errmsg": "ok", "card_id_list": ids, "total_num": account.cards.by_id.len()}),
    )
}

async fn modify_stock(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CardRequest>,
) -> ApiResult {
    let up = request
        .increase_stock_value
        .as_ref()
        .and_then(lenient_i64)
        .unwrap_or(0);
    let down = request
        .reduce_stock_value
        .as_ref()
        .and_then(lenient_i64)
        .unwrap_or(0);
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let card = card_mut(account, request.card_id.as_deref())?;
    let kind = card
        .get("card_type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let quantity = card
        .get_mut(&kind)
        .and_then(|b| b.get_mut("base_info"))
        .and_then(|b| b.get_mut("sku"))
        .and_then(|s| s.get_mut("quantity"))
        .ok_or_else(|| ApiError::argument("card_id"))?;
    let now = lenient_i64(quantity).unwrap_or(0);
    let next = now.saturating_add(up).saturating_sub(down);
    if up < 0 || down < 0 || next < 0 {
        return Err(ApiError::argument("reduce_stock_value"));
    }
    *quantity = json!(next);
    ok(json!({"errcode": 0, "errmsg": "ok"}))
}

async fn delete(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CardRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account
        .cards
        .by_id
        .remove(request.card_id.as_deref().unwrap_or_default())
        .ok_or_else(|| ApiError::argument("card_id"))?;
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
    let (cards, outer) = match request.action_name.as_deref() {
        Some("QR_CARD") => {
            let card = info.get("card").unwrap_or(&Value::Null);
            let id = card
                .get("card_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let outer = card
                .get("outer_str")
                .and_then(Value::as_str)
                .map(str::to_owned);
            (vec![id.to_owned()], outer)
        }
        Some("QR_MULTIPLE_CARD") => {
            let list = info
                .get("multiple_card")
                .and_then(|m| m.get("card_list"))
                .and_then(Value::as_array)
                .filter(|l| (1..=MAX_MULTIPLE).contains(&l.len()))
                .ok_or_else(|| ApiError::argument("action_info.multiple_card.card_list"))?;
            let ids = list
                .iter()
                .map(|c| {
                    c.get("card_id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect();
            (ids, None)
        }
        _ => return Err(ApiError::argument("action_name")),
    };
    // Absent (or 0 and below, as before the range was checked): the code does not expire.
    let expire = request
        .expire_seconds
        .as_ref()
        .and_then(lenient_i64)
        .filter(|e| *e > 0);
    if expire.is_some_and(|e| !QR_EXPIRE.contains(&e)) {
        return Err(ApiError::argument("expire_seconds"));
    }
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    if let Some(missing) = cards.iter().find(|c| !account.cards.by_id.contains_key(*c)) {
        return Err(ApiError::argument(&format!("card_id {missing}")));
    }
    let code = QrCode {
        ticket: new_ticket(),
        action_name: request.action_name.unwrap_or_default(),
        scene_id: None,
        scene_str: None,
        expires_at: expire.map(|e| now.saturating_add(e)),
        url: new_url(),
        created_at: now,
        cards,
        outer_str: outer,
    };
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
    let body = json!({
        "errcode": 0,
        "errmsg": "ok",
        "ticket": code.ticket,
        "expire_seconds": expire.unwrap_or(0),
        "url": code.url,
        "show_qrcode_url": show,
    });
    account.qrcodes.insert(code.ticket.clone(), code);
    ok(body)
}

#[derive(Debug, Deserialize)]
struct UpdateRequest {
    #[serde(default)]
    card_id: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

/// `card/update`: fields of the card's own type object and of its `base_info` replaced; the
/// card must still pass the rules of `card/create`.
async fn update(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<UpdateRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let card = card_mut(account, request.card_id.as_deref())?;
    let kind = card_kind(card);
    let mut changes = request.rest;
    let Some(Value::Object(body)) = changes.remove(&kind) else {
        return Err(ApiError::argument(&kind));
    };
    if let Some(other) = changes.keys().next() {
        return Err(ApiError::argument(other));
    }
    let mut updated = card.clone();
    let Some(target) = updated.get_mut(&kind).and_then(Value::as_object_mut) else {
        return Err(ApiError::argument("card_id"));
    };
    for (key, value) in body {
        if key != "base_info" {
            target.insert(key, value);
            continue;
        }
        let Value::Object(fields) = value else {
            return Err(ApiError::argument(&format!("{kind}.base_info")));
        };
        if fields.contains_key("sku") {
            return Err(ApiError::argument(&format!("{kind}.base_info.sku")));
        }
        if let Some(Value::Object(base)) = target.get_mut("base_info") {
            base.extend(fields);
        }
    }
    check_card(&updated)?;
    *card = updated;
    ok(json!({"errcode": 0, "errmsg": "ok", "send_check": false}))
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

/// The code named, of the card named when one is (47003 otherwise).
fn code_mut<'a>(
    account: &'a mut Account,
    request: &CodeRequest,
) -> Result<&'a mut CardCode, ApiError> {
    let code = account
        .cards
        .codes
        .get_mut(request.code.as_deref().unwrap_or_default())
        .ok_or_else(|| ApiError::argument("code"))?;
    if request
        .card_id
        .as_deref()
        .is_some_and(|id| !id.is_empty() && id != code.card_id)
    {
        return Err(ApiError::argument("card_id"));
    }
    Ok(code)
}

/// A code that can still be used (47003 naming the code otherwise).
fn usable<'a>(
    account: &'a mut Account,
    request: &CodeRequest,
) -> Result<&'a mut CardCode, ApiError> {
    let code = code_mut(account, request)?;
    if code.status != CardStatus::Normal {
        return Err(ApiError::argument("code"));
    }
    Ok(code)
}

async fn code_get(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CodeRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let code = code_mut(account, &request)?.clone();
    let (begin, end) = validity(account.cards.by_id.get(&code.card_id), code.got_at);
    let status = match code.status {
        CardStatus::Normal if now >= end => json!("EXPIRE"),
        status => json!(status),
    };
    let can_consume = code.status == CardStatus::Normal && (begin..end).contains(&now);
    ok(json!({
        "errcode": 0,
        "errmsg": "ok",
        "card": {"card_id": code.card_id, "begin_time": begin, "end_time": end,
                 "code": request.code},
        "openid": code.openid,
        "can_consume": can_consume,
        "user_card_status": status,
    }))
}

async fn code_consume(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CodeRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let (body, outgoing) = {
        let mut state = shared.state();
        let account = auth.account(&mut state)?;
        let code = usable(account, &request)?;
        code.status = CardStatus::Consumed;
        let (card_id, openid) = (code.card_id.clone(), code.openid.clone());
        let fields = [
            ("MsgType".to_owned(), json!("event")),
            ("Event".to_owned(), json!("user_consume_card")),
            ("CardId".to_owned(), json!(card_id)),
            ("UserCardCode".to_owned(), json!(request.code)),
            ("ConsumeSource".to_owned(), json!("FROM_API")),
            ("LocationName".to_owned(), json!("")),
            ("StaffOpenId".to_owned(), json!("")),
        ];
        let outgoing = Outgoing::new(
            &account.app_id,
            &account.original_id,
            &openid,
            now,
            &fields,
            || 0,
        );
        let body = json!({"errcode": 0, "errmsg": "ok", "card": {"card_id": card_id},
                          "openid": openid});
        (body, outgoing)
    };
    push_in_background(&shared, outgoing);
    ok(body)
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
    let account = auth.account(&mut state)?;
    let code = account
        .cards
        .codes
        .iter()
        .find(|(_, c)| !encrypted.is_empty() && c.encrypt_code == encrypted)
        .map(|(code, _)| code.clone())
        .ok_or_else(|| ApiError::argument("encrypt_code"))?;
    ok(json!({"errcode": 0, "errmsg": "ok", "code": code}))
}

async fn code_update(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CodeRequest>,
) -> ApiResult {
    let new_code = request
        .new_code
        .clone()
        .filter(|c| !c.is_empty() && c.len() <= 32)
        .ok_or_else(|| ApiError::argument("new_code"))?;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    if account.cards.codes.contains_key(&new_code) {
        return Err(ApiError::argument("new_code"));
    }
    usable(account, &request)?;
    let old = request.code.unwrap_or_default();
    if let Some(code) = account.cards.codes.remove(&old) {
        account.cards.codes.insert(new_code, code);
    }
    ok(json!({"errcode": 0, "errmsg": "ok"}))
}

async fn code_unavailable(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CodeRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    usable(account, &request)?.status = CardStatus::Unavailable;
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
