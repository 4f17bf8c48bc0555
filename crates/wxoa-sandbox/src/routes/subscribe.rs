//! Subscription notifications (api-reference.md §13, "Subscription-notification API"):
//! `POST /cgi-bin/message/subscribe/bizsend`. The notification lands in the follower's inbox
//! (kind `subscribe`) and `subscribe_msg_sent_event` is pushed with its result.
//!
//! | rule | code |
//! |---|---|
//! | `touser` a follower (unknown 40003, blacklisted 43019, not following 43004) | |
//! | `template_id` present | 40037 |
//! | `data`: every field `{"value": "…"}` | 47003 naming the field |
//! | `miniprogram.appid` an AppID | 47003 |
//!
//! The sandbox does not play the `/wxaapi/newtmpl/*` template library nor the follower's
//! consent (the platform's 43101 when they refused): any template id is taken, and every
//! follower counts as having accepted it.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Authed, Json, post, set_field};
use crate::error::{ApiError, ApiResult, ok_empty};
use crate::platform::template::{check_data, check_miniprogram};
use crate::push::{Outgoing, push_in_background};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/cgi-bin/message/subscribe/bizsend", post(send))
}

#[derive(Debug, Deserialize)]
struct SendRequest {
    #[serde(default)]
    touser: Option<String>,
    #[serde(default)]
    template_id: Option<String>,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    miniprogram: Option<Map<String, Value>>,
    #[serde(default)]
    data: Option<Value>,
}

async fn send(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<SendRequest>,
) -> ApiResult {
    let template_id = request
        .template_id
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::msg(40037, "invalid template_id"))?;
    let data = check_data(request.data.as_ref())?;
    check_miniprogram(request.miniprogram.as_ref())?;
    let openid = request.touser.unwrap_or_default();
    let now = shared.clock.now();
    let outgoing = {
        let mut state = shared.state();
        let account = auth.account(&mut state)?;
        account.reachable(&openid)?;
        let msgid = account.next_msg_id();
        let mut message = json!({"template_id": template_id, "data": data, "msgid": msgid});
        if let Some(page) = request.page {
            set_field(&mut message, "page", json!(page));
        }
        if let Some(mini) = request.miniprogram {
            set_field(&mut message, "miniprogram", Value::Object(mini));
        }
        account.deliver(&openid, now, "subscribe", message);
        let fields = [
            ("MsgType".to_owned(), json!("event")),
            ("Event".to_owned(), json!("subscribe_msg_sent_event")),
            (
                "SubscribeMsgSentEvent".to_owned(),
                json!({"List": {"TemplateId": template_id, "MsgID": msgid.to_string(),
                                "ErrorCode": 0, "ErrorStatus": "success"}}),
            ),
        ];
        Outgoing::new(
            &account.app_id,
            &account.original_id,
            &openid,
            now,
            &fields,
            || msgid,
        )
    };
    push_in_background(&shared, outgoing);
    ok_empty()
}
