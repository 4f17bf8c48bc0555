//! The answers of the control API as the typed client reads them. Lenient as the platform's
//! responses are: fields the client does not know yet are ignored, and new outcomes read as
//! `Unknown`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};
use wxoa_types::subscribe::ConsentStatus;

pub use crate::calls::CallsUsage;
pub use crate::faults::FaultOutcome;
pub use crate::log::{Attempt, PushOutcome};

/// A page of followers (`GET /sandbox/followers`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Followers {
    /// How many followers the account has.
    pub total: u64,
    /// The OpenIDs of this page.
    pub openids: Vec<String>,
}

/// An account the sandbox plays (`GET /sandbox/accounts`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// Its AppID.
    pub app_id: String,
    /// Its original id (`gh_…`).
    pub original_id: String,
    /// How many followers it has.
    pub followers: u64,
}

/// What came of a push (`POST /sandbox/push`, `/sandbox/scan`, `/sandbox/click`,
/// `GET /sandbox/pushes`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "PushRecord")]
#[non_exhaustive]
pub struct PushResult {
    /// The push's number in the push log.
    pub id: u64,
    /// Unix seconds (virtual clock).
    pub at: i64,
    /// The account it went to.
    pub app_id: String,
    /// The follower who sent it.
    pub from: String,
    /// The message as plaintext XML.
    pub xml: String,
    /// The query string sent with every delivery.
    pub query: String,
    /// The body sent (encrypted in safe mode).
    pub body: String,
    /// How many deliveries were made (the platform makes up to three).
    pub attempts: u32,
    /// Each delivery.
    pub attempt_log: Vec<Attempt>,
    /// How it ended.
    pub outcome: PushOutcome,
    /// The webhook's reply verified, decrypted and read, fields named as in the platform's
    /// XML; `None` for `success` or an empty answer.
    pub reply: Option<Map<String, Value>>,
    /// The last answer's body as received.
    pub raw: Option<String>,
    /// The reply's plaintext XML.
    pub reply_xml: Option<String>,
    /// Why the answer was not accepted.
    pub error: Option<String>,
}

impl PushResult {
    /// A text field of the reply (`reply_text("Content")`), if there is a reply with it.
    pub fn reply_text(&self, field: &str) -> Option<&str> {
        self.reply.as_ref()?.get(field)?.as_str()
    }
}

/// A push as the control API writes it: `attempts` is a count beside `attempt_log` in the
/// answer of a push, and the list of deliveries itself in the push log.
#[derive(Deserialize)]
struct PushRecord {
    id: u64,
    at: i64,
    app_id: String,
    from: String,
    xml: String,
    query: String,
    body: String,
    attempts: Attempts,
    #[serde(default)]
    attempt_log: Vec<Attempt>,
    outcome: PushOutcome,
    #[serde(default)]
    reply: Option<Map<String, Value>>,
    #[serde(default)]
    raw: Option<String>,
    #[serde(default)]
    reply_xml: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Attempts {
    Count(u32),
    List(Vec<Attempt>),
}

impl From<PushRecord> for PushResult {
    fn from(record: PushRecord) -> Self {
        let (attempts, attempt_log) = match record.attempts {
            Attempts::Count(n) => (n, record.attempt_log),
            Attempts::List(list) => (u32::try_from(list.len()).unwrap_or(u32::MAX), list),
        };
        Self {
            id: record.id,
            at: record.at,
            app_id: record.app_id,
            from: record.from,
            xml: record.xml,
            query: record.query,
            body: record.body,
            attempts,
            attempt_log,
            outcome: record.outcome,
            reply: record.reply,
            raw: record.raw,
            reply_xml: record.reply_xml,
            error: record.error,
        }
    }
}

/// A message a follower received (`GET /sandbox/inbox/{openid}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct InboxItem {
    /// Unix seconds (virtual clock).
    pub at: i64,
    /// Its position among the account's conversations.
    #[serde(default)]
    pub seq: u64,
    /// `reply`, `custom`, `template`, `mass` or `notice`.
    pub kind: String,
    /// The message as the account sent it.
    pub message: Value,
}

/// An API call the sandbox received (`GET /sandbox/calls`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Call {
    /// Its number, from 1 in the order calls were logged.
    pub seq: u64,
    /// Unix seconds (virtual clock).
    pub at: i64,
    /// The listener that received it (`api`, or `api2` for the failover listener).
    pub listener: String,
    /// `GET`, `POST`, …
    pub method: String,
    /// The API path.
    pub path: String,
    /// The query, secrets masked.
    pub query: Map<String, Value>,
    /// The body (JSON, or a string), secrets masked.
    pub body: Value,
    /// The answer's errcode; `None` when a fault dropped the connection.
    pub errcode: Option<i64>,
    /// The injected fault, if one applied (`errcode`, `delay`, `drop`).
    #[serde(default)]
    pub fault: Option<String>,
    /// API calls the sandbox was answering when this one arrived, itself included: how many
    /// calls the program under test had in flight.
    #[serde(default)]
    pub in_flight: u32,
    /// The parts of a `multipart/form-data` body (an upload), in order; empty for other bodies.
    #[serde(default)]
    pub form: Vec<FormPart>,
}

