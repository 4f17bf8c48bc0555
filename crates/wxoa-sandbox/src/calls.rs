//! The calls log: every API request received, with its secrets removed (`GET /sandbox/calls`).
//!
//! The log is bounded by bytes, not by a number of calls, so a sandbox left running under any
//! load holds a fixed amount of it: each call is kept as compact JSON text (its query and body,
//! secrets masked), and the oldest calls are forgotten once the total passes the budget. A body
//! is kept whole only when it is small; a larger one is kept as a capped summary — its first
//! bytes, masked, and its size — and is never parsed for the log. An upload's form is kept as
//! its parts: each one's name, file name, content type and size, and its bytes (base64) when
//! the part is at most 64 KiB.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use wxoa_types::secret::{MASK, is_sensitive_key, redact};

use crate::kept::FormField;
use crate::log::{Bounded, Usage, Weigh};

/// Largest body kept whole (as redacted JSON or text); larger ones are summarised.
const BODY_KEPT: usize = 16 * 1024;
/// Bytes of a summarised body shown before its size.
const SUMMARY_SHOWN: usize = 1024;
/// Longest query value kept whole; longer ones are cut.
const QUERY_VALUE_KEPT: usize = 512;
/// Longest query key kept whole.
const QUERY_KEY_KEPT: usize = 128;
/// Query parameters kept; the rest are counted.
const QUERY_PAIRS_KEPT: usize = 64;
/// Longest path kept whole.
const PATH_KEPT: usize = 2048;
/// Largest form part whose bytes are kept.
const PART_KEPT: usize = 64 * 1024;
/// Form parts kept; the rest are not shown.
const PARTS_KEPT: usize = 16;

/// One API call as the API layer saw it, before it is logged.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    /// Its number: calls are numbered from 1 in the order they are logged.
    pub(crate) seq: u64,
    /// Unix seconds (virtual clock).
    pub(crate) at: i64,
    /// Which listener received it (`api`, or `api2` for the failover listener).
    pub(crate) listener: String,
    pub(crate) method: String,
    pub(crate) path: String,
    /// The query, secrets masked (see [`redact_query`]).
    pub(crate) query: Map<String, Value>,
    /// The body, secrets masked, capped (see [`redact_body`]).
    pub(crate) body: Value,
    /// The answer's errcode; `null` when the connection was dropped by a fault.
    pub(crate) errcode: Option<i64>,
    /// The injected fault, if one applied (`errcode`, `delay`, `drop`).
    pub(crate) fault: Option<&'static str>,
    /// API calls the sandbox was answering when this one arrived, itself included.
    pub(crate) in_flight: u32,
    /// The parts of a `multipart/form-data` body (see [`form_fields`]).
    pub(crate) form: Vec<Value>,
}

/// A call as the log keeps it: its texts as compact JSON, owned exactly.
#[derive(Debug)]
struct Logged {
    seq: u64,
    at: i64,
    listener: Box<str>,
    method: Box<str>,
    path: Box<str>,
    /// The query object as JSON text.
    query: Box<str>,
    /// The body as JSON text (`null`, a string or the redacted JSON).
    body: Box<str>,
    errcode: Option<i64>,
    fault: Option<&'static str>,
    in_flight: u32,
    /// The form's parts as JSON text; empty for other bodies.
    form: Box<str>,
}

impl Weigh for Logged {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.form.len()
            + self.listener.len()
            + self.method.len()
            + self.path.len()
            + self.query.len()
            + self.body.len()
    }
}

impl Logged {
    fn new(call: Call) -> Self {
        Self {
            seq: call.seq,
            at: call.at,
            listener: call.listener.into_boxed_str(),
            method: call.method.into_boxed_str(),
            path: cut(&call.path, PATH_KEPT).into(),
            query: Value::Object(call.query).to_string().into_boxed_str(),
            body: call.body.to_string().into_boxed_str(),
            errcode: call.errcode,
            fault: call.fault,
            in_flight: call.in_flight,
            form: if call.form.is_empty() {
                Box::from("")
            } else {
                Value::Array(call.form).to_string().into_boxed_str()
            },
        }
    }

