//! Network and quota helpers (api-reference.md §2): the platform's IP lists, the callback
//! check and `clear_quota`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::json;

use super::{Authed, Json, get, post};
use crate::clock::china_month;
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::shared::Shared;

/// Where the sandbox's API and pushes come from: this machine.
const SANDBOX_IPS: [&str; 1] = ["127.0.0.1"];

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/get_api_domain_ip", get(ip_list))
        .route("/cgi-bin/getcallbackip", get(ip_list))
        .route("/cgi-bin/callback/check", post(callback_check))
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

async fn callback_check(_: Authed, Json(request): Json<CheckRequest>) -> ApiResult {
    let action = request.action.as_deref().unwrap_or_default();
    if !matches!(action, "all" | "dns" | "ping") {
        return Err(ApiError::argument("action"));
    }
    let operator = request.check_operator.as_deref().unwrap_or_default();
    if !matches!(operator, "CHINANET" | "UNICOM" | "CAP" | "DEFAULT") {
        return Err(ApiError::argument("check_operator"));
    }
    let shown = if operator == "DEFAULT" {
        "UNICOM"
    } else {
        operator
    };
    let dns = json!([{"ip": SANDBOX_IPS[0], "real_operator": shown}]);
    let ping = json!([{"ip": SANDBOX_IPS[0], "from_operator": shown, "package_loss": "0%", "time": "0.1ms"}]);
    ok(match action {
        "dns" => json!({"dns": dns, "ping": []}),
        "ping" => json!({"dns": [], "ping": ping}),
        _ => json!({"dns": dns, "ping": ping}),
    })
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
    let app_id = request
        .appid
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::msg(41002, "appid missing"))?;
    if app_id != auth.app_id {
        return Err(ApiError::msg(40013, "invalid appid"));
    }
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let quota = &mut account.tokens.quota;
    let month = china_month(now);
    if quota.clear_month != month {
        quota.clear_month = month;
        quota.clears = 0;
    }
    if quota.clears >= shared.settings.clear_quota_per_month {
        return Err(ApiError::msg(
            48006,
            "forbid to clear quota because of reaching the limit",
        ));
    }
    quota.clears += 1;
    quota.counts.clear();
    ok_empty()
}
