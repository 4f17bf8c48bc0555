#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod component;
mod fetch_lock;
mod server;
mod stable_reports;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use wxoa_client::token::{MemoryStore, TokenStore};
use wxoa_client::{Account, Client, ClientBuilder, RetryPolicy};
use wxoa_control::ControlServer;
use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET, Sandbox};
use wxoa_testkit::Served;

pub const AUTH: &str = "control-bearer-7f3a";

/// A control server for the sandbox's default account, on a loopback port; it stops when
/// dropped.
pub struct Running {
    pub base: String,
    pub server: ControlServer,
    _served: Served,
}

/// A sandbox playing the platform for one test.
pub async fn platform() -> Sandbox {
    Sandbox::start().await.unwrap()
}

pub fn upstream_client(stub: &Sandbox, store: Arc<dyn TokenStore>) -> Client {
    Client::builder()
        .account(Account::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET))
        .api_bases([stub.base_url()])
        .store(store)
        .retry(RetryPolicy {
            initial_backoff: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap()
}

pub async fn start(client: Client) -> Running {
    let server = ControlServer::new(client, AUTH);
    let served = Served::start(server.router()).await.unwrap();
    Running {
        base: served.base_url().to_owned(),
        server,
        _served: served,
    }
}

pub async fn start_memory(stub: &Sandbox) -> Running {
    start(upstream_client(stub, Arc::new(MemoryStore::new()))).await
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub async fn get_token(base: &str) -> serde_json::Value {
    http()
        .get(format!("{base}/token"))
        .bearer_auth(AUTH)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub async fn report(base: &str, token: &str) -> reqwest::Response {
    report_to(&format!("{base}/token/invalidate"), token).await
}

/// `POST url` (an invalidation route, with its query) reporting `token`.
pub async fn report_to(url: &str, token: &str) -> reqwest::Response {
    http()
        .post(url)
        .bearer_auth(AUTH)
        .json(&json!({ "access_token": token }))
        .send()
        .await
        .unwrap()
}

pub async fn metrics(base: &str) -> String {
    http()
        .get(format!("{base}/metrics"))
        .bearer_auth(AUTH)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The sandbox playing the platform: `stable_token` answers the current token in normal mode
/// and refreshes by force at most once in 30 s, as the platform does.
pub struct Platform {
    pub sandbox: Sandbox,
}

impl Platform {
    pub async fn start() -> Platform {
        Platform {
            sandbox: Sandbox::start().await.unwrap(),
        }
    }

    /// A client of the sandbox's default account on `store`, with fast retries.
    pub fn client(&self, store: Arc<dyn TokenStore>) -> ClientBuilder {
        Client::builder()
            .account(Account::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET))
            .api_bases([self.sandbox.base_url()])
            .store(store)
            .retry(RetryPolicy {
                initial_backoff: Duration::from_millis(1),
                ..RetryPolicy::default()
            })
    }

    /// `POST /sandbox/faults`.
    pub async fn fault(&self, fault: Value) {
        let added = self.sandbox.control().faults().add(&fault).await;
        assert!(added.is_ok(), "{fault}: {added:?}");
    }

    /// The `stable_token` calls the sandbox answered with a token: (normal, forced).
    pub async fn stable_token_fetches(&self) -> (usize, usize) {
        let control = self.sandbox.control();
        control.stable_token_fetches().await.unwrap()
    }

    /// Whether the platform accepts `token` now.
    pub async fn accepts(&self, token: &str) -> bool {
        accepted(&self.sandbox, token).await
    }
}

/// Whether `platform` accepts `token` (an account's or an authorizer's) now.
pub async fn accepted(platform: &Sandbox, token: &str) -> bool {
    let answer: Value = http()
        .get(format!(
            "{}/cgi-bin/getcallbackip?access_token={token}",
            platform.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["ip_list"].is_array()
}
