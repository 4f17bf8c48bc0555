//! The published-content analytics (from 2025-11-01): `getbizsummary`, `getarticleread`,
//! `getarticleshare`, `getarticletotaldetail`. Their answers also carry `is_delay` (false when
//! the figures are final); it is not part of the rows.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Date, PublishType};
use crate::api::support::lenient;

/// Readers from one scene: 全部 (all), 公众号消息, 聊天会话, 朋友圈, 公众号主页, 其他, 推荐, 搜一搜.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReadUserSource {
    /// Readers.
    #[serde(default, deserialize_with = "lenient")]
    pub user_count: u64,
    /// The scene, as the platform names it.
    #[serde(default)]
    pub scene_desc: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A row of `getbizsummary`: a day of the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BizSummary {
    /// The day.
    pub ref_date: Date,
    /// Its figures.
    #[serde(default)]
    pub detail: BizSummaryDetail,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The figures of a `getbizsummary` day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BizSummaryDetail {
    /// Readers (the 全部 entry of `read_user_source`).
    #[serde(default, deserialize_with = "lenient")]
    pub read_user: u64,
    /// Readers by scene.
    #[serde(default)]
    pub read_user_source: Vec<ReadUserSource>,
    /// Sharers.
    #[serde(default, deserialize_with = "lenient")]
    pub share_user: u64,
    /// 爱心赞 (在看).
    #[serde(default, deserialize_with = "lenient")]
    pub zaikan_user: u64,
    /// 拇指赞.
    #[serde(default, deserialize_with = "lenient")]
    pub like_user: u64,
    /// Comments.
    #[serde(default, deserialize_with = "lenient")]
    pub comment_count: u64,
    /// Followers who added an article to their favourites.
    #[serde(default, deserialize_with = "lenient")]
    pub collection_user: u64,
    /// Readers of an original (阅读原文).
    #[serde(default, deserialize_with = "lenient")]
    pub redirect_ori_page_user: u64,
    /// Articles sent that day.
    #[serde(default, deserialize_with = "lenient")]
    pub send_page_count: u64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Readers of an article, in `getarticleread`'s `detail`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ArticleReadDetail {
    /// Readers.
    #[serde(default, deserialize_with = "lenient")]
    pub read_user: u64,
    /// Readers by scene.
    #[serde(default)]
    pub read_user_source: Vec<ReadUserSource>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A row of `getarticleread`: an article's readers of a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ArticleRead {
    /// The day.
    pub ref_date: Date,
    /// The article: `<msg_data_id>_<index>`.
    #[serde(default)]
    pub msgid: String,
    /// Its readers.
    #[serde(default)]
    pub detail: ArticleReadDetail,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A row of `getarticleshare`: an article's sharers of a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ArticleShare {
    /// The day.
    pub ref_date: Date,
    /// The article.
    #[serde(default)]
    pub msgid: String,
    /// `{"share_user": n}`.
    #[serde(default)]
    pub detail: Map<String, Value>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ArticleShare {
    /// Sharers (`detail.share_user`).
    #[must_use]
    pub fn share_user(&self) -> u64 {
        self.detail
            .get("share_user")
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or_default()
    }
}

/// Where readers left an article, in a `detail_list` day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReadJumpPosition {
    /// 1 to 5: left within the first 20 %, … the last 20 %.
    #[serde(default, deserialize_with = "lenient")]
    pub position: u32,
    /// The share of readers.
    #[serde(default)]
    pub rate: f64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An article's cumulative figures from its publication to `stat_date`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PublishedStat {
    /// The last day covered.
    pub stat_date: Date,
    /// Readers.
    #[serde(default, deserialize_with = "lenient")]
    pub read_user: u64,
    /// Readers by scene.
    #[serde(default)]
    pub read_user_source: Vec<ReadUserSource>,
    /// Sharers.
    #[serde(default, deserialize_with = "lenient")]
    pub share_user: u64,
    /// 爱心赞.
    #[serde(default, deserialize_with = "lenient")]
    pub zaikan_user: u64,
    /// 拇指赞.
    #[serde(default, deserialize_with = "lenient")]
    pub like_user: u64,
    /// Comments.
    #[serde(default, deserialize_with = "lenient")]
    pub comment_count: u64,
    /// Favourites.
    #[serde(default, deserialize_with = "lenient")]
    pub collection_user: u64,
    /// Tips, in cents.
    #[serde(default, deserialize_with = "lenient")]
    pub praise_money: u64,
    /// Readers who followed after reading.
    #[serde(default, deserialize_with = "lenient")]
    pub read_subscribe_user: u64,
    /// Readers per follower reached.
    #[serde(default)]
    pub read_delivery_rate: f64,
    /// Readers who read to the end, as a share.
    #[serde(default)]
    pub read_finish_rate: f64,
    /// Average reading time, minutes.
    #[serde(default)]
    pub read_avg_activetime: f64,
    /// Where readers left.
    #[serde(default)]
    pub read_jump_position: Vec<ReadJumpPosition>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A row of `getarticletotaldetail`: an article published on `ref_date` and its first days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ArticleTotalDetail {
    /// The day it was published.
    pub ref_date: Date,
    /// The article.
    #[serde(default)]
    pub msgid: String,
    /// 0 followers were notified, 1 not.
    #[serde(default)]
    pub publish_type: PublishType,
    /// Its title.
    #[serde(default)]
    pub title: String,
    /// Its URL.
    #[serde(default)]
    pub content_url: String,
    /// Cumulative figures at the end of each of its first days (at most 30).
    #[serde(default)]
    pub detail_list: Vec<PublishedStat>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
