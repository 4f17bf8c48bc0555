//! The log of the authorizer tokens the platform issued — for whom and when, to the
//! millisecond of virtual time — and of the API calls made with an expired authorizer token:
//! what `GET /sandbox/component/refreshes` summarises (how often each authorizer was
//! refreshed, whether each token was replaced exactly once within its lifetime, the busiest
//! second, expired tokens used). Compact: a few numbers per token issued.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::platform::tokens::TokenKind;
use crate::state::State;

/// The authorizer tokens issued and the calls with expired ones.
#[derive(Debug, Default)]
pub(crate) struct RefreshLog {
    /// When each authorizer's tokens were issued (virtual Unix milliseconds), oldest first.
    issued: HashMap<String, Vec<i64>>,
    /// `api_authorizer_token` refreshes per virtual second.
    per_second: BTreeMap<i64, u32>,
    /// API calls made with an authorizer token past its expiry (answered 42001).
    expired_calls: u64,
}

/// A summary of the log over a window of virtual time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct RefreshSummary {
    /// The window, virtual Unix milliseconds.
    pub(crate) since_ms: i64,
    pub(crate) until_ms: i64,
    /// The token lifetime the summary measures against, seconds.
    pub(crate) lifetime: i64,
    /// Accounts authorized now.
    pub(crate) authorizers: usize,
    /// `api_authorizer_token` refreshes in the window.
    pub(crate) refreshes: u64,
    /// Fewest and most tokens issued to one authorized account in the window.
    pub(crate) per_authorizer_min: u64,
    pub(crate) per_authorizer_max: u64,
    /// Tokens whose whole lifetime lies in the window.
    pub(crate) tokens: u64,
    /// Fewest and most tokens issued to the same account during one such token's lifetime:
    /// 1 and 1 when every token was replaced exactly once before it expired.
    pub(crate) per_lifetime_min: u64,
    pub(crate) per_lifetime_max: u64,
    /// Of those tokens, how many were replaced more than once before they expired.
    pub(crate) replaced_twice: u64,
    /// Shortest and longest time between two tokens of one account (milliseconds).
    pub(crate) gap_min_ms: i64,
    pub(crate) gap_max_ms: i64,
    /// Times a token expired before the next one of its account was issued (the account had
    /// no valid token for a while), in the window.
    pub(crate) lapsed: u64,
    /// The most refreshes in one virtual second of the window, and that second.
    pub(crate) peak_per_second: u32,
    pub(crate) peak_second: i64,
    /// API calls made with an expired authorizer token, since the sandbox started.
    pub(crate) expired_calls: u64,
}

impl RefreshLog {
    /// A token issued to `app_id` at `at_ms` (a refresh, or an authorization's exchange).
    pub(crate) fn issued(&mut self, app_id: &str, at_ms: i64, refresh: bool) {
        self.issued
            .entry(app_id.to_owned())
            .or_default()
            .push(at_ms);
        if refresh {
            *self.per_second.entry(at_ms.div_euclid(1000)).or_default() += 1;
        }
    }

