//! Customer-service sessions and the message record (api-reference-2 §5): an agent opens or
//! closes a session with a follower; the session of a follower, the sessions of an agent, the
//! followers waiting for one; and the record of what agents and followers said
//! (`msgrecord/getmsglist`), one page at a time or as a stream over any span of time.
//!
//! Opening and closing a session change the platform's state: they are never replayed once
//! they may have reached it (65414 or 65413 would answer a replay anyway). The reads are
//! retried where safe.

use futures::{Stream, stream};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use wxoa_types::date::Date;
use wxoa_types::ids::OpenId;

use super::CustomService;
use super::accounts::valid_kf_account;
use crate::api::support::{awaitable, invalid, lenient, opt_lenient, parameterless_get, require};
use crate::{ApiRequest, Client, Result, Rule, Unit};

/// Most records one `getmsglist` call answers.
pub const RECORDS_PAGE_MAX: u32 = 10_000;
/// The longest span one `getmsglist` call covers, seconds (65417 beyond it).
pub const RECORDS_SPAN_MAX: i64 = 86_400;

/// The session of a follower (`kfsession/getsession`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FollowerSession {
    /// The agent serving the follower; empty when nobody does.
    #[serde(default)]
    pub kf_account: String,
    /// When the session opened, Unix seconds (absent or 0 when there is none).
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub createtime: Option<i64>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl FollowerSession {
    /// The agent serving the follower, if one does.
    #[must_use]
    pub fn agent(&self) -> Option<&str> {
        Some(self.kf_account.as_str()).filter(|a| !a.is_empty())
    }
}

/// One session of an agent (`kfsession/getsessionlist`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AgentSession {
    /// The follower served.
    #[serde(default)]
    pub openid: OpenId,
    /// When the session opened, Unix seconds.
    #[serde(default, deserialize_with = "opt_lenient")]
    pub createtime: Option<i64>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The followers waiting for an agent (`kfsession/getwaitcase`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WaitingFollowers {
    /// How many followers wait (the list holds at most 100 of them).
    #[serde(default, deserialize_with = "lenient")]
    pub count: u64,
    /// The first of them, in the order they arrived.
    #[serde(default)]
    pub waitcaselist: Vec<WaitingFollower>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A follower waiting for an agent. The spec's sources disagree on the fields beside
/// `openid` (`latest_time` on the current page; `kf_account` and `createtime` in older
/// answers): all are read when present.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WaitingFollower {
    /// The follower.
    #[serde(default)]
    pub openid: OpenId,
    /// When the follower last wrote, Unix seconds.
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub latest_time: Option<i64>,
    /// When the follower started waiting, Unix seconds (older answers).
    #[serde(
        default,
        deserialize_with = "opt_lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub createtime: Option<i64>,
    /// The agent asked for (older answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kf_account: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of the message record.
///
/// `opercode` says what happened: 2002 an agent sent a message, 2003 an agent received one
/// (older records also use 1000 waiting, 1001 accepted, 1002 opened, 1003 transferred, 1004
/// closed, 1005 taken, 2001 received by the account).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MsgRecord {
    /// The follower.
    #[serde(default)]
    pub openid: OpenId,
    /// What happened (see above).
    #[serde(default, deserialize_with = "lenient")]
    pub opercode: i64,
    /// What was said.
    #[serde(default)]
    pub text: String,
    /// When, Unix seconds.
    #[serde(default, deserialize_with = "lenient")]
    pub time: i64,
    /// The agent, `prefix@account`.
    #[serde(default)]
    pub worker: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One page of the message record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MsgRecordPage {
    /// The records.
    #[serde(default)]
    pub recordlist: Vec<MsgRecord>,
    /// How many records this page holds.
    #[serde(default, deserialize_with = "lenient")]
    pub number: u64,
    /// Where the next page starts: pass it back as [`MsgRecords::msgid`].
    #[serde(default, deserialize_with = "lenient")]
    pub msgid: u64,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CustomService {
    /// `POST /customservice/kfsession/create`: an agent opens a session with a follower
    /// (65414 when another agent serves them; 65402/65415 when the agent is not bound or not
    /// online).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().open_session("agent1@gh_account", "oUser").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn open_session(
        &self,
        kf_account: impl Into<String>,
        openid: impl Into<OpenId>,
    ) -> SessionChange {
        self.session_change("/customservice/kfsession/create", kf_account, openid)
    }

    /// `POST /customservice/kfsession/close`: an agent closes their session with a follower
    /// (65413 when there is none).
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// client.custom().close_session("agent1@gh_account", "oUser").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn close_session(
        &self,
        kf_account: impl Into<String>,
        openid: impl Into<OpenId>,
    ) -> SessionChange {
        self.session_change("/customservice/kfsession/close", kf_account, openid)
    }

    fn session_change(
        &self,
        path: &'static str,
        kf_account: impl Into<String>,
        openid: impl Into<OpenId>,
    ) -> SessionChange {
        SessionChange {
            client: self.client.clone(),
            path,
            kf_account: kf_account.into(),
            openid: openid.into(),
        }
    }

    /// `GET /customservice/kfsession/getsession?openid=…`: who serves a follower.
    ///
    /// ```no_run
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let session = client.custom().session_of("oUser").await?;
    /// println!("{:?}", session.agent());
    /// # Ok(())
    /// # }
    /// ```
    pub fn session_of(&self, openid: impl Into<OpenId>) -> GetFollowerSession {
        GetFollowerSession {
            client: self.client.clone(),
            openid: openid.into(),
        }
    }

    /// `GET /customservice/kfsession/getsessionlist?kf_account=…`: the sessions an agent
    /// holds.
    pub fn sessions_of(&self, kf_account: impl Into<String>) -> ListAgentSessions {
        ListAgentSessions {
            client: self.client.clone(),
            kf_account: kf_account.into(),
        }
    }

    /// `GET /customservice/kfsession/getwaitcase`: the followers waiting for an agent.
    pub fn waiting(&self) -> ListWaitingFollowers {
        ListWaitingFollowers {
            client: self.client.clone(),
        }
    }

    /// `POST /customservice/msgrecord/getmsglist`: the message record between `start` and
    /// `end` (Unix seconds, both included). Awaited, it is one call: one page of at most
    /// 10,000 records from [`msgid`](MsgRecords::msgid), over at most 24 hours (65417
    /// beyond). [`all`](MsgRecords::all) gives every record of any span, cut into the calls
    /// the platform allows.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: wxoa_client::Client) -> Result<(), wxoa_client::Error> {
    /// let week: Vec<_> = client
    ///     .custom()
    ///     .records(1_796_400_000, 1_796_400_000 + 7 * 86_400)
    ///     .all()
    ///     .try_collect()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn records(&self, start: i64, end: i64) -> MsgRecords {
        MsgRecords {
            client: self.client.clone(),
            starttime: start,
            endtime: end,
            msgid: 1,
            number: RECORDS_PAGE_MAX,
            calendar_days: false,
        }
    }
}

