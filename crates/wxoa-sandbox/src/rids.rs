//! Request ids: every error answer's `rid` (the id after `rid:` in its `errmsg`), kept with the
//! call it answered so that `openapi/rid/get` (api-reference-2 §8) can tell what happened —
//! and the rules of that lookup: an id of the caller's own account, at most 7 days old.
//!
//! The log is bounded by bytes like the calls log: a sandbox under any load keeps a fixed
//! amount, the oldest ids forgotten first (they then answer 76001, as unknown ones do).

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::log::{Bounded, Weigh};

/// How long the platform answers about a request id, seconds (7 days).
pub(crate) const RID_LIFETIME: i64 = 7 * 86_400;
/// Bytes the log keeps.
const RID_LOG_BYTES: usize = 8 * 1024 * 1024;

/// One answered call, as `rid/get` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RidEntry {
    pub(crate) rid: String,
    /// The account whose access token the call carried; `None` without a valid one.
    pub(crate) app_id: Option<String>,
    /// Unix seconds (virtual clock).
    pub(crate) invoke_time: i64,
    pub(crate) cost_in_ms: u64,
    /// The query string, secrets masked.
    pub(crate) request_url: String,
    /// The body as the calls log keeps it (secrets masked, capped), as text.
    pub(crate) request_body: String,
    pub(crate) response_body: String,
    pub(crate) client_ip: String,
}

impl Weigh for RidEntry {
    fn weight(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.rid.len()
            + self.app_id.as_ref().map_or(0, String::len)
            + self.request_url.len()
            + self.request_body.len()
            + self.response_body.len()
            + self.client_ip.len()
    }
}

impl RidEntry {
    /// The `request` object of `rid/get`.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "invoke_time": self.invoke_time,
            "cost_in_ms": self.cost_in_ms,
            "request_url": self.request_url,
            "request_body": self.request_body,
            "response_body": self.response_body,
            "client_ip": self.client_ip,
        })
    }
}

/// The request ids answered, oldest first.
#[derive(Debug)]
pub(crate) struct RidLog {
    entries: Bounded<RidEntry>,
}

impl Default for RidLog {
    fn default() -> Self {
        Self {
            entries: Bounded::new(RID_LOG_BYTES),
        }
    }
}

impl RidLog {
    /// Keeps an answered call.
    pub(crate) fn record(&mut self, entry: RidEntry) {
        self.entries.push(entry);
    }

    /// `rid/get` by the account `app_id` at `now`: 76002 for an id that is empty or not three
    /// groups of 8 hex digits, 76001 for one never answered (or forgotten), 76003 for one of
    /// another account's calls (or of a call without a valid token), 76004 for one older than
    /// 7 days.
    pub(crate) fn lookup(
        &self,
        rid: Option<&str>,
        app_id: &str,
        now: i64,
    ) -> Result<&RidEntry, ApiError> {
        let rid = rid.unwrap_or_default();
        if !is_rid(rid) {
            return Err(ApiError::msg(76002, "rid is invalid"));
        }
        let entry = self
            .entries
            .select(|e| e.rid == rid, Some(1))
            .pop()
            .ok_or_else(|| ApiError::msg(76001, "rid not found"))?;
        if entry.app_id.as_deref() != Some(app_id) {
            return Err(ApiError::msg(76003, "rid does not belong to this account"));
        }
        if now.saturating_sub(entry.invoke_time) >= RID_LIFETIME {
            return Err(ApiError::msg(76004, "rid is expired"));
        }
        Ok(entry)
    }
}

/// Whether `text` has the shape of a request id: three groups of 8 hex digits joined by `-`.
fn is_rid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 3
        && groups
            .iter()
            .all(|g| g.len() == 8 && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn entry(rid: &str, app_id: Option<&str>, at: i64) -> RidEntry {
        RidEntry {
            rid: rid.to_owned(),
            app_id: app_id.map(str::to_owned),
            invoke_time: at,
            cost_in_ms: 1,
            request_url: "access_token=***".to_owned(),
            request_body: String::new(),
            response_body: "{}".to_owned(),
            client_ip: "127.0.0.1".to_owned(),
        }
    }

    #[test]
    fn each_refusal_has_its_code() {
        let mut log = RidLog::default();
        let rid = "0123abcd-89abcdef-00000001";
        log.record(entry(rid, Some("wxa"), 1000));
        log.record(entry("0123abcd-89abcdef-00000002", None, 1000));
        let code = |rid: Option<&str>, app: &str, now: i64| {
            log.lookup(rid, app, now)
                .map(|e| e.rid.clone())
                .map_err(|e| e.code)
        };
        assert_eq!(code(Some(rid), "wxa", 1000), Ok(rid.to_owned()));
        assert_eq!(code(None, "wxa", 1000), Err(76002));
        assert_eq!(code(Some("0123abcd-89abcdef"), "wxa", 1000), Err(76002));
        assert_eq!(
            code(Some("0123abcd-89abcdef-0000000g"), "wxa", 1000),
            Err(76002)
        );
        assert_eq!(
            code(Some("0123abcd-89abcdef-00000003"), "wxa", 1000),
            Err(76001)
        );
        assert_eq!(code(Some(rid), "wxb", 1000), Err(76003));
        assert_eq!(
            code(Some("0123abcd-89abcdef-00000002"), "wxa", 1000),
            Err(76003)
        );
        assert_eq!(
            code(Some(rid), "wxa", 1000 + RID_LIFETIME - 1),
            Ok(rid.to_owned())
        );
        assert_eq!(code(Some(rid), "wxa", 1000 + RID_LIFETIME), Err(76004));
    }
}
