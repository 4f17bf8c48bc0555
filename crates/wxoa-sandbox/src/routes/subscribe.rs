//! The HTTP side of subscription notifications (api-reference.md §13, "Subscription-notification
//! API"): `POST /cgi-bin/message/subscribe/bizsend`. The notification lands in the follower's inbox
//! (kind `subscribe`) and `subscribe_msg_sent_event` is pushed with its result.
//!
//! | rule | code |
//! |---|---|
//! | `touser` a follower (unknown 40003, blacklisted 43019, not following 43004) | |
//! | `template_id` present | 40037 |
//! | `data`: every field `{"value": "…"}` | 47003 naming the field |
//! | `miniprogram.appid` an AppID | 47003 |
//!
//! The rules are `platform::subscribe`'s; this file decodes the request.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;

use super::{Authed, Json, post};
use crate::error::{ApiResult, ok_empty};
use crate::platform::subscribe::SubscriptionSend;
use crate::push::push_in_background;
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/cgi-bin/message/subscribe/bizsend", post(send))
}

async fn send(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<SubscriptionSend>,
) -> ApiResult {
    let now = shared.clock.now();
    let outgoing = {
        let mut state = shared.state();
        auth.account(&mut state)?.send_subscription(request, now)?
    };
    push_in_background(&shared, outgoing);
    ok_empty()
}
