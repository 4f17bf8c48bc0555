//! The HTTP side of short links (api-reference.md §12): the deprecated `shorturl`, and short keys
//! hosting up to 4 KB of data for up to 30 days.
//!
//! | rule | code |
//! |---|---|
//! | `shorturl`: action long2short, an http(s) `long_url` | 40035 / 40048 |
//! | `shorten/gen`: `long_data` present, at most 4,096 bytes | 47003 / 9410010 |
//! | `expire_seconds` at most 2,592,000 (the default) | 9410011 |
//! | `shorten/fetch` of an unknown or expired key | 47003 |
//!
//! The rules are `platform::shorten`'s.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, post};
use crate::error::{ApiResult, ok};
use crate::platform::shorten::short_url;
use crate::shared::Shared;

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
    let short = short_url(request.action.as_deref(), request.long_url.as_deref())?;
    ok(json!({"errcode": 0, "errmsg": "ok", "short_url": short}))
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
    let now = shared.clock.now();
    let mut state = shared.state();
    let key = auth.account(&mut state)?.shorten(
        request.long_data,
        request.expire_seconds.as_ref(),
        now,
    )?;
    ok(json!({"errcode": 0, "errmsg": "ok", "short_key": key}))
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
    let found = auth.account(&mut state)?.short_key(&key, now)?;
    ok(json!({
        "errcode": 0,
        "errmsg": "ok",
        "long_data": found.long_data,
        "create_time": found.create_time,
        "expire_seconds": found.expire_seconds - (now - found.create_time),
    }))
}
