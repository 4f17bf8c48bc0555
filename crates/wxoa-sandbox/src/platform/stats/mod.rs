//! Analytics (数据统计, api-reference-2 §3): every `datacube` endpoint, derived from the
//! account's own history — the synthetic followers' subscribe times and every follow and
//! unfollow since (`audience`), the messages followers sent (`messages`), the pushes to the
//! account's server (`interface`), and what followers did with the account's articles
//! (`articles`, answered by `reports`). Everything is counted as it happens, per day; nothing
//! is made up, so every endpoint agrees with the others and with the follower list.
//!
//! The rules of a query (its error codes) and the settings where the sources disagree are
//! `rules` ([`AnalyticsRules`]): the account's permission (48001), the original article
//! endpoints switched off or not (47009), the date format (61500), the range's order, end,
//! first day and span (61501, or the setting's code), yesterday's figures not ready yet
//! (61503).

pub(crate) mod articles;
pub(crate) mod audience;
pub(crate) mod interface;
pub(crate) mod messages;
mod reports;
pub(crate) mod rules;
mod tally;

pub use rules::AnalyticsRules;

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

impl Account {
    /// The answer of `POST /datacube/<endpoint>` with this body at `now`, by `rules`.
    pub(crate) fn datacube(
        &self,
        endpoint: &Endpoint,
        body: &Value,
        now: i64,
        rules: &AnalyticsRules,
    ) -> Result<Value, ApiError> {
        let today = Date::of_unix(now);
        let (begin, end) = rules.range(endpoint, body, now, !self.unverified)?;
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
