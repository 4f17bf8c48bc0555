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
//! - `builder`: [`SandboxBuilder`], what a sandbox starts with, and how it starts.
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
//!   the virtual clock, authorization changes) and their log. `release_test`: the 全网发布
//!   test run against the component.
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

mod builder;
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
mod release_test;
mod rids;
mod routes;
mod serde_helpers;
mod server;
mod shared;
mod state;

pub use builder::SandboxBuilder;
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
pub use platform::stats::AnalyticsRules;
pub use platform::subscribe::SubscribeRules;
/// The limits every listener of the sandbox is served with (see [`SandboxBuilder::limits`]).
pub use wxoa_server::Limits;

use crate::shared::Shared;

/// How often the state file is brought up to date while the sandbox runs.
const SAVE_INTERVAL: Duration = Duration::from_millis(500);

/// How long [`Sandbox::shutdown`] lets requests in flight finish before closing their
/// connections: enough for API calls, short enough that a push still waiting on a silent
/// webhook (up to three 5-second deliveries) does not hold a test suite's teardown.
const SHUTDOWN_DRAIN: Duration = Duration::from_secs(2);

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
            save_state(&self.shared, path)?;
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

fn save_state(shared: &Shared, path: &std::path::Path) -> Result<(), SandboxError> {
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
        let written = tokio::task::spawn_blocking(move || save_state(&shared, &path)).await;
        match written {
            Ok(Ok(())) => saved = generation,
            Ok(Err(e)) => tracing::warn!(error = %e, "sandbox: cannot write the state file"),
            Err(e) => tracing::warn!(error = %e, "sandbox: state writer failed"),
        }
    }
}
