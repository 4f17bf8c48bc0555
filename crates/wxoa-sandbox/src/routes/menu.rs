//! The custom menu (api-reference.md §15): the default menu, conditional menus matched per
//! follower, and the rules of `menu/create` with their error codes:
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

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Authed, Json, get, lenient_i64, post, set_field};
use crate::config::is_app_id;
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::shared::Shared;
use crate::state::{Account, Menu, Who};

/// Button types that carry a `key` and push an event with it.
const KEY_TYPES: &[&str] = &[
    "click",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
];
/// Every other button type.
const OTHER_TYPES: &[&str] = &[
    "view",
    "media_id",
    "view_limited",
    "article_id",
    "article_view_limited",
    "miniprogram",
];
/// Most external domains the links of a menu may point to.
const MAX_DOMAINS: usize = 3;

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
    validate(&button)?;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    check_material(account, &button)?;
    let menuid = next_menu_id(account);
    account.menu = Some(Menu {
        menuid,
        button,
        matchrule: None,
    });
    ok_empty()
}

async fn get_menu(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let menu = account
        .menu
        .as_ref()
        .ok_or_else(|| ApiError::msg(46003, "menu no exist"))?;
    let mut body = json!({
        "menu": {"button": normalized(&menu.button), "menuid": menu.menuid},
    });
    if !account.conditional_menus.is_empty() {
        let conditional: Vec<Value> = account
            .conditional_menus
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
    let account = auth.account(&mut state)?;
    account.menu = None;
    account.conditional_menus.clear();
    ok_empty()
}

async fn add_conditional(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MenuRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    if account.menu.is_none() {
        return Err(ApiError::msg(
            65303,
            "there is no selfmenu, please create selfmenu first",
        ));
    }
    let rule = match_rule(account, request.matchrule.as_ref())?;
    let button = request.button.unwrap_or(Value::Null);
    validate(&button)?;
    check_material(account, &button)?;
    let menuid = next_menu_id(account);
    account.conditional_menus.push(Menu {
        menuid,
        button,
        matchrule: Some(rule),
    });
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
    let account = auth.account(&mut state)?;
    let id = request.menuid.as_ref().and_then(lenient_i64);
    let before = account.conditional_menus.len();
    account
        .conditional_menus
        .retain(|m| Some(m.menuid) != id.and_then(|id| u64::try_from(id).ok()));
    if account.conditional_menus.len() == before {
        return Err(ApiError::msg(65301, "menuid not exist"));
    }
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
    let account = auth.account(&mut state)?;
    if account.who(&user) == Who::Unknown {
        return Err(ApiError::msg(65302, "user not exist"));
    }
    let menu = menu_for(account, &user).ok_or_else(|| ApiError::msg(46003, "menu no exist"))?;
    ok(json!({"button": normalized(&menu.button)}))
}

async fn current_selfmenu(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let Some(menu) = &account.menu else {
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

fn next_menu_id(account: &mut Account) -> u64 {
    account.next_menu_id += 1;
    account.next_menu_id
}

/// The menu a follower sees: the newest conditional menu whose rule matches them, or the
/// default menu.
pub(crate) fn menu_for<'a>(account: &'a Account, openid: &str) -> Option<&'a Menu> {
    account.menu.as_ref()?;
    account
        .conditional_menus
        .iter()
        .rev()
        .find(|m| {
            m.matchrule
                .as_ref()
                .is_some_and(|r| matches(account, openid, r))
        })
        .or(account.menu.as_ref())
}

/// Whether every field a rule sets matches the follower.
fn matches(account: &Account, openid: &str, rule: &Value) -> bool {
    let profile = account.profile(openid);
    let text = |key: &str| {
        rule.get(key).and_then(|v| match v {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    let tag = text("tag_id").or_else(|| text("group_id"));
    let checks = [
        tag.map(|t| account.tags_of(openid).iter().any(|id| id.to_string() == t)),
        text("sex").map(|s| s == profile.sex.to_string()),
        text("client_platform_type").map(|c| c == profile.client_platform_type.to_string()),
        text("country").map(|c| c == profile.country),
        text("province").map(|p| p == profile.province),
        text("city").map(|c| c == profile.city),
        text("language").map(|l| l == profile.language),
    ];
    checks.iter().all(|check| check.unwrap_or(true))
}

/// Checks a matchrule: not empty (65304), an existing tag (45159), a region that names its
/// parents (65310, 65311).
fn match_rule(account: &Account, rule: Option<&Value>) -> Result<Value, ApiError> {
    const FIELDS: &[&str] = &[
        "tag_id",
        "group_id",
        "sex",
        "client_platform_type",
        "country",
        "province",
        "city",
        "language",
    ];
    let rule = rule
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::msg(65304, "match rule empty"))?;
    let set = |key: &str| {
        rule.get(key)
            .is_some_and(|v| !v.is_null() && v.as_str() != Some(""))
    };
    if !FIELDS.iter().any(|f| set(f)) {
        return Err(ApiError::msg(65304, "match rule empty"));
    }
    for key in ["tag_id", "group_id"] {
        if set(key) {
            let id = rule.get(key).and_then(lenient_i64);
            let exists = id
                .and_then(|id| u32::try_from(id).ok())
                .is_some_and(|id| account.tags.contains_key(&id));
            if !exists {
                return Err(ApiError::msg(45159, "invalid tag id"));
            }
        }
    }
    if (set("province") || set("city")) && !set("country") {
        return Err(ApiError::msg(65310, "country info is empty"));
    }
    if set("city") && !set("province") {
        return Err(ApiError::msg(65311, "province info is empty"));
    }
    Ok(Value::Object(rule.clone()))
}

/// The button at `[top]` or `[top, sub]`.
pub(crate) fn button_at<'a>(buttons: &'a Value, path: &[usize]) -> Option<&'a Value> {
    match path {
        [top] => buttons.get(*top),
        [top, sub] => buttons.get(*top)?.get("sub_button")?.get(*sub),
        _ => None,
    }
}

/// The event the platform pushes when a follower taps `button`; `menuid` for a conditional
/// menu. Buttons that open a sub-menu or send material push nothing.
pub(crate) fn click_event(
    button: &Value,
    menuid: Option<u64>,
    scan_result: Option<&str>,
) -> Result<Vec<(String, Value)>, String> {
    let text = |key: &str| button.get(key).and_then(Value::as_str).unwrap_or_default();
    if button
        .get("sub_button")
        .and_then(Value::as_array)
        .is_some_and(|s| !s.is_empty())
    {
        return Err("this button opens its sub-menu; tap one of its sub-buttons".to_owned());
    }
    let kind = text("type");
    let (event, key) = match kind {
        "click" => ("CLICK", text("key")),
        "view" => ("VIEW", text("url")),
        "miniprogram" => ("view_miniprogram", text("pagepath")),
        k if KEY_TYPES.contains(&k) => (k, text("key")),
        other => return Err(format!("a {other} button pushes no event")),
    };
    let mut fields = vec![
        ("MsgType".to_owned(), json!("event")),
        ("Event".to_owned(), json!(event)),
        ("EventKey".to_owned(), json!(key)),
    ];
    match kind {
        "scancode_push" | "scancode_waitmsg" => fields.push((
            "ScanCodeInfo".to_owned(),
            json!({"ScanType": "qrcode", "ScanResult": scan_result.unwrap_or("sandbox")}),
        )),
        "pic_sysphoto" | "pic_photo_or_album" | "pic_weixin" => fields.push((
            "SendPicsInfo".to_owned(),
            json!({"Count": 1, "PicList": {"item": [{"PicMd5Sum": "1b5f7c23b5bf75682a53e7b6d163e185"}]}}),
        )),
        "location_select" => fields.push((
            "SendLocationInfo".to_owned(),
            json!({"Location_X": "23.134521", "Location_Y": "113.358803", "Scale": "15",
                   "Label": "广州市海珠区新港中路397号", "Poiname": ""}),
        )),
        _ => {}
    }
    if let (Some(menuid), "VIEW" | "view_miniprogram") = (menuid, event) {
        fields.push(("MenuId".to_owned(), json!(menuid)));
    }
    Ok(fields)
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

/// Buttons of type media_id and view_limited must name permanent material (40007).
fn check_material(account: &Account, buttons: &Value) -> Result<(), ApiError> {
    let all = buttons.as_array().into_iter().flatten().flat_map(|b| {
        std::iter::once(b).chain(
            b.get("sub_button")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        )
    });
    for button in all {
        let kind = button
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if matches!(kind, "media_id" | "view_limited") {
            let id = button
                .get("media_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !account.materials.contains_key(id) {
                return Err(ApiError::msg(40007, "invalid media_id"));
            }
        }
    }
    Ok(())
}

/// Which level a button is at: the codes differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Top,
    Sub,
}

impl Level {
    fn pick(self, top: i64, sub: i64) -> i64 {
        match self {
            Level::Top => top,
            Level::Sub => sub,
        }
    }
}

/// Checks the buttons of a menu against every rule of the table above.
fn validate(buttons: &Value) -> Result<(), ApiError> {
    let list = buttons
        .as_array()
        .filter(|l| (1..=3).contains(&l.len()))
        .ok_or_else(|| ApiError::msg(40016, "invalid button size"))?;
    let mut domains = BTreeSet::new();
    for button in list {
        validate_button(button, Level::Top, &mut domains)?;
    }
    if domains.len() > MAX_DOMAINS {
        return Err(ApiError::msg(65316, "too many domains in menu urls"));
    }
    Ok(())
}

fn validate_button(
    button: &Value,
    level: Level,
    domains: &mut BTreeSet<String>,
) -> Result<(), ApiError> {
    let empty = Map::new();
    let map = button.as_object().unwrap_or(&empty);
    let bytes = |key: &str| map.get(key).and_then(Value::as_str).map_or(0, str::len);
    let name = bytes("name");
    let max_name = match level {
        Level::Top => 16,
        Level::Sub => 60,
    };
    if name == 0 || name > max_name {
        return Err(ApiError::msg(
            level.pick(40018, 40025),
            match level {
                Level::Top => "invalid button name size",
                Level::Sub => "invalid sub button name size",
            },
        ));
    }
    let subs = map.get("sub_button").and_then(Value::as_array);
    if let Some(subs) = subs.filter(|s| !s.is_empty()) {
        if level == Level::Sub {
            return Err(ApiError::new(40022));
        }
        if subs.len() > 5 {
            return Err(ApiError::msg(40023, "invalid sub button size"));
        }
        for sub in subs {
            validate_button(sub, Level::Sub, domains)?;
        }
        return Ok(());
    }
    let kind = map.get("type").and_then(Value::as_str).unwrap_or_default();
    if kind.is_empty() && level == Level::Top && subs.is_some() {
        return Err(ApiError::msg(41007, "sub_menu data missing"));
    }
    if !KEY_TYPES.contains(&kind) && !OTHER_TYPES.contains(&kind) {
        return Err(ApiError::msg(
            level.pick(40017, 40024),
            match level {
                Level::Top => "invalid button type",
                Level::Sub => "invalid sub button type",
            },
        ));
    }
    if KEY_TYPES.contains(&kind) {
        let key = bytes("key");
        if key == 0 || key > 128 {
            return Err(ApiError::new(level.pick(40019, 40026)));
        }
    }
    if matches!(kind, "view" | "miniprogram") {
        let url = map.get("url").and_then(Value::as_str).unwrap_or_default();
        if url.is_empty() || url.len() > 1024 {
            return Err(ApiError::new(level.pick(40020, 40027)));
        }
        let host = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .and_then(|u| u.host_str().map(str::to_owned))
            .ok_or_else(|| ApiError::new(level.pick(40054, 40055)))?;
        if !(host == "qq.com" || host.ends_with(".qq.com")) {
            domains.insert(host);
        }
    }
    match kind {
        "media_id" | "view_limited" if bytes("media_id") == 0 => {
            Err(ApiError::msg(40007, "invalid media_id"))
        }
        "article_id" | "article_view_limited" if bytes("article_id") == 0 => {
            Err(ApiError::new(65308))
        }
        "miniprogram" => {
            let app_id = map.get("appid").and_then(Value::as_str).unwrap_or_default();
            if !is_app_id(app_id) {
                return Err(ApiError::new(45064));
            }
            if bytes("pagepath") == 0 {
                return Err(ApiError::new(65308));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
