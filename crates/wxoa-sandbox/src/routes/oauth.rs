//! Web OAuth (api-reference.md §14): the authorize page (the sandbox also plays
//! `open.weixin.qq.com`), codes (single use, 5 minutes), access tokens (7,200 s), refresh
//! tokens (30 days), `userinfo` and `auth`.
//!
//! | rule | code |
//! |---|---|
//! | authorize: `appid`, `redirect_uri`, `scope` present; scope snsapi_base or snsapi_userinfo; response_type code | 10012, 10011, 10010, 10005 (an HTTP 400 page) |
//! | `grant_type` authorization_code / refresh_token | 40002 |
//! | AppID and AppSecret | 41002, 41004, 40013, 40125, 40001 |
//! | code missing, unknown, used, older than 5 minutes | 41008, 40029, 40163, 42003 |
//! | refresh_token missing, unknown, older than 30 days | 41003, 40030, 42002 |
//! | OAuth access_token missing, unknown, expired | 41001, 40001, 42001 |
//! | `userinfo`/`auth` for another OpenID; openid missing | 40003, 41009 |
//! | `userinfo` with a snsapi_base token | 48001 |
//!
//! On behalf of an authorizer of the third-party platform the sandbox plays (open-platform §6),
//! the authorize page takes `component_appid` (10015 when it is not the platform's or the account
//! has not authorized it, 10005 without permission set 4) and redirects with `code`, `state` and
//! `appid`; its codes are exchanged and refreshed on `/sns/oauth2/component/access_token` and
//! `/refresh_token` with `component_appid` and `component_access_token` instead of a secret:
//!
//! | rule | code |
//! |---|---|
//! | `component_access_token` missing, malformed, unknown, expired; not a component token | 41001, 40014, 40001, 42001; 61014 |
//! | `component_appid` missing, malformed, not this platform's | 41002, 40013, 61011 |
//! | `appid` missing; not (or no longer) authorized to the component | 41002; 61003 |
//! | `grant_type`, code, refresh token | as above; a code or refresh token of the account's own endpoints is 40029 / 40030 here, and the other way round |
//!
//! The codes' and tokens' rules are `platform::oauth`'s; this file decodes the requests, finds
//! the account, and encodes the answers (the authorize page's redirect included).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::sandbox_api::ControlError;
use super::{Query, get};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::platform::component::credentials::check_component_appid;
use crate::shared::Shared;
use crate::state::Account;

/// The permission set of web authorization (网页授权) in `func_info`.
const WEB_AUTHORIZATION: u8 = 4;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/connect/oauth2/authorize", get(authorize))
        .route("/sns/oauth2/access_token", get(access_token))
        .route(
            "/sns/oauth2/refresh_token",
            axum::routing::get(refresh_token).post(refresh_token),
        )
        .route(
            "/sns/oauth2/component/access_token",
            get(component_access_token),
        )
        .route(
            "/sns/oauth2/component/refresh_token",
            get(component_refresh_token),
        )
        .route("/sns/userinfo", get(userinfo))
        .route("/sns/auth", get(check))
        .route("/sandbox/oauth/code", axum::routing::post(code_for))
}

/// A refusal of the authorize page: the platform shows it to the user, not as JSON.
fn page_error(code: u32, what: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{code}: {what}"),
    )
        .into_response()
}

/// `GET /connect/oauth2/authorize`: the follower consents at once and is redirected with a
/// code. The sandbox's own parameter `sandbox_openid` says who; without it, the first follower.
/// With `component_appid`, for an authorizer of the third-party platform: the redirect names
/// the account too (`appid`).
async fn authorize(State(shared): State<Arc<Shared>>, query: Query) -> Response {
    let Some(app_id) = query.get("appid") else {
        return page_error(10012, "appid is empty");
    };
    let Some(redirect) = query.get("redirect_uri") else {
        return page_error(10011, "redirect_uri is empty");
    };
    let Some(scope) = query.get("scope") else {
        return page_error(10010, "scope is empty");
    };
    if !matches!(scope, "snsapi_base" | "snsapi_userinfo") {
        return page_error(10005, "the account has no permission for this scope");
    }
    if query.get("response_type") != Some("code") {
        return page_error(10005, "response_type must be code");
    }
    let Ok(mut target) = url::Url::parse(redirect) else {
        return page_error(10003, "redirect_uri is not a URL");
    };
    let now = shared.clock.now();
    let component = query.get("component_appid");
    let code = {
        let mut state = shared.state();
        if let Some(component) = component
            && let Err((code, what)) = acting_component(&shared, &state, component, app_id)
        {
            return page_error(code, what);
        }
        let Some(account) = state.account_mut(app_id) else {
            return page_error(10012, "appid is unknown");
        };
        let Some(openid) = account.signing_in(query.get("sandbox_openid")) else {
            return page_error(10006, "no follower to sign in as (add sandbox_openid)");
        };
        account.oauth.issue_code(&openid, scope, component, now)
    };
    let mut pairs = target.query_pairs_mut();
    pairs
        .append_pair("code", &code)
        .append_pair("state", query.get("state").unwrap_or_default());
    if component.is_some() {
        pairs.append_pair("appid", app_id);
    }
    drop(pairs);
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
}

/// Whether the authorize page may act for `app_id` through `component`: the platform the
/// sandbox plays, authorized by the account (10015) with web authorization, permission set 4
/// (10005).
fn acting_component(
    shared: &Shared,
    state: &crate::state::State,
    component: &str,
    app_id: &str,
) -> Result<(), (u32, &'static str)> {
    let ours = shared
        .settings
        .component
        .as_ref()
        .is_some_and(|c| c.app_id == component);
    let authorization = state
        .authorization_of(Some(app_id))
        .ok()
        .filter(|_| ours)
        .ok_or((
            10015,
            "the account has not authorized this third-party platform",
        ))?;
    if !authorization.func.has(WEB_AUTHORIZATION) {
        return Err((
            10005,
            "the account granted the platform no web authorization (permission set 4)",
        ));
    }
    Ok(())
}

