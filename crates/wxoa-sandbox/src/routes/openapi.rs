//! The HTTP side of openApi management's `rid/get` (api-reference-2 §8): what the platform
//! knows of the call behind a request id — the `rid:` of an error's `errmsg`. The ids are kept
//! by the API layer (`rids`), which also holds the rules:
//!
//! | rule | code |
//! |---|---|
//! | `rid`: three groups of 8 hex digits | 76002 |
//! | an id the sandbox answered (and still keeps) | 76001 |
//! | an id of a call made with the caller's own access token | 76003 |
//! | at most 7 days old | 76004 |

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;

use super::{Authed, Json, post};
use crate::error::{ApiResult, ok};
use crate::shared::{Shared, lock};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/cgi-bin/openapi/rid/get", post(rid_get))
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
