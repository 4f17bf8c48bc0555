//! Requests kept exactly as they arrived, for a test in the same process
//! ([`SandboxBuilder::keep_requests`](crate::SandboxBuilder::keep_requests),
//! [`Sandbox::requests`](crate::Sandbox::requests)): method, query, content type, the body's
//! bytes and an upload's form parts, secrets included. The calls log (`GET /sandbox/calls`)
//! removes secrets because it is served over HTTP; these never leave the process, so a contract
//! test can compare what a client sent — a card's `code`, a token request's fields — byte for
//! byte. Also how an upload's form is read into parts, for both.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;
use serde_json::Value;

/// How many requests of each path are kept.
const KEPT_PER_PATH: usize = 64;

/// A request as it arrived.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct KeptRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The query parameters, `access_token` removed (see [`KeptRequest::access_token`]).
    pub query: HashMap<String, String>,
    /// The `access_token` of the query, if one was sent.
    pub access_token: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body's bytes.
    pub body: Bytes,
    /// The parts of a `multipart/form-data` body, in order (empty for other bodies).
    pub form: Vec<FormField>,
}

impl KeptRequest {
    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The form part named `name`.
    pub fn field(&self, name: &str) -> Option<&FormField> {
        self.form.iter().find(|f| f.name == name)
    }
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FormField {
    /// The field name (`media`, `description`).
    pub name: String,
    /// The file name of a file part.
    pub file_name: Option<String>,
    /// The part's content type, if given.
    pub content_type: Option<String>,
    /// The part's bytes.
    pub data: Bytes,
}

/// The parts of a `multipart/form-data` body, in order; empty for another body, and the parts
/// read so far when the form breaks off.
pub(crate) async fn form_parts(content_type: Option<&str>, body: &Bytes) -> Vec<FormField> {
    let Some(content_type) = content_type.filter(|c| c.starts_with("multipart/form-data")) else {
        return Vec::new();
    };
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Vec::new();
    };
    let body = body.clone();
    let stream = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let Ok(data) = field.bytes().await else { break };
        parts.push(FormField {
            name,
            file_name,
            content_type,
            data,
        });
    }
    parts
}

/// The last requests of each path.
#[derive(Debug, Default)]
pub(crate) struct Kept {
    by_path: HashMap<String, VecDeque<KeptRequest>>,
}

impl Kept {
    /// Keeps a request to `path`, forgetting the path's oldest beyond 64.
    pub(crate) fn keep(&mut self, path: &str, request: KeptRequest) {
        let kept = self.by_path.entry(path.to_owned()).or_default();
        if kept.len() == KEPT_PER_PATH {
            kept.pop_front();
        }
        kept.push_back(request);
    }

    /// Every request kept, path by path (in no set order of paths), oldest first within each.
    pub(crate) fn all(&self) -> Vec<KeptRequest> {
        self.by_path.values().flatten().cloned().collect()
    }

    /// The requests kept of `path`, oldest first.
    pub(crate) fn of(&self, path: &str) -> Vec<KeptRequest> {
        self.by_path
            .get(path)
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// A request as it arrived: its query split from its token, its body and form.
pub(crate) fn kept_request(
    method: &str,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &Bytes,
    form: Vec<FormField>,
) -> KeptRequest {
    let mut query: HashMap<String, String> =
        serde_urlencoded::from_str(query.unwrap_or_default()).unwrap_or_default();
    let access_token = query.remove("access_token");
    KeptRequest {
        method: method.to_owned(),
        query,
        access_token,
        content_type: content_type.map(str::to_owned),
        body: body.clone(),
        form,
    }
}
