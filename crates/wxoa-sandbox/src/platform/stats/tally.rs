//! Counting without keeping events: counters of users and occurrences, the set of who did what
//! in the current period (so a user is counted once a day, a week or a month), and the cap on
//! how many days any analytics table keeps.
//!
//! Events arrive at the virtual clock's "now", which only moves forward, so only the current
//! period needs its set of keys; moving into the next period forgets the last one. Memory is
//! per day (and per user active today), never per event.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use wxoa_types::date::Date;

/// Most days (or weeks, or months) an analytics table keeps: about ten years of active days.
/// The oldest are dropped beyond it.
pub(crate) const MAX_DAYS: usize = 3_660;

/// A stable 64-bit hash (FNV-1a) of a key's parts, each followed by a separator: what the
/// period sets store instead of OpenIDs.
pub(crate) fn key(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// What happened in the current period: which keys were seen, and how often each counted key
/// occurred.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Seen {
    period: Option<Date>,
    keys: HashSet<u64>,
    counts: HashMap<u64, u32>,
}

impl Seen {
    fn enter(&mut self, period: Date) {
        if self.period != Some(period) {
            self.period = Some(period);
            self.keys.clear();
            self.counts.clear();
        }
    }

    /// Whether `key` is new in `period` (which becomes the current one).
    pub(crate) fn first(&mut self, period: Date, key: u64) -> bool {
        self.enter(period);
        self.keys.insert(key)
    }

    /// Counts one more occurrence of `key` in `period`; the count so far.
    pub(crate) fn bump(&mut self, period: Date, key: u64) -> u32 {
        self.enter(period);
        let count = self.counts.entry(key).or_default();
        *count = count.saturating_add(1);
        *count
    }
}

/// Users and occurrences: `msg_user`/`msg_count`, `share_user`/`share_count` …
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Tally {
    pub(crate) users: u64,
    pub(crate) count: u64,
}

impl Tally {
    /// One more occurrence, by a user counted for the first time when `new_user`.
    pub(crate) fn add(&mut self, new_user: bool) {
        self.count += 1;
        self.users += u64::from(new_user);
    }

    /// The sum of two tallies.
    pub(crate) fn plus(self, other: Self) -> Self {
        Self {
            users: self.users + other.users,
            count: self.count + other.count,
        }
    }
}

/// The entry of `day` in a day table, created empty; the oldest entries beyond [`MAX_DAYS`]
/// are dropped (and handed to `dropped`).
pub(crate) fn day_entry<V: Default>(
    map: &mut BTreeMap<Date, V>,
    day: Date,
    mut dropped: impl FnMut(V),
) -> &mut V {
    if !map.contains_key(&day) {
        while map.len() >= MAX_DAYS {
            match map.pop_first() {
                Some((_, old)) => dropped(old),
                None => break,
            }
        }
    }
    map.entry(day).or_default()
}

/// The hour of the Beijing day holding `unix`, 0 to 23.
pub(crate) fn hour_of(unix: i64) -> u8 {
    let seconds = unix.saturating_sub(Date::of_unix(unix).start_unix());
    u8::try_from(seconds / 3_600).unwrap_or(23).min(23)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn keys_separate_their_parts() {
        assert_ne!(key(&[b"ab", b"c"]), key(&[b"a", b"bc"]));
        assert_eq!(key(&[b"x"]), key(&[b"x"]));
    }

    #[test]
    fn a_new_period_forgets_the_last() {
        let day: Date = "2026-03-01".parse().unwrap();
        let mut seen = Seen::default();
        assert!(seen.first(day, 1));
        assert!(!seen.first(day, 1));
        assert_eq!(seen.bump(day, 7), 1);
        assert_eq!(seen.bump(day, 7), 2);
        assert!(seen.first(day.add_days(1), 1));
        assert_eq!(seen.bump(day.add_days(1), 7), 1);
    }

    #[test]
    fn day_tables_keep_the_newest_days() {
        let day: Date = "2000-01-01".parse().unwrap();
        let mut map: BTreeMap<Date, u32> = BTreeMap::new();
        let mut dropped = 0;
        for n in 0..(MAX_DAYS as i64 + 5) {
            *day_entry(&mut map, day.add_days(n), |_| dropped += 1) += 1;
        }
        assert_eq!(map.len(), MAX_DAYS);
        assert_eq!(dropped, 5);
        assert_eq!(*map.keys().next().unwrap(), day.add_days(5));
    }

    #[test]
    fn hours_are_beijing_hours() {
        let day: Date = "2026-03-01".parse().unwrap();
        assert_eq!(hour_of(day.start_unix()), 0);
        assert_eq!(hour_of(day.start_unix() + 3_599), 0);
        assert_eq!(hour_of(day.start_unix() + 13 * 3_600), 13);
        assert_eq!(hour_of(day.end_unix()), 23);
    }
}
