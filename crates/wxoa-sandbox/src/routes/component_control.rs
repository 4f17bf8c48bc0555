//! The control API of the third-party platform (README "Third-party platform"), HTTP only:
//! an admin consents to or revokes the component for a simulated account (the platform then
//! pushes `authorized`/`updateauthorized`/`unauthorized` to the authorization-event URL),
//! pushes a ticket at once, runs the 全网发布 release test, and reads the component's state,
//! the accounts and the pushes.
//! pushes a ticket at once, and reads the component's state, the accounts, the pushes and the
//! authorizer tokens issued.
//! Errors are the control API's own (`sandbox_api`).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Query;
use super::sandbox_api::{
    ControlError, ControlResult, body, limit, method_not_allowed, number, reply,
};
use crate::event_push::{deliver, push_due_ticket};
use crate::platform::component::authorize::{Consent, Refusal};
use crate::platform::component::config::Component;
use crate::platform::component::events;
use crate::platform::component::profile::nick_name;
use crate::release_test::{MAX_WINDOW, ReleaseOptions, ReleaseRefusal, run};
use crate::shared::{Shared, lock};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/sandbox/component", get(summary))
        .route("/sandbox/component/authorizers", get(authorizers))
        .route("/sandbox/component/authorize", post(authorize))
        .route("/sandbox/component/revoke", post(revoke))
        .route("/sandbox/component/ticket", post(ticket))
        .route("/sandbox/component/events", get(event_log))
        .route("/sandbox/component/release-test", post(release_test))
        .route("/sandbox/component/refreshes", get(refreshes))
        .method_not_allowed_fallback(method_not_allowed)
}

/// The component the sandbox plays; 404 when it plays none.
fn component(shared: &Shared) -> Result<&Component, ControlError> {
    shared.settings.component.as_ref().ok_or_else(|| {
        ControlError::not_found(
            "the sandbox plays no third-party platform (see --component-app-id)",
        )
    })
}

/// `GET /sandbox/component`: the component, its latest ticket and how many accounts
/// authorized it.
async fn summary(State(shared): State<Arc<Shared>>) -> ControlResult {
    let component = component(&shared)?;
    let state = shared.state();
    let latest = state.component.tickets.back();
    let authorized = state
        .component
        .authorizations
        .iter()
        .filter(|a| a.authorized)
        .count();
    reply(json!({
        "app_id": component.app_id,
        "auth_url": component.auth_url,
        "message_url": component.message_url,
        "ticket": latest.map(|t| t.value.as_str()),
        "ticket_at": latest.map(|t| t.at),
        "next_ticket_at": state.component.next_ticket_at,
        "authorized": authorized,
        "accounts": state.accounts.len(),
    }))
}

