//! Access tokens and tickets: where they come from, where they are kept, and how many processes
//! share one.
//!
//! Every API call needs the account's `access_token`; JS-SDK pages need the `jsapi` ticket and
//! card pages the `wx_card` ticket. All three are short-lived (7200 s), their fetches are limited
//! (2,000 `cgi-bin/token` fetches a day), and — with the classic `cgi-bin/token` — each fetch
//! invalidates the previous token five minutes later. The client therefore keeps each of them in
//! one [`TokenStore`] shared by every process of the account, and fetches a new one only when
//! nobody else has.
//!
//! # The parts
//!
//! - A [`TokenSource`] says where tokens come from: the platform's `stable_token` (the default:
//!   it returns the same token to every caller and does not invalidate tokens held by other
//!   parties), the classic `cgi-bin/token`, or a central token server (`wxoa token-server`,
//!   CONTRACT §5) so that application processes never talk to the token endpoint themselves.
//! - A [`TokenStore`] says where tokens are kept and how concurrent fetchers are serialised:
//!   [`MemoryStore`] (one process), [`FileStore`] (the processes of one machine; the default of
//!   the CLI and `wxoa serve`), `RedisStore` (feature `redis`: every process of every machine).
//! - The client's token manager puts them together for every `(AppID, kind)`:
//!   - **single flight**: any number of concurrent callers in a process wait for one fetch; across
//!     processes the store's lock does the same, and the waiters read the fetched token from the
//!     store. The fetch runs in a task of its own, so a caller that gives up does not cancel it;
//!     its holder gives up a fetch before the lock would expire (and releases it, even when
//!     cancelled), and waiters wait as long as the lock can live;
//!   - **refresh ahead**: a token is refreshed in the background a configurable, jittered margin
//!     before it expires, while callers keep using the current one;
//!   - **one replacement per rejected token**: when a call fails with 40001, 40014 or 42001, or
//!     a token is reported with [`Client::invalidate`](crate::Client::invalidate) (what a token
//!     server does for its callers), the token is replaced once however many callers report it,
//!     across every process sharing the store: one fetch of the current token and, only if the
//!     platform answers the reported value again (`stable_token`'s normal mode does), one forced
//!     refresh. A token the platform still answers after that is kept as *reaffirmed*, and
//!     reports of it fetch nothing for [`RefreshPolicy::retry_interval`]. A call is retried once,
//!     never more;
//!   - **quota guard**: at most N fetches per AppID and kind in a window ([`QuotaPolicy`]);
//!     beyond it what needs a fetch fails fast with
//!     [`Error::TokenQuota`](crate::Error::TokenQuota), which says until when, instead of burning
//!     the daily quota; a token that is still valid keeps being served. A token rejected long
//!     before its expiry is logged as "another party refreshed the token for AppID …": the sign
//!     of a second environment fetching tokens for the same AppID;
//!   - **store failures** never stop calls: the manager keeps serving (and, when it must,
//!     fetching) from the process's memory with a logged warning, leaves the store alone for a
//!     second after each failure (so that an unreachable Redis does not cost a timeout per
//!     operation), and shares through it again, with a logged notice, once it answers.
//!
//! # Which to pick
//!
//! | deployment | source | store |
//! |---|---|---|
//! | one process (a bot, a script) | `stable_token` (default) | [`MemoryStore`], or [`FileStore`] to survive restarts |
//! | several processes on one machine (CLI runs, workers, `wxoa serve`) | `stable_token` | [`FileStore`] (the default path is shared by every wxoa process of the user) |
//! | several machines | `stable_token` | `RedisStore`, shared by all |
//! | several machines, credentials kept in one place | [`TokenSource::remote`] (a `wxoa token-server`) | [`MemoryStore`]; the server owns the lifecycle |
//!
//! Use [`TokenSource::classic`] only when `stable_token` is not available to the account: every
//! classic fetch invalidates the token every other party holds, so all of them must share one
//! store or one token server.

mod file;
mod manager;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod source;
mod store;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wxoa_types::ids::AppId;
use wxoa_types::secret::Secret;

