//! The analytics endpoints (数据统计, `POST /datacube/<name>`, api-reference-2 §3) as a table:
//! each one's name, the longest range one call may ask for, the first day the platform has
//! data for, and the period its rows describe. The client splits a long range by it; the
//! sandbox refuses by it.
//!
//! Spans are the original documentation's ("old" column of §3.2); where the current pages
//! differ the sources disagree, and the old values are the default. A [`Spans`] table
//! overrides them per endpoint (`spans`). The platform's codes in the rows (`user_source`,
//! `share_scene`, `msg_type` …) are typed in `codes`.
//!
//! ```
//! use wxoa_types::datacube::Endpoint;
//!
//! let users = Endpoint::from_name("getusersummary").unwrap();
//! assert_eq!(users.max_days, 7);
//! assert_eq!(users.path(), "/datacube/getusersummary");
//! assert_eq!(users.earliest.to_string(), "2014-12-01");
//! ```

mod codes;
mod spans;

pub use codes::{CountInterval, FollowSource, MsgType, PublishType, ReadSource, ShareScene};
pub use spans::{SpanError, Spans};

use crate::date::Date;

/// The period one row of an endpoint describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Period {
    /// A day (`ref_date`).
    Day,
    /// An hour of a day (`ref_date`, `ref_hour`).
    Hour,
    /// A week, Monday to Sunday (`ref_date` is the Monday).
    Week,
    /// A calendar month (`ref_date` is its first day).
    Month,
}

/// Which family an endpoint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Family {
    /// Followers: `getusersummary`, `getusercumulate`.
    Users,
    /// The original article analytics (图文分析, unmaintained on the platform).
    Articles,
    /// Messages followers sent (消息分析).
    Messages,
    /// Pushes to the account's server and its answers (接口分析).
    Interface,
    /// The published-content analytics that replace the article family (from 2025-11-01).
    Published,
}

/// One analytics endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// The last part of the path: `getusersummary`.
    pub name: &'static str,
    /// The most days, both ends included, one call may cover (`end − begin < max_days`).
    pub max_days: u32,
    /// The first day the platform has data for.
    pub earliest: Date,
    /// What one row describes.
    pub period: Period,
    /// The endpoint's family.
    pub family: Family,
}

/// The first day of the original analytics: 2014-12-01.
pub const EARLIEST: Date = Date::from_days_const(16_405);
/// The first day of the published-content family: 2025-11-01.
pub const EARLIEST_PUBLISHED: Date = Date::from_days_const(20_393);

const fn endpoint(name: &'static str, max_days: u32, period: Period, family: Family) -> Endpoint {
    let earliest = match family {
        Family::Published => EARLIEST_PUBLISHED,
        _ => EARLIEST,
    };
    Endpoint {
        name,
        max_days,
        earliest,
        period,
        family,
    }
}

/// Every endpoint, in the order of the specification.
pub const ENDPOINTS: &[Endpoint] = &[
    endpoint("getusersummary", 7, Period::Day, Family::Users),
    endpoint("getusercumulate", 7, Period::Day, Family::Users),
    endpoint("getarticlesummary", 1, Period::Day, Family::Articles),
    endpoint("getarticletotal", 1, Period::Day, Family::Articles),
    endpoint("getuserread", 3, Period::Day, Family::Articles),
    endpoint("getuserreadhour", 1, Period::Hour, Family::Articles),
    endpoint("getusershare", 7, Period::Day, Family::Articles),
    endpoint("getusersharehour", 1, Period::Hour, Family::Articles),
    endpoint("getupstreammsg", 7, Period::Day, Family::Messages),
    endpoint("getupstreammsghour", 1, Period::Hour, Family::Messages),
    endpoint("getupstreammsgweek", 30, Period::Week, Family::Messages),
    endpoint("getupstreammsgmonth", 30, Period::Month, Family::Messages),
    endpoint("getupstreammsgdist", 15, Period::Day, Family::Messages),
    endpoint("getupstreammsgdistweek", 30, Period::Week, Family::Messages),
    endpoint(
        "getupstreammsgdistmonth",
        30,
        Period::Month,
        Family::Messages,
    ),
    endpoint("getinterfacesummary", 30, Period::Day, Family::Interface),
    endpoint(
        "getinterfacesummaryhour",
        1,
        Period::Hour,
        Family::Interface,
    ),
    endpoint("getbizsummary", 30, Period::Day, Family::Published),
    endpoint("getarticleread", 1, Period::Day, Family::Published),
    endpoint("getarticleshare", 1, Period::Day, Family::Published),
    endpoint("getarticletotaldetail", 1, Period::Day, Family::Published),
];

