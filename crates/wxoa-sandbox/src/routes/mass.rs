//! Mass sends (api-reference.md §8, errors-and-limits.md §7): to everyone, to a tag or to a
//! list of OpenIDs, previews, deletion, status, speed, and the `MASSSENDJOBFINISH` push.
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
use serde_json::{Map, Value, json};

use super::{Authed, Json, NewsRequest, lenient_i64, post, set_field, store_news};
use crate::clock::{china_day, china_month};
use crate::error::{ApiError, ApiResult, ok, ok_empty};
use crate::platform::mass::MassJob;
use crate::platform::media::MediaFile;
use crate::platform::people::Who;
use crate::push::{Outgoing, push_in_background};
use crate::shared::Shared;
use crate::state::Account;

/// Mass messages a follower of a service account receives per month at most.
const MONTHLY_PER_USER: u32 = 4;
/// Recipients of `send`.
const MIN_USERS: usize = 2;
const MAX_USERS: usize = 10_000;
/// Longest `clientmsgid`, bytes.
const MAX_CLIENT_ID: usize = 64;
/// A `clientmsgid` reused within this many seconds is 45066, later 45065.
const CLIENT_ID_RETRY: i64 = 60;
/// Real speed (10,000 per minute) of each speed level.
const REAL_SPEED: [u32; 5] = [80, 60, 45, 30, 10];
/// Who job results come from.
const MASS_HELPER: &str = "mphelper";

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

