//! Health, readiness, metrics and the OpenAPI document.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{spawn_app, spawn_app_with, Backend};
use crate::on_both_databases;

on_both_databases!(health_readiness_and_metrics);

const METRICS_TOKEN: &str = "scraper-token-0123456789";

async fn health_readiness_and_metrics(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.ops.metrics_token = METRICS_TOKEN.to_owned().into();
    })
    .await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.address)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), StatusCode::OK);
    let ready = get("/readyz").await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["database"], true);
    assert_eq!(body["database_writable"], true);
    assert_eq!(body["store"], true);
    let metrics = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("imshare_http_requests_total"), "{metrics}");
    assert!(metrics.contains("imshare_store_up"));
}

/// Every path of the public contract (../shared/API.md) that this build serves is documented.
#[tokio::test]
async fn openapi_lists_every_route() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc: Value = app
        .client
        .get(format!("{}/openapi.json", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("post", "/v1/accounts"),
        ("post", "/v1/sessions"),
        ("post", "/v1/sessions/refresh"),
        ("get", "/v1/me"),
        ("put", "/v1/me/presence"),
        ("post", "/v1/friends/requests"),
        ("get", "/v1/friends/requests"),
        ("post", "/v1/friends/requests/{id}/accept"),
        ("get", "/v1/friends"),
        ("delete", "/v1/friends/{user_id}"),
        ("post", "/v1/uploads"),
        ("get", "/v1/uploads/{id}"),
        ("post", "/v1/uploads/{id}/complete"),
        ("delete", "/v1/uploads/{id}"),
        ("get", "/v1/media/{id}"),
        ("patch", "/v1/media/{id}"),
        ("delete", "/v1/media/{id}"),
        ("post", "/v1/media/{id}/retry"),
        ("get", "/v1/users/{id}/media"),
        ("post", "/v1/groups"),
        ("get", "/v1/groups"),
        ("post", "/v1/groups/{id}/members"),
        ("delete", "/v1/groups/{id}/members/{user_id}"),
        ("get", "/v1/groups/{id}/messages"),
        ("get", "/v1/ws"),
        ("post", "/v1/sync-rooms"),
        ("get", "/v1/sync-rooms/{id}"),
        ("post", "/v1/live-shares"),
        ("get", "/v1/live-shares/{id}/ws"),
        ("post", "/v1/apps"),
        ("post", "/v1/apps/{app_id}/push"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/metrics"),
    ];
    for (method, path) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is missing from /openapi.json"
        );
    }
    assert!(doc["components"]["schemas"]["UploadGrant"].is_object());
}
