#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod server;

use std::sync::Arc;
use std::time::Duration;

use wxoa_client::testing::{STUB_APP_ID, STUB_APP_SECRET, StubPlatform};
use wxoa_client::token::{MemoryStore, TokenStore};
use wxoa_client::{Account, Client, RetryPolicy};
use wxoa_control::ControlServer;

pub const AUTH: &str = "control-bearer-7f3a";

/// A control server for the stub's account, on a loopback port.
pub struct Running {
    pub base: String,
    pub server: ControlServer,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn upstream_client(stub: &StubPlatform, store: Arc<dyn TokenStore>) -> Client {
    Client::builder()
        .account(Account::new(STUB_APP_ID, STUB_APP_SECRET))
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = server.router();
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    Running { base, server, task }
}

pub async fn start_memory(stub: &StubPlatform) -> Running {
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
