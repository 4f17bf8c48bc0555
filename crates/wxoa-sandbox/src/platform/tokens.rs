//! Tokens and quotas: the access tokens issued (classic and stable), the stable token's forced
//! refreshes, JS-SDK and card tickets, the daily API quotas, and how the platform makes
//! tokens and other random identifiers.

use std::collections::{BTreeMap, HashMap};

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::clock::china_day;

/// Lifetime of an access token, seconds.
pub(crate) const LIFETIME: i64 = 7200;

/// Which endpoint issued a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TokenKind {
    /// `/cgi-bin/token`.
    Classic,
    /// `/cgi-bin/stable_token`.
    Stable,
}

/// An access token the sandbox issued.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TokenRecord {
    pub(crate) app_id: String,
    pub(crate) kind: TokenKind,
    pub(crate) issued_at: i64,
    pub(crate) expires_at: i64,
    /// When a newer token (or a forced refresh) ended this one early.
    pub(crate) revoked_at: Option<i64>,
}

impl TokenRecord {
    /// A token of `kind` issued now to `app_id`, valid [`LIFETIME`] seconds.
    pub(crate) fn new(app_id: &str, kind: TokenKind, now: i64) -> Self {
        Self {
            app_id: app_id.to_owned(),
            kind,
            issued_at: now,
            expires_at: now + LIFETIME,
            revoked_at: None,
        }
    }

    /// When the token stops working, whichever comes first.
    pub(crate) fn ends_at(&self) -> i64 {
        self.revoked_at
            .map_or(self.expires_at, |r| r.min(self.expires_at))
    }
}

/// What an account holds of its credentials: the daily quotas, its current classic and stable
/// tokens, and its tickets by type.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Credentials {
    pub(crate) quota: QuotaCounters,
    pub(crate) classic_token: Option<String>,
    pub(crate) stable: StableToken,
    pub(crate) tickets: BTreeMap<String, Ticket>,
}

/// Calls counted against daily quotas, per API path.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct QuotaCounters {
    /// The platform day the counts are for.
    pub(crate) day: i64,
    pub(crate) counts: HashMap<String, u64>,
    /// `clear_quota` calls: the month and how many in it.
    pub(crate) clear_month: i64,
    pub(crate) clears: u32,
}

impl QuotaCounters {
    /// Calls to `path` counted on `today` (none when the counts are of another day).
    pub(crate) fn used(&self, path: &str, today: i64) -> u64 {
        if self.day == today {
            self.counts.get(path).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// Counts one call; false when the call is over the limit (it is not counted then).
    pub(crate) fn take(&mut self, path: &str, limit: u64, now: i64) -> bool {
        let today = china_day(now);
        if today != self.day {
            self.day = today;
            self.counts.clear();
        }
        let used = self.counts.entry(path.to_owned()).or_insert(0);
        if *used >= limit {
            return false;
        }
        *used += 1;
        true
    }
}

/// The stable token of an account and its forced refreshes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct StableToken {
    pub(crate) token: Option<String>,
    pub(crate) force_day: i64,
    pub(crate) forced_today: u32,
    pub(crate) last_forced: Option<i64>,
}

/// An issued JS-SDK or card ticket.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Ticket {
    pub(crate) ticket: String,
    pub(crate) expires_at: i64,
}

/// A token shaped like the platform's: a short number, `_`, and 150 characters of
/// `[A-Za-z0-9_-]`.
pub(crate) fn new_token() -> String {
    let mut rng = rand::thread_rng();
    let mut token = format!("{}_", rng.gen_range(80..100));
    token.push_str(&random_text(150));
    token
}

/// `length` random characters of `[A-Za-z0-9_-]`.
pub(crate) fn random_text(length: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::thread_rng();
    (0..length)
        .map(|_| {
            char::from(
                CHARS
                    .get(rng.gen_range(0..CHARS.len()))
                    .copied()
                    .unwrap_or(b'A'),
            )
        })
        .collect()
}
