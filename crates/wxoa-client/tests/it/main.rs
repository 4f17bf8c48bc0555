#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

//! Integration tests of the client against the in-process stub platform, on loopback only.
//!
//! Every test logs into one capturing subscriber at TRACE (with `log` records bridged), so that
//! the redaction test can look at everything the run logged.

mod blacklist;
mod card;
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
mod sandbox_stats;
mod shorturl;
mod single_flight;
mod stats;
mod stores;
mod stub_env;
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

use wxoa_client::testing::{STUB_APP_ID, STUB_APP_SECRET, StubPlatform};
use wxoa_client::{Account, Client, ClientBuilder, RetryPolicy};

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

/// A client builder for the stub's default account, with fast retries.
pub fn builder(stub: &StubPlatform) -> ClientBuilder {
    builder_for(stub, Account::new(STUB_APP_ID, STUB_APP_SECRET))
}

/// A client builder for `account` on `stub`, with fast retries.
pub fn builder_for(stub: &StubPlatform, account: Account) -> ClientBuilder {
    init_logs();
    Client::builder()
        .account(account)
        .api_bases([stub.base_url()])
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

/// A fresh account registered on the stub, with an AppID no other test (or earlier run sharing
/// a Redis) uses.
pub fn unique_account(stub: &StubPlatform) -> (String, Account) {
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
    let secret = format!("secret-{app_id}-{serial}");
    stub.add_account(&app_id, &secret);
    (app_id.clone(), Account::new(app_id, secret))
}
