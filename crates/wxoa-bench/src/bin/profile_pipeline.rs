//! Runs N pre-built unique encrypted pushes through the router in process, for profilers
//! (`perf record … target/release/profile_pipeline 200000`): the request set-up
//! happens before the loop, so a profile shows only the pipeline.

#![allow(missing_docs, clippy::unwrap_used, clippy::print_stdout)]

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use tower::ServiceExt;
use wxoa_webhook::testing::{Platform, text_push};
use wxoa_webhook::{Account, Mode, Webhook, bots};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    // `wxoa serve` runs with a subscriber that keeps errors only; so does this, unless
    // PROFILE_NO_SUBSCRIBER is set.
    if std::env::var_os("PROFILE_NO_SUBSCRIBER").is_none() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("error"))
            .with_writer(std::io::stderr)
            .init();
    }
    let setup = Instant::now();
    let key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    let platform = Platform::new("wx0123456789abcdef", "benchtoken", Some(key)).unwrap();
    let router = Webhook::builder()
        .account(
            Account::new("wx0123456789abcdef", "benchtoken", bots::echo())
                .aes_key(key)
                .unwrap(),
        )
        .build()
        .unwrap()
        .router();
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let requests: Vec<_> = (0..n)
        .map(|i| {
            let xml = text_push(
                "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
                "你好，活动几点开始？",
                5_000_000 + i,
            );
            platform.sign(Mode::Safe, &xml, &timestamp, &i.to_string())
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Profilers can skip the set-up: `perf record -D <this many ms>`.
    eprintln!("set-up took {} ms", setup.elapsed().as_millis());
    let started = Instant::now();
    runtime.block_on(async {
        for (query, body) in requests {
            let request = axum::http::Request::post(format!("/wechat?{query}"))
                .body(Body::from(body))
                .unwrap();
            let response = router.clone().oneshot(request).await.unwrap();
            assert!(response.status().is_success());
        }
    });
    let per = started.elapsed() / u32::try_from(n).unwrap_or(u32::MAX);
    println!("{n} pushes, {per:?} each");
}
