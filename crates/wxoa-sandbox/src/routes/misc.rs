//! The HTTP side of network and quota helpers (api-reference.md §2): the platform's IP lists,
//! the callback check (`platform::network`) and `clear_quota` (`platform::tokens`).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;

use super::{Authed, Json, get, post};
use crate::error::{ApiResult, ok, ok_empty};
use crate::platform::network::{SANDBOX_IPS, callback_check};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/get_api_domain_ip", get(ip_list))
        .route("/cgi-bin/getcallbackip", get(ip_list))
        .route("/cgi-bin/callback/check", post(check_callback))
        .route("/cgi-bin/clear_quota", post(clear_quota))
}

async fn ip_list(_: Authed) -> ApiResult {
    ok(json!({"ip_list": SANDBOX_IPS}))
}

#[derive(Debug, Deserialize)]
struct CheckRequest {
    action: Option<String>,
    check_operator: Option<String>,
}

async fn check_callback(_: Authed, Json(request): Json<CheckRequest>) -> ApiResult {
    let check = callback_check(request.action.as_deref(), request.check_operator.as_deref())?;
    let [ip] = SANDBOX_IPS;
    let dns = match check.dns {
        true => json!([{"ip": ip, "real_operator": check.operator}]),
        false => json!([]),
    };
    let ping = match check.ping {
        true => json!([{"ip": ip, "from_operator": check.operator, "package_loss": "0%",
                        "time": "0.1ms"}]),
        false => json!([]),
    };
    ok(json!({"dns": dns, "ping": ping}))
}

#[derive(Debug, Deserialize)]
struct ClearQuotaRequest {
    appid: Option<String>,
}

async fn clear_quota(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<ClearQuotaRequest>,
) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    auth.account(&mut state)?.clear_quota(
        request.appid.as_deref(),
        shared.settings.clear_quota_per_month,
        now,
    )?;
    ok_empty()
}