    /// The call as `GET /sandbox/calls` shows it.
    fn to_json(&self) -> Value {
        let mut value = json!({
            "seq": self.seq,
            "at": self.at,
            "listener": &*self.listener,
            "method": &*self.method,
            "path": &*self.path,
            "query": serde_json::from_str::<Value>(&self.query).unwrap_or(Value::Null),
            "body": serde_json::from_str::<Value>(&self.body).unwrap_or(Value::Null),
            "errcode": self.errcode,
            "in_flight": self.in_flight,
        });
        if let (Some(fault), Some(map)) = (self.fault, value.as_object_mut()) {
            map.insert("fault".into(), json!(fault));
        }
        if let (false, Some(map)) = (self.form.is_empty(), value.as_object_mut()) {
            let form = serde_json::from_str::<Value>(&self.form).unwrap_or(Value::Null);
            map.insert("form".into(), form);
        }
        value
    }
}

/// How much the log holds (`GET /sandbox/calls/usage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallsUsage {
    /// Calls kept.
    pub calls: usize,
    /// Bytes they take.
    pub bytes: usize,
    /// The budget: the log never takes more.
    pub max_bytes: usize,
    /// Calls forgotten to stay within the budget.
    pub forgotten: u64,
}

/// The log.
#[derive(Debug)]
pub(crate) struct CallLog {
    calls: Bounded<Logged>,
    last_seq: u64,
}

impl CallLog {
    /// An empty log keeping at most `max_bytes`.
    pub(crate) fn new(max_bytes: usize) -> Self {
        Self {
            calls: Bounded::new(max_bytes),
            last_seq: 0,
        }
    }

    /// Logs a call, giving it the next number (returned); the oldest calls are forgotten as
    /// needed.
    pub(crate) fn record(&mut self, mut call: Call) -> u64 {
        self.last_seq = self.last_seq.saturating_add(1);
        call.seq = self.last_seq;
        self.calls.push(Logged::new(call));
        self.last_seq
    }

    /// Fills in the answer of call `seq`, logged before it was answered (if it is still kept).
    pub(crate) fn answered(&mut self, seq: u64, errcode: Option<i64>, fault: Option<&'static str>) {
        self.calls.update(
            |c| c.seq == seq,
            |c| {
                c.errcode = errcode;
                c.fault = fault;
            },
        );
    }

    /// The calls to `path` (all of them without a path) numbered above `after`, oldest first;
    /// with a `limit`, only the newest that many.
    pub(crate) fn list(&self, path: Option<&str>, after: u64, limit: Option<usize>) -> Vec<Value> {
        self.calls
            .select(
                |c| c.seq > after && path.is_none_or(|p| &*c.path == p),
                limit,
            )
            .into_iter()
            .map(Logged::to_json)
            .collect()
    }

    /// What the log holds against its budget.
    pub(crate) fn usage(&self) -> CallsUsage {
        let Usage {
            entries,
            bytes,
            max_bytes,
            forgotten,
        } = self.calls.usage();
        CallsUsage {
            calls: entries,
            bytes,
            max_bytes,
            forgotten,
        }
    }

    pub(crate) fn clear(&mut self) {
        self.calls.clear();
    }
}

/// The query string as an object, secrets masked (a repeated key keeps its last value). Long
/// keys and values are cut, and only the first parameters are kept, so one call cannot take a
/// large share of the log.
pub(crate) fn redact_query(query: &str) -> Map<String, Value> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let total = pairs.len();
    let mut map: Map<String, Value> = pairs
        .into_iter()
        .take(QUERY_PAIRS_KEPT)
        .map(|(key, value)| {
            let value = if is_sensitive_key(&key) {
                MASK.to_owned()
            } else {
                cut(&value, QUERY_VALUE_KEPT)
            };
            (cut(&key, QUERY_KEY_KEPT), Value::String(value))
        })
        .collect();
    if total > QUERY_PAIRS_KEPT {
        map.insert(
            "…".to_owned(),
            Value::String(format!("{} more parameters", total - QUERY_PAIRS_KEPT)),
        );
    }
    map
}

