//! The client's metrics after real calls to the sandbox: calls by path and result, the
//! platform's errcodes, latency and token fetches, all recorded by the one call path; no label
//! or value holds a secret.

use std::time::Duration;

use wxoa_client::metrics::Registry;
use wxoa_client::{Account, Client, Error};
use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET};

use crate::fast_retry;
use crate::sandbox_env::{env, errcode};

const IPS: &str = "/cgi-bin/getcallbackip";

fn exposition(client: &Client) -> String {
    let mut registry = Registry::default();
    client.metrics().register(&mut registry);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    text
}

/// The value of the series `series` (its whole name and labels), if it is exposed.
fn value(text: &str, series: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

#[tokio::test]
async fn calls_errcodes_latency_and_token_fetches_are_counted_by_path() {
    let env = env(1).await;
    let misc = env.client.misc();
    misc.callback_ips().await.unwrap();
    misc.callback_ips().await.unwrap();
    env.fail_next(IPS, 45009).await;
    assert_eq!(errcode(misc.callback_ips().await), 45009);
    // A token error: the client replaces the token and calls again — two calls to the path.
    // The replacement is two fetches: stable_token's normal mode answers the rejected token
    // again while it is valid, and a forced refresh follows.
    env.fail_next(IPS, 40001).await;
    misc.callback_ips().await.unwrap();
    // Every attempt of a read loses its connection: one failed call, whatever its retries.
    env.control().faults().drop(IPS, 3).await.unwrap();
    let error = misc.callback_ips().await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    // A ticket the platform refuses: a failed fetch.
    env.fail_next("/cgi-bin/ticket/getticket", 45009).await;
    assert_eq!(errcode(env.client.jsapi_ticket().await), 45009);

    let text = exposition(&env.client);
    let path = format!("path=\"{IPS}\"");
    for (series, expected) in [
        (
            format!("wxoa_client_calls_total{{{path},result=\"ok\"}}"),
            3,
        ),
        (
            format!("wxoa_client_calls_total{{{path},result=\"errcode\"}}"),
            2,
        ),
        (
            format!("wxoa_client_calls_total{{{path},result=\"failed\"}}"),
            1,
        ),
        (
            format!("wxoa_client_errcodes_total{{{path},errcode=\"45009\"}}"),
            1,
        ),
        (
            format!("wxoa_client_errcodes_total{{{path},errcode=\"40001\"}}"),
            1,
        ),
        (format!("wxoa_client_call_seconds_count{{{path}}}"), 6),
        (
            format!("wxoa_client_call_seconds_bucket{{le=\"+Inf\",{path}}}"),
            6,
        ),
        (
            "wxoa_client_calls_total{path=\"/cgi-bin/stable_token\",result=\"ok\"}".to_owned(),
            3,
        ),
        (
            format!(
                "wxoa_client_token_fetches_total{{appid=\"{DEFAULT_APP_ID}\",kind=\"access_token\",result=\"ok\"}}"
            ),
            3,
        ),
        (
            format!(
                "wxoa_client_token_fetches_total{{appid=\"{DEFAULT_APP_ID}\",kind=\"jsapi\",result=\"failed\"}}"
            ),
            1,
        ),
        (
            "wxoa_client_errcodes_total{path=\"/cgi-bin/ticket/getticket\",errcode=\"45009\"}"
                .to_owned(),
            1,
        ),
    ] {
        assert_eq!(value(&text, &series), Some(expected), "{series}\n{text}");
    }
    let token = env.client.access_token().await.unwrap();
    for secret in [DEFAULT_APP_SECRET, token.expose()] {
        assert!(!text.contains(secret), "a secret in the metrics:\n{text}");
    }
    assert!(!text.contains("access_token="), "{text}");
}

#[tokio::test]
async fn a_call_past_the_total_timeout_is_counted_as_abandoned() {
    let env = env(1).await;
    let client = Client::builder()
        .account(Account::new(DEFAULT_APP_ID, DEFAULT_APP_SECRET))
        .api_bases([env.sandbox.base_url()])
        .retry(fast_retry())
        .total_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    client.access_token().await.unwrap();
    env.control()
        .faults()
        .delay(IPS, Duration::from_secs(2), 1)
        .await
        .unwrap();
    let error = client.misc().callback_ips().await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    let text = exposition(&client);
    assert_eq!(
        value(
            &text,
            &format!("wxoa_client_calls_total{{path=\"{IPS}\",result=\"abandoned\"}}")
        ),
        Some(1),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            &format!("wxoa_client_call_seconds_count{{path=\"{IPS}\"}}")
        ),
        Some(1),
        "{text}"
    );
}
