//! Subscription notifications (`message/subscribe/bizsend`): the rules of a send — a template
//! id, valid `data` and `miniprogram`, a reachable follower — the notification in their inbox
//! and the `subscribe_msg_sent_event` push with its result.
//!
//! The sandbox does not play the `/wxaapi/newtmpl/*` template library nor the follower's
//! consent (the platform's 43101 when they refused): any template id is taken, and every
//! follower counts as having accepted it.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::platform::template::{check_data, check_miniprogram};
use crate::push::Outgoing;
use crate::state::Account;

/// A subscription notification to send.
#[derive(Debug, Deserialize)]
pub(crate) struct SubscriptionSend {
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

impl Account {
    /// `bizsend`: a template id (40037), valid `data` and `miniprogram`, a reachable follower.
    /// The notification lands in their inbox (kind `subscribe`); the push of its result.
    pub(crate) fn send_subscription(
        &mut self,
        send: SubscriptionSend,
        now: i64,
    ) -> Result<Outgoing, ApiError> {
        let template_id = send
            .template_id
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::msg(40037, "invalid template_id"))?;
        let data = check_data(send.data.as_ref())?;
        check_miniprogram(send.miniprogram.as_ref())?;
        let openid = send.touser.unwrap_or_default();
        self.reachable(&openid)?;
        let msgid = self.next_msg_id();
        let message = json!({"template_id": template_id, "data": data, "msgid": msgid});
        let optional = [
            ("page", send.page.map(Value::String)),
            ("miniprogram", send.miniprogram.map(Value::Object)),
        ];
        let result = [
            ("MsgType".to_owned(), json!("event")),
            ("Event".to_owned(), json!("subscribe_msg_sent_event")),
            (
                "SubscribeMsgSentEvent".to_owned(),
                json!({"List": {"TemplateId": template_id, "MsgID": msgid.to_string(),
                                "ErrorCode": 0, "ErrorStatus": "success"}}),
            ),
        ];
        Ok(self.notify(&openid, "subscribe", message, optional, &result, now))
    }
}
