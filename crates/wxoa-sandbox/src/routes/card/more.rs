//! The HTTP side of deposited codes (`card/code/deposit`, `getdepositcount`, `checkcode`: only
//! for custom-code cards, 1 to 100 codes a call — beyond, 40109 by default, both settings of
//! [`CardRules`](crate::CardRules)), the test whitelist (`card/testwhitelist/set`: at most 10
//! users, 47003 by default beyond; OpenIDs the account knows, 40003 otherwise), landing pages
//! (`card/landingpage/create`), article HTML (`card/mpnews/gethtml`), the cards a follower
//! holds (`card/user/getcardlist`), the control API's view of the whitelist
//! (`GET /sandbox/card-whitelist`), and its decision of a card's review with
//! [`CardRules::manual_review`](crate::CardRules::manual_review) (`POST /sandbox/card-review`
//! `{"card_id", "pass", "reason"?, "app_id"?}`: 404 for an unknown card, 409 for one that is not
//! waiting). Other refusals are 47003 naming the field.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiResult, ok};
use crate::platform::card::{LandingRequest, ReviewRefusal};
use crate::push::push_in_background;
use crate::routes::sandbox_api::{ControlError, ControlResult, body, pick_account_mut, reply};
use crate::routes::{Authed, Json, post};
use crate::shared::Shared;

pub(super) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/card/code/deposit", post(deposit))
        .route("/card/code/getdepositcount", post(deposit_count))
        .route("/card/code/checkcode", post(check_codes))
        .route("/card/testwhitelist/set", post(whitelist))
        .route("/card/landingpage/create", post(landing_page))
        .route("/card/mpnews/gethtml", post(article_html))
        .route("/card/user/getcardlist", post(held_cards))
        .route(
            "/sandbox/card-whitelist",
            axum::routing::get(shown_whitelist),
        )
        .route("/sandbox/card-review", axum::routing::post(decide_review))
}

#[derive(Debug, Deserialize)]
struct CodesRequest {
    #[serde(default)]
    card_id: Option<String>,
    #[serde(default)]
    code: Option<Value>,
}

async fn deposit(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CodesRequest>,
) -> ApiResult {
    let rules = &shared.settings.cards;
    let mut state = shared.state();
    let done = auth.account(&mut state)?.cards.deposit(
        request.card_id.as_deref(),
        request.code.as_ref(),
        rules,
    )?;
    ok(
        json!({"errcode": 0, "errmsg": "ok", "succ_code": done.succ_code,
              "duplicate_code": done.duplicate_code, "fail_code": done.fail_code}),
    )
}

async fn deposit_count(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CodesRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let count = auth
        .account(&mut state)?
        .cards
        .deposit_count(request.card_id.as_deref())?;
    ok(json!({"errcode": 0, "errmsg": "ok", "count": count}))
}

async fn check_codes(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CodesRequest>,
) -> ApiResult {
    let rules = &shared.settings.cards;
    let mut state = shared.state();
    let (exist, not_exist) = auth.account(&mut state)?.cards.check_codes(
        request.card_id.as_deref(),
        request.code.as_ref(),
        rules,
    )?;
    ok(json!({"errcode": 0, "errmsg": "ok", "exist_code": exist, "not_exist_code": not_exist}))
}

#[derive(Debug, Deserialize)]
struct WhitelistRequest {
    #[serde(default)]
    openid: Option<Value>,
    #[serde(default)]
    username: Option<Value>,
}

async fn whitelist(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<WhitelistRequest>,
) -> ApiResult {
    let rules = &shared.settings.cards;
    let mut state = shared.state();
    auth.account(&mut state)?.set_test_whitelist(
        request.openid.as_ref(),
        request.username.as_ref(),
        rules,
    )?;
    ok(json!({"errcode": 0, "errmsg": "ok"}))
}

async fn landing_page(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<LandingRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let (page_id, url) = auth
        .account(&mut state)?
        .create_landing_page(request, now)?;
    ok(json!({"errcode": 0, "errmsg": "ok", "url": url, "page_id": page_id}))
}

#[derive(Debug, Deserialize)]
struct CardIdRequest {
    #[serde(default)]
    card_id: Option<String>,
    #[serde(default)]
    openid: Option<String>,
}

async fn article_html(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CardIdRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let content = auth
        .account(&mut state)?
        .card_article_html(request.card_id.as_deref())?;
    ok(json!({"errcode": 0, "errmsg": "ok", "content": content}))
}

async fn held_cards(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CardIdRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let held = auth.account(&mut state)?.held_cards(
        request.openid.as_deref().unwrap_or_default(),
        request.card_id.as_deref(),
    )?;
    let list: Vec<Value> = held
        .into_iter()
        .map(|(code, card_id)| json!({"code": code, "card_id": card_id}))
        .collect();
    ok(json!({"errcode": 0, "errmsg": "ok", "card_list": list, "has_share_card": false}))
}

/// `GET /sandbox/card-whitelist`: the default account's test whitelist.
async fn shown_whitelist(State(shared): State<Arc<Shared>>) -> Response {
    let state = shared.state();
    let list = state.accounts.first().map(|a| &a.cards.whitelist);
    axum::Json(json!({
        "openid": list.map(|l| l.openid.clone()).unwrap_or_default(),
        "username": list.map(|l| l.username.clone()).unwrap_or_default(),
    }))
    .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewRequest {
    card_id: String,
    pass: bool,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    app_id: Option<String>,
}

/// `POST /sandbox/card-review`: the review of a card waiting for it decided — passed
/// (`card_pass_check`) or refused (`card_not_pass_check` with the reason) — and pushed.
async fn decide_review(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: ReviewRequest = body(&bytes)?;
    let now = shared.clock.now();
    let outgoing = {
        let mut state = shared.state();
        let account = pick_account_mut(&mut state, request.app_id.as_deref())?;
        let reason = request.reason.as_deref().unwrap_or("by review");
        account
            .end_review(&request.card_id, request.pass, reason, now)
            .map_err(|refusal| match refusal {
                ReviewRefusal::UnknownCard => {
                    ControlError::not_found(format!("the account has no card {}", request.card_id))
                }
                ReviewRefusal::Approved => ControlError::conflict(format!(
                    "card {} is approved: no review waits",
                    request.card_id
                )),
            })?
    };
    shared.touch();
    push_in_background(&shared, outgoing);
    reply(json!({"ok": true}))
}
