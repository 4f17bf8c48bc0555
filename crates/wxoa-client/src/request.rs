//! One API request, as the client sends it: what to call and whether it may be repeated.

use std::fmt;

use bytes::Bytes;
use reqwest::Method;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::invalid::InvalidRequest;
use crate::redact::redact;
use crate::upload::Form;

/// The body of a request.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    /// JSON text.
    Json(Bytes),
    /// A `multipart/form-data` form, built anew for each attempt.
    Multipart(Form),
}

/// A call of one platform endpoint: method, path, query, JSON body, and whether it is safe to
/// send again.
///
/// - [`ApiRequest::get`] is a read: retried on `-1` and on transport errors.
/// - [`ApiRequest::post`] is a send: it is **never** sent again once it may have reached the
///   platform (a dropped connection, a timeout, a 5xx, `-1`), only when the connection could not
///   be made at all or when the platform rejected the access token (it then did nothing).
///   Mark a POST that only reads or that the platform deduplicates with
///   [`ApiRequest::idempotent`].
/// - The access token is added by the client (`access_token=…` in the query) unless
///   [`ApiRequest::without_token`] says otherwise.
/// - It goes to the API hosts, with failover, unless [`ApiRequest::on_mp_host`] sends it to
///   the client's mp host (`showqrcode`).
/// - A body is JSON ([`ApiRequest::json`]) or a multipart form ([`ApiRequest::multipart`]).
///
/// ```
/// use wxoa_client::ApiRequest;
///
/// let read = ApiRequest::get("/cgi-bin/user/get").query("next_openid", "o1");
/// assert!(read.is_idempotent());
/// let send = ApiRequest::post("/cgi-bin/message/custom/send")
///     .json(&serde_json::json!({"touser": "o1", "msgtype": "text", "text": {"content": "hi"}}))?;
/// assert!(!send.is_idempotent());
/// # Ok::<(), wxoa_client::Error>(())
/// ```
#[derive(Clone)]
pub struct ApiRequest {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Body>,
    pub(crate) idempotent: bool,
    pub(crate) with_token: bool,
    pub(crate) on_mp_host: bool,
    pub(crate) answer_errcodes: Vec<i64>,
}

