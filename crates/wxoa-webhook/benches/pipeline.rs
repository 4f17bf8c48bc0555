//! The whole webhook pipeline in process (no socket): a unique encrypted text push through the
//! router with `oneshot` — query parse, signature, replay window, decrypt, parse, dedupe, echo
//! handler, render, encrypt, sign — and the same request against a router that only reads the
//! body, so the difference is wxoa's own work per push.
//!
//! `cargo bench -p wxoa-webhook --bench pipeline`

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::routing::post;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use tower::ServiceExt;
use wxoa_webhook::testing::{Platform, text_push};
use wxoa_webhook::{Account, Mode, Webhook, bots};

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let platform = Platform::new("wx0123456789abcdef", "benchtoken", Some(KEY)).unwrap();
    let webhook = Webhook::builder()
        .account(
            Account::new("wx0123456789abcdef", "benchtoken", bots::echo())
                .aes_key(KEY)
                .unwrap(),
        )
        .build()
        .unwrap()
        .router();
    let bare: Router = Router::new().route(
        "/wechat",
        post(|body: Bytes| async move {
            std::hint::black_box(body);
            "success"
        }),
    );
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let mut next = 0u64;
    let mut request = || {
        next += 1;
        let xml = text_push(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "你好，活动几点开始？",
            1_000_000 + next,
        );
        let (query, body) = platform.sign(Mode::Safe, &xml, &timestamp, &next.to_string());
        axum::http::Request::post(format!("/wechat?{query}"))
            .body(Body::from(body))
            .unwrap()
    };
    let mut group = c.benchmark_group("webhook");
    group.bench_function("safe_echo_unique_push", |b| {
        b.iter_batched(
            &mut request,
            |req| runtime.block_on(webhook.clone().oneshot(req)).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("bare_read_body", |b| {
        b.iter_batched(
            &mut request,
            |req| runtime.block_on(bare.clone().oneshot(req)).unwrap(),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
