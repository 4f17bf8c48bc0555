//! Calendar days as the platform counts them: in Beijing time (UTC+8, no daylight saving).
//!
//! The platform's dates (`ref_date`, `begin_date`, the days of a message record or of the
//! analytics) are `YYYY-MM-DD` strings of Beijing days; its times are Unix seconds. [`Date`]
//! converts between the two, parses and prints the platform's form, and steps by days, which
//! is all the date arithmetic the API needs (no time zone database, no dependency).
//!
//! ```
//! use wxoa_types::date::Date;
//!
//! let day: Date = "2026-12-05".parse().unwrap();
//! assert_eq!(day.to_string(), "2026-12-05");
//! assert_eq!(day.start_unix(), 1_796_400_000); // 2026-12-05 00:00 in Beijing
//! assert_eq!(Date::of_unix(1_796_400_000 + 86_399), day);
//! assert_eq!(day.add_days(27).to_string(), "2027-01-01");
//! ```

use std::fmt;
use std::str::FromStr;

/// Beijing time's offset from UTC, seconds.
pub const BEIJING_OFFSET: i64 = 8 * 3_600;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The earliest year [`Date`] accepts.
pub const MIN_YEAR: i32 = 1970;
/// The latest year [`Date`] accepts.
pub const MAX_YEAR: i32 = 9999;

/// A calendar day in Beijing time, from 1970-01-01 to 9999-12-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i32,
}

/// Why a string or a number is not a [`Date`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateError {
    /// Not of the form `YYYY-MM-DD` (four, two and two ASCII digits).
    #[error("a date is written YYYY-MM-DD (for example 2026-12-05)")]
    Shape,
    /// The month is not 1 to 12.
    #[error("month {month} is not 1 to 12")]
    Month {
        /// The month given.
        month: u32,
    },
    /// The day does not exist in its month.
    #[error("{year}-{month:02} has no day {day}")]
    Day {
        /// The year given.
        year: i32,
        /// The month given.
        month: u32,
        /// The day given.
        day: u32,
    },
    /// Before 1970 or after 9999.
    #[error("year {year} is outside {MIN_YEAR} to {MAX_YEAR}")]
    Year {
        /// The year given.
        year: i64,
    },
}