impl Call {
    /// The form part named `name`.
    pub fn part(&self, name: &str) -> Option<&FormPart> {
        self.form.iter().find(|p| p.name == name)
    }
}

/// One part of an upload's form, as the calls log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct FormPart {
    /// The field name (`media`, `description`).
    pub name: String,
    /// The file name of a file part.
    pub file_name: Option<String>,
    /// The part's content type, if given.
    pub content_type: Option<String>,
    /// Its size in bytes.
    pub size: u64,
    /// Its bytes as base64: kept for parts of at most 64 KiB not named as a secret.
    #[serde(default)]
    pub data_base64: Option<String>,
}

impl FormPart {
    /// The part's bytes, when the log kept them.
    pub fn data(&self) -> Option<Vec<u8>> {
        use base64::Engine;
        let encoded = self.data_base64.as_deref()?;
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
    }
}

/// The virtual clock (`/sandbox/clock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ClockReading {
    /// The virtual time, Unix seconds.
    pub now: i64,
    /// Seconds it is ahead of the real clock.
    pub offset: i64,
}

/// A pending fault (`GET /sandbox/faults`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SetFault {
    /// The API path it applies to.
    pub path: String,
    /// The listener it applies to; any when `None`.
    #[serde(default)]
    pub listener: Option<String>,
    /// The delay before the outcome, if any.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// What the call gets.
    pub outcome: FaultOutcome,
    /// What a [`FaultOutcome::Answer`] answers.
    #[serde(default)]
    pub answer: Option<ListedAnswer>,
    /// Calls still to be affected.
    pub times: u32,
}

/// A scripted answer as `GET /sandbox/faults` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ListedAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The headers, `Content-Type` included.
    pub headers: BTreeMap<String, String>,
    /// The body's size.
    pub body_bytes: usize,
}

/// Where pushes go (`GET /sandbox/webhook`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ShownWebhook {
    /// The first URL (passwords masked).
    pub url: Option<String>,
    /// Every URL, pushes spread round-robin over them.
    pub urls: Vec<String>,
    /// `plain`, `compat` or `safe`.
    pub mode: String,
}

/// A follower's subscription templates (`GET /sandbox/subscriptions/{openid}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct FollowerSubscriptions {
    /// The account.
    pub app_id: String,
    /// The account's templates, each with the follower's consent.
    pub templates: Vec<SubscriptionConsent>,
}

/// A subscription template of the account and a follower's consent to it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct SubscriptionConsent {
    /// The template's id (`priTmplId`).
    #[serde(rename = "priTmplId")]
    pub template_id: String,
    /// Its title.
    pub title: String,
    /// Its content, one `label:{{field.DATA}}` line per keyword.
    pub content: String,
    /// 2 one-time, 3 long-term.
    #[serde(rename = "type")]
    pub kind: u8,
    /// What the follower answered: `accept`, `reject`, or `None` before they were asked.
    pub status: Option<ConsentStatus>,
    /// One-time templates: the sends the follower's consents still allow; `None` for
    /// long-term templates.
    pub sends_left: Option<u32>,
}

/// The default account's card test whitelist (`GET /sandbox/card-whitelist`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CardWhitelist {
    /// The followers on it, by OpenID.
    #[serde(default)]
    pub openid: Vec<String>,
    /// The users on it, by WeChat id.
    #[serde(default)]
    pub username: Vec<String>,
}

/// A follower filled in a member card's activation form (`POST /sandbox/card-activation`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct CardActivation {
    /// What the follower's activation page receives, for `activatetempinfo/get`.
    pub activate_ticket: String,
    /// The member card.
    pub card_id: String,
    /// The follower's code.
    pub code: String,
    /// The `submit_membercard_user_info` push.
    pub push: PushResult,
}

/// An article comments can be about (`GET /sandbox/articles`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CommentedArticle {
    /// The `msg_data_id` of its mass send or publication.
    pub msg_data_id: u64,
    /// Its `index` in the send (from the sandbox's first index, 0 by default).
    pub index: u64,
    /// `mass` or `publish`.
    pub source: String,
    /// Its title.
    pub title: String,
    /// Whether it takes new comments.
    pub open: bool,
    /// Whether only followers may comment.
    pub only_fans_can_comment: bool,
    /// Comments neither the follower nor the account deleted.
    pub comments: u64,
}