/// A mass message: its type and payload, and every other field of the request.
#[derive(Debug, Deserialize)]
struct MassRequest {
    #[serde(default)]
    msgtype: Option<String>,
    #[serde(default)]
    clientmsgid: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

impl MassRequest {
    /// The message as kept: msgtype and its payload.
    fn message(&self) -> Value {
        let msgtype = self.msgtype.clone().unwrap_or_default();
        let key = if msgtype == "image" && self.rest.contains_key("images") {
            "images"
        } else {
            msgtype.as_str()
        };
        json!({"msgtype": msgtype, key: self.rest.get(key).cloned().unwrap_or(Value::Null)})
    }
}

/// Checks a message; the number of articles of an mpnews.
fn check_message(account: &Account, request: &MassRequest, now: i64) -> Result<usize, ApiError> {
    let msgtype = request.msgtype.as_deref().unwrap_or_default();
    let payload = request.rest.get(msgtype).cloned().unwrap_or(Value::Null);
    let text = |key: &str| {
        payload
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let media = |id: &str, kinds: &[&str]| -> Result<&MediaFile, ApiError> {
        account
            .media
            .file(id, now)
            .filter(|m| kinds.contains(&m.kind.as_str()))
            .ok_or_else(|| ApiError::msg(40007, "invalid media_id"))
    };
    match msgtype {
        "mpnews" => Ok(media(&text("media_id"), &["news"])?.articles.len()),
        "mpvideo" => {
            // A video from uploadvideo, or a permanent one (a temporary video must go through
            // uploadvideo first).
            let id = text("media_id");
            let uploaded = account
                .media
                .file(&id, now)
                .is_some_and(|m| m.kind == "mpvideo");
            let permanent = account
                .media
                .permanent
                .get(&id)
                .is_some_and(|m| m.kind == "video");
            if uploaded || permanent {
                Ok(0)
            } else {
                Err(ApiError::msg(40007, "invalid media_id"))
            }
        }
        "voice" => media(&text("media_id"), &["voice"]).map(|_| 0),
        "image" => {
            if let Some(images) = request.rest.get("images") {
                let ids = images.get("media_ids").and_then(Value::as_array);
                let ids = ids
                    .filter(|ids| !ids.is_empty())
                    .ok_or_else(|| ApiError::argument("images.media_ids"))?;
                for id in ids {
                    media(id.as_str().unwrap_or_default(), &["image"])?;
                }
                Ok(0)
            } else {
                media(&text("media_id"), &["image"]).map(|_| 0)
            }
        }
        "text" if text("content").is_empty() => Err(ApiError::msg(44004, "empty content")),
        "text" => Ok(0),
        "wxcard" if text("card_id").is_empty() => Err(ApiError::argument("wxcard.card_id")),
        "wxcard" => Ok(0),
        _ => Err(ApiError::msg(40008, "invalid message type")),
    }
}

/// Checks `clientmsgid`: 45067 too long, 45066 reused within a minute, 45065 reused later
/// (with the msg_id of the first send).
fn check_client_id(account: &mut Account, id: Option<&str>, now: i64) -> Result<(), ApiError> {
    let Some(id) = id.filter(|i| !i.is_empty()) else {
        return Ok(());
    };
    if id.len() > MAX_CLIENT_ID {
        return Err(ApiError::msg(45067, "clientmsgid size out of limit"));
    }
    if let Some((msg_id, last)) = account.mass.client_ids.get_mut(id) {
        let within = now - *last < CLIENT_ID_RETRY;
        *last = now;
        if within {
            return Err(ApiError::msg(45066, "same clientmsgid retry too fast"));
        }
        return Err(ApiError::msg(45065, "clientmsgid exist").with("msg_id", json!(*msg_id)));
    }
    Ok(())
}

/// 45028 once a configured daily limit of sends is used up.
fn take_daily(shared: &Shared, account: &mut Account, now: i64) -> Result<(), ApiError> {
    let Some(limit) = shared.settings.mass_per_day else {
        return Ok(());
    };
    let mass = &mut account.mass;
    if mass.day != china_day(now) {
        mass.day = china_day(now);
        mass.today = 0;
    }
    if mass.today >= limit {
        return Err(ApiError::msg(45028, "has no masssend quota"));
    }
    mass.today += 1;
    Ok(())
}

/// Who a send reaches.
enum Target {
    All,
    Named(Vec<String>),
}

#[derive(Debug, Deserialize)]
struct Filter {
    #[serde(default)]
    is_to_all: bool,
    #[serde(default)]
    tag_id: Option<Value>,
}

async fn send_all(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MassRequest>,
) -> ApiResult {
    let filter: Filter = request
        .rest
        .get("filter")
        .and_then(|f| serde_json::from_value(f.clone()).ok())
        .ok_or_else(|| ApiError::argument("filter"))?;
    send(&shared, &auth, &request, |account| {
        if filter.is_to_all {
            return Ok(Target::All);
        }
        let tag = filter
            .tag_id
            .as_ref()
            .and_then(lenient_i64)
            .and_then(|t| u32::try_from(t).ok())
            .and_then(|t| account.tags.by_id.get(&t))
            .ok_or_else(|| ApiError::msg(45159, "invalid tag id"))?;
        Ok(Target::Named(tag.members.iter().cloned().collect()))
    })
    .await
}

async fn send_list(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MassRequest>,
) -> ApiResult {
    let users: Vec<String> = request
        .rest
        .get("touser")
        .and_then(|t| serde_json::from_value(t.clone()).ok())
        .unwrap_or_default();
    if users.len() < MIN_USERS {
        return Err(ApiError::msg(
            40130,
            "invalid openid list size, at least two openid",
        ));
    }
    if users.len() > MAX_USERS {
        return Err(ApiError::msg(40032, "invalid openid list size"));
    }
    send(&shared, &auth, &request, |_| {
        Ok(Target::Named(users.clone()))
    })
    .await
}

/// The counts of a job: targeted, left after filtering, sent.
struct Counts {
    total: u64,
    filtered: u64,
}

async fn send(
    shared: &Arc<Shared>,
    auth: &Authed,
    request: &MassRequest,
    target: impl FnOnce(&Account) -> Result<Target, ApiError>,
) -> ApiResult {
    let now = shared.clock.now();
    let (msg_id, outgoing) = {
        let mut state = shared.state();
        let account = auth.account(&mut state)?;
        let articles = check_message(account, request, now)?;
        let target = target(account)?;
        check_client_id(account, request.clientmsgid.as_deref(), now)?;
        take_daily(shared, account, now)?;
        let msg_id = account.next_msg_id();
        if let Some(id) = request.clientmsgid.as_ref().filter(|i| !i.is_empty()) {
            account.mass.client_ids.insert(id.clone(), (msg_id, now));
        }
        let message = request.message();
        let counts = deliver(account, &target, &message, msg_id, now);
        let seq = account.next_seq();
        account.mass.jobs.insert(
            msg_id,
            MassJob {
                at: now,
                seq,
                msgtype: request.msgtype.clone().unwrap_or_default(),
                message,
                to_all: matches!(target, Target::All),
                deleted: false,
                articles,
            },
        );
        let outgoing = job_finished(account, msg_id, &counts, articles, now);
        (msg_id, outgoing)
    };
    push_in_background(shared, outgoing);
    let mut body = json!({"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id});
    if request.msgtype.as_deref() == Some("mpnews") {
        set_field(&mut body, "msg_data_id", json!(msg_id % 1_000_000_000));
    }
    ok(body)
}

/// Puts the message in the inboxes of the named recipients who can receive it (followers, not
/// blacklisted, under the monthly limit); counts everyone for `MASSSENDJOBFINISH`. A send to
/// everyone is kept once and shown in each follower's inbox when read.
fn deliver(
    account: &mut Account,
    target: &Target,
    message: &Value,
    msg_id: u64,
    now: i64,
) -> Counts {
    let month = china_month(now);
    let all_this_month = account
        .mass
        .jobs
        .values()
        .filter(|j| j.to_all && china_month(j.at) == month)
        .count() as u32;
    let received = |account: &Account, openid: &str| {
        let named = account
            .audience
            .people
            .get(openid)
            .filter(|p| p.mass_month == month)
            .map_or(0, |p| p.mass_count);
        named + all_this_month
    };
    match target {
        Target::All => {
            let total = account.audience.followers.total();
            // Followers with no named mass message this month have received only the sends
            // to everyone; the few others (and the blacklisted) are counted one by one.
            let filtered_out = if all_this_month >= MONTHLY_PER_USER {
                total
            } else {
                account
                    .audience
                    .people
                    .keys()
                    .filter(|o| account.is_following(o))
                    .filter(|o| {
                        account.audience.blacklist.contains(*o)
                            || received(account, o) >= MONTHLY_PER_USER
                    })
                    .count() as u64
            };
            Counts {
                total,
                filtered: total.saturating_sub(filtered_out),
            }
        }
        Target::Named(openids) => {
            let mut filtered = 0;
            for openid in openids {
                let reachable = account.is_following(openid)
                    && !account.audience.blacklist.contains(openid)
                    && received(account, openid) < MONTHLY_PER_USER;
                if !reachable {
                    continue;
                }
                filtered += 1;
                let person = account.person_mut(openid);
                if person.mass_month != month {
                    person.mass_month = month;
                    person.mass_count = 0;
                }
                person.mass_count += 1;
                let mut item = message.clone();
                set_field(&mut item, "msg_id", json!(msg_id));
                account.deliver(openid, now, "mass", item);
            }
            Counts {
                total: openids.len() as u64,
                filtered,
            }
        }
    }
}

/// The `MASSSENDJOBFINISH` push of a job.
fn job_finished(
    account: &Account,
    msg_id: u64,
    counts: &Counts,
    articles: usize,
    now: i64,
) -> Outgoing {
    let mut fields = vec![
        ("MsgType".to_owned(), json!("event")),
        ("Event".to_owned(), json!("MASSSENDJOBFINISH")),
        ("MsgID".to_owned(), json!(msg_id)),
        ("Status".to_owned(), json!("send success")),
        ("TotalCount".to_owned(), json!(counts.total)),
        ("FilterCount".to_owned(), json!(counts.filtered)),
        ("SentCount".to_owned(), json!(counts.filtered)),
        ("ErrorCount".to_owned(), json!(0)),
    ];
    if articles > 0 {
        fields.push((
            "CopyrightCheckResult".to_owned(),
            json!({"Count": 0, "ResultList": {}, "CheckState": 1}),
        ));
        let items: Vec<Value> = (1..=articles)
            .map(|i| {
                json!({"ArticleIdx": i,
                       "ArticleUrl": format!("http://mp.weixin.qq.com/s?__biz=sandbox&mid={msg_id}&idx={i}")})
            })
            .collect();
        fields.push((
            "ArticleUrlResult".to_owned(),
            json!({"Count": articles, "ResultList": {"item": items}}),
        ));
    }
    Outgoing::new(
        &account.app_id,
        &account.original_id,
        MASS_HELPER,
        now,
        &fields,
        || msg_id,
    )
}

async fn preview(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<MassRequest>,
) -> ApiResult {
    if request.rest.get("towxname").is_some() {
        return Err(ApiError::msg(40132, "invalid username"));
    }
    let openid = request
        .rest
        .get("touser")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    check_message(account, &request, now)?;
    if account.who(&openid) == Who::Unknown {
        return Err(ApiError::msg(40003, "invalid openid"));
    }
    if !account.is_following(&openid) {
        return Err(ApiError::msg(43004, "require subscribe"));
    }
    let msg_id = account.next_msg_id();
    let mut item = request.message();
    set_field(&mut item, "msg_id", json!(msg_id));
    set_field(&mut item, "preview", json!(true));
    account.deliver(&openid, now, "mass", item);
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
    let account = auth.account(&mut state)?;
    let job = account
        .mass
        .jobs
        .get_mut(&id)
        .ok_or_else(|| ApiError::argument("msg_id"))?;
    if !matches!(job.msgtype.as_str(), "mpnews" | "mpvideo") {
        return Err(ApiError::msg(48008, "no permission for this msgtype"));
    }
    let within = usize::try_from(index).is_ok_and(|i| i <= job.articles);
    if !within {
        return Err(ApiError::msg(40060, "invalid article idx"));
    }
    if index == 0 {
        job.deleted = true;
    }
    ok_empty()
}

async fn status(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<JobRequest>,
) -> ApiResult {
    let id = job_id(&request)?;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let job = account
        .mass
        .jobs
        .get(&id)
        .ok_or_else(|| ApiError::argument("msg_id"))?;
    let status = if job.deleted {
        "DELETE"
    } else {
        "SEND_SUCCESS"
    };
    ok(json!({"msg_id": id, "msg_status": status}))
}

async fn speed_get(State(shared): State<Arc<Shared>>, auth: Authed) -> ApiResult {
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    let speed = account.mass.speed;
    let real = REAL_SPEED.get(usize::from(speed)).copied().unwrap_or(30);
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
    let speed = request
        .speed
        .as_ref()
        .ok_or_else(|| ApiError::msg(45084, "no speed"))?;
    let speed = lenient_i64(speed)
        .and_then(|s| u8::try_from(s).ok())
        .filter(|s| usize::from(*s) < REAL_SPEED.len())
        .ok_or_else(|| ApiError::msg(45083, "speed out of range"))?;
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account.mass.speed = speed;
    ok_empty()
}

async fn upload_news(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<NewsRequest>,
) -> ApiResult {
    let (id, now) = store_news(&shared, auth, request, "news", |account| {
        &mut account.media.temporary
    })?;
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
    let video = account
        .media
        .temporary
        .get(&source)
        .filter(|m| {
            m.kind == "video" && now - m.created_at < crate::platform::media::MEDIA_LIFETIME
        })
        .cloned()
        .ok_or_else(|| ApiError::msg(40007, "invalid media_id"))?;
    let id = crate::platform::media::new_media_id();
    let mut mpvideo = MediaFile::record("mpvideo", now, Vec::new());
    mpvideo.bytes = video.bytes;
    mpvideo.filename = video.filename;
    mpvideo.content_type = video.content_type;
    mpvideo.title = request.title;
    mpvideo.introduction = request.description;
    account.media.temporary.insert(id.clone(), mpvideo);
    ok(json!({"type": "video", "media_id": id, "created_at": now}))
}