/// The body as the log shows it: `null` when empty; JSON with secrets masked when it is JSON of
/// at most 16 KiB; text with secrets masked when it is other text of at most 16 KiB; otherwise
/// a capped summary — its first bytes, masked, and its size — without parsing it. Uploads are
/// summarised by their size.
pub(crate) fn redact_body(content_type: Option<&str>, body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    if content_type.is_some_and(|c| c.starts_with("multipart/")) {
        return Value::String(format!("<multipart body, {} bytes>", body.len()));
    }
    if body.len() > BODY_KEPT {
        return Value::String(summary(body));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(mut json) => {
            redact_json(&mut json);
            json
        }
        Err(_) => Value::String(redact(&String::from_utf8_lossy(body)).into_owned()),
    }
}

/// The parts of an upload's form as the log shows them: name, file name, content type, size,
/// and the bytes as base64 (`data_base64`) when the part is at most 64 KiB and its name is not
/// a secret's. At most 16 parts.
pub(crate) fn shown_form(parts: &[FormField]) -> Vec<Value> {
    use base64::Engine;
    parts
        .iter()
        .take(PARTS_KEPT)
        .map(|field| {
            let name = cut(&field.name, QUERY_KEY_KEPT);
            let mut part = json!({
                "name": name,
                "file_name": field.file_name.as_deref().map(|f| cut(f, QUERY_VALUE_KEPT)),
                "content_type": field.content_type.as_deref().map(|t| cut(t, QUERY_VALUE_KEPT)),
                "size": field.data.len(),
            });
            if field.data.len() <= PART_KEPT
                && !is_sensitive_key(&name)
                && let Some(map) = part.as_object_mut()
            {
                let encoded = base64::engine::general_purpose::STANDARD.encode(&field.data);
                map.insert("data_base64".into(), Value::String(encoded));
            }
            part
        })
        .collect()
}

/// The first bytes of a large body, masked, and its size.
fn summary(body: &[u8]) -> String {
    // A few bytes more than shown, so a character cut by the slice is not shown half.
    let head = body.get(..SUMMARY_SHOWN + 4).unwrap_or(body);
    let text = String::from_utf8_lossy(head);
    let shown = redact(&cut(&text, SUMMARY_SHOWN)).into_owned();
    format!("{shown} (body of {} bytes, not kept)", body.len())
}

/// `text` cut to at most `max` bytes at a character boundary, with `…` when it was cut.
fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let end = (0..=max)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    format!("{}…", text.get(..end).unwrap_or(""))
}

