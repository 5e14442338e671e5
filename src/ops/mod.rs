//! Operations: health, readiness, Prometheus metrics, the OpenAPI document, and the
//! request-wide settings for malformed input.

pub mod extractors;
mod metrics;
mod openapi;
pub mod operator;
mod routes;
mod spans;

pub use self::metrics::{init_metrics, track_requests};
pub use openapi::{serve_openapi, ApiDoc};
pub use routes::{configure, prometheus_text};
pub use spans::RedactedSpans;
