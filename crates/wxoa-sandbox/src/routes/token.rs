//! The HTTP side of access tokens (api-reference.md §1, errors-and-limits.md §4); the rules
//! are `platform::tokens`'s.
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

use super::{Json, Query, get, post};
use crate::error::{ApiResult, ok};
use crate::platform::tokens::{Issued, check_token_request};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/token", get(token))
        .route("/cgi-bin/stable_token", post(stable_token))
}

async fn token(State(shared): State<Arc<Shared>>, query: Query) -> ApiResult {
    let app_id = check_token_request(
        query.get("grant_type"),
        query.get("appid"),
        query.get("secret"),
    )?;
    let now = shared.clock.now();
    let secret = query.get("secret").unwrap_or_default();
    let issued = shared
        .state()
        .issue_classic(app_id, secret, &shared.settings, now)?;
    answer(&issued)
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
    let app_id = check_token_request(
        request.grant_type.as_deref(),
        request.appid.as_deref(),
        request.secret.as_deref(),
    )?;
    let now = shared.clock.now();
    let secret = request.secret.as_deref().unwrap_or_default();
    let issued = shared.state().issue_stable(
        app_id,
        secret,
        request.force_refresh,
        &shared.settings,
        now,
    )?;
    answer(&issued)
}

fn answer(issued: &Issued) -> ApiResult {
    ok(json!({"access_token": issued.token, "expires_in": issued.expires_in}))
}
