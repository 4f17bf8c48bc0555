//! What several areas answer alike: a page of OpenIDs, a media file's bytes and the URL that
//! serves them without a token, and a QR code's image.

use std::collections::BTreeSet;
use std::ops::Bound;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::platform::media::MediaFile;
use crate::platform::qrcode::render;
use crate::shared::Shared;

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

/// Where the sandbox serves a media file's bytes without a token (what a `down_url` or
/// `video_url` points to).
pub(crate) fn raw_url(headers: &HeaderMap, media_id: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}/sandbox/media/{media_id}")
}

/// A file as the platform serves it: its bytes, type and an attachment name.
pub(crate) fn file_response(file: &MediaFile) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        file.filename.replace(['"', '\r', '\n'], "")
    );
    (
        [
            (header::CONTENT_TYPE, file.content_type.clone()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.bytes.clone(),
    )
        .into_response()
}

/// The image of a live QR code as a JPEG; 404 for an unknown or expired ticket.
pub(crate) fn qr_image(shared: &Shared, ticket: Option<&str>) -> Response {
    let now = shared.clock.now();
    let url = ticket.and_then(|ticket| {
        let state = shared.state();
        state.live_qr_url(ticket, now).map(str::to_owned)
    });
    match url.and_then(|url| render(&url)) {
        Some(jpeg) => ([(header::CONTENT_TYPE, "image/jpeg")], jpeg).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
