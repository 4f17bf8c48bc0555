//! Customer service: the sessions between followers and agents, the followers waiting for an
//! agent, and the message record (`msgrecord/getmsglist`), with the rules that change them —
//! opening and closing sessions, transfers by the account's server, and what the record keeps
//! — and the rules of reading them (`kfsession/*`, `msgrecord/*`). The agents are here too, by
//! `kf_account`, with the rules of `kfaccount/*` (see `routes/kf.rs` and `routes/kfsession.rs`
//! for the tables of codes).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;
use crate::log::PushRecord;
use crate::platform::lenient_i64;
use crate::state::Account;

/// Most agents of an account.
const MAX_AGENTS: usize = 10;
/// Longest prefix of a `kf_account`.
const MAX_PREFIX: usize = 10;
/// How long an invitation waits, seconds (7 days).
const INVITE_LIFETIME: i64 = 7 * 86_400;

/// Most records kept; older ones are forgotten.
const MAX_RECORDS: usize = 100_000;
/// Most records one `getmsglist` answers.
const MAX_PAGE: i64 = 10_000;
/// Longest span one `getmsglist` covers, seconds.
const MAX_SPAN: i64 = 86_400;
/// Most waiting followers `getwaitcase` lists.
const MAX_WAITING: usize = 100;

/// Record codes (`opercode`).
const WAITING: u32 = 1000;
const TAKEN: u32 = 1001;
const OPENED: u32 = 1002;
const CLOSED: u32 = 1004;
const ACCOUNT_RECEIVED: u32 = 2001;
const AGENT_SENT: u32 = 2002;
const AGENT_RECEIVED: u32 = 2003;

/// A customer-service agent account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Agent {
    pub(crate) id: u32,
    pub(crate) nickname: String,
    pub(crate) headimgurl: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) invite_wx: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) invite_expire_time: Option<i64>,
    /// Not bound to a WeChat id (set through the control API): sessions 65402.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) unbound: bool,
    /// Not online (set through the control API): sessions 65415, not listed online.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) offline: bool,
}

/// Customer-service sessions, the queue of followers waiting for an agent, and the message
/// record (`msgrecord/getmsglist`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct KfState {
    /// The agents, by `kf_account`.
    #[serde(default)]
    pub(crate) agents: BTreeMap<String, Agent>,
    /// The open session of each follower in one.
    pub(crate) sessions: BTreeMap<String, KfSession>,
    /// Followers waiting for an agent, and when they last wrote.
    pub(crate) waiting: BTreeMap<String, i64>,
    pub(crate) records: Vec<KfRecord>,
    /// The id of the last record.
    pub(crate) last_record: u64,
}

/// A follower's session with an agent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct KfSession {
    pub(crate) kf_account: String,
    pub(crate) created_at: i64,
}

/// One line of the customer-service message record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct KfRecord {
    pub(crate) id: u64,
    pub(crate) openid: String,
    /// 1000 a session waits, 1001 an agent takes it, 1002 an agent opens one, 1004 closed,
    /// 2001 the account received a message, 2002 an agent sent one, 2003 an agent received one.
    pub(crate) opercode: u32,
    pub(crate) text: String,
    pub(crate) time: i64,
    pub(crate) worker: String,
}

/// Checks the shape of a `kf_account`: present (61451), `prefix@account` (61452), a prefix of
/// at most 10 characters (61454), letters and digits only (61455).
pub(crate) fn valid_agent_name(kf_account: Option<&str>) -> Result<String, ApiError> {
    let name = kf_account
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::msg(61451, "invalid parameter"))?;
    let Some((prefix, wx)) = name.split_once('@') else {
        return Err(ApiError::msg(61452, "invalid kf_account"));
    };
    if prefix.is_empty() || wx.is_empty() {
        return Err(ApiError::msg(61452, "invalid kf_account"));
    }
    if prefix.chars().count() > MAX_PREFIX {
        return Err(ApiError::msg(61454, "kf_account prefix too long"));
    }
    if !prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::msg(
            61455,
            "kf_account contains illegal characters",
        ));
    }
    Ok(name.to_owned())
}

/// A nickname: present (61451).
fn valid_nickname(nickname: Option<&str>) -> Result<String, ApiError> {
    nickname
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| ApiError::msg(61451, "invalid parameter"))
}

impl KfState {
    /// An existing agent (61452 otherwise).
    fn agent_mut(&mut self, name: &str) -> Result<&mut Agent, ApiError> {
        self.agents
            .get_mut(name)
            .ok_or_else(|| ApiError::msg(61452, "invalid kf_account"))
    }

