//! The HTTP side of JS-SDK and card tickets: `GET /cgi-bin/ticket/getticket?type=jsapi|wx_card`
//! (api-reference.md §16). Each call issues a new ticket, valid 7,200 s (`platform::tokens`).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde_json::json;

use super::{Authed, Query, get};
use crate::error::{ApiResult, ok};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/cgi-bin/ticket/getticket", get(getticket))
}

async fn getticket(State(shared): State<Arc<Shared>>, auth: Authed, query: Query) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let ticket = auth.account(&mut state)?.issue_ticket(
        query.get("type"),
        now,
        shared.settings.token_lifetime,
    )?;
    ok(
        json!({"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": shared.settings.token_lifetime}),
    )
}
