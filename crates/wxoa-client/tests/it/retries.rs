//! Retries by idempotency, failover between API bases, timeouts.

use std::time::Duration;

use wxoa_client::{Error, RetryPolicy};

use crate::builder;

const READ: &str = "/cgi-bin/getcallbackip";
const SEND: &str = "/cgi-bin/message/custom/send";

fn message() -> serde_json::Value {
    serde_json::json!({"touser": "oUser", "msgtype": "text", "text": {"content": "hello"}})
}

#[tokio::test]
async fn system_busy_on_a_read_is_retried_and_succeeds() {
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    stub.control().faults().error(READ, -1, 2).await.unwrap();
    let answer = client.get_json(READ, &[]).await.unwrap();
    assert_eq!(answer["ip_list"][0], "127.0.0.1");
    assert_eq!(stub.control().count(READ).await.unwrap(), 3);
}

#[tokio::test]
async fn system_busy_on_a_read_gives_up_after_the_allowed_attempts() {
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    stub.control().faults().error(READ, -1, 10).await.unwrap();
    let error = client.get_json(READ, &[]).await.unwrap_err();
    assert_eq!(error.code().map(|c| c.code()), Some(-1), "{error:?}");
    assert_eq!(stub.control().count(READ).await.unwrap(), 3);
}

#[tokio::test]
async fn token_fetches_are_retried_on_system_busy() {
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    stub.control()
        .faults()
        .error("/cgi-bin/stable_token", -1, 2)
        .await
        .unwrap();
    client.get_json(READ, &[]).await.unwrap();
    assert_eq!(
        stub.control().count("/cgi-bin/stable_token").await.unwrap(),
        3
    );
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
}

#[tokio::test]
async fn system_busy_on_a_send_is_not_retried() {
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    stub.control().faults().error(SEND, -1, 1).await.unwrap();
    let error = client.post_json(SEND, &message()).await.unwrap_err();
    assert_eq!(error.code().map(|c| c.code()), Some(-1), "{error:?}");
    assert_eq!(stub.control().count(SEND).await.unwrap(), 1);
}

#[tokio::test]
async fn dropped_connection_on_a_send_reaches_the_platform_once() {
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    // A warm token: the only request in flight is the send.
    client.access_token().await.unwrap();
    stub.control().faults().drop(SEND, 1).await.unwrap();
    let error = client.post_json(SEND, &message()).await.unwrap_err();
    let Error::Transport {
        path,
        attempts,
        may_have_reached_platform,
        ..
    } = &error
    else {
        panic!("expected a transport error, got {error:?}");
    };
    assert_eq!(path, SEND);
    assert_eq!(*attempts, 1);
    assert!(*may_have_reached_platform);
    assert!(error.may_have_reached_platform() && error.is_network());
    assert!(error.to_string().contains("not sent again"), "{error}");
    assert_eq!(
        stub.control().count(SEND).await.unwrap(),
        1,
        "exactly one send reached the platform"
    );
}

#[tokio::test]
async fn dropped_connection_on_a_read_is_retried() {
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    stub.control().faults().drop(READ, 1).await.unwrap();
    client.get_json(READ, &[]).await.unwrap();
    assert_eq!(stub.control().count(READ).await.unwrap(), 2);
}

#[tokio::test]
async fn an_idempotent_post_is_retried_like_a_read() {
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    let path = "/cgi-bin/user/info/batchget";
    stub.control().faults().drop(path, 1).await.unwrap();
    let ok = serde_json::json!({"errcode": 0, "user_info_list": []});
    stub.control().faults().json(path, ok, 1).await.unwrap();
    let body = serde_json::json!({"user_list": [{"openid": "o1"}]});
    client.post_json_idempotent(path, &body).await.unwrap();
    // The retry carried the body, as the platform received it.
    let answer = stub.requests(path).pop().unwrap();
    assert_eq!(answer.json().unwrap(), body);
    assert_eq!(stub.control().count(path).await.unwrap(), 2);
}

#[tokio::test]
async fn server_error_on_a_send_is_not_retried() {
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    stub.control().faults().status(SEND, 502, 1).await.unwrap();
    let error = client.post_json(SEND, &message()).await.unwrap_err();
    assert!(
        matches!(error, Error::Http { status: 502, .. }),
        "{error:?}"
    );
    assert!(error.may_have_reached_platform());
    assert_eq!(stub.control().count(SEND).await.unwrap(), 1);
}

