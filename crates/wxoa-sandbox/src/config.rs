//! What a sandbox is configured with: accounts, the webhook, quotas, the customer-service
//! policy and the platform's numeric limits. Defaults are the platform's
//! (`spec/errors-and-limits.md`); every one can be changed, because the public tables disagree
//! between revisions and tests want small numbers.

use std::collections::HashMap;
use std::time::Duration;

use crate::error::{ConfigError, SandboxError};

/// AppID of the account a sandbox plays when none is configured.
pub const DEFAULT_APP_ID: &str = "wx0123456789abcdef";
/// AppSecret of the default account.
pub const DEFAULT_APP_SECRET: &str = "0123456789abcdef0123456789abcdef";
/// Original id (`gh_…`, the `ToUserName` of pushes) of the default account.
pub const DEFAULT_ORIGINAL_ID: &str = "gh_0123456789ab";

/// The Official Account a sandbox plays.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountConfig {
    pub(crate) app_id: String,
    pub(crate) secret: String,
    pub(crate) original_id: String,
    /// Whether the account is verified (微信认证); `None` keeps what a state file says.
    pub(crate) verified: Option<bool>,
    /// Whether the new customer-service system is enabled; `None` keeps what a state file says.
    pub(crate) new_kf: Option<bool>,
}

impl std::fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountConfig")
            .field("app_id", &self.app_id)
            .field("secret", &"***")
            .field("original_id", &self.original_id)
            .field("verified", &self.verified)
            .field("new_kf", &self.new_kf)
            .finish()
    }
}

impl AccountConfig {
    /// An account with its AppID (`wx` + 16 hex digits) and AppSecret (32 hex digits); its
    /// original id is derived from the AppID.
    pub fn new(app_id: impl Into<String>, secret: impl Into<String>) -> Self {
        let app_id = app_id.into();
        let original_id = if app_id == DEFAULT_APP_ID {
            DEFAULT_ORIGINAL_ID.to_owned()
        } else {
            use sha1::{Digest, Sha1};
            let digest = Sha1::digest(app_id.as_bytes());
            let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
            format!("gh_{hex}")
        };
        Self {
            app_id,
            secret: secret.into(),
            original_id,
            verified: None,
            new_kf: None,
        }
    }

    /// An account whose AppSecret is derived from its AppID: the first 32 hex digits of the
    /// SHA-1 of `wxoa-sandbox account secret:` and the AppID (the old account of
    /// [`SandboxBuilder::migrate_from`](crate::SandboxBuilder::migrate_from)).
    pub fn derived(app_id: impl Into<String>) -> Self {
        use sha1::{Digest, Sha1};
        let app_id = app_id.into();
        let digest = Sha1::digest(format!("wxoa-sandbox account secret:{app_id}").as_bytes());
        let secret: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        Self::new(app_id, secret)
    }

    /// Sets the original id (`gh_` + 12 hex digits), the `ToUserName` of pushes.
    pub fn original_id(mut self, original_id: impl Into<String>) -> Self {
        self.original_id = original_id.into();
        self
    }

    /// Whether the account is verified (微信认证; default: verified, or what the state file
    /// says). An unverified account lacks the analytics permission: every `datacube`
    /// endpoint answers it 48001. Given here, it wins over the state file.
    pub fn verified(mut self, verified: bool) -> Self {
        self.verified = Some(verified);
        self
    }

    /// Whether the account has the new customer-service system (新版客服功能; default:
    /// enabled, or what the state file says). Without it, every `customservice/kfsession/*`
    /// and `customservice/msgrecord/*` call answers 65400. Given here, it wins over the state
    /// file.
    pub fn new_kf(mut self, enabled: bool) -> Self {
        self.new_kf = Some(enabled);
        self
    }

    pub(crate) fn validate(&self) -> Result<(), SandboxError> {
        if !is_app_id(&self.app_id) {
            return Err(ConfigError::AppId {
                app_id: self.app_id.clone(),
            }
            .into());
        }
        if !is_app_secret(&self.secret) {
            return Err(ConfigError::AppSecret.into());
        }
        Ok(())
    }
}

impl Default for AccountConfig {
    fn default() -> Self {
        Self::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET)
    }
}