impl Endpoint {
    /// The endpoint called `name` (`getusersummary`), if there is one.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        ENDPOINTS.iter().find(|e| e.name == name).copied()
    }

    /// The endpoint's path: `/datacube/<name>`.
    #[must_use]
    pub fn path(&self) -> String {
        format!("/datacube/{}", self.name)
    }

    /// The ranges one call each that cover `begin..=end` in order, each at most
    /// [`max_days`](Self::max_days) long (none when `end` is before `begin`).
    ///
    /// ```
    /// use wxoa_types::date::Date;
    /// use wxoa_types::datacube::Endpoint;
    ///
    /// let begin: Date = "2026-01-01".parse().unwrap();
    /// let calls = Endpoint::from_name("getusersummary").unwrap().chunks(begin, begin.add_days(89));
    /// assert_eq!(calls.len(), 13); // 12 weeks and 6 days
    /// assert_eq!(calls[12], (begin.add_days(84), begin.add_days(89)));
    /// ```
    #[must_use]
    pub fn chunks(&self, begin: Date, end: Date) -> Vec<(Date, Date)> {
        split(begin, end, self.max_days)
    }
}

/// The ranges of at most `max_days` days each that cover `begin..=end` in order.
fn split(begin: Date, end: Date, max_days: u32) -> Vec<(Date, Date)> {
    let step = i64::from(max_days.max(1));
    let mut out = Vec::new();
    let mut first = begin;
    while first <= end {
        let last = first.add_days(step - 1).min(end);
        out.push((first, last));
        if last == end {
            break;
        }
        first = last.add_days(1);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn earliest_days_are_the_documented_ones() {
        assert_eq!(EARLIEST.to_string(), "2014-12-01");
        assert_eq!(EARLIEST_PUBLISHED.to_string(), "2025-11-01");
        assert_eq!(
            Endpoint::from_name("getbizsummary").unwrap().earliest,
            EARLIEST_PUBLISHED
        );
    }

    #[test]
    fn every_endpoint_is_found_by_name_once() {
        assert_eq!(ENDPOINTS.len(), 21);
        for e in ENDPOINTS {
            assert_eq!(Endpoint::from_name(e.name), Some(*e));
            assert!(e.max_days >= 1);
        }
        assert_eq!(Endpoint::from_name("getnothing"), None);
    }

    #[test]
    fn chunks_cover_the_range_without_gaps() {
        let begin: Date = "2026-02-20".parse().unwrap();
        for e in ENDPOINTS {
            for len in [1, 2, 7, 30, 31, 90] {
                let end = begin.add_days(len - 1);
                let chunks = e.chunks(begin, end);
                assert_eq!(chunks[0].0, begin);
                assert_eq!(chunks.last().unwrap().1, end);
                for pair in chunks.windows(2) {
                    assert_eq!(pair[0].1.add_days(1), pair[1].0);
                }
                for (a, b) in &chunks {
                    assert!(b.days() - a.days() < i64::from(e.max_days));
                }
            }
        }
        let e = ENDPOINTS[0];
        assert!(e.chunks(begin, begin.add_days(-1)).is_empty());
    }
}
