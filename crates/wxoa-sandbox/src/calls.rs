//! The calls log: every API request received, with its secrets removed (`GET /sandbox/calls`).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::state::Bounded;

/// How many calls are kept; older ones are forgotten.
const CAPACITY: usize = 100_000;

/// Query and body fields whose values are replaced by `***`.
const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "secret",
    "appsecret",
    "app_secret",
    "refresh_token",
    "password",
];

/// What replaces a secret.
const REDACTED: &str = "***";

/// One API call.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Call {
    /// Its number: calls are numbered from 1 in the order they are logged.
    pub(crate) seq: u64,
    /// Unix seconds (virtual clock).
    pub(crate) at: i64,
    /// Which listener received it (`api`, or `api2` for the failover listener).
    pub(crate) listener: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Map<String, Value>,
    /// The body: JSON when it parses, otherwise text (uploads are summarised).
    pub(crate) body: Value,
    /// The answer's errcode; `null` when the connection was dropped by a fault.
    pub(crate) errcode: Option<i64>,
    /// The injected fault, if one applied (`errcode`, `delay`, `drop`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fault: Option<&'static str>,
}

/// The log.
#[derive(Debug)]
pub(crate) struct CallLog {
    calls: Bounded<Call>,
    last_seq: u64,
}

impl Default for CallLog {
    fn default() -> Self {
        Self {
            calls: Bounded::new(CAPACITY),
            last_seq: 0,
        }
    }
}

impl CallLog {
    /// Logs a call, giving it the next number.
    pub(crate) fn record(&mut self, mut call: Call) {
        self.last_seq += 1;
        call.seq = self.last_seq;
        self.calls.push(call);
    }

    /// The calls to `path` (all of them without a path) numbered above `after`, oldest first;
    /// with a `limit`, only the newest that many.
    pub(crate) fn list(&self, path: Option<&str>, after: u64, limit: Option<usize>) -> Vec<&Call> {
        self.calls
            .select(|c| c.seq > after && path.is_none_or(|p| c.path == p), limit)
    }

    pub(crate) fn clear(&mut self) {
        self.calls.clear();
    }
}

/// The query string as an object, secrets redacted (a repeated key keeps its last value).
pub(crate) fn redact_query(query: &str) -> Map<String, Value> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs
        .into_iter()
        .map(|(key, value)| {
            let value = if is_secret(&key) {
                REDACTED.to_owned()
            } else {
                value
            };
            (key, Value::String(value))
        })
        .collect()
}

/// The body as the log shows it: JSON with secrets redacted, text, or a summary of an upload.
pub(crate) fn redact_body(content_type: Option<&str>, body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    if content_type.is_some_and(|c| c.starts_with("multipart/")) {
        return Value::String(format!("<multipart body, {} bytes>", body.len()));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(mut json) => {
            redact_json(&mut json);
            json
        }
        Err(_) => {
            const SHOWN: usize = 4096;
            let text = String::from_utf8_lossy(body);
            if text.len() > SHOWN {
                let cut = (0..=SHOWN)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                Value::String(format!(
                    "{}… ({} bytes)",
                    text.get(..cut).unwrap_or(""),
                    body.len()
                ))
            } else {
                Value::String(text.into_owned())
            }
        }
    }
}

/// Replaces the value of every secret field, at any depth.
pub(crate) fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if is_secret(key) {
                    *field = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

fn is_secret(key: &str) -> bool {
    SECRET_FIELDS.iter().any(|s| key.eq_ignore_ascii_case(s))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_removed_from_query_and_body() {
        let query =
            redact_query("grant_type=client_credential&appid=wx1&secret=s3cr3t&access_token=T");
        assert_eq!(query["secret"], "***");
        assert_eq!(query["access_token"], "***");
        assert_eq!(query["appid"], "wx1");
        let body = redact_body(
            Some("application/json"),
            br#"{"appid":"wx1","secret":"s3cr3t","nested":[{"refresh_token":"r"}]}"#,
        );
        assert_eq!(body["secret"], "***");
        assert_eq!(body["nested"][0]["refresh_token"], "***");
        assert_eq!(body["appid"], "wx1");
        assert!(!body.to_string().contains("s3cr3t"));
    }

    #[test]
    fn uploads_and_text_are_summarised() {
        assert_eq!(
            redact_body(Some("multipart/form-data; boundary=x"), b"abc"),
            Value::String("<multipart body, 3 bytes>".into())
        );
        assert_eq!(
            redact_body(None, b"not json"),
            Value::String("not json".into())
        );
        assert_eq!(redact_body(None, b""), Value::Null);
    }
}
