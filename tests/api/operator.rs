//! What only the operator may see, and what the operator is told: `/metrics` is closed
//! to the public, `/readyz` notices a database that cannot write, and a full store says
//! so in its own words.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, Backend, TestApp};
use crate::on_both_databases;

on_both_databases!(readiness_fails_while_the_database_cannot_write);

#[tokio::test]
async fn metrics_are_closed_to_the_public_by_default() {
    let app = spawn_app(Backend::Sqlite).await;
    let res = get(&app, "/metrics").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "metrics_closed");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("ops.metrics_token"));
}

#[tokio::test]
async fn metrics_need_the_configured_token() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.ops.metrics_token = "the-scraper-token-42".to_owned().into();
    })
    .await;
    let metrics = |token: Option<&'static str>| {
        let req = app.client.get(format!("{}/metrics", app.address));
        match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
        .send()
    };
    let without = metrics(None).await.unwrap();
    assert_eq!(without.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(without.headers()["www-authenticate"], "Bearer");
    let wrong = metrics(Some("the-scraper-token-43")).await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = metrics(Some("the-scraper-token-42")).await.unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    assert!(right
        .text()
        .await
        .unwrap()
        .contains("imshare_http_requests_total"));
}

#[tokio::test]
async fn the_operator_listener_serves_metrics_without_a_token() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.ops.metrics_listen = "127.0.0.1:0".to_owned();
    })
    .await;
    let operator = app.metrics_addr.expect("an operator listener is bound");
    assert_eq!(get(&app, "/healthz").await.status(), StatusCode::OK);
    let res = app
        .client
        .get(format!("http://{operator}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("imshare_http_requests_total"));
    // The public listener stays closed.
    assert_eq!(get(&app, "/metrics").await.status(), StatusCode::NOT_FOUND);
}

/// The store has no room: a 507 that says so, not the text for unexpected errors.
#[tokio::test]
async fn a_full_store_says_it_is_full() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.storage.reserve_bytes = u64::MAX / 2;
    })
    .await;
    let alice = app.create_user("alice").await;
    let res = app
        .request_upload(&alice, json!({"size": 1000, "content_type": "video/mp4"}))
        .await;
    assert_eq!(res.status(), StatusCode::INSUFFICIENT_STORAGE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "store_full");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("full"), "{message}");
    assert!(!message.contains("unexpected"), "{message}");
}

async fn readiness_fails_while_the_database_cannot_write(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(readiness(&app).await.0, StatusCode::OK);
    let blocker = WriteBlocker::start(&app, backend).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let body = loop {
        let (status, body) = readiness(&app).await;
        if status == StatusCode::SERVICE_UNAVAILABLE && body["database"] == true {
            break body;
        }
        assert!(Instant::now() < deadline, "still ready: {status} {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(body["database_writable"], false, "{body}");
    assert_eq!(body["store"], true);
    blocker.stop().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while readiness(&app).await.0 != StatusCode::OK {
        assert!(Instant::now() < deadline, "ready again once writes work");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn readiness(app: &TestApp) -> (StatusCode, Value) {
    let res = get(app, "/readyz").await;
    (res.status(), res.json().await.unwrap())
}

/// GET without credentials, as a passer-by or a load balancer sends it.
async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.call(reqwest::Method::GET, path, None, None).await
}

/// Makes the app's database refuse writes the way production does: SQLite's write lock
/// held by another process, a PostgreSQL database turned read-only (as a demoted
/// primary is).
enum WriteBlocker {
    Sqlite(sqlx::SqliteConnection),
    Postgres { server: String, name: String },
}

impl WriteBlocker {
    async fn start(app: &TestApp, backend: Backend) -> WriteBlocker {
        use sqlx::{Connection, Executor};
        match backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&app.settings.database_url())
                    .await
                    .unwrap();
                conn.execute("BEGIN EXCLUSIVE").await.unwrap();
                WriteBlocker::Sqlite(conn)
            }
            Backend::Postgres => {
                let url = &app.settings.database.url;
                let (server, name) = url.rsplit_once('/').unwrap();
                let blocker = WriteBlocker::Postgres {
                    server: server.to_owned(),
                    name: name.to_owned(),
                };
                blocker.set_read_only(true).await;
                blocker
            }
        }
    }

    async fn stop(self) {
        use sqlx::{Connection, Executor};
        match self {
            WriteBlocker::Sqlite(mut conn) => {
                conn.execute("ROLLBACK").await.unwrap();
                conn.close().await.unwrap();
            }
            blocker @ WriteBlocker::Postgres { .. } => blocker.set_read_only(false).await,
        }
    }

    /// Sets the database's default and ends its sessions, so the app's next
    /// connections get the new default.
    async fn set_read_only(&self, on: bool) {
        use sqlx::{Connection, Executor};
        let WriteBlocker::Postgres { server, name } = self else {
            return;
        };
        let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
            .await
            .unwrap();
        let value = if on { "on" } else { "off" };
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "ALTER DATABASE {name} SET default_transaction_read_only = {value}"
            )))
            .await
            .unwrap();
        admin
            .execute(sqlx::AssertSqlSafe(format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )))
            .await
            .unwrap();
    }
}
