//! Benchmark ceiling: a bare axum server on the same runtime as `ally`
//! (default `#[tokio::main]`, multi-thread, one worker per core) answering
//! `GET /` with "hello". Used by `bench/web/run.sh` as the upper bound any
//! Ally page can reach on the same machine.
//!
//! Usage: `cargo run --release -p ally --example hello -- 127.0.0.1:8099`

use axum::{Router, routing::get};

/// The same allocator as `ally`, so that the ratio measures Ally's work, not the allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8099".to_owned());
    let app = Router::new().route("/", get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
