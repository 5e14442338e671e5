//! `POST /v1/media/{id}/retry`: the owner of a clip that failed for good, but whose
//! original is still stored, gets it processed again; everyone else gets 404.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{small_clip, spawn_app_with, Backend, TestApp};
use crate::on_both_databases;

on_both_databases!(the_owner_retries_a_failed_clip_and_it_becomes_ready);

const WAIT: Duration = Duration::from_secs(90);

/// Puts a clip in the state a transcode that failed for good leaves it in (as clips that
/// ran out of attempts in a store outage before this release were left): the job out of
/// attempts, the media failed with its reason, the original kept.
async fn fail_for_good(app: &TestApp, media_id: &str) {
    let db = &app.state.db;
    imshare::on_pool!(db.write(), p => {
        sqlx::query("UPDATE jobs SET state = 'failed', attempts = 3, last_error = 'object store' WHERE media_id = $1")
            .bind(media_id).execute(p).await.unwrap();
        sqlx::query("UPDATE media SET status = 'failed', failure = 'processing failed after 3 attempts; upload the clip again later' WHERE id = $1")
            .bind(media_id).execute(p).await.unwrap();
    });
}

async fn attempts(app: &TestApp, media_id: &str) -> i64 {
    let db = &app.state.db;
    let attempts: i32 = imshare::on_pool!(db.read(), p =>
        sqlx::query_scalar("SELECT attempts FROM jobs WHERE media_id = $1").bind(media_id).fetch_one(p).await.unwrap());
    i64::from(attempts)
}

async fn retry(app: &TestApp, token: &str, media_id: &str) -> (StatusCode, Value) {
    let res = app
        .post(&format!("/v1/media/{media_id}/retry"), token, json!({}))
        .await;
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn the_owner_retries_a_failed_clip_and_it_becomes_ready(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.media.in_process_worker = false).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    app.befriend(&alice, &bob).await;
    let failed = app
        .upload_clip(&alice, small_clip(), "video/mp4", "public")
        .await;
    fail_for_good(&app, &failed).await;
    let junk: Vec<u8> = (0..64 * 1024).map(|i| (i * 7919 % 251) as u8).collect();
    let rejected = app.upload_clip(&alice, &junk, "video/mp4", "private").await;
    let workers =
        imshare::transcode::run_workers(imshare::transcode::WorkerState::of_app(&app.state), 1);

    let media = app.wait_for_media(&alice, &rejected, WAIT).await;
    assert_eq!(media["status"], "failed", "{media}");
    let (status, body) = retry(&app, &alice.token, &rejected).await;
    assert_eq!(
        status,
        StatusCode::GONE,
        "a rejected file's original is removed: {body}"
    );
    assert_eq!(body["error"]["code"], "original_gone");

    // A friend may see the public clip, but its retry is the owner's alone.
    let (status, body) = retry(&app, &bob.token, &failed).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = retry(&app, &alice.token, "no-such-media").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = retry(&app, &alice.token, &failed).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["status"], "processing");
    assert_eq!(body["failure"], Value::Null);
    let (status, body) = retry(&app, &alice.token, &failed).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "media_not_failed");

    let media = app.wait_for_media(&alice, &failed, WAIT).await;
    assert_eq!(media["status"], "ready", "{media}");
    assert_eq!(
        attempts(&app, &failed).await,
        1,
        "the retry starts with fresh attempts"
    );
    let (status, body) = retry(&app, &alice.token, &failed).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a ready clip is not retried: {body}"
    );
    workers.stop(Duration::from_secs(5)).await;
}
