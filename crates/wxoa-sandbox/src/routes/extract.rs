//! What the platform's endpoints read from a request: the query string, the access token
//! (checked with the API's daily quota before the handler runs), a JSON body read with the
//! platform's error codes, a multipart upload, and the articles of a news body.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::platform::material::NewsBox;
use crate::platform::media::MediaFile;
use crate::shared::Shared;
use crate::state::{Account, State};

/// The query string, decoded (a repeated key keeps its last value).
#[derive(Debug, Default)]
pub(crate) struct Query(HashMap<String, String>);

impl Query {
    pub(crate) fn parse(query: Option<&str>) -> Self {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
        Self(pairs.into_iter().collect())
    }

    /// Every parameter, by name.
    pub(crate) fn into_pairs(self) -> HashMap<String, String> {
        self.0
    }

    /// A parameter; an empty value counts as missing.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::parse(parts.uri.query()))
    }
}

/// A call made with a valid access token; the token's account and the API's quota are
/// checked before the handler runs.
#[derive(Debug, Clone)]
pub(crate) struct Authed {
    pub(crate) app_id: String,
}

impl Authed {
    /// The caller's account.
    pub(crate) fn account<'s>(&self, state: &'s mut State) -> Result<&'s mut Account, ApiError> {
        state
            .account_mut(&self.app_id)
            .ok_or_else(|| ApiError::msg(40014, "invalid access_token"))
    }
}

impl FromRequestParts<Arc<Shared>> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        let query = Query::parse(parts.uri.query());
        let token = query
            .get("access_token")
            .ok_or_else(|| ApiError::msg(41001, "access_token missing"))?;
        let now = shared.clock.now();
        let mut state = shared.state();
        let app_id = state
            .token_owner(token, parts.uri.path(), now)
            .inspect_err(|_| state.note_refused_token(token, now))?;
        let account = state
            .account_mut(&app_id)
            .ok_or_else(|| ApiError::msg(40014, "invalid access_token"))?;
        account.take_quota(&shared.settings.quotas, parts.uri.path(), now)?;
        Ok(Self { app_id })
    }
}

/// A JSON body read the platform's way: empty → 44002, `\uXXXX` escapes of non-ASCII
/// characters → 40033, anything that does not parse into `T` → 47001.
#[derive(Debug)]
pub(crate) struct Json<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| ApiError::msg(47001, "data format error: unreadable body"))?;
        parse_json(&bytes).map(Json)
    }
}

/// Parses a JSON body with the platform's error codes.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::msg(44002, "empty post data"));
    }
    if has_non_ascii_escape(bytes) {
        return Err(ApiError::msg(
            40033,
            "invalid charset. please check your request, if include \\uxxxx will create fail!",
        ));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::msg(47001, format!("data format error: {e}")))
}

/// Whether the body escapes a character outside ASCII as `\uXXXX`, which the platform refuses
/// (send UTF-8 as is). Escapes of control characters are fine.
fn has_non_ascii_escape(bytes: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'\\' {
            i += 1;
            continue;
        }
        if bytes.get(i + 1) == Some(&b'u') {
            let code = bytes
                .get(i + 2..i + 6)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u32::from_str_radix(hex, 16).ok());
            if code.is_some_and(|c| c >= 0x80) {
                return true;
            }
        }
        // Skip the escaped character, so `\\u` is a backslash followed by `u`.
        i += 2;
    }
    false
}

/// A file uploaded in the `media` field, and the other text fields of the form.
#[derive(Debug)]
pub(crate) struct Upload {
    pub(crate) filename: String,
    pub(crate) content_type: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) fields: HashMap<String, String>,
}

impl Upload {
    /// Reads the form; 41005 without a `media` file.
    pub(crate) async fn read(
        multipart: Result<Multipart, MultipartRejection>,
    ) -> Result<Upload, ApiError> {
        let missing = || ApiError::msg(41005, "media data missing");
        let multipart = multipart.map_err(|_| missing())?;
        let (file, fields) = Self::read_form(multipart, "media")
            .await
            .map_err(|_| missing())?;
        let mut upload = file.ok_or_else(missing)?;
        upload.fields = fields;
        Ok(upload)
    }

    /// Reads a form: the file in the field `file_field` (without its form's other fields),
    /// if there is one, and the form's text fields; `Err` when the form is malformed.
    pub(crate) async fn read_form(
        mut multipart: Multipart,
        file_field: &str,
    ) -> Result<(Option<Upload>, HashMap<String, String>), MultipartError> {
        let mut file = None;
        let mut fields = HashMap::new();
        while let Some(field) = multipart.next_field().await? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == file_field {
                let filename = field.file_name().unwrap_or_default().to_owned();
                let content_type = field.content_type().unwrap_or_default().to_owned();
                let bytes = field.bytes().await?.to_vec();
                file = Some(Upload {
                    filename,
                    content_type,
                    bytes,
                    fields: HashMap::new(),
                });
            } else if let Ok(text) = field.text().await {
                fields.insert(name, text);
            }
        }
        Ok((file, fields))
    }

    /// The file as stored.
    pub(crate) fn into_file(self, kind: &str, now: i64) -> MediaFile {
        MediaFile::file(kind, self.filename, self.content_type, self.bytes, now)
    }
}

/// The body of `material/add_news`, `media/uploadnews` and `draft/add`: a list of articles.
#[derive(Debug, Deserialize)]
pub(crate) struct NewsRequest {
    #[serde(default)]
    articles: Option<Vec<Value>>,
}

impl NewsRequest {
    /// Keeps the articles as news in the caller's `place` (see [`Account::add_news`]): the
    /// new media id, and when it was made.
    pub(crate) fn keep(
        self,
        shared: &Shared,
        auth: &Authed,
        place: NewsBox,
    ) -> Result<(String, i64), ApiError> {
        let articles = self.articles.unwrap_or_default();
        let now = shared.clock.now();
        let mut state = shared.state();
        let id = auth.account(&mut state)?.add_news(articles, place, now)?;
        Ok((id, now))
    }
}

/// The body of `material/update_news` and `draft/update`: the news, the article's index and
/// the new article.
#[derive(Debug, Deserialize)]
pub(crate) struct NewsUpdate {
    #[serde(default)]
    media_id: Option<String>,
    #[serde(default)]
    index: Option<Value>,
    #[serde(default)]
    articles: Option<Value>,
}

impl NewsUpdate {
    /// Replaces the article in the news of the caller's `place` (see
    /// [`Account::update_news`]).
    pub(crate) fn apply(
        self,
        shared: &Shared,
        auth: &Authed,
        place: NewsBox,
    ) -> Result<(), ApiError> {
        let id = self.media_id.unwrap_or_default();
        let article = self.articles.unwrap_or(Value::Null);
        let now = shared.clock.now();
        let mut state = shared.state();
        auth.account(&mut state)?
            .update_news(place, &id, self.index.as_ref(), article, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_of_non_ascii_characters_are_found() {
        assert!(has_non_ascii_escape(br#"{"name":"\u5e7f\u4e1c"}"#));
        assert!(!has_non_ascii_escape(r#"{"name":"广东"}"#.as_bytes()));
        assert!(!has_non_ascii_escape(br#"{"name":"a\u0026b\n"}"#));
        assert!(!has_non_ascii_escape(br#"{"name":"\\u5e7f"}"#));
        assert!(!has_non_ascii_escape(br#"{"name":"\u5e"}"#));
    }
}
