//! Logs bounded by bytes: the newest entries whose weights fit a budget, the oldest forgotten
//! first. The calls log (`calls`) keeps its entries in one; the push log, here, is the pushes
//! made and what came of each (`GET /sandbox/pushes`), which `push` writes as it delivers.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::PushMode;

/// Bytes the push log keeps; the oldest pushes are forgotten first.
const LOG_BUDGET: usize = 32 * 1024 * 1024;

/// What an entry of a bounded log costs in memory: its own size and the bytes it owns.
pub(crate) trait Weigh {
    /// The entry's weight in bytes.
    fn weight(&self) -> usize;
}

/// What a bounded log holds against its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Usage {
    /// Entries kept.
    pub(crate) entries: usize,
    /// Their weight in bytes.
    pub(crate) bytes: usize,
    /// The budget.
    pub(crate) max_bytes: usize,
    /// Entries forgotten to stay within the budget.
    pub(crate) forgotten: u64,
}

/// A log bounded by bytes: the newest entries whose weights add up to at most `max_bytes`;
/// the oldest are forgotten first.
#[derive(Debug)]
pub(crate) struct Bounded<T> {
    entries: VecDeque<T>,
    bytes: usize,
    max_bytes: usize,
    forgotten: u64,
}

impl<T: Weigh> Bounded<T> {
    pub(crate) fn new(max_bytes: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            bytes: 0,
            max_bytes,
            forgotten: 0,
        }
    }

    pub(crate) fn push(&mut self, entry: T) {
        self.bytes = self.bytes.saturating_add(entry.weight());
        self.entries.push_back(entry);
        self.trim();
    }

    /// Changes the first entry `find` selects, if there is one, keeping the count of bytes.
    pub(crate) fn update(&mut self, find: impl Fn(&T) -> bool, change: impl FnOnce(&mut T)) {
        if let Some(entry) = self.entries.iter_mut().find(|e| find(e)) {
            self.bytes = self.bytes.saturating_sub(entry.weight());
            change(entry);
            self.bytes = self.bytes.saturating_add(entry.weight());
            self.trim();
        }
    }

    /// Forgets the oldest entries until the rest fit the budget.
    fn trim(&mut self) {
        while self.bytes > self.max_bytes {
            let Some(oldest) = self.entries.pop_front() else {
                self.bytes = 0;
                break;
            };
            self.bytes = self.bytes.saturating_sub(oldest.weight());
            self.forgotten = self.forgotten.saturating_add(1);
        }
        // A deque that once held many more entries than it does now gives its memory back.
        if self.entries.capacity() > 1024 && self.entries.capacity() > 4 * self.entries.len() {
            self.entries.shrink_to(2 * self.entries.len());
        }
    }

    /// The entries `keep` selects, oldest first; with a `limit`, only the newest that many.
    pub(crate) fn select(&self, keep: impl Fn(&T) -> bool, limit: Option<usize>) -> Vec<&T> {
        let selected: Vec<&T> = self.entries.iter().filter(|e| keep(e)).collect();
        let skip = limit.map_or(0, |limit| selected.len().saturating_sub(limit));
        selected.into_iter().skip(skip).collect()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.entries.shrink_to_fit();
        self.bytes = 0;
    }

    pub(crate) fn usage(&self) -> Usage {
        Usage {
            entries: self.entries.len(),
            bytes: self.bytes,
            max_bytes: self.max_bytes,
            forgotten: self.forgotten,
        }
    }
}

/// One delivery of a push to the webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Attempt {
    /// Unix seconds (virtual clock) when it was sent.
    pub at: i64,
    /// Where it was sent (the webhook URL without the query, any password masked).
    pub url: String,
    /// How long the webhook took.
    pub elapsed_ms: u64,
    /// HTTP status of the answer; absent on timeout or transport failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why the delivery failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How a push ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PushOutcome {
    /// Still being delivered (only ever seen in the log, while the webhook has not answered).
    Pending,
    /// No webhook is configured: nothing was sent.
    NoWebhook,
    /// `success` or an empty body.
    NoReply,
    /// A valid passive reply.
    Reply,
    /// No acceptable answer in time, after every delivery.
    Failed,
    /// An answer that is not `success`, empty, or a valid reply.
    Invalid,
    /// An outcome a newer sandbox wrote that this build does not know (never written).
    #[serde(other)]
    Unknown,
}

