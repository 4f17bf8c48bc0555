//! The rules of an analytics query and the settings where the sources disagree
//! (api-reference-2 §3.1–3.2 "unsure"): each endpoint's span, the code of a range that ends
//! today or later or runs backwards, when yesterday's figures are ready, and whether the
//! original article endpoints are switched off. In order, a query is refused:
//!
//! | rule | code |
//! |---|---|
//! | the account has the analytics permission (an unverified account has not) | 48001 |
//! | the original article endpoints are on ([`AnalyticsRules::old_articles_offline`]) | 47009 |
//! | `begin_date` and `end_date` are `YYYY-MM-DD` | 61500 |
//! | `begin_date` is not after `end_date`, `end_date` is before today (Beijing) | [`AnalyticsRules::range_errcode`], 61501 |
//! | the range starts no earlier than the endpoint's first day | 61501 |
//! | the range covers at most the endpoint's span ([`AnalyticsRules::spans`]) | 61501 |
//! | a range with yesterday in it is asked from [`AnalyticsRules::ready_hour`] on | 61503 |

use serde_json::Value;
use wxoa_types::datacube::{Endpoint, Family, Spans};
use wxoa_types::date::{BEIJING_OFFSET, Date};

use crate::error::ApiError;

/// The platform's analytics rules where the sources disagree or say nothing, for
/// [`SandboxBuilder::analytics_rules`]. The defaults are the original documentation's.
///
/// ```
/// use wxoa_sandbox::AnalyticsRules;
///
/// let mut rules = AnalyticsRules::default();
/// rules.spans = "getarticleread=30,getarticleshare=30".parse().unwrap();
/// rules.ready_hour = 8; // yesterday's figures from 08:00 on, 61503 before
/// ```
///
/// [`SandboxBuilder::analytics_rules`]: crate::SandboxBuilder::analytics_rules
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AnalyticsRules {
    /// The most days one call of each endpoint covers (61501 beyond). Default: the original
    /// documentation's ("old" column of §3.2); [`Spans::current`] is the current pages'.
    pub spans: Spans,
    /// The code of a range that ends today or later or begins after it ends (undocumented;
    /// default 61501, the date range error).
    pub range_errcode: i64,
    /// The hour of the (virtual, Beijing) day from which yesterday's figures are ready: before
    /// it, a range that has yesterday in it answers 61503 (the platform advises querying after
    /// 08:00). Default 0: ready at midnight, never 61503.
    pub ready_hour: u8,
    /// Whether the original article endpoints (`getarticlesummary`, `getarticletotal`,
    /// `getuserread[hour]`, `getusershare[hour]`) answer 47009 "this api is offline", as two
    /// clients report live while the official pages only call them unmaintained. Default:
    /// false, they answer.
    pub old_articles_offline: bool,
}

impl Default for AnalyticsRules {
    fn default() -> Self {
        Self {
            spans: Spans::default(),
            range_errcode: 61_501,
            ready_hour: 0,
            old_articles_offline: false,
        }
    }
}

