//! A faithful local WeChat Official Account platform, in-process.
//!
//! The sandbox serves the platform's own API paths (`/cgi-bin/…`) with the platform's JSON
//! shapes, rules and error codes, issues tokens as the platform does, plays any number of
//! synthetic followers, and pushes their messages and events to the account's server signed
//! and encrypted per mode, with the platform's timeout and retries. A control API under
//! `/sandbox/…` makes followers act, reads what they received, moves a virtual clock, scripts
//! faults and shows every call received; `GET /` is a web console playing a follower's phone.
//! Behaviour follows `spec/` of the wxoa project, not any client, so it can test clients —
//! this workspace's and anyone else's.
//!
//! ```no_run
//! # async fn demo() -> Result<(), wxoa_sandbox::SandboxError> {
//! use wxoa_sandbox::{Sandbox, Webhook, PushMode};
//!
//! let sandbox = Sandbox::builder()
//!     .followers(1_000)
//!     .seed(7)
//!     .webhook(Webhook::new("http://127.0.0.1:8080/wechat", "token").mode(PushMode::Plain))
//!     .start()
//!     .await?;
//! let token_url = format!(
//!     "{}/cgi-bin/token?grant_type=client_credential&appid={}&secret={}",
//!     sandbox.base_url(),
//!     sandbox.app_id(),
//!     wxoa_sandbox::DEFAULT_APP_SECRET,
//! );
//! // … point a client at `sandbox.base_url()` …
//! sandbox.shutdown().await?;
//! # let _ = token_url;
//! # Ok(()) }
//! ```
//!
//! Module map:
//! - `state`: the platform (accounts and the tokens issued) and each account's fields, its
//!   inboxes and ids. `persist`: the state file (0600, atomic). `serde_helpers`: how
//!   the state file writes bytes and leaves zeros out.
//! - `shared`: what every handler reaches — the state behind its mutex and the services.
//! - `log`: logs bounded by bytes, and the push log.
//! - `platform/<area>`: an area's state types and its rules as methods the routes call —
//!   `people` (followers, profiles, what an action changes, who a message reaches, users and
//!   the blacklist), `custom` (customer-service messages), `kf` (agents, sessions, the
//!   record), `menu`, `tokens` (tokens, tickets, quotas), `network`, `qrcode`, `card`,
//!   `template`, `subscribe` (subscription notifications and their consents), `media`,
//!   `material`, `mass`, `publish`, `comments` (article comments), `oauth`, `tags`, `groups`,
//!   `shorten`, `migration` (`changeopenid` and the old account), `autoreply` (the console's
//!   automatic replies), `marketing` (conversion reporting), `cv` (OCR and image processing),
//!   and `component` (the third-party platform: its configuration, tickets and token,
//!   authorizations).
//! - `event_push`: pushes to the third-party platform's authorization-event URL (tickets on
//!   the virtual clock, authorization changes) and their log.
//! - `followers`: synthetic followers — OpenIDs computed from numbers and back, profiles on
//!   demand, so a million cost nothing.
//! - `clock`: virtual time. `faults`: scripted errcodes, delays, dropped connections and
//!   answers (any status, headers and bytes). `kept`: requests kept exactly for a test in the
//!   same process, and how an upload's form is read.
//! - `rids`: the request ids of error answers, for `openapi/rid/get`.
//! - `calls`: the calls log with secrets removed, bounded by bytes. `push`: deliveries to the
//!   webhook (round-robin over its URLs, never following redirects).
//! - `routes/<area>`: one file per API area, each path next to its handler, HTTP only: it
//!   decodes the request, calls its area, and encodes the answer. `routes/control` is the
//!   control API, `routes/component*` the third-party platform's API, control endpoints and
//!   authorization pages, `routes/console` the web console (`GET /`, files in `src/console/`) and the
//!   control endpoints it reads. What they share: `routes/extract` (query, token check, JSON
//!   body, uploads), `routes/answer` (pages, files, QR images), `routes/sandbox_api` (the
//!   control API's refusals and account choice). No area's route file uses another's.
//! - `control`: the typed client of the control API, for tests of code built on the
//!   platform (the server side is `routes/control`).
//! - `server`: listeners, dropped connections and the layer every call passes.
//! - `guard`: the `Host` and `Content-Type` checks that keep web pages away from the control
//!   API and the console (DNS rebinding, cross-site requests).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

