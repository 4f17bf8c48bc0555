//! Customer-service messages: the checks of a message by its `msgtype`, the media it names,
//! the window the follower's last interaction opened with its message allowance (see
//! [`CsPolicy`]), what a sent message leaves in the agents' record and the follower's inbox,
//! and the typing indicator.

use serde_json::{Map, Value};

use crate::config::{Allowance, CsPolicy, is_app_id};
use crate::error::ApiError;
use crate::platform::kf::record_text;
use crate::platform::people::Trigger;
use crate::state::Account;

/// Longest text message, bytes.
const MAX_TEXT_BYTES: usize = 2048;
/// Typing needs an interaction this recent, seconds.
const TYPING_WINDOW: i64 = 30;

impl Account {
    /// `message/custom/send`: a valid message of `msgtype` (its payload under that key of
    /// `message`) whose media exist, to a reachable follower inside their window (45015) and
    /// its allowance (45047). It lands in their inbox, and in the record when an agent sent it.
    pub(crate) fn send_custom(
        &mut self,
        openid: &str,
        msgtype: String,
        mut message: Map<String, Value>,
        policy: &CsPolicy,
        now: i64,
    ) -> Result<(), ApiError> {
        let payload = message.get(&msgtype).cloned().unwrap_or(Value::Null);
        check_message(&msgtype, &payload)?;
        check_media(self, &msgtype, &payload, now)?;
        self.reachable(openid)?;
        let allowance = window(self, openid, policy, now)?;
        let person = self.person_mut(openid);
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
        let agent = message
            .get("customservice")
            .and_then(|c| c.get("kf_account"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let content = payload.get("content").and_then(Value::as_str);
        let text = record_text(&msgtype, content);
        self.kf.agent_sent(openid, agent.as_deref(), &text, now);
        message.insert("msgtype".into(), Value::String(msgtype));
        self.deliver(openid, now, "custom", Value::Object(message));
        Ok(())
    }

    /// `message/custom/typing`: `command` Typing or CancelTyping (45072), for a reachable
    /// follower who interacted in the last 30 seconds (45080), not typing twice (45081).
    pub(crate) fn set_typing(
        &mut self,
        openid: &str,
        command: Option<&str>,
        now: i64,
    ) -> Result<(), ApiError> {
        let typing = match command {
            Some("Typing") => true,
            Some("CancelTyping") => false,
            _ => return Err(ApiError::msg(45072, "command invalid")),
        };
        self.reachable(openid)?;
        let person = self.person_mut(openid);
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
        Ok(())
    }
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
    policy: &CsPolicy,
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
