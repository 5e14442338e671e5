//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; JSON lines when `IMSHARE_LOG_JSON` is set.
/// s3s logs every refused store request (a client error, not ours) as an error, so it is
/// silenced by default; `RUST_LOG=info,s3s=debug` brings it back.
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,s3s=off"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var_os("IMSHARE_LOG_JSON").is_some() {
        builder.json().init();
    } else {
        builder.init();
    }
}
