//! The file store across restarts, and what it writes.

use std::sync::Arc;

use wxoa_client::token::{FileStore, MemoryStore, TokenKey, TokenKind, TokenStore};
use wxoa_sandbox::DEFAULT_APP_SECRET;

use crate::builder;

const READ: &str = "/cgi-bin/getcallbackip";

#[tokio::test]
async fn file_store_survives_a_restart_without_a_new_fetch() {
    let stub = crate::platform().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wxoa").join("tokens.json");
    let first = builder(&stub)
        .store(Arc::new(FileStore::new(&path)))
        .build()
        .unwrap();
    first.get_json(READ, &[]).await.unwrap();
    let token = first.access_token().await.unwrap();
    drop(first);
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);

    // A new process: nothing in memory, the same file.
    let restarted = builder(&stub)
        .store(Arc::new(FileStore::new(&path)))
        .build()
        .unwrap();
    restarted.get_json(READ, &[]).await.unwrap();
    assert_eq!(
        stub.control().token_fetches().await.unwrap(),
        1,
        "the restart fetched nothing"
    );
    assert_eq!(
        restarted.access_token().await.unwrap().expose(),
        token.expose()
    );
}

#[tokio::test]
async fn file_store_holds_tokens_only_and_privately() {
    let stub = crate::platform().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.json");
    let client = builder(&stub)
        .store(Arc::new(FileStore::new(&path)))
        .build()
        .unwrap();
    client.get_json(READ, &[]).await.unwrap();
    client.jsapi_ticket().await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let data: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&String> = data["tokens"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            &format!("{}:access_token", client.app_id()),
            &format!("{}:ticket:jsapi", client.app_id())
        ]
    );
    assert!(!text.contains(DEFAULT_APP_SECRET));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
}

#[tokio::test]
async fn clients_sharing_a_memory_store_share_tokens() {
    let stub = crate::platform().await;
    let store = Arc::new(MemoryStore::new());
    let a = builder(&stub).store(store.clone()).build().unwrap();
    let b = builder(&stub).store(store.clone()).build().unwrap();
    a.get_json(READ, &[]).await.unwrap();
    b.get_json(READ, &[]).await.unwrap();
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    let key = TokenKey::new(a.app_id().as_str(), TokenKind::AccessToken);
    assert!(store.get(&key).await.unwrap().is_some());
}
