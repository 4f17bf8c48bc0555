//! Tokens and quotas: the access tokens issued (classic and stable) with the rules of
//! `token` and `stable_token` — the overlap of a replaced token, the stable token's forced
//! refreshes — the check of a call's token, JS-SDK and card tickets, the daily API quotas and
//! `clear_quota`, and how the platform makes tokens and other random identifiers.

use std::collections::{BTreeMap, HashMap};

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::clock::{china_day, china_month};
use crate::config::{Quotas, Settings};
use crate::error::ApiError;
use crate::state::{Account, State};

/// Lifetime of an access token, seconds (the default of [`Settings::token_lifetime`]; OAuth
/// tokens always live this long).
pub(crate) const LIFETIME: i64 = 7200;
/// How long a replaced token keeps working, seconds.
pub(crate) const OVERLAP: i64 = 300;
/// Forced stable-token refreshes must be this far apart, seconds.
const FORCE_SPACING: i64 = 30;

/// Which endpoint issued a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TokenKind {
    /// `/cgi-bin/token`.
    Classic,
    /// `/cgi-bin/stable_token`.
    Stable,
    /// A third-party platform's `api_component_token`: component paths only (61015 on an
    /// account's API).
    Component,
    /// A third-party platform's token for an authorizer (`api_query_auth`,
    /// `api_authorizer_token`): the account's APIs within the granted permission sets.
    Authorizer,
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
    /// A token of `kind` issued now to `app_id`, valid `lifetime` seconds.
    pub(crate) fn new(app_id: &str, kind: TokenKind, now: i64, lifetime: i64) -> Self {
        Self {
            app_id: app_id.to_owned(),
            kind,
            issued_at: now,
            expires_at: now + lifetime,
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
    /// `openapi/quota/clear` calls: the month and how many in it.
    #[serde(default)]
    pub(crate) path_clear_month: i64,
    #[serde(default)]
    pub(crate) path_clears: u32,
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

/// A token as `token` and `stable_token` answer it.
#[derive(Debug)]
pub(crate) struct Issued {
    pub(crate) token: String,
    /// Seconds it still works.
    pub(crate) expires_in: i64,
}

/// The checks of a token request that need no state, in the platform's order: grant_type
/// (40002), appid (41002), secret (41004). The AppID.
pub(crate) fn check_token_request<'a>(
    grant_type: Option<&str>,
    app_id: Option<&'a str>,
    secret: Option<&str>,
) -> Result<&'a str, ApiError> {
    if grant_type != Some("client_credential") {
        return Err(ApiError::msg(40002, "invalid grant_type"));
    }
    let app_id = app_id
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::msg(41002, "appid missing"))?;
    if secret.is_none_or(str::is_empty) {
        return Err(ApiError::msg(41004, "appsecret missing"));
    }
    Ok(app_id)
}

impl State {
    /// The account whose credentials these are (see [`State::account_index`]), with its call
    /// to `path` counted against the quota, and the tokens issued.
    fn caller(
        &mut self,
        app_id: &str,
        secret: &str,
        quotas: &Quotas,
        path: &str,
        now: i64,
    ) -> Result<(&mut Account, &mut HashMap<String, TokenRecord>), ApiError> {
        let index = self.account_index(app_id, secret)?;
        let State {
            accounts, tokens, ..
        } = self;
        let account = accounts
            .get_mut(index)
            .ok_or_else(|| ApiError::msg(40013, "invalid appid"))?;
        account.take_quota(quotas, path, now)?;
        Ok((account, tokens))
    }

    /// `GET /cgi-bin/token`: a new token on every call, valid 7,200 s (or the configured
    /// lifetime); the previous one keeps working for 5 more minutes.
    pub(crate) fn issue_classic(
        &mut self,
        app_id: &str,
        secret: &str,
        settings: &Settings,
        now: i64,
    ) -> Result<Issued, ApiError> {
        let (account, tokens) =
            self.caller(app_id, secret, &settings.quotas, "/cgi-bin/token", now)?;
        let lifetime = settings.token_lifetime;
        let slot = &mut account.tokens.classic_token;
        let token = replace_token(tokens, slot, app_id, TokenKind::Classic, now, lifetime);
        self.prune_tokens(now);
        Ok(Issued {
            token,
            expires_in: lifetime,
        })
    }

    /// Every token `app_id` holds (every account's with `None`) stops working now, as when
    /// another party refreshed it by force; the number of tokens ended.
    pub(crate) fn revoke_tokens(&mut self, app_id: Option<&str>, now: i64) -> usize {
        let mut ended = 0;
        for record in self.tokens.values_mut() {
            if app_id.is_none_or(|a| a == record.app_id) && record.ends_at() > now {
                record.revoked_at = Some(now);
                ended += 1;
            }
        }
        ended
    }

