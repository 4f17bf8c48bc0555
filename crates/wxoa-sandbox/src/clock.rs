//! Virtual time: the real clock plus an offset that only moves forward on request.
//!
//! Everything in the sandbox that expires or resets (tokens, tickets, quotas, the
//! customer-service window, QR codes, OAuth codes) reads this clock, so a test can jump hours
//! or days ahead with `POST /sandbox/clock {"advance": SECONDS}` instead of waiting.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use wxoa_types::date::Date;

/// The latest virtual time: 9999-12-31 23:59:59 UTC. Keeping the clock below it leaves every
/// lifetime the sandbox adds to `now` (at most years) far from overflowing.
pub(crate) const MAX_TIME: i64 = 253_402_300_799;

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

    /// Unix seconds, virtual; never past [`MAX_TIME`].
    pub(crate) fn now(&self) -> i64 {
        wall_clock()
            .saturating_add(self.offset.load(Ordering::Relaxed))
            .min(MAX_TIME)
    }

    /// Moves the clock forward by `seconds` (0 or more); returns the new virtual time, or why
    /// the clock cannot move that far (past [`MAX_TIME`]) — it does not move then.
    pub(crate) fn advance(&self, seconds: i64) -> Result<i64, String> {
        if seconds < 0 {
            return Err("the clock only moves forward".to_owned());
        }
        self.offset
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                offset
                    .checked_add(seconds)
                    .filter(|&moved| check_offset(moved).is_ok())
            })
            .map_err(|_| {
                format!(
                    "advancing by {seconds} s would take the clock past 9999-12-31 \
                     ({MAX_TIME}, the latest time the sandbox plays)"
                )
            })?;
        Ok(self.now())
    }

    /// Moves the clock forward by `seconds`, or as far as it goes ([`MAX_TIME`]); returns the
    /// new virtual time.
    pub(crate) fn advance_saturating(&self, seconds: i64) -> i64 {
        // The closure always answers: the update cannot fail.
        let _ = self
            .offset
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                let room = MAX_TIME.saturating_sub(wall_clock()).max(offset);
                Some(offset.saturating_add(seconds.max(0)).min(room))
            });
        self.now()
    }

    /// Unix milliseconds, virtual (for logs that need finer than seconds).
    pub(crate) fn now_ms(&self) -> i64 {
        let real_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        real_ms
            .saturating_add(self.offset().saturating_mul(1000))
            .min(MAX_TIME.saturating_mul(1000))
    }

    /// How far the clock is ahead of real time.
    pub(crate) fn offset(&self) -> i64 {
        self.offset.load(Ordering::Relaxed)
    }
}

/// Why a clock offset cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClockProblem {
    /// A negative offset: the clock only moves forward.
    #[error("the clock is never behind real time")]
    Behind,
    /// An offset that takes the virtual time past the latest the sandbox plays.
    #[error("the virtual time would pass {MAX_TIME} (9999-12-31)")]
    PastMaxTime,
}

/// Whether a clock `offset` seconds ahead of real time keeps the virtual time between now and
/// [`MAX_TIME`]; why not otherwise.
pub(crate) fn check_offset(offset: i64) -> Result<(), ClockProblem> {
    if offset < 0 {
        return Err(ClockProblem::Behind);
    }
    if wall_clock()
        .checked_add(offset)
        .is_none_or(|t| t > MAX_TIME)
    {
        return Err(ClockProblem::PastMaxTime);
    }
    Ok(())
}

/// The number of the platform day (Beijing time: daily quotas reset at 00:00 there) holding
/// `unix`.
pub(crate) fn china_day(unix: i64) -> i64 {
    Date::of_unix(unix).days()
}

/// The platform month (Beijing time) holding `unix`, as `year * 12 + month0`.
pub(crate) fn china_month(unix: i64) -> i64 {
    let (year, month, _) = Date::of_unix(unix).ymd();
    i64::from(year) * 12 + i64::from(month) - 1
}

/// The real clock in Unix seconds, which the virtual clock runs ahead of by its offset.
fn wall_clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward() {
        let clock = Clock::default();
        let before = clock.now();
        let after = clock.advance(7200).unwrap();
        assert!(after >= before + 7200);
        assert_eq!(clock.offset(), 7200);
    }

    #[test]
    fn the_clock_stops_at_the_latest_time_without_overflowing() {
        let clock = Clock::default();
        assert!(clock.advance(-1).is_err());
        assert!(clock.advance(i64::MAX).is_err());
        assert_eq!(
            clock.offset(),
            0,
            "a refused advance does not move the clock"
        );
        let room = MAX_TIME - clock.now();
        assert!(clock.advance(room + 10).is_err());
        assert_eq!(clock.advance_saturating(i64::MAX), MAX_TIME);
        assert!(clock.advance(1).is_err());
        assert_eq!(clock.advance_saturating(1), MAX_TIME);
        assert!(check_offset(-1).is_err());
        assert!(check_offset(i64::MAX).is_err());
        assert!(check_offset(86_400).is_ok());
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
    }
}
