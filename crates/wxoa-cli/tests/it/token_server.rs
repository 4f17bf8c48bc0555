//! CONTRACT §5: `wxoa token-server` over HTTP, in front of a stub platform.

use wxoa_client::testing::{STUB_APP_ID, STUB_APP_SECRET, StubPlatform};

struct TokenServer {
    _process: crate::Spawned,
    base: String,
}

impl TokenServer {
    fn start(api_base: &str, store: &str) -> TokenServer {
        let args = [
            "token-server",
            "--listen",
            "127.0.0.1:0",
            "--auth-token",
            "cli-bearer",
            "--app-id",
            STUB_APP_ID,
            "--app-secret",
            STUB_APP_SECRET,
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
    let stub = StubPlatform::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().join("tokens.json").display());
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
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
                "wxoa_token_fetches_total{{appid=\"{STUB_APP_ID}\"}} 1"
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
        stub.token_fetches(),
        1,
        "the restarted server took the token from its file store"
    );
}
