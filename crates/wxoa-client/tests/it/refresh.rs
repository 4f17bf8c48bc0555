//! Refresh ahead: the token is replaced in the background while callers keep using it.

use std::time::{Duration, Instant};

use wxoa_client::token::{RefreshPolicy, TokenSource};

use crate::builder;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_refreshed_ahead_without_making_callers_wait() {
    // Six-second tokens, refreshed once four seconds are left but never before half-life: the
    // refresh is due three seconds after the fetch; the token stays usable for 4.5.
    let stub = crate::platform_with(
        wxoa_sandbox::Sandbox::builder().token_lifetime(Duration::from_secs(6)),
    )
    .await;
    // The classic endpoint issues a new token each time, so the refresh is visible.
    let client = builder(&stub)
        .token_source(TokenSource::classic())
        .refresh_ahead(RefreshPolicy {
            margin: Duration::from_secs(4),
            jitter: Duration::ZERO,
            retry_interval: Duration::from_millis(200),
        })
        .build()
        .unwrap();
    let first = client.access_token().await.unwrap();
    let fetched = Instant::now();
    assert_eq!(stub.control().token_fetches().await.unwrap(), 1);
    tokio::time::sleep(Duration::from_millis(3_200)).await;

    // Due for a refresh: the caller gets the current token at once, without waiting for a
    // (slow) fetch.
    stub.control()
        .faults()
        .delay_token_fetches(Duration::from_millis(500), u32::MAX)
        .await
        .unwrap();
    let started = Instant::now();
    let during = client.access_token().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(during.expose(), first.expose());

    // Other callers meanwhile still use it and do not start another refresh.
    for _ in 0..10 {
        client
            .get_json("/cgi-bin/getcallbackip", &[])
            .await
            .unwrap();
    }
    // The background refresh (500 ms slow) replaces the token while the first is still
    // usable (4.5 s from its fetch): looked for until then, however loaded the machine.
    let after = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            fetched.elapsed() < Duration::from_millis(4_300),
            "no background refresh while the token was usable"
        );
        let now = client.access_token().await.unwrap();
        if now.expose() != first.expose() {
            break now;
        }
    };
    assert!(after.expires_at() > first.expires_at());
    assert_eq!(stub.control().token_fetches().await.unwrap(), 2);
}
