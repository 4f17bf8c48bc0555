//! The third-party platform's API (spec open-platform.md §2.1, §3), HTTP only: the rules are
//! `platform::component`'s. Component paths take the component token as
//! `component_access_token=` or `access_token=` (61014 for any other token).
//!
//! | path | token | answers |
//! |---|---|---|
//! | `api_component_token` | none | 41002, 40013, 61011, 41004, 40125, 40001, 61006, 61005, 45009 |
//! | `api_create_preauthcode` | component | `pre_auth_code`, `expires_in` |
//! | `api_query_auth` | component | 61009 unknown code, 61010 expired |
//! | `api_authorizer_token` | component | 61023 refresh token not current, 45009 |
//! | `api_get_authorizer_info` | component | 61003 not authorized |
//! | `api_get_authorizer_list` | component | 47003 count outside 1–500 |
//! | `api_get/set_authorizer_option` | component | 61003, 61012, 61013, 61007 |
//! | `get/set_authorizer_option` | authorizer (or component + `authorizer_appid`) | same |
//! | `api_start_push_ticket` | none (`component_secret`) | 40013; pushes a ticket at once |
//! | `clear_quota` | component | 48006 |
//! | `clear_quota/v2` | none (`appsecret`) | 61003 for `appid` not authorized, 48006 |

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Json, Query, post};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::event_push::push_due_ticket;
use crate::platform::component::config::Component;
use crate::platform::component::credentials::{check_component_appid, check_component_credentials};
use crate::platform::component::profile::authorizer_info;
use crate::platform::lenient_i64;
use crate::platform::tokens::TokenKind;
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/cgi-bin/component/api_component_token",
            post(component_token),
        )
        .route(
            "/cgi-bin/component/api_create_preauthcode",
            post(pre_auth_code),
        )
        .route("/cgi-bin/component/api_query_auth", post(query_auth))
        .route(
            "/cgi-bin/component/api_authorizer_token",
            post(authorizer_token),
        )
        .route(
            "/cgi-bin/component/api_get_authorizer_info",
            post(authorizer),
        )
        .route("/cgi-bin/component/api_get_authorizer_list", post(list))
        .route(
            "/cgi-bin/component/api_get_authorizer_option",
            post(old_get_option),
        )
        .route(
            "/cgi-bin/component/api_set_authorizer_option",
            post(old_set_option),
        )
        .route("/cgi-bin/component/get_authorizer_option", post(get_option))
        .route("/cgi-bin/component/set_authorizer_option", post(set_option))
        .route(
            "/cgi-bin/component/api_start_push_ticket",
            post(start_push_ticket),
        )
        .route("/cgi-bin/component/clear_quota", post(clear_quota))
        .route("/cgi-bin/component/clear_quota/v2", post(clear_quota_v2))
}

/// Every field any component API reads (each reads its own).
#[derive(Debug, Default, Deserialize)]
struct Body {
    component_appid: Option<String>,
    component_appsecret: Option<String>,
    component_secret: Option<String>,
    appsecret: Option<String>,
    component_verify_ticket: Option<String>,
    authorization_code: Option<String>,
    authorizer_appid: Option<String>,
    authorizer_refresh_token: Option<String>,
    appid: Option<String>,
    offset: Option<Value>,
    count: Option<Value>,
    option_name: Option<String>,
    option_value: Option<Value>,
}

/// The component the sandbox plays; 61011 when it plays none.
fn component(shared: &Shared) -> Result<&Component, ApiError> {
    shared
        .settings
        .component
        .as_ref()
        .ok_or_else(|| ApiError::msg(61011, "invalid component"))
}

/// The component token of the query, under either name.
fn token_of(query: &Query) -> Option<&str> {
    query
        .get("component_access_token")
        .or_else(|| query.get("access_token"))
}

