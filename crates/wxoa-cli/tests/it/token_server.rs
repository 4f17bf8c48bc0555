//! CONTRACT §5: `wxoa token-server` over HTTP, in front of the sandbox.

use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::{Value, json};
use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET, Sandbox};

use crate::http;

pub(crate) struct TokenServer {
    _process: crate::Spawned,
    pub(crate) base: String,
}

impl TokenServer {
    fn start(api_base: &str, store: &str) -> TokenServer {
        Self::start_for(api_base, store, DEFAULT_APP_ID, DEFAULT_APP_SECRET)
    }

    pub(crate) fn start_for(
        api_base: &str,
        store: &str,
        app_id: &str,
        app_secret: &str,
    ) -> TokenServer {
        let args = [
            "token-server",
            "--listen",
            "127.0.0.1:0",
            "--auth-token",
            "cli-bearer",
            "--app-id",
            app_id,
            "--app-secret",
            app_secret,
            "--api-base",
            api_base,
            "--store",
            store,
        ];
        let process = crate::Spawned::start(&args, "wxoa token-server: listening on ", false);
        let base = process.ready.clone();
        TokenServer {
            _process: process,
            base,
        }
    }
}

#[tokio::test]
async fn serves_tokens_and_survives_a_restart_without_a_fetch() {
    let stub = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().join("tokens.json").display());
    let http = http();
    let token = {
        let server = TokenServer::start(stub.base_url(), &store);
        let refused = http
            .get(format!("{}/token", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
        let body: serde_json::Value = http
            .get(format!("{}/token", server.base))
            .bearer_auth("cli-bearer")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            body["access_token"].is_string() && body["expires_at"].is_u64(),
            "{body}"
        );
        let metrics = http
            .get(format!("{}/metrics", server.base))
            .bearer_auth("cli-bearer")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains(&format!(
                "wxoa_token_fetches_total{{appid=\"{DEFAULT_APP_ID}\"}} 1"
            )),
            "{metrics}"
        );
        body["access_token"].clone()
    };
    let server = TokenServer::start(stub.base_url(), &store);
    let body: serde_json::Value = http
        .get(format!("{}/token", server.base))
        .bearer_auth("cli-bearer")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["access_token"], token);
    assert_eq!(
        stub.control().token_fetches().await.unwrap(),
        1,
        "the restarted server took the token from its file store"
    );
}

/// Two `wxoa token-server` processes sharing a private Redis, in front of the sandbox (whose
/// `stable_token` answers the current token in normal mode, as the platform does).
struct Fleet {
    sandbox: Sandbox,
    _redis: wxoa_testkit::Redis,
    servers: [TokenServer; 2],
}

impl Fleet {
    async fn start() -> Option<Fleet> {
        let redis = wxoa_testkit::Redis::start_private()?;
        let sandbox = Sandbox::start().await.unwrap();
        let server = || {
            TokenServer::start_for(
                sandbox.base_url(),
                redis.url(),
                DEFAULT_APP_ID,
                DEFAULT_APP_SECRET,
            )
        };
        let servers = [server(), server()];
        Some(Fleet {
            sandbox,
            _redis: redis,
            servers,
        })
    }

    fn base(&self, i: usize) -> &str {
        &self.servers[i % 2].base
    }

    /// The `stable_token` calls the sandbox answered with a token: (normal, forced).
    async fn stable_token_fetches(&self) -> (usize, usize) {
        self.sandbox.control().stable_token_fetches().await.unwrap()
    }
}

async fn token_of(base: &str) -> String {
    let body: Value = http()
        .get(format!("{base}/token"))
        .bearer_auth("cli-bearer")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_replace_a_token_stable_token_still_answers_once() {
    let Some(fleet) = Fleet::start().await else {
        return;
    };
    let reported = token_of(fleet.base(0)).await;
    assert_eq!(token_of(fleet.base(1)).await, reported);
    let answers = join_all((0..100).map(|i| {
        http()
            .post(format!("{}/token/invalidate", fleet.base(i)))
            .bearer_auth("cli-bearer")
            .json(&json!({ "access_token": reported }))
            .send()
    }))
    .await;
    let mut tokens = Vec::new();
    for answer in answers {
        let answer = answer.unwrap();
        assert_eq!(answer.status(), 200);
        let body: Value = answer.json().await.unwrap();
        tokens.push(body["access_token"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        fleet.stable_token_fetches().await,
        (2, 1),
        "the first fetch, one normal fetch answering the reported token again, one forced refresh"
    );
    assert!(tokens.iter().all(|t| t == &tokens[0] && t != &reported));
    assert_eq!(token_of(fleet.base(1)).await, tokens[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reporter_that_disconnects_costs_no_second_replacement_across_processes() {
    let Some(fleet) = Fleet::start().await else {
        return;
    };
    // Both processes keep the token fresh from the start: one fetch for the two.
    let reported = token_of(fleet.base(0)).await;
    assert_eq!(fleet.stable_token_fetches().await, (1, 0));
    let faults = fleet.sandbox.control().faults();
    let slow = Duration::from_millis(1500);
    faults
        .delay("/cgi-bin/stable_token", slow, 1)
        .await
        .unwrap();
    let started = Instant::now();
    // The first reporter gives up while process A replaces the token under the lock.
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let gone = impatient
        .post(format!("{}/token/invalidate", fleet.base(0)))
        .bearer_auth("cli-bearer")
        .json(&json!({ "access_token": reported }))
        .send()
        .await;
    assert!(gone.is_err_and(|e| e.is_timeout()));
    let answers = join_all((0..40).map(|i| {
        http()
            .post(format!("{}/token/invalidate", fleet.base(i)))
            .bearer_auth("cli-bearer")
            .json(&json!({ "access_token": reported }))
            .send()
    }))
    .await;
    let mut tokens = Vec::new();
    for answer in answers {
        let body: Value = answer.unwrap().json().await.unwrap();
        tokens.push(body["access_token"].as_str().unwrap().to_owned());
    }
    assert!(tokens.iter().all(|t| t == &tokens[0] && t != &reported));
    assert_eq!(
        fleet.stable_token_fetches().await,
        (2, 1),
        "the disconnected reporter's replacement served everybody"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "nobody waited for the lock to expire: {:?}",
        started.elapsed()
    );
}

#[test]
fn help_explains_reports_and_the_quota_guard() {
    let output = crate::wxoa(&["token-server", "--help"], b"");
    assert!(output.status.success());
    let help = crate::stdout(&output);
    for expected in ["forced refresh", "429", "wxoa_token_quota_refusals_total"] {
        assert!(help.contains(expected), "{expected} in\n{help}");
    }
}
