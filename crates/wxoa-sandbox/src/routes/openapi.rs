//! The HTTP side of openApi management (api-reference-2 §8): `rid/get`, what the platform
//! knows of the call behind a request id — the `rid:` of an error's `errmsg` — and the daily
//! quota of one API path, read (`quota/get`) or started again (`quota/clear`). The request
//! ids are kept by the API layer (`rids`), the quotas by `platform::tokens`, which hold the
//! rules:
//!
//! | rule | code |
//! |---|---|
//! | `rid`: three groups of 8 hex digits | 76002 |
//! | an id the sandbox answered (and still keeps) | 76001 |
//! | an id of a call made with the caller's own access token | 76003 |
//! | at most 7 days old | 76004 |
//! | `quota/*`: a `cgi_path` | 47003 |
//! | `quota/*`: not an `/sns/` path (no account token reaches those) | 76022 |
//! | `quota/*`: a path with a daily quota | 76021 |
//! | `quota/clear`: at most 50 a month (the code is the sandbox's choice) | 48006 |

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;

use super::{Authed, Json, post};
use crate::error::{ApiResult, ok, ok_empty};
use crate::shared::{Shared, lock};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/openapi/rid/get", post(rid_get))
        .route("/cgi-bin/openapi/quota/get", post(quota_get))
        .route("/cgi-bin/openapi/quota/clear", post(quota_clear))
}

#[derive(Debug, Deserialize)]
struct RidRequest {
    #[serde(default)]
    rid: Option<String>,
}

async fn rid_get(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<RidRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let rids = lock(&shared.rids);
    let entry = rids.lookup(request.rid.as_deref(), &auth.app_id, now)?;
    ok(json!({"errcode": 0, "errmsg": "ok", "request": entry.to_json()}))
}

#[derive(Debug, Deserialize)]
struct QuotaRequest {
    #[serde(default)]
    cgi_path: Option<String>,
}

async fn quota_get(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<QuotaRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let (limit, used) = auth.account(&mut state)?.quota_of(
        request.cgi_path.as_deref(),
        &shared.settings.quotas,
        now,
    )?;
    ok(json!({
        "errcode": 0,
        "errmsg": "ok",
        "quota": {"daily_limit": limit, "used": used, "remain": limit.saturating_sub(used)},
    }))
}

async fn quota_clear(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<QuotaRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    auth.account(&mut state)?.clear_path_quota(
        request.cgi_path.as_deref(),
        &shared.settings.quotas,
        now,
    )?;
    ok_empty()
}