mod calls;
mod clock;
mod config;
pub mod control;
mod error;
mod event_push;
mod faults;
mod followers;
mod guard;
pub mod kept;
mod log;
mod persist;
mod platform;
mod push;
mod rids;
mod routes;
mod serde_helpers;
mod server;
mod shared;
mod state;

pub use clock::ClockProblem;
pub use config::{
    AccountConfig, Allowance, CsPolicy, DEFAULT_APP_ID, DEFAULT_APP_SECRET, DEFAULT_ORIGINAL_ID,
    PushMode, Quotas, Webhook,
};
pub use control::{Control, ControlError};
pub use error::{ConfigError, SandboxError};
pub use platform::card::CardRules;
pub use platform::comments::CommentRules;
pub use platform::component::config::{Component, ComponentRules};
pub use platform::cv::CvRules;
pub use platform::marketing::MarketingRules;
pub use platform::migration::MigrationRules;
pub use platform::subscribe::SubscribeRules;
/// The limits every listener of the sandbox is served with (see [`SandboxBuilder::limits`]).
pub use wxoa_server::Limits;

use crate::config::Settings;
use crate::shared::Shared;

/// How often the state file is brought up to date while the sandbox runs.
const SAVE_INTERVAL: Duration = Duration::from_millis(500);

/// How long [`Sandbox::shutdown`] lets requests in flight finish before closing their
/// connections: enough for API calls, short enough that a push still waiting on a silent
/// webhook (up to three 5-second deliveries) does not hold a test suite's teardown.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(2);

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

/// A running sandbox. Dropping it stops it (without the final save of
/// [`shutdown`](Sandbox::shutdown)).
#[derive(Debug)]
pub struct Sandbox {
    shared: Arc<Shared>,
    control: control::Control,
    local_addr: SocketAddr,
    base_url: String,
    app_id: String,
    original_id: String,
    shutdown: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    state_file: Option<PathBuf>,
    limits: Limits,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl Sandbox {
    /// A builder with the platform's defaults.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// Starts a sandbox with every default: the default account, no followers, no webhook.
    pub async fn start() -> Result<Sandbox, SandboxError> {
        Self::builder().start().await
    }

    /// The base URL of the API and of the control API, e.g. `http://127.0.0.1:40123`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The typed client of this sandbox's control API: make followers act, read what they
    /// received, move the clock, script faults.
    pub fn control(&self) -> &control::Control {
        &self.control
    }

    /// The last requests (at most 64) that reached the API path `path`, oldest first, exactly
    /// as they arrived; empty unless [`SandboxBuilder::keep_requests`] was set.
    pub fn requests(&self, path: &str) -> Vec<kept::KeptRequest> {
        crate::shared::lock(&self.shared.kept).of(path)
    }

    /// Every request kept (see [`Sandbox::requests`]), path by path, oldest first within each.
    pub fn all_requests(&self) -> Vec<kept::KeptRequest> {
        crate::shared::lock(&self.shared.kept).all()
    }

    /// The address the sandbox listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// AppID of the default (first) account.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// Original id (`gh_…`) of the default account: the `ToUserName` of its pushes.
    pub fn original_id(&self) -> &str {
        &self.original_id
    }

    /// The virtual time, Unix seconds.
    pub fn now(&self) -> i64 {
        self.shared.clock.now()
    }

    /// Moves the virtual clock forward (it stops at 9999-12-31); returns the new virtual time.
    pub fn advance_clock(&self, seconds: u32) -> i64 {
        let now = self.shared.clock.advance_saturating(i64::from(seconds));
        self.shared.touch();
        now
    }

    /// Replaces the webhook configuration (`None` stops pushes).
    pub fn set_webhook(&self, webhook: Option<Webhook>) -> Result<(), SandboxError> {
        if let Some(webhook) = &webhook {
            webhook.validate()?;
        }
        self.shared.set_webhook(webhook);
        Ok(())
    }

    /// Starts a second listener on a free loopback port playing `api2.weixin.qq.com`, the
    /// failover host: same state, its calls logged with `"listener": "api2"`, and faults can
    /// target one listener. Returns its base URL.
    pub async fn start_api2(&self) -> Result<String, SandboxError> {
        self.add_listener("api2", SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
    }

    /// Starts another listener named `name` on `addr`; returns its base URL.
    pub async fn add_listener(&self, name: &str, addr: SocketAddr) -> Result<String, SandboxError> {
        let listener = server::bind(addr).await?;
        let local = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: addr.to_string(),
            source,
        })?;
        listening(&self.shared, name, addr, local);
        let app = application(&self.shared);
        let task = tokio::spawn({
            let name = name.to_owned();
            let receiver = self.shutdown.subscribe();
            let limits = self.limits;
            async move { server::serve(listener, &name, app, limits, receiver).await }
        });
        crate::shared::lock(&self.tasks).push(task);
        Ok(base_url(local))
    }

