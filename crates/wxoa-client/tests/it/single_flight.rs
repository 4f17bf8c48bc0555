//! Single flight: however many callers, in one process or many, one token fetch.

use std::sync::Arc;
use std::time::Duration;

use wxoa_client::token::FileStore;

use crate::{builder, concurrent_gets};

const PATH: &str = "/cgi-bin/getcallbackip";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_concurrent_cold_calls_fetch_one_token() {
    let stub = crate::platform().await;
    stub.control()
        .faults()
        .delay_token_fetches(Duration::from_millis(100), u32::MAX)
        .await
        .unwrap();
    let client = builder(&stub).build().unwrap();
    for answer in concurrent_gets(&[client], 1000, PATH).await {
        assert_eq!(answer["ip_list"][0], "127.0.0.1");
    }
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    assert_eq!(
        stub.control().count("/cgi-bin/stable_token").await.unwrap(),
        1
    );
    assert_eq!(stub.control().count(PATH).await.unwrap(), 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_clients_sharing_a_file_store_fetch_one_token() {
    let stub = crate::platform().await;
    stub.control()
        .faults()
        .delay_token_fetches(Duration::from_millis(200), u32::MAX)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    // Separate clients: separate memory, separate store handles, separate file descriptors —
    // only the file is shared, as between processes.
    let clients: Vec<_> = (0..20)
        .map(|_| {
            builder(&stub)
                .store(Arc::new(FileStore::new(&path)))
                .build()
                .unwrap()
        })
        .collect();
    concurrent_gets(&clients, 5, PATH).await;
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    assert_eq!(stub.control().count(PATH).await.unwrap(), 100);
}

/// The child of [`twenty_processes_sharing_a_file_store_fetch_one_token`]: one process making
/// one call through the shared file store.
#[tokio::test]
#[ignore = "run as a child process by twenty_processes_sharing_a_file_store_fetch_one_token"]
async fn file_store_child_process() {
    let base = std::env::var("WXOA_IT_STUB")
        .expect("run by twenty_processes_sharing_a_file_store_fetch_one_token");
    let store = std::env::var("WXOA_IT_STORE").unwrap();
    let start_at: u64 = std::env::var("WXOA_IT_START_AT").unwrap().parse().unwrap();
    let client = wxoa_client::Client::builder()
        .account(wxoa_client::Account::new(
            wxoa_sandbox::DEFAULT_APP_ID,
            wxoa_sandbox::DEFAULT_APP_SECRET,
        ))
        .api_bases([base])
        .retry(crate::fast_retry())
        .store(Arc::new(FileStore::new(store)))
        .build()
        .unwrap();
    // Start together, so that the processes really race for the token.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    tokio::time::sleep(Duration::from_millis(start_at.saturating_sub(now))).await;
    let answer = client.get_json(PATH, &[]).await.unwrap();
    assert_eq!(answer["ip_list"][0], "127.0.0.1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_processes_sharing_a_file_store_fetch_one_token() {
    let stub = crate::platform().await;
    stub.control()
        .faults()
        .delay_token_fetches(Duration::from_millis(300), u32::MAX)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("tokens.json");
    let start_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
        + 2_000;
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..20)
        .map(|_| {
            tokio::process::Command::new(&exe)
                .args([
                    "--exact",
                    "single_flight::file_store_child_process",
                    "--ignored",
                    "--test-threads=1",
                    "--quiet",
                ])
                .env("WXOA_IT_STUB", stub.base_url())
                .env("WXOA_IT_STORE", &store)
                .env("WXOA_IT_START_AT", start_at.to_string())
                .env_remove("WXOA_API_BASE")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().await.unwrap();
        assert!(
            output.status.success(),
            "child failed: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        // The harness prints the count of tests it ran: the child really ran.
        assert!(String::from_utf8_lossy(&output.stdout).contains("1 passed"));
    }
    assert_eq!(stub.control().count(PATH).await.unwrap(), 20);
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
}