/// `kfsession/create` or `kfsession/close`, from [`CustomService::open_session`] and
/// [`CustomService::close_session`].
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SessionChange {
    #[serde(skip)]
    client: Client,
    #[serde(skip)]
    path: &'static str,
    kf_account: String,
    openid: OpenId,
}

impl SessionChange {
    fn request(&self) -> Result<ApiRequest> {
        valid_kf_account("kf_account", &self.kf_account)?;
        require("openid", self.openid.as_str())?;
        ApiRequest::post(self.path).json(self)
    }
}

awaitable!(SessionChange => crate::api::support::Ack);

/// `kfsession/getsession`, from [`CustomService::session_of`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetFollowerSession {
    client: Client,
    openid: OpenId,
}

impl GetFollowerSession {
    fn request(&self) -> Result<ApiRequest> {
        require("openid", self.openid.as_str())?;
        Ok(ApiRequest::get("/customservice/kfsession/getsession")
            .query("openid", self.openid.as_str()))
    }
}

awaitable!(GetFollowerSession => FollowerSession);

/// `kfsession/getsessionlist`, from [`CustomService::sessions_of`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ListAgentSessions {
    client: Client,
    kf_account: String,
}

#[derive(Deserialize)]
struct SessionListAnswer {
    #[serde(default)]
    sessionlist: Vec<AgentSession>,
}

impl ListAgentSessions {
    fn request(&self) -> Result<ApiRequest> {
        valid_kf_account("kf_account", &self.kf_account)?;
        Ok(ApiRequest::get("/customservice/kfsession/getsessionlist")
            .query("kf_account", &self.kf_account))
    }
}

awaitable!(ListAgentSessions => SessionListAnswer => Vec<AgentSession>, |a: SessionListAnswer| a.sessionlist);

