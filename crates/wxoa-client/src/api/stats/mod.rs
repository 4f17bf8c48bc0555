//! Analytics (数据统计, `POST /datacube/<name>`, api-reference-2 §3): followers, articles,
//! messages followers sent, pushes to the account's server, and the published-content family
//! that replaces the article endpoints.
//!
//! Each endpoint takes a range of days (Beijing calendar days, [`Date`]) and covers at most a
//! few of them per call (`getusersummary` 7, `getarticlesummary` 1 …, see
//! [`wxoa_types::datacube`]). A [`Query`] splits a longer range into the calls the endpoint
//! allows, one after the other, and merges their rows, so a quarter of follower figures is one
//! `await`. The platform's own rules stay the platform's: the range must end before today
//! (the client does not know the platform's clock) — a refusal is [`Error::Api`] with 61501;
//! yesterday's figures may not be ready before 08:00 (61503, worth asking again later); an
//! account without the analytics permission gets 48001, and a platform that switched the
//! original article endpoints off answers them 47009.
//!
//! How many days one call covers is the original documentation's per endpoint; where the
//! current pages differ the sources disagree (api-reference-2 §3.2), so the table is a
//! setting: [`Stats::with_spans`] takes another [`Spans`] (for example
//! `getarticleread=30`, as one page says, or [`Spans::current`]).
//!
//! ```no_run
//! # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
//! use wxoa_client::api::stats::DateRange;
//! use wxoa_types::date::Date;
//!
//! let end: Date = "2026-03-31".parse().unwrap();
//! for day in client.stats().users(DateRange::new(end.add_days(-89), end)).await? {
//!     println!("{} +{} -{} = {}", day.ref_date, day.new_user, day.cancel_user, day.cumulate_user);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! [`Error::Api`]: crate::Error::Api

mod articles;
mod messages;
mod published;
mod users;

use std::future::IntoFuture;
use std::marker::PhantomData;

use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
pub use wxoa_types::datacube::{
    CountInterval, ENDPOINTS, Endpoint, Family, FollowSource, MsgType, Period, PublishType,
    ReadSource, ShareScene, SpanError, Spans,
};
pub use wxoa_types::date::Date;

pub use articles::{ArticleSummary, ArticleTotal, ArticleTotalStat, UserRead, UserShare};
pub use messages::{InterfaceSummary, UpstreamMsg, UpstreamMsgDist};
pub use published::{
    ArticleRead, ArticleReadDetail, ArticleShare, ArticleTotalDetail, BizSummary, BizSummaryDetail,
    PublishedStat, ReadJumpPosition, ReadUserSource,
};
pub use users::{UserCumulate, UserDay, UserSummary, Users};

use crate::api::support::invalid;
use crate::{ApiRequest, Client, Result, Rule};

/// The analytics API: `client.stats()`.
#[derive(Debug, Clone)]
pub struct Stats {
    client: Client,
    spans: Spans,
}

impl Client {
    /// The analytics API (api-reference-2 §3).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::stats::{Date, DateRange};
    /// let day: Date = "2026-03-01".parse().unwrap();
    /// let rows = client.stats().upstream_msg(DateRange::day(day)).await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn stats(&self) -> Stats {
        Stats {
            client: self.clone(),
            spans: Spans::default(),
        }
    }
}

impl Stats {
    /// The same API splitting long ranges by `spans` instead of the original documentation's
    /// table: for a platform whose endpoints take more (or fewer) days per call.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use wxoa_client::api::stats::{Date, DateRange, Spans};
    /// let spans: Spans = "getarticleread=30".parse()?;
    /// let end: Date = "2026-03-31".parse()?;
    /// // One call instead of thirty.
    /// let rows = client.stats().with_spans(spans).article_read(DateRange::new(end.add_days(-29), end)).await?;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn with_spans(mut self, spans: Spans) -> Self {
        self.spans = spans;
        self
    }

    /// The span table ranges are split by.
    #[must_use]
    pub fn spans(&self) -> &Spans {
        &self.spans
    }
}

