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
use crate::shared::Shared;
use crate::state::Account;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/connect/oauth2/authorize", get(authorize))
        .route("/sns/oauth2/access_token", get(access_token))
        .route(
            "/sns/oauth2/refresh_token",
            axum::routing::get(refresh_token).post(refresh_token),
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
    let code = {
        let mut state = shared.state();
        let Some(account) = state.account_mut(app_id) else {
            return page_error(10012, "appid is unknown");
        };
        let Some(openid) = account.signing_in(query.get("sandbox_openid")) else {
            return page_error(10006, "no follower to sign in as (add sandbox_openid)");
        };
        account.oauth.issue_code(&openid, scope, now)
    };
    target
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", query.get("state").unwrap_or_default());
    (StatusCode::FOUND, [(header::LOCATION, target.to_string())]).into_response()
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
    ok(account.oauth.exchange_code(query.get("code"), now)?)
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
    ok(account.oauth.refresh(refresh, now)?)
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
    let code = account.oauth.issue_code(&request.openid, &scope, now);
    axum::Json(json!({"code": code})).into_response()
}
