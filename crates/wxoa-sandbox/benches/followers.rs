//! One million synthetic followers: start-up, and a `user/get` page of 10,000 over HTTP.
//!
//! `cargo bench -p wxoa-sandbox --bench followers`

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use criterion::{Criterion, criterion_group, criterion_main};
use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET, Sandbox};

const FOLLOWERS: u32 = 1_000_000;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn start_up(c: &mut Criterion) {
    let rt = runtime();
    c.bench_function("start with 1,000,000 followers", |b| {
        b.iter(|| {
            rt.block_on(async {
                let sandbox = Sandbox::builder()
                    .followers(FOLLOWERS)
                    .seed(1)
                    .start()
                    .await
                    .unwrap();
                sandbox.shutdown().await.unwrap();
            })
        });
    });
}

fn user_get_page(c: &mut Criterion) {
    let rt = runtime();
    let (sandbox, http, token) = rt.block_on(async {
        let sandbox = Sandbox::builder()
            .followers(FOLLOWERS)
            .seed(1)
            .quotas(wxoa_sandbox::Quotas::unlimited())
            .start()
            .await
            .unwrap();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let url = format!(
            "{}/cgi-bin/token?grant_type=client_credential&appid={DEFAULT_APP_ID}&secret={DEFAULT_APP_SECRET}",
            sandbox.base_url()
        );
        let body: serde_json::Value = http.get(url).send().await.unwrap().json().await.unwrap();
        let token = body["access_token"].as_str().unwrap().to_owned();
        (sandbox, http, token)
    });
    let first = format!(
        "{}/cgi-bin/user/get?access_token={token}",
        sandbox.base_url()
    );
    let middle = rt.block_on(async {
        let url = format!(
            "{}/sandbox/followers?limit=1&offset=500000",
            sandbox.base_url()
        );
        let body: serde_json::Value = http.get(url).send().await.unwrap().json().await.unwrap();
        format!(
            "{first}&next_openid={}",
            body["openids"][0].as_str().unwrap()
        )
    });
    let mut group = c.benchmark_group("user/get page of 10,000 (HTTP, 1,000,000 followers)");
    for (name, url) in [
        ("first page", &first),
        ("page after follower 500,000", &middle),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let body = http.get(url).send().await.unwrap().bytes().await.unwrap();
                    assert!(body.len() > 280_000);
                })
            });
        });
    }
    group.finish();
    drop(sandbox);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = start_up, user_get_page
}
criterion_main!(benches);
