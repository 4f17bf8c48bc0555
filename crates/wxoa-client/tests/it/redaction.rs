//! No secret value ever reaches a log line or an error: the whole run's TRACE output (`log`
//! records included) is captured and searched for every secret that crossed the wire: the
//! AppSecrets, every token the sandbox saw, the tickets, the token server's Bearer token.

use std::sync::Arc;
use std::time::Duration;

use wxoa_client::token::{FileStore, RedisStore, RemoteTokenSource, TokenSource};
use wxoa_client::{Account, ApiRequest, Error};
use wxoa_testkit::{TOKEN_SERVER_AUTH, token_server};

use crate::{builder_for, logs, unique_account};

const READ: &str = "/cgi-bin/getcallbackip";
const SEND: &str = "/cgi-bin/message/custom/send";
const REDIS_PASSWORD: &str = "redis-password-7d1e";

/// Logs an error the way applications do, Display and Debug, so that both are checked.
fn log_error(error: &Error) {
    tracing::error!(error = %error, debug = ?error, "call failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_any_log_line_or_error() {
    let stub = crate::platform().await;
    let (app_id, account) = unique_account(&stub);
    let mut tickets = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let mut errors = Vec::new();

    // The default source, a file store, reads, sends, tickets, token errors.
    let client = builder_for(&stub, account.clone())
        .store(Arc::new(FileStore::new(dir.path().join("tokens.json"))))
        .build()
        .unwrap();
    for _ in 0..20 {
        client.get_json(READ, &[("lang", "zh_CN")]).await.unwrap();
    }
    let ok = serde_json::json!({"errcode": 0, "errmsg": "ok"});
    stub.control().faults().json(SEND, ok, 1).await.unwrap();
    client
        .post_json(SEND, &serde_json::json!({"touser": "o", "msgtype": "text"}))
        .await
        .unwrap();
    tickets.push(client.jsapi_ticket().await.unwrap());
    tickets.push(client.wx_card_ticket().await.unwrap());
    stub.control().revoke_tokens().await.unwrap();
    client.get_json(READ, &[]).await.unwrap();

    // Failures of every kind, their errors logged by the "application".
    let faults = stub.control().faults();
    faults.error(READ, -1, 5).await.unwrap();
    faults.drop(SEND, 1).await.unwrap();
    faults.error("/cgi-bin/user/get", 40164, 1).await.unwrap();
    faults
        .error("/cgi-bin/always/40001", 40001, u32::MAX)
        .await
        .unwrap();
    faults.status("/cgi-bin/status", 500, 5).await.unwrap();
    errors.push(client.get_json(READ, &[]).await.unwrap_err());
    errors.push(
        client
            .post_json(SEND, &serde_json::json!({}))
            .await
            .unwrap_err(),
    );
    errors.push(client.get_json("/cgi-bin/user/get", &[]).await.unwrap_err());
    errors.push(
        client
            .get_json("/cgi-bin/always/40001", &[])
            .await
            .unwrap_err(),
    );
    errors.push(client.get_json("/cgi-bin/status", &[]).await.unwrap_err());
    errors.push(
        client
            .get_json("https://evil.example/x", &[])
            .await
            .unwrap_err(),
    );
    // A body that does not decode, holding a token where a number is expected.
    let token = client.access_token().await.unwrap();
    faults
        .json(
            "/cgi-bin/echo/token",
            serde_json::json!({"access_token": token.expose(), "ticket": token.expose()}),
            u32::MAX,
        )
        .await
        .unwrap();
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        ticket: u64,
    }
    errors.push(
        client
            .execute::<Wrong>(ApiRequest::get("/cgi-bin/echo/token"))
            .await
            .unwrap_err(),
    );

    // The classic source puts the secret in the query string.
    let classic = builder_for(&stub, account.clone())
        .token_source(TokenSource::classic())
        .build()
        .unwrap();
    classic.get_json(READ, &[]).await.unwrap();
    faults.error("/cgi-bin/token", -1, 1).await.unwrap();
    stub.control().revoke_tokens().await.unwrap();
    classic.get_json(READ, &[]).await.unwrap();
    let wrong_secret = builder_for(&stub, Account::new(app_id.as_str(), "WRONG-SECRET-31f9"))
        .token_source(TokenSource::classic())
        .build()
        .unwrap();
    errors.push(wrong_secret.get_json(READ, &[]).await.unwrap_err());

    // A token server, with its Bearer token.
    let server = token_server(&stub).await;
    let remote = builder_for(&stub, Account::without_secret(crate::DEFAULT_APP_ID))
        .token_source(TokenSource::remote(
            RemoteTokenSource::new(server.base_url(), Some(TOKEN_SERVER_AUTH.into())).unwrap(),
        ))
        .build()
        .unwrap();
    remote.get_json(READ, &[]).await.unwrap();
    stub.control().revoke_tokens().await.unwrap();
    remote.get_json(READ, &[]).await.unwrap();
    tickets.push(remote.jsapi_ticket().await.unwrap());

    // A Redis store with a password that cannot be reached.
    let unreachable = wxoa_testkit::unreachable_base();
    let port = unreachable.rsplit(':').next().unwrap();
    let redis = RedisStore::new(&format!("redis://:{REDIS_PASSWORD}@127.0.0.1:{port}"))
        .unwrap()
        .with_op_timeout(Duration::from_millis(200));
    let on_dead_redis = builder_for(&stub, account)
        .store(Arc::new(redis))
        .build()
        .unwrap();
    on_dead_redis.get_json(READ, &[]).await.unwrap();

    for error in &errors {
        log_error(error);
    }

    let mut secrets = crate::seen_secrets(&stub);
    secrets.extend(tickets.iter().map(|t| t.expose().to_owned()));
    secrets.push(TOKEN_SERVER_AUTH.to_owned());
    secrets.push(REDIS_PASSWORD.to_owned());
    secrets.push("WRONG-SECRET-31f9".to_owned());
    assert!(secrets.len() > 10, "{}", secrets.len());
    let logs = logs();
    // The capture works: this run's own lines are in it.
    for expected in [
        "fetched a new token",
        "call failed",
        "token store failed",
        &app_id,
    ] {
        assert!(logs.contains(expected), "the capture misses {expected:?}");
    }
    for secret in &secrets {
        if let Some(line) = logs.lines().find(|l| l.contains(secret.as_str())) {
            panic!(
                "a secret reached the logs: {}",
                line.replace(secret.as_str(), "<SECRET>")
            );
        }
        for error in &errors {
            let shown = format!("{error} {error:?} {:?}", error.advice());
            let mut source = std::error::Error::source(error);
            let mut chain = String::new();
            while let Some(cause) = source {
                chain.push_str(&format!("{cause} {cause:?}"));
                source = cause.source();
            }
            assert!(
                !shown.contains(secret.as_str()) && !chain.contains(secret.as_str()),
                "a secret reached an error: {}",
                error
            );
        }
    }
    // And the client debug output.
    let shown = format!("{client:?} {remote:?} {on_dead_redis:?} {token:?}");
    for secret in &secrets {
        assert!(!shown.contains(secret.as_str()));
    }
}
