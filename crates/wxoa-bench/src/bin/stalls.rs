//! How much of a core this machine takes away: spins for SECONDS reading the clock and counts
//! the gaps in which the process did not run (the hypervisor or another process had the core).
//! The webhook benchmark prints it for each core, because a 1–10 ms gap in the server or the
//! load generator is what a p99 of a millisecond or two is made of on a shared machine.
//!
//! `cargo run --release -p wxoa-bench --bin stalls -- [SECONDS]` (pin it with `taskset`)

#![allow(missing_docs, clippy::print_stdout)]

use std::time::{Duration, Instant};

fn main() {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5.0);
    let run = Duration::from_secs_f64(seconds);
    // Gaps of at least 0.1 ms, 1 ms and 10 ms, and the time lost in gaps of at least 0.1 ms.
    let (mut short, mut long, mut very_long) = (0u32, 0u32, 0u32);
    let mut lost = Duration::ZERO;
    let start = Instant::now();
    let mut last = start;
    loop {
        let now = Instant::now();
        let gap = now - last;
        last = now;
        if gap >= Duration::from_micros(100) {
            lost += gap;
            match gap {
                g if g >= Duration::from_millis(10) => very_long += 1,
                g if g >= Duration::from_millis(1) => long += 1,
                _ => short += 1,
            }
        }
        if now - start >= run {
            break;
        }
    }
    println!(
        "in {seconds} s: {short} gaps of 0.1-1 ms, {long} of 1-10 ms, {very_long} of 10 ms or more; {:.1} ms lost ({:.2}%)",
        lost.as_secs_f64() * 1e3,
        100.0 * lost.as_secs_f64() / seconds
    );
}
