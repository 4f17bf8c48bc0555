//! The control API (CONTRACT §4): make followers act, read what they received, move the clock,
//! script faults, read the calls log. What a follower's action does to the platform is the
//! areas' (`platform::people`, `qrcode`, `menu`, `media`, `kf`, `subscribe`); this file
//! decodes and answers. Its errors are the sandbox's own (`sandbox_api`): HTTP 4xx with
//! `{"error": "…"}`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use bytes::Bytes;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::Query;
use super::sandbox_api::{
    ControlError, ControlResult, account_index, body, limit, method_not_allowed, number,
    pick_account, reply,
};
use crate::config::{PushMode, Webhook};
use crate::faults::FaultRequest;
use crate::log::PushFilter;
use crate::platform::field_text;
use crate::platform::people::is_openid_like;
use crate::platform::qrcode::ScanRefusal;
use crate::push::push;
use crate::shared::{Shared, lock};

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/sandbox/accounts", get(accounts))
        .route("/sandbox/followers", get(followers))
        .route("/sandbox/push", post(push_message))
        .route("/sandbox/scan", post(scan))
        .route("/sandbox/click", post(click))
        .route("/sandbox/pushes", get(pushes))
        .route("/sandbox/inbox/{openid}", get(inbox))
        .route("/sandbox/calls", get(calls).delete(clear_calls))
        .route("/sandbox/calls/usage", get(calls_usage))
        .route("/sandbox/clock", get(clock).post(advance_clock))
        .route("/sandbox/tokens/revoke", post(revoke_tokens))
        .route(
            "/sandbox/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route(
            "/sandbox/webhook",
            get(webhook).put(set_webhook).delete(remove_webhook),
        )
        .method_not_allowed_fallback(method_not_allowed)
}

async fn accounts(State(shared): State<Arc<Shared>>) -> ControlResult {
    let state = shared.state();
    let list: Vec<Value> = state
        .accounts
        .iter()
        .map(|a| {
            json!({
                "app_id": a.app_id,
                "original_id": a.original_id,
                "followers": a.audience.followers.total(),
            })
        })
        .collect();
    reply(json!(list))
}

async fn followers(State(shared): State<Arc<Shared>>, query: Query) -> ControlResult {
    let limit = limit(&query)?.unwrap_or(100).min(100_000);
    let offset = number(&query, "offset")?.unwrap_or(0);
    let state = shared.state();
    let account = pick_account(&state, query.get("app_id"), None)?;
    let mut openids = Vec::with_capacity(limit.min(10_000));
    account.audience.followers.slice(offset, limit, |member| {
        let mut openid = String::with_capacity(28);
        account.openid_of(member, &mut openid);
        openids.push(openid);
    });
    reply(json!({"total": account.audience.followers.total(), "openids": openids}))
}

