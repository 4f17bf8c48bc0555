//! What the client costs, as issue 3 measures it:
//! - `warm_token`: reading a warm token — from the memory store, and through the client's
//!   whole token path (target ≤ 100 ns);
//! - `loopback_call`: a GET of a small JSON answer on a warm token against a loopback server,
//!   once with raw reqwest (URL with the token, send, body, JSON) and once through the client
//!   (token, URL, retries and failover bookkeeping, errcode check, JSON). The overhead is the
//!   difference (target ≤ 10 µs); `client_overhead` measures it directly, the two calls
//!   alternating so that the machine's other load weighs on both alike (samples where the
//!   client was faster count as zero, so the figure errs high).
//!
//! Run: `cargo bench -p wxoa-client --bench client`

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use futures::FutureExt;
use wxoa_client::token::{MemoryStore, Token, TokenKey, TokenKind, TokenStore};
use wxoa_client::{Account, Client};

const APP_ID: &str = "wx0123456789abcdef";
/// A realistic access token: the platform's are about 140 characters.
const TOKEN: &str = "86_kbYpLs0oLLbSX6nfq3oFHbXyKI2rD4bqo9y1eZxOPhbH3m0r9H8Kp5zK3T2rSMYBxTnyC8dFv6vtJf3kF9cB5aR9ZrTqN2eGZK5Zb7YmWnWbHlY9xA3Vq0fZ2QaLDVbAGDYZ";
const BODY: &str =
    r#"{"ip_list":["101.226.62.77","101.226.62.78","101.226.62.79","101.226.62.80"]}"#;

fn warm_store() -> Arc<MemoryStore> {
    let store = Arc::new(MemoryStore::new());
    let key = TokenKey::new(APP_ID, TokenKind::AccessToken);
    store
        .put(&key, &Token::fresh(TOKEN, Duration::from_secs(7200)))
        .now_or_never()
        .unwrap()
        .unwrap();
    store
}

fn warm_token(c: &mut Criterion) {
    let store = warm_store();
    let key = TokenKey::new(APP_ID, TokenKind::AccessToken);
    let client = Client::builder()
        .account(Account::new(APP_ID, "secret"))
        .api_bases(["http://127.0.0.1:9"])
        .store(store.clone())
        .build()
        .unwrap();
    // Load the token into the client's memory once.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(client.access_token()).unwrap();

    let mut group = c.benchmark_group("warm_token");
    group.bench_function("memory_store_get_trait", |b| {
        b.iter(|| {
            black_box(store.get(black_box(&key)).now_or_never())
                .unwrap()
                .unwrap()
                .unwrap()
        });
    });
    group.bench_function("client_access_token", |b| {
        b.iter(|| {
            black_box(client.access_token().now_or_never())
                .unwrap()
                .unwrap()
        });
    });
    group.finish();
}

/// A loopback server answering `BODY` to every request, on its own thread.
fn serve() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
                .await
                .unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = axum::Router::new().fallback(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    BODY,
                )
            });
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

fn loopback_call(c: &mut Criterion) {
    let base = serve();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let client = Client::builder()
        .account(Account::new(APP_ID, "secret"))
        .api_bases([base.as_str()])
        .store(warm_store())
        .http_client(http.clone())
        .build()
        .unwrap();
    runtime
        .block_on(client.get_json("/cgi-bin/getcallbackip", &[]))
        .unwrap();

    let mut group = c.benchmark_group("loopback_call");
    group.bench_function("raw_reqwest", |b| {
        b.to_async(&runtime).iter(|| async {
            let url = format!("{base}/cgi-bin/getcallbackip?access_token={TOKEN}");
            let body = http.get(url).send().await.unwrap().bytes().await.unwrap();
            black_box(serde_json::from_slice::<serde_json::Value>(&body).unwrap())
        });
    });
    group.bench_function("client_get_json", |b| {
        b.to_async(&runtime).iter(|| async {
            black_box(
                client
                    .get_json("/cgi-bin/getcallbackip", &[])
                    .await
                    .unwrap(),
            )
        });
    });
    // The two alternate call by call, so that load from elsewhere on the machine weighs on both
    // alike; what is reported is the client's time less the raw call's.
    group.bench_function("client_overhead", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let mut overhead = Duration::ZERO;
                let mut saved = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    let url = format!("{base}/cgi-bin/getcallbackip?access_token={TOKEN}");
                    let body = http.get(url).send().await.unwrap().bytes().await.unwrap();
                    black_box(serde_json::from_slice::<serde_json::Value>(&body).unwrap());
                    let raw = started.elapsed();
                    let started = Instant::now();
                    black_box(
                        client
                            .get_json("/cgi-bin/getcallbackip", &[])
                            .await
                            .unwrap(),
                    );
                    let through_client = started.elapsed();
                    overhead += through_client.saturating_sub(raw);
                    saved += raw.saturating_sub(through_client);
                }
                // A sample where the client was faster counts as (almost) zero, never less:
                // the figure errs high.
                overhead.saturating_sub(saved).max(Duration::from_nanos(1))
            })
        });
    });
    group.finish();
}

criterion_group!(benches, warm_token, loopback_call);
criterion_main!(benches);
