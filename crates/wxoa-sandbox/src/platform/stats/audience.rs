//! Follower analytics (`getusersummary`, `getusercumulate`): follows by source and unfollows
//! per day, and the running total.
//!
//! The synthetic followers followed at their profiles' subscribe times (one every 90 seconds
//! from 2020-01-01), so their follows are computed from their numbers, never stored; every
//! follow and unfollow since (pushes, QR scans, the console) is counted per day and source as
//! it happens. A day's total is therefore exactly the previous day's plus its new followers
//! minus those who left.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wxoa_types::date::Date;

use super::tally::day_entry;
use crate::state::Account;

/// The `user_source` of unfollows, and of follows from anywhere not listed (sandbox choice).
pub(crate) const OTHER_SOURCE: u32 = 0;

/// The `user_source` of a `subscribe_scene` (the platform's current list: 1 search, 17
/// business card, 30 QR code, 57 the account's name in an article, 100 ads; everything else
/// counts as 0, other channels).
pub(crate) fn source_of(scene: &str) -> u32 {
    match scene {
        "ADD_SCENE_SEARCH" => 1,
        "ADD_SCENE_PROFILE_CARD" => 17,
        "ADD_SCENE_QR_CODE" => 30,
        "ADD_SCENE_PROFILE_LINK" => 57,
        "ADD_SCENE_WECHAT_ADVERTISEMENT" => 100,
        _ => OTHER_SOURCE,
    }
}

/// Follows and unfollows of one day and source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Change {
    pub(crate) new: u64,
    pub(crate) cancel: u64,
}

/// Follows and unfollows since the account started, per day and source.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct FollowDays {
    /// The net change of days no longer kept (the table keeps the newest days only), so the
    /// running total stays exact.
    base: i64,
    days: BTreeMap<Date, BTreeMap<u32, Change>>,
}

impl FollowDays {
    fn change(&mut self, day: Date, source: u32) -> &mut Change {
        let base = &mut self.base;
        let sources = day_entry(&mut self.days, day, |old: BTreeMap<u32, Change>| {
            *base += old.values().map(net).sum::<i64>();
        });
        sources.entry(source).or_default()
    }

    /// Someone followed on `day` from `source`.
    pub(crate) fn follow(&mut self, day: Date, source: u32) {
        self.change(day, source).new += 1;
    }

    /// Someone left on `day`.
    pub(crate) fn unfollow(&mut self, day: Date) {
        self.change(day, OTHER_SOURCE).cancel += 1;
    }
}

fn net(change: &Change) -> i64 {
    i64::try_from(change.new).unwrap_or(i64::MAX) - i64::try_from(change.cancel).unwrap_or(0)
}

impl Account {
    /// How many synthetic followers had followed by Unix time `t` (their subscribe times rise
    /// with their numbers).
    fn synthetic_by(&self, t: i64) -> u32 {
        let (mut low, mut high) = (0u32, self.audience.followers.synthetic());
        while low < high {
            let mid = low + (high - low) / 2;
            if self.codec.profile(mid).subscribe_time <= t {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        low
    }

    /// The follows and unfollows of `day` by source: the synthetic followers who followed
    /// that day and everything recorded.
    fn changes_of(&self, day: Date) -> BTreeMap<u32, Change> {
        let mut out = self
            .analytics
            .follows
            .days
            .get(&day)
            .cloned()
            .unwrap_or_default();
        let first = self.synthetic_by(day.start_unix() - 1);
        let last = self.synthetic_by(day.end_unix());
        for index in first..last {
            let scene = self.codec.profile(index).subscribe_scene;
            out.entry(source_of(scene)).or_default().new += 1;
        }
        out
    }

    /// `getusersummary` rows of `day`: one per source with activity, or a zero row of source 0
    /// on a quiet day.
    pub(crate) fn user_summary(&self, day: Date) -> Vec<Value> {
        let changes = self.changes_of(day);
        if changes.is_empty() {
            return vec![row(day, OTHER_SOURCE, Change::default())];
        }
        changes
            .into_iter()
            .map(|(source, change)| row(day, source, change))
            .collect()
    }

    /// Followers at the end of `day` (`cumulate_user`).
    pub(crate) fn cumulate(&self, day: Date) -> i64 {
        let follows = &self.analytics.follows;
        let recorded: i64 = follows
            .days
            .range(..=day)
            .flat_map(|(_, sources)| sources.values())
            .map(net)
            .sum();
        i64::from(self.synthetic_by(day.end_unix())) + follows.base + recorded
    }
}

fn row(day: Date, source: u32, change: Change) -> Value {
    json!({"ref_date": day, "user_source": source, "new_user": change.new,
           "cancel_user": change.cancel})
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn scenes_map_to_the_platform_sources() {
        assert_eq!(source_of("ADD_SCENE_SEARCH"), 1);
        assert_eq!(source_of("ADD_SCENE_QR_CODE"), 30);
        assert_eq!(source_of("ADD_SCENE_ACCOUNT_MIGRATION"), 0);
        assert_eq!(source_of("anything"), 0);
    }
}
