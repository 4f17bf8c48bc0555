//! The legacy one-time subscription (api-reference-2 §2): a user's confirmation on the
//! `mp/subscribemsg` page allows one `message/template/subscribe` of that template and scene.
//!
//! | rule | code |
//! |---|---|
//! | `touser` a follower (unknown 40003, blacklisted 43019, not following 43004) | |
//! | `template_id` present | 40037 |
//! | `scene` 0 to 10,000 | 47003 |
//! | `title` 1 to 15 characters | 40062 |
//! | `data.content.value` 1 to 200 characters, `color` `#RRGGBB` | 47003 naming the field |
//! | a confirmation of the template and scene not used yet | 43101 |

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::platform::lenient_i64;
use crate::platform::template::{check_miniprogram, set_optional};
use crate::state::Account;

/// Largest scene.
pub(crate) const SCENE_MAX: i64 = 10_000;
/// Most characters of a title.
const TITLE_MAX: usize = 15;
/// Most characters of the content.
const CONTENT_MAX: usize = 200;

/// Confirmations not used yet: how many sends each (user, template, scene) has left.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Confirmations(Vec<Confirmation>);

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Confirmation {
    openid: String,
    template_id: String,
    scene: i64,
    left: u32,
}

impl Confirmations {
    /// The user confirmed one message of the template for the scene.
    pub(crate) fn confirm(&mut self, openid: &str, template_id: &str, scene: i64) {
        match self.find(openid, template_id, scene) {
            Some(c) => c.left = c.left.saturating_add(1),
            None => self.0.push(Confirmation {
                openid: openid.to_owned(),
                template_id: template_id.to_owned(),
                scene,
                left: 1,
            }),
        }
    }

    /// Uses up one confirmation (43101 without one).
    fn take(&mut self, openid: &str, template_id: &str, scene: i64) -> Result<(), ApiError> {
        let c = self
            .find(openid, template_id, scene)
            .ok_or_else(|| ApiError::msg(43101, "user refuse to accept the msg"))?;
        c.left -= 1;
        self.0.retain(|c| c.left > 0);
        Ok(())
    }

    fn find(&mut self, openid: &str, template_id: &str, scene: i64) -> Option<&mut Confirmation> {
        self.0.iter_mut().find(|c| {
            c.openid == openid && c.template_id == template_id && c.scene == scene && c.left > 0
        })
    }
}

/// The body of `message/template/subscribe`, as sent.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct OneTimeMessage {
    #[serde(default)]
    touser: Option<String>,
    #[serde(default)]
    template_id: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    miniprogram: Option<Map<String, Value>>,
    #[serde(default)]
    scene: Option<Value>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    data: Option<Value>,
}

/// A scene given as a number or a numeric string, 0 to 10,000.
pub(crate) fn scene(value: Option<&Value>) -> Option<i64> {
    value
        .and_then(lenient_i64)
        .filter(|s| (0..=SCENE_MAX).contains(s))
}

impl Account {
    /// `message/template/subscribe`: checks the message (see the table above), uses up the
    /// user's confirmation and lands the message in their inbox (kind `one_time`).
    pub(crate) fn send_one_time(
        &mut self,
        request: OneTimeMessage,
        now: i64,
    ) -> Result<(), ApiError> {
        let openid = request.touser.unwrap_or_default();
        let template_id = request
            .template_id
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::msg(40037, "invalid template_id"))?;
        let scene = scene(request.scene.as_ref()).ok_or_else(|| ApiError::argument("scene"))?;
        let title = request
            .title
            .filter(|t| (1..=TITLE_MAX).contains(&t.chars().count()))
            .ok_or_else(|| ApiError::msg(40062, "invalid title size"))?;
        let content = request
            .data
            .as_ref()
            .and_then(|d| d.get("content"))
            .ok_or_else(|| ApiError::argument("data.content.value"))?;
        let value = content
            .get("value")
            .and_then(Value::as_str)
            .filter(|v| (1..=CONTENT_MAX).contains(&v.chars().count()))
            .ok_or_else(|| ApiError::argument("data.content.value"))?;
        let color = content.get("color");
        if color.is_some_and(|c| !c.as_str().is_some_and(is_color)) {
            return Err(ApiError::argument("data.content.color"));
        }
        check_miniprogram(request.miniprogram.as_ref())?;
        self.reachable(&openid)?;
        self.subscriptions
            .one_time
            .take(&openid, &template_id, scene)?;
        let mut content = json!({"value": value});
        if let Some(color) = color {
            crate::platform::set_field(&mut content, "color", color.clone());
        }
        let mut message = json!({
            "template_id": template_id,
            "scene": scene,
            "title": title,
            "data": {"content": content},
        });
        set_optional(
            &mut message,
            [
                ("url", request.url.map(Value::String)),
                ("miniprogram", request.miniprogram.map(Value::Object)),
            ],
        );
        self.deliver(&openid, now, "one_time", message);
        Ok(())
    }
}

/// `#RRGGBB`.
fn is_color(color: &str) -> bool {
    color.len() == 7
        && color.starts_with('#')
        && color.bytes().skip(1).all(|b| b.is_ascii_hexdigit())
}