/// Replaces the value of every secret field, at any depth.
pub(crate) fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                if is_sensitive_key(key) {
                    *field = Value::String(MASK.to_owned());
                } else {
                    redact_json(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn call(body: Value) -> Call {
        Call {
            seq: 0,
            at: 1,
            listener: "api".into(),
            method: "POST".into(),
            path: "/cgi-bin/user/info/batchget".into(),
            query: redact_query("access_token=T"),
            body,
            errcode: Some(0),
            fault: None,
            in_flight: 1,
            form: Vec::new(),
        }
    }

    #[test]
    fn secrets_are_removed_from_query_and_body() {
        let query = redact_query(
            "grant_type=client_credential&appid=wx1&secret=s3cr3t&access_token=T&code=C&ticket=K",
        );
        for key in ["secret", "access_token", "code", "ticket"] {
            assert_eq!(query[key], "***", "{key}");
        }
        assert_eq!(query["appid"], "wx1");
        let body = redact_body(
            Some("application/json"),
            br#"{"appid":"wx1","secret":"s3cr3t","nested":[{"refresh_token":"r"}],"code":"c"}"#,
        );
        assert_eq!(body["secret"], "***");
        assert_eq!(body["nested"][0]["refresh_token"], "***");
        assert_eq!(body["code"], "***");
        assert_eq!(body["appid"], "wx1");
        assert!(!body.to_string().contains("s3cr3t"));
        let form = redact_body(
            Some("application/x-www-form-urlencoded"),
            b"appid=wx1&secret=s3cr3t",
        );
        assert_eq!(form, Value::String("appid=wx1&secret=***".into()));
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

    #[test]
    fn a_large_body_is_kept_as_a_masked_summary() {
        let mut body = br#"{"secret":"s3cr3t","content":""#.to_vec();
        body.extend(vec![b'x'; 100_000]);
        body.extend(br#""}"#);
        let shown = redact_body(Some("application/json"), &body);
        let text = shown.as_str().unwrap();
        assert!(
            text.starts_with(r#"{"secret":"***","content":"xxx"#),
            "{text}"
        );
        assert!(text.ends_with("(body of 100032 bytes, not kept)"), "{text}");
        assert!(text.len() < SUMMARY_SHOWN + 64, "{}", text.len());
        // Cut inside a secret's value: what is shown of it is masked.
        let mut cut_secret = vec![b' '; SUMMARY_SHOWN - 12];
        cut_secret.extend(br#""secret":"s3cr3t-and-more"#);
        cut_secret.extend(vec![b'x'; BODY_KEPT]);
        let shown = redact_body(None, &cut_secret).to_string();
        assert!(shown.contains(r#"\"secret\":\"***"#), "{shown}");
        assert!(!shown.contains("s3"), "{shown}");
    }

    #[tokio::test]
    async fn a_form_is_shown_as_its_parts() {
        let body = b"--XB\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a.jpg\"\r\n\
Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\r\n--XB\r\nContent-Disposition: form-data; name=\"secret\"\r\n\r\n\
s3cr3t\r\n--XB--\r\n";
        let body = bytes::Bytes::from_static(body);
        let fields = crate::kept::form_parts(Some("multipart/form-data; boundary=XB"), &body).await;
        let parts = shown_form(&fields);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0]["name"], "media");
        assert_eq!(parts[0]["file_name"], "a.jpg");
        assert_eq!(parts[0]["content_type"], "image/jpeg");
        assert_eq!(parts[0]["size"], 3);
        assert_eq!(parts[0]["data_base64"], "/9j/");
        assert_eq!(parts[1]["size"], 6);
        assert!(parts[1].get("data_base64").is_none());
        let json = bytes::Bytes::from_static(b"{}");
        assert!(
            crate::kept::form_parts(Some("application/json"), &json)
                .await
                .is_empty()
        );
    }

    #[test]
    fn long_queries_are_cut() {
        let long = "v".repeat(10_000);
        let many: Vec<String> = (0..100).map(|i| format!("k{i}=1")).collect();
        let query = redact_query(&format!("a={long}&{}", many.join("&")));
        assert_eq!(
            query["a"].as_str().unwrap().len(),
            QUERY_VALUE_KEPT + "…".len()
        );
        assert_eq!(query.len(), QUERY_PAIRS_KEPT + 1);
        assert_eq!(query["…"], "37 more parameters");
    }

    #[test]
    fn the_log_stays_within_its_bytes() {
        let mut log = CallLog::new(64 * 1024);
        let list: Vec<Value> = (0..100)
            .map(|i| json!({"openid": format!("o{i:027}"), "lang": "zh_CN"}))
            .collect();
        for _ in 0..1_000 {
            log.record(call(json!({"user_list": list})));
        }
        let usage = log.usage();
        assert!(usage.bytes <= 64 * 1024, "{usage:?}");
        assert!(usage.calls > 5, "{usage:?}");
        assert_eq!(usage.calls as u64 + usage.forgotten, 1_000);
        let newest = log.list(None, 0, Some(1));
        assert_eq!(newest[0]["seq"], 1_000);
        assert_eq!(newest[0]["body"]["user_list"][99]["lang"], "zh_CN");
        assert_eq!(newest[0]["query"]["access_token"], "***");
        log.clear();
        assert_eq!(log.usage().bytes, 0);
    }
}
