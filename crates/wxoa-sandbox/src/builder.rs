//! [`SandboxBuilder`]: what a sandbox is started with (accounts, followers, the webhook, quotas,
//! each area's rules, the third-party platform, listeners and limits) and how `start` brings
//! the platform, its listeners and its background tasks up.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::config::{AccountConfig, CsPolicy, Quotas, Settings, Webhook};
use crate::shared::Shared;
use crate::{
    AnalyticsRules, CardRules, CommentRules, Component, ConfigError, CvRules, Limits,
    MarketingRules, MigrationRules, Sandbox, SandboxError, SubscribeRules, application, base_url,
    clock, control, event_push, keep_saved, listening, server, state,
};

/// Configures and starts a [`Sandbox`].
#[derive(Debug, Default)]
#[must_use]
pub struct SandboxBuilder {
    accounts: Vec<AccountConfig>,
    followers: u32,
    seed: u64,
    webhook: Option<Webhook>,
    settings: Settings,
    listen: Option<SocketAddr>,
    state_file: Option<PathBuf>,
    limits: Limits,
    migrate_from: Option<String>,
}

impl SandboxBuilder {
    /// Adds an account (repeat for several). Without any, the sandbox plays
    /// [`DEFAULT_APP_ID`] with [`DEFAULT_APP_SECRET`].
    pub fn account(mut self, account: AccountConfig) -> Self {
        self.accounts.push(account);
        self
    }

    /// Number of synthetic followers each account starts with (default 0).
    pub fn followers(mut self, count: u32) -> Self {
        self.followers = count;
        self
    }

    /// Seed of the synthetic followers: the same seed gives the same OpenIDs and profiles.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Where pushes go (one URL, or several behind a round-robin: see [`Webhook::with_url`]).
    pub fn webhook(mut self, webhook: Webhook) -> Self {
        self.webhook = Some(webhook);
        self
    }

    /// How long the webhook has to answer a push (default 5 s, as on the platform).
    pub fn push_timeout(mut self, timeout: Duration) -> Self {
        self.settings.push_timeout = timeout;
        self
    }

    /// How many times a push is delivered at most, the first included (default 3).
    pub fn push_deliveries(mut self, deliveries: u32) -> Self {
        self.settings.push_deliveries = deliveries.max(1);
        self
    }

    /// Daily quotas per API (default: the platform's public table).
    pub fn quotas(mut self, quotas: Quotas) -> Self {
        self.settings.quotas = quotas;
        self
    }

    /// The customer-service window (default: the 2023 rule, see [`CsPolicy`]).
    pub fn cs_policy(mut self, policy: CsPolicy) -> Self {
        self.settings.cs = policy;
        self
    }