    /// The log over `[since_ms, until_ms]` for the `authorized` accounts and tokens living
    /// `lifetime` seconds.
    pub(crate) fn summary<'a>(
        &self,
        authorized: impl Iterator<Item = &'a str>,
        since_ms: i64,
        until_ms: i64,
        lifetime: i64,
    ) -> RefreshSummary {
        let lifetime_ms = lifetime.saturating_mul(1000);
        let inside = |t: &i64| (since_ms..=until_ms).contains(t);
        let mut summary = RefreshSummary {
            since_ms,
            until_ms,
            lifetime,
            per_authorizer_min: u64::MAX,
            per_lifetime_min: u64::MAX,
            gap_min_ms: i64::MAX,
            ..RefreshSummary::default()
        };
        for app_id in authorized {
            summary.authorizers += 1;
            let times = self.issued.get(app_id).map_or(&[][..], Vec::as_slice);
            let count = times.iter().filter(|t| inside(t)).count() as u64;
            summary.per_authorizer_min = summary.per_authorizer_min.min(count);
            summary.per_authorizer_max = summary.per_authorizer_max.max(count);
            for (i, &at) in times.iter().enumerate() {
                if !inside(&at) {
                    continue;
                }
                // The platform's expiry: whole seconds from the second it was issued in.
                let ends = at
                    .div_euclid(1000)
                    .saturating_mul(1000)
                    .saturating_add(lifetime_ms);
                if let Some(&next) = times.get(i + 1)
                    && inside(&next)
                {
                    let gap = next - at;
                    summary.gap_min_ms = summary.gap_min_ms.min(gap);
                    summary.gap_max_ms = summary.gap_max_ms.max(gap);
                    if next >= ends {
                        summary.lapsed += 1;
                    }
                } else if ends < until_ms {
                    // The last token expired inside the window with none after it.
                    summary.lapsed += 1;
                }
                if ends <= until_ms {
                    summary.tokens += 1;
                    let later = times.get(i + 1..).unwrap_or_default();
                    let replaced = later.iter().take_while(|&&t| t < ends).count() as u64;
                    summary.per_lifetime_min = summary.per_lifetime_min.min(replaced);
                    summary.per_lifetime_max = summary.per_lifetime_max.max(replaced);
                    summary.replaced_twice += u64::from(replaced > 1);
                }
            }
        }
        for (&second, &count) in self
            .per_second
            .range(since_ms.div_euclid(1000)..=until_ms.div_euclid(1000))
        {
            summary.refreshes += u64::from(count);
            if count > summary.peak_per_second {
                summary.peak_per_second = count;
                summary.peak_second = second;
            }
        }
        if summary.per_authorizer_min == u64::MAX {
            summary.per_authorizer_min = 0;
        }
        if summary.per_lifetime_min == u64::MAX {
            summary.per_lifetime_min = 0;
        }
        if summary.gap_min_ms == i64::MAX {
            summary.gap_min_ms = 0;
        }
        summary.expired_calls = self.expired_calls;
        summary
    }
}

impl State {
    /// A call's token was refused: counted when it was an authorizer token past its expiry.
    pub(crate) fn note_refused_token(&mut self, token: &str, now: i64) {
        let expired = self
            .tokens
            .get(token)
            .is_some_and(|r| r.kind == TokenKind::Authorizer && r.expires_at <= now);
        if expired {
            self.component.refresh_log.expired_calls += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_token_replaced_once_in_its_lifetime_reads_one_and_one() {
        let mut log = RefreshLog::default();
        // Lifetime 10 s, replaced every 7 s.
        for at in [0, 7_000, 14_000, 21_000, 28_000] {
            log.issued("wxa", at, at > 0);
        }
        let s = log.summary(["wxa"].into_iter(), 0, 30_000, 10);
        assert_eq!((s.per_lifetime_min, s.per_lifetime_max), (1, 1));
        assert_eq!(s.replaced_twice, 0);
        assert_eq!((s.gap_min_ms, s.gap_max_ms), (7_000, 7_000));
        assert_eq!(s.lapsed, 0);
        assert_eq!(s.refreshes, 4);
        assert_eq!(s.peak_per_second, 1);
        // Two instances refreshing the same token: twice within one lifetime.
        log.issued("wxa", 28_100, true);
        let s = log.summary(["wxa"].into_iter(), 0, 40_000, 10);
        assert_eq!(s.per_lifetime_max, 2);
        // The token of 21 s saw those of 28 s and 28.1 s before it expired.
        assert_eq!(s.replaced_twice, 1);
        assert_eq!(s.gap_min_ms, 100);
        // The last token lapsed at 38.1 s with nothing after it.
        assert_eq!(s.lapsed, 1);
        // An authorized account never issued a token counts as zero.
        let s = log.summary(["wxa", "wxb"].into_iter(), 0, 30_000, 10);
        assert_eq!(s.per_authorizer_min, 0);
    }
}