/// A push and what came of it (`GET /sandbox/pushes`; `POST /sandbox/push` answers it).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PushRecord {
    pub(crate) id: u64,
    pub(crate) at: i64,
    /// Position in the account's conversations, between what the follower received.
    pub(crate) seq: u64,
    /// Whether the follower is looking at the chat (see `push::Outgoing::visible`).
    pub(crate) visible: bool,
    pub(crate) app_id: String,
    pub(crate) from: String,
    /// The message as plaintext XML.
    pub(crate) xml: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) mode: Option<PushMode>,
    /// The query string sent (same for every attempt).
    pub(crate) query: String,
    /// The body sent.
    pub(crate) body: String,
    pub(crate) attempts: Vec<Attempt>,
    pub(crate) outcome: PushOutcome,
    /// The reply verified, decrypted and read (platform field names); `null` without one.
    pub(crate) reply: Option<Value>,
    /// The last answer's body as received.
    pub(crate) raw: Option<String>,
    /// The reply's plaintext XML (decrypted in compat and safe mode).
    pub(crate) reply_xml: Option<String>,
    /// Why the answer was not accepted.
    pub(crate) error: Option<String>,
}

impl PushRecord {
    /// The message pushed, by field name; `null` if its XML does not read.
    pub(crate) fn message(&self) -> Value {
        wxoa_types::xml::parse(self.xml.as_bytes())
            .ok()
            .and_then(|root| serde_json::to_value(&root).ok())
            .unwrap_or(Value::Null)
    }

    /// The answer of `POST /sandbox/push`: the contract's `attempts`, `reply`, `raw`, and the
    /// rest of the record.
    pub(crate) fn summary(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(map) = value.as_object_mut() {
            map.insert("attempts".into(), json!(self.attempts.len()));
            map.insert("attempt_log".into(), json!(self.attempts));
        }
        value
    }
}

impl Weigh for PushRecord {
    fn weight(&self) -> usize {
        let text = |s: &Option<String>| s.as_ref().map_or(0, String::capacity);
        std::mem::size_of::<Self>()
            + self.app_id.capacity()
            + self.from.capacity()
            + self.xml.capacity()
            + self.query.capacity()
            + self.body.capacity()
            + self
                .attempts
                .iter()
                .map(|a| std::mem::size_of::<Attempt>() + a.url.capacity() + text(&a.error))
                .sum::<usize>()
            + self.reply.as_ref().map_or(0, value_weight)
            + text(&self.raw)
            + text(&self.reply_xml)
            + text(&self.error)
    }
}

/// What a JSON value takes in memory, roughly: each node and the text it owns.
fn value_weight(value: &Value) -> usize {
    std::mem::size_of::<Value>()
        + match value {
            Value::String(s) => s.capacity(),
            Value::Array(items) => items.iter().map(value_weight).sum(),
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| k.capacity() + value_weight(v))
                .sum(),
            Value::Null | Value::Bool(_) | Value::Number(_) => 0,
        }
}

/// The pushes made, newest last.
#[derive(Debug)]
pub(crate) struct PushLog {
    records: Bounded<PushRecord>,
    next_id: u64,
}

impl Default for PushLog {
    fn default() -> Self {
        Self {
            records: Bounded::new(LOG_BUDGET),
            next_id: 1,
        }
    }
}

/// Which pushes `GET /sandbox/pushes` lists.
#[derive(Debug, Default)]
pub(crate) struct PushFilter<'a> {
    /// Only those from this OpenID.
    pub(crate) from: Option<&'a str>,
    /// Only those to this account.
    pub(crate) app_id: Option<&'a str>,
    /// Only those with a larger id.
    pub(crate) after: u64,
    /// Only the newest this many.
    pub(crate) limit: Option<usize>,
}

impl PushLog {
    /// The pushes the filter selects, oldest first.
    pub(crate) fn list(&self, filter: &PushFilter<'_>) -> Vec<PushRecord> {
        self.records
            .select(
                |r| {
                    r.id > filter.after
                        && filter.from.is_none_or(|f| r.from == f)
                        && filter.app_id.is_none_or(|a| r.app_id == a)
                },
                filter.limit,
            )
            .into_iter()
            .cloned()
            .collect()
    }

    /// Logs a push that is about to be delivered; its id.
    pub(crate) fn begin(&mut self, mut record: PushRecord) -> u64 {
        record.id = self.next_id;
        self.next_id += 1;
        let id = record.id;
        self.records.push(record);
        id
    }

    /// Brings a logged push up to date (nothing happens if it was already forgotten).
    pub(crate) fn update(&mut self, record: &PushRecord) {
        self.records
            .update(|r| r.id == record.id, |logged| logged.clone_from(record));
    }
}