/// `GET /sandbox/component/authorizers?offset=N&limit=M`: the sandbox's official accounts
/// (100 by default) with their authorization of the component.
async fn authorizers(State(shared): State<Arc<Shared>>, query: Query) -> ControlResult {
    component(&shared)?;
    let offset = usize::try_from(number(&query, "offset")?.unwrap_or(0)).unwrap_or(usize::MAX);
    let limit = limit(&query)?.unwrap_or(100);
    let state = shared.state();
    let list: Vec<Value> = state
        .accounts
        .iter()
        .skip(offset)
        .take(limit)
        .map(|account| {
            let authorization = state.component.current(&account.app_id);
            json!({
                "app_id": account.app_id,
                "original_id": account.original_id,
                "nick_name": nick_name(account),
                "authorized": authorization.is_some(),
                "func_ids": authorization.map(|a| a.func.ids().collect::<Vec<_>>()),
                "auth_time": authorization.map(|a| a.auth_time),
            })
        })
        .collect();
    reply(json!({"total": state.accounts.len(), "authorizers": list}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorizeRequest {
    authorizer_appid: String,
    func_ids: Vec<i64>,
    #[serde(default)]
    redirect_uri: Option<String>,
    #[serde(default)]
    pre_auth_code: Option<String>,
}

fn refused(refusal: &Refusal) -> ControlError {
    match refusal {
        Refusal::NoAccount => ControlError::not_found(refusal.to_string()),
        Refusal::PreAuthCodeExpired => ControlError::gone(refusal.to_string()),
        _ => ControlError::bad(refusal.to_string()),
    }
}

/// `POST /sandbox/component/authorize`: the admin of `authorizer_appid` consents to
/// `func_ids`; the change is pushed (awaited) and the code answered, with the browser's
/// redirect when `redirect_uri` is given.
async fn authorize(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: AuthorizeRequest = body(&bytes)?;
    let component = component(&shared)?;
    let redirect = request
        .redirect_uri
        .as_deref()
        .map(|uri| {
            url::Url::parse(uri)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| {
                    ControlError::bad(format!("redirect_uri {uri:?} is not an http(s) URL"))
                })
        })
        .transpose()?;
    let now = shared.clock.now();
    let consent: Consent = shared
        .state()
        .consent(
            &request.authorizer_appid,
            &request.func_ids,
            request.pre_auth_code.as_deref(),
            &component.rules,
            now,
        )
        .map_err(|r| refused(&r))?;
    let push = match consent.info_type {
        Some(info_type) => {
            let event = events::authorization(
                &component.app_id,
                info_type,
                now,
                &request.authorizer_appid,
                &consent.auth_code,
                now.saturating_add(consent.expires_in),
                &consent.pre_auth_code,
            );
            Some(deliver(&shared, component, event).await)
        }
        None => None,
    };
    let redirect = redirect.map(|mut url| {
        url.query_pairs_mut()
            .append_pair("auth_code", &consent.auth_code)
            .append_pair("expires_in", &consent.expires_in.to_string());
        url.to_string()
    });
    reply(json!({
        "auth_code": consent.auth_code,
        "expires_in": consent.expires_in,
        "info_type": consent.info_type,
        "redirect": redirect,
        "push": push,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeRequest {
    authorizer_appid: String,
}

/// `POST /sandbox/component/revoke`: the admin revokes; `unauthorized` is pushed (awaited).
async fn revoke(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: RevokeRequest = body(&bytes)?;
    let component = component(&shared)?;
    let now = shared.clock.now();
    shared
        .state()
        .revoke(&request.authorizer_appid, now)
        .map_err(|r| refused(&r))?;
    let event = events::unauthorized(&component.app_id, now, &request.authorizer_appid);
    let push = deliver(&shared, component, event).await;
    reply(json!({"push": push}))
}

/// `POST /sandbox/component/ticket`: a ticket pushed at once (awaited).
async fn ticket(State(shared): State<Arc<Shared>>) -> ControlResult {
    component(&shared)?;
    reply(json!({"push": push_due_ticket(&shared, true).await}))
}

/// `GET /sandbox/component/events?after=ID&info_type=T`: the pushes to the
/// authorization-event URL, oldest first.
async fn event_log(State(shared): State<Arc<Shared>>, query: Query) -> ControlResult {
    component(&shared)?;
    let after = number(&query, "after")?.unwrap_or(0);
    reply(json!(
        lock(&shared.events).list(after, query.get("info_type"))
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseRequest {
    #[serde(default)]
    authorizer_appid: Option<String>,
    #[serde(default)]
    window_ms: Option<u64>,
    #[serde(default)]
    legacy_event: bool,
}

/// The API case's window when none is asked for, milliseconds.
const DEFAULT_WINDOW_MS: u64 = 10_000;

/// `POST /sandbox/component/release-test` (body optional: `authorizer_appid`, `window_ms`,
/// `legacy_event`): runs the 全网发布 test against the component's URLs and answers its
/// report, `{"passed", "authorizer_appid", "original_id", "cases": [{"name", "passed",
/// "reason"}]}`. 400 for an account that is not a test account or a window over 120 s, 409
/// while another run is going on.
async fn release_test(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: ReleaseRequest = if bytes.iter().all(u8::is_ascii_whitespace) {
        ReleaseRequest::default()
    } else {
        body(&bytes)?
    };
    let component = component(&shared)?;
    let window = std::time::Duration::from_millis(request.window_ms.unwrap_or(DEFAULT_WINDOW_MS));
    if window > MAX_WINDOW {
        return Err(ControlError::bad(format!(
            "window_ms must be at most {}",
            MAX_WINDOW.as_millis()
        )));
    }
    let options = ReleaseOptions {
        authorizer: request.authorizer_appid,
        window,
        legacy_event: request.legacy_event,
    };
    match run(&shared, component, &options).await {
        Ok(report) => reply(json!(report)),
        Err(refusal @ ReleaseRefusal::Running) => Err(ControlError::conflict(refusal.to_string())),
        Err(refusal) => Err(ControlError::bad(refusal.to_string())),
    }
}

/// `GET /sandbox/component/refreshes?since_ms=A&until_ms=B`: the authorizer tokens issued in
/// the window of virtual Unix milliseconds (default: since the start, until now) — per
/// account and per token lifetime, the busiest second — and the calls made with an expired
/// authorizer token.
async fn refreshes(State(shared): State<Arc<Shared>>, query: Query) -> ControlResult {
    component(&shared)?;
    let millis = |key| -> Result<Option<i64>, ControlError> {
        Ok(number(&query, key)?.map(|n| i64::try_from(n).unwrap_or(i64::MAX)))
    };
    let since = millis("since_ms")?.unwrap_or(0);
    let until = millis("until_ms")?.unwrap_or_else(|| shared.clock.now_ms());
    let state = shared.state();
    let authorized = state
        .component
        .authorizations
        .iter()
        .filter(|a| a.authorized)
        .map(|a| a.app_id.as_str());
    let summary = state.component.refresh_log.summary(
        authorized,
        since,
        until,
        shared.settings.token_lifetime,
    );
    reply(json!(summary))
}
