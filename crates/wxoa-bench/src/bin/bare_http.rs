//! The HTTP floor of the webhook load benchmark: an axum server that reads the body and
//! answers `success`, nothing else. Same runtime and server stack as `wxoa serve`.
//!
//! `cargo run --release -p wxoa-bench --bin bare_http -- 127.0.0.1:9001`

#![allow(missing_docs, clippy::print_stdout)]

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;

/// The same allocator as the `wxoa` binary, so that the comparison is of the work alone.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".to_owned());
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async move {
            let app = Router::new().route(
                "/wechat",
                post(|body: Bytes| async move {
                    std::hint::black_box(body);
                    "success"
                }),
            );
            let listener = tokio::net::TcpListener::bind(&addr).await?;
            println!("listening on {addr}");
            axum::serve(listener, app).await?;
            Ok(())
        })
}
