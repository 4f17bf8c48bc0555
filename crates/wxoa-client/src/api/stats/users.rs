//! Follower analytics: `getusersummary` (follows by source, unfollows), `getusercumulate`
//! (the total), and [`Users`], both joined by day.

use std::future::IntoFuture;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Date, FollowSource, Query};
use crate::Result;
use crate::api::support::lenient;

/// One row of `getusersummary`: a day's follows from one source and unfollows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserSummary {
    /// The day.
    pub ref_date: Date,
    /// Where the followers came from: 0 other, 1 search, 17 business card, 30 QR code,
    /// 57 the account's name in an article, 100 ads, 149 mini program, 161 reposts,
    /// 200 Channels, 201 live (older lists also 35, 39, 43, 51, 75, 78, 176).
    #[serde(default)]
    pub user_source: FollowSource,
    /// Follows that day from that source.
    #[serde(default, deserialize_with = "lenient")]
    pub new_user: u64,
    /// Unfollows that day.
    #[serde(default, deserialize_with = "lenient")]
    pub cancel_user: u64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One row of `getusercumulate`: followers at the end of a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserCumulate {
    /// The day.
    pub ref_date: Date,
    /// Followers at its end.
    #[serde(default, deserialize_with = "lenient")]
    pub cumulate_user: i64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A day of followers: its follows and unfollows (all sources) and the total at its end.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct UserDay {
    /// The day.
    pub ref_date: Date,
    /// Follows, all sources.
    pub new_user: u64,
    /// Unfollows.
    pub cancel_user: u64,
    /// Followers at the end of the day.
    pub cumulate_user: i64,
    /// The day's `getusersummary` rows, one per source.
    pub sources: Vec<UserSummary>,
}

impl UserDay {
    /// Follows minus unfollows.
    #[must_use]
    pub fn net(&self) -> i64 {
        i64::try_from(self.new_user).unwrap_or(i64::MAX)
            - i64::try_from(self.cancel_user).unwrap_or(i64::MAX)
    }
}

/// `getusersummary` and `getusercumulate` over one range, joined by day; from
/// [`Stats::users`](super::Stats::users).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct Users {
    summary: Query<UserSummary>,
    cumulate: Query<UserCumulate>,
}

impl Users {
    pub(super) fn new(summary: Query<UserSummary>, cumulate: Query<UserCumulate>) -> Self {
        Self { summary, cumulate }
    }
}

impl IntoFuture for Users {
    type Output = Result<Vec<UserDay>>;
    type IntoFuture = BoxFuture<'static, Result<Vec<UserDay>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let summary = self.summary.await?;
            let cumulate = self.cumulate.await?;
            Ok(cumulate
                .into_iter()
                .map(|c| {
                    let sources: Vec<UserSummary> = summary
                        .iter()
                        .filter(|s| s.ref_date == c.ref_date)
                        .cloned()
                        .collect();
                    UserDay {
                        ref_date: c.ref_date,
                        new_user: sources.iter().map(|s| s.new_user).sum(),
                        cancel_user: sources.iter().map(|s| s.cancel_user).sum(),
                        cumulate_user: c.cumulate_user,
                        sources,
                    }
                })
                .collect())
        })
    }
}
