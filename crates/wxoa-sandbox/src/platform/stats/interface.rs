//! Interface analytics (`getinterfacesummary`, `…hour`): the pushes the platform made to the
//! account's server, how many failed (no acceptable answer after every delivery) and how long
//! the server took, per hour of each day. Pushes made while no webhook is set reach no server
//! and are not counted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wxoa_types::date::Date;

use super::tally::{day_entry, hour_of};

/// One hour's (or day's) pushes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Callbacks {
    count: u64,
    fail: u64,
    total_ms: u64,
    max_ms: u64,
}

impl Callbacks {
    fn plus(self, other: Self) -> Self {
        Self {
            count: self.count + other.count,
            fail: self.fail + other.fail,
            total_ms: self.total_ms.saturating_add(other.total_ms),
            max_ms: self.max_ms.max(other.max_ms),
        }
    }

    fn fields(self, date: Date) -> Value {
        json!({"ref_date": date, "callback_count": self.count, "fail_count": self.fail,
               "total_time_cost": self.total_ms, "max_time_cost": self.max_ms})
    }
}

/// Pushes per day and hour.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct InterfaceStats {
    days: BTreeMap<Date, BTreeMap<u8, Callbacks>>,
}

impl InterfaceStats {
    /// A push made at `at` that took `ms` milliseconds in all and failed or not.
    pub(crate) fn record(&mut self, at: i64, failed: bool, ms: u64) {
        let hours = day_entry(&mut self.days, Date::of_unix(at), drop);
        let slot = hours.entry(hour_of(at)).or_default();
        *slot = slot.plus(Callbacks {
            count: 1,
            fail: u64::from(failed),
            total_ms: ms,
            max_ms: ms,
        });
    }

    /// `getinterfacesummary`: one row per day with pushes.
    pub(crate) fn daily(&self, begin: Date, end: Date) -> Vec<Value> {
        self.days
            .range(begin..=end)
            .map(|(date, hours)| {
                let day = hours.values().fold(Callbacks::default(), |a, b| a.plus(*b));
                day.fields(*date)
            })
            .collect()
    }

    /// `getinterfacesummaryhour`: one row per hour with pushes (`ref_hour` 0, 100 … 2300).
    pub(crate) fn hourly(&self, begin: Date, end: Date) -> Vec<Value> {
        let mut rows = Vec::new();
        for (date, hours) in self.days.range(begin..=end) {
            for (hour, callbacks) in hours {
                let mut row = callbacks.fields(*date);
                crate::platform::set_field(&mut row, "ref_hour", json!(u32::from(*hour) * 100));
                rows.push(row);
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
    fn hours_add_up_to_their_day() {
        let day: Date = "2026-03-04".parse().unwrap();
        let mut stats = InterfaceStats::default();
        stats.record(day.start_unix() + 60, false, 10);
        stats.record(day.start_unix() + 7_200, true, 5_000);
        stats.record(day.start_unix() + 7_300, false, 30);
        let daily = stats.daily(day, day);
        assert_eq!(daily[0]["callback_count"], 3);
        assert_eq!(daily[0]["fail_count"], 1);
        assert_eq!(daily[0]["total_time_cost"], 5_040);
        assert_eq!(daily[0]["max_time_cost"], 5_000);
        let hourly = stats.hourly(day, day);
        assert_eq!(hourly.len(), 2);
        assert_eq!(hourly[1]["ref_hour"], 200);
        assert_eq!(hourly[1]["callback_count"], 2);
    }
}