pub use file::FileStore;
pub(crate) use manager::{Fetch, FetchMode, LockPolicy, Lookup, Need, Slot, TokenManager};
pub use manager::{QuotaPolicy, QuotaStatus, RefreshPolicy};
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::RedisStore;
pub use source::{RemoteTokenSource, TokenSource};
pub(crate) use source::{SourceKind, TokenResponse};
#[cfg(feature = "redis")]
pub use store::RedisCommand;
pub use store::{IndexedAuthorizer, StoreError, StoreLock, TokenStore};

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKind {
    /// The `access_token` of API calls.
    AccessToken,
    /// The JS-SDK `jsapi_ticket`.
    JsapiTicket,
    /// The card `api_ticket` (`type=wx_card`).
    WxCardTicket,
    /// A third-party platform's `component_verify_ticket`, kept as it arrives (pushed every ten
    /// minutes, valid twelve hours): a record of the store, never fetched by the token manager.
    VerifyTicket,
    /// An authorizer's `authorizer_refresh_token` (no expiry while the account stays
    /// authorized): a durable record of the store, never fetched by the token manager.
    RefreshToken,
}

impl TokenKind {
    /// The name used in store keys and logs: `access_token`, `ticket:jsapi`, `ticket:wx_card`,
    /// `component_verify_ticket`, `refresh_token`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenKind::AccessToken => "access_token",
            TokenKind::JsapiTicket => "ticket:jsapi",
            TokenKind::WxCardTicket => "ticket:wx_card",
            TokenKind::VerifyTicket => "component_verify_ticket",
            TokenKind::RefreshToken => "refresh_token",
        }
    }

    /// Whether it is a record the component flow keeps in the store (a verify ticket, a refresh
    /// token) rather than a token the client obtains and refreshes.
    #[must_use]
    pub const fn is_record(self) -> bool {
        matches!(self, TokenKind::VerifyTicket | TokenKind::RefreshToken)
    }

    /// The `type` parameter of `/cgi-bin/ticket/getticket` for a ticket.
    pub(crate) const fn ticket_type(self) -> Option<&'static str> {
        match self {
            TokenKind::JsapiTicket => Some("jsapi"),
            TokenKind::WxCardTicket => Some("wx_card"),
            TokenKind::AccessToken | TokenKind::VerifyTicket | TokenKind::RefreshToken => None,
        }
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The key of one token in a store: an account, the third-party platform it is reached through
/// (if any) and a kind. Every cache, lock and store key is namespaced by the AppID; none contains
/// the AppSecret.
///
/// An authorizer's tokens are kept apart from the tokens the same account would have on its
/// own (its AppSecret's tokens are independent of the ones a component obtains for it), and
/// apart from another component's: the key names the component.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenKey {
    /// The account.
    pub app_id: AppId,
    /// What the token is for.
    pub kind: TokenKind,
    /// The third-party platform (component) the account is reached through, for an authorizer.
    pub component: Option<AppId>,
}

impl TokenKey {
    /// A key of an account of its own.
    pub fn new(app_id: impl Into<AppId>, kind: TokenKind) -> Self {
        Self {
            app_id: app_id.into(),
            kind,
            component: None,
        }
    }

    /// The same key for the account as an authorizer of `component`.
    #[must_use]
    pub fn through(mut self, component: impl Into<AppId>) -> Self {
        self.component = Some(component.into());
        self
    }
}

impl fmt::Display for TokenKey {
    /// `{appid}:{kind}`, e.g. `wx0123456789abcdef:access_token`; for an authorizer
    /// `{component}/{appid}:{kind}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(component) = &self.component {
            write!(f, "{component}/")?;
        }
        write!(f, "{}:{}", self.app_id, self.kind)
    }
}

/// A token or ticket with its lifetime. Cloning is cheap; `Debug` never shows the value.
#[derive(Clone)]
pub struct Token {
    value: Arc<Secret>,
    fetched_at_ms: u64,
    expires_at_ms: u64,
    reaffirmed: bool,
}

impl Token {
    /// A token fetched at `fetched_at_ms` that expires at `expires_at_ms` (Unix milliseconds).
    pub fn new(value: impl Into<Secret>, fetched_at_ms: u64, expires_at_ms: u64) -> Self {
        Self {
            value: Arc::new(value.into()),
            fetched_at_ms,
            expires_at_ms,
            reaffirmed: false,
        }
    }

    /// A token fetched now that lives `expires_in`.
    pub fn fresh(value: impl Into<Secret>, expires_in: Duration) -> Self {
        let now = now_ms();
        let lifetime = u64::try_from(expires_in.as_millis()).unwrap_or(u64::MAX);
        Self::new(value, now, now.saturating_add(lifetime))
    }

