//! Virtual time: the real clock plus an offset that only moves forward on request.
//!
//! Everything in the sandbox that expires or resets (tokens, tickets, quotas, the
//! customer-service window, QR codes, OAuth codes) reads this clock, so a test can jump hours
//! or days ahead with `POST /sandbox/clock {"advance": SECONDS}` instead of waiting.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds China Standard Time (UTC+8) is ahead of UTC: the platform's days start at 00:00 in
/// Beijing, so daily quotas reset then.
const CHINA_OFFSET: i64 = 8 * 3600;

/// The sandbox's clock.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset: AtomicI64,
}

impl Clock {
    /// A clock `offset` seconds ahead of real time (restored from a state file).
    pub(crate) fn with_offset(offset: i64) -> Self {
        Self {
            offset: AtomicI64::new(offset),
        }
    }

    /// Unix seconds, virtual.
    pub(crate) fn now(&self) -> i64 {
        real_now().saturating_add(self.offset.load(Ordering::Relaxed))
    }

    /// Moves the clock forward; returns the new virtual time.
    pub(crate) fn advance(&self, seconds: i64) -> i64 {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
        self.now()
    }

    /// How far the clock is ahead of real time.
    pub(crate) fn offset(&self) -> i64 {
        self.offset.load(Ordering::Relaxed)
    }
}

/// The number of the platform day (Beijing time) holding `unix`.
pub(crate) fn china_day(unix: i64) -> i64 {
    (unix + CHINA_OFFSET).div_euclid(86_400)
}

/// The platform month (Beijing time) holding `unix`, as `year * 12 + month0`.
pub(crate) fn china_month(unix: i64) -> i64 {
    let days = china_day(unix);
    let (year, month) = civil_from_days(days);
    year * 12 + month - 1
}

/// Year and month (1-based) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month)
}

fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward() {
        let clock = Clock::default();
        let before = clock.now();
        let after = clock.advance(7200);
        assert!(after >= before + 7200);
        assert_eq!(clock.offset(), 7200);
    }

    #[test]
    fn days_start_at_midnight_in_beijing() {
        // 2024-01-01 15:59:59 UTC is 23:59:59 in Beijing; one second later is the next day.
        assert_eq!(china_day(1_704_124_799) + 1, china_day(1_704_124_800));
        assert_eq!(china_day(1_704_124_800), china_day(1_704_124_800 + 86_399));
    }

    #[test]
    fn months_follow_the_calendar() {
        // 2024-01-31 16:00 UTC is 2024-02-01 00:00 in Beijing.
        assert_eq!(china_month(1_706_716_799), 2024 * 12);
        assert_eq!(china_month(1_706_716_800), 2024 * 12 + 1);
        assert_eq!(civil_from_days(0), (1970, 1));
        assert_eq!(civil_from_days(19_783), (2024, 3));
    }
}