#[tokio::test]
async fn other_http_statuses_are_not_retried() {
    let stub = crate::platform().await;
    let client = builder(&stub).build().unwrap();
    stub.control().faults().status(READ, 404, 1).await.unwrap();
    let error = client.get_json(READ, &[]).await.unwrap_err();
    assert!(
        matches!(error, Error::Http { status: 404, .. }),
        "{error:?}"
    );
    assert_eq!(stub.control().count(READ).await.unwrap(), 1);
}

#[tokio::test]
async fn primary_refusing_connections_fails_over() {
    let stub = crate::platform().await;
    let refused = wxoa_testkit::unreachable_base();
    let client = builder(&stub)
        .api_bases([refused.as_str(), stub.base_url()])
        .build()
        .unwrap();
    let answer = client.get_json(READ, &[]).await.unwrap();
    assert_eq!(answer["ip_list"][0], "127.0.0.1");
    // A send too: a refused connection never carried it.
    let ok = serde_json::json!({"errcode": 0, "errmsg": "ok"});
    stub.control().faults().json(SEND, ok, 1).await.unwrap();
    client.post_json(SEND, &message()).await.unwrap();
    assert_eq!(stub.control().count(SEND).await.unwrap(), 1);
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
}

#[tokio::test]
async fn primary_answering_5xx_fails_over_then_calls_return_to_it() {
    let primary = crate::platform().await;
    let secondary = crate::platform().await;
    for path in ["/cgi-bin/stable_token", READ] {
        primary
            .control()
            .faults()
            .status(path, 503, u32::MAX)
            .await
            .unwrap();
    }
    let client = builder(&primary)
        .api_bases([primary.base_url(), secondary.base_url()])
        .failback_after(Duration::from_millis(300))
        .build()
        .unwrap();
    client.get_json(READ, &[]).await.unwrap();
    client.get_json(READ, &[]).await.unwrap();
    // The token fetch met the 503 once; every later call started on the failover host.
    assert_eq!(
        primary
            .control()
            .count("/cgi-bin/stable_token")
            .await
            .unwrap(),
        1
    );
    assert_eq!(primary.control().count(READ).await.unwrap(), 0);
    assert_eq!(secondary.control().count(READ).await.unwrap(), 2);
    tokio::time::sleep(Duration::from_millis(350)).await;
    primary.control().faults().clear().await.unwrap();
    client.get_json(READ, &[]).await.unwrap();
    assert!(
        primary.control().count(READ).await.unwrap() >= 1,
        "back on the primary after the interval"
    );
    assert_eq!(secondary.control().count(READ).await.unwrap(), 2);
}

#[tokio::test]
async fn no_reachable_base_is_a_typed_transport_error() {
    let stub = crate::platform().await;
    let refused = wxoa_testkit::unreachable_base();
    let client = builder(&stub).api_bases([refused]).build().unwrap();
    let error = client.get_json(READ, &[]).await.unwrap_err();
    let Error::Transport {
        attempts,
        may_have_reached_platform,
        ..
    } = &error
    else {
        panic!("expected a transport error, got {error:?}");
    };
    assert_eq!(*attempts, 3);
    assert!(!may_have_reached_platform);
    assert!(error.advice().is_some());
}

#[tokio::test]
async fn a_send_that_times_out_is_not_sent_again() {
    let stub = crate::platform().await;
    let client = builder(&stub)
        .request_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    client.access_token().await.unwrap();
    stub.control()
        .faults()
        .delay(SEND, Duration::from_secs(2), 1)
        .await
        .unwrap();
    let error = client.post_json(SEND, &message()).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                may_have_reached_platform: true,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(stub.control().count(SEND).await.unwrap(), 1);
}

#[tokio::test]
async fn the_total_timeout_bounds_the_whole_call() {
    let stub = crate::platform().await;
    let client = builder(&stub)
        .retry(RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(100),
        })
        .total_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    stub.control()
        .faults()
        .error(READ, -1, u32::MAX)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let error = client.get_json(READ, &[]).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}
