//! Message and interface analytics: `getupstreammsg*` (what followers sent, by type, and how
//! many sent how much) and `getinterfacesummary*` (pushes to the account's server).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{CountInterval, Date, MsgType};
use crate::api::support::{lenient, opt_lenient};

/// A row of `getupstreammsg`, `…hour`, `…week`, `…month`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpstreamMsg {
    /// The day (week and month rows: the period's first day).
    pub ref_date: Date,
    /// The hour as HHMM (0, 100 … 2300) of hourly rows.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_lenient"
    )]
    pub ref_hour: Option<u32>,
    /// 1 text, 2 image, 3 voice, 4 video, 6 link (third-party app message).
    #[serde(default)]
    pub msg_type: MsgType,
    /// Followers who sent messages of that type.
    #[serde(default, deserialize_with = "lenient")]
    pub msg_user: u64,
    /// Messages of that type.
    #[serde(default, deserialize_with = "lenient")]
    pub msg_count: u64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A row of `getupstreammsgdist`, `…week`, `…month`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpstreamMsgDist {
    /// The day (week and month rows: the period's first day).
    pub ref_date: Date,
    /// How many messages each follower counted sent: 0 none, 1 one to five, 2 six to ten,
    /// 3 more than ten.
    #[serde(default)]
    pub count_interval: CountInterval,
    /// Followers in that bucket.
    #[serde(default, deserialize_with = "lenient")]
    pub msg_user: u64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A row of `getinterfacesummary` and `…hour`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InterfaceSummary {
    /// The day.
    pub ref_date: Date,
    /// The hour as HHMM of hourly rows.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_lenient"
    )]
    pub ref_hour: Option<u32>,
    /// Pushes to the server answered with a passive reply (通过服务器配置地址获得消息后，被动回复用户消息的次数).
    #[serde(default, deserialize_with = "lenient")]
    pub callback_count: u64,
    /// Those that failed.
    #[serde(default, deserialize_with = "lenient")]
    pub fail_count: u64,
    /// Total time the server took, ms (÷ `callback_count` = the average).
    #[serde(default, deserialize_with = "lenient")]
    pub total_time_cost: u64,
    /// Longest time, ms; some sources spell it `max_time_count`, read as well.
    #[serde(default, alias = "max_time_count", deserialize_with = "lenient")]
    pub max_time_cost: u64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl InterfaceSummary {
    /// The average time the server took, ms (0 without pushes).
    #[must_use]
    pub fn average_ms(&self) -> u64 {
        self.total_time_cost
            .checked_div(self.callback_count)
            .unwrap_or_default()
    }
}