/// The fields of a message in the order they were given.
#[derive(Debug, Default)]
struct Fields(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of message fields")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    fields.push(entry);
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushRequest {
    from: String,
    message: Fields,
    #[serde(default)]
    app_id: Option<String>,
    /// The account of a third-party platform's authorizer (the same as `app_id`).
    #[serde(default)]
    authorizer: Option<String>,
}

async fn push_message(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: PushRequest = body(&bytes)?;
    if field_text(&request.message.0, "MsgType").is_empty() {
        return Err(ControlError::bad("message.MsgType is required"));
    }
    let app_id = request.authorizer.or(request.app_id);
    send(&shared, &request.from, app_id.as_deref(), request.message.0).await
}

/// Applies what a follower's action does to the state, pushes it, and applies what the
/// server's answer does.
async fn send(
    shared: &Shared,
    from: &str,
    app_id: Option<&str>,
    fields: Vec<(String, Value)>,
) -> ControlResult {
    if !is_openid_like(from) {
        return Err(ControlError::bad(format!(
            "from {from:?} is not an OpenID ([A-Za-z0-9_-], at most 64 characters)"
        )));
    }
    let outgoing = {
        let now = shared.clock.now();
        let mut state = shared.state();
        let index = account_index(&state, app_id, Some(from))?;
        let Some(account) = state.accounts.get_mut(index) else {
            return Err(ControlError::bad("no such account"));
        };
        account
            .follower_sends(from, fields, now)
            .map_err(|e| ControlError::bad(e.to_string()))?
    };
    let record = push(shared, outgoing).await;
    if let Some(account) = shared.state().account_mut(&record.app_id) {
        account.server_answered(&record, shared.clock.now());
    }
    reply(record.summary())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanRequest {
    from: String,
    ticket: String,
}

/// A follower scans a QR code the account created: `subscribe` with `qrscene_` when they do
/// not follow yet, `SCAN` when they do.
async fn scan(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: ScanRequest = body(&bytes)?;
    let (app_id, fields) = {
        let now = shared.clock.now();
        let mut state = shared.state();
        let scanned = state.scan(&request.ticket, &request.from, now);
        scanned.map_err(|refusal| match refusal {
            ScanRefusal::Unknown => ControlError::not_found("no QR code has this ticket"),
            ScanRefusal::Expired => ControlError::gone("the QR code has expired"),
            ScanRefusal::CardNotApproved => ControlError::forbidden(
                "the card is not approved: only users on the test whitelist can take it",
            ),
        })?
    };
    send(&shared, &request.from, Some(&app_id), fields).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClickRequest {
    from: String,
    /// `[top]` or `[top, sub]`, 0-based.
    button: Vec<usize>,
    #[serde(default)]
    app_id: Option<String>,
    /// `ScanResult` of a scancode button.
    #[serde(default)]
    scan_result: Option<String>,
}

/// A follower taps a button of the menu they see: the event the platform pushes for its type.
async fn click(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: ClickRequest = body(&bytes)?;
    let (app_id, fields) = {
        let state = shared.state();
        let index = account_index(&state, request.app_id.as_deref(), Some(&request.from))?;
        let Some(account) = state.accounts.get(index) else {
            return Err(ControlError::bad("no such account"));
        };
        let menu = account
            .menu_for(&request.from)
            .ok_or_else(|| ControlError::not_found("the account has no menu"))?;
        let button = crate::platform::menu::button_at(&menu.button, &request.button)
            .ok_or_else(|| ControlError::not_found(format!("no button at {:?}", request.button)))?;
        let event = crate::platform::menu::click_event(
            button,
            menu.matchrule.is_some().then_some(menu.menuid),
            request.scan_result.as_deref(),
        )
        .map_err(ControlError::bad)?;
        (account.app_id.clone(), event)
    };
    send(&shared, &request.from, Some(&app_id), fields).await
}

/// `GET /sandbox/pushes[?from=OPENID&app_id=A&after=ID&limit=N]`: the pushes, oldest first
/// (those still being delivered have the outcome `pending`).
async fn pushes(State(shared): State<Arc<Shared>>, query: Query) -> ControlResult {
    let filter = PushFilter {
        from: query.get("from"),
        app_id: query.get("app_id"),
        after: number(&query, "after")?.unwrap_or(0),
        limit: limit(&query)?,
    };
    reply(json!(lock(&shared.pushes).list(&filter)))
}

async fn inbox(State(shared): State<Arc<Shared>>, Path(openid): Path<String>) -> ControlResult {
    let state = shared.state();
    let items = state
        .owner_of(&openid)
        .and_then(|i| state.accounts.get(i))
        .map(|a| a.inbox(&openid))
        .unwrap_or_default();
    reply(json!(items))
}

/// `GET /sandbox/calls[?path=P&after=SEQ&limit=N]`: the calls log, oldest first.
async fn calls(State(shared): State<Arc<Shared>>, query: Query) -> ControlResult {
    let after = number(&query, "after")?.unwrap_or(0);
    let calls = lock(&shared.calls);
    reply(json!(calls.list(query.get("path"), after, limit(&query)?)))
}

/// `GET /sandbox/calls/usage`: `{"calls", "bytes", "max_bytes", "forgotten"}` — what the
/// calls log holds against its budget, and how many calls it forgot to stay within it.
async fn calls_usage(State(shared): State<Arc<Shared>>) -> ControlResult {
    reply(json!(lock(&shared.calls).usage()))
}

async fn clear_calls(State(shared): State<Arc<Shared>>) -> ControlResult {
    lock(&shared.calls).clear();
    reply(json!({"ok": true}))
}

async fn clock(State(shared): State<Arc<Shared>>) -> ControlResult {
    reply(json!({"now": shared.clock.now(), "offset": shared.clock.offset()}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceRequest {
    advance: i64,
}

async fn advance_clock(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: AdvanceRequest = body(&bytes)?;
    let now = shared
        .clock
        .advance(request.advance)
        .map_err(ControlError::bad)?;
    shared.touch();
    // A ticket of the third-party platform that fell due is pushed before the answer.
    crate::event_push::push_due_ticket(&shared, false).await;
    reply(json!({"now": now, "offset": shared.clock.offset()}))
}

/// `POST /sandbox/tokens/revoke` `{}` or `{"app_id": A}`: the tokens issued so far (of one
/// account) stop working, as when another party refreshed them by force.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeRequest {
    #[serde(default)]
    app_id: Option<String>,
}

async fn revoke_tokens(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: RevokeRequest = body(&bytes)?;
    let now = shared.clock.now();
    let mut state = shared.state();
    if let Some(app_id) = &request.app_id {
        account_index(&state, Some(app_id), None)?;
    }
    let revoked = state.revoke_tokens(request.app_id.as_deref(), now);
    drop(state);
    shared.touch();
    reply(json!({"revoked": revoked}))
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> ControlResult {
    reply(json!(lock(&shared.faults).list()))
}

async fn add_fault(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: FaultRequest = body(&bytes)?;
    let fault = request.into_fault().map_err(ControlError::bad)?;
    let mut faults = lock(&shared.faults);
    faults.add(fault);
    reply(json!(faults.list()))
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> ControlResult {
    lock(&shared.faults).clear();
    reply(json!([]))
}

/// The webhook as the control API shows it: its URLs (passwords masked) and mode.
fn shown_webhook(webhook: &Webhook) -> Value {
    let urls: Vec<String> = webhook
        .urls()
        .iter()
        .map(|u| wxoa_types::secret::mask_url_password(u).into_owned())
        .collect();
    json!({"url": urls.first(), "urls": urls, "mode": webhook.mode})
}

async fn webhook(State(shared): State<Arc<Shared>>) -> ControlResult {
    reply(match shared.webhook() {
        Some(w) => shown_webhook(&w),
        None => Value::Null,
    })
}

/// `PUT /sandbox/webhook`: `url` (one URL) or `urls` (several, round-robin), `token`, and
/// optionally `aes_key` and `mode`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookRequest {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    urls: Vec<String>,
    token: String,
    #[serde(default)]
    aes_key: Option<String>,
    #[serde(default)]
    mode: Option<PushMode>,
}

async fn set_webhook(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: WebhookRequest = body(&bytes)?;
    let mut urls = request.url.into_iter().chain(request.urls);
    let Some(first) = urls.next() else {
        return Err(ControlError::bad("the webhook needs url or urls"));
    };
    let mut webhook = urls.fold(Webhook::new(first, request.token), Webhook::with_url);
    if let Some(key) = request.aes_key {
        webhook = webhook.aes_key(key);
    }
    let mode = request.mode.unwrap_or(if webhook.aes_key.is_some() {
        PushMode::Safe
    } else {
        PushMode::Plain
    });
    webhook = webhook.mode(mode);
    webhook
        .validate()
        .map_err(|e| ControlError::bad(e.to_string()))?;
    let shown = shown_webhook(&webhook);
    shared.set_webhook(Some(webhook));
    reply(shown)
}

async fn remove_webhook(State(shared): State<Arc<Shared>>) -> ControlResult {
    shared.set_webhook(None);
    reply(Value::Null)
}