impl ApiRequest {
    /// A read (`GET`). A query string in `path` (`/cgi-bin/user/get?next_openid=o1`) is split
    /// into query parameters.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path.into(), true)
    }

    /// A send (`POST`), never replayed once it may have reached the platform.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path.into(), false)
    }

    fn new(method: Method, path: String, idempotent: bool) -> Self {
        let (path, query) = match path.split_once('?') {
            Some((path, query)) => (
                path.to_owned(),
                url::form_urlencoded::parse(query.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect(),
            ),
            None => (path, Vec::new()),
        };
        Self {
            method,
            path,
            query,
            body: None,
            idempotent,
            with_token: true,
            on_mp_host: false,
            answer_errcodes: Vec::new(),
        }
    }

    /// Adds a query parameter.
    #[must_use]
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets the JSON body. Non-ASCII characters are sent as they are, never as `\uXXXX` escapes
    /// (which the platform may refuse with 40033).
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|source| Error::InvalidRequest(InvalidRequest::Body { source }))?;
        self.body = Some(Body::Json(Bytes::from(bytes)));
        Ok(self)
    }

    /// Sets the body to JSON text that is already encoded.
    #[must_use]
    pub fn json_bytes(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(Body::Json(body.into()));
        self
    }

    /// Sets a `multipart/form-data` body (an upload). Its files are read anew for each
    /// attempt; a stream is read once.
    ///
    /// ```
    /// use wxoa_client::{ApiRequest, Form, Upload};
    ///
    /// let request = ApiRequest::post("/cgi-bin/media/upload")
    ///     .query("type", "image")
    ///     .multipart(Form::new().file("media", Upload::path("photo.jpg")));
    /// assert!(!request.is_idempotent());
    /// ```
    #[must_use]
    pub fn multipart(mut self, form: Form) -> Self {
        self.body = Some(Body::Multipart(form));
        self
    }

    /// Sends the request to the client's mp host (`https://mp.weixin.qq.com` by default, see
    /// [`ClientBuilder::mp_base`](crate::ClientBuilder::mp_base)) instead of the API hosts;
    /// there is no failover there.
    #[must_use]
    pub fn on_mp_host(mut self) -> Self {
        self.on_mp_host = true;
        self
    }

    /// Treats `errcode` as an answer rather than an error: its body is returned to be decoded
    /// (a mass send answering 45065 carries the `msg_id` of the earlier send).
    #[must_use]
    pub fn answer_errcode(mut self, errcode: i64) -> Self {
        self.answer_errcodes.push(errcode);
        self
    }

    /// Says whether the request may be sent again after it may have reached the platform.
    #[must_use]
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Sends the request without an access token (token endpoints, OAuth).
    #[must_use]
    pub fn without_token(mut self) -> Self {
        self.with_token = false;
        self
    }

    /// The HTTP method.
    #[must_use]
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path, e.g. `/cgi-bin/user/get`.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the request may be sent again after it may have reached the platform.
    #[must_use]
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// Whether `errcode` is an answer of this request rather than an error.
    pub(crate) fn answers(&self, errcode: i64) -> bool {
        self.answer_errcodes.contains(&errcode)
    }

    /// Whether the body is a file upload (a multipart form).
    pub(crate) fn carries_file(&self) -> bool {
        matches!(self.body, Some(Body::Multipart(_)))
    }

    /// Whether the request can be sent (again): false once the stream of an upload was read.
    pub(crate) fn can_send(&self) -> bool {
        match &self.body {
            Some(Body::Multipart(form)) => form.can_send(),
            Some(Body::Json(_)) | None => true,
        }
    }

    /// Checks what would make the request unsafe or malformed: a path that is not absolute (it
    /// could send the access token to another host), a caller-supplied `access_token`.
    pub(crate) fn validate(&self) -> Result<()> {
        let path = &self.path;
        if !path.starts_with('/') || path.starts_with("//") {
            return Err(Error::InvalidRequest(InvalidRequest::PathStart {
                path: redact(path).into_owned(),
            }));
        }
        if path
            .bytes()
            .any(|b| b.is_ascii_control() || b == b' ' || b == b'#')
        {
            return Err(Error::InvalidRequest(InvalidRequest::PathCharacters {
                path: redact(path).into_owned(),
            }));
        }
        if self.with_token && self.query.iter().any(|(k, _)| k == "access_token") {
            return Err(Error::InvalidRequest(InvalidRequest::AccessTokenGiven));
        }
        Ok(())
    }

    /// The query string, for logs: redacted.
    pub(crate) fn shown_query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.query {
            query.append_pair(k, v);
        }
        redact(&query.finish()).into_owned()
    }
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body can carry the AppSecret (stable_token): only its size is shown.
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.shown_query())
            .field(
                "body",
                &match &self.body {
                    None => "none".to_owned(),
                    Some(Body::Json(json)) => format!("{} bytes of JSON", json.len()),
                    Some(Body::Multipart(_)) => "multipart".to_owned(),
                },
            )
            .field("idempotent", &self.idempotent)
            .field("with_token", &self.with_token)
            .field("on_mp_host", &self.on_mp_host)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn inline_query_is_split() {
        let req = ApiRequest::get("/cgi-bin/user/get?next_openid=o%201&lang=zh_CN");
        assert_eq!(req.path(), "/cgi-bin/user/get");
        assert_eq!(
            req.query,
            vec![
                ("next_openid".to_owned(), "o 1".to_owned()),
                ("lang".to_owned(), "zh_CN".to_owned())
            ]
        );
    }

    #[test]
    fn unsafe_requests_are_refused() {
        for path in [
            "cgi-bin/x",
            "//evil.example/x",
            "https://evil.example/x",
            "/a b",
            "/a#b",
        ] {
            assert!(ApiRequest::get(path).validate().is_err(), "{path}");
        }
        let with_token = ApiRequest::get("/cgi-bin/x").query("access_token", "t");
        assert!(with_token.validate().is_err());
        assert!(with_token.without_token().validate().is_ok());
    }

    #[test]
    fn debug_hides_secrets_and_bodies() {
        let req = ApiRequest::post("/cgi-bin/stable_token")
            .json(&serde_json::json!({"secret": "s3cr3t"}))
            .unwrap();
        let classic = ApiRequest::get("/cgi-bin/token").query("secret", "s3cr3t");
        let shown = format!("{req:?} {classic:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }

    #[test]
    fn json_keeps_non_ascii_raw() {
        let req = ApiRequest::post("/x")
            .json(&serde_json::json!({"name": "标签"}))
            .unwrap();
        let Some(Body::Json(body)) = req.body else {
            panic!("expected a JSON body");
        };
        assert_eq!(body.as_ref(), "{\"name\":\"标签\"}".as_bytes());
    }
}
