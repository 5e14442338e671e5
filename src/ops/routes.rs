//! `/healthz`, `/readyz`, `/metrics`.

use std::time::Duration;

use actix_web::http::{header, StatusCode};
use actix_web::{get, web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use subtle::ConstantTimeEq;

use crate::auth::bearer_token;
use crate::error::json_error;
use crate::state::AppState;

/// Registers the operations routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics_text);
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "ok")))]
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// What the readiness check found.
#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// The database answers a query.
    database: bool,
    /// The database commits a write.
    database_writable: bool,
    store: bool,
}

/// Longest a readiness check waits for the database; a held lock would otherwise keep
/// the check waiting for the whole busy timeout.
const DATABASE_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The database answers and accepts writes, and the object store is reachable.
#[utoipa::path(tag = "operations", responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database_writable =
        match tokio::time::timeout(DATABASE_CHECK_TIMEOUT, state.db.probe_write()).await {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "readiness: the database cannot write");
                false
            }
            Err(_) => {
                tracing::warn!("readiness: a write to the database did not finish in time");
                false
            }
        };
    // A committed write shows the database answers; only when it failed is a read asked
    // for, to tell "unreachable" from "reachable but cannot write".
    let database = database_writable
        || matches!(
            tokio::time::timeout(DATABASE_CHECK_TIMEOUT, state.db.ping()).await,
            Ok(Ok(()))
        );
    let store = state.store_health.is_up().await;
    let body = Readiness {
        database,
        database_writable,
        store,
    };
    if database && database_writable && store {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text exposition, for scrapers that send the configured `ops.metrics_token`.
#[utoipa::path(tag = "operations",
    responses((status = 200, description = "Prometheus text format"),
        (status = 401, description = "invalid_token: the bearer token is missing or not `ops.metrics_token`"),
        (status = 404, description = "metrics_closed: no `ops.metrics_token` is configured, so /metrics is not served on this listener")),
    security(("bearer" = [])))]
#[get("/metrics")]
async fn metrics_text(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let expected = state.settings.ops.metrics_token.expose_secret();
    if expected.is_empty() {
        return json_error(
            StatusCode::NOT_FOUND,
            "metrics_closed",
            "metrics are not served on this listener: set ops.metrics_token and scrape with \
             that bearer token, or set ops.metrics_listen for an operator listener",
        );
    }
    let given = bearer_token(&req).unwrap_or_default();
    if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        let mut refused = json_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "send `Authorization: Bearer <ops.metrics_token>` to read the metrics",
        );
        refused.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        return refused;
    }
    prometheus_text().await
}

/// The metrics of this process, in Prometheus' text format (no access check: the
/// operator listener's callers are the monitoring network).
pub async fn prometheus_text() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(super::init_metrics().render())
}
