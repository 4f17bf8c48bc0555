//! A scripted answer as the typed client writes it into `POST /sandbox/faults`: any HTTP
//! status, headers and bytes — a proxy's HTML error page, a truncated body, a file with its
//! `Content-disposition`, or JSON in place of what the API would answer.

use base64::Engine;
use serde_json::{Map, Value, json};

/// What a call gets in place of the API's answer ([`Faults::answer`](super::Faults::answer)).
///
/// ```
/// use wxoa_sandbox::control::Scripted;
///
/// let page = Scripted::text(502, "<html>Bad Gateway</html>").content_type("text/html");
/// let file = Scripted::bytes(200, b"\xff\xd8\xff")
///     .content_type("image/jpeg")
///     .header("content-disposition", "attachment; filename=\"a.jpg\"");
/// # let _ = (page, file);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Scripted {
    status: u16,
    body: Option<Value>,
    body_base64: Option<String>,
    content_type: Option<String>,
    headers: Map<String, Value>,
    delay_ms: Option<u64>,
}

impl Scripted {
    /// HTTP `status` with an empty body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            body: None,
            body_base64: None,
            content_type: None,
            headers: Map::new(),
            delay_ms: None,
        }
    }

    /// HTTP 200 with `body` as JSON (`Content-Type: application/json`).
    pub fn json(body: Value) -> Self {
        Self {
            body: Some(body),
            ..Self::status(200)
        }
    }

    /// HTTP `status` with `body` as text (`text/plain; charset=utf-8` unless
    /// [`Scripted::content_type`] says otherwise).
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            body: Some(Value::String(body.into())),
            ..Self::status(status)
        }
    }

    /// HTTP `status` with these bytes (`application/octet-stream` unless
    /// [`Scripted::content_type`] says otherwise).
    pub fn bytes(status: u16, body: &[u8]) -> Self {
        Self {
            body_base64: Some(base64::engine::general_purpose::STANDARD.encode(body)),
            ..Self::status(status)
        }
    }

    /// The `Content-Type` header.
    pub fn content_type(mut self, content_type: &str) -> Self {
        self.content_type = Some(content_type.to_owned());
        self
    }

    /// Another header (`Content-disposition`, `Retry-After`).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .insert(name.to_owned(), Value::String(value.to_owned()));
        self
    }

    /// Answers only after `delay` (whole milliseconds), as a slow platform would.
    pub fn after(mut self, delay: std::time::Duration) -> Self {
        self.delay_ms = Some(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX));
        self
    }

    /// The fault's JSON for `POST /sandbox/faults`.
    pub(super) fn to_fault(&self, path: &str, times: u32) -> Value {
        let mut fault = json!({"path": path, "status": self.status, "times": times});
        if let Some(map) = fault.as_object_mut() {
            if let Some(body) = &self.body {
                map.insert("body".into(), body.clone());
            }
            if let Some(body) = &self.body_base64 {
                map.insert("body_base64".into(), Value::String(body.clone()));
            }
            if let Some(content_type) = &self.content_type {
                map.insert("content_type".into(), Value::String(content_type.clone()));
            }
            if !self.headers.is_empty() {
                map.insert("headers".into(), Value::Object(self.headers.clone()));
            }
            if let Some(delay_ms) = self.delay_ms {
                map.insert("delay_ms".into(), delay_ms.into());
            }
        }
        fault
    }
}
