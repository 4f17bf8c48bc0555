//! The HTTP side of the automatic replies (api-reference-2 §7): `get_current_autoreply_info`
//! reports what `platform::autoreply` holds, and the control API sets it in place of the MP
//! web console: `PUT /sandbox/autoreply[?app_id=A]` with the platform's own shape (checked;
//! 400 naming the field), `GET /sandbox/autoreply[?app_id=A]` to read it back.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use bytes::Bytes;

use super::sandbox_api::{ControlResult, body, method_not_allowed, pick_account_mut, reply};
use super::{Authed, Query, get};
use crate::error::{ApiResult, ok};
use crate::platform::autoreply::AutoReply;
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/get_current_autoreply_info", get(current))
        .route(
            "/sandbox/autoreply",
            axum::routing::get(shown)
                .put(set)
                .fallback(method_not_allowed),
        )
}

async fn current(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    ok(serde_json::to_value(&account.autoreply).unwrap_or_default())
}

async fn shown(State(shared): State<Arc<Shared>>, query: Query) -> ControlResult {
    let mut state = shared.state();
    let account = pick_account_mut(&mut state, query.get("app_id"))?;
    reply(serde_json::to_value(&account.autoreply).unwrap_or_default())
}

async fn set(State(shared): State<Arc<Shared>>, query: Query, bytes: Bytes) -> ControlResult {
    let rules: AutoReply = body(&bytes)?;
    let rules = rules
        .checked(shared.clock.now())
        .map_err(super::sandbox_api::ControlError::bad)?;
    let mut state = shared.state();
    let account = pick_account_mut(&mut state, query.get("app_id"))?;
    account.autoreply = rules;
    reply(serde_json::to_value(&account.autoreply).unwrap_or_default())
}
