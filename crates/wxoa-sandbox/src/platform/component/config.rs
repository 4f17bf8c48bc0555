//! What a sandbox playing a third-party platform (开放平台 component) is configured with: the
//! component's credentials and URLs, the simulated official accounts that can authorize it,
//! and the lifetimes and caps the platform's sources disagree on (spec open-platform.md §8,
//! §11: every "unsure" value is a setting here).

use crate::config::{AccountConfig, check_push_url, is_app_id, is_app_secret};
use crate::error::{ConfigError, SandboxError};

/// Lifetimes and caps of the third-party platform. The defaults are the spec's choices for the
/// emulator; the sources disagree on most of them, so each one can be changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ComponentRules {
    /// Seconds a `pre_auth_code` lives (default 1,800; examples answer 600).
    pub pre_auth_code_ttl: i64,
    /// Seconds an authorization code (`auth_code`, `AuthorizationCode`) lives (default 3,600).
    pub auth_code_ttl: i64,
    /// Seconds a `component_verify_ticket` is accepted after its push (default 12 h).
    pub ticket_validity: i64,
    /// Seconds between two ticket pushes (default 600).
    pub ticket_interval: i64,
    /// `api_component_token` calls a day before 45009 (default 2,000; one report saw
    /// 10,000); `None` for no cap.
    pub component_tokens_per_day: Option<u32>,
    /// `api_authorizer_token` calls a day per authorizer before 45009 (default 2,000; the
    /// cap is undocumented); `None` for no cap.
    pub refreshes_per_day: Option<u32>,
}

impl Default for ComponentRules {
    fn default() -> Self {
        Self {
            pre_auth_code_ttl: 1_800,
            auth_code_ttl: 3_600,
            ticket_validity: 12 * 3_600,
            ticket_interval: 600,
            component_tokens_per_day: Some(2_000),
            refreshes_per_day: Some(2_000),
        }
    }
}

/// The third-party platform a sandbox plays (`wxoa sandbox --component-…`).
#[derive(Clone, PartialEq, Eq)]
pub struct Component {
    pub(crate) app_id: String,
    pub(crate) secret: String,
    pub(crate) token: String,
    pub(crate) aes_key: String,
    pub(crate) auth_url: Option<String>,
    pub(crate) message_url: Option<String>,
    pub(crate) authorizers: u32,
    pub(crate) pre_authorized: bool,
    pub(crate) rules: ComponentRules,
    pub(crate) ip_whitelist: Option<Vec<std::net::IpAddr>>,
}

impl std::fmt::Debug for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = |u: &Option<String>| {
            u.as_deref()
                .map(|u| wxoa_types::secret::mask_url_password(u).into_owned())
        };
        f.debug_struct("Component")
            .field("app_id", &self.app_id)
            .field("secret", &"***")
            .field("token", &"***")
            .field("aes_key", &"***")
            .field("auth_url", &url(&self.auth_url))
            .field("message_url", &url(&self.message_url))
            .field("authorizers", &self.authorizers)
            .field("pre_authorized", &self.pre_authorized)
            .field("rules", &self.rules)
            .field("ip_whitelist", &self.ip_whitelist)
            .finish()
    }
}

impl Component {
    /// A component with its AppID, AppSecret, the 消息校验 Token and the 43-character
    /// EncodingAESKey that sign and encrypt every push (components only use safe mode).
    pub fn new(
        app_id: impl Into<String>,
        secret: impl Into<String>,
        token: impl Into<String>,
        aes_key: impl Into<String>,
    ) -> Self {
        Self {
            app_id: app_id.into(),
            secret: secret.into(),
            token: token.into(),
            aes_key: aes_key.into(),
            auth_url: None,
            message_url: None,
            authorizers: 0,
            pre_authorized: false,
            rules: ComponentRules::default(),
            ip_whitelist: None,
        }
    }

    /// The 授权事件接收URL: tickets and authorization changes are pushed there.
    pub fn auth_url(mut self, url: impl Into<String>) -> Self {
        self.auth_url = Some(url.into());
        self
    }

    /// The 消息与事件接收URL: the authorizers' follower messages are pushed there, the
    /// literal `$APPID$` replaced by the authorizer's AppID.
    pub fn message_url(mut self, url: impl Into<String>) -> Self {
        self.message_url = Some(url.into());
        self
    }

    /// Simulated official accounts that can authorize the component (default 0): their
    /// AppIDs, original ids and names follow from the sandbox's seed; each has the sandbox's
    /// synthetic followers.
    pub fn authorizers(mut self, count: u32) -> Self {
        self.authorizers = count;
        self
    }

    /// Whether the simulated accounts start authorized (every permission set of an official
    /// account, refresh tokens issued, nothing pushed) instead of waiting for an admin's
    /// consent (default false).
    pub fn pre_authorized(mut self, yes: bool) -> Self {
        self.pre_authorized = yes;
        self
    }

    /// Lifetimes and caps (default: [`ComponentRules::default`]).
    pub fn rules(mut self, rules: ComponentRules) -> Self {
        self.rules = rules;
        self
    }

    /// The component's IP whitelist (白名单IP地址列表): calls on component paths and calls
    /// made with the component token or an authorizer token from any other address answer
    /// 61004 (default: none, every address allowed).
    pub fn ip_whitelist(mut self, ips: impl IntoIterator<Item = std::net::IpAddr>) -> Self {
        self.ip_whitelist = Some(ips.into_iter().collect());
        self
    }

    /// The component's AppID.
    pub fn app_id(&self) -> &str {
        &self.app_id
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
        if self.token.is_empty() {
            return Err(ConfigError::NoToken.into());
        }
        wxoa_crypto::AesKey::from_encoding_aes_key(&self.aes_key).map_err(ConfigError::AesKey)?;
        for raw in self.auth_url.iter().chain(&self.message_url) {
            check_push_url(raw, &raw.replace("$APPID$", "wx0000000000000000"))?;
        }
        let rules = &self.rules;
        if [
            rules.pre_auth_code_ttl,
            rules.auth_code_ttl,
            rules.ticket_validity,
            rules.ticket_interval,
        ]
        .iter()
        .any(|&t| t <= 0)
        {
            return Err(ConfigError::ComponentLifetime.into());
        }
        Ok(())
    }

    /// The simulated official accounts: AppID, AppSecret and original id follow from `seed`
    /// and the account's number.
    pub(crate) fn authorizer_accounts(&self, seed: u64) -> Vec<AccountConfig> {
        (0..self.authorizers)
            .map(|n| {
                let hex = |label: &str, bytes: usize| {
                    use sha1::{Digest, Sha1};
                    let mut hasher = Sha1::new();
                    hasher.update(label.as_bytes());
                    hasher.update(seed.to_be_bytes());
                    hasher.update(n.to_be_bytes());
                    let digest = hasher.finalize();
                    digest
                        .iter()
                        .take(bytes)
                        .map(|b| format!("{b:02x}"))
                        .collect::<String>()
                };
                let secret = format!(
                    "{}{}",
                    hex("wxoa-sandbox authorizer secret", 10),
                    hex("wxoa-sandbox authorizer secret 2", 6)
                );
                AccountConfig::new(format!("wx{}", hex("wxoa-sandbox authorizer", 8)), secret)
                    .original_id(format!("gh_{}", hex("wxoa-sandbox authorizer gh", 6)))
            })
            .collect()
    }
}
