//! The automatic replies set in the MP web console (api-reference-2 §7): whether the reply to
//! a new follower and the default reply are on, what they answer, and the keyword rules —
//! what `get_current_autoreply_info` reports. The sandbox has no web console: the rules are
//! set through the control API (`PUT /sandbox/autoreply`) or in the state file, checked
//! against the platform's vocabulary as they are set. A fresh account has both flags off and
//! no rule.

use serde::{Deserialize, Serialize};

/// An account's automatic replies, in the shape `get_current_autoreply_info` answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AutoReply {
    #[serde(default)]
    pub(crate) is_add_friend_reply_open: Flag,
    #[serde(default)]
    pub(crate) is_autoreply_open: Flag,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) add_friend_autoreply_info: Option<ReplyInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) message_default_autoreply_info: Option<ReplyInfo>,
    #[serde(default)]
    pub(crate) keyword_autoreply_info: KeywordRules,
}

/// A switch written as the platform's `0` or `1`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub(crate) struct Flag(bool);

impl TryFrom<u8> for Flag {
    type Error = String;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            0 => Ok(Self(false)),
            1 => Ok(Self(true)),
            other => Err(format!("a switch is 0 or 1, got {other}")),
        }
    }
}

impl From<Flag> for u8 {
    fn from(flag: Flag) -> Self {
        u8::from(flag.0)
    }
}

/// What a reply sends: a text, a media id (`img`, `voice`, `video`), or articles (`news`,
/// keyword rules only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReplyInfo {
    #[serde(rename = "type")]
    pub(crate) kind: ReplyKind,
    /// The text, or the media id (a video may carry its URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) news_info: Option<NewsInfo>,
}

/// The kinds of reply the console offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ReplyKind {
    Text,
    Img,
    Voice,
    Video,
    News,
}

/// The articles of a `news` reply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewsInfo {
    #[serde(default)]
    pub(crate) list: Vec<NewsItem>,
}

/// One article of a `news` reply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewsItem {
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) author: String,
    #[serde(default)]
    pub(crate) digest: String,
    #[serde(default)]
    pub(crate) show_cover: Flag,
    #[serde(default)]
    pub(crate) cover_url: String,
    #[serde(default)]
    pub(crate) content_url: String,
    #[serde(default)]
    pub(crate) source_url: String,
}

/// The keyword rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeywordRules {
    #[serde(default)]
    pub(crate) list: Vec<KeywordRule>,
}

/// One keyword rule: when it matches, and what it answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeywordRule {
    pub(crate) rule_name: String,
    /// Unix seconds; set to the time the rule is set when absent.
    #[serde(default)]
    pub(crate) create_time: Option<i64>,
    pub(crate) reply_mode: ReplyMode,
    #[serde(default)]
    pub(crate) keyword_list_info: Vec<Keyword>,
    #[serde(default)]
    pub(crate) reply_list_info: Vec<ReplyInfo>,
}

/// Whether a rule sends all its replies or one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ReplyMode {
    ReplyAll,
    RandomOne,
}

/// A keyword of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Keyword {
    #[serde(rename = "type", default = "text_kind")]
    pub(crate) kind: String,
    pub(crate) match_mode: MatchMode,
    pub(crate) content: String,
}

fn text_kind() -> String {
    "text".to_owned()
}

/// How a keyword matches a follower's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum MatchMode {
    Contain,
    Equal,
}

impl AutoReply {
    /// Checks what the console would not let anyone set — a reply without its content, a
    /// `news` reply outside a keyword rule, a rule without a name or a keyword — naming the
    /// field; fills each rule's missing `create_time` with `now`.
    pub(crate) fn checked(mut self, now: i64) -> Result<Self, String> {
        for (field, reply) in [
            ("add_friend_autoreply_info", &self.add_friend_autoreply_info),
            (
                "message_default_autoreply_info",
                &self.message_default_autoreply_info,
            ),
        ] {
            if let Some(reply) = reply {
                if reply.kind == ReplyKind::News {
                    return Err(format!("{field}.type: news is for keyword rules only"));
                }
                reply.check(field)?;
            }
        }
        for (i, rule) in self.keyword_autoreply_info.list.iter_mut().enumerate() {
            let at = format!("keyword_autoreply_info.list[{i}]");
            if rule.rule_name.is_empty() {
                return Err(format!("{at}.rule_name: must not be empty"));
            }
            if rule.keyword_list_info.is_empty() {
                return Err(format!("{at}.keyword_list_info: needs a keyword"));
            }
            for (k, keyword) in rule.keyword_list_info.iter().enumerate() {
                if keyword.content.is_empty() {
                    return Err(format!(
                        "{at}.keyword_list_info[{k}].content: must not be empty"
                    ));
                }
            }
            for (r, reply) in rule.reply_list_info.iter().enumerate() {
                reply.check(&format!("{at}.reply_list_info[{r}]"))?;
            }
            rule.create_time.get_or_insert(now);
        }
        Ok(self)
    }
}

impl ReplyInfo {
    fn check(&self, field: &str) -> Result<(), String> {
        match self.kind {
            ReplyKind::News if self.news_info.as_ref().is_none_or(|n| n.list.is_empty()) => Err(
                format!("{field}.news_info: a news reply needs its articles"),
            ),
            ReplyKind::News => Ok(()),
            _ if self.content.as_deref().is_none_or(str::is_empty) => {
                Err(format!("{field}.content: must not be empty"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_platform_example_is_read_and_written_back() {
        let example = serde_json::json!({
            "is_add_friend_reply_open": 1, "is_autoreply_open": 0,
            "add_friend_autoreply_info": {"type": "text", "content": "Thanks!"},
            "keyword_autoreply_info": {"list": [{
                "rule_name": "r", "create_time": 1_423_028_166, "reply_mode": "reply_all",
                "keyword_list_info": [{"type": "text", "match_mode": "contain", "content": "k"}],
                "reply_list_info": [{"type": "news", "news_info": {"list": [{"title": "t",
                    "author": "a", "digest": "d", "show_cover": 1, "cover_url": "c",
                    "content_url": "u", "source_url": ""}]}}]}]}
        });
        let rules: AutoReply = serde_json::from_value(example.clone()).unwrap();
        let rules = rules.checked(5).unwrap();
        assert_eq!(serde_json::to_value(&rules).unwrap(), example);
    }

    #[test]
    fn what_the_console_would_refuse_is_named() {
        let refused = |value: serde_json::Value| {
            serde_json::from_value::<AutoReply>(value)
                .map_err(|e| e.to_string())
                .and_then(|r| r.checked(0))
                .unwrap_err()
        };
        assert!(refused(serde_json::json!({"is_autoreply_open": 2})).contains("0 or 1"));
        assert!(
            refused(serde_json::json!({"message_default_autoreply_info": {"type": "text"}}))
                .starts_with("message_default_autoreply_info.content")
        );
        assert!(
            refused(
                serde_json::json!({"add_friend_autoreply_info": {"type": "gif", "content": "x"}})
            )
            .contains("unknown variant")
        );
        let rule = serde_json::json!({"keyword_autoreply_info": {"list": [{"rule_name": "r",
            "reply_mode": "reply_all", "keyword_list_info": []}]}});
        assert!(refused(rule).contains("list[0].keyword_list_info"));
    }
}