    /// `kfaccount/add`: a valid name and nickname, a name not taken (61453), at most 10
    /// agents (61456).
    pub(crate) fn add_agent(
        &mut self,
        kf_account: Option<&str>,
        nickname: Option<&str>,
    ) -> Result<(), ApiError> {
        let name = valid_agent_name(kf_account)?;
        let nickname = valid_nickname(nickname)?;
        if self.agents.contains_key(&name) {
            return Err(ApiError::msg(61453, "kf_account exsited"));
        }
        if self.agents.len() >= MAX_AGENTS {
            return Err(ApiError::msg(61456, "kf_account count exceeded"));
        }
        let id = self.agents.values().map(|a| a.id).max().unwrap_or(1000) + 1;
        let agent = Agent {
            id,
            nickname,
            headimgurl: String::new(),
            invite_wx: None,
            invite_expire_time: None,
            unbound: false,
            offline: false,
        };
        self.agents.insert(name, agent);
        Ok(())
    }

    /// `kfaccount/update`: an existing agent gets a new nickname.
    pub(crate) fn rename_agent(
        &mut self,
        kf_account: Option<&str>,
        nickname: Option<&str>,
    ) -> Result<(), ApiError> {
        let name = valid_agent_name(kf_account)?;
        let nickname = valid_nickname(nickname)?;
        self.agent_mut(&name)?.nickname = nickname;
        Ok(())
    }

