//! The one error type of the client.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wxoa_types::errcode::{ErrCode, RetryClass};
use wxoa_types::ids::AppId;

use crate::invalid::InvalidRequest;
use crate::token::TokenKind;

/// A result with the client's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a call through the client can fail with.
///
/// No variant ever holds a secret: URLs, platform messages and bodies are redacted (see
/// [`crate::redact`]) before they are stored here.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The platform answered with a non-zero `errcode`.
    #[error("{}", ApiDisplay { code: *code, message, reported_ip: reported_ip.as_deref() })]
    Api {
        /// The code.
        code: ErrCode,
        /// The platform's `errmsg`, redacted.
        message: String,
        /// For 40164 (IP not in the account's whitelist) and 61004 (not in the third-party
        /// platform's): the caller IP the platform reported.
        reported_ip: Option<String>,
    },
    /// The platform could not be reached, or the connection broke, after the allowed retries.
    #[error(
        "network failure calling {path} after {attempts} attempt(s){}",
        if *may_have_reached_platform {
            "; the request may have reached the platform, so it was not sent again"
        } else {
            ""
        }
    )]
    Transport {
        /// The API path called.
        path: String,
        /// How many attempts were made.
        attempts: u32,
        /// Whether the request may have been received (and acted on) by the platform.
        may_have_reached_platform: bool,
        /// The transport error (without its URL).
        #[source]
        source: reqwest::Error,
    },
    /// The whole call, retries included, took longer than the configured total timeout.
    #[error("calling {path} took longer than the total timeout of {after:?}")]
    Timeout {
        /// The API path called.
        path: String,
        /// The total timeout.
        after: Duration,
    },
    /// The host answered with an unexpected HTTP status (after the allowed retries for 5xx).
    #[error("{path} answered HTTP {status}")]
    Http {
        /// The API path called.
        path: String,
        /// The HTTP status.
        status: u16,
        /// The body of the answer, redacted and cut to at most 4 KiB.
        body: String,
    },
    /// The answer was not the JSON expected.
    #[error("cannot decode the answer of {path} at `{field}`")]
    Decode {
        /// The API path called.
        path: String,
        /// The path of the field that failed (`ip_list[2]`, `.` for the document itself).
        field: String,
        /// The raw body, redacted.
        body: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
    /// The answer was larger than the client accepts.
    #[error("the answer of {path} is larger than {limit} bytes")]
    TooLarge {
        /// The API path called.
        path: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// The token quota guard refused to fetch another token. The token in place, if it is still
    /// valid, keeps being served; only what needed a fetch fails.
    #[error(
        "refusing to fetch another {kind} for AppID {app_id} until {} (Unix time; in {}s): \
         {fetches} fetches in the last {window:?} already reached the guard's limit. Something \
         keeps invalidating tokens — another party fetching tokens for this AppID, or an endpoint \
         that keeps answering a token error — and fetching again would burn the platform's daily \
         token quota (2000 a day for cgi-bin/token, 20 forced stable_token refreshes)",
        unix_seconds(*retry_at),
        retry_after.as_secs()
    )]
    TokenQuota {
        /// The account.
        app_id: AppId,
        /// What was to be fetched.
        kind: TokenKind,
        /// Fetches in the window.
        fetches: usize,
        /// The guard's window.
        window: Duration,
        /// How long until the next fetch will be allowed.
        retry_after: Duration,
        /// When the next fetch will be allowed.
        retry_at: SystemTime,
    },
    /// A token fetch was given up: it took longer than the store's fetch lock may be held (so
    /// that the lock never expires under a running fetch), or the runtime running it shut down.
    /// The next call fetches again.
    #[error("fetching a {kind} for AppID {app_id} was given up: {reason}")]
    TokenFetchAbandoned {
        /// The account.
        app_id: AppId,
        /// What was being fetched.
        kind: TokenKind,
        /// Why.
        reason: Abandoned,
    },
    /// The central token server refused or failed the request.
    #[error("the token server answered HTTP {status}: {message}")]
    TokenServer {
        /// The HTTP status.
        status: u16,
        /// What went wrong, redacted.
        message: String,
    },
    /// The AppID is not (or no longer) in the client's account registry.
    #[error("AppID {app_id} is not a registered account of this client")]
    UnknownAccount {
        /// The AppID asked for.
        app_id: AppId,
    },
    /// The request cannot be sent as given (a bad path, a body that is not JSON, a value out
    /// of the platform's range, …): it names the field and the rule.
    #[error("invalid request: {0}")]
    InvalidRequest(InvalidRequest),
    /// A local file could not be read (an upload) or written (a download).
    #[error("cannot {action} {}", path.display())]
    Io {
        /// What was being done.
        action: FileAction,
        /// The file or directory.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The platform answered something else than the endpoint serves: JSON where a file was
    /// expected (an unknown media kind), or a body that is neither a file nor the platform's JSON.
    #[error("{path} answered {content_type:?} where {expected} was expected")]
    UnexpectedContent {
        /// The API path called.
        path: String,
        /// What was expected.
        expected: Content,
        /// The `Content-Type` of the answer (empty when absent).
        content_type: String,
        /// The start of the body, redacted (at most 4 KiB, lossy UTF-8).
        body: String,
    },
    /// The client is configured wrongly (a malformed base URL, a missing AppSecret, …).
    #[error("invalid configuration: {0}")]
    Config(ConfigError),
    /// The third-party platform's credentials are missing or unusable (no verify ticket yet, an
    /// authorizer without a refresh token, …): see [`crate::component`].
    #[error("third-party platform: {0}")]
    Component(crate::component::ComponentError),
}

