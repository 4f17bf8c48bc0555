//! Measures a sandbox with one million synthetic followers: start-up time, every `user/get`
//! page of 10,000 (walking the whole list with `next_openid`), and the peak memory of the
//! process (`VmHWM` of `/proc/self/status`, Linux).
//!
//! `cargo run --release -p wxoa-sandbox --example million_followers`

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use wxoa_sandbox::{DEFAULT_APP_ID, DEFAULT_APP_SECRET, Quotas, Sandbox};

const FOLLOWERS: u32 = 1_000_000;

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let sandbox = Sandbox::builder()
        .followers(FOLLOWERS)
        .seed(1)
        .quotas(Quotas::unlimited())
        .start()
        .await
        .expect("the sandbox starts");
    let start_up = started.elapsed();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!(
        "{}/cgi-bin/token?grant_type=client_credential&appid={DEFAULT_APP_ID}&secret={DEFAULT_APP_SECRET}",
        sandbox.base_url()
    );
    let body: serde_json::Value = http.get(url).send().await.unwrap().json().await.unwrap();
    let token = body["access_token"].as_str().unwrap().to_owned();

    let mut pages: Vec<Duration> = Vec::new();
    let mut seen = 0u64;
    let mut next = String::new();
    loop {
        let url = format!(
            "{}/cgi-bin/user/get?access_token={token}&next_openid={next}",
            sandbox.base_url()
        );
        let t = Instant::now();
        let page: serde_json::Value = http.get(url).send().await.unwrap().json().await.unwrap();
        let elapsed = t.elapsed();
        let count = page["count"].as_u64().unwrap();
        if count == 0 {
            break;
        }
        pages.push(elapsed);
        seen += count;
        next = page["next_openid"].as_str().unwrap().to_owned();
    }
    assert_eq!(seen, u64::from(FOLLOWERS));
    pages.sort();
    let median = pages[pages.len() / 2];
    let max = pages[pages.len() - 1];
    println!("followers:            {FOLLOWERS}");
    println!("start-up:             {start_up:?}");
    println!(
        "user/get pages:       {} of 10,000 (HTTP round trip, JSON decoded)",
        pages.len()
    );
    println!(
        "  fastest / median / slowest: {:?} / {median:?} / {max:?}",
        pages[0]
    );
    println!("peak RSS (VmHWM):     {}", status_field("VmHWM"));
    println!("RSS now (VmRSS):      {}", status_field("VmRSS"));
    sandbox.shutdown().await.unwrap();
}

fn status_field(name: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "unavailable (not Linux)".to_owned())
}