/// The checks of a component path: the component token (41001, 40014, 40001, 42001, 61014),
/// then `component_appid` (41002, 40013, 61011).
fn authorized_call<'s>(
    shared: &'s Shared,
    query: &Query,
    body: &Body,
) -> Result<&'s Component, ApiError> {
    let component = component(shared)?;
    shared
        .state()
        .check_component_token(token_of(query), shared.clock.now())?;
    check_component_appid(component, body.component_appid.as_deref())?;
    Ok(component)
}

async fn component_token(State(shared): State<Arc<Shared>>, Json(body): Json<Body>) -> ApiResult {
    let component = component(&shared)?;
    let now = shared.clock.now();
    let issued = shared.state().issue_component_token(
        component,
        body.component_appsecret.as_deref(),
        body.component_appid.as_deref(),
        body.component_verify_ticket.as_deref(),
        now,
    )?;
    ok(json!({"component_access_token": issued.token, "expires_in": issued.expires_in}))
}

async fn pre_auth_code(
    State(shared): State<Arc<Shared>>,
    query: Query,
    Json(body): Json<Body>,
) -> ApiResult {
    let component = authorized_call(&shared, &query, &body)?;
    let now = shared.clock.now();
    let code = shared.state().create_pre_auth_code(&component.rules, now);
    ok(json!({"pre_auth_code": code, "expires_in": component.rules.pre_auth_code_ttl}))
}

async fn query_auth(
    State(shared): State<Arc<Shared>>,
    query: Query,
    Json(body): Json<Body>,
) -> ApiResult {
    authorized_call(&shared, &query, &body)?;
    let lifetime = shared.settings.token_lifetime;
    let answer = shared.state().query_auth(
        body.authorization_code.as_deref(),
        lifetime,
        shared.clock.now_ms(),
    )?;
    ok(answer)
}

async fn authorizer_token(
    State(shared): State<Arc<Shared>>,
    query: Query,
    Json(body): Json<Body>,
) -> ApiResult {
    let component = authorized_call(&shared, &query, &body)?;
    let answer = shared.state().refresh_authorizer(
        body.authorizer_appid.as_deref(),
        body.authorizer_refresh_token.as_deref(),
        &component.rules,
        shared.settings.token_lifetime,
        shared.clock.now_ms(),
    )?;
    ok(answer)
}

async fn authorizer(
    State(shared): State<Arc<Shared>>,
    query: Query,
    Json(body): Json<Body>,
) -> ApiResult {
    authorized_call(&shared, &query, &body)?;
    let state = shared.state();
    let authorization = state.authorization_of(body.authorizer_appid.as_deref())?;
    let account = state
        .account(&authorization.app_id)
        .ok_or_else(|| ApiError::msg(61003, "component is not authorized by this account"))?;
    ok(json!({
        "authorizer_info": authorizer_info(account),
        "authorization_info": {
            "authorizer_appid": authorization.app_id,
            "authorizer_refresh_token": authorization.refresh_token,
            "func_info": authorization.func.func_info(),
        },
    }))
}

async fn list(
    State(shared): State<Arc<Shared>>,
    query: Query,
    Json(body): Json<Body>,
) -> ApiResult {
    authorized_call(&shared, &query, &body)?;
    let offset = body.offset.as_ref().map(|v| lenient_i64(v).unwrap_or(-1));
    let count = body.count.as_ref().and_then(lenient_i64);
    let answer = shared.state().authorizer_list(offset, count)?;
    ok(answer)
}

/// An option read or set for `app_id`: the old paths answer the AppID too.
fn option(shared: &Shared, app_id: Option<&str>, body: &Body, set: bool, old: bool) -> ApiResult {
    let value = if set {
        Some(
            body.option_value
                .as_ref()
                .ok_or_else(|| ApiError::msg(61013, "invalid option value"))?,
        )
    } else {
        None
    };
    let (name, current) =
        shared
            .state()
            .authorizer_option(app_id, body.option_name.as_deref(), value)?;
    match (set, old) {
        (true, _) => ok_empty(),
        (false, true) => ok(json!({
            "authorizer_appid": app_id,
            "option_name": name,
            "option_value": current,
        })),
        (false, false) => ok(json!({
            "errcode": 0,
            "errmsg": "ok",
            "option_name": name,
            "option_value": current,
        })),
    }
}