    /// `POST /cgi-bin/stable_token`: the same token while it is valid (a new one in its last 5
    /// minutes, the old one still working until it expires); `force_refresh` replaces it at
    /// once, at most `stable_force_per_day` times a day (45009) and not within 30 s of the
    /// previous forced refresh (the current token then).
    pub(crate) fn issue_stable(
        &mut self,
        app_id: &str,
        secret: &str,
        force_refresh: bool,
        settings: &Settings,
        now: i64,
    ) -> Result<Issued, ApiError> {
        let path = "/cgi-bin/stable_token";
        let (account, tokens) = self.caller(app_id, secret, &settings.quotas, path, now)?;
        let current = account
            .tokens
            .stable
            .token
            .as_ref()
            .and_then(|t| tokens.get(t).map(|r| (t.clone(), r.ends_at())))
            .filter(|(_, ends)| *ends > now);
        let stable = &mut account.tokens.stable;
        if force_refresh {
            if stable.force_day != china_day(now) {
                stable.force_day = china_day(now);
                stable.forced_today = 0;
            }
            let too_soon = stable
                .last_forced
                .is_some_and(|last| now - last < FORCE_SPACING);
            if let (true, Some((token, ends))) = (too_soon, &current) {
                // Within 30 s of the last forced refresh nothing is refreshed.
                return Ok(Issued {
                    token: token.clone(),
                    expires_in: ends - now,
                });
            }
            if stable.forced_today >= settings.stable_force_per_day {
                return Err(ApiError::msg(45009, "reach max api daily quota limit"));
            }
            stable.forced_today += 1;
            stable.last_forced = Some(now);
            if let Some((old, _)) = &current
                && let Some(old) = tokens.get_mut(old)
            {
                old.revoked_at = Some(now);
            }
        } else if let Some((token, ends)) = &current
            && now < ends - OVERLAP.min(settings.token_lifetime / 2)
        {
            return Ok(Issued {
                token: token.clone(),
                expires_in: ends - now,
            });
        }
        // In its last five minutes: a new token; the old one works until it expires.
        let token = new_token();
        let lifetime = settings.token_lifetime;
        tokens.insert(
            token.clone(),
            TokenRecord::new(app_id, TokenKind::Stable, now, lifetime),
        );
        account.tokens.stable.token = Some(token.clone());
        self.prune_tokens(now);
        Ok(Issued {
            token,
            expires_in: lifetime,
        })
    }

    /// The record of a token that works now, or why it is refused: 40014 for something no
    /// token looks like, 40001 for an unknown or replaced one, 42001 for an expired one.
    pub(crate) fn token_record(&self, token: &str, now: i64) -> Result<&TokenRecord, ApiError> {
        if !is_token_shaped(token) {
            return Err(ApiError::msg(40014, "invalid access_token"));
        }
        let Some(record) = self.tokens.get(token) else {
            return Err(ApiError::msg(
                40001,
                "invalid credential, access_token is invalid or not latest",
            ));
        };
        if record.revoked_at.is_some_and(|r| r <= now) && record.expires_at > now {
            return Err(ApiError::msg(
                40001,
                "invalid credential, access_token is invalid or not latest",
            ));
        }
        if record.expires_at <= now {
            return Err(ApiError::msg(42001, "access_token expired"));
        }
        Ok(record)
    }

    /// The account an access token belongs to (see [`State::token_record`]) and the API
    /// called: a component token answers 61015, an authorizer token outside the permission
    /// sets its account granted answers 61007.
    pub(crate) fn token_owner(
        &self,
        token: &str,
        path: &str,
        now: i64,
    ) -> Result<String, ApiError> {
        let record = self.token_record(token, now)?;
        match record.kind {
            TokenKind::Component => Err(ApiError::msg(
                61015,
                "must use biz account token for not component api",
            )),
            TokenKind::Authorizer => {
                self.check_authorizer_call(&record.app_id, path)?;
                Ok(record.app_id.clone())
            }
            TokenKind::Classic | TokenKind::Stable => Ok(record.app_id.clone()),
        }
    }
}

/// Issues a new token of `kind` to `app_id`, valid `lifetime` seconds, as the one in
/// `slot`; the token it replaces keeps working [`OVERLAP`] seconds more.
pub(crate) fn replace_token(
    tokens: &mut HashMap<String, TokenRecord>,
    slot: &mut Option<String>,
    app_id: &str,
    kind: TokenKind,
    now: i64,
    lifetime: i64,
) -> String {
    let token = new_token();
    tokens.insert(token.clone(), TokenRecord::new(app_id, kind, now, lifetime));
    if let Some(previous) = slot.replace(token.clone())
        && let Some(previous) = tokens.get_mut(&previous)
    {
        let end = now + OVERLAP;
        previous.revoked_at = Some(previous.revoked_at.map_or(end, |r| r.min(end)));
    }
    token
}

/// Counts one `clear_quota` in the month of `now` (the count restarts with each month): at
/// most `per_month` (48006 beyond).
/// `openapi/quota/clear` calls allowed a month.
pub(crate) const PATH_CLEARS_PER_MONTH: u32 = 50;

