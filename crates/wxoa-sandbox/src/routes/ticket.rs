//! JS-SDK and card tickets: `GET /cgi-bin/ticket/getticket?type=jsapi|wx_card`
//! (api-reference.md §16). Each call issues a new ticket, valid 7,200 s.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde_json::json;

use super::{Authed, Query, get};
use crate::error::{ApiError, ApiResult, ok};
use crate::platform::tokens::Ticket;
use crate::platform::tokens::{LIFETIME, random_text};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/cgi-bin/ticket/getticket", get(getticket))
}

async fn getticket(State(shared): State<Arc<Shared>>, auth: Authed, query: Query) -> ApiResult {
    let Some(kind @ ("jsapi" | "wx_card")) = query.get("type") else {
        return Err(ApiError::msg(
            40035,
            "invalid args: type must be jsapi or wx_card",
        ));
    };
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let ticket = random_text(86);
    account.tokens.tickets.insert(
        kind.to_owned(),
        Ticket {
            ticket: ticket.clone(),
            expires_at: now + LIFETIME,
        },
    );
    ok(json!({"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": LIFETIME}))
}
