//! An open-loop load generator for the webhook benchmark: sends the requests of a file made
//! by `gen_pushes` at a fixed rate over keep-alive HTTP/1.1 connections and reports the
//! latency percentiles, measured from each request's *scheduled* send time (so a stalled
//! server cannot hide its queueing: no coordinated omission).
//!
//! `cargo run --release -p wxoa-webhook --example loadgen -- ADDR FILE RATE SECONDS [CONNECTIONS]`

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
    let lines: Vec<(String, Bytes)> = std::fs::read_to_string(file)?
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(p, b)| (p.to_owned(), Bytes::from(b.to_owned())))
        .collect();
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
                    tokio::time::sleep_until(scheduled.into()).await;
                    let (path, body) = &lines[i];
                    let request = Request::post(path.as_str())
                        .header("host", "bench")
                        .header("content-type", "text/xml")
                        .body(Full::new(body.clone()))
                        .unwrap();
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
    });
    Ok(())
}