/// What was being done with a local file or directory, in [`Error::Io`] and the file token
/// store's [`StoreError::File`](crate::token::StoreError::File).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileAction {
    /// Opening it.
    Open,
    /// Reading it.
    Read,
    /// Creating it.
    Create,
    /// Creating a directory.
    CreateDirectory,
    /// Creating a temporary file in a directory.
    CreateTemporary,
    /// Locking it.
    Lock,
    /// Writing it.
    Write,
    /// Renaming the written file over it.
    RenameOver,
}

impl fmt::Display for FileAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileAction::Open => "open",
            FileAction::Read => "read",
            FileAction::Create => "create",
            FileAction::CreateDirectory => "create the directory",
            FileAction::CreateTemporary => "create a temporary file in",
            FileAction::Lock => "lock",
            FileAction::Write => "write",
            FileAction::RenameOver => "rename over",
        })
    }
}

/// What an endpoint was expected to answer, in [`Error::UnexpectedContent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Content {
    /// A file.
    File,
    /// The platform's JSON.
    Json,
    /// JSON with a `media_id`.
    MediaId,
}

impl fmt::Display for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Content::File => "a file",
            Content::Json => "JSON",
            Content::MediaId => "a media_id",
        })
    }
}

/// Why a token fetch was given up, in [`Error::TokenFetchAbandoned`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Abandoned {
    /// It ran longer than the store's fetch lock may be held.
    #[error("it took longer than the {limit:?} the store's fetch lock may be held")]
    TookTooLong {
        /// How long it may run.
        limit: Duration,
    },
    /// The runtime running it shut down.
    #[error("the runtime running it shut down")]
    RuntimeShutDown,
}

/// How the client is configured wrongly, in [`Error::Config`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The builder was given no account.
    #[error("a client needs at least one account")]
    NoAccount,
    /// An account's AppID is empty.
    #[error("an AppID is empty")]
    EmptyAppId,
    /// An account has no AppSecret while tokens are fetched from the platform.
    #[error("no AppSecret for AppID {app_id}: give one, or take tokens from a token server")]
    NoAppSecret {
        /// The account.
        app_id: AppId,
    },
    /// Web OAuth needs the AppSecret, which a client taking tokens from a token server lacks.
    #[error(
        "web OAuth needs the AppSecret of {app_id}: a client taking tokens from a token server has none"
    )]
    OAuthWithoutSecret {
        /// The account.
        app_id: AppId,
    },
    /// The store's fetch lock would live less than a second.
    #[error("the store's fetch lock must live at least 1 s, not {ttl:?}")]
    LockTtl {
        /// The lifetime given.
        ttl: Duration,
    },
    /// The list of API hosts is empty.
    #[error("no API base")]
    NoApiBase,
    /// A base URL (of the API, the web pages or the token server) that cannot be used.
    #[error("{}{base:?} {problem}", if *token_server { "token server: " } else { "" })]
    Base {
        /// The URL given.
        base: String,
        /// Whether it is the token server's.
        token_server: bool,
        /// What is wrong with it.
        problem: BaseProblem,
    },
    /// The token server's auth token cannot be sent in a header.
    #[error("the token server's auth token holds characters a header cannot carry")]
    TokenServerAuth,
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {source}")]
    HttpClient {
        /// Why.
        #[source]
        source: reqwest::Error,
    },
}