parameterless_get!(
    /// `kfsession/getwaitcase`, from [`CustomService::waiting`].
    ListWaitingFollowers, "/customservice/kfsession/getwaitcase" => WaitingFollowers
);

/// `msgrecord/getmsglist`, from [`CustomService::records`]: one page when awaited, every
/// record with [`all`](Self::all).
#[derive(Debug, Clone, Serialize)]
#[must_use = "a request does nothing until it is awaited or streamed"]
pub struct MsgRecords {
    #[serde(skip)]
    client: Client,
    starttime: i64,
    endtime: i64,
    msgid: u64,
    number: u32,
    #[serde(skip)]
    calendar_days: bool,
}

impl MsgRecords {
    /// Where the page starts: 1 (the default) for the first, then the `msgid` the previous
    /// page answered.
    pub fn msgid(mut self, msgid: u64) -> Self {
        self.msgid = msgid;
        self
    }

    /// How many records a call asks for, 1 to 10,000 (the default).
    pub fn number(mut self, number: u32) -> Self {
        self.number = number;
        self
    }

    /// Cuts [`all`](Self::all)'s calls at midnight in Beijing as well as every 24 hours.
    /// The spec's sources disagree on whether one call may cross a calendar day (the current
    /// page says only "24 hours"); with this set, no call does, at the price of one more call
    /// a range at most.
    pub fn calendar_days(mut self, yes: bool) -> Self {
        self.calendar_days = yes;
        self
    }

    fn validate(&self) -> Result<()> {
        if self.starttime >= self.endtime {
            return Err(invalid(
                "endtime",
                Rule::EndNotAfterStart {
                    start: self.starttime,
                    end: self.endtime,
                },
            ));
        }
        if self.msgid == 0 {
            return Err(invalid("msgid", Rule::AtLeast { min: 1, got: 0 }));
        }
        if !(1..=RECORDS_PAGE_MAX).contains(&self.number) {
            return Err(invalid(
                "number",
                Rule::OutOfRange {
                    min: 1,
                    max: i64::from(RECORDS_PAGE_MAX),
                    unit: Unit::Count,
                    got: i64::from(self.number),
                },
            ));
        }
        Ok(())
    }

    fn request(&self) -> Result<ApiRequest> {
        self.validate()?;
        let span = self.endtime - self.starttime;
        if span > RECORDS_SPAN_MAX {
            // One call covers at most 24 hours: `all()` cuts longer spans.
            return Err(invalid(
                "endtime - starttime",
                Rule::AtMost {
                    max: RECORDS_SPAN_MAX.unsigned_abs(),
                    unit: Unit::Seconds,
                    got: span.unsigned_abs(),
                },
            ));
        }
        Ok(ApiRequest::post("/customservice/msgrecord/getmsglist")
            .json(self)?
            .idempotent(true))
    }

    /// The windows `all` asks for, in order: each at most 24 hours long (its last second
    /// included), none overlapping, together covering `starttime..=endtime`.
    fn windows(&self) -> Vec<(i64, i64)> {
        let mut windows = Vec::new();
        let mut from = self.starttime;
        while from <= self.endtime {
            let mut to = from.saturating_add(RECORDS_SPAN_MAX - 1).min(self.endtime);
            if self.calendar_days {
                to = to.min(Date::of_unix(from).end_unix());
            }
            windows.push((from, to));
            match to.checked_add(1) {
                Some(next) => from = next,
                None => break,
            }
        }
        windows
    }

