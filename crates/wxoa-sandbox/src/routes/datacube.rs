//! Analytics (api-reference-2 §3), HTTP only: every `POST /datacube/<name>`; the same answers
//! without a token for the console (`POST /sandbox/datacube/<name>[?app_id=A]`, kept out of
//! the calls log like the rest of the console's reads); and the control endpoints that list
//! the account's articles and make a follower read, share or favourite one
//! (`GET /sandbox/articles/sent`, `POST /sandbox/article`). The rules are `platform::stats`'.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use wxoa_types::datacube::{ENDPOINTS, Endpoint};

use super::sandbox_api::{ControlError, ControlResult, account_index, body, pick_account, reply};
use super::{Authed, Json, Query, post};
use crate::error::{ApiResult, ok};
use crate::platform::people::is_openid_like;
use crate::platform::stats::articles::{Act, ArticleAction, READ_SOURCES, SHARE_SCENES};
use crate::shared::Shared;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    let mut router = Router::new()
        .route(
            "/sandbox/datacube/{name}",
            axum::routing::post(console_query),
        )
        .route("/sandbox/articles/sent", axum::routing::get(articles))
        .route("/sandbox/article", axum::routing::post(act));
    for endpoint in ENDPOINTS {
        let endpoint = *endpoint;
        router = router.route(
            &endpoint.path(),
            post(
                move |State(shared): State<Arc<Shared>>, auth: Authed, Json(body): Json<Value>| {
                    query(shared, auth, endpoint, body)
                },
            ),
        );
    }
    router
}

async fn query(shared: Arc<Shared>, auth: Authed, endpoint: Endpoint, body: Value) -> ApiResult {
    let now = shared.clock.now();
    let mut state = shared.state();
    let rules = &shared.settings.analytics;
    ok(auth
        .account(&mut state)?
        .datacube(&endpoint, &body, now, rules)?)
}

/// The console's read of an endpoint: the platform's answer, errors included (as JSON with
/// their `errcode`).
async fn console_query(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    query: Query,
    bytes: Bytes,
) -> ControlResult {
    let endpoint = Endpoint::from_name(&name)
        .ok_or_else(|| ControlError::not_found(format!("no analytics endpoint {name}")))?;
    let request: Value = body(&bytes)?;
    let now = shared.clock.now();
    let state = shared.state();
    let account = pick_account(&state, query.get("app_id"), None)?;
    match account.datacube(&endpoint, &request, now, &shared.settings.analytics) {
        Ok(answer) => reply(answer),
        // The platform's error body, with its request id, as the API answers it.
        Err(error) => Ok(error.into_response()),
    }
}

/// `GET /sandbox/articles/sent[?app_id=A]`: the account's articles, newest first.
async fn articles(State(shared): State<Arc<Shared>>, query: Query) -> ControlResult {
    let state = shared.state();
    let account = pick_account(&state, query.get("app_id"), None)?;
    let mut list: Vec<_> = account.analytics.articles.articles.iter().collect();
    list.sort_by(|a, b| b.1.sent.cmp(&a.1.sent).then_with(|| b.0.cmp(a.0)));
    let list: Vec<Value> = list
        .into_iter()
        .map(|(msgid, a)| {
            json!({"msgid": msgid, "title": a.title, "url": a.url, "sent": a.sent,
                   "target_user": a.target_user, "notified": a.notified})
        })
        .collect();
    reply(json!(list))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActRequest {
    from: String,
    msgid: String,
    action: ArticleAction,
    /// The read entry (`user_source` of `getuserread`), 0 (a conversation) by default.
    #[serde(default)]
    source: u32,
    /// Where a share goes (`share_scene`), 1 (a friend) by default.
    #[serde(default = "friend")]
    scene: u32,
    #[serde(default)]
    app_id: Option<String>,
}

fn friend() -> u32 {
    1
}

/// `POST /sandbox/article`: follower `from` reads (`read`, `read_original`), shares or
/// favourites (`favorite`) article `msgid` of the account, now.
async fn act(State(shared): State<Arc<Shared>>, bytes: Bytes) -> ControlResult {
    let request: ActRequest = body(&bytes)?;
    if !is_openid_like(&request.from) {
        return Err(ControlError::bad(format!(
            "from {:?} is not an OpenID ([A-Za-z0-9_-], at most 64 characters)",
            request.from
        )));
    }
    if !READ_SOURCES.contains(&request.source) {
        return Err(ControlError::bad(format!(
            "source {} is not a read entry ({READ_SOURCES:?})",
            request.source
        )));
    }
    if !SHARE_SCENES.contains(&request.scene) {
        return Err(ControlError::bad(format!(
            "scene {} is not a share destination ({SHARE_SCENES:?})",
            request.scene
        )));
    }
    let now = shared.clock.now();
    let mut state = shared.state();
    let index = account_index(&state, request.app_id.as_deref(), Some(&request.from))?;
    let Some(account) = state.accounts.get_mut(index) else {
        return Err(ControlError::bad("no such account"));
    };
    let articles = &mut account.analytics.articles;
    if !articles.has(&request.msgid) {
        return Err(ControlError::not_found(format!(
            "the account has no article {}",
            request.msgid
        )));
    }
    articles.record(&Act {
        openid: &request.from,
        msgid: &request.msgid,
        action: request.action,
        source: request.source,
        scene: request.scene,
        at: now,
    });
    drop(state);
    shared.touch();
    reply(json!({"ok": true, "at": now}))
}
