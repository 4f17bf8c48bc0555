//! Subscription notifications (api-reference-2 §1–2), HTTP only: the template library and the
//! account's templates under `/wxaapi/newtmpl/`, `message/subscribe/bizsend`, the legacy
//! one-time subscription (the `mp/subscribemsg` page the sandbox plays for mp.weixin.qq.com,
//! and `message/template/subscribe`), and `GET /sandbox/subscriptions/{openid}` for the
//! console. The rules and their codes are `platform::subscribe`'s.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::sandbox_api::{ControlError, pick_account};
use super::{Authed, Json, Query, get, post};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::platform::subscribe::Notification;
use crate::platform::subscribe::library::{CATEGORIES, TITLES, title};
use crate::platform::subscribe::one_time::{OneTimeMessage, scene};
use crate::push::push_in_background;
use crate::shared::Shared;

/// Most titles a page of `getpubtemplatetitles` holds.
const TITLES_PAGE_MAX: i64 = 30;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/wxaapi/newtmpl/getcategory", get(categories))
        .route("/wxaapi/newtmpl/getpubtemplatetitles", get(titles))
        .route("/wxaapi/newtmpl/getpubtemplatekeywords", get(keywords))
        .route("/wxaapi/newtmpl/addtemplate", post(add))
        .route("/wxaapi/newtmpl/gettemplate", get(list))
        .route("/wxaapi/newtmpl/deltemplate", post(delete))
        .route("/cgi-bin/message/subscribe/bizsend", post(send))
        .route("/cgi-bin/message/template/subscribe", post(send_one_time))
        .route("/mp/subscribemsg", get(confirm_page))
        .route(
            "/sandbox/subscriptions/{openid}",
            axum::routing::get(follower_subscriptions),
        )
}

async fn categories(_: Authed) -> ApiResult {
    let data: Vec<Value> = CATEGORIES
        .iter()
        .map(|c| json!({"id": c.id, "name": c.name}))
        .collect();
    ok(json!({"errcode": 0, "errmsg": "ok", "data": data}))
}

/// A number of the query (47003 naming it when it is not one).
fn number(query: &Query, key: &str) -> Result<Option<i64>, ApiError> {
    query
        .get(key)
        .map(|v| v.trim().parse().map_err(|_| ApiError::argument(key)))
        .transpose()
}

/// `getpubtemplatetitles?ids&start&limit`: `start` from 0, `limit` 1 to 30, `ids` category
/// ids joined by commas (every category without it).
async fn titles(_: Authed, query: Query) -> ApiResult {
    let start = number(&query, "start")?
        .filter(|s| *s >= 0)
        .ok_or_else(|| ApiError::argument("start"))?;
    let limit = number(&query, "limit")?
        .filter(|l| (1..=TITLES_PAGE_MAX).contains(l))
        .ok_or_else(|| ApiError::argument("limit"))?;
    let ids = match query.get("ids") {
        Some(ids) => ids
            .split(',')
            .map(|id| {
                id.trim()
                    .parse::<u32>()
                    .map_err(|_| ApiError::argument("ids"))
            })
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let matching: Vec<_> = TITLES
        .iter()
        .filter(|t| ids.is_empty() || ids.contains(&t.category))
        .collect();
    let data: Vec<Value> = matching
        .iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or_default())
        .map(|t| {
            json!({"tid": t.tid, "title": t.title, "type": t.kind,
                   "categoryId": t.category.to_string()})
        })
        .collect();
    ok(json!({"errcode": 0, "errmsg": "ok", "count": matching.len(), "data": data}))
}

/// `getpubtemplatekeywords?tid`: a title of the library (200014).
async fn keywords(_: Authed, query: Query) -> ApiResult {
    let found = query
        .get("tid")
        .and_then(|t| t.trim().parse().ok())
        .and_then(title)
        .ok_or_else(|| ApiError::msg(200014, "invalid tid"))?;
    let data: Vec<Value> = found
        .keywords
        .iter()
        .map(|k| json!({"kid": k.kid, "name": k.name, "example": k.example, "rule": k.rule}))
        .collect();
    ok(json!({"errcode": 0, "errmsg": "ok", "count": data.len(), "data": data}))
}

#[derive(Debug, Deserialize)]
struct AddRequest {
    #[serde(default)]
    tid: Option<Value>,
    #[serde(default, rename = "kidList")]
    kids: Option<Value>,
    #[serde(default, rename = "sceneDesc")]
    scene_desc: Option<String>,
}

async fn add(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<AddRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let id = auth.account(&mut state)?.subscriptions.add(
        request.tid.as_ref(),
        request.kids.as_ref(),
        request.scene_desc,
        &shared.settings.subscribe,
    )?;
    ok(json!({"errcode": 0, "errmsg": "ok", "priTmplId": id}))
}

