//! Writes N unique encrypted text pushes, one per line as `PATH?QUERY<TAB>BODY`, signed and
//! encrypted exactly as the platform sends them in safe mode. Input of the webhook load
//! benchmark (scripts/bench-webhook.sh).
//!
//! `cargo run --release -p wxoa-bench --bin gen_pushes -- COUNT FILE`

#![allow(missing_docs, clippy::print_stdout)]

use std::io::{BufWriter, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use wxoa_webhook::Mode;
use wxoa_webhook::testing::{Platform, text_push};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: u64 = args.next().ok_or("COUNT")?.parse()?;
    let file = args.next().ok_or("FILE")?;
    let platform = Platform::new(
        "wx0123456789abcdef",
        "benchtoken",
        Some("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
    )?;
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)?
        .as_secs()
        .to_string();
    let mut out = BufWriter::new(std::fs::File::create(&file)?);
    for i in 0..count {
        // A realistic text push: ~450 bytes on the wire once encrypted.
        let xml = text_push(
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "你好，活动几点开始？",
            24_000_000_000_000_000 + i,
        );
        let (query, body) = platform.sign(
            Mode::Safe,
            &xml,
            &timestamp,
            &format!("{}", 1_000_000_000 + i),
        );
        writeln!(out, "/wechat?{query}\t{body}")?;
    }
    out.flush()?;
    println!("wrote {count} pushes to {file}");
    Ok(())
}
