//! Analytics (数据统计, api-reference-2 §3): every `datacube` endpoint, derived from the
//! account's own history — the synthetic followers' subscribe times and every follow and
//! unfollow since (`audience`), the messages followers sent (`messages`), the pushes to the
//! account's server (`interface`), and what followers did with the account's articles
//! (`articles`, answered by `reports`). Everything is counted as it happens, per day; nothing
//! is made up, so every endpoint agrees with the others and with the follower list.
//!
//! The rules of a query (its error codes): `begin_date` and `end_date` are `YYYY-MM-DD`
//! (61500); `begin_date` is not after `end_date`, `end_date` is before today (Beijing), the
//! range starts no earlier than the endpoint's first day (2014-12-01; 2025-11-01 for the
//! published-content family) and covers at most the endpoint's span (all 61501). The platform
//! does not document the code for the second and third rule; 61501 is the sandbox's choice.

pub(crate) mod articles;
pub(crate) mod audience;
pub(crate) mod interface;
pub(crate) mod messages;
mod reports;
mod tally;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wxoa_types::datacube::{Endpoint, Family};
use wxoa_types::date::Date;

use self::articles::ArticleStats;
use self::audience::{FollowDays, source_of};
use self::interface::InterfaceStats;
use self::messages::{Grain, MessageStats, msg_type_of};
use crate::error::ApiError;
use crate::state::Account;

/// Everything an account's analytics count.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Analytics {
    #[serde(default)]
    pub(crate) follows: FollowDays,
    #[serde(default)]
    pub(crate) messages: MessageStats,
    #[serde(default)]
    pub(crate) interface: InterfaceStats,
    #[serde(default)]
    pub(crate) articles: ArticleStats,
}

impl Analytics {
    /// Someone followed at `now` through `scene` (a `subscribe_scene`).
    pub(crate) fn followed(&mut self, scene: &str, now: i64) {
        self.follows.follow(Date::of_unix(now), source_of(scene));
    }

    /// Someone left at `now`.
    pub(crate) fn left(&mut self, now: i64) {
        self.follows.unfollow(Date::of_unix(now));
    }

    /// Follower `openid` sent a message of `msg_type` (the push's `MsgType`) at `now`.
    pub(crate) fn message(&mut self, openid: &str, msg_type: &str, now: i64) {
        if let Some(code) = msg_type_of(msg_type) {
            self.messages.record(openid, code, now);
        }
    }

    /// The platform pushed to the account's server at `at`; it took `ms` in all and failed or
    /// not.
    pub(crate) fn pushed(&mut self, at: i64, failed: bool, ms: u64) {
        self.interface.record(at, failed, ms);
    }
}

/// A query's range, checked against the endpoint's rules on day `today`.
pub(crate) fn range(
    endpoint: &Endpoint,
    body: &Value,
    today: Date,
) -> Result<(Date, Date), ApiError> {
    let date = |field: &str| {
        body.get(field)
            .and_then(Value::as_str)
            .and_then(|text| text.parse::<Date>().ok())
            .ok_or_else(|| ApiError::msg(61500, format!("date format error: {field}")))
    };
    let (begin, end) = (date("begin_date")?, date("end_date")?);
    let refuse = |why: String| Err(ApiError::msg(61501, format!("date range error: {why}")));
    if begin > end {
        return refuse(format!("begin_date {begin} is after end_date {end}"));
    }
    if end >= today {
        return refuse(format!("end_date {end} is not before today ({today})"));
    }
    if begin < endpoint.earliest {
        return refuse(format!("no data before {}", endpoint.earliest));
    }
    let days = end.days() - begin.days() + 1;
    if days > i64::from(endpoint.max_days) {
        return refuse(format!(
            "{} covers at most {} days, got {days}",
            endpoint.name, endpoint.max_days
        ));
    }
    Ok((begin, end))
}

impl Account {
    /// The answer of `POST /datacube/<endpoint>` with this body at `now`.
    pub(crate) fn datacube(
        &self,
        endpoint: &Endpoint,
        body: &Value,
        now: i64,
    ) -> Result<Value, ApiError> {
        let today = Date::of_unix(now);
        let (begin, end) = range(endpoint, body, today)?;
        let yesterday = today.add_days(-1);
        let stats = &self.analytics;
        let days = || begin.through(end);
        let per_day = |f: &dyn Fn(Date) -> Vec<Value>| days().flat_map(f).collect::<Vec<_>>();
        let list = match endpoint.name {
            "getusersummary" => per_day(&|d| self.user_summary(d)),
            "getusercumulate" => days()
                .map(|d| json!({"ref_date": d, "cumulate_user": self.cumulate(d)}))
                .collect(),
            "getarticlesummary" => per_day(&|d| stats.articles.summary(d)),
            "getarticletotal" => per_day(&|d| stats.articles.total(d, yesterday)),
            "getuserread" => stats.articles.user_read(begin, end),
            "getuserreadhour" => stats.articles.user_read_hour(begin, end),
            "getusershare" => stats.articles.user_share(begin, end),
            "getusersharehour" => stats.articles.user_share_hour(begin, end),
            "getupstreammsg" => stats.messages.by_type(Grain::Day, begin, end),
            "getupstreammsghour" => stats.messages.by_hour(begin, end),
            "getupstreammsgweek" => stats.messages.by_type(Grain::Week, begin, end),
            "getupstreammsgmonth" => stats.messages.by_type(Grain::Month, begin, end),
            "getupstreammsgdist" => stats.messages.distribution(Grain::Day, begin, end),
            "getupstreammsgdistweek" => stats.messages.distribution(Grain::Week, begin, end),
            "getupstreammsgdistmonth" => stats.messages.distribution(Grain::Month, begin, end),
            "getinterfacesummary" => stats.interface.daily(begin, end),
            "getinterfacesummaryhour" => stats.interface.hourly(begin, end),
            "getbizsummary" => stats.articles.biz_summary(begin, end),
            "getarticleread" => per_day(&|d| stats.articles.article_read(d)),
            "getarticleshare" => per_day(&|d| stats.articles.article_share(d)),
            "getarticletotaldetail" => per_day(&|d| stats.articles.total_detail(d, yesterday)),
            other => return Err(ApiError::msg(48001, format!("api unauthorized: {other}"))),
        };
        Ok(if endpoint.family == Family::Published {
            json!({"list": list, "is_delay": false})
        } else {
            json!({"list": list})
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn check(name: &str, begin: &str, end: &str) -> Result<(Date, Date), i64> {
        let endpoint = Endpoint::from_name(name).unwrap();
        let today: Date = "2026-03-10".parse().unwrap();
        range(
            &endpoint,
            &json!({"begin_date": begin, "end_date": end}),
            today,
        )
        .map_err(|e| e.code)
    }

    #[test]
    fn ranges_follow_the_endpoint_rules() {
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
        let today: Date = "2026-03-10".parse().unwrap();
        let missing = range(&endpoint, &json!({"begin_date": "2026-03-09"}), today);
        assert_eq!(missing.map_err(|e| e.code), Err(61500));
    }
}