impl Date {
    /// The day `year-month-day`, checked.
    pub fn new(year: i32, month: u32, day: u32) -> Result<Self, DateError> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(DateError::Year {
                year: i64::from(year),
            });
        }
        if !(1..=12).contains(&month) {
            return Err(DateError::Month { month });
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError::Day { year, month, day });
        }
        Ok(Self {
            days: days_from_civil(year, month, day),
        })
    }

    /// The Beijing day holding the Unix time `unix` (clamped to the supported years).
    #[must_use]
    pub fn of_unix(unix: i64) -> Self {
        let days = unix.saturating_add(BEIJING_OFFSET).div_euclid(DAY);
        Self::from_days(days)
    }

    /// The day `days` after 1970-01-01 (clamped to the supported years).
    #[must_use]
    pub fn from_days(days: i64) -> Self {
        let max = i64::from(days_from_civil(MAX_YEAR, 12, 31));
        Self {
            // Clamped to 0..=max, which fits an i32.
            days: i32::try_from(days.clamp(0, max)).unwrap_or(0),
        }
    }

    /// The day `days` after 1970-01-01, for constants (not checked: give a day of the
    /// supported years).
    #[must_use]
    pub const fn from_days_const(days: i32) -> Self {
        Self { days }
    }

    /// Days since 1970-01-01.
    #[must_use]
    pub fn days(self) -> i64 {
        i64::from(self.days)
    }

    /// The Unix time of this day's first second (00:00:00 in Beijing).
    #[must_use]
    pub fn start_unix(self) -> i64 {
        self.days() * DAY - BEIJING_OFFSET
    }

    /// The Unix time of this day's last second (23:59:59 in Beijing).
    #[must_use]
    pub fn end_unix(self) -> i64 {
        self.start_unix() + DAY - 1
    }

    /// The day `n` days later (earlier when negative), clamped to the supported years.
    #[must_use]
    pub fn add_days(self, n: i64) -> Self {
        Self::from_days(self.days().saturating_add(n))
    }

    /// Year, month (1–12) and day (1–31).
    #[must_use]
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.days)
    }

    /// The Monday of this day's week (the platform's weekly `ref_date`).
    #[must_use]
    pub fn monday(self) -> Self {
        // 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday = 0.
        let weekday = (self.days() + 3).rem_euclid(7);
        self.add_days(-weekday)
    }

    /// The first day of this day's month (the platform's monthly `ref_date`).
    #[must_use]
    pub fn first_of_month(self) -> Self {
        let (year, month, _) = self.ymd();
        Self {
            days: days_from_civil(year, month, 1),
        }
    }

    /// The days from `self` to `last`, both included (empty when `last` is earlier).
    pub fn through(self, last: Self) -> impl Iterator<Item = Date> {
        (self.days..=last.days).map(|days| Date { days })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.ymd();
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

impl FromStr for Date {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Self, DateError> {
        let bytes = s.as_bytes();
        let digits = |range: std::ops::Range<usize>| -> Result<u32, DateError> {
            let part = bytes.get(range).ok_or(DateError::Shape)?;
            part.iter().try_fold(0u32, |n, &b| {
                if b.is_ascii_digit() {
                    Ok(n * 10 + u32::from(b - b'0'))
                } else {
                    Err(DateError::Shape)
                }
            })
        };
        if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
            return Err(DateError::Shape);
        }
        let year = digits(0..4)?;
        let month = digits(5..7)?;
        let day = digits(8..10)?;
        // Four digits fit an i32.
        Self::new(i32::try_from(year).unwrap_or(0), month, day)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a valid civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    // Months and days of a valid date are small.
    let month = i32::try_from(month).unwrap_or(1);
    let day = i32::try_from(day).unwrap_or(1);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i32::from(month <= 2);
    // Month 1..=12 and day 1..=31 by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_day_round_trips_through_its_civil_form() {
        let last = i64::from(days_from_civil(MAX_YEAR, 12, 31));
        for days in (0..=last).step_by(7).chain([last]) {
            let day = Date::from_days(days);
            let (y, m, d) = day.ymd();
            assert_eq!(Date::new(y, m, d).unwrap(), day);
            assert_eq!(day.to_string().parse::<Date>().unwrap(), day);
        }
    }

    #[test]
    fn known_days() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        let leap: Date = "2024-02-29".parse().unwrap();
        assert_eq!(leap.add_days(1).to_string(), "2024-03-01");
        assert_eq!(leap.ymd(), (2024, 2, 29));
        // 2026-12-05 is a Saturday; its Monday is 2026-11-30.
        let day: Date = "2026-12-05".parse().unwrap();
        assert_eq!(day.monday().to_string(), "2026-11-30");
        assert_eq!(day.first_of_month().to_string(), "2026-12-01");
        assert_eq!(day.monday().monday(), day.monday());
    }

    #[test]
    fn beijing_midnight_is_sixteen_hundred_utc() {
        let day: Date = "2026-12-05".parse().unwrap();
        // 2026-12-04T16:00:00Z.
        assert_eq!(day.start_unix(), 1_796_400_000);
        assert_eq!(Date::of_unix(day.start_unix() - 1), day.add_days(-1));
        assert_eq!(Date::of_unix(day.end_unix()), day);
        assert_eq!(Date::of_unix(day.end_unix() + 1), day.add_days(1));
    }

    #[test]
    fn malformed_dates_name_what_is_wrong() {
        for bad in [
            "2026-1-05",
            "2026/12/05",
            "20261205",
            "2026-12-5x",
            "２０２６-12-05",
            "",
        ] {
            assert_eq!(bad.parse::<Date>(), Err(DateError::Shape), "{bad}");
        }
        assert_eq!(
            "2026-13-01".parse::<Date>(),
            Err(DateError::Month { month: 13 })
        );
        assert_eq!(
            "2025-02-29".parse::<Date>(),
            Err(DateError::Day {
                year: 2025,
                month: 2,
                day: 29
            })
        );
        assert_eq!(
            "1969-12-31".parse::<Date>(),
            Err(DateError::Year { year: 1969 })
        );
    }

    #[test]
    fn out_of_range_numbers_are_clamped() {
        assert_eq!(Date::of_unix(i64::MIN), Date::from_days(0));
        assert_eq!(Date::of_unix(i64::MAX).to_string(), "9999-12-31");
        assert_eq!(Date::from_days(0).add_days(-5), Date::from_days(0));
        let span: Vec<_> = Date::from_days(10).through(Date::from_days(12)).collect();
        assert_eq!(span.len(), 3);
        assert_eq!(Date::from_days(12).through(Date::from_days(10)).count(), 0);
    }

    #[test]
    fn serde_uses_the_platform_form() {
        let day: Date = serde_json::from_str("\"2026-12-05\"").unwrap();
        assert_eq!(serde_json::to_string(&day).unwrap(), "\"2026-12-05\"");
        assert!(serde_json::from_str::<Date>("\"2026-02-30\"").is_err());
    }
}