/// Days from `begin` to `end`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateRange {
    /// The first day.
    pub begin: Date,
    /// The last day.
    pub end: Date,
}

impl DateRange {
    /// The days from `begin` to `end`, both included.
    #[must_use]
    pub fn new(begin: Date, end: Date) -> Self {
        Self { begin, end }
    }

    /// One day.
    #[must_use]
    pub fn day(day: Date) -> Self {
        Self::new(day, day)
    }

    /// How many days it covers (0 when `end` is before `begin`).
    #[must_use]
    pub fn days(&self) -> i64 {
        (self.end.days() - self.begin.days() + 1).max(0)
    }
}

/// The body of every analytics call.
#[derive(Debug, Serialize)]
struct Body {
    begin_date: Date,
    end_date: Date,
}

/// The answer of every analytics call: `{"list": [...]}` (and `is_delay` in the new family).
#[derive(Deserialize)]
struct Answer<T> {
    #[serde(default = "Vec::new")]
    list: Vec<T>,
}

/// One endpoint over a range of days, awaitable: the rows of every call it takes, merged in
/// order. Rows of a week or a month that two calls both return are kept once.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct Query<T> {
    client: Client,
    spans: Spans,
    endpoint: Endpoint,
    range: DateRange,
    split: bool,
    rows: PhantomData<fn() -> T>,
}

impl<T> Query<T> {
    fn new(stats: &Stats, name: &'static str, range: DateRange) -> Self {
        let endpoint = Endpoint::from_name(name).unwrap_or(Endpoint {
            name,
            max_days: 1,
            earliest: wxoa_types::datacube::EARLIEST,
            period: Period::Day,
            family: Family::Users,
        });
        Self {
            client: stats.client.clone(),
            spans: stats.spans.clone(),
            endpoint,
            range,
            split: true,
            rows: PhantomData,
        }
    }

    /// Sends the whole range in one call, as given, and lets the platform judge its span.
    pub fn single_call(mut self) -> Self {
        self.split = false;
        self
    }

    /// The endpoint it calls.
    #[must_use]
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The ranges of the calls it makes, in order; why it cannot be sent otherwise.
    pub fn calls(&self) -> Result<Vec<DateRange>> {
        let DateRange { begin, end } = self.range;
        if end < begin {
            return Err(invalid("end_date", Rule::EndBeforeBegin { begin, end }));
        }
        if begin < self.endpoint.earliest {
            let earliest = self.endpoint.earliest;
            return Err(invalid(
                "begin_date",
                Rule::BeforeEarliest {
                    earliest,
                    got: begin,
                },
            ));
        }
        if !self.split {
            return Ok(vec![self.range]);
        }
        Ok(self
            .spans
            .chunks(&self.endpoint, begin, end)
            .into_iter()
            .map(|(b, e)| DateRange::new(b, e))
            .collect())
    }
}

impl<T: DeserializeOwned + PartialEq + Send + 'static> IntoFuture for Query<T> {
    type Output = Result<Vec<T>>;
    type IntoFuture = BoxFuture<'static, Result<Vec<T>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let path = self.endpoint.path();
            let periodic = matches!(self.endpoint.period, Period::Week | Period::Month);
            let mut rows: Vec<T> = Vec::new();
            for range in self.calls()? {
                let body = Body {
                    begin_date: range.begin,
                    end_date: range.end,
                };
                let request = ApiRequest::post(path.as_str())
                    .idempotent(true)
                    .json(&body)?;
                let answer: Answer<T> = self.client.execute(request).await?;
                for row in answer.list {
                    if !(periodic && rows.contains(&row)) {
                        rows.push(row);
                    }
                }
            }
            Ok(rows)
        })
    }
}