async fn list(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let data: Vec<Value> = account
        .subscriptions
        .templates
        .iter()
        .map(|t| t.to_json())
        .collect();
    ok(json!({"errcode": 0, "errmsg": "ok", "data": data}))
}

#[derive(Debug, Deserialize)]
struct DeleteRequest {
    #[serde(default, rename = "priTmplId")]
    id: Option<String>,
}

async fn delete(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<DeleteRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account
        .subscriptions
        .delete(&request.id.unwrap_or_default())?;
    ok_empty()
}

async fn send(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<Notification>,
) -> ApiResult {
    let now = shared.clock.now();
    let rules = &shared.settings.subscribe;
    let (msgid, outgoing) = {
        let mut state = shared.state();
        auth.account(&mut state)?
            .send_notification(request, rules, now)?
    };
    // The result reaches the account's server after the call has been answered.
    if let Some(outgoing) = outgoing {
        push_in_background(&shared, outgoing);
    }
    if rules.answer_msgid {
        return ok(json!({"errcode": 0, "errmsg": "ok", "msgid": msgid}));
    }
    ok_empty()
}

async fn send_one_time(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<OneTimeMessage>,
) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    auth.account(&mut state)?.send_one_time(request, now)?;
    ok_empty()
}

/// A refusal of the confirmation page: the platform shows it to the user, not as JSON.
fn page_error(what: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        what.to_owned(),
    )
        .into_response()
}

/// `GET /mp/subscribemsg?action=get_confirm&appid&scene&template_id&redirect_url&reserved`:
/// the user answers at once and is sent back to `redirect_url` with `openid` (on confirm),
/// `template_id`, `action`, `scene` and `reserved`. The sandbox's own parameters say who
/// (`sandbox_openid`; the first follower without it) and what (`sandbox_action=cancel`;
/// confirm without it).
async fn confirm_page(State(shared): State<Arc<Shared>>, query: Query) -> Response {
    if query.get("action") != Some("get_confirm") {
        return page_error("action must be get_confirm");
    }
    let Some(template_id) = query.get("template_id") else {
        return page_error("template_id is empty");
    };
    let Some(scene) = scene(query.get("scene").map(|s| json!(s)).as_ref()) else {
        return page_error("scene must be 0 to 10000");
    };
    let reserved = query.get("reserved");
    if reserved.is_some_and(|r| r.len() > 128 || !r.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return page_error("reserved holds at most 128 letters and digits");
    }
    let target = query.get("redirect_url").map(url::Url::parse);
    let Some(Ok(mut target)) = target else {
        return page_error("redirect_url is not a URL");
    };
    let confirm = match query.get("sandbox_action") {
        None | Some("confirm") => true,
        Some("cancel") => false,
        Some(_) => return page_error("sandbox_action must be confirm or cancel"),
    };
    let openid = {
        let mut state = shared.state();
        let Some(account) = query.get("appid").and_then(|a| state.account_mut(a)) else {
            return page_error("appid is unknown");
        };
        let openid = account
            .signing_in(query.get("sandbox_openid"))
            .unwrap_or_default();
        if account.reachable(&openid).is_err() {
            return page_error("no follower to answer as (add sandbox_openid=A_FOLLOWER)");
        }
        if confirm {
            account
                .subscriptions
                .one_time
                .confirm(&openid, template_id, scene);
        }
        openid
    };
    {
        let mut pairs = target.query_pairs_mut();
        if confirm {
            pairs.append_pair("openid", &openid);
        }
        pairs
            .append_pair("template_id", template_id)
            .append_pair("action", if confirm { "confirm" } else { "cancel" })
            .append_pair("scene", &scene.to_string())
            .append_pair("reserved", reserved.unwrap_or_default());
    }
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

/// `GET /sandbox/subscriptions/{openid}[?app_id=A]`: the account's templates as `gettemplate`
/// lists them, each with the follower's consent: `status` (`accept`, `reject` or null) and
/// `sends_left` (one-time templates: sends the consents still allow; long-term: null).
async fn follower_subscriptions(
    State(shared): State<Arc<Shared>>,
    Path(openid): Path<String>,
    query: Query,
) -> Result<Response, ControlError> {
    let state = shared.state();
    let account = pick_account(&state, query.get("app_id"), Some(&openid))?;
    let subscriptions = &account.subscriptions;
    let list: Vec<Value> = subscriptions
        .templates
        .iter()
        .map(|t| {
            let consent = subscriptions.consent(&openid, &t.pri_tmpl_id);
            let mut entry = t.to_json();
            let status = consent.map(|c| c.status);
            let left = (t.kind() == 2).then(|| consent.map_or(0, |c| c.grants));
            crate::platform::set_field(&mut entry, "status", json!(status));
            crate::platform::set_field(&mut entry, "sends_left", json!(left));
            entry
        })
        .collect();
    Ok(axum::Json(json!({"app_id": account.app_id, "templates": list})).into_response())
}