/// The API path of an `openapi/quota/*` call and its daily limit: present (47003), not an
/// `/sns/` path (76022: those take no access token of the account), one with a daily quota
/// (76021).
fn quota_path<'p>(path: Option<&'p str>, quotas: &Quotas) -> Result<(&'p str, u64), ApiError> {
    let path = path
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::argument("cgi_path"))?;
    if path.starts_with("/sns/") {
        return Err(ApiError::msg(
            76022,
            "could not use this cgi_path, no permission",
        ));
    }
    let limit = quotas
        .limit(path)
        .ok_or_else(|| ApiError::msg(76021, "cgi_path not found, please check"))?;
    Ok((path, limit))
}

pub(crate) fn take_clear(
    month: &mut i64,
    clears: &mut u32,
    per_month: u32,
    now: i64,
) -> Result<(), ApiError> {
    let this_month = china_month(now);
    if *month != this_month {
        *month = this_month;
        *clears = 0;
    }
    if *clears >= per_month {
        return Err(ApiError::msg(
            48006,
            "forbid to clear quota because of reaching the limit",
        ));
    }
    *clears += 1;
    Ok(())
}

/// Whether a string could be a token the sandbox issued (see [`new_token`]).
fn is_token_shaped(token: &str) -> bool {
    (32..=512).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Account {
    /// Counts a call against the API's daily quota; 45009 once it is used up.
    pub(crate) fn take_quota(
        &mut self,
        quotas: &Quotas,
        path: &str,
        now: i64,
    ) -> Result<(), ApiError> {
        match quotas.limit(path) {
            Some(limit) if !self.tokens.quota.take(path, limit, now) => {
                Err(ApiError::msg(45009, "reach max api daily quota limit"))
            }
            _ => Ok(()),
        }
    }

    /// `openapi/quota/get`: the daily limit of an API path (see [`quota_path`]) and the
    /// calls made to it today.
    pub(crate) fn quota_of(
        &self,
        path: Option<&str>,
        quotas: &Quotas,
        now: i64,
    ) -> Result<(u64, u64), ApiError> {
        let (path, limit) = quota_path(path, quotas)?;
        Ok((limit, self.tokens.quota.used(path, china_day(now))))
    }

    /// `openapi/quota/clear`: the count of one API path (see [`quota_path`]) starts again, at
    /// most [`PATH_CLEARS_PER_MONTH`] times a month (48006 beyond: the code is the sandbox's
    /// choice, the one `clear_quota` answers).
    pub(crate) fn clear_path_quota(
        &mut self,
        path: Option<&str>,
        quotas: &Quotas,
        now: i64,
    ) -> Result<(), ApiError> {
        let (path, _) = quota_path(path, quotas)?;
        let quota = &mut self.tokens.quota;
        take_clear(
            &mut quota.path_clear_month,
            &mut quota.path_clears,
            PATH_CLEARS_PER_MONTH,
            now,
        )?;
        quota.counts.remove(path);
        Ok(())
    }

    /// `clear_quota`: for the account's own AppID (41002 without one, 40013 for another), at
    /// most `per_month` times a month (48006); every count starts again.
    pub(crate) fn clear_quota(
        &mut self,
        app_id: Option<&str>,
        per_month: u32,
        now: i64,
    ) -> Result<(), ApiError> {
        let app_id = app_id
            .filter(|a| !a.is_empty())
            .ok_or_else(|| ApiError::msg(41002, "appid missing"))?;
        if app_id != self.app_id {
            return Err(ApiError::msg(40013, "invalid appid"));
        }
        let quota = &mut self.tokens.quota;
        take_clear(&mut quota.clear_month, &mut quota.clears, per_month, now)?;
        quota.counts.clear();
        Ok(())
    }

    /// `ticket/getticket`: a new ticket of type `jsapi` or `wx_card` (40035 otherwise), valid
    /// `lifetime` seconds (7,200 on the platform).
    pub(crate) fn issue_ticket(
        &mut self,
        kind: Option<&str>,
        now: i64,
        lifetime: i64,
    ) -> Result<String, ApiError> {
        let Some(kind @ ("jsapi" | "wx_card")) = kind else {
            return Err(ApiError::msg(
                40035,
                "invalid args: type must be jsapi or wx_card",
            ));
        };
        let ticket = random_text(86);
        self.tokens.tickets.insert(
            kind.to_owned(),
            Ticket {
                ticket: ticket.clone(),
                expires_at: now + lifetime,
            },
        );
        Ok(ticket)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_a_shape() {
        assert!(!is_token_shaped("short"));
        assert!(!is_token_shaped(&"a".repeat(513)));
        assert!(!is_token_shaped(&format!("{}!", "a".repeat(40))));
        assert!(is_token_shaped(&"a_b-C".repeat(10)));
        assert!(is_token_shaped(&new_token()));
    }
}
