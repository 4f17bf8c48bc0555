//! The original article analytics (图文分析): `getarticlesummary`, `getarticletotal`,
//! `getuserread[hour]`, `getusershare[hour]`. The platform calls them unmaintained since the
//! published-content family (`published`) replaced them; both are served.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Date, ReadSource, ShareScene};
use crate::api::support::{lenient, opt_lenient};

/// Defines a row with the read counters every article row carries, after its own fields.
macro_rules! with_counters {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
            /// Readers of the article page (图文页).
            #[serde(default, deserialize_with = "lenient")]
            pub int_page_read_user: u64,
            /// Reads of the article page.
            #[serde(default, deserialize_with = "lenient")]
            pub int_page_read_count: u64,
            /// Readers of the original (阅读原文).
            #[serde(default, deserialize_with = "lenient")]
            pub ori_page_read_user: u64,
            /// Reads of the original.
            #[serde(default, deserialize_with = "lenient")]
            pub ori_page_read_count: u64,
            /// Sharers.
            #[serde(default, deserialize_with = "lenient")]
            pub share_user: u64,
            /// Shares.
            #[serde(default, deserialize_with = "lenient")]
            pub share_count: u64,
            /// Followers who added it to their favourites.
            #[serde(default, deserialize_with = "lenient")]
            pub add_to_fav_user: u64,
            /// Times it was added to favourites.
            #[serde(default, deserialize_with = "lenient")]
            pub add_to_fav_count: u64,
            /// Fields this version does not know (`int_page_from_session_read_user` … of a
            /// total's details).
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }
    };
}

with_counters! {
    /// A row of `getarticlesummary`: one article's figures of one day.
    pub struct ArticleSummary {
        /// The day.
        pub ref_date: Date,
        /// The article: `<msg_data_id>_<index>`, index from 1.
        #[serde(default)]
        pub msgid: String,
        /// Its title.
        #[serde(default)]
        pub title: String,
    }
}

with_counters! {
    /// A day of an article's cumulative figures, in `getarticletotal`'s `details`.
    pub struct ArticleTotalStat {
        /// The figures cover the sending day to this day.
        pub stat_date: Date,
        /// Followers the send reached.
        #[serde(default, deserialize_with = "lenient")]
        pub target_user: u64,
    }
}

with_counters! {
    /// A row of `getuserread` and `getuserreadhour`: reads of one day (or hour) from one entry.
    pub struct UserRead {
        /// The day.
        pub ref_date: Date,
        /// The hour as HHMM of hourly rows.
        #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "opt_lenient")]
        pub ref_hour: Option<u32>,
        /// Where readers came from: 99999999 all, 0 conversation, 1 friend, 2 Moments,
        /// 3 Tencent Weibo, 4 history page, 5 other, 6 看一看, 7 搜一搜.
        #[serde(default)]
        pub user_source: ReadSource,
    }
}

/// A row of `getarticletotal`: an article sent on `ref_date` and its first days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ArticleTotal {
    /// The day it was sent.
    pub ref_date: Date,
    /// The article: `<msg_data_id>_<index>`.
    #[serde(default)]
    pub msgid: String,
    /// Its title.
    #[serde(default)]
    pub title: String,
    /// Its URL, where given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Cumulative figures at the end of each of its first days (at most 7).
    #[serde(default)]
    pub details: Vec<ArticleTotalStat>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A row of `getusershare` and `getusersharehour`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserShare {
    /// The day.
    pub ref_date: Date,
    /// The hour as HHMM of hourly rows.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_lenient"
    )]
    pub ref_hour: Option<u32>,
    /// Where shares went: 1 a friend, 2 Moments, 3 Tencent Weibo, 255 elsewhere.
    #[serde(default)]
    pub share_scene: ShareScene,
    /// Shares.
    #[serde(default, deserialize_with = "lenient")]
    pub share_count: u64,
    /// Sharers.
    #[serde(default, deserialize_with = "lenient")]
    pub share_user: u64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
