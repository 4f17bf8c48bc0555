//! Customer service: the sessions between followers and agents, the followers waiting for an
//! agent, and the message record (`msgrecord/getmsglist`), with the rules that change them —
//! opening and closing sessions, transfers by the account's server, and what the record keeps.
//! The agents are here too, by `kf_account`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// Most records kept; older ones are forgotten.
const MAX_RECORDS: usize = 100_000;

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

impl KfState {
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

    /// The followers waiting for an agent and when they last wrote, longest waiting first.
    pub(crate) fn waiting_first(&self) -> Vec<(&String, &i64)> {
        let mut list: Vec<(&String, &i64)> = self.waiting.iter().collect();
        list.sort_by_key(|(_, at)| **at);
        list
    }

    /// Up to `count` records from id `from` on, made between `start` and `end` (inclusive).
    pub(crate) fn records_page(
        &self,
        from: u64,
        start: i64,
        end: i64,
        count: usize,
    ) -> Vec<&KfRecord> {
        self.records
            .iter()
            .filter(|r| r.id >= from && (start..=end).contains(&r.time))
            .take(count)
            .collect()
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

/// The text a record shows for a message: its text, or its kind in brackets.
pub(crate) fn record_text(msg_type: &str, content: Option<&str>) -> String {
    match content {
        Some(text) if msg_type == "text" => text.to_owned(),
        _ => format!("[{msg_type}]"),
    }
}