    /// `kfaccount/del`: an existing agent goes (61452).
    pub(crate) fn remove_agent(&mut self, name: &str) -> Result<(), ApiError> {
        self.agents
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| ApiError::msg(61452, "invalid kf_account"))
    }

    /// `kfaccount/inviteworker`: an existing agent is offered to a WeChat id (65409 when
    /// none), for 7 days.
    pub(crate) fn invite_agent(
        &mut self,
        kf_account: Option<&str>,
        invite_wx: Option<&str>,
        now: i64,
    ) -> Result<(), ApiError> {
        let name = valid_agent_name(kf_account)?;
        let wx = invite_wx
            .filter(|w| !w.is_empty())
            .ok_or_else(|| ApiError::msg(65409, "invalid wechat id"))?;
        let agent = self.agent_mut(&name)?;
        agent.invite_wx = Some(wx.to_owned());
        agent.invite_expire_time = Some(now + INVITE_LIFETIME);
        Ok(())
    }

    /// `kfaccount/uploadheadimg`: a non-empty jpg or png (61457) becomes an existing agent's
    /// avatar.
    pub(crate) fn set_agent_avatar(
        &mut self,
        name: &str,
        filename: &str,
        bytes: &[u8],
    ) -> Result<(), ApiError> {
        let image = filename.rsplit_once('.').is_some_and(|(_, e)| {
            matches!(e.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png")
        });
        if bytes.is_empty() || !image {
            return Err(ApiError::msg(61457, "invalid file type"));
        }
        let agent = self.agent_mut(name)?;
        agent.headimgurl = format!("http://mmbiz.qpic.cn/mmbiz_jpg/kf{}/300", agent.id);
        Ok(())
    }

    /// Whether an agent's invitation still waits at `now`.
    pub(crate) fn invite_status(expire: i64, now: i64) -> &'static str {
        if expire > now { "waiting" } else { "expired" }
    }
    fn record(&mut self, openid: &str, opercode: u32, text: &str, worker: &str, at: i64) {
        self.last_record += 1;
        if self.records.len() >= MAX_RECORDS {
            self.records.remove(0);
        }
        self.records.push(KfRecord {
            id: self.last_record,
            openid: openid.to_owned(),
            opercode,
            text: text.to_owned(),
            time: at,
            worker: worker.to_owned(),
        });
    }

    fn open_session(&mut self, openid: &str, agent: &str, code: u32, now: i64) {
        self.sessions.insert(
            openid.to_owned(),
            KfSession {
                kf_account: agent.to_owned(),
                created_at: now,
            },
        );
        self.record(openid, code, "", agent, now);
    }

    /// An agent opens a session with a follower (`kfsession/create`): taken from the waiting
    /// followers if they wait; nothing changes when the agent already serves them; 65414 when
    /// another agent does.
    pub(crate) fn open(&mut self, openid: &str, agent: &str, now: i64) -> Result<(), ApiError> {
        match self.sessions.get(openid) {
            Some(session) if session.kf_account == agent => return Ok(()),
            Some(_) => return Err(ApiError::msg(65414, "user is being served by another kf")),
            None => {}
        }
        let code = if self.waiting.remove(openid).is_some() {
            TAKEN
        } else {
            OPENED
        };
        self.open_session(openid, agent, code, now);
        Ok(())
    }

    /// An agent closes their session with a follower (`kfsession/close`); 65413 when that
    /// session is not open.
    pub(crate) fn close(&mut self, openid: &str, agent: &str, now: i64) -> Result<(), ApiError> {
        let open = self
            .sessions
            .get(openid)
            .is_some_and(|s| s.kf_account == agent);
        if !open {
            return Err(ApiError::msg(65413, "no session for this user"));
        }
        self.sessions.remove(openid);
        self.record(openid, CLOSED, "", agent, now);
        Ok(())
    }

    /// The agent of a follower's session and when it opened; `("", 0)` without one.
    pub(crate) fn session_of(&self, openid: &str) -> (&str, i64) {
        self.sessions
            .get(openid)
            .map_or(("", 0), |s| (s.kf_account.as_str(), s.created_at))
    }

    /// `getwaitcase`: how many followers wait for an agent, and the 100 who waited longest
    /// with when they last wrote, longest waiting first.
    pub(crate) fn waiting_first(&self) -> (usize, Vec<(&String, &i64)>) {
        let mut list: Vec<(&String, &i64)> = self.waiting.iter().collect();
        list.sort_by_key(|(_, at)| **at);
        let count = list.len();
        list.truncate(MAX_WAITING);
        (count, list)
    }

    /// `getsessionlist`: the followers in a session with an existing agent (65401), and when
    /// each session opened.
    pub(crate) fn sessions_of_agent(
        &self,
        kf_account: Option<&str>,
    ) -> Result<Vec<(&String, i64)>, ApiError> {
        let agent = self.agent_named(kf_account)?;
        Ok(self
            .sessions
            .iter()
            .filter(|(_, s)| s.kf_account == agent)
            .map(|(openid, s)| (openid, s.created_at))
            .collect())
    }

    /// `msgrecord/getmsglist`: up to `number` (1 to 10,000) records from id `msgid` (≥ 1) on,
    /// made between `starttime` and `endtime` (inclusive; 65416 unless before it), at most a
    /// day apart (65417). The records and the `msgid` to ask next.
    pub(crate) fn records_page(
        &self,
        starttime: Option<&Value>,
        endtime: Option<&Value>,
        msgid: Option<&Value>,
        number: Option<&Value>,
    ) -> Result<(Vec<&KfRecord>, u64), ApiError> {
        let invalid = || ApiError::msg(65416, "invalid parameter");
        let (Some(start), Some(end)) = (
            starttime.and_then(lenient_i64),
            endtime.and_then(lenient_i64),
        ) else {
            return Err(invalid());
        };
        let from = msgid.and_then(lenient_i64).unwrap_or(1);
        let count = number.and_then(lenient_i64).unwrap_or(MAX_PAGE);
        if start >= end || from < 1 || !(1..=MAX_PAGE).contains(&count) {
            return Err(invalid());
        }
        if end.saturating_sub(start) > MAX_SPAN {
            return Err(ApiError::msg(65417, "time range exceeds one day"));
        }
        let from = u64::try_from(from).unwrap_or(1);
        let page: Vec<&KfRecord> = self
            .records
            .iter()
            .filter(|r| r.id >= from && (start..=end).contains(&r.time))
            .take(usize::try_from(count).unwrap_or(0))
            .collect();
        let next = page.last().map_or(from, |r| r.id + 1);
        Ok((page, next))
    }

    /// Agent `name` bound to a WeChat id or not, online or not (the sandbox has no agent
    /// clients: agents start bound and online, and the control API changes it). False when
    /// there is no such agent.
    pub(crate) fn set_agent_state(
        &mut self,
        name: &str,
        bound: Option<bool>,
        online: Option<bool>,
    ) -> bool {
        let Some(agent) = self.agents.get_mut(name) else {
            return false;
        };
        if let Some(bound) = bound {
            agent.unbound = !bound;
        }
        if let Some(online) = online {
            agent.offline = !online;
        }
        true
    }

    /// An agent that can take a session: bound to a WeChat id (65402) and online (65415).
    fn ready_agent(&self, name: &str) -> Result<(), ApiError> {
        match self.agents.get(name) {
            Some(agent) if agent.unbound => Err(ApiError::msg(
                65402,
                "the kf_account is not bound to a wechat id",
            )),
            Some(agent) if agent.offline => Err(ApiError::msg(65415, "kf is not online")),
            _ => Ok(()),
        }
    }

    /// The agent named, which must exist (65401).
    pub(crate) fn agent_named(&self, kf_account: Option<&str>) -> Result<String, ApiError> {
        kf_account
            .filter(|name| self.agents.contains_key(*name))
            .map(str::to_owned)
            .ok_or_else(|| ApiError::msg(65401, "invalid kf_account"))
    }

    /// The account's server transferred a follower's message to customer service: the
    /// follower waits for an agent, or goes straight to the agent the reply named (if it
    /// exists), or stays with the agent of their open session.
    pub(crate) fn transfer(&mut self, openid: &str, agent: Option<&str>, text: &str, now: i64) {
        if self.sessions.contains_key(openid) {
            // Already with an agent, who received the message (`follower_wrote`).
            return;
        }
        match agent.filter(|a| self.agents.contains_key(*a)) {
            Some(agent) => {
                let agent = agent.to_owned();
                self.open_session(openid, &agent, TAKEN, now);
                self.record(openid, AGENT_RECEIVED, text, &agent, now);
            }
            None => {
                if self.waiting.insert(openid.to_owned(), now).is_none() {
                    self.record(openid, WAITING, "", "", now);
                }
                self.record(openid, ACCOUNT_RECEIVED, text, "", now);
            }
        }
    }

    /// A follower in a session wrote: the agent received it.
    pub(crate) fn follower_wrote(&mut self, openid: &str, text: &str, now: i64) {
        if let Some(session) = self.sessions.get(openid) {
            let agent = session.kf_account.clone();
            self.record(openid, AGENT_RECEIVED, text, &agent, now);
        }
    }

    /// A customer-service message went out: in the record when an agent sent it (named in
    /// `customservice.kf_account`, or the agent of the follower's session).
    pub(crate) fn agent_sent(&mut self, openid: &str, named: Option<&str>, text: &str, now: i64) {
        let agent = named
            .map(str::to_owned)
            .or_else(|| self.sessions.get(openid).map(|s| s.kf_account.clone()));
        if let Some(agent) = agent {
            self.record(openid, AGENT_SENT, text, &agent, now);
        }
    }
}