/// Whether `value` has the shape of an AppID: `wx` and 16 lowercase or uppercase hex digits.
pub(crate) fn is_app_id(value: &str) -> bool {
    value.len() == 18
        && value.starts_with("wx")
        && value.bytes().skip(2).all(|b| b.is_ascii_hexdigit())
}

/// Whether `value` has the shape of an AppSecret: 32 hex digits.
pub(crate) fn is_app_secret(value: &str) -> bool {
    value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// How pushes are protected (server-access.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PushMode {
    /// 明文模式: plaintext XML, plaintext replies.
    #[default]
    Plain,
    /// 兼容模式: plaintext fields plus `<Encrypt>`; plaintext or encrypted replies.
    Compat,
    /// 安全模式: only `ToUserName` and `Encrypt`; encrypted replies only.
    Safe,
}

impl std::str::FromStr for PushMode {
    type Err = SandboxError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "plain" => Ok(Self::Plain),
            "compat" => Ok(Self::Compat),
            "safe" => Ok(Self::Safe),
            other => Err(ConfigError::Mode {
                mode: other.to_owned(),
            }
            .into()),
        }
    }
}

/// The account's server configuration: where pushes go and how they are signed.
///
/// Several URLs make the sandbox play a load balancer in front of several instances of the
/// server: pushes are spread round-robin over them, and each retry of a push goes to the next
/// URL.
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Never empty: [`Webhook::new`] gives the first URL.
    pub(crate) urls: Vec<String>,
    pub(crate) token: String,
    pub(crate) aes_key: Option<String>,
    pub(crate) mode: PushMode,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let urls: Vec<_> = self
            .urls
            .iter()
            .map(|u| wxoa_types::secret::mask_url_password(u))
            .collect();
        f.debug_struct("Webhook")
            .field("urls", &urls)
            .field("token", &"***")
            .field("aes_key", &self.aes_key.as_ref().map(|_| "***"))
            .field("mode", &self.mode)
            .finish()
    }
}

impl Webhook {
    /// Pushes to `url`, signed with `token`, in plain mode.
    pub fn new(url: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            urls: vec![url.into()],
            token: token.into(),
            aes_key: None,
            mode: PushMode::Plain,
        }
    }

    /// Adds another URL of the same server (another instance behind the same load balancer):
    /// pushes are spread round-robin over the URLs, and each retry goes to the next one.
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.urls.push(url.into());
        self
    }

    /// Sets the EncodingAESKey (43 characters); needed in compat and safe mode.
    pub fn aes_key(mut self, aes_key: impl Into<String>) -> Self {
        self.aes_key = Some(aes_key.into());
        self
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: PushMode) -> Self {
        self.mode = mode;
        self
    }

    /// The first URL pushes go to.
    pub fn url(&self) -> &str {
        self.urls.first().map_or("", String::as_str)
    }

    /// Every URL pushes go to, in round-robin order.
    pub fn urls(&self) -> &[String] {
        &self.urls
    }

    pub(crate) fn validate(&self) -> Result<(), SandboxError> {
        for raw in &self.urls {
            check_push_url(raw, raw)?;
        }
        if self.token.is_empty() {
            return Err(ConfigError::NoToken.into());
        }
        match (&self.aes_key, self.mode) {
            (None, PushMode::Compat | PushMode::Safe) => Err(ConfigError::NoAesKey.into()),
            (Some(key), _) => wxoa_crypto::AesKey::from_encoding_aes_key(key)
                .map(|_| ())
                .map_err(|e| ConfigError::AesKey(e).into()),
            (None, _) => Ok(()),
        }
    }
}

/// Checks a URL pushes go to (`parsed`, the configured `raw` with any placeholder filled
/// in): it parses and is `http` or `https`. Errors show `raw`, its password masked.
pub(crate) fn check_push_url(raw: &str, parsed: &str) -> Result<(), SandboxError> {
    let shown = || wxoa_types::secret::mask_url_password(raw).into_owned();
    let url = url::Url::parse(parsed).map_err(|source| ConfigError::WebhookUrl {
        url: shown(),
        source,
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::WebhookScheme { url: shown() }.into());
    }
    Ok(())
}

/// How many messages the customer-service API may send after one kind of interaction, and for
/// how long (errors-and-limits.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// Seconds after the interaction during which sending is allowed (45015 afterwards).
    pub window: i64,
    /// Messages allowed in that window (45047 beyond); `None` for no limit.
    pub messages: Option<u32>,
}

