//! Access tokens as the platform issues them (api-reference.md §1, errors-and-limits.md §4).
//!
//! - `GET /cgi-bin/token`: a new token on every call, valid 7,200 s; the previous one keeps
//!   working for 5 more minutes, then answers 40001.
//! - `POST /cgi-bin/stable_token`: the same token while it is valid (a new one in its last 5
//!   minutes, the old one still working until it expires); `force_refresh` replaces it at once,
//!   at most 20 times a day and not within 30 s of the previous forced refresh. Stable and
//!   classic tokens are independent.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;

use super::{Json, Query, get, post, take_quota};
use crate::clock::china_day;
use crate::error::{ApiError, ApiResult, ok};
use crate::platform::tokens::{LIFETIME, TokenKind, TokenRecord, new_token};
use crate::shared::Shared;
use crate::state::State as Platform;

/// How long a replaced token keeps working, seconds.
const OVERLAP: i64 = 300;
/// Forced stable-token refreshes must be this far apart, seconds.
const FORCE_SPACING: i64 = 30;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/token", get(token))
        .route("/cgi-bin/stable_token", post(stable_token))
}

async fn token(State(shared): State<Arc<Shared>>, query: Query) -> ApiResult {
    let app_id = check_request(
        query.get("grant_type"),
        query.get("appid"),
        query.get("secret"),
    )?;
    let now = shared.clock.now();
    let mut state = shared.state();
    let index = state.account_index(app_id, query.get("secret").unwrap_or_default())?;
    let Platform { accounts, tokens } = &mut *state;
    let Some(account) = accounts.get_mut(index) else {
        return Err(ApiError::msg(40013, "invalid appid"));
    };
    take_quota(&shared, account, "/cgi-bin/token", now)?;
    let token = new_token();
    tokens.insert(
        token.clone(),
        TokenRecord::new(app_id, TokenKind::Classic, now),
    );
    if let Some(previous) = account.tokens.classic_token.replace(token.clone())
        && let Some(previous) = tokens.get_mut(&previous)
    {
        let end = now + OVERLAP;
        previous.revoked_at = Some(previous.revoked_at.map_or(end, |r| r.min(end)));
    }
    state.prune_tokens(now);
    ok(json!({"access_token": token, "expires_in": LIFETIME}))
}

#[derive(Debug, Deserialize)]
struct StableRequest {
    grant_type: Option<String>,
    appid: Option<String>,
    secret: Option<String>,
    #[serde(default)]
    force_refresh: bool,
}

async fn stable_token(
    State(shared): State<Arc<Shared>>,
    Json(request): Json<StableRequest>,
) -> ApiResult {
    let app_id = check_request(
        request.grant_type.as_deref(),
        request.appid.as_deref(),
        request.secret.as_deref(),
    )?;
    let now = shared.clock.now();
    let mut state = shared.state();
    let index = state.account_index(app_id, request.secret.as_deref().unwrap_or_default())?;
    let Platform { accounts, tokens } = &mut *state;
    let Some(account) = accounts.get_mut(index) else {
        return Err(ApiError::msg(40013, "invalid appid"));
    };
    take_quota(&shared, account, "/cgi-bin/stable_token", now)?;
    let current = account
        .tokens
        .stable
        .token
        .as_ref()
        .and_then(|t| tokens.get(t).map(|r| (t.clone(), r.ends_at())))
        .filter(|(_, ends)| *ends > now);
    let stable = &mut account.tokens.stable;
    if request.force_refresh {
        if stable.force_day != china_day(now) {
            stable.force_day = china_day(now);
            stable.forced_today = 0;
        }
        let too_soon = stable
            .last_forced
            .is_some_and(|last| now - last < FORCE_SPACING);
        if let (true, Some((token, ends))) = (too_soon, &current) {
            // Within 30 s of the last forced refresh nothing is refreshed.
            return ok(json!({"access_token": token, "expires_in": ends - now}));
        }
        if stable.forced_today >= shared.settings.stable_force_per_day {
            return Err(ApiError::msg(45009, "reach max api daily quota limit"));
        }
        stable.forced_today += 1;
        stable.last_forced = Some(now);
        if let Some((old, _)) = &current
            && let Some(old) = tokens.get_mut(old)
        {
            old.revoked_at = Some(now);
        }
    } else if let Some((token, ends)) = &current
        && now < ends - OVERLAP
    {
        return ok(json!({"access_token": token, "expires_in": ends - now}));
    }
    // In its last five minutes: a new token; the old one works until it expires.
    let token = new_token();
    tokens.insert(
        token.clone(),
        TokenRecord::new(app_id, TokenKind::Stable, now),
    );
    account.tokens.stable.token = Some(token.clone());
    state.prune_tokens(now);
    ok(json!({"access_token": token, "expires_in": LIFETIME}))
}

/// The checks that need no state, in the platform's order: grant_type, appid, secret.
fn check_request<'a>(
    grant_type: Option<&str>,
    app_id: Option<&'a str>,
    secret: Option<&str>,
) -> Result<&'a str, ApiError> {
    if grant_type != Some("client_credential") {
        return Err(ApiError::msg(40002, "invalid grant_type"));
    }
    let app_id = app_id
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::msg(41002, "appid missing"))?;
    if secret.is_none_or(str::is_empty) {
        return Err(ApiError::msg(41004, "appsecret missing"));
    }
    Ok(app_id)
}
