//! The HTTP side of mass sends (api-reference.md §8, errors-and-limits.md §7): to everyone, to
//! a tag or to a list of OpenIDs, previews, deletion, status, speed, `uploadnews` and
//! `uploadvideo`. The rules below are `platform::mass`'s (and `platform::media`'s for
//! `uploadvideo`); this file decodes the requests and encodes the answers.
//!
//! | rule | code |
//! |---|---|
//! | a known msgtype: mpnews, text, voice, image (or `images`), mpvideo, wxcard | 40008 |
//! | mpnews names news from `uploadnews` or permanent news; mpvideo a video from `uploadvideo` or permanent; image/voice existing media | 40007 |
//! | text not empty; wxcard names a card | 44004 / 47003 |
//! | `filter` present; its tag exists | 47003 / 45159 |
//! | `touser` of `send`: at least 2, at most 10,000 | 40130 / 40032 |
//! | `clientmsgid` ≤ 64 bytes; reused within a minute; reused later (answers the first `msg_id`) | 45067 / 45066 / 45065 |
//! | a daily limit of sends, when configured (subscription accounts: 1) | 45028 |
//! | a follower receives at most 4 mass messages a month; more are filtered out (`FilterCount`) | — |
//! | `uploadnews`: 1 to 8 articles, each with a title, content and an existing thumbnail | 44003 / 45008 / 47003 / 40007 |
//! | `uploadvideo`: a temporary video | 40007 |
//! | `delete`: a known msg_id (47003); mpnews or mpvideo only (48008); `article_idx` within the articles (40060) | |
//! | `speed/set`: 0 to 4; present | 45083 / 45084 |
//! | `preview` by `towxname` (the sandbox knows no WeChat ids) | 40132 |

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Authed, Json, NewsRequest, lenient_i64, post, set_field};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::platform::comments::msg_data_id;
use crate::platform::mass::{Filter, MassMessage, Target};
use crate::platform::material::NewsBox;
use crate::push::push_in_background;
use crate::shared::Shared;
use crate::state::Account;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/message/mass/sendall", post(send_all))
        .route("/cgi-bin/message/mass/send", post(send_list))
        .route("/cgi-bin/message/mass/preview", post(preview))
        .route("/cgi-bin/message/mass/delete", post(delete))
        .route("/cgi-bin/message/mass/get", post(status))
        .route("/cgi-bin/message/mass/speed/get", post(speed_get))
        .route("/cgi-bin/message/mass/speed/set", post(speed_set))
        .route("/cgi-bin/media/uploadnews", post(upload_news))
        .route("/cgi-bin/media/uploadvideo", post(upload_video))
}

async fn send_all(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(message): Json<MassMessage>,
) -> ApiResult {
    let filter: Filter = message
        .rest
        .get("filter")
        .and_then(|f| serde_json::from_value(f.clone()).ok())
        .ok_or_else(|| ApiError::argument("filter"))?;
    send(&shared, &auth, &message, |account| {
        account.mass_target(&filter)
    })
    .await
}

async fn send_list(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(message): Json<MassMessage>,
) -> ApiResult {
    let users: Vec<String> = message
        .rest
        .get("touser")
        .and_then(|t| serde_json::from_value(t.clone()).ok())
        .unwrap_or_default();
    let target = Target::list(users)?;
    send(&shared, &auth, &message, |_| Ok(target)).await
}

async fn send(
    shared: &Arc<Shared>,
    auth: &Authed,
    message: &MassMessage,
    target: impl FnOnce(&Account) -> Result<Target, ApiError>,
) -> ApiResult {
    let now = shared.clock.now();
    let (msg_id, outgoing) = {
        let mut state = shared.state();
        let account = auth.account(&mut state)?;
        account.mass_send(message, target, shared.settings.mass_per_day, now)?
    };
    push_in_background(shared, outgoing);
    let mut body = json!({"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id});
    if message.msgtype.as_deref() == Some("mpnews") {
        set_field(&mut body, "msg_data_id", json!(msg_data_id(msg_id)));
    }
    ok(body)
}

async fn preview(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(message): Json<MassMessage>,
) -> ApiResult {
    let openid = message
        .rest
        .get("touser")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let msg_id = account.mass_preview(&message, &openid, now)?;
    ok(json!({"errcode": 0, "errmsg": "preview success", "msg_id": msg_id}))
}

#[derive(Debug, Deserialize)]
struct JobRequest {
    #[serde(default)]
    msg_id: Option<Value>,
    #[serde(default)]
    article_idx: Option<Value>,
}

fn job_id(request: &JobRequest) -> Result<u64, ApiError> {
    request
        .msg_id
        .as_ref()
        .and_then(lenient_i64)
        .and_then(|i| u64::try_from(i).ok())
        .ok_or_else(|| ApiError::argument("msg_id"))
}

async fn delete(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<JobRequest>,
) -> ApiResult {
    let id = job_id(&request)?;
    let index = request
        .article_idx
        .as_ref()
        .and_then(lenient_i64)
        .unwrap_or(0);
    let mut state = shared.state();
    auth.account(&mut state)?.mass.delete(id, index)?;
    ok_empty()
}

async fn status(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<JobRequest>,
) -> ApiResult {
    let id = job_id(&request)?;
    let mut state = shared.state();
    let status = auth.account(&mut state)?.mass.status(id)?;
    ok(json!({"msg_id": id, "msg_status": status}))
}

async fn speed_get(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let (speed, real) = auth.account(&mut state)?.mass.speed();
    ok(json!({"speed": speed, "realspeed": real}))
}

#[derive(Debug, Deserialize)]
struct SpeedRequest {
    #[serde(default)]
    speed: Option<Value>,
}

async fn speed_set(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<SpeedRequest>,
) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account.mass.set_speed(request.speed.as_ref())?;
    ok_empty()
}

async fn upload_news(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<NewsRequest>,
) -> ApiResult {
    let (id, now) = request.keep(&shared, &auth, NewsBox::Temporary)?;
    ok(json!({"type": "news", "media_id": id, "created_at": now}))
}

#[derive(Debug, Deserialize)]
struct VideoRequest {
    #[serde(default)]
    media_id: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

async fn upload_video(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<VideoRequest>,
) -> ApiResult {
    let source = request.media_id.unwrap_or_default();
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let id = account
        .media
        .mass_video(&source, request.title, request.description, now)?;
    ok(json!({"type": "video", "media_id": id, "created_at": now}))
}