/// The customer-service window per kind of interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsPolicy {
    /// The follower sent a message.
    pub message: Allowance,
    /// The follower clicked a menu button of type click, scancode_push or scancode_waitmsg.
    pub menu_click: Allowance,
    /// The follower followed the account.
    pub follow: Allowance,
    /// The follower scanned a parametric QR code.
    pub scan: Allowance,
}

impl CsPolicy {
    /// The historic rule: any interaction opens 48 hours of unlimited messages.
    pub fn classic() -> Self {
        let open = Allowance {
            window: 48 * 3600,
            messages: None,
        };
        Self {
            message: open,
            menu_click: open,
            follow: open,
            scan: open,
        }
    }
}

impl Default for CsPolicy {
    /// The rule announced for 2023-06-12: a message allows 5 messages in 48 hours; a menu
    /// click, a follow or a scan allows 3 in one minute.
    fn default() -> Self {
        let short = Allowance {
            window: 60,
            messages: Some(3),
        };
        Self {
            message: Allowance {
                window: 48 * 3600,
                messages: Some(5),
            },
            menu_click: short,
            follow: short,
            scan: short,
        }
    }
}

/// Daily call limits per API path (errors-and-limits.md §5); exceeding one answers 45009 until
/// the next day (00:00 Beijing time) or `clear_quota`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quotas {
    limits: HashMap<String, u64>,
}

impl Default for Quotas {
    fn default() -> Self {
        const DEFAULTS: &[(&str, u64)] = &[
            ("/cgi-bin/token", 2_000),
            ("/cgi-bin/stable_token", 500_000),
            ("/cgi-bin/menu/create", 1_000),
            ("/cgi-bin/menu/get", 10_000),
            ("/cgi-bin/menu/delete", 1_000),
            ("/cgi-bin/groups/create", 1_000),
            ("/cgi-bin/groups/get", 1_000),
            ("/cgi-bin/groups/update", 1_000),
            ("/cgi-bin/groups/members/update", 100_000),
            ("/cgi-bin/media/upload", 5_000),
            ("/cgi-bin/media/get", 10_000),
            ("/cgi-bin/message/custom/send", 500_000),
            ("/cgi-bin/message/mass/sendall", 100),
            ("/cgi-bin/message/mass/send", 100),
            ("/cgi-bin/media/uploadnews", 10),
            ("/cgi-bin/message/mass/delete", 10),
            ("/cgi-bin/message/mass/preview", 100),
            ("/cgi-bin/qrcode/create", 100_000),
            ("/cgi-bin/user/get", 500),
            ("/cgi-bin/user/info", 5_000_000),
            ("/cgi-bin/user/info/batchget", 5_000_000),
            ("/cgi-bin/user/info/updateremark", 10_000),
            ("/cgi-bin/message/template/send", 100_000),
        ];
        Self {
            limits: DEFAULTS
                .iter()
                .map(|&(path, limit)| (path.to_owned(), limit))
                .collect(),
        }
    }
}

impl Quotas {
    /// No limit on any API.
    pub fn unlimited() -> Self {
        Self {
            limits: HashMap::new(),
        }
    }

    /// Sets the daily limit of the API at `path` (for example `/cgi-bin/token`).
    pub fn set(mut self, path: impl Into<String>, limit: u64) -> Self {
        self.limits.insert(path.into(), limit);
        self
    }

    /// Removes the limit of the API at `path`.
    pub fn remove(mut self, path: &str) -> Self {
        self.limits.remove(path);
        self
    }

    /// The daily limit of the API at `path`, if it has one.
    pub fn limit(&self, path: &str) -> Option<u64> {
        self.limits.get(path).copied()
    }
}

/// Bytes the calls log keeps by default.
const DEFAULT_CALLS_LOG_BYTES: usize = 32 * 1024 * 1024;

