//! The store goes down: grants are refused fast with 503; when it is back, uploads work.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{generate_clip, small_clip, spawn_app, spawn_app_with, Backend};
use crate::on_both_databases;

on_both_databases!(a_stopped_store_means_503_within_a_second_then_recovery);

/// The outage the issue reported is 60 s; it is that long on SQLite. On PostgreSQL a
/// shorter one runs the same path (the job waits however long the store is away).
mod a_transcode_outlives_a_store_outage {
    use std::time::Duration;

    use crate::helpers::Backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::a_transcode_outlives_a_store_outage(Backend::Sqlite, Duration::from_secs(60)).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::a_transcode_outlives_a_store_outage(Backend::Postgres, Duration::from_secs(15)).await
    }
}

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

/// The store goes away mid-transcode for `outage`: the job waits instead of spending its
/// attempts (retries would run out within seconds at this backoff), then finishes.
async fn a_transcode_outlives_a_store_outage(backend: Backend, outage: Duration) {
    let mut app = spawn_app_with(backend, |s| {
        s.media.retry_backoff_secs = 1;
        s.media.max_attempts = 3;
    })
    .await;
    let alice = app.create_user("alice").await;
    let clip = generate_clip(30, "1280x720");
    let media_id = app.upload_clip(&alice, &clip, "video/mp4", "private").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let media: Value = app
            .get(&format!("/v1/media/{media_id}"), &alice.token)
            .await
            .json()
            .await
            .unwrap();
        if media["progress"].as_i64().unwrap_or(0) > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the job never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    app.stop_store().await;
    tokio::time::sleep(outage).await;
    let media: Value = app
        .get(&format!("/v1/media/{media_id}"), &alice.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        media["status"], "processing",
        "the outage did not fail the clip: {media}"
    );
    app.restart_store().await;

    let media = app
        .wait_for_media(&alice, &media_id, Duration::from_secs(180))
        .await;
    assert_eq!(media["status"], "ready", "{media}");
    let db = &app.state.db;
    let attempts: i32 = imshare::on_pool!(db.read(), p =>
        sqlx::query_scalar("SELECT attempts FROM jobs WHERE media_id = $1").bind(&media_id).fetch_one(p).await.unwrap());
    assert_eq!(attempts, 1, "the outage spent no attempt");
}