/// What is wrong with a base URL, in [`ConfigError::Base`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseProblem {
    /// It does not parse as a URL.
    #[error("is not a URL: {0}")]
    NotUrl(#[source] url::ParseError),
    /// Its scheme is not `http` or `https`.
    #[error("must be an http or https URL")]
    Scheme,
    /// It names no host.
    #[error("has no host")]
    NoHost,
    /// It carries a user name or a password.
    #[error("must not carry credentials")]
    Credentials,
    /// It has a query or a fragment.
    #[error("must not have a query or a fragment")]
    QueryOrFragment,
}

impl From<InvalidRequest> for Error {
    fn from(invalid: InvalidRequest) -> Self {
        Error::InvalidRequest(invalid)
    }
}

impl From<ConfigError> for Error {
    fn from(config: ConfigError) -> Self {
        Error::Config(config)
    }
}

impl Error {
    /// The platform's code, for [`Error::Api`].
    #[must_use]
    pub fn code(&self) -> Option<ErrCode> {
        match self {
            Error::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Whether the platform said the access token is bad (40001, 40014, 42001).
    #[must_use]
    pub fn is_token_error(&self) -> bool {
        self.code().is_some_and(ErrCode::is_token_error)
    }

    /// Whether the call failed on the network (transport errors, timeouts, 5xx and other
    /// unexpected HTTP answers, bodies that are not the platform's JSON).
    #[must_use]
    pub fn is_network(&self) -> bool {
        matches!(
            self,
            Error::Transport { .. }
                | Error::Timeout { .. }
                | Error::TokenFetchAbandoned { .. }
                | Error::Http { .. }
                | Error::Decode { .. }
                | Error::TooLarge { .. }
                | Error::UnexpectedContent { .. }
        )
    }

    /// Whether the request may have been received, and acted on, by the platform although the
    /// call failed: a send that failed this way must not be repeated blindly.
    #[must_use]
    pub fn may_have_reached_platform(&self) -> bool {
        match self {
            Error::Transport {
                may_have_reached_platform,
                ..
            } => *may_have_reached_platform,
            Error::Timeout { .. } | Error::Http { .. } => true,
            _ => false,
        }
    }

    /// For 40164 and 61004: the caller IP the platform reported (to add to the account's or
    /// the third-party platform's IP whitelist).
    #[must_use]
    pub fn reported_ip(&self) -> Option<&str> {
        match self {
            Error::Api { reported_ip, .. } => reported_ip.as_deref(),
            _ => None,
        }
    }

    /// What to do about the error, in one or two sentences, when there is something to say.
    #[must_use]
    pub fn advice(&self) -> Option<String> {
        match self {
            Error::Api {
                code, reported_ip, ..
            } => Some(api_advice(*code, reported_ip.as_deref())),
            Error::Transport { .. } | Error::Timeout { .. } => Some(
                "check the network path to the API hosts (proxy, DNS, firewall); the client already \
                 retried where that was safe and tried the failover hosts"
                    .to_owned(),
            ),
            Error::TokenQuota { .. } => Some(
                "find who else fetches tokens for this AppID (another environment or process) and \
                 make every process share one token store or a token server; the guard's limits \
                 are set with ClientBuilder::token_quota"
                    .to_owned(),
            ),
            Error::TokenServer { status: 401, .. } => Some(
                "the token server refused the Bearer token: check --token-server-auth".to_owned(),
            ),
            Error::TokenServer { status: 429, .. } => Some(
                "the token server's quota guard refuses to fetch until the time it names: find \
                 who keeps reporting or invalidating this AppID's tokens (its log and /metrics \
                 say when the guard tripped)"
                    .to_owned(),
            ),
            _ => None,
        }
    }

    /// The platform error for an `errcode` and `errmsg`, with the IP of a 40164 or a 61004
    /// extracted.
    pub(crate) fn api(code: ErrCode, errmsg: &str) -> Error {
        let reported_ip = match code.code() {
            40164 => reported_ip(errmsg, "invalid ip "),
            61004 => reported_ip(errmsg, "requestIP: "),
            _ => None,
        };
        Error::Api {
            code,
            message: crate::redact::redact(errmsg).into_owned(),
            reported_ip,
        }
    }
}

fn api_advice(code: ErrCode, reported_ip: Option<&str>) -> String {
    if code.code() == 40164 {
        let ip = reported_ip.unwrap_or("the caller's IP");
        return format!(
            "add {ip} to the API IP whitelist of the account (mp.weixin.qq.com → 设置与开发 → \
             基本配置 → IP白名单), then try again"
        );
    }
    if code.code() == 61004 {
        let ip = reported_ip.unwrap_or("the caller's IP");
        return format!(
            "add {ip} to the third-party platform's IP whitelist (open.weixin.qq.com → 管理中心 → \
             第三方平台 → 开发资料 → 白名单IP地址列表): it covers the component's calls and those \
             made for its authorizers; then try again"
        );
    }
    if code.is_token_error() {
        return "the client refreshed the access token and retried once; if this persists, check \
                that the AppSecret belongs to this AppID and that no other party invalidates its \
                tokens"
            .to_owned();
    }
    if code == ErrCode::DataNotReady {
        return "yesterday's analytics are not ready yet: ask again later in the morning \
                (after 08:00 China time)"
            .to_owned();
    }
    match code.retry_class() {
        RetryClass::Retry => "the platform is busy: try again in a moment".to_owned(),
        RetryClass::Wait => {
            "a quota or a confirmation is pending: try again later (daily quotas reset at 00:00 \
             China time, or with /cgi-bin/clear_quota)"
                .to_owned()
        }
        _ => format!(
            "fix the request or the account's configuration: {}",
            code.meaning()
        ),
    }
}

/// `at` in whole seconds since the Unix epoch.
fn unix_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The IP after `marker` in an `errmsg`: a 40164's `invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not
/// in whitelist rid: …`, a 61004's `access clientip is not registered requestIP: 1.2.3.4 rid: …`.
fn reported_ip(errmsg: &str, marker: &str) -> Option<String> {
    let rest = errmsg.split(marker).nth(1)?;
    let candidate = rest.split(|c: char| c.is_whitespace() || c == ',').next()?;
    candidate
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

struct ApiDisplay<'a> {
    code: ErrCode,
    message: &'a str,
    reported_ip: Option<&'a str>,
}

impl fmt::Display for ApiDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "errcode {}: {} ({})",
            self.code.code(),
            self.code.meaning(),
            self.code.meaning_zh()
        )?;
        if let Some(ip) = self.reported_ip {
            write!(f, "; reported caller IP {ip}")?;
        }
        if !self.message.is_empty() {
            write!(f, "; errmsg: {}", self.message)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ip_of_40164_is_extracted() {
        let e = Error::api(
            ErrCode::from_code(40164),
            "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 6543-21",
        );
        assert_eq!(e.reported_ip(), Some("203.0.113.7"));
        let shown = e.to_string();
        assert!(shown.starts_with("errcode 40164: caller IP not in the IP whitelist ("));
        assert!(shown.contains("白名单"));
        assert!(shown.contains("203.0.113.7"));
        assert!(e.advice().unwrap().contains("add 203.0.113.7"));
        let e = Error::api(
            ErrCode::from_code(40164),
            "invalid ip 2001:db8::1, not in whitelist",
        );
        assert_eq!(e.reported_ip(), Some("2001:db8::1"));
        let e = Error::api(ErrCode::from_code(40164), "not in whitelist");
        assert_eq!(e.reported_ip(), None);
        let e = Error::api(ErrCode::from_code(40001), "invalid ip 1.2.3.4");
        assert_eq!(e.reported_ip(), None);
    }

    #[test]
    fn api_messages_are_redacted() {
        let e = Error::api(
            ErrCode::from_code(40029),
            "invalid code, code=abc hint: [x]",
        );
        assert!(!e.to_string().contains("abc"));
        assert!(!e.is_token_error() && e.code() == Some(ErrCode::InvalidOauthCode));
    }

    #[test]
    fn advice_follows_the_retry_class() {
        let busy = Error::api(ErrCode::SystemBusy, "system error");
        assert!(busy.advice().unwrap().contains("busy"));
        let quota = Error::api(ErrCode::from_code(45009), "reach max api daily quota limit");
        assert!(quota.advice().unwrap().contains("later"));
        let token = Error::api(ErrCode::from_code(42001), "access_token expired");
        assert!(token.is_token_error());
        assert!(token.advice().unwrap().contains("retried once"));
    }
}
