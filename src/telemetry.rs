//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default `info`); and the span
//! and metrics every request gets, whether actix-web routes it or it is a WebSocket
//! upgrade.

use std::time::Duration;

use actix_web::http::StatusCode;
use tracing::Span;
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

/// The span of one request, an HTTP request or a WebSocket upgrade alike: named by route,
/// with the path but never the query (playback tokens and WebSocket access tokens travel
/// there: players and browsers cannot send headers, and they must not reach logs).
pub fn request_span(method: &str, route: &str, path: &str) -> Span {
    tracing::info_span!(
        "http_request",
        http.method = %method,
        http.route = %route,
        http.path = %path,
        http.status_code = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
        exception.message = tracing::field::Empty,
        exception.details = tracing::field::Empty,
    )
}

/// Records how a request that actix-web did not route (a WebSocket upgrade) ended, as
/// tracing-actix-web records it for every other: the status, and an error as an event.
pub fn end_request_span(span: &Span, status: StatusCode, error: Option<&actix_web::Error>) {
    let code = i32::from(status.as_u16());
    let Some(error) = error else {
        span.record("http.status_code", code);
        span.record("otel.status_code", "OK");
        return;
    };
    let error = error.as_response_error();
    span.record("exception.message", tracing::field::display(error));
    span.record("exception.details", tracing::field::debug(error));
    span.record("http.status_code", code);
    let prefix = "Error encountered while processing the incoming HTTP request";
    span.in_scope(|| {
        if status.is_client_error() {
            span.record("otel.status_code", "OK");
            tracing::warn!("{prefix}: {error:?}");
        } else {
            span.record("otel.status_code", "ERROR");
            tracing::error!("{prefix}: {error:?}");
        }
    });
}

/// Counts a request and measures its latency for `/metrics`, by route pattern and status.
pub fn count_request(method: &str, route: &str, status: StatusCode, elapsed: Duration) {
    let (method, route) = (method.to_owned(), route.to_owned());
    let status = status.as_u16().to_string();
    metrics::counter!("imshare_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("imshare_http_request_seconds", "method" => method, "route" => route)
        .record(elapsed.as_secs_f64());
}
