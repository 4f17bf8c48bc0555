//! Several accounts in one client, changed at runtime, everything namespaced by AppID.

use std::sync::Arc;

use wxoa_client::token::{MemoryStore, TokenKey, TokenKind, TokenStore};
use wxoa_client::{Account, Error};
use wxoa_sandbox::DEFAULT_APP_ID;

use crate::{builder, unique_account};

const READ: &str = "/cgi-bin/getcallbackip";

#[tokio::test]
async fn accounts_have_their_own_tokens() {
    let stub = crate::platform().await;
    let (other_id, other) = unique_account(&stub);
    let store = Arc::new(MemoryStore::new());
    let client = builder(&stub)
        .account(other)
        .store(store.clone())
        .build()
        .unwrap();
    assert_eq!(client.app_id().as_str(), DEFAULT_APP_ID);
    let other_client = client.for_account(&other_id).unwrap();
    client.get_json(READ, &[]).await.unwrap();
    other_client.get_json(READ, &[]).await.unwrap();
    assert_eq!(stub.control().token_fetches().await.unwrap(), 2);
    let mine = client.access_token().await.unwrap();
    let theirs = other_client.access_token().await.unwrap();
    assert_ne!(mine.expose(), theirs.expose());
    for (app_id, token) in [(DEFAULT_APP_ID, &mine), (other_id.as_str(), &theirs)] {
        let stored = store
            .get(&TokenKey::new(app_id, TokenKind::AccessToken))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.expose(), token.expose());
    }
}

#[tokio::test]
async fn accounts_can_be_added_and_removed_at_runtime() {
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    let (new_id, new) = unique_account(&stub);
    assert!(matches!(
        client.for_account(&new_id),
        Err(Error::UnknownAccount { .. })
    ));
    let added = client.add_account(new);
    added.get_json(READ, &[]).await.unwrap();
    assert_eq!(
        client.for_account(&new_id).unwrap().app_id().as_str(),
        new_id
    );
    let mut ids: Vec<String> = client
        .app_ids()
        .into_iter()
        .map(|a| a.into_string())
        .collect();
    ids.sort();
    let mut expected = vec![DEFAULT_APP_ID.to_owned(), new_id.clone()];
    expected.sort();
    assert_eq!(ids, expected);

    // Replacing the secret keeps the account's token.
    let token = added.access_token().await.unwrap();
    client.add_account(Account::new(new_id.as_str(), "rotated-secret"));
    assert_eq!(added.access_token().await.unwrap().expose(), token.expose());

    assert!(client.remove_account(&new_id));
    assert!(!client.remove_account(&new_id));
    let error = added.get_json(READ, &[]).await.unwrap_err();
    assert!(matches!(error, Error::UnknownAccount { .. }), "{error:?}");
    assert!(client.for_account(&new_id).is_err());
    // The others are untouched.
    client.get_json(READ, &[]).await.unwrap();
}
