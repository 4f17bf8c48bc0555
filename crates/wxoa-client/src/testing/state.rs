//! What the stub keeps — its accounts, the tokens and tickets it issued, the calls and requests
//! it saw, the scripted faults and answers — and how it issues tokens: the platform's
//! `stable_token` and `cgi-bin/token`, and a central token server's (CONTRACT §5).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::server::error_body;
use super::{Fault, RawAnswer, StubRequest};

#[derive(Debug)]
pub(super) struct Stub {
    pub(super) inner: Mutex<Inner>,
}

#[derive(Debug)]
pub(super) struct Issued {
    pub(super) app_id: String,
    pub(super) expires_at: Instant,
    pub(super) revoked: bool,
}

#[derive(Debug, Default)]
pub(super) struct Inner {
    pub(super) accounts: HashMap<String, String>,
    pub(super) tokens: HashMap<String, Issued>,
    pub(super) stable: HashMap<String, String>,
    /// When each account's stable token was last refreshed by force.
    pub(super) last_forced: HashMap<String, Instant>,
    pub(super) tickets: HashMap<(String, String), (String, Instant)>,
    pub(super) token_fetches: usize,
    pub(super) forced_fetches: usize,
    pub(super) ticket_fetches: usize,
    pub(super) calls: HashMap<String, usize>,
    pub(super) faults: HashMap<String, VecDeque<(Fault, usize)>>,
    pub(super) responses: HashMap<String, Value>,
    pub(super) raw_responses: HashMap<String, RawAnswer>,
    pub(super) requests: HashMap<String, VecDeque<StubRequest>>,
    pub(super) expires_in: u64,
    pub(super) token_delay: Duration,
    pub(super) serial: u64,
}

impl Inner {
    fn issue(&mut self, prefix: &str) -> String {
        use rand::Rng;
        self.serial += 1;
        let noise: u64 = rand::thread_rng().r#gen();
        format!("{prefix}{}x{noise:016x}", self.serial)
    }

    pub(super) fn issue_token(&mut self, app_id: &str) -> String {
        let value = self.issue("STUBTOKEN");
        self.tokens.insert(
            value.clone(),
            Issued {
                app_id: app_id.to_owned(),
                expires_at: Instant::now() + Duration::from_secs(self.expires_in),
                revoked: false,
            },
        );
        value
    }

    /// The current stable token of `app_id`, issuing one when there is none.
    pub(super) fn stable_token(&mut self, app_id: &str) -> (String, u64) {
        let now = Instant::now();
        if let Some(value) = self.stable.get(app_id)
            && let Some(issued) = self.tokens.get(value)
            && !issued.revoked
            && issued.expires_at > now
        {
            return (
                value.clone(),
                issued.expires_at.duration_since(now).as_secs(),
            );
        }
        let value = self.issue_token(app_id);
        self.stable.insert(app_id.to_owned(), value.clone());
        (value, self.expires_in)
    }

    /// A forced refresh of `app_id`'s stable token: the current one ends and a new one is
    /// issued — unless the previous forced refresh was less than 30 s ago, when nothing changes.
    pub(super) fn force_stable_token(&mut self, app_id: &str) -> (String, u64) {
        let now = Instant::now();
        let too_soon = self
            .last_forced
            .get(app_id)
            .is_some_and(|at| now.duration_since(*at) < Duration::from_secs(30));
        if !too_soon {
            self.last_forced.insert(app_id.to_owned(), now);
            if let Some(current) = self.stable.remove(app_id)
                && let Some(issued) = self.tokens.get_mut(&current)
            {
                issued.revoked = true;
            }
        }
        self.stable_token(app_id)
    }

    pub(super) fn ticket(&mut self, app_id: &str, kind: &str) -> (String, u64) {
        self.ticket_fetches += 1;
        let now = Instant::now();
        let key = (app_id.to_owned(), kind.to_owned());
        if let Some((value, expires_at)) = self.tickets.get(&key)
            && *expires_at > now
        {
            return (value.clone(), expires_at.duration_since(now).as_secs());
        }
        let value = self.issue("STUBTICKET");
        let expires_at = now + Duration::from_secs(self.expires_in);
        self.tickets.insert(key, (value.clone(), expires_at));
        (value, self.expires_in)
    }

    /// Checks an `access_token`; the account it belongs to, or the error body.
    pub(super) fn check_token(&self, token: Option<&str>) -> Result<String, Value> {
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(error_body(41001));
        };
        match self.tokens.get(token) {
            Some(issued) if issued.revoked => Err(error_body(40001)),
            Some(issued) if issued.expires_at <= Instant::now() => Err(error_body(42001)),
            Some(issued) => Ok(issued.app_id.clone()),
            None => Err(error_body(40001)),
        }
    }

    pub(super) fn take_fault(&mut self, path: &str) -> Option<Fault> {
        let queue = self.faults.get_mut(path)?;
        let (fault, times) = queue.front_mut()?;
        let fault = *fault;
        *times = times.saturating_sub(1);
        if *times == 0 {
            queue.pop_front();
        }
        Some(fault)
    }
}

/// `stable_token` (`stable` holds its `force_refresh`: the same token while valid unless forced)
/// or `cgi-bin/token` (`stable` is `None`: a new one each time).
pub(super) fn platform_token(
    inner: &mut Inner,
    grant_type: Option<String>,
    app_id: Option<String>,
    secret: Option<String>,
    stable: Option<bool>,
) -> Value {
    if grant_type.as_deref() != Some("client_credential") {
        return error_body(40002);
    }
    let Some(app_id) = app_id.filter(|a| !a.is_empty()) else {
        return error_body(41002);
    };
    let Some(secret) = secret.filter(|s| !s.is_empty()) else {
        return error_body(41004);
    };
    match inner.accounts.get(&app_id) {
        None => return error_body(40013),
        Some(expected) if *expected != secret => return error_body(40125),
        Some(_) => {}
    }
    inner.token_fetches += 1;
    let (token, expires_in) = match stable {
        Some(true) => {
            inner.forced_fetches += 1;
            inner.force_stable_token(&app_id)
        }
        Some(false) => inner.stable_token(&app_id),
        None => {
            let token = inner.issue_token(&app_id);
            (token, inner.expires_in)
        }
    };
    json!({"access_token": token, "expires_in": expires_in})
}

/// CONTRACT §5 on the stub's own tokens.
pub(super) fn token_server(inner: &mut Inner, path: &str, app_id: &str, body: &[u8]) -> Value {
    let unix_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    match path {
        "/ticket/jsapi" | "/ticket/wx_card" => {
            let kind = path.trim_start_matches("/ticket/");
            let (ticket, expires_in) = inner.ticket(app_id, kind);
            json!({"ticket": ticket, "expires_at": unix_now + expires_in})
        }
        _ => {
            if path == "/token/invalidate" {
                let reported = serde_json::from_slice::<Value>(body).ok().and_then(|v| {
                    v.get("access_token")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                });
                if reported.is_some() && inner.stable.get(app_id) == reported.as_ref() {
                    if let Some(issued) = reported.and_then(|r| inner.tokens.get_mut(&r)) {
                        issued.revoked = true;
                    }
                    inner.stable.remove(app_id);
                }
            }
            inner.token_fetches += 1;
            let (token, expires_in) = inner.stable_token(app_id);
            json!({"access_token": token, "expires_at": unix_now + expires_in})
        }
    }
}