/// The account named by `appid` and `secret` (41002, 41004, 40013, 40125, 40001).
fn credentials<'s>(
    state: &'s mut crate::state::State,
    query: &Query,
) -> Result<&'s mut Account, ApiError> {
    let app_id = query
        .get("appid")
        .ok_or_else(|| ApiError::msg(41002, "appid missing"))?;
    let secret = query
        .get("secret")
        .ok_or_else(|| ApiError::msg(41004, "appsecret missing"))?;
    let index = state.account_index(app_id, secret)?;
    state
        .accounts
        .get_mut(index)
        .ok_or_else(|| ApiError::msg(40013, "invalid appid"))
}

async fn access_token(State(shared): State<Arc<Shared>>, query: Query) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = credentials(&mut state, &query)?;
    if query.get("grant_type") != Some("authorization_code") {
        return Err(ApiError::msg(40002, "invalid grant_type"));
    }
    ok(account.oauth.exchange_code(query.get("code"), None, now)?)
}

async fn refresh_token(State(shared): State<Arc<Shared>>, query: Query) -> ApiResult {
    let app_id = query
        .get("appid")
        .ok_or_else(|| ApiError::msg(41002, "appid missing"))?;
    if query.get("grant_type") != Some("refresh_token") {
        return Err(ApiError::msg(40002, "invalid grant_type"));
    }
    let refresh = query
        .get("refresh_token")
        .ok_or_else(|| ApiError::msg(41003, "refresh_token missing"))?;
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = state
        .account_mut(app_id)
        .ok_or_else(|| ApiError::msg(40013, "invalid appid"))?;
    ok(account.oauth.refresh(refresh, None, now)?)
}

/// The checks of `/sns/oauth2/component/*` in the platform's order: the component token, the
/// component's AppID, the account (present, authorized to the component), the grant type.
/// The account and the component's AppID.
fn component_account<'s>(
    shared: &Shared,
    state: &'s mut crate::state::State,
    query: &Query,
    grant_type: &str,
) -> Result<(&'s mut Account, String), ApiError> {
    let component = shared
        .settings
        .component
        .as_ref()
        .ok_or_else(|| ApiError::msg(61011, "invalid component"))?;
    state.check_component_token(query.get("component_access_token"), shared.clock.now())?;
    check_component_appid(component, query.get("component_appid"))?;
    let app_id = query
        .get("appid")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::msg(41002, "appid missing"))?;
    state.authorization_of(Some(app_id))?;
    if query.get("grant_type") != Some(grant_type) {
        return Err(ApiError::msg(40002, "invalid grant_type"));
    }
    let account = state
        .account_mut(app_id)
        .ok_or_else(|| ApiError::msg(61003, "component is not authorized by this account"))?;
    Ok((account, component.app_id.clone()))
}

async fn component_access_token(State(shared): State<Arc<Shared>>, query: Query) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let (account, component) =
        component_account(&shared, &mut state, &query, "authorization_code")?;
    ok(account
        .oauth
        .exchange_code(query.get("code"), Some(&component), now)?)
}

async fn component_refresh_token(State(shared): State<Arc<Shared>>, query: Query) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let (account, component) = component_account(&shared, &mut state, &query, "refresh_token")?;
    let refresh = query
        .get("refresh_token")
        .ok_or_else(|| ApiError::msg(41003, "refresh_token missing"))?;
    ok(account.oauth.refresh(refresh, Some(&component), now)?)
}

/// The access token and OpenID of a `userinfo` or `auth` call (41001, 41009).
fn token_and_openid(query: &Query) -> Result<(&str, &str), ApiError> {
    let token = query
        .get("access_token")
        .ok_or_else(|| ApiError::msg(41001, "access_token missing"))?;
    let openid = query
        .get("openid")
        .ok_or_else(|| ApiError::msg(41009, "missing openid"))?;
    Ok((token, openid))
}

async fn userinfo(State(shared): State<Arc<Shared>>, query: Query) -> ApiResult {
    let (token, openid) = token_and_openid(&query)?;
    let now = shared.clock.now();
    ok(shared.state().oauth_userinfo(token, openid, now)?)
}

async fn check(State(shared): State<Arc<Shared>>, query: Query) -> ApiResult {
    let (token, openid) = token_and_openid(&query)?;
    let now = shared.clock.now();
    shared.state().oauth_grant(token, openid, now)?;
    ok_empty()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeRequest {
    openid: String,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    app_id: Option<String>,
}

/// `POST /sandbox/oauth/code {"openid", "scope"?, "app_id"?}`: the code a follower's consent
/// would give, without the redirect (`{"code": …}`).
async fn code_for(State(shared): State<Arc<Shared>>, bytes: bytes::Bytes) -> Response {
    let request: CodeRequest = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(e) => return ControlError::bad(format!("body: {e}")).into_response(),
    };
    let scope = request.scope.unwrap_or_else(|| "snsapi_base".to_owned());
    if !matches!(scope.as_str(), "snsapi_base" | "snsapi_userinfo") {
        return ControlError::bad("scope is snsapi_base or snsapi_userinfo").into_response();
    }
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = match &request.app_id {
        Some(app_id) => state.account_mut(app_id),
        None => state.accounts.first_mut(),
    };
    let Some(account) = account else {
        return ControlError::bad("no such account").into_response();
    };
    let code = account.oauth.issue_code(&request.openid, &scope, None, now);
    axum::Json(json!({"code": code})).into_response()
}
