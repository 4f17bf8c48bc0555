//! Retries by idempotency, failover between API bases, timeouts.

use std::time::Duration;

use wxoa_client::testing::{Fault, StubPlatform};
use wxoa_client::{Error, RetryPolicy};

use crate::builder;

const READ: &str = "/cgi-bin/getcallbackip";
const SEND: &str = "/cgi-bin/message/custom/send";

fn message() -> serde_json::Value {
    serde_json::json!({"touser": "oUser", "msgtype": "text", "text": {"content": "hello"}})
}

#[tokio::test]
async fn system_busy_on_a_read_is_retried_and_succeeds() {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    stub.fault(READ, Fault::ErrCode(-1), 2);
    let answer = client.get_json(READ, &[]).await.unwrap();
    assert_eq!(answer["ip_list"][0], "127.0.0.1");
    assert_eq!(stub.calls(READ), 3);
}

#[tokio::test]
async fn system_busy_on_a_read_gives_up_after_the_allowed_attempts() {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    stub.fault(READ, Fault::ErrCode(-1), 10);
    let error = client.get_json(READ, &[]).await.unwrap_err();
    assert_eq!(error.code().map(|c| c.code()), Some(-1), "{error:?}");
    assert_eq!(stub.calls(READ), 3);
}

#[tokio::test]
async fn token_fetches_are_retried_on_system_busy() {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    stub.fault("/cgi-bin/stable_token", Fault::ErrCode(-1), 2);
    client.get_json(READ, &[]).await.unwrap();
    assert_eq!(stub.calls("/cgi-bin/stable_token"), 3);
    assert_eq!(stub.token_fetches(), 1);
}

#[tokio::test]
async fn system_busy_on_a_send_is_not_retried() {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    stub.fault(SEND, Fault::ErrCode(-1), 1);
    let error = client.post_json(SEND, &message()).await.unwrap_err();
    assert_eq!(error.code().map(|c| c.code()), Some(-1), "{error:?}");
    assert_eq!(stub.calls(SEND), 1);
}

#[tokio::test]
async fn dropped_connection_on_a_send_reaches_the_platform_once() {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    // A warm token: the only request in flight is the send.
    client.access_token().await.unwrap();
    stub.fault(SEND, Fault::Drop, 1);
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
    assert_eq!(stub.calls(SEND), 1, "exactly one send reached the platform");
}

#[tokio::test]
async fn dropped_connection_on_a_read_is_retried() {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    stub.fault(READ, Fault::Drop, 1);
    client.get_json(READ, &[]).await.unwrap();
    assert_eq!(stub.calls(READ), 2);
}

#[tokio::test]
async fn an_idempotent_post_is_retried_like_a_read() {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    let path = "/cgi-bin/user/info/batchget";
    stub.fault(path, Fault::Drop, 1);
    let body = serde_json::json!({"user_list": [{"openid": "o1"}]});
    let answer = client.post_json_idempotent(path, &body).await.unwrap();
    assert_eq!(answer["body"], body);
    assert_eq!(stub.calls(path), 2);
}

#[tokio::test]
async fn server_error_on_a_send_is_not_retried() {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    stub.fault(SEND, Fault::Status(502), 1);
    let error = client.post_json(SEND, &message()).await.unwrap_err();
    assert!(
        matches!(error, Error::Http { status: 502, .. }),
        "{error:?}"
    );
    assert!(error.may_have_reached_platform());
    assert_eq!(stub.calls(SEND), 1);
}

#[tokio::test]
async fn other_http_statuses_are_not_retried() {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub).build().unwrap();
    stub.fault(READ, Fault::Status(404), 1);
    let error = client.get_json(READ, &[]).await.unwrap_err();
    assert!(
        matches!(error, Error::Http { status: 404, .. }),
        "{error:?}"
    );
    assert_eq!(stub.calls(READ), 1);
}

#[tokio::test]
async fn primary_refusing_connections_fails_over() {
    let stub = StubPlatform::start().await.unwrap();
    let refused = StubPlatform::unreachable_base().unwrap();
    let client = builder(&stub)
        .api_bases([refused.as_str(), stub.base_url()])
        .build()
        .unwrap();
    let answer = client.get_json(READ, &[]).await.unwrap();
    assert_eq!(answer["ip_list"][0], "127.0.0.1");
    // A send too: a refused connection never carried it.
    client.post_json(SEND, &message()).await.unwrap();
    assert_eq!(stub.calls(SEND), 1);
    assert_eq!(stub.token_fetches(), 1);
}

#[tokio::test]
async fn primary_answering_5xx_fails_over_then_calls_return_to_it() {
    let primary = StubPlatform::start().await.unwrap();
    let secondary = StubPlatform::start().await.unwrap();
    for path in ["/cgi-bin/stable_token", READ] {
        primary.fault(path, Fault::Status(503), usize::MAX);
    }
    let client = builder(&primary)
        .api_bases([primary.base_url(), secondary.base_url()])
        .failback_after(Duration::from_millis(300))
        .build()
        .unwrap();
    client.get_json(READ, &[]).await.unwrap();
    client.get_json(READ, &[]).await.unwrap();
    // The token fetch met the 503 once; every later call started on the failover host.
    assert_eq!(primary.calls("/cgi-bin/stable_token"), 1);
    assert_eq!(primary.calls(READ), 0);
    assert_eq!(secondary.calls(READ), 2);
    tokio::time::sleep(Duration::from_millis(350)).await;
    primary.clear_faults();
    client.get_json(READ, &[]).await.unwrap();
    assert!(
        primary.calls(READ) >= 1,
        "back on the primary after the interval"
    );
    assert_eq!(secondary.calls(READ), 2);
}

#[tokio::test]
async fn no_reachable_base_is_a_typed_transport_error() {
    let stub = StubPlatform::start().await.unwrap();
    let refused = StubPlatform::unreachable_base().unwrap();
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
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub)
        .request_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    client.access_token().await.unwrap();
    stub.fault(SEND, Fault::Delay(Duration::from_secs(2)), 1);
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
    assert_eq!(stub.calls(SEND), 1);
}

#[tokio::test]
async fn the_total_timeout_bounds_the_whole_call() {
    let stub = StubPlatform::start().await.unwrap();
    let client = builder(&stub)
        .retry(RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(100),
        })
        .total_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    stub.fault(READ, Fault::ErrCode(-1), usize::MAX);
    let started = std::time::Instant::now();
    let error = client.get_json(READ, &[]).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}