async fn old_get_option(
    State(shared): State<Arc<Shared>>,
    query: Query,
    Json(body): Json<Body>,
) -> ApiResult {
    authorized_call(&shared, &query, &body)?;
    option(
        &shared,
        body.authorizer_appid.as_deref(),
        &body,
        false,
        true,
    )
}

async fn old_set_option(
    State(shared): State<Arc<Shared>>,
    query: Query,
    Json(body): Json<Body>,
) -> ApiResult {
    authorized_call(&shared, &query, &body)?;
    option(&shared, body.authorizer_appid.as_deref(), &body, true, true)
}

/// The account the new option paths are about: the authorizer token's, or with the
/// component token the body's `authorizer_appid`.
fn option_account(shared: &Shared, query: &Query, body: &Body) -> Result<Option<String>, ApiError> {
    let token = query
        .get("access_token")
        .ok_or_else(|| ApiError::msg(41001, "access_token missing"))?;
    let state = shared.state();
    let record = state.token_record(token, shared.clock.now())?;
    Ok(match record.kind {
        TokenKind::Component => body.authorizer_appid.clone(),
        _ => Some(record.app_id.clone()),
    })
}

async fn get_option(
    State(shared): State<Arc<Shared>>,
    query: Query,
    Json(body): Json<Body>,
) -> ApiResult {
    let app_id = option_account(&shared, &query, &body)?;
    option(&shared, app_id.as_deref(), &body, false, false)
}

async fn set_option(
    State(shared): State<Arc<Shared>>,
    query: Query,
    Json(body): Json<Body>,
) -> ApiResult {
    let app_id = option_account(&shared, &query, &body)?;
    option(&shared, app_id.as_deref(), &body, true, false)
}

/// `api_start_push_ticket`: the component's AppID (40013 for any other) and secret; a ticket
/// is pushed at once.
async fn start_push_ticket(State(shared): State<Arc<Shared>>, Json(body): Json<Body>) -> ApiResult {
    let component = component(&shared).map_err(|_| ApiError::msg(40013, "invalid appid"))?;
    check_component_credentials(
        component,
        body.component_appid.as_deref(),
        body.component_secret.as_deref(),
    )
    .map_err(|e| match e.code {
        61011 => ApiError::msg(40013, "invalid appid"),
        _ => e,
    })?;
    push_due_ticket(&shared, true).await;
    ok_empty()
}

/// `clear_quota` (old) with the component token: the component's own quotas.
async fn clear_quota(
    State(shared): State<Arc<Shared>>,
    query: Query,
    Json(body): Json<Body>,
) -> ApiResult {
    authorized_call(&shared, &query, &body)?;
    let now = shared.clock.now();
    let per_month = shared.settings.clear_quota_per_month;
    shared.state().clear_component_quota(per_month, now)?;
    ok_empty()
}

/// `clear_quota/v2`, without a token: the component's AppID and secret; with `appid`, that
/// authorizer's quotas (61003 when it has not authorized the component).
async fn clear_quota_v2(State(shared): State<Arc<Shared>>, Json(body): Json<Body>) -> ApiResult {
    let component = component(&shared)?;
    check_component_credentials(
        component,
        body.component_appid.as_deref(),
        body.appsecret.as_deref(),
    )?;
    let now = shared.clock.now();
    let per_month = shared.settings.clear_quota_per_month;
    let mut state = shared.state();
    match body.appid.as_deref().filter(|a| !a.is_empty()) {
        None => state.clear_component_quota(per_month, now)?,
        Some(app_id) => {
            state.authorization_of(Some(app_id))?;
            let account = state.account_mut(app_id).ok_or_else(|| {
                ApiError::msg(61003, "component is not authorized by this account")
            })?;
            account.clear_quota(Some(app_id), per_month, now)?;
        }
    }
    ok_empty()
}
