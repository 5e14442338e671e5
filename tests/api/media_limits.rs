//! Limits hold on what is decoded: a clip whose header lies about its length fails with a
//! reason once decoding passes the limit, a clip whose pictures grow past the limit
//! mid-stream fails too, and a clip that passes reports the length actually decoded.

use std::time::Duration;

use crate::helpers::{spawn_app_with, Backend, TestApp};
use crate::hostile::{growing_ts, lying_mkv, lying_mp3};
use crate::on_both_databases;

on_both_databases!(
    a_clip_longer_than_its_header_says_fails_at_the_limit,
    pictures_that_grow_past_the_limit_fail_the_clip,
    a_clip_reports_the_length_it_decodes_to
);

const WAIT: Duration = Duration::from_secs(90);

async fn one_minute_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| {
        s.media.max_duration_secs = 60;
        s.media.max_width = 640;
        s.media.max_height = 480;
    })
    .await
}

async fn a_clip_longer_than_its_header_says_fails_at_the_limit(backend: Backend) {
    let app = one_minute_app(backend).await;
    let alice = app.create_user("alice").await;
    let dir = tempfile::tempdir().unwrap();
    let mkv = std::fs::read(lying_mkv(dir.path(), 90, 20)).unwrap();
    let media_id = app
        .upload_clip(&alice, &mkv, "video/x-matroska", "private")
        .await;
    let media = app.wait_for_media(&alice, &media_id, WAIT).await;
    assert_eq!(media["status"], "failed", "{media}");
    assert_eq!(media["failure"], "the clip runs past the 1-minute limit");
}

async fn pictures_that_grow_past_the_limit_fail_the_clip(backend: Backend) {
    let app = one_minute_app(backend).await;
    let alice = app.create_user("alice").await;
    let dir = tempfile::tempdir().unwrap();
    let ts = std::fs::read(growing_ts(dir.path(), "320x240", "1280x720")).unwrap();
    let media_id = app.upload_clip(&alice, &ts, "video/mp2t", "private").await;
    let media = app.wait_for_media(&alice, &media_id, WAIT).await;
    assert_eq!(media["status"], "failed", "{media}");
    assert_eq!(
        media["failure"],
        "the video is 1280×720 pixels; the limit is 640×480"
    );
}

async fn a_clip_reports_the_length_it_decodes_to(backend: Backend) {
    let app = one_minute_app(backend).await;
    let alice = app.create_user("alice").await;
    let dir = tempfile::tempdir().unwrap();
    // The header says about 11 s (the first frames' bitrate); 40 s decode.
    let mp3 = std::fs::read(lying_mp3(dir.path(), 10, 30)).unwrap();
    let media_id = app.upload_clip(&alice, &mp3, "audio/mpeg", "private").await;
    let media = app.wait_for_media(&alice, &media_id, WAIT).await;
    assert_eq!(media["status"], "ready", "{media}");
    let duration = media["duration_ms"].as_i64().unwrap();
    assert!((39_500..=40_500).contains(&duration), "{duration} ms");
}
