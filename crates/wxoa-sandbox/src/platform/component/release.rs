//! The 全网发布 release test (spec open-platform.md §9, §11): the five official accounts the
//! platform tests with, the messages of its cases, and how each case judges what the
//! component answered (a push to the authorization-event URL, a passive reply, the
//! customer-service message of the API case). The run that pushes the cases is
//! `release_test.rs`; its endpoint `routes/component_release.rs`.

use serde::Serialize;
use serde_json::{Value, json};
use wxoa_types::reply::{Reply, ReplyBody};

use crate::config::AccountConfig;
use crate::event_push::EventRecord;
use crate::log::{PushOutcome, PushRecord};
use crate::state::InboxItem;

/// The official accounts of the release test (AppID, original id): five groups since
/// 2021-01-18, one picked at random per run.
pub(crate) const TEST_ACCOUNTS: [(&str, &str); 5] = [
    ("wx570bc396a51b8ff8", "gh_3c884a361561"),
    ("wx9252c5e0bb1836fc", "gh_c0f28a78b318"),
    ("wx8e1097c5bc82cde9", "gh_3f222ed8d140"),
    ("wx14550af28c71a144", "gh_26128078e9ab"),
    ("wxa35b9c23cfe664eb", "gh_2b3713f184a6"),
];

/// The text of the passive-reply case.
pub(crate) const TEST_TEXT: &str = "TESTCOMPONENT_MSG_TYPE_TEXT";
/// The prefix of the API case's text (the authorization code follows).
pub(crate) const QUERY_AUTH_PREFIX: &str = "QUERY_AUTH_CODE:";
/// The event of the legacy event case; its expected reply is `LOCATIONfrom_callback`.
pub(crate) const LEGACY_EVENT: &str = "LOCATION";
/// How long the platform waits for the API case's empty answer, milliseconds.
pub(crate) const EMPTY_ANSWER_MS: u64 = 5_000;

/// The account configuration of a test account, if `app_id` is one.
pub(crate) fn test_account(app_id: &str) -> Option<AccountConfig> {
    TEST_ACCOUNTS
        .iter()
        .find(|(id, _)| *id == app_id)
        .map(|(id, gh)| AccountConfig::derived(*id).original_id(*gh))
}

/// The fields of the legacy event case's push (a location report).
pub(crate) fn legacy_event_fields() -> Vec<(String, Value)> {
    vec![
        ("MsgType".to_owned(), json!("event")),
        ("Event".to_owned(), json!(LEGACY_EVENT)),
        ("Latitude".to_owned(), json!("23.137466")),
        ("Longitude".to_owned(), json!("113.352425")),
        ("Precision".to_owned(), json!("119.385040")),
    ]
}

/// The fields of a text message.
pub(crate) fn text_fields(content: &str) -> Vec<(String, Value)> {
    vec![
        ("MsgType".to_owned(), json!("text")),
        ("Content".to_owned(), json!(content)),
    ]
}

/// One case of a run and how it went.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CaseReport {
    /// `ticket`, `authorization`, `passive_text`, `api_text`, `event` or `unauthorization`.
    pub(crate) name: &'static str,
    pub(crate) passed: bool,
    /// What was seen: why it failed, or what passed.
    pub(crate) reason: String,
}

impl CaseReport {
    pub(crate) fn of(name: &'static str, judged: Result<String, String>) -> Self {
        match judged {
            Ok(reason) => Self {
                name,
                passed: true,
                reason,
            },
            Err(reason) => Self {
                name,
                passed: false,
                reason,
            },
        }
    }
}

/// A push to the authorization-event URL: it must be answered `success` at the first try.
pub(crate) fn judge_event(record: &EventRecord) -> Result<String, String> {
    match record.outcome {
        "delivered" if record.attempts.len() <= 1 => {
            Ok(format!("{} answered success", record.info_type))
        }
        "delivered" => Err(format!(
            "{} was answered success only at delivery {}: {}",
            record.info_type,
            record.attempts.len(),
            first_error(record.attempts.first().and_then(|a| a.error.as_deref()))
        )),
        "no_url" => Err("the component has no authorization-event URL".to_owned()),
        _ => Err(format!(
            "{} was not answered success: {}",
            record.info_type,
            first_error(record.error.as_deref())
        )),
    }
}

fn first_error(error: Option<&str>) -> &str {
    error.unwrap_or("no answer")
}

/// Why the first delivery of a push failed, if it did (a timeout, a transport failure, an
/// HTTP status other than 200): the release test does not wait for retries.
fn first_delivery(record: &PushRecord) -> Result<u64, String> {
    let Some(first) = record.attempts.first() else {
        return Err(match record.outcome {
            PushOutcome::NoWebhook => "the push went nowhere (no message URL)".to_owned(),
            _ => format!(
                "the push was not sent: {}",
                first_error(record.error.as_deref())
            ),
        });
    };
    match &first.error {
        Some(error) => Err(format!("the first delivery failed: {error}")),
        None => Ok(first.elapsed_ms),
    }
}

