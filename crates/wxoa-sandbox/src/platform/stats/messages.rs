//! Message analytics (`getupstreammsg*`): what followers sent, by message type, per hour, day,
//! week and month, with the number of distinct senders and how many messages each sent.
//!
//! Types as the platform counts them: 1 text, 2 image, 3 voice, 4 video (and short video),
//! 6 link. A location has no type in the platform's list and is not counted. The distribution
//! (`count_interval`) buckets each sender's messages in the period: 1 = 1–5, 2 = 6–10,
//! 3 = more than 10 (followers who sent nothing are not listed).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wxoa_types::date::Date;

use super::tally::{Seen, Tally, day_entry, hour_of, key};

/// The platform's `msg_type` of a pushed message type, if it counts it.
pub(crate) fn msg_type_of(msg_type: &str) -> Option<u8> {
    Some(match msg_type {
        "text" => 1,
        "image" => 2,
        "voice" => 3,
        "video" | "shortvideo" => 4,
        "link" => 6,
        _ => return None,
    })
}

/// The `count_interval` of a sender's message count in a period (0 for none).
fn bucket(count: u32) -> usize {
    match count {
        0 => 0,
        1..=5 => 1,
        6..=10 => 2,
        _ => 3,
    }
}

/// One period's messages: by type, by hour and type (days only), and senders per bucket.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Period {
    types: BTreeMap<u8, Tally>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    hours: BTreeMap<u8, BTreeMap<u8, Tally>>,
    dist: [u64; 4],
}

/// Messages followers sent, per day, week (by Monday) and month (by first day).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct MessageStats {
    days: BTreeMap<Date, Period>,
    weeks: BTreeMap<Date, Period>,
    months: BTreeMap<Date, Period>,
    seen_day: Seen,
    seen_week: Seen,
    seen_month: Seen,
}

/// Which table a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grain {
    Day,
    Week,
    Month,
}

impl MessageStats {
    /// Follower `openid` sent a message of type `msg_type` at `now`.
    pub(crate) fn record(&mut self, openid: &str, msg_type: u8, now: i64) {
        let day = Date::of_unix(now);
        let hour = hour_of(now);
        let user = key(&[b"user", openid.as_bytes()]);
        let typed = key(&[b"type", &[msg_type], openid.as_bytes()]);
        let tables = [
            (&mut self.days, &mut self.seen_day, day),
            (&mut self.weeks, &mut self.seen_week, day.monday()),
            (&mut self.months, &mut self.seen_month, day.first_of_month()),
        ];
        for (table, seen, period) in tables {
            let entry = day_entry(table, period, drop);
            let new_user = seen.first(period, typed);
            entry.types.entry(msg_type).or_default().add(new_user);
            let count = seen.bump(period, user);
            let (before, after) = (bucket(count.saturating_sub(1)), bucket(count));
            if before != after {
                if let Some(slot) = entry.dist.get_mut(before) {
                    *slot = slot.saturating_sub(u64::from(before != 0));
                }
                if let Some(slot) = entry.dist.get_mut(after) {
                    *slot += 1;
                }
            }
        }
        let hourly = key(&[b"hour", &[hour, msg_type], openid.as_bytes()]);
        let new_in_hour = self.seen_day.first(day, hourly);
        if let Some(entry) = self.days.get_mut(&day) {
            let tally = entry.hours.entry(hour).or_default();
            tally.entry(msg_type).or_default().add(new_in_hour);
        }
    }

    fn table(&self, grain: Grain) -> &BTreeMap<Date, Period> {
        match grain {
            Grain::Day => &self.days,
            Grain::Week => &self.weeks,
            Grain::Month => &self.months,
        }
    }

    /// The periods of `grain` that overlap `begin..=end`, by their first day. A week or a
    /// month is reported whole, whichever part of it the range names.
    fn periods(
        &self,
        grain: Grain,
        begin: Date,
        end: Date,
    ) -> impl Iterator<Item = (&Date, &Period)> {
        let first = match grain {
            Grain::Day => begin,
            Grain::Week => begin.monday(),
            Grain::Month => begin.first_of_month(),
        };
        self.table(grain).range(first..=end)
    }

    /// `getupstreammsg`, `…week`, `…month`: one row per period and type.
    pub(crate) fn by_type(&self, grain: Grain, begin: Date, end: Date) -> Vec<Value> {
        let mut rows = Vec::new();
        for (date, period) in self.periods(grain, begin, end) {
            for (msg_type, tally) in &period.types {
                rows.push(json!({"ref_date": date, "msg_type": msg_type,
                                 "msg_user": tally.users, "msg_count": tally.count}));
            }
        }
        rows
    }

    /// `getupstreammsghour`: one row per hour and type of each day.
    pub(crate) fn by_hour(&self, begin: Date, end: Date) -> Vec<Value> {
        let mut rows = Vec::new();
        for (date, period) in self.periods(Grain::Day, begin, end) {
            for (hour, types) in &period.hours {
                for (msg_type, tally) in types {
                    rows.push(json!({"ref_date": date, "ref_hour": u32::from(*hour) * 100,
                                     "msg_type": msg_type, "msg_user": tally.users,
                                     "msg_count": tally.count}));
                }
            }
        }
        rows
    }

    /// `getupstreammsgdist`, `…week`, `…month`: senders per `count_interval` of each period.
    pub(crate) fn distribution(&self, grain: Grain, begin: Date, end: Date) -> Vec<Value> {
        let mut rows = Vec::new();
        for (date, period) in self.periods(grain, begin, end) {
            for (interval, users) in period.dist.iter().enumerate().skip(1) {
                if *users > 0 {
                    rows.push(json!({"ref_date": date, "count_interval": interval,
                                     "msg_user": users}));
                }
            }
        }
        rows
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn senders_are_counted_once_and_bucketed_by_their_count() {
        let day: Date = "2026-03-04".parse().unwrap();
        let noon = day.start_unix() + 12 * 3_600;
        let mut stats = MessageStats::default();
        for _ in 0..6 {
            stats.record("oA", 1, noon);
        }
        stats.record("oB", 1, noon + 3_600);
        stats.record("oB", 2, noon + 3_600);
        let rows = stats.by_type(Grain::Day, day, day);
        assert_eq!(rows[0]["msg_user"], 2);
        assert_eq!(rows[0]["msg_count"], 7);
        assert_eq!(rows[1]["msg_type"], 2);
        let dist = stats.distribution(Grain::Day, day, day);
        assert_eq!(dist.len(), 2);
        assert_eq!(
            (
                dist[0]["count_interval"].as_u64(),
                dist[0]["msg_user"].as_u64()
            ),
            (Some(1), Some(1))
        );
        assert_eq!(
            (
                dist[1]["count_interval"].as_u64(),
                dist[1]["msg_user"].as_u64()
            ),
            (Some(2), Some(1))
        );
        let hours = stats.by_hour(day, day);
        assert_eq!(hours[0]["ref_hour"], 1200);
        assert_eq!(hours[0]["msg_count"], 6);
        let week = stats.by_type(Grain::Week, day, day);
        assert_eq!(week[0]["ref_date"], json!(day.monday()));
        let month = stats.by_type(Grain::Month, day.add_days(-3), day.add_days(-3));
        assert_eq!(month[0]["ref_date"], json!("2026-03-01"));
    }

    #[test]
    fn locations_are_not_counted() {
        assert_eq!(msg_type_of("location"), None);
        assert_eq!(msg_type_of("shortvideo"), Some(4));
    }
}