/// Everything that does not change while a sandbox runs.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) quotas: Quotas,
    pub(crate) push_timeout: Duration,
    pub(crate) push_deliveries: u32,
    pub(crate) user_page: usize,
    pub(crate) blacklist_page: usize,
    pub(crate) cs: CsPolicy,
    pub(crate) clear_quota_per_month: u32,
    pub(crate) stable_force_per_day: u32,
    /// Mass sends allowed per day (subscription accounts: 1); `None` for service accounts.
    pub(crate) mass_per_day: Option<u32>,
    /// Bytes the calls log keeps at most.
    pub(crate) calls_log_bytes: usize,
    /// Subscription notifications' rules the sources disagree on.
    pub(crate) subscribe: crate::platform::subscribe::SubscribeRules,
    /// Card rules the sources leave open (deposit and whitelist limits and their codes).
    pub(crate) cards: crate::platform::card::CardRules,
    /// How long every API answer is held back, as the real platform's round trip would.
    pub(crate) latency: Duration,
    /// `changeopenid`'s rules the sources leave open.
    pub(crate) migration: crate::platform::migration::MigrationRules,
    /// Marketing conversions' rules the sources leave open.
    pub(crate) marketing: crate::platform::marketing::MarketingRules,
    /// OCR and image processing: image size and daily quota.
    pub(crate) cv: crate::platform::cv::CvRules,
    /// Comments' rules the sources disagree on.
    pub(crate) comments: crate::platform::comments::CommentRules,
    /// Analytics' rules the sources disagree on (spans, codes, readiness).
    pub(crate) analytics: crate::platform::stats::AnalyticsRules,
    /// Seconds an access token or ticket lives (7,200 on the platform).
    pub(crate) token_lifetime: i64,
    /// Whether API requests are kept exactly for [`crate::Sandbox::requests`].
    pub(crate) keep_requests: bool,
    /// The third-party platform the sandbox plays, if any.
    pub(crate) component: Option<crate::platform::component::config::Component>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            quotas: Quotas::default(),
            push_timeout: Duration::from_secs(5),
            push_deliveries: 3,
            user_page: 10_000,
            blacklist_page: 10_000,
            cs: CsPolicy::default(),
            clear_quota_per_month: 10,
            stable_force_per_day: 20,
            mass_per_day: None,
            calls_log_bytes: DEFAULT_CALLS_LOG_BYTES,
            subscribe: crate::platform::subscribe::SubscribeRules::default(),
            cards: crate::platform::card::CardRules::default(),
            latency: Duration::ZERO,
            migration: crate::platform::migration::MigrationRules::default(),
            marketing: crate::platform::marketing::MarketingRules::default(),
            cv: crate::platform::cv::CvRules::default(),
            comments: crate::platform::comments::CommentRules::default(),
            analytics: crate::platform::stats::AnalyticsRules::default(),
            token_lifetime: crate::platform::tokens::LIFETIME,
            keep_requests: false,
            component: None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;

    fn refused(webhook: &Webhook) -> ConfigError {
        match webhook.validate() {
            Err(SandboxError::Config(config)) => config,
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn settings_that_cannot_be_used_are_refused_with_their_cause() {
        let secret_url = "http://user:hunter2@[::1";
        let error = refused(&Webhook::new(secret_url, "t"));
        assert!(matches!(error, ConfigError::WebhookUrl { .. }), "{error:?}");
        assert!(!error.to_string().contains("hunter2"), "{error}");
        assert!(matches!(
            refused(&Webhook::new("http://a/", "t").with_url("ftp://b/")),
            ConfigError::WebhookScheme { url } if url == "ftp://b/"
        ));
        assert!(matches!(
            refused(&Webhook::new("http://a/", "")),
            ConfigError::NoToken
        ));
        assert!(matches!(
            refused(&Webhook::new("http://a/", "t").mode(PushMode::Safe)),
            ConfigError::NoAesKey
        ));
        assert!(matches!(
            refused(&Webhook::new("http://a/", "t").aes_key("short")),
            ConfigError::AesKey(_)
        ));
        assert!(matches!(
            "secure".parse::<PushMode>(),
            Err(SandboxError::Config(ConfigError::Mode { mode })) if mode == "secure"
        ));
        assert!(matches!(
            AccountConfig::new("wx1", DEFAULT_APP_SECRET).validate(),
            Err(SandboxError::Config(ConfigError::AppId { app_id })) if app_id == "wx1"
        ));
        assert!(matches!(
            AccountConfig::new(DEFAULT_APP_ID, "nope").validate(),
            Err(SandboxError::Config(ConfigError::AppSecret))
        ));
    }
}
