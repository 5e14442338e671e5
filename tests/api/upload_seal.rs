//! A completed upload's bytes cannot be changed through its still-valid PUT URL (issue
//! #11 §8): they were copied to a key no URL was signed for, and the transcoder reads
//! that copy; the upload's own key is cleared once the URL has expired.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    objects_under, put_presigned, small_clip, spawn_app_with, Backend, TestApp, TestUser,
};
use crate::on_both_databases;

on_both_databases!(a_used_put_url_cannot_change_a_completed_upload);

/// How long upload URLs live here: long enough to use one again after completing.
const URL_TTL_SECS: u64 = 4;

async fn a_used_put_url_cannot_change_a_completed_upload(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        // The transcoder starts only after the second PUT, so it cannot win a race with it.
        s.media.in_process_worker = false;
        s.uploads.url_ttl_secs = URL_TTL_SECS;
        s.uploads.expire_grace_secs = 0;
        s.uploads.sweep_interval_secs = 1;
    })
    .await;
    let alice = app.create_user("alice").await;
    let clip = small_clip().to_vec();
    let grant = grant(&app, &alice, clip.len()).await;
    assert!(put_presigned(&app.client, &grant, clip.clone())
        .await
        .status()
        .is_success());
    let upload_id = grant["upload_id"].as_str().unwrap();
    let done = app.complete_upload(&alice, upload_id).await;
    assert_eq!(done.status(), StatusCode::OK);

    // The same URL, the same length, other bytes: whatever the store answers, the
    // verified original must not change.
    let garbage = vec![0x47u8; clip.len()];
    let _ = put_presigned(&app.client, &grant, garbage.clone()).await;

    let media_id = grant["media_id"].as_str().unwrap();
    let worker =
        imshare::transcode::run_workers(imshare::transcode::WorkerState::of_app(&app.state), 1);
    let media = app
        .wait_for_media(&alice, media_id, Duration::from_secs(60))
        .await;
    worker.stop(Duration::from_secs(5)).await;
    assert_eq!(
        media["status"], "ready",
        "the original bytes were transcoded: {media}"
    );
    assert!(media["duration_ms"].as_i64().unwrap() > 0);

    // Once the URL has expired, nothing is left under the upload's own key.
    let prefix = format!("u/{}/{upload_id}/", alice.id);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(URL_TTL_SECS + 10);
    loop {
        let keys = objects_under(&app.state.store, &prefix).await;
        if keys.iter().all(|k| !k.ends_with("/original")) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the late PUT's object was never cleared: {keys:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn grant(app: &TestApp, user: &TestUser, size: usize) -> Value {
    let res = app
        .request_upload(
            user,
            json!({"size": size, "content_type": "video/mp4", "title": "walk", "visibility": "private"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let grant: Value = res.json().await.unwrap();
    assert_eq!(grant["method"], "put", "a small clip is one PUT");
    grant
}
