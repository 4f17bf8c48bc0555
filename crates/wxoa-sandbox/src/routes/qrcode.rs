//! The HTTP side of parametric QR codes (api-reference.md §11): temporary codes (`QR_SCENE`,
//! `QR_STR_SCENE`, 30 s by default, at most 30 days, a non-zero 32-bit scene id) and permanent ones
//! (`QR_LIMIT_SCENE` with a scene id of 1 to 100,000, `QR_LIMIT_STR_SCENE`; 100,000 at most);
//! `scene_str` of 1 to 64 characters. `showqrcode` serves the image as a JPEG, 404 for an unknown
//! or expired ticket. The rules are `platform::qrcode`'s.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, Query, get, post, qr_image, set_field};
use crate::error::{ApiResult, ok};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/qrcode/create", post(create))
        .route("/cgi-bin/showqrcode", get(show))
}

#[derive(Debug, Deserialize)]
struct CreateRequest {
    #[serde(default)]
    expire_seconds: Option<Value>,
    #[serde(default)]
    action_name: Option<String>,
    #[serde(default)]
    action_info: Option<Value>,
}

async fn create(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<CreateRequest>,
) -> ApiResult {
    let action = request.action_name.unwrap_or_default();
    let now = shared.clock.now();
    let mut state = shared.state();
    let created = auth.account(&mut state)?.create_qrcode(
        action,
        request.action_info.as_ref(),
        request.expire_seconds.as_ref(),
        now,
    )?;
    let mut body = json!({"ticket": created.ticket, "url": created.url});
    if let Some(expire) = created.expire_seconds {
        set_field(&mut body, "expire_seconds", json!(expire));
    }
    ok(body)
}

/// `GET /cgi-bin/showqrcode?ticket=…`: the QR image (no access token needed).
async fn show(State(shared): State<Arc<Shared>>, query: Query) -> Response {
    qr_image(&shared, query.get("ticket"))
}
