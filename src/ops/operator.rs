//! The operator listener: `/metrics` without a token, on an address that only the
//! monitoring network reaches (`ops.metrics_listen`).

use std::net::{SocketAddr, TcpListener};

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use anyhow::Context;

/// Binds `addr` and serves the metrics there; stopped by the caller with the main server.
pub fn serve(addr: SocketAddr) -> anyhow::Result<(Server, SocketAddr)> {
    let listener = TcpListener::bind(addr)
        .with_context(|| format!("binding the metrics listener to {addr}; is the port free?"))?;
    let bound = listener.local_addr()?;
    let server = HttpServer::new(|| {
        App::new().route("/metrics", web::get().to(super::routes::prometheus_text))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .context("listening for metrics")?
    .run();
    tracing::info!(%bound, "metrics are served on the operator listener");
    Ok((server, bound))
}
