//! A follower's consent as the platform learns it and tells the account: the
//! `subscribe_msg_popup_event` of the consent sheet and the `subscribe_msg_change_event` of the
//! follower's settings, pushed through the control API (`/sandbox/push`, the console). Each
//! `List` element names a template of the account and `accept` or `reject`.

use serde_json::Value;

use super::Status;
use crate::state::Account;

/// Why the consents a push carries were refused (the control API answers 400 with it).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConsentError {
    /// The event has no `List` under its group element.
    #[error("{event} needs {group}: {{\"List\": [{{\"TemplateId\", \"SubscribeStatusString\"}}]}}")]
    NoList {
        event: &'static str,
        group: &'static str,
    },
    /// An element names a template the account does not have.
    #[error(
        "{group}.List[{index}].TemplateId {id:?} is not a template of the account \
         (add one with /wxaapi/newtmpl/addtemplate)"
    )]
    UnknownTemplate {
        group: &'static str,
        index: usize,
        id: String,
    },
    /// An element's status is neither `accept` nor `reject`.
    #[error("{group}.List[{index}].SubscribeStatusString must be accept or reject")]
    Status { group: &'static str, index: usize },
}

/// The events that carry consents, and the element that groups their `List`.
const EVENTS: &[(&str, &str)] = &[
    ("subscribe_msg_popup_event", "SubscribeMsgPopupEvent"),
    ("subscribe_msg_change_event", "SubscribeMsgChangeEvent"),
];

impl Account {
    /// Records the consents a push from `openid` carries, if it is a popup or change event:
    /// all of them, or none when one names a template the account does not have or a status
    /// other than `accept`/`reject`.
    pub(crate) fn consent_from_push(
        &mut self,
        openid: &str,
        fields: &[(String, Value)],
        now: i64,
    ) -> Result<(), ConsentError> {
        let text = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v);
        if text("MsgType").and_then(Value::as_str) != Some("event") {
            return Ok(());
        }
        let event = text("Event").and_then(Value::as_str).unwrap_or_default();
        let Some(&(event, group)) = EVENTS.iter().find(|(name, _)| *name == event) else {
            return Ok(());
        };
        let list = text(group)
            .and_then(|g| g.get("List"))
            .ok_or(ConsentError::NoList { event, group })?;
        let items: Vec<&Value> = match list {
            Value::Array(items) => items.iter().collect(),
            one => vec![one],
        };
        let mut consents = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let field = |name: &str| item.get(name).and_then(Value::as_str).unwrap_or_default();
            let id = field("TemplateId");
            if self.subscriptions.template(id).is_none() {
                return Err(ConsentError::UnknownTemplate {
                    group,
                    index,
                    id: id.to_owned(),
                });
            }
            let status = Status::parse(field("SubscribeStatusString"))
                .ok_or(ConsentError::Status { group, index })?;
            consents.push((id.to_owned(), status));
        }
        for (id, status) in consents {
            self.subscriptions.record(openid, &id, status, now);
        }
        Ok(())
    }
}
