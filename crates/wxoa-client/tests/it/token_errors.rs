//! Compare-and-invalidate on 40001/40014/42001, exactly one retry, the quota guard and the
//! "another party refreshed the token" warning.

use std::sync::Arc;
use std::time::Duration;

use wxoa_client::token::{MemoryStore, QuotaPolicy, Token, TokenKey, TokenKind, TokenStore};
use wxoa_client::{Account, Error};
use wxoa_sandbox::DEFAULT_APP_ID;

use crate::{builder, builder_for, concurrent_gets, logs, unique_account};

const USER_GET: &str = "/cgi-bin/user/get";

/// A store holding a token the platform no longer accepts, believed valid for two hours.
async fn stale_store(app_id: &str) -> Arc<MemoryStore> {
    use wxoa_client::token::TokenStore;
    let store = Arc::new(MemoryStore::new());
    let stale = Token::fresh("STALE-TOKEN-FROM-ANOTHER-PARTY", Duration::from_secs(7200));
    let key = TokenKey::new(app_id, TokenKind::AccessToken);
    store.put(&key, &stale).await.unwrap();
    store
}

#[tokio::test]
async fn stale_token_costs_one_refetch_and_one_retry() {
    let stub = crate::platform().await;
    let store = stale_store(DEFAULT_APP_ID).await;
    let client = builder(&stub).store(store.clone()).build().unwrap();
    let page = serde_json::json!({"errcode": 0, "total": 0, "count": 0, "next_openid": ""});
    stub.control()
        .faults()
        .json(USER_GET, page, 1)
        .await
        .unwrap();
    let answer = client
        .get_json(USER_GET, &[("next_openid", "")])
        .await
        .unwrap();
    assert_eq!(answer["errcode"], 0);
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    assert_eq!(stub.control().count(USER_GET).await.unwrap(), 2);
    let key = TokenKey::new(DEFAULT_APP_ID, TokenKind::AccessToken);
    let stored = store.get(&key).await.unwrap().unwrap();
    assert_ne!(stored.expose(), "STALE-TOKEN-FROM-ANOTHER-PARTY");
    // The next call uses the new token at once.
    client.get_json(USER_GET, &[]).await.unwrap();
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    assert_eq!(stub.control().count(USER_GET).await.unwrap(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_on_a_stale_token_refetch_once() {
    let stub = crate::platform().await;
    stub.control()
        .faults()
        .delay_token_fetches(Duration::from_millis(50), u32::MAX)
        .await
        .unwrap();
    let client = builder(&stub)
        .store(stale_store(DEFAULT_APP_ID).await)
        .build()
        .unwrap();
    concurrent_gets(&[client], 200, USER_GET).await;
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    // Each call went out once, or twice when it met the stale token (a call scheduled after
    // the new token arrived never met it).
    let calls = stub.control().count(USER_GET).await.unwrap();
    assert!((201..=400).contains(&calls), "{calls}");
}

#[tokio::test]
async fn a_send_rejected_for_its_token_is_sent_once_more() {
    let stub = crate::platform().await;
    let client = builder(&stub)
        .store(stale_store(DEFAULT_APP_ID).await)
        .build()
        .unwrap();
    let send = "/cgi-bin/message/custom/send";
    let body =
        serde_json::json!({"touser": "oUser", "msgtype": "text", "text": {"content": "你好"}});
    let ok = serde_json::json!({"errcode": 0, "errmsg": "ok"});
    stub.control().faults().json(send, ok, 1).await.unwrap();
    client.post_json(send, &body).await.unwrap();
    // The second one carried the body, as the platform received it.
    let answer = stub.requests(send).pop().unwrap();
    assert_eq!(answer.json().unwrap(), body);
    // The first one was rejected before the platform did anything.
    assert_eq!(stub.control().count(send).await.unwrap(), 2);
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
}

#[tokio::test]
async fn an_endpoint_always_answering_40001_never_makes_a_fetch_loop() {
    let stub = crate::platform().await;
    let (app_id, account) = unique_account(&stub);
    let client = builder_for(&stub, account).build().unwrap();
    client
        .get_json("/cgi-bin/getcallbackip", &[])
        .await
        .unwrap();
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    let broken = "/cgi-bin/always/40001";
    stub.control()
        .faults()
        .error(broken, 40001, u32::MAX)
        .await
        .unwrap();
    // Call 1 reports the first token: stable_token answers it again, so one forced refresh
    // replaces it. Call 2 reports the forced one: answered again, and the platform refreshes
    // by force at most once in 30 s, so it is kept as reaffirmed. From then on a report of it
    // fetches nothing.
    for (call, fetches, forced) in [(1, 3, 1), (2, 5, 2), (3, 5, 2), (4, 5, 2)] {
        let error = client.get_json(broken, &[]).await.unwrap_err();
        assert!(
            matches!(error, Error::Api { code, .. } if code.code() == 40001),
            "{error:?}"
        );
        assert!(error.is_token_error());
        assert_eq!(
            stub.control().count(broken).await.unwrap(),
            2 * call,
            "one retry per call, never a loop"
        );
        assert_eq!(
            stub.control().token_fetches().await.unwrap(),
            fetches,
            "after call {call}"
        );
        assert_eq!(
            stub.control().forced_token_fetches().await.unwrap(),
            forced,
            "after call {call}"
        );
    }
    assert_eq!(client.token_forced_refreshes(TokenKind::AccessToken), 2);
    assert!(client.access_token().await.unwrap().is_reaffirmed());
    // Not blamed on another party: the fresh token was rejected too.
    let ours: Vec<String> = logs()
        .lines()
        .filter(|l| l.contains(&app_id))
        .map(str::to_owned)
        .collect();
    assert!(
        ours.iter()
            .any(|l| l.contains("rejected a freshly obtained access token too"))
    );
    assert!(
        !ours.iter().any(|l| l.contains("another party")),
        "{ours:#?}"
    );
}

#[tokio::test]
async fn quota_guard_fails_fast_says_until_when_and_keeps_serving_a_valid_token() {
    let stub = crate::platform().await;
    let (app_id, account) = unique_account(&stub);
    let client = builder_for(&stub, account)
        .token_quota(QuotaPolicy {
            max_fetches: 3,
            window: Duration::from_secs(3600),
        })
        .build()
        .unwrap();
    let broken = "/cgi-bin/always/42001";
    stub.control()
        .faults()
        .error(broken, 42001, u32::MAX)
        .await
        .unwrap();
    // Call 1: the first fetch, then the reported token is answered again and replaced by force.
    let error = client.get_json(broken, &[]).await.unwrap_err();
    assert!(error.is_token_error(), "{error:?}");
    assert_eq!(stub.control().token_fetches().await.unwrap(), 3);
    // At its limit, the guard would refuse the next fetch, but has refused none yet.
    let status = client.token_quota_status(TokenKind::AccessToken);
    assert_eq!(status.refusals, 0);
    assert!(status.refusing_until.is_some());
    // Call 2 reports the forced token: replacing it needs a fourth fetch, which the guard refuses.
    let before = std::time::SystemTime::now();
    let error = client.get_json(broken, &[]).await.unwrap_err();
    let Error::TokenQuota {
        app_id: guarded,
        kind,
        fetches,
        retry_after,
        retry_at,
        ..
    } = &error
    else {
        panic!("expected the quota guard, got {error:?}");
    };
    assert_eq!(guarded.as_str(), app_id);
    assert_eq!(*kind, TokenKind::AccessToken);
    assert_eq!(*fetches, 3);
    assert!(*retry_after > Duration::from_secs(3500));
    assert!(*retry_at > before + Duration::from_secs(3500));
    let shown = error.to_string();
    let until = retry_at
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    assert!(
        shown.contains(&app_id) && shown.contains("daily token quota") && shown.contains(&until),
        "{shown}"
    );
    assert!(error.advice().is_some());
    assert_eq!(
        stub.control().token_fetches().await.unwrap(),
        3,
        "the guard fetched nothing"
    );
    let status = client.token_quota_status(TokenKind::AccessToken);
    assert_eq!(status.refusals, 1);
    assert_eq!(status.refusing_until, Some(*retry_at));
    // The token in place is still valid: every other call keeps using it.
    for _ in 0..3 {
        client
            .get_json("/cgi-bin/getcallbackip", &[])
            .await
            .unwrap();
    }
    assert_eq!(
        stub.control()
            .count("/cgi-bin/getcallbackip")
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        stub.control().count("/cgi-bin/stable_token").await.unwrap(),
        3
    );
}

#[tokio::test]
async fn a_token_killed_early_is_blamed_on_another_party() {
    let stub = crate::platform().await;
    let (app_id, account) = unique_account(&stub);
    let client = builder_for(&stub, account).build().unwrap();
    client.get_json(USER_GET, &[]).await.unwrap();
    // Another party fetches with cgi-bin/token: ours dies long before its expiry.
    stub.control().revoke_tokens().await.unwrap();
    client.get_json(USER_GET, &[]).await.unwrap();
    assert_eq!(stub.control().token_fetches().await.unwrap(), 2);
    let logs = logs();
    let line = logs
        .lines()
        .find(|l| {
            l.contains(&format!(
                "another party refreshed the token for AppID {app_id}"
            ))
        })
        .unwrap_or_else(|| panic!("no warning for {app_id}"));
    assert!(line.contains("WARN"), "{line}");
}

#[tokio::test]
async fn token_endpoint_errors_are_not_token_errors() {
    let stub = crate::platform().await;
    let client = builder_for(&stub, Account::new(DEFAULT_APP_ID, "wrong-secret"))
        .build()
        .unwrap();
    let error = client.get_json(USER_GET, &[]).await.unwrap_err();
    assert_eq!(error.code().map(|c| c.code()), Some(40125), "{error:?}");
    assert_eq!(
        stub.control().count("/cgi-bin/stable_token").await.unwrap(),
        1,
        "not retried"
    );
    assert_eq!(stub.control().count(USER_GET).await.unwrap(), 0);

    // 40164 on the token endpoint names the IP to whitelist.
    let client = builder(&stub).build().unwrap();
    stub.control()
        .faults()
        .refuse_ip("/cgi-bin/stable_token", [203, 0, 113, 7].into(), 1)
        .await
        .unwrap();
    let error = client.get_json(USER_GET, &[]).await.unwrap_err();
    assert_eq!(error.reported_ip(), Some("203.0.113.7"));
    assert!(error.advice().unwrap().contains("203.0.113.7"));
    // The next call fetches normally.
    client.get_json(USER_GET, &[]).await.unwrap();
}

#[tokio::test]
async fn classic_source_replaces_a_revoked_token() {
    let stub = crate::platform().await;
    let client = builder(&stub)
        .token_source(wxoa_client::token::TokenSource::classic())
        .build()
        .unwrap();
    client.get_json(USER_GET, &[]).await.unwrap();
    stub.control().revoke_tokens().await.unwrap();
    client.get_json(USER_GET, &[]).await.unwrap();
    assert_eq!(stub.control().count("/cgi-bin/token").await.unwrap(), 2);
    assert_eq!(
        stub.control().count("/cgi-bin/stable_token").await.unwrap(),
        0
    );
    assert_eq!(stub.control().count(USER_GET).await.unwrap(), 3);
}