    /// Stops every listener — requests in flight get up to 2 s to finish — and writes the
    /// state file one last time.
    pub async fn shutdown(self) -> Result<(), SandboxError> {
        let _ = self.shutdown.send(true);
        let tasks = std::mem::take(&mut *crate::shared::lock(&self.tasks));
        let deadline = tokio::time::Instant::now() + SHUTDOWN_DRAIN;
        for mut task in tasks {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                // Aborting a listener's task closes its remaining connections.
                task.abort();
                let _ = task.await;
            }
        }
        if let Some(path) = &self.state_file {
            save_now(&self.shared, path)?;
        }
        Ok(())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

fn base_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// The application a listener serves: the routes and the API layer, behind the checks that
/// keep web pages away from the control API and the console.
fn application(shared: &Arc<Shared>) -> axum::Router {
    server::app(Arc::clone(shared)).layer(axum::middleware::from_fn_with_state(
        Arc::clone(&shared.hosts),
        guard::guard,
    ))
}

/// Notes a new listener: its address is one the control API answers to, and one reachable
/// from other machines is worth a warning.
fn listening(shared: &Shared, name: &str, asked: SocketAddr, bound: SocketAddr) {
    shared.hosts.listen_on(asked, bound);
    if guard::is_exposed(bound) {
        tracing::warn!(
            listener = name,
            addr = %bound,
            "sandbox: listening beyond loopback: anyone who can reach {bound} can use the \
             control API (act as any follower, read every call, move the clock); prefer \
             127.0.0.1 unless other machines must reach it"
        );
    }
}

fn save_now(shared: &Shared, path: &std::path::Path) -> Result<(), SandboxError> {
    let bytes = shared.snapshot().map_err(SandboxError::StateEncode)?;
    crate::persist::save(path, &bytes)
}

/// Writes the state file whenever the state changed, until shutdown.
async fn keep_saved(shared: Arc<Shared>, path: PathBuf, mut shutdown: watch::Receiver<bool>) {
    let mut saved = shared.generation();
    loop {
        tokio::select! {
            () = tokio::time::sleep(SAVE_INTERVAL) => {}
            _ = shutdown.changed() => return,
        }
        let generation = shared.generation();
        if generation == saved {
            continue;
        }
        let shared = Arc::clone(&shared);
        let path = path.clone();
        let written = tokio::task::spawn_blocking(move || save_now(&shared, &path)).await;
        match written {
            Ok(Ok(())) => saved = generation,
            Ok(Err(e)) => tracing::warn!(error = %e, "sandbox: cannot write the state file"),
            Err(e) => tracing::warn!(error = %e, "sandbox: state writer failed"),
        }
    }
}
