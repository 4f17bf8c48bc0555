//! The HTTP side of the custom menu (api-reference.md §15): the default menu, conditional menus
//! matched per follower, and the rules of `menu/create` with their error codes:
//!
//! | rule | code |
//! |---|---|
//! | 1 to 3 top-level buttons | 40016 |
//! | a top-level button without sub-buttons needs a known `type` | 40017 |
//! | a top-level button with `sub_button: []` and no type | 41007 |
//! | top-level name 1 to 16 bytes; sub-button name 1 to 60 bytes | 40018 / 40025 |
//! | 1 to 5 sub-buttons; no third level | 40023 / 40022 |
//! | a sub-button needs a known `type` | 40024 |
//! | `key` 1 to 128 bytes (click, scancode_*, pic_*, location_select) | 40019 / 40026 |
//! | `url` 1 to 1,024 bytes (view, miniprogram) | 40020 / 40027 |
//! | `url` must be an http(s) URL | 40054 / 40055 |
//! | at most 3 external domains (outside qq.com) across the menu | 65316 |
//! | `media_id` for media_id / view_limited, naming permanent material | 40007 |
//! | `article_id` for article_id / article_view_limited, `pagepath` for miniprogram | 65308 |
//! | `appid` of a miniprogram button must be an AppID | 45064 |
//! | conditional: a default menu first; a non-empty matchrule; an existing tag | 65303 / 65304 / 45159 |
//! | conditional: province needs country, city needs province | 65310 / 65311 |
//! | `delconditional` of an unknown menuid; `trymatch` of an unknown user | 65301 / 65302 |
//! | `get` / `trymatch` without a menu | 46003 |
//!
//! The rules are `platform::menu`'s; this file decodes the requests and encodes the answers
//! (the buttons as `menu/get` and `get_current_selfmenu_info` show them).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, get, post, set_field};
use crate::error::{ApiResult, ok, ok_empty};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/menu/create", post(create))
        .route("/cgi-bin/menu/get", get(get_menu))
        .route("/cgi-bin/menu/delete", get(delete))
        .route("/cgi-bin/menu/addconditional", post(add_conditional))
        .route("/cgi-bin/menu/delconditional", post(del_conditional))
        .route("/cgi-bin/menu/trymatch", post(try_match))
        .route("/cgi-bin/get_current_selfmenu_info", get(current_selfmenu))
}

#[derive(Debug, Deserialize)]
struct MenuRequest {
    #[serde(default)]
    button: Option<Value>,
    #[serde(default)]
    matchrule: Option<Value>,
}

async fn create(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MenuRequest>,
) -> ApiResult {
    let button = request.button.unwrap_or(Value::Null);
    let mut state = shared.state();
    auth.account(&mut state)?.create_menu(button)?;
    ok_empty()
}

async fn get_menu(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let menu = account.menus.default_menu()?;
    let mut body = json!({
        "menu": {"button": normalized(&menu.button), "menuid": menu.menuid},
    });
    if !account.menus.conditional.is_empty() {
        let conditional: Vec<Value> = account
            .menus
            .conditional
            .iter()
            .map(|m| {
                json!({
                    "button": normalized(&m.button),
                    "matchrule": m.matchrule,
                    "menuid": m.menuid,
                })
            })
            .collect();
        set_field(&mut body, "conditionalmenu", Value::Array(conditional));
    }
    ok(body)
}

async fn delete(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?.menus.clear();
    ok_empty()
}

async fn add_conditional(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MenuRequest>,
) -> ApiResult {
    let button = request.button.unwrap_or(Value::Null);
    let mut state = shared.state();
    let menuid = auth
        .account(&mut state)?
        .add_conditional_menu(button, request.matchrule.as_ref())?;
    ok(json!({"menuid": menuid.to_string()}))
}

#[derive(Debug, Deserialize)]
struct DelConditionalRequest {
    menuid: Option<Value>,
}

async fn del_conditional(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<DelConditionalRequest>,
) -> ApiResult {
    let mut state = shared.state();
    auth.account(&mut state)?
        .menus
        .delete_conditional(request.menuid.as_ref())?;
    ok_empty()
}

#[derive(Debug, Deserialize)]
struct TryMatchRequest {
    user_id: Option<String>,
}

async fn try_match(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<TryMatchRequest>,
) -> ApiResult {
    let user = request.user_id.unwrap_or_default();
    let mut state = shared.state();
    let menu = auth.account(&mut state)?.try_match(&user)?;
    ok(json!({"button": normalized(&menu.button)}))
}

async fn current_selfmenu(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let Some(menu) = &account.menus.default else {
        return ok(json!({"is_menu_open": 0}));
    };
    let buttons: Vec<Value> = menu
        .button
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            let mut b = b.as_object().cloned().unwrap_or_default();
            match b.remove("sub_button") {
                Some(Value::Array(subs)) if !subs.is_empty() => {
                    b.remove("type");
                    b.insert("sub_button".into(), json!({"list": subs}));
                }
                _ => {}
            }
            Value::Object(b)
        })
        .collect();
    ok(json!({"is_menu_open": 1, "selfmenu_info": {"button": buttons}}))
}

/// Buttons as `menu/get` shows them: every button carries `sub_button` (empty for leaves).
fn normalized(buttons: &Value) -> Value {
    fn with_subs(button: &Value, depth: usize) -> Value {
        let mut map = button.as_object().cloned().unwrap_or_default();
        let subs = match map.remove("sub_button") {
            Some(Value::Array(subs)) if depth == 0 => {
                subs.iter().map(|s| with_subs(s, depth + 1)).collect()
            }
            _ => Vec::new(),
        };
        map.insert("sub_button".into(), Value::Array(subs));
        Value::Object(map)
    }
    Value::Array(
        buttons
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| with_subs(b, 0))
            .collect(),
    )
}
