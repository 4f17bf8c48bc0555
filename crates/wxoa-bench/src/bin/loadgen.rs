//! An open-loop load generator for the webhook benchmark: sends the requests of a file made
//! by `gen_pushes` at a fixed rate over keep-alive HTTP/1.1 connections and reports the
//! latency percentiles, measured from each request's *scheduled* send time (so a stalled
//! server cannot hide its queueing: no coordinated omission).
//!
//! `cargo run --release -p wxoa-bench --bin loadgen -- ADDR FILE RATE SECONDS [CONNECTIONS]`
//!
//! Each line of FILE is `PATH<TAB>BODY` (a POST), or a bare `PATH` (a GET). `LOADGEN_HEADER`
//! (`Name: value`) adds a header to every request (an `Authorization`, say).

#![allow(
    missing_docs,
    clippy::print_stdout,
    clippy::indexing_slicing,
    clippy::unwrap_used
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = args.first().ok_or("ADDR")?.clone();
    let file = args.get(1).ok_or("FILE")?;
    let rate: f64 = args.get(2).ok_or("RATE")?.parse()?;
    let seconds: f64 = args.get(3).ok_or("SECONDS")?.parse()?;
    let connections: usize = args.get(4).map_or(Ok(64), |c| c.parse())?;
    let lines: Vec<(String, Option<Bytes>)> = std::fs::read_to_string(file)?
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once('\t') {
            Some((p, b)) => (p.to_owned(), Some(Bytes::from(b.to_owned()))),
            None => (l.to_owned(), None),
        })
        .collect();
    let header: Option<(String, String)> = std::env::var("LOADGEN_HEADER").ok().and_then(|h| {
        h.split_once(':')
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
    });
    let total = (rate * seconds) as usize;
    if lines.len() < total {
        return Err(format!("{file} has {} requests; {total} are needed", lines.len()).into());
    }
    let lines = Arc::new(lines);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let start = Instant::now() + Duration::from_millis(200);
        let interval = Duration::from_secs_f64(1.0 / rate);
        let mut tasks = Vec::new();
        for c in 0..connections {
            let lines = lines.clone();
            let addr = addr.clone();
            let header = header.clone();
            tasks.push(tokio::spawn(async move {
                let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let (mut sender, connection) =
                    hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
                tokio::spawn(connection);
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                // Connection c sends requests c, c + C, c + 2C, … each at its scheduled time.
                let mut i = c;
                while i < total {
                    let scheduled = start + interval * i as u32;
                    // tokio's timer has a 1 ms resolution: sleep to within a millisecond of the
                    // scheduled time, then yield until it comes, so that the generator's own
                    // lateness does not count as the server's latency.
                    if let Some(early) = scheduled.checked_sub(Duration::from_millis(1))
                        && early > Instant::now()
                    {
                        tokio::time::sleep_until(early.into()).await;
                    }
                    while Instant::now() < scheduled {
                        tokio::task::yield_now().await;
                    }
                    let (path, body) = &lines[i];
                    let mut builder = match body {
                        Some(_) => Request::post(path.as_str()).header("content-type", "text/xml"),
                        None => Request::get(path.as_str()),
                    }
                    .header("host", "bench");
                    if let Some((name, value)) = &header {
                        builder = builder.header(name.as_str(), value.as_str());
                    }
                    let request = builder.body(Full::new(body.clone().unwrap_or_default())).unwrap();
                    match sender.send_request(request).await {
                        Ok(response) => {
                            let ok = response.status().is_success();
                            let _ = response.into_body().collect().await;
                            if ok {
                                latencies.push(scheduled.elapsed());
                            } else {
                                errors += 1;
                            }
                        }
                        Err(_) => errors += 1,
                    }
                    i += connections;
                }
                (latencies, errors)
            }));
        }
        let mut latencies = Vec::new();
        let mut errors = 0;
        for task in tasks {
            let (l, e) = task.await.unwrap();
            latencies.extend(l);
            errors += e;
        }
        let elapsed = start.elapsed().as_secs_f64();
        latencies.sort();
        let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
        println!(
            "rate {rate:.0}/s for {seconds} s over {connections} connections: {} ok, {errors} errors, achieved {:.0}/s",
            latencies.len(),
            latencies.len() as f64 / elapsed
        );
        println!(
            "latency p50 {:?} p90 {:?} p99 {:?} p99.9 {:?} max {:?}",
            pct(0.50),
            pct(0.90),
            pct(0.99),
            pct(0.999),
            latencies.last().unwrap()
        );
        // For scripts (the benchmark takes the median over rounds).
        println!("p99_us {}", pct(0.99).as_micros());
    });
    Ok(())
}