    /// The value, to send it. Never log it.
    #[must_use]
    pub fn expose(&self) -> &str {
        self.value.expose()
    }

    /// The value as a redacting secret.
    #[must_use]
    pub fn secret(&self) -> &Secret {
        &self.value
    }

    /// Marks the token as reaffirmed: it was reported rejected, and the platform answered this
    /// same value again when asked for the current token (see [`Token::is_reaffirmed`]). A store
    /// keeps the mark with the token.
    #[must_use]
    pub fn reaffirmed(mut self, reaffirmed: bool) -> Self {
        self.reaffirmed = reaffirmed;
        self
    }

    /// Whether the token was reported rejected and the platform answered it again when asked
    /// for the current token (its fetch time is when): further reports of it cause no fetch for
    /// a while ([`RefreshPolicy::retry_interval`]), so that stale reports cannot make a fleet
    /// fetch in a loop.
    #[must_use]
    pub fn is_reaffirmed(&self) -> bool {
        self.reaffirmed
    }

    /// When it was fetched, in Unix milliseconds.
    #[must_use]
    pub fn fetched_at_ms(&self) -> u64 {
        self.fetched_at_ms
    }

    /// When it expires, in Unix milliseconds.
    #[must_use]
    pub fn expires_at_ms(&self) -> u64 {
        self.expires_at_ms
    }

    /// When it expires.
    #[must_use]
    pub fn expires_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.expires_at_ms)
    }

    /// How long it lives in total.
    pub(crate) fn lifetime_ms(&self) -> u64 {
        self.expires_at_ms.saturating_sub(self.fetched_at_ms)
    }

    /// Until when callers may use it: its expiry less a safety margin for clock skew (30 s, or a
    /// quarter of a short lifetime).
    pub(crate) fn usable_until_ms(&self) -> u64 {
        let skew = (self.lifetime_ms() / 4).min(30_000);
        self.expires_at_ms.saturating_sub(skew)
    }

    /// Whether it may still be used at `now_ms`.
    #[must_use]
    pub fn is_usable_at(&self, now_ms: u64) -> bool {
        now_ms < self.usable_until_ms()
    }

    /// Whether both hold the same value.
    #[must_use]
    pub fn same_value(&self, other: &Token) -> bool {
        Arc::ptr_eq(&self.value, &other.value) || self.value.expose() == other.value.expose()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("value", &self.value)
            .field("fetched_at_ms", &self.fetched_at_ms)
            .field("expires_at_ms", &self.expires_at_ms)
            .field("reaffirmed", &self.reaffirmed)
            .finish()
    }
}

/// The current time in Unix milliseconds.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A random duration in `[0, max)`, to spread refreshes and polls of many processes.
pub(crate) fn jitter(max: Duration) -> Duration {
    use rand::Rng;
    let max_ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
    if max_ms == 0 {
        return Duration::ZERO;
    }
    Duration::from_millis(rand::thread_rng().gen_range(0..max_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let token = Token::fresh("tok-123", Duration::from_secs(7200));
        let shown = format!("{token:?}");
        assert!(!shown.contains("tok-123"), "{shown}");
        assert_eq!(token.expose(), "tok-123");
    }

    #[test]
    fn usable_window_keeps_a_skew_margin() {
        let token = Token::new("t", 1_000_000, 1_000_000 + 7_200_000);
        assert_eq!(token.usable_until_ms(), 1_000_000 + 7_200_000 - 30_000);
        let short = Token::new("t", 0, 2_000);
        assert_eq!(short.usable_until_ms(), 1_500);
        assert!(short.is_usable_at(1_499) && !short.is_usable_at(1_500));
    }

    #[test]
    fn key_display_is_namespaced_by_appid() {
        let key = TokenKey::new("wx0123456789abcdef", TokenKind::JsapiTicket);
        assert_eq!(key.to_string(), "wx0123456789abcdef:ticket:jsapi");
        let authorizer = TokenKey::new("wxaaaaaaaaaaaaaaaa", TokenKind::RefreshToken)
            .through("wxcccccccccccccccc");
        assert_eq!(
            authorizer.to_string(),
            "wxcccccccccccccccc/wxaaaaaaaaaaaaaaaa:refresh_token"
        );
    }
}