/// What a session call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionChange {
    Open,
    Close,
}

impl Account {
    /// The follower a session call names: present (41009) and reachable.
    fn kf_follower(&self, openid: Option<&str>) -> Result<String, ApiError> {
        let openid = openid
            .filter(|o| !o.is_empty())
            .ok_or_else(|| ApiError::msg(41009, "missing openid"))?;
        self.reachable(openid)?;
        Ok(openid.to_owned())
    }

    /// `kfsession/create` and `close`: an agent of the account (65401), bound and online to
    /// open one (65402, 65415), opens a session with a reachable follower, or closes theirs (see [`KfState::open`] and [`KfState::close`]).
    pub(crate) fn change_kf_session(
        &mut self,
        change: SessionChange,
        kf_account: Option<&str>,
        openid: Option<&str>,
        now: i64,
    ) -> Result<(), ApiError> {
        let agent = self.kf.agent_named(kf_account)?;
        match change {
            SessionChange::Open => {
                self.kf.ready_agent(&agent)?;
                let openid = self.kf_follower(openid)?;
                self.kf.open(&openid, &agent, now)
            }
            SessionChange::Close => self.kf.close(openid.unwrap_or_default(), &agent, now),
        }
    }

    /// What the account's server's answer to a follower's push does: a reply that transfers
    /// to customer service (`transfer_customer_service`, maybe naming an agent in
    /// `TransInfo.KfAccount`) hands the follower's message to an agent or puts the follower in
    /// the queue (see [`KfState::transfer`]).
    pub(crate) fn server_answered(&mut self, push: &PushRecord, now: i64) {
        let Some(reply) = &push.reply else {
            return;
        };
        if reply.get("MsgType").and_then(Value::as_str) != Some("transfer_customer_service") {
            return;
        }
        let agent = reply
            .get("TransInfo")
            .and_then(|t| t.get("KfAccount"))
            .and_then(Value::as_str);
        let message = push.message();
        let text = |name: &str| {
            message
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let record = record_text(text("MsgType"), Some(text("Content")));
        self.kf.transfer(&push.from, agent, &record, now);
    }

    /// `kfsession/getsession`: the agent of a reachable follower's session and when it opened;
    /// `("", 0)` without one.
    pub(crate) fn kf_session_of(&self, openid: Option<&str>) -> Result<(&str, i64), ApiError> {
        let openid = self.kf_follower(openid)?;
        Ok(self.kf.session_of(&openid))
    }
}

/// The text a record shows for a message: its text, or its kind in brackets.
pub(crate) fn record_text(msg_type: &str, content: Option<&str>) -> String {
    match content {
        Some(text) if msg_type == "text" => text.to_owned(),
        _ => format!("[{msg_type}]"),
    }
}
