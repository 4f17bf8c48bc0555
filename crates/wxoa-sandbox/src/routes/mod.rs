//! The platform's API, one file per area, and what every endpoint shares: the access-token
//! check with the daily quota, the query and JSON body readers with the platform's error codes,
//! and the method rules (43001/43002).

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::routing::MethodRouter;
use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::platform::media::{MediaFile, new_media_id};
pub(crate) use crate::platform::{lenient_i64, set_field};
use crate::shared::Shared;
use crate::state::{Account, State};

pub(crate) mod blacklist;
pub(crate) mod card;
pub(crate) mod console;
pub(crate) mod control;
pub(crate) mod custom;
pub(crate) mod groups;
pub(crate) mod kf;
pub(crate) mod kfsession;
pub(crate) mod mass;
pub(crate) mod material;
pub(crate) mod media;
pub(crate) mod menu;
pub(crate) mod misc;
pub(crate) mod oauth;
pub(crate) mod publish;
pub(crate) mod qrcode;
pub(crate) mod shorten;
pub(crate) mod subscribe;
pub(crate) mod tags;
pub(crate) mod template;
pub(crate) mod ticket;
pub(crate) mod token;
pub(crate) mod users;

/// Every route of the platform and of the control API.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .merge(token::routes())
        .merge(ticket::routes())
        .merge(misc::routes())
        .merge(users::routes())
        .merge(tags::routes())
        .merge(groups::routes())
        .merge(blacklist::routes())
        .merge(custom::routes())
        .merge(template::routes())
        .merge(subscribe::routes())
        .merge(menu::routes())
        .merge(qrcode::routes())
        .merge(media::routes())
        .merge(material::routes())
        .merge(oauth::routes())
        .merge(mass::routes())
        .merge(shorten::routes())
        .merge(kf::routes())
        .merge(kfsession::routes())
        .merge(card::routes())
        .merge(publish::routes())
        .merge(control::routes())
        .merge(console::routes())
        .fallback(unknown_path)
}

/// A path the platform does not serve.
async fn unknown_path(request: Request) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut response = ApiError::msg(
        48001,
        format!(
            "api unauthorized: the sandbox does not serve {}",
            request.uri().path()
        ),
    )
    .into_response();
    *response.status_mut() = axum::http::StatusCode::NOT_FOUND;
    response
}

type Routes = MethodRouter<Arc<Shared>>;

/// An endpoint the platform serves on GET only; other methods answer 43001.
pub(crate) fn get<H, T>(handler: H) -> Routes
where
    H: Handler<T, Arc<Shared>>,
    T: 'static,
{
    axum::routing::get(handler).fallback(require_get)
}

/// An endpoint the platform serves on POST only; other methods answer 43002.
pub(crate) fn post<H, T>(handler: H) -> Routes
where
    H: Handler<T, Arc<Shared>>,
    T: 'static,
{
    axum::routing::post(handler).fallback(require_post)
}

async fn require_get() -> ApiError {
    ApiError::msg(43001, "require GET method")
}

async fn require_post() -> ApiError {
    ApiError::msg(43002, "require POST method")
}

/// The query string, decoded (a repeated key keeps its last value).
#[derive(Debug, Default)]
pub(crate) struct Query(HashMap<String, String>);

impl Query {
    pub(crate) fn parse(query: Option<&str>) -> Self {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
        Self(pairs.into_iter().collect())
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
        let app_id = check_token(&state, token, now)?;
        let account = state
            .account_mut(&app_id)
            .ok_or_else(|| ApiError::msg(40014, "invalid access_token"))?;
        take_quota(shared, account, parts.uri.path(), now)?;
        Ok(Self { app_id })
    }
}

/// The account an access token belongs to, or why it is refused.
pub(crate) fn check_token(state: &State, token: &str, now: i64) -> Result<String, ApiError> {
    if !is_token_shaped(token) {
        return Err(ApiError::msg(40014, "invalid access_token"));
    }
    let Some(record) = state.tokens.get(token) else {
        return Err(ApiError::msg(
            40001,
            "invalid credential, access_token is invalid or not latest",
        ));
    };
    if record.revoked_at.is_some_and(|r| r <= now) && record.expires_at > now {
        return Err(ApiError::msg(
            40001,
            "invalid credential, access_token is invalid or not latest",
        ));
    }
    if record.expires_at <= now {
        return Err(ApiError::msg(42001, "access_token expired"));
    }
    Ok(record.app_id.clone())
}

/// Whether a string could be a token the sandbox issued (see `platform::tokens::new_token`).
fn is_token_shaped(token: &str) -> bool {
    (32..=512).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Counts a call against the API's daily quota; 45009 once it is used up.
pub(crate) fn take_quota(
    shared: &Shared,
    account: &mut Account,
    path: &str,
    now: i64,
) -> Result<(), ApiError> {
    match shared.settings.quotas.limit(path) {
        Some(limit) if !account.tokens.quota.take(path, limit, now) => {
            Err(ApiError::msg(45009, "reach max api daily quota limit"))
        }
        _ => Ok(()),
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

/// The body of `material/add_news` and `draft/add`: a list of articles.
#[derive(Debug, Deserialize)]
pub(crate) struct NewsRequest {
    #[serde(default)]
    articles: Option<Vec<Value>>,
}

/// Checks the articles of `request` and keeps them, as a record of `kind`, in the map of the
/// account that `place` picks (permanent material, temporary media, drafts); returns the new
/// `media_id` and the time it was made.
pub(crate) fn store_news(
    shared: &Shared,
    auth: Authed,
    request: NewsRequest,
    kind: &str,
    place: fn(&mut Account) -> &mut HashMap<String, MediaFile>,
) -> Result<(String, i64), ApiError> {
    let articles = request.articles.unwrap_or_default();
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account.check_news(&articles, now)?;
    let id = new_media_id();
    place(account).insert(id.clone(), MediaFile::record(kind, now, articles));
    Ok((id, now))
}

/// A page of a sorted OpenID set, after `after` (from the start when empty): the shape of
/// `user/tag/get` and `getblacklist` (`total` only when given).
pub(crate) fn page_of(
    set: &BTreeSet<String>,
    after: Option<&str>,
    limit: usize,
    total: Option<usize>,
) -> Value {
    let range = match after.filter(|a| !a.is_empty()) {
        Some(after) => set.range::<str, _>((Bound::Excluded(after), Bound::Unbounded)),
        None => set.range::<str, _>((Bound::Unbounded, Bound::Unbounded)),
    };
    let openids: Vec<&String> = range.take(limit).collect();
    let mut page = serde_json::Map::new();
    if let Some(total) = total {
        page.insert("total".into(), serde_json::json!(total));
    }
    page.insert("count".into(), serde_json::json!(openids.len()));
    match openids.last() {
        Some(last) => {
            page.insert("data".into(), serde_json::json!({"openid": openids}));
            page.insert("next_openid".into(), serde_json::json!(last));
        }
        None => {
            page.insert("next_openid".into(), serde_json::json!(""));
        }
    }
    Value::Object(page)
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

    #[test]
    fn tokens_have_a_shape() {
        assert!(!is_token_shaped("short"));
        assert!(!is_token_shaped(&"a".repeat(513)));
        assert!(!is_token_shaped(&format!("{}!", "a".repeat(40))));
        assert!(is_token_shaped(&"a_b-C".repeat(10)));
    }
}
