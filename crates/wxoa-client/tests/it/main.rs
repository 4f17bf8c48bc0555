#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

//! Integration tests of the client against the in-process sandbox platform, on loopback only.
//!
//! Every test logs into one capturing subscriber at TRACE (with `log` records bridged), so that
//! the redaction test can look at everything the run logged.

mod blacklist;
mod card;
mod card_member;
mod card_pages;
mod comments;
mod component_keeper;
mod component_oauth;
mod component_store;
mod contract_env;
mod custom;
mod errors;
mod groups;
mod jssdk;
mod mass;
mod material;
mod media;
mod menu;
mod misc;
mod oauth;
mod publish;
mod qrcode;
mod redaction;
mod redis_store;
mod refresh;
mod registry;
mod remote;
mod retries;
mod sandbox_card;
mod sandbox_card_member;
mod sandbox_card_pages;
mod sandbox_comments;
mod sandbox_component;
mod sandbox_env;
mod sandbox_kf;
mod sandbox_mass;
mod sandbox_material;
mod sandbox_media;
mod sandbox_metrics;
mod sandbox_misc;
mod sandbox_publish;
mod sandbox_qrcode;
mod sandbox_shorturl;
mod sandbox_smaller;
mod sandbox_stats;
mod sandbox_stats_rules;
mod shorturl;
mod single_flight;
mod smaller;
mod stats;
mod stores;

mod subscribe;
mod tags;
mod template;
mod tickets;
mod token_errors;
mod token_reports;
mod users;

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use wxoa_client::{Account, Client, ClientBuilder, RetryPolicy};
pub use wxoa_sandbox::DEFAULT_APP_ID;
use wxoa_sandbox::{AccountConfig, DEFAULT_APP_SECRET, Sandbox, SandboxBuilder};

/// Everything logged by this test process.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let writer = capture.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("the capturing subscriber is the only one");
        capture
    })
}

/// Installs the capturing subscriber (idempotent).
pub fn init_logs() {
    capture();
}

/// Everything logged so far.
pub fn logs() -> String {
    String::from_utf8_lossy(&capture().0.lock().unwrap()).into_owned()
}

/// Retries without real waiting.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
    }
}

/// The sandbox (playing a third-party platform) pushes its ticket, and `component` keeps it,
/// as the authorization-event endpoint would.
pub async fn deliver_ticket(sandbox: &Sandbox, component: &wxoa_client::component::Component) {
    let control = sandbox.control();
    control.push_ticket().await.unwrap();
    let state = control.component().await.unwrap();
    component
        .store_ticket(
            state.ticket.unwrap().into(),
            u64::try_from(state.ticket_at.unwrap()).unwrap(),
        )
        .await
        .unwrap();
}

/// How many accounts besides the default one a test platform plays ([`unique_account`]).
const SPARE_ACCOUNTS: usize = 4;

/// A sandbox for a test: the default account and spare ones with AppIDs no other test (or
/// earlier run sharing a Redis) uses, requests kept exactly for contract checks.
pub struct Platform {
    sandbox: Sandbox,
    spare: Vec<(String, String)>,
    /// How many spare accounts [`unique_account`] handed out.
    used: AtomicU64,
}

impl std::ops::Deref for Platform {
    type Target = Sandbox;

    fn deref(&self) -> &Sandbox {
        &self.sandbox
    }
}

/// A sandbox for one test (see [`Platform`]).
pub async fn platform() -> Platform {
    platform_with(Sandbox::builder()).await
}

/// A sandbox for one test, configured further by `builder` (see [`Platform`]).
pub async fn platform_with(builder: SandboxBuilder) -> Platform {
    let spare: Vec<(String, String)> = (0..SPARE_ACCOUNTS).map(|_| fresh_ids()).collect();
    let mut builder = builder
        .keep_requests(true)
        .account(AccountConfig::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET));
    for (app_id, secret) in &spare {
        builder = builder.account(AccountConfig::new(app_id.as_str(), secret.as_str()));
    }
    let sandbox = builder.start().await.expect("the sandbox starts");
    Platform {
        sandbox,
        spare,
        used: AtomicU64::new(0),
    }
}

/// A client builder for the sandbox's default account, with fast retries.
pub fn builder(platform: &Sandbox) -> ClientBuilder {
    builder_for(platform, Account::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET))
}

/// A client builder for `account` on `platform`, with fast retries.
pub fn builder_for(platform: &Sandbox, account: Account) -> ClientBuilder {
    init_logs();
    Client::builder()
        .account(account)
        .api_bases([platform.base_url()])
        .retry(fast_retry())
}

/// `per_client` concurrent `GET path` calls on each client, each on its own task; the answers
/// (any failure fails the test).
pub async fn concurrent_gets(
    clients: &[Client],
    per_client: usize,
    path: &'static str,
) -> Vec<serde_json::Value> {
    let calls: Vec<_> = clients
        .iter()
        .flat_map(|client| {
            (0..per_client).map(move |_| {
                let client = client.clone();
                tokio::spawn(async move { client.get_json(path, &[]).await })
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(calls.len());
    for call in calls {
        answers.push(call.await.unwrap().unwrap());
    }
    answers
}

/// One of the platform's spare accounts, with an AppID no other test (or earlier run sharing a
/// Redis) uses.
pub fn unique_account(platform: &Platform) -> (String, Account) {
    let next = platform.used.fetch_add(1, Ordering::Relaxed) as usize;
    let (app_id, secret) = platform
        .spare
        .get(next)
        .cloned()
        .expect("a spare account is left");
    (app_id.clone(), Account::new(app_id, secret))
}

/// An AppID and AppSecret no other test (or earlier run sharing a Redis) uses.
fn fresh_ids() -> (String, String) {
    static SERIAL: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
    let app_id = format!(
        "wx{:016x}",
        nanos ^ (serial << 40) ^ u64::from(std::process::id())
    );
    let secret = format!("{:016x}{:016x}", nanos.rotate_left(17), serial);
    (app_id, secret)
}

/// The calls to `path` the client under test made itself (on the `api` listener).
pub async fn client_calls(platform: &Sandbox, path: &str) -> usize {
    let calls = platform.control().calls(path).await.unwrap();
    calls.iter().filter(|c| c.listener == "api").count()
}

/// Every secret that reached `platform` (as it kept the requests): AppSecrets and access
/// tokens, each once.
pub fn seen_secrets(platform: &Platform) -> Vec<String> {
    let mut secrets = std::collections::BTreeSet::new();
    secrets.insert(DEFAULT_APP_SECRET.to_owned());
    for (_, secret) in &platform.spare {
        secrets.insert(secret.clone());
    }
    for request in platform.all_requests() {
        secrets.extend(request.access_token.clone());
        secrets.extend(request.query.get("secret").cloned());
        let body = request.json().unwrap_or_default();
        secrets.extend(body["secret"].as_str().map(str::to_owned));
    }
    secrets.into_iter().collect()
}
