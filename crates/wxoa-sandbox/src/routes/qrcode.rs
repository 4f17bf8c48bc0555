//! Parametric QR codes (api-reference.md §11): temporary codes (`QR_SCENE`, `QR_STR_SCENE`,
//! 30 s by default, at most 30 days, a non-zero 32-bit scene id) and permanent ones
//! (`QR_LIMIT_SCENE` with a scene id of 1 to 100,000, `QR_LIMIT_STR_SCENE`; 100,000 at most);
//! `scene_str` of 1 to 64 characters. `showqrcode` serves the image as a JPEG, 404 for an
//! unknown or expired ticket.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, Query, get, lenient_i64, post, qr_image, set_field};
use crate::error::{ApiError, ApiResult, ok};
use crate::platform::qrcode::{QrCode, new_ticket, new_url};
use crate::shared::Shared;
use crate::state::Account;

/// Lifetime of a temporary code when `expire_seconds` is absent.
const DEFAULT_EXPIRE: i64 = 30;
/// Longest lifetime of a temporary code (longer requests are cut to it).
const MAX_EXPIRE: i64 = 2_592_000;
/// Largest scene id of a permanent code, and most permanent codes per account.
const MAX_PERMANENT: i64 = 100_000;
/// Longest `scene_str`, characters.
const MAX_SCENE_STR: usize = 64;

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
    let (permanent, by_string) = match action.as_str() {
        "QR_SCENE" => (false, false),
        "QR_STR_SCENE" => (false, true),
        "QR_LIMIT_SCENE" => (true, false),
        "QR_LIMIT_STR_SCENE" => (true, true),
        _ => return Err(ApiError::msg(40053, "invalid action info")),
    };
    let scene = request
        .action_info
        .as_ref()
        .and_then(|i| i.get("scene"))
        .cloned()
        .unwrap_or(Value::Null);
    let (scene_id, scene_str) = if by_string {
        let text = scene
            .get("scene_str")
            .and_then(Value::as_str)
            .filter(|s| (1..=MAX_SCENE_STR).contains(&s.chars().count()))
            .ok_or_else(|| ApiError::msg(40053, "invalid action info: scene_str"))?;
        (None, Some(text.to_owned()))
    } else {
        let id = scene
            .get("scene_id")
            .and_then(lenient_i64)
            .filter(|&id| {
                if permanent {
                    (1..=MAX_PERMANENT).contains(&id)
                } else {
                    (1..=i64::from(u32::MAX)).contains(&id)
                }
            })
            .ok_or_else(|| ApiError::msg(40053, "invalid action info: scene_id"))?;
        (Some(id), None)
    };
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account.qrcodes.retain(|_, c| {
        c.expires_at
            .is_none_or(|end| end.saturating_add(86_400) > now)
    });
    if permanent {
        if let Some(code) = existing_permanent(account, &action, scene_id, scene_str.as_deref()) {
            return ok(json!({"ticket": code.ticket, "url": code.url}));
        }
        let count = account
            .qrcodes
            .values()
            .filter(|c| c.expires_at.is_none())
            .count();
        if count as i64 >= MAX_PERMANENT {
            return Err(ApiError::msg(45029, "qrcode count out of limit"));
        }
    }
    let expire = if permanent {
        None
    } else {
        let asked = request
            .expire_seconds
            .as_ref()
            .and_then(lenient_i64)
            .filter(|&e| e > 0)
            .unwrap_or(DEFAULT_EXPIRE);
        Some(asked.min(MAX_EXPIRE))
    };
    let code = QrCode {
        ticket: new_ticket(),
        action_name: action,
        scene_id,
        scene_str,
        expires_at: expire.map(|e| now.saturating_add(e)),
        url: new_url(),
        created_at: now,
        cards: Vec::new(),
        outer_str: None,
    };
    let mut body = json!({"ticket": code.ticket, "url": code.url});
    if let Some(expire) = expire {
        set_field(&mut body, "expire_seconds", json!(expire));
    }
    account.qrcodes.insert(code.ticket.clone(), code);
    ok(body)
}

fn existing_permanent<'a>(
    account: &'a Account,
    action: &str,
    scene_id: Option<i64>,
    scene_str: Option<&str>,
) -> Option<&'a QrCode> {
    account.qrcodes.values().find(|c| {
        c.expires_at.is_none()
            && c.action_name == action
            && c.scene_id == scene_id
            && c.scene_str.as_deref() == scene_str
    })
}

/// `GET /cgi-bin/showqrcode?ticket=…`: the QR image (no access token needed).
async fn show(State(shared): State<Arc<Shared>>, query: Query) -> Response {
    qr_image(&shared, query.get("ticket"))
}
