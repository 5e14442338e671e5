//! The store goes down: grants are refused fast with 503; when it is back, uploads work.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{small_clip, spawn_app, Backend};
use crate::on_both_databases;

on_both_databases!(a_stopped_store_means_503_within_a_second_then_recovery);

async fn a_stopped_store_means_503_within_a_second_then_recovery(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let body = json!({"size": 1000, "content_type": "video/mp4"});
    assert_eq!(
        app.request_upload(&alice, body.clone()).await.status(),
        StatusCode::CREATED
    );

    app.stop_store().await;
    // Within a couple of probe intervals every grant is refused, each answered fast.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut refused = false;
    while Instant::now() < deadline {
        let started = Instant::now();
        let res = app.request_upload(&alice, body.clone()).await;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "answered in {:?}",
            started.elapsed()
        );
        if res.status() == StatusCode::SERVICE_UNAVAILABLE {
            let err: Value = res.json().await.unwrap();
            assert_eq!(err["error"]["code"], "store_unavailable");
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused, "grants were refused once the store was down");
    let ready = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);

    app.restart_store().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut media_id = None;
    while Instant::now() < deadline && media_id.is_none() {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let probe = app.request_upload(&alice, body.clone()).await;
        if probe.status() == StatusCode::CREATED {
            media_id = Some(
                app.upload_clip(&alice, small_clip(), "video/mp4", "private")
                    .await,
            );
        }
    }
    let media_id = media_id.expect("uploads work again once the store is back");
    assert_eq!(
        app.get(&format!("/v1/media/{media_id}"), &alice.token)
            .await
            .status(),
        StatusCode::OK
    );
}
