//! `imshare upload`, the reference mobile client, against a running service.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{generate_clip, spawn_app, Backend};
use crate::on_both_databases;

on_both_databases!(the_upload_command_uploads_in_parts_and_follows_the_transcode);

async fn the_upload_command_uploads_in_parts_and_follows_the_transcode(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("holiday.mp4");
    // Above the test app's 6 MiB threshold, so it goes up in parts.
    let clip = generate_clip(25, "1280x720");
    assert!(clip.len() > 6 * 1024 * 1024, "clip is {} bytes", clip.len());
    std::fs::write(&file, &clip).unwrap();

    let server = app.address.clone();
    let path = file.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_imshare"))
            .arg("upload")
            .arg(&path)
            .args([
                "--server",
                &server,
                "--username",
                "alice",
                "--json",
                "--visibility",
                "public",
            ])
            .env("IMSHARE_PASSWORD", "alice-password")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "upload failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    let media_id = report["media_id"].as_str().unwrap();
    assert_eq!(
        report["play"]["status"], "ready",
        "the command waits for the transcode"
    );
    assert!(report["page_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/m/{media_id}")));
    assert!(
        !file
            .with_file_name("holiday.mp4.imshare-upload.json")
            .exists(),
        "resume state is cleared"
    );

    let media = app
        .wait_for_media(&alice, media_id, Duration::from_secs(5))
        .await;
    assert_eq!(media["title"], "holiday");
    assert_eq!(media["visibility"], "public");
    assert_eq!(media["size_bytes"], clip.len());
}
