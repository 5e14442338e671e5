//! Resident memory per idle WebSocket, in two runs against the same data dir:
//!   ws_idle --base URL --users 100 --save FILE
//!     signs up users through the API and saves their tokens;
//!   ws_idle --base URL --load FILE --server-pid PID [--connections 10000]
//!     against a freshly restarted server (so memory freed by password hashing cannot be
//!     reused by sockets and hide their cost): reads the server's RSS, opens the sockets
//!     (users share them, as one user's devices would), lets them settle, reads it again.

#[path = "bench_common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use futures::{stream, StreamExt};

/// Handshakes in flight at once.
const CONNECT_CONCURRENCY: usize = 128;
/// How long the sockets sit idle before the second reading (under the 20 s ping).
const SETTLE: Duration = Duration::from_secs(5);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let base: String = common::arg("--base", String::new())?;
    let api = common::Api::new(&base)?;
    let save: String = common::arg("--save", String::new())?;
    if !save.is_empty() {
        let users = api.users("idle", common::arg("--users", 100)?).await?;
        return common::save_users(&save, &users);
    }
    let users = common::load_users(&common::arg("--load", String::new())?)?;
    let pid: u32 = common::arg("--server-pid", 0)?;
    let connections: usize = common::arg("--connections", 10_000)?;
    anyhow::ensure!(
        pid > 0 && !users.is_empty(),
        "--server-pid and --load are needed"
    );
    anyhow::ensure!(connections <= 20_000, "at most 20,000 connections");
    // Warm the server's paths (first WebSocket, first presence query) before measuring.
    drop(common::connect(&base, &users[0].token).await?);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = common::rss_kib(pid)?;

    let started = Instant::now();
    let sockets: Vec<common::Socket> = stream::iter(0..connections)
        .map(|n| {
            let (base, token) = (&base, &users[n % users.len()].token);
            async move { common::connect(base, token).await }
        })
        .buffer_unordered(CONNECT_CONCURRENCY)
        .filter_map(|r| async move { r.map_err(|e| eprintln!("connect failed: {e}")).ok() })
        .collect()
        .await;
    let opened = sockets.len();
    println!(
        "opened {opened} sockets in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(SETTLE).await;
    let after = common::rss_kib(pid)?;
    let per = (after.saturating_sub(before)) as f64 * 1024.0 / opened.max(1) as f64;
    println!("server RSS before {before} KiB, after {after} KiB, {opened} idle sockets");
    println!(
        "RSS per idle WebSocket: {:.0} bytes ({:.2} KiB)",
        per,
        per / 1024.0
    );
    drop(sockets);
    Ok(())
}
