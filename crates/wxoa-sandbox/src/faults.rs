//! Scripted failures: the next K calls to a path answer an errcode, wait, lose their
//! connection, or get a scripted answer — any HTTP status, headers and bytes, as a proxy's HTML
//! error page or a truncated body would be (`POST /sandbox/faults`, `DELETE /sandbox/faults`).

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a fault does to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultOutcome {
    /// Answer `{"errcode": N, …}` without running the API.
    Errcode(i64),
    /// Close the connection without answering.
    Drop,
    /// Run the API normally (after the delay, if any).
    Pass,
    /// Answer the scripted status, headers and body instead of the API.
    Answer,
}

/// A scripted answer: any status, headers and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scripted {
    pub(crate) status: StatusCode,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) body: Bytes,
}

impl Serialize for Scripted {
    /// As `GET /sandbox/faults` lists it: the status, the headers and the body's size.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("status", &self.status.as_u16())?;
        let headers: BTreeMap<&str, &str> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.to_str().unwrap_or_default()))
            .collect();
        map.serialize_entry("headers", &headers)?;
        map.serialize_entry("body_bytes", &self.body.len())?;
        map.end()
    }
}

/// One scripted fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Fault {
    pub(crate) path: String,
    /// Only calls received by this listener (`api`, `api2`); any listener when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) listener: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) delay_ms: Option<u64>,
    pub(crate) outcome: FaultOutcome,
    /// What an [`FaultOutcome::Answer`] answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) answer: Option<Scripted>,
    /// Calls still to be affected.
    pub(crate) times: u32,
}

/// The body of `POST /sandbox/faults`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultRequest {
    path: String,
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default)]
    delay_ms: Option<u64>,
    #[serde(default)]
    drop: bool,
    #[serde(default)]
    times: Option<u32>,
    #[serde(default)]
    listener: Option<String>,
    /// A scripted answer's HTTP status (200 when only a body is given).
    #[serde(default)]
    status: Option<u16>,
    /// A scripted answer's body: a string is sent as it is, other JSON as JSON text.
    #[serde(default)]
    body: Option<Value>,
    /// A scripted answer's body as base64, for bytes that are not text.
    #[serde(default)]
    body_base64: Option<String>,
    /// A scripted answer's `Content-Type` (default: JSON for a JSON body, text for a string,
    /// `application/octet-stream` for base64, none for an empty body).
    #[serde(default)]
    content_type: Option<String>,
    /// A scripted answer's other headers.
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

impl FaultRequest {
    /// Checks the request: a path, one outcome at most, and something to do.
    pub(crate) fn into_fault(self) -> Result<Fault, String> {
        if !self.path.starts_with('/') {
            return Err(format!("path {:?} must start with /", self.path));
        }
        let answer = self.scripted()?;
        let outcome = match (self.errcode, self.drop, answer.is_some()) {
            (Some(_), true, _) | (Some(_), _, true) | (_, true, true) => {
                return Err(
                    "a fault answers an errcode, drops the connection or answers a \
                     scripted status and body: one of them"
                        .to_owned(),
                );
            }
            (Some(code), false, false) => FaultOutcome::Errcode(code),
            (None, true, false) => FaultOutcome::Drop,
            (None, false, true) => FaultOutcome::Answer,
            (None, false, false) => FaultOutcome::Pass,
        };
        if outcome == FaultOutcome::Pass && self.delay_ms.is_none() {
            return Err("a fault needs errcode, delay_ms, drop, status or body".to_owned());
        }
        if self.delay_ms.is_some_and(|d| d > 600_000) {
            return Err("delay_ms is at most 600000".to_owned());
        }
        let times = self.times.unwrap_or(1);
        if times == 0 {
            return Err("times must be at least 1".to_owned());
        }
        Ok(Fault {
            path: self.path,
            listener: self.listener,
            delay_ms: self.delay_ms,
            outcome,
            answer,
            times,
        })
    }

    /// The scripted answer the request describes, if it describes one.
    fn scripted(&self) -> Result<Option<Scripted>, String> {
        let scripted = self.status.is_some()
            || self.body.is_some()
            || self.body_base64.is_some()
            || self.content_type.is_some()
            || !self.headers.is_empty();
        if !scripted {
            return Ok(None);
        }
        let status = StatusCode::from_u16(self.status.unwrap_or(200))
            .ok()
            .filter(|s| (200..=599).contains(&s.as_u16()))
            .ok_or_else(|| "status must be an HTTP status from 200 to 599".to_owned())?;
        let (body, default_type) = match (&self.body, &self.body_base64) {
            (Some(_), Some(_)) => return Err("give body or body_base64, not both".to_owned()),
            (Some(Value::String(text)), None) => {
                (Bytes::from(text.clone()), Some("text/plain; charset=utf-8"))
            }
            (Some(json), None) => (Bytes::from(json.to_string()), Some("application/json")),
            (None, Some(encoded)) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .map_err(|e| format!("body_base64 is not base64: {e}"))?;
                (Bytes::from(bytes), Some("application/octet-stream"))
            }
            (None, None) => (Bytes::new(), None),
        };
        let mut headers = Vec::new();
        let typed = self
            .headers
            .keys()
            .any(|n| n.eq_ignore_ascii_case("content-type"));
        let default_type = default_type.filter(|_| !typed);
        if let Some(content_type) = self.content_type.as_deref().or(default_type) {
            headers.push(("content-type", content_type));
        }
        headers.extend(self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        let headers = headers
            .into_iter()
            .map(|(name, value)| {
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| format!("{name:?} is not a header name"))?;
                let value = HeaderValue::from_str(value)
                    .map_err(|_| format!("the value of header {name} is not a header value"))?;
                Ok((name, value))
            })
            .collect::<Result<_, String>>()?;
        Ok(Some(Scripted {
            status,
            headers,
            body,
        }))
    }
}