/// A message case answered by a passive text reply: `expected`, at the first delivery.
pub(crate) fn judge_passive(record: &PushRecord, expected: &str) -> Result<String, String> {
    let elapsed = first_delivery(record)?;
    match record.outcome {
        PushOutcome::Reply => {}
        PushOutcome::NoReply => {
            return Err(format!(
                "answered empty (success); expected the passive text {expected:?}"
            ));
        }
        _ => {
            return Err(format!(
                "the answer was refused: {}",
                first_error(record.error.as_deref())
            ));
        }
    }
    let reply = record
        .reply_xml
        .as_deref()
        .and_then(|xml| Reply::from_xml(xml.as_bytes()).ok())
        .ok_or_else(|| "the passive reply does not read".to_owned())?;
    match &reply.body {
        ReplyBody::Text { content } if content == expected => {
            Ok(format!("passive text {expected:?} in {elapsed} ms"))
        }
        ReplyBody::Text { content } => Err(format!(
            "the passive text was {content:?}; expected {expected:?}"
        )),
        other => Err(format!(
            "the passive reply was a {} message; expected the text {expected:?}",
            other.msg_type()
        )),
    }
}

/// The API case's push: answered empty or `success`, within [`EMPTY_ANSWER_MS`].
pub(crate) fn judge_empty(record: &PushRecord) -> Result<u64, String> {
    let elapsed = first_delivery(record)?;
    match record.outcome {
        PushOutcome::NoReply if elapsed <= EMPTY_ANSWER_MS => Ok(elapsed),
        PushOutcome::NoReply => Err(format!(
            "answered after {elapsed} ms; the platform waits {EMPTY_ANSWER_MS} ms"
        )),
        PushOutcome::Reply => {
            Err("answered with a passive reply; expected an empty answer or success".to_owned())
        }
        _ => Err(format!(
            "the answer was refused: {}",
            first_error(record.error.as_deref())
        )),
    }
}

/// The API case's customer-service message among what the sender received after the push
/// (`seq` past it): `None` while there is none, else whether it is the text `expected`.
pub(crate) fn judge_custom(
    items: &[InboxItem],
    after_seq: u64,
    expected: &str,
) -> Option<Result<(), String>> {
    let item = items
        .iter()
        .find(|i| i.kind == "custom" && i.seq > after_seq)?;
    let msgtype = item.message.get("msgtype").and_then(Value::as_str);
    let content = item
        .message
        .get("text")
        .and_then(|t| t.get("content"))
        .and_then(Value::as_str);
    Some(match (msgtype, content) {
        (Some("text"), Some(content)) if content == expected => Ok(()),
        (Some("text"), Some(content)) => Err(format!(
            "the customer-service text was {content:?}; expected the query_auth_code followed by \
             \"_from_api\""
        )),
        (other, _) => Err(format!(
            "the customer-service message was a {} message; expected a text",
            other.unwrap_or("unknown")
        )),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::log::Attempt;

    fn record(outcome: PushOutcome, reply_xml: Option<&str>, error: Option<&str>) -> PushRecord {
        PushRecord {
            id: 1,
            at: 0,
            seq: 1,
            visible: true,
            app_id: "wx570bc396a51b8ff8".into(),
            from: "o1".into(),
            xml: String::new(),
            mode: None,
            query: String::new(),
            body: String::new(),
            attempts: vec![Attempt {
                at: 0,
                url: "http://x".into(),
                elapsed_ms: 3,
                status: error.is_none().then_some(200),
                error: error.map(str::to_owned),
            }],
            outcome,
            reply: None,
            raw: None,
            reply_xml: reply_xml.map(str::to_owned),
            error: error.map(str::to_owned),
        }
    }

    const TEXT_REPLY: &str = "<xml><ToUserName>o1</ToUserName><FromUserName>gh_3c884a361561</FromUserName>\
        <CreateTime>1</CreateTime><MsgType>text</MsgType><Content>TESTCOMPONENT_MSG_TYPE_TEXT_callback</Content></xml>";

    #[test]
    fn passive_cases_need_the_exact_text_at_the_first_delivery() {
        let expected = "TESTCOMPONENT_MSG_TYPE_TEXT_callback";
        let good = record(PushOutcome::Reply, Some(TEXT_REPLY), None);
        assert!(judge_passive(&good, expected).is_ok());
        let wrong = judge_passive(&good, "other").unwrap_err();
        assert!(wrong.contains("passive text was"), "{wrong}");
        let empty = judge_passive(&record(PushOutcome::NoReply, None, None), expected);
        assert!(empty.unwrap_err().contains("answered empty"));
        let slow = record(
            PushOutcome::Failed,
            None,
            Some("no answer within the push timeout"),
        );
        assert!(
            judge_passive(&slow, expected)
                .unwrap_err()
                .contains("push timeout")
        );
        assert!(judge_empty(&slow).unwrap_err().contains("push timeout"));
        assert_eq!(
            judge_empty(&record(PushOutcome::NoReply, None, None)),
            Ok(3)
        );
    }

    #[test]
    fn the_custom_message_must_follow_the_push() {
        let item = |seq, content: &str| InboxItem {
            at: 0,
            seq,
            kind: "custom".into(),
            message: json!({"msgtype": "text", "text": {"content": content}}),
        };
        assert_eq!(
            judge_custom(&[item(1, "c_from_api")], 1, "c_from_api"),
            None
        );
        assert_eq!(
            judge_custom(&[item(2, "c_from_api")], 1, "c_from_api"),
            Some(Ok(()))
        );
        assert!(matches!(
            judge_custom(&[item(2, "nope")], 1, "c_from_api"),
            Some(Err(_))
        ));
        assert!(test_account("wx570bc396a51b8ff8").is_some());
        assert!(test_account("wx0000000000000000").is_none());
    }
}