impl AnalyticsRules {
    /// A query's range, checked against the endpoint's rules at `now` for an account that
    /// is `verified` or not.
    pub(crate) fn range(
        &self,
        endpoint: &Endpoint,
        body: &Value,
        now: i64,
        verified: bool,
    ) -> Result<(Date, Date), ApiError> {
        if !verified {
            return Err(ApiError::msg(
                48001,
                format!(
                    "api unauthorized: {} needs a verified account",
                    endpoint.name
                ),
            ));
        }
        if self.old_articles_offline && endpoint.family == Family::Articles {
            return Err(ApiError::msg(
                47009,
                "this api is offline, please use the new api",
            ));
        }
        let date = |field: &str| {
            body.get(field)
                .and_then(Value::as_str)
                .and_then(|text| text.parse::<Date>().ok())
                .ok_or_else(|| ApiError::msg(61500, format!("date format error: {field}")))
        };
        let (begin, end) = (date("begin_date")?, date("end_date")?);
        let today = Date::of_unix(now);
        let refuse =
            |code: i64, why: String| Err(ApiError::msg(code, format!("date range error: {why}")));
        if begin > end {
            return refuse(
                self.range_errcode,
                format!("begin_date {begin} is after end_date {end}"),
            );
        }
        if end >= today {
            return refuse(
                self.range_errcode,
                format!("end_date {end} is not before today ({today})"),
            );
        }
        if begin < endpoint.earliest {
            return refuse(61501, format!("no data before {}", endpoint.earliest));
        }
        let days = end.days() - begin.days() + 1;
        let max_days = self.spans.max_days(endpoint);
        if days > i64::from(max_days) {
            return refuse(
                61501,
                format!(
                    "{} covers at most {max_days} days, got {days}",
                    endpoint.name
                ),
            );
        }
        let hour = now.saturating_add(BEIJING_OFFSET).rem_euclid(86_400) / 3_600;
        if end == today.add_days(-1) && hour < i64::from(self.ready_hour) {
            return Err(ApiError::msg(
                61503,
                format!(
                    "data not ready: {end} is ready from {:02}:00",
                    self.ready_hour
                ),
            ));
        }
        Ok((begin, end))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    /// 2026-03-10 10:00 Beijing.
    fn ten_o_clock() -> i64 {
        "2026-03-10".parse::<Date>().unwrap().start_unix() + 10 * 3_600
    }

    fn check(rules: &AnalyticsRules, name: &str, begin: &str, end: &str) -> Result<(), i64> {
        let endpoint = Endpoint::from_name(name).unwrap();
        let body = json!({"begin_date": begin, "end_date": end});
        rules
            .range(&endpoint, &body, ten_o_clock(), true)
            .map(|_| ())
            .map_err(|e| e.code)
    }

    #[test]
    fn ranges_follow_the_endpoint_rules() {
        let rules = AnalyticsRules::default();
        let check = |name, begin, end| check(&rules, name, begin, end);
        assert!(check("getusersummary", "2026-03-03", "2026-03-09").is_ok());
        assert_eq!(
            check("getusersummary", "2026-03-02", "2026-03-09"),
            Err(61501)
        );
        assert_eq!(
            check("getusersummary", "2026-03-09", "2026-03-10"),
            Err(61501)
        );
        assert_eq!(
            check("getusersummary", "2026-03-09", "2026-03-08"),
            Err(61501)
        );
        assert_eq!(
            check("getusersummary", "2014-11-30", "2014-11-30"),
            Err(61501)
        );
        assert!(check("getusersummary", "2014-12-01", "2014-12-01").is_ok());
        assert_eq!(
            check("getbizsummary", "2025-10-31", "2025-10-31"),
            Err(61501)
        );
        assert_eq!(
            check("getusersummary", "2026-3-09", "2026-03-09"),
            Err(61500)
        );
        let endpoint = Endpoint::from_name("getusersummary").unwrap();
        let missing = rules.range(&endpoint, &json!({"begin_date": "2026-03-09"}), 0, true);
        assert_eq!(missing.map_err(|e| e.code), Err(61500));
    }

    #[test]
    fn the_unsure_values_are_settings() {
        let mut rules = AnalyticsRules::default();
        assert_eq!(
            check(&rules, "getarticleread", "2026-03-08", "2026-03-09"),
            Err(61501)
        );
        rules.spans = "getarticleread=30".parse().unwrap();
        rules.range_errcode = 61_502;
        assert!(check(&rules, "getarticleread", "2026-02-08", "2026-03-09").is_ok());
        assert_eq!(
            check(&rules, "getarticleread", "2026-02-07", "2026-03-09"),
            Err(61501)
        );
        assert_eq!(
            check(&rules, "getusersummary", "2026-03-09", "2026-03-10"),
            Err(61502)
        );
        assert_eq!(
            check(&rules, "getusersummary", "2026-03-09", "2026-03-08"),
            Err(61502)
        );
        rules.ready_hour = 11;
        assert_eq!(
            check(&rules, "getusersummary", "2026-03-09", "2026-03-09"),
            Err(61503)
        );
        assert!(check(&rules, "getusersummary", "2026-03-08", "2026-03-08").is_ok());
        rules.ready_hour = 10;
        assert!(check(&rules, "getusersummary", "2026-03-09", "2026-03-09").is_ok());
        rules.old_articles_offline = true;
        assert_eq!(
            check(&rules, "getuserread", "2026-03-09", "2026-03-09"),
            Err(47009)
        );
        assert!(check(&rules, "getarticleread", "2026-03-09", "2026-03-09").is_ok());
        let endpoint = Endpoint::from_name("getusercumulate").unwrap();
        let body = json!({"begin_date": "2026-03-09", "end_date": "2026-03-09"});
        let unverified = rules.range(&endpoint, &body, ten_o_clock(), false);
        assert_eq!(unverified.map_err(|e| e.code), Err(48001));
    }
}