/// The faults still to apply, in the order they were added.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pending: VecDeque<Fault>,
}

/// What to do to one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Applied {
    pub(crate) delay: Option<Duration>,
    pub(crate) outcome: FaultOutcome,
    pub(crate) answer: Option<Scripted>,
}

impl Faults {
    pub(crate) fn add(&mut self, fault: Fault) {
        self.pending.push_back(fault);
    }

    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }

    pub(crate) fn list(&self) -> Vec<Fault> {
        self.pending.iter().cloned().collect()
    }

    /// The outcome of the first fault matching a call, without using it.
    pub(crate) fn peek(&self, path: &str, listener: &str) -> Option<FaultOutcome> {
        let at = self.position(path, listener)?;
        self.pending.get(at).map(|f| f.outcome)
    }

    fn position(&self, path: &str, listener: &str) -> Option<usize> {
        self.pending
            .iter()
            .position(|f| f.path == path && f.listener.as_deref().is_none_or(|l| l == listener))
    }

    /// Takes one use of the first fault matching a call, if any.
    pub(crate) fn take(&mut self, path: &str, listener: &str) -> Option<Applied> {
        let at = self.position(path, listener)?;
        let fault = self.pending.get_mut(at)?;
        let applied = Applied {
            delay: fault.delay_ms.map(Duration::from_millis),
            outcome: fault.outcome,
            answer: fault.answer.clone(),
        };
        fault.times -= 1;
        if fault.times == 0 {
            self.pending.remove(at);
        }
        Some(applied)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn request(json: &str) -> Result<Fault, String> {
        serde_json::from_str::<FaultRequest>(json)
            .unwrap()
            .into_fault()
    }

    #[test]
    fn faults_apply_the_given_number_of_times_in_order() {
        let mut faults = Faults::default();
        faults.add(request(r#"{"path":"/a","errcode":-1,"times":2}"#).unwrap());
        faults.add(request(r#"{"path":"/a","drop":true}"#).unwrap());
        let errcode = Some(Applied {
            delay: None,
            outcome: FaultOutcome::Errcode(-1),
            answer: None,
        });
        assert_eq!(faults.take("/a", "api"), errcode);
        assert_eq!(faults.take("/b", "api"), None);
        assert_eq!(faults.take("/a", "api"), errcode);
        assert_eq!(
            faults.take("/a", "api").unwrap().outcome,
            FaultOutcome::Drop
        );
        assert_eq!(faults.take("/a", "api"), None);
    }

    #[test]
    fn a_fault_can_target_one_listener() {
        let mut faults = Faults::default();
        faults.add(request(r#"{"path":"/a","delay_ms":10,"listener":"api"}"#).unwrap());
        assert_eq!(faults.take("/a", "api2"), None);
        let applied = faults.take("/a", "api").unwrap();
        assert_eq!(applied.delay, Some(Duration::from_millis(10)));
        assert_eq!(applied.outcome, FaultOutcome::Pass);
    }

    #[test]
    fn malformed_requests_are_refused() {
        assert!(request(r#"{"path":"/a"}"#).is_err());
        assert!(request(r#"{"path":"a","drop":true}"#).is_err());
        assert!(request(r#"{"path":"/a","drop":true,"errcode":1}"#).is_err());
        assert!(request(r#"{"path":"/a","drop":true,"times":0}"#).is_err());
        assert!(serde_json::from_str::<FaultRequest>(r#"{"path":"/a","dorp":true}"#).is_err());
        assert!(request(r#"{"path":"/a","status":502,"errcode":1}"#).is_err());
        assert!(request(r#"{"path":"/a","body":"x","drop":true}"#).is_err());
        assert!(request(r#"{"path":"/a","status":99}"#).is_err());
        assert!(request(r#"{"path":"/a","body":"x","body_base64":"eA=="}"#).is_err());
        assert!(request(r#"{"path":"/a","body_base64":"not base64!"}"#).is_err());
        assert!(request(r#"{"path":"/a","status":200,"headers":{"bad name":"v"}}"#).is_err());
    }

    #[test]
    fn scripted_answers_carry_status_headers_and_bytes() {
        let fault = request(r#"{"path":"/a","status":502,"body":"<html>bad gateway</html>","content_type":"text/html"}"#).unwrap();
        assert_eq!(fault.outcome, FaultOutcome::Answer);
        let answer = fault.answer.unwrap();
        assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
        assert_eq!(answer.body, Bytes::from_static(b"<html>bad gateway</html>"));
        assert_eq!(answer.headers[0].1, "text/html");
        let json = request(r#"{"path":"/a","body":{"errcode":0,"n":1}}"#).unwrap();
        let answer = json.answer.unwrap();
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.headers[0].1, "application/json");
        let bytes = request(
            r#"{"path":"/a","body_base64":"/9j/","headers":{"content-disposition":"attachment"}}"#,
        )
        .unwrap();
        let answer = bytes.answer.unwrap();
        assert_eq!(answer.body.as_ref(), b"\xff\xd8\xff");
        assert_eq!(answer.headers.len(), 2);
        let empty = request(r#"{"path":"/a","status":503,"times":2}"#).unwrap();
        assert!(empty.answer.unwrap().headers.is_empty());
    }
}
