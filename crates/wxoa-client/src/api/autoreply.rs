//! The automatic replies set in the MP web console (api-reference-2 §7):
//! `get_current_autoreply_info` reports whether the reply to new followers and the default
//! reply are on, what they answer, and the keyword rules. Only rules set in the web console
//! are reported (not what the account's server answers); nothing here changes them.
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! let info = client.autoreply().current().await?;
//! for rule in &info.keyword_autoreply_info.list {
//!     println!("{}: {} keyword(s)", rule.rule_name, rule.keyword_list_info.len());
//! }
//! # Ok(())
//! # }
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Client;
use crate::api::support::{opt_flag, opt_lenient, parameterless_get, string_enum};

/// The automatic replies: `client.autoreply()`.
#[derive(Debug, Clone)]
pub struct AutoReplies {
    client: Client,
}

impl Client {
    /// The automatic replies set in the web console (api-reference-2 §7).
    #[must_use]
    pub fn autoreply(&self) -> AutoReplies {
        AutoReplies {
            client: self.clone(),
        }
    }
}

impl AutoReplies {
    /// `GET /cgi-bin/get_current_autoreply_info`: the account's automatic replies.
    pub fn current(&self) -> GetAutoReplyInfo {
        GetAutoReplyInfo {
            client: self.client.clone(),
        }
    }
}

parameterless_get!(
    /// `GET /cgi-bin/get_current_autoreply_info`, from [`AutoReplies::current`].
    GetAutoReplyInfo, "/cgi-bin/get_current_autoreply_info" => AutoReplyInfo
);

string_enum! {
    /// What a reply sends.
    pub enum ReplyType {
        /// A text (`content`).
        Text = "text",
        /// An image (`content` is its media id).
        Img = "img",
        /// A voice message (`content` is its media id).
        Voice = "voice",
        /// A video (`content` is its media id, or its URL).
        Video = "video",
        /// Articles (`news_info`; keyword rules only).
        News = "news",
    }
}

string_enum! {
    /// Whether a keyword rule sends all its replies or one of them.
    pub enum ReplyMode {
        /// Every reply.
        ReplyAll = "reply_all",
        /// One reply chosen at random.
        RandomOne = "random_one",
    }
}

string_enum! {
    /// How a keyword matches a follower's message.
    pub enum MatchMode {
        /// The message contains the keyword.
        Contain = "contain",
        /// The message is the keyword.
        Equal = "equal",
    }
}

/// The account's automatic replies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AutoReplyInfo {
    /// Whether new followers get a reply.
    #[serde(default, deserialize_with = "opt_flag")]
    pub is_add_friend_reply_open: Option<bool>,
    /// Whether the message replies (default and keywords) are on.
    #[serde(default, deserialize_with = "opt_flag")]
    pub is_autoreply_open: Option<bool>,
    /// The reply to new followers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_friend_autoreply_info: Option<ReplyInfo>,
    /// The reply to a message no keyword matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_default_autoreply_info: Option<ReplyInfo>,
    /// The keyword rules.
    #[serde(default)]
    pub keyword_autoreply_info: KeywordRules,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReplyInfo {
    /// What it sends.
    #[serde(rename = "type")]
    pub kind: ReplyType,
    /// The text, or the media id (a video may carry its URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The articles of a `news` reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub news_info: Option<NewsInfo>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The articles of a `news` reply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewsInfo {
    /// The articles.
    #[serde(default)]
    pub list: Vec<NewsArticle>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One article of a `news` reply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewsArticle {
    /// Title.
    #[serde(default)]
    pub title: String,
    /// Author.
    #[serde(default)]
    pub author: String,
    /// Summary.
    #[serde(default)]
    pub digest: String,
    /// Whether the cover shows in the article.
    #[serde(default, deserialize_with = "opt_flag")]
    pub show_cover: Option<bool>,
    /// The cover's URL.
    #[serde(default)]
    pub cover_url: String,
    /// The article's URL.
    #[serde(default)]
    pub content_url: String,
    /// The "read more" URL.
    #[serde(default)]
    pub source_url: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The keyword rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KeywordRules {
    /// The rules, newest first as the platform lists them.
    #[serde(default)]
    pub list: Vec<KeywordRule>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A keyword rule: its keywords and what it answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KeywordRule {
    /// The rule's name.
    #[serde(default)]
    pub rule_name: String,
    /// When it was created, Unix seconds.
    #[serde(default, deserialize_with = "opt_lenient")]
    pub create_time: Option<i64>,
    /// Whether it sends every reply or one.
    pub reply_mode: ReplyMode,
    /// Its keywords.
    #[serde(default)]
    pub keyword_list_info: Vec<Keyword>,
    /// Its replies.
    #[serde(default)]
    pub reply_list_info: Vec<ReplyInfo>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A keyword of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Keyword {
    /// Always `text`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// How it matches.
    pub match_mode: MatchMode,
    /// The keyword.
    #[serde(default)]
    pub content: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
