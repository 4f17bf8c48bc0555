//! Customer-service messages (api-reference.md §7.1–7.2): every msgtype, the window opened by
//! the follower's last interaction (45015 outside it, 45047 over its message allowance; see
//! [`CsPolicy`](crate::CsPolicy)), 43004 for someone who does not follow, 43019 for someone
//! blacklisted, 45008 for more than one article; and the typing indicator.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{Authed, Json, post};
use crate::config::{Allowance, is_app_id};
use crate::error::{ApiError, ApiResult, ok_empty};
use crate::platform::kf::record_text;
use crate::platform::people::Trigger;
use crate::shared::Shared;
use crate::state::Account;

/// Longest text message, bytes.
const MAX_TEXT_BYTES: usize = 2048;
/// Typing needs an interaction this recent, seconds.
const TYPING_WINDOW: i64 = 30;

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/cgi-bin/message/custom/send", post(send))
        .route("/cgi-bin/message/custom/typing", post(typing))
}

#[derive(Debug, Deserialize)]
struct SendRequest {
    #[serde(default)]
    touser: Option<String>,
    #[serde(default)]
    msgtype: Option<String>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

async fn send(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<SendRequest>,
) -> ApiResult {
    let msgtype = request.msgtype.unwrap_or_default();
    let payload = request.rest.get(&msgtype).cloned().unwrap_or(Value::Null);
    check_message(&msgtype, &payload)?;
    let openid = request.touser.unwrap_or_default();
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    check_media(account, &msgtype, &payload, now)?;
    account.reachable(&openid)?;
    let allowance = window(account, &openid, &shared.settings.cs, now)?;
    let person = account.person_mut(&openid);
    if let Some(interaction) = &mut person.interaction {
        if allowance
            .messages
            .is_some_and(|max| interaction.sent >= max)
        {
            return Err(ApiError::msg(45047, "out of response count limit"));
        }
        interaction.sent = interaction.sent.saturating_add(1);
    }
    person.typing = false;
    let agent = request
        .rest
        .get("customservice")
        .and_then(|c| c.get("kf_account"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let content = payload.get("content").and_then(Value::as_str);
    let text = record_text(&msgtype, content);
    account.kf.agent_sent(&openid, agent.as_deref(), &text, now);
    let mut message = request.rest;
    message.insert("msgtype".into(), Value::String(msgtype));
    account.deliver(&openid, now, "custom", Value::Object(message));
    ok_empty()
}

/// The checks on the message itself, whoever it goes to.
fn check_message(msgtype: &str, payload: &Value) -> Result<(), ApiError> {
    let text = |key: &str| payload.get(key).and_then(Value::as_str).unwrap_or_default();
    let media = |key: &str| {
        if text(key).is_empty() {
            Err(ApiError::msg(40007, "invalid media_id"))
        } else {
            Ok(())
        }
    };
    let required = |keys: &[&str]| {
        keys.iter()
            .find(|k| text(k).is_empty())
            .map_or(Ok(()), |k| {
                Err(ApiError::argument(&format!("{msgtype}.{k}")))
            })
    };
    match msgtype {
        "text" => {
            let content = text("content");
            if content.is_empty() {
                return Err(ApiError::msg(44004, "empty content"));
            }
            if content.len() > MAX_TEXT_BYTES {
                return Err(ApiError::msg(45002, "content size out of limit"));
            }
            Ok(())
        }
        "image" | "voice" | "video" | "mpnews" => media("media_id"),
        "music" => media("thumb_media_id"),
        "news" => match payload.get("articles").and_then(Value::as_array) {
            None => Err(ApiError::msg(44003, "empty news data")),
            Some(articles) if articles.is_empty() => Err(ApiError::msg(44003, "empty news data")),
            Some(articles) if articles.len() > 1 => {
                Err(ApiError::msg(45008, "article size out of limit"))
            }
            Some(_) => Ok(()),
        },
        "mpnewsarticle" => {
            if text("article_id").is_empty() {
                Err(ApiError::msg(53600, "invalid article_id"))
            } else {
                Ok(())
            }
        }
        "msgmenu" => match payload.get("list").and_then(Value::as_array) {
            Some(list) if !list.is_empty() => Ok(()),
            _ => Err(ApiError::argument("msgmenu.list")),
        },
        "wxcard" => required(&["card_id"]),
        "miniprogrampage" => {
            required(&["title", "appid", "pagepath", "thumb_media_id"])?;
            if is_app_id(text("appid")) {
                Ok(())
            } else {
                Err(ApiError::argument("miniprogrampage.appid"))
            }
        }
        _ => Err(ApiError::msg(40008, "invalid message type")),
    }
}

/// The media a message names must exist: temporary media within its 3 days or permanent
/// material (40007).
fn check_media(
    account: &Account,
    msgtype: &str,
    payload: &Value,
    now: i64,
) -> Result<(), ApiError> {
    let key = match msgtype {
        "image" | "voice" | "video" | "mpnews" => "media_id",
        "music" | "miniprogrampage" => "thumb_media_id",
        _ => return Ok(()),
    };
    let id = payload.get(key).and_then(Value::as_str).unwrap_or_default();
    match account.media.file(id, now) {
        Some(file) if msgtype != "mpnews" || file.kind == "news" => Ok(()),
        _ => Err(ApiError::msg(40007, "invalid media_id")),
    }
}

/// The allowance of the follower's open window, or 45015 when there is none.
fn window(
    account: &Account,
    openid: &str,
    policy: &crate::CsPolicy,
    now: i64,
) -> Result<Allowance, ApiError> {
    let interaction = account
        .audience
        .people
        .get(openid)
        .and_then(|p| p.interaction);
    let allowance = interaction.map(|i| {
        let allowance = match i.trigger {
            Trigger::Message => policy.message,
            Trigger::MenuClick => policy.menu_click,
            Trigger::Follow => policy.follow,
            Trigger::Scan => policy.scan,
        };
        (i.at, allowance)
    });
    match allowance {
        Some((at, allowance)) if now - at <= allowance.window => Ok(allowance),
        _ => Err(ApiError::msg(
            45015,
            "response out of time limit or subscription is canceled",
        )),
    }
}

#[derive(Debug, Deserialize)]
struct TypingRequest {
    #[serde(default)]
    touser: Option<String>,
    #[serde(default)]
    command: Option<String>,
}

async fn typing(
    State(shared): State<Arc<Shared>>,
    auth: Authed,
    Json(request): Json<TypingRequest>,
) -> ApiResult {
    let typing = match request.command.as_deref() {
        Some("Typing") => true,
        Some("CancelTyping") => false,
        _ => return Err(ApiError::msg(45072, "command invalid")),
    };
    let openid = request.touser.unwrap_or_default();
    let now = shared.clock.now();
    let mut state = shared.state();
    let account = auth.account(&mut state)?;
    account.reachable(&openid)?;
    let person = account.person_mut(&openid);
    let recent = person
        .interaction
        .is_some_and(|i| now - i.at <= TYPING_WINDOW);
    if !recent {
        return Err(ApiError::msg(45080, "need interaction in 30 seconds"));
    }
    if typing && person.typing {
        return Err(ApiError::msg(45081, "already in typing state"));
    }
    person.typing = typing;
    ok_empty()
}