macro_rules! endpoints {
    ($( $(#[$meta:meta])* $method:ident => $name:literal, $row:ty; )+) => {
        impl Stats {
            $(
                $(#[$meta])*
                pub fn $method(&self, range: DateRange) -> Query<$row> {
                    Query::new(self, $name, range)
                }
            )+
        }

        /// The endpoint names the methods of [`Stats`] call, in their order.
        pub const METHOD_ENDPOINTS: &[&str] = &[$($name),+];
    };
}

endpoints! {
    /// `getusersummary` (7 days a call): follows by source and unfollows, per day.
    user_summary => "getusersummary", UserSummary;
    /// `getusercumulate` (7 days a call): followers at the end of each day.
    user_cumulate => "getusercumulate", UserCumulate;
    /// `getarticlesummary` (1 day a call): each article's figures of the day.
    article_summary => "getarticlesummary", ArticleSummary;
    /// `getarticletotal` (1 day a call): articles sent that day, with cumulative figures.
    article_total => "getarticletotal", ArticleTotal;
    /// `getuserread` (3 days a call): reads by entry (`user_source`, 99999999 = all).
    user_read => "getuserread", UserRead;
    /// `getuserreadhour` (1 day a call): reads by hour and entry.
    user_read_hour => "getuserreadhour", UserRead;
    /// `getusershare` (7 days a call): shares by destination.
    user_share => "getusershare", UserShare;
    /// `getusersharehour` (1 day a call): shares by hour and destination.
    user_share_hour => "getusersharehour", UserShare;
    /// `getupstreammsg` (7 days a call): messages followers sent, by type.
    upstream_msg => "getupstreammsg", UpstreamMsg;
    /// `getupstreammsghour` (1 day a call): by hour and type.
    upstream_msg_hour => "getupstreammsghour", UpstreamMsg;
    /// `getupstreammsgweek` (30 days a call): by week (its Monday) and type.
    upstream_msg_week => "getupstreammsgweek", UpstreamMsg;
    /// `getupstreammsgmonth` (30 days a call): by month (its first day) and type.
    upstream_msg_month => "getupstreammsgmonth", UpstreamMsg;
    /// `getupstreammsgdist` (15 days a call): senders by how many messages they sent.
    upstream_msg_dist => "getupstreammsgdist", UpstreamMsgDist;
    /// `getupstreammsgdistweek` (30 days a call): the same by week.
    upstream_msg_dist_week => "getupstreammsgdistweek", UpstreamMsgDist;
    /// `getupstreammsgdistmonth` (30 days a call): the same by month.
    upstream_msg_dist_month => "getupstreammsgdistmonth", UpstreamMsgDist;
    /// `getinterfacesummary` (30 days a call): pushes to the server, failures, time taken.
    interface_summary => "getinterfacesummary", InterfaceSummary;
    /// `getinterfacesummaryhour` (1 day a call): the same by hour.
    interface_summary_hour => "getinterfacesummaryhour", InterfaceSummary;
    /// `getbizsummary` (30 days a call, from 2025-11-01): the account's daily reading figures.
    biz_summary => "getbizsummary", BizSummary;
    /// `getarticleread` (1 day a call, from 2025-11-01): each article's readers of the day.
    article_read => "getarticleread", ArticleRead;
    /// `getarticleshare` (1 day a call, from 2025-11-01): each article's sharers of the day.
    article_share => "getarticleshare", ArticleShare;
    /// `getarticletotaldetail` (1 day a call, from 2025-11-01): articles published that day,
    /// with cumulative figures for each of their first 30 days.
    article_total_detail => "getarticletotaldetail", ArticleTotalDetail;
}

impl Stats {
    /// Followers per day over `range`: `getusersummary` and `getusercumulate` joined by day
    /// (follows, unfollows and the total), each split into the calls it allows.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// use wxoa_client::api::stats::{Date, DateRange};
    /// let end: Date = "2026-03-31".parse().unwrap();
    /// let days = client.stats().users(DateRange::new(end.add_days(-89), end)).await?;
    /// assert!(days.len() <= 90);
    /// # Ok(())
    /// # }
    /// ```
    pub fn users(&self, range: DateRange) -> Users {
        Users::new(self.user_summary(range), self.user_cumulate(range))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_has_a_method() {
        let names: Vec<&str> = ENDPOINTS.iter().map(|e| e.name).collect();
        assert_eq!(names, METHOD_ENDPOINTS);
    }
}