    /// Holds every API answer back by `latency` (default none), as the real platform's round
    /// trip would: concurrent calls wait side by side, not one after another. For measuring
    /// how a program behaves against a platform tens of milliseconds away. The control API
    /// and the console answer at once.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.settings.latency = latency;
        self
    }

    /// How long access tokens and tickets live, a component's authorizer tokens included
    /// (default 7,200 s, as on the platform; at least 1 s): short lifetimes let a test watch a
    /// client refresh ahead in real time.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.settings.token_lifetime = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX).max(1);
        self
    }

    /// Keeps the last 64 API requests of each path exactly as they arrived — secrets,
    /// bodies and upload parts included — for [`Sandbox::requests`] (default off). They never
    /// leave the process: the control API's calls log removes secrets and caps bodies, because
    /// anyone who reaches the sandbox can read it; a contract test in the same process can
    /// compare what a client sent byte for byte.
    pub fn keep_requests(mut self, keep: bool) -> Self {
        self.settings.keep_requests = keep;
        self
    }

    /// OpenIDs per page of `user/get` (default 10,000).
    pub fn user_page_size(mut self, size: usize) -> Self {
        self.settings.user_page = size.max(1);
        self
    }

    /// OpenIDs per page of `getblacklist` (default 10,000; some texts say 1,000).
    pub fn blacklist_page_size(mut self, size: usize) -> Self {
        self.settings.blacklist_page = size.max(1);
        self
    }

    /// `clear_quota` calls allowed per month (default 10).
    pub fn clear_quota_per_month(mut self, count: u32) -> Self {
        self.settings.clear_quota_per_month = count;
        self
    }

    /// Forced stable-token refreshes allowed per day (default 20).
    pub fn stable_force_refresh_per_day(mut self, count: u32) -> Self {
        self.settings.stable_force_per_day = count;
        self
    }

    /// Mass sends allowed per day, as for a subscription account (1 on the platform); beyond
    /// it `sendall`/`send` answer 45028. Default: no daily limit (a service account, whose
    /// followers each receive at most 4 mass messages a month).
    pub fn mass_sends_per_day(mut self, count: u32) -> Self {
        self.settings.mass_per_day = Some(count);
        self
    }

    /// Bytes the calls log (`GET /sandbox/calls`) keeps at most (default 32 MiB); the oldest
    /// calls are forgotten first.
    pub fn calls_log_bytes(mut self, bytes: usize) -> Self {
        self.settings.calls_log_bytes = bytes;
        self
    }

    /// Subscription notifications' rules where the platform's sources disagree: keyword
    /// value limits, whether `bizsend` answers a `msgid`, the most templates an account holds
    /// (default: [`SubscribeRules::default`]).
    pub fn subscribe_rules(mut self, rules: SubscribeRules) -> Self {
        self.settings.subscribe = rules;
        self
    }

    /// Plays a second account, `app_id`, that the default account took over (账号迁移):
    /// `changeopenid` turns its followers' OpenIDs into the default account's, for 15 days
    /// from the sandbox's first start (see [`MigrationRules`]). The old account has the same
    /// number of synthetic followers and seed as the others (follower number `k` of the old
    /// account became follower number `k` of the new one) and an AppSecret derived from its
    /// AppID ([`AccountConfig::derived`]), unless it was added with [`account`](Self::account).
    pub fn migrate_from(mut self, app_id: impl Into<String>) -> Self {
        self.migrate_from = Some(app_id.into());
        self
    }

    /// `changeopenid`'s rules the platform's sources leave open (default:
    /// [`MigrationRules::default`]).
    pub fn migration_rules(mut self, rules: MigrationRules) -> Self {
        self.settings.migration = rules;
        self
    }

    /// Marketing conversions' rules the platform's sources leave open (default:
    /// [`MarketingRules::default`]).
    pub fn marketing_rules(mut self, rules: MarketingRules) -> Self {
        self.settings.marketing = rules;
        self
    }

    /// OCR and image processing limits: image size and free calls a day (default:
    /// [`CvRules::default`], the platform's).
    pub fn cv_rules(mut self, rules: CvRules) -> Self {
        self.settings.cv = rules;
        self
    }

    /// Card rules the platform's sources leave open: the most codes a deposit or check names
    /// and the errcode beyond it, the most users on the test whitelist and the errcode beyond
    /// it (default: [`CardRules::default`]).
    pub fn card_rules(mut self, rules: CardRules) -> Self {
        self.settings.cards = rules;
        self
    }

    /// Comments' rules where the platform's sources disagree: the first article's `index`, the
    /// page size of `comment/list`, the cap on elected comments, the longest reply and comment,
    /// and whether the account has the comment privilege (default: [`CommentRules::default`]).
    pub fn comment_rules(mut self, rules: CommentRules) -> Self {
        self.settings.comments = rules;
        self
    }

    /// Analytics' rules where the platform's sources disagree: each endpoint's span, the code
    /// of a range ending today or running backwards, the hour yesterday's figures are ready,
    /// whether the original article endpoints are offline (default: [`AnalyticsRules::default`],
    /// the original documentation's).
    pub fn analytics_rules(mut self, rules: AnalyticsRules) -> Self {
        self.settings.analytics = rules;
        self
    }

    /// Plays a third-party platform (开放平台 component) besides the accounts: its APIs under
    /// `/cgi-bin/component/…`, tickets pushed to its authorization-event URL, simulated
    /// official accounts that authorize it (see [`Component`]).
    pub fn component(mut self, component: Component) -> Self {
        self.settings.component = Some(component);
        self
    }

    /// Address to listen on (default `127.0.0.1:0`, a free port). An address other machines can
    /// reach (not loopback) is logged as a warning: the control API lets anyone who reaches it
    /// act as any follower and read every call.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = Some(addr);
        self
    }

    /// Limits on the clients of every listener: header, body and idle timeouts and the cap on
    /// open connections (default: [`Limits::default`], slow clients closed within 10 s).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Keeps the state in this file: read at start when it exists, written after changes and at
    /// shutdown. Accounts and followers in the file win over the builder's.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Starts the sandbox on its listener.
    pub async fn start(self) -> Result<Sandbox, SandboxError> {
        let mut accounts = if self.accounts.is_empty() {
            vec![AccountConfig::default()]
        } else {
            self.accounts
        };
        if let Some(from) = &self.migrate_from {
            let first = accounts
                .first()
                .map(|a| a.app_id.clone())
                .unwrap_or_default();
            if *from == first {
                return Err(ConfigError::MigrateFromItself {
                    app_id: from.clone(),
                }
                .into());
            }
            if !accounts.iter().any(|a| a.app_id == *from) {
                accounts.push(AccountConfig::derived(from.clone()));
            }
        }
        for account in &accounts {
            account.validate()?;
        }
        let mut authorizers = Vec::new();
        if let Some(component) = &self.settings.component {
            component.validate()?;
            authorizers = component.authorizer_accounts(self.seed);
            accounts.extend(authorizers.iter().cloned());
        }
        if let Some(webhook) = &self.webhook {
            webhook.validate()?;
        }
        let loaded = match &self.state_file {
            Some(path) => crate::persist::load(path)?,
            None => None,
        };
        let (platform, offset) = match loaded {
            Some((mut platform, offset)) => {
                platform.add_missing(&accounts, self.followers, self.seed);
                (platform, offset)
            }
            None => (state::State::new(&accounts, self.followers, self.seed), 0),
        };
        let clock = clock::Clock::with_offset(offset);
        let mut platform = platform;
        if let (Some(from), Some(first)) = (&self.migrate_from, accounts.first()) {
            platform.link_migration(&first.app_id, from, clock.now());
        }
        if self
            .settings
            .component
            .as_ref()
            .is_some_and(|c| c.pre_authorized)
        {
            let app_ids: Vec<String> = authorizers.into_iter().map(|a| a.app_id).collect();
            platform.pre_authorize(&app_ids, clock.now());
        }
        let default_account = platform
            .accounts
            .first()
            .map(|a| (a.app_id.clone(), a.original_id.clone()))
            .unwrap_or_default();
        // Pushes never follow redirects: a webhook answering 3xx must not make the sandbox send
        // requests to an address of its choosing.
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(SandboxError::Client)?;
        let shared = Arc::new(Shared::new(
            platform,
            clock,
            self.settings,
            self.webhook,
            http,
        ));
        let addr = self
            .listen
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = server::bind(addr).await?;
        let local_addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: addr.to_string(),
            source,
        })?;
        listening(&shared, "api", addr, local_addr);
        let (shutdown, receiver) = watch::channel(false);
        let app = application(&shared);
        let mut tasks = vec![tokio::spawn(server::serve(
            listener,
            "api",
            app,
            self.limits,
            receiver.clone(),
        ))];
        if shared.settings.component.is_some() {
            tasks.push(tokio::spawn(event_push::ticket_loop(
                Arc::clone(&shared),
                receiver.clone(),
            )));
        }
        if let Some(path) = &self.state_file {
            tasks.push(tokio::spawn(keep_saved(
                Arc::clone(&shared),
                path.clone(),
                receiver,
            )));
        }
        let base_url = base_url(local_addr);
        Ok(Sandbox {
            control: control::Control::with_http(&base_url, shared.http.clone()),
            shared,
            local_addr,
            base_url,
            app_id: default_account.0,
            original_id: default_account.1,
            shutdown,
            tasks: Mutex::new(tasks),
            state_file: self.state_file,
            limits: self.limits,
        })
    }
}
