//! Short links (api-reference.md §12): the deprecated `shorturl`, and short keys hosting up to
//! 4 KB of data for up to 30 days.
//!
//! | rule | code |
//! |---|---|
//! | `shorturl`: action long2short, an http(s) `long_url` | 40035 / 40048 |
//! | `shorten/gen`: `long_data` present, at most 4,096 bytes | 47003 / 9410010 |
//! | `expire_seconds` at most 2,592,000 (the default) | 9410011 |
//! | `shorten/fetch` of an unknown or expired key | 47003 |

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, lenient_i64, post};
use crate::error::{ApiError, ApiResult, ok};
use crate::platform::shorten::ShortKey;
use crate::platform::tokens::random_text;
use crate::shared::Shared;

/// Longest hosted data, bytes.
const MAX_LONG_DATA: usize = 4096;
/// Longest (and default) lifetime of a short key, seconds.
const MAX_EXPIRE: i64 = 2_592_000;
/// Characters of a short key.
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/shorturl", post(shorturl))
        .route("/cgi-bin/shorten/gen", post(generate))
        .route("/cgi-bin/shorten/fetch", post(fetch))
}

#[derive(Debug, Deserialize)]
struct ShortUrlRequest {
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    long_url: Option<String>,
}

async fn shorturl(_: Authed, Json(request): Json<ShortUrlRequest>) -> ApiResult {
    if request.action.as_deref() != Some("long2short") {
        return Err(ApiError::msg(
            40035,
            "invalid args: action must be long2short",
        ));
    }
    let valid = request
        .long_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .is_some_and(|u| matches!(u.scheme(), "http" | "https" | "weixin"));
    if !valid {
        return Err(ApiError::msg(40048, "invalid url"));
    }
    ok(
        json!({"errcode": 0, "errmsg": "ok", "short_url": format!("https://w.url.cn/s/{}", random_text(7))}),
    )
}

#[derive(Debug, Deserialize)]
struct GenRequest {
    #[serde(default)]
    long_data: Option<String>,
    #[serde(default)]
    expire_seconds: Option<Value>,
}

async fn generate(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<GenRequest>,
) -> ApiResult {
    let data = request
        .long_data
        .filter(|d| !d.is_empty())
        .ok_or_else(|| ApiError::argument("long_data"))?;
    if data.len() > MAX_LONG_DATA {
        return Err(ApiError::msg(9_410_010, "long_data is too long"));
    }
    let expire = match &request.expire_seconds {
        None => MAX_EXPIRE,
        Some(value) => lenient_i64(value)
            .filter(|e| *e > 0)
            .ok_or_else(|| ApiError::argument("expire_seconds"))?,
    };
    if expire > MAX_EXPIRE {
        return Err(ApiError::msg(9_410_011, "expire_seconds is too large"));
    }
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account
        .short_keys
        .retain(|_, k| now - k.create_time < k.expire_seconds);
    let key = short_key();
    account.short_keys.insert(
        key.clone(),
        ShortKey {
            long_data: data,
            create_time: now,
            expire_seconds: expire,
        },
    );
    ok(json!({"errcode": 0, "errmsg": "ok", "short_key": key}))
}

/// 15 characters of base62.
fn short_key() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..15)
        .map(|_| {
            char::from(
                BASE62
                    .get(rng.gen_range(0..BASE62.len()))
                    .copied()
                    .unwrap_or(b'0'),
            )
        })
        .collect()
}

#[derive(Debug, Deserialize)]
struct FetchRequest {
    #[serde(default)]
    short_key: Option<String>,
}

async fn fetch(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<FetchRequest>,
) -> ApiResult {
    let key = request.short_key.unwrap_or_default();
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let found = account
        .short_keys
        .get(&key)
        .filter(|k| now - k.create_time < k.expire_seconds)
        .ok_or_else(|| ApiError::argument("short_key"))?;
    ok(json!({
        "errcode": 0,
        "errmsg": "ok",
        "long_data": found.long_data,
        "create_time": found.create_time,
        "expire_seconds": found.expire_seconds - (now - found.create_time),
    }))
}