    /// Every record from `starttime` to `endtime`, in order: the span cut into calls of at
    /// most 24 hours, each paged with `msgid` until a page comes back short. One page is held
    /// in memory at a time; the stream ends after yielding an error.
    pub fn all(self) -> impl Stream<Item = Result<MsgRecord>> + Send + 'static {
        let checked = self.validate();
        let windows = self.windows();
        let state = Walk {
            records: self,
            windows: windows.into_iter(),
            current: None,
            page: Vec::new().into_iter(),
            failed: checked.err(),
        };
        stream::try_unfold(state, |mut walk| async move {
            if let Some(error) = walk.failed.take() {
                return Err(error);
            }
            loop {
                if let Some(record) = walk.page.next() {
                    return Ok(Some((record, walk)));
                }
                let (window, msgid) = match walk.current.take() {
                    Some(next) => next,
                    None => match walk.windows.next() {
                        Some(window) => (window, 1),
                        None => return Ok(None),
                    },
                };
                let (from, to) = window;
                // A one-second window cannot be asked for (starttime < endtime): ask for the
                // second before it too and keep only the window's own records.
                let asked_from = if from == to { from - 1 } else { from };
                let page = walk
                    .records
                    .clone()
                    .span(asked_from, to)
                    .msgid(msgid)
                    .await?;
                let full = page.number >= u64::from(walk.records.number)
                    && !page.recordlist.is_empty()
                    && page.msgid > msgid;
                if full {
                    walk.current = Some((window, page.msgid));
                }
                let kept: Vec<MsgRecord> = page
                    .recordlist
                    .into_iter()
                    .filter(|r| (from..=to).contains(&r.time))
                    .collect();
                walk.page = kept.into_iter();
            }
        })
    }

    fn span(mut self, start: i64, end: i64) -> Self {
        self.starttime = start;
        self.endtime = end;
        self
    }
}

/// Where [`MsgRecords::all`] stands.
struct Walk {
    records: MsgRecords,
    windows: std::vec::IntoIter<(i64, i64)>,
    /// The window being paged and the `msgid` of its next page.
    current: Option<((i64, i64), u64)>,
    page: std::vec::IntoIter<MsgRecord>,
    failed: Option<crate::Error>,
}

awaitable!(MsgRecords => MsgRecordPage);

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn records(start: i64, end: i64) -> MsgRecords {
        Client::builder()
            .account(crate::Account::new("wx0123456789abcdef", "secret"))
            .api_bases(["http://127.0.0.1:9"])
            .build()
            .unwrap()
            .custom()
            .records(start, end)
    }

    #[test]
    fn windows_cover_the_range_without_overlap() {
        let start = 1_796_400_000;
        for span in [1, 86_399, 86_400, 86_401, 3 * 86_400 + 17] {
            for calendar in [false, true] {
                let windows = records(start, start + span)
                    .calendar_days(calendar)
                    .windows();
                assert_eq!(windows[0].0, start);
                assert_eq!(windows.last().unwrap().1, start + span);
                for pair in windows.windows(2) {
                    assert_eq!(pair[0].1 + 1, pair[1].0, "{span} {calendar}");
                }
                for &(from, to) in &windows {
                    assert!(to - from < RECORDS_SPAN_MAX);
                    if calendar {
                        assert_eq!(Date::of_unix(from), Date::of_unix(to));
                    }
                }
            }
        }
        // Cut at Beijing midnight: a range from noon to noon is two calls.
        let noon = 1_796_400_000 + 12 * 3_600;
        assert_eq!(records(noon, noon + 86_399).windows().len(), 1);
        assert_eq!(
            records(noon, noon + 86_399).calendar_days(true).windows(),
            vec![(noon, noon + 43_199), (noon + 43_200, noon + 86_399)]
        );
    }

    #[test]
    fn requests_are_checked_before_sending() {
        let messages = |r: MsgRecords| r.request().unwrap_err().to_string();
        assert!(messages(records(10, 10)).contains("starttime"));
        assert!(messages(records(0, 86_401)).contains("endtime - starttime"));
        assert!(messages(records(0, 10).number(0)).contains("number"));
        assert!(messages(records(0, 10).number(10_001)).contains("number"));
        assert!(messages(records(0, 10).msgid(0)).contains("msgid"));
        assert!(records(0, 86_400).request().is_ok());
    }

    #[test]
    fn answers_are_read_leniently() {
        let page: MsgRecordPage = serde_json::from_str(
            r#"{"recordlist":[{"openid":"oUser","opercode":"2002","text":"hi","time":1400000000,"worker":"a@b"}],"number":1,"msgid":"20165267"}"#,
        )
        .unwrap();
        assert_eq!(page.recordlist[0].opercode, 2002);
        assert_eq!(page.msgid, 20_165_267);
        let waiting: WaitingFollowers = serde_json::from_str(
            r#"{"count":150,"waitcaselist":[{"openid":"o1","latest_time":1},{"openid":"o2","kf_account":"a@b","createtime":"2"}]}"#,
        )
        .unwrap();
        assert_eq!(waiting.waitcaselist[1].createtime, Some(2));
        let none: FollowerSession =
            serde_json::from_str(r#"{"kf_account":"","createtime":0}"#).unwrap();
        assert_eq!(none.agent(), None);
    }
}
