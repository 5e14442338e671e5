//! Serving the s3s service over a TCP listener, with a bounded graceful shutdown.

use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use s3s::service::S3Service;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tower::ServiceBuilder;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tracing::{debug, info, warn};

/// How long in-flight requests get to finish once a stop is requested.
const GRACE: Duration = Duration::from_secs(1);
/// Back-off after an accept error (e.g. out of file descriptors) so the loop doesn't spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// How long a browser may cache a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(3600);

/// CORS for browsers: pages of any origin play segments and posters (GET/HEAD) and upload
/// straight to the store (PUT, POST for multipart) with presigned URLs. The signature is
/// what authorizes a request, never the origin or a cookie, so every origin is allowed;
/// preflights (OPTIONS) are answered here, before S3 routing, and `ETag` is readable so a
/// browser can complete a multipart upload.
fn cors() -> CorsLayer {
    use http::{header, Method};
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::HEAD, Method::PUT, Method::POST])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([header::ETAG, header::CONTENT_LENGTH, header::CONTENT_RANGE])
        .max_age(PREFLIGHT_MAX_AGE)
}

/// Accepts connections until `stop` fires, then shuts every connection down and returns.
///
/// The listener is dropped before this returns, so the port is free once it has completed.
/// If the sender of `stop` is dropped without sending, the server keeps running.
pub(crate) async fn serve(listener: TcpListener, service: S3Service, stop: oneshot::Receiver<()>) {
    let service = TowerToHyperService::new(ServiceBuilder::new().layer(cors()).service(service));
    let mut builder = ConnBuilder::new(TokioExecutor::new());
    // Enables hyper's header read timeout, which needs a timer, against stalled clients.
    builder.http1().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let stop = async move {
        if stop.await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::pin!(stop);

    loop {
        tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let conn = builder.serve_connection(TokioIo::new(stream), service.clone());
                    let conn = graceful.watch(conn.into_owned());
                    connections.spawn(async move {
                        if let Err(e) = conn.await {
                            debug!(%peer, error = %e, "connection ended with an error");
                        }
                    });
                }
                Err(e) => {
                    warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            // Reaps finished connection tasks so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }

    drop(listener);
    if tokio::time::timeout(GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        warn!(
            remaining = connections.len(),
            "connections still busy after the grace period, aborting them"
        );
    }
    // Aborted requests drop their temp files on the way out; nothing partial becomes visible.
    connections.shutdown().await;
    info!("embedded S3 store stopped");
}
