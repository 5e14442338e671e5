//! A worker killed with SIGKILL mid-job leaves a job another worker takes over and finishes,
//! and leaves its scratch files only under the data dir, where the next worker to start
//! removes them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{
    generate_clip, spawn_app_with, Backend, TestApp, JWT_SECRET, STORE_KEY, STORE_SECRET,
};
use crate::on_both_databases;

on_both_databases!(a_killed_workers_job_is_finished_by_another);

/// A separate `imshare worker` process on the test app's database and store, with its
/// `$TMPDIR` at `tmp_dir`.
fn start_worker(app: &TestApp, data_dir: &Path, tmp_dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_imshare"))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("worker")
        .arg("--concurrency")
        .arg("1")
        .env("IMSHARE__DATABASE__URL", app.settings.database_url())
        .env("IMSHARE__STORAGE__STORE_LISTEN", app.store_addr.to_string())
        .env("IMSHARE__STORAGE__BUCKET", &app.settings.storage.bucket)
        .env("IMSHARE__STORAGE__ACCESS_KEY", STORE_KEY)
        .env("IMSHARE__STORAGE__SECRET_KEY", STORE_SECRET)
        .env("IMSHARE__AUTH__JWT_SECRET", JWT_SECRET)
        .env("IMSHARE__MEDIA__LEASE_SECS", "2")
        .env("IMSHARE__MEDIA__POLL_INTERVAL_MS", "100")
        .env("TMPDIR", tmp_dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start an imshare worker")
}

async fn a_killed_workers_job_is_finished_by_another(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.media.in_process_worker = false;
        s.media.lease_secs = 2;
    })
    .await;
    let worker_dir = tempfile::tempdir().unwrap();
    let tmp_dir = tempfile::tempdir().unwrap();
    let alice = app.create_user("alice").await;
    let clip = generate_clip(30, "1280x720");
    let media_id = app.upload_clip(&alice, &clip, "video/mp4", "private").await;

    let mut first = start_worker(&app, worker_dir.path(), tmp_dir.path());
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
        assert!(
            Instant::now() < deadline,
            "the first worker never started the job"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    first.kill().expect("SIGKILL the worker mid-job");
    first.wait().unwrap();
    let media: Value = app
        .get(&format!("/v1/media/{media_id}"), &alice.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(media["status"], "processing", "killed mid-job");
    let scratch = worker_dir.path().join("scratch");
    let left = job_dirs(&scratch);
    assert_eq!(
        left.len(),
        1,
        "the killed job's work dir is under the data dir"
    );
    assert_eq!(entries(tmp_dir.path()), 0, "nothing was written to $TMPDIR");

    let mut second = start_worker(&app, worker_dir.path(), tmp_dir.path());
    let deadline = Instant::now() + Duration::from_secs(30);
    while left[0].exists() {
        assert!(
            Instant::now() < deadline,
            "the next worker never swept {}",
            left[0].display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let media = app
        .wait_for_media(&alice, &media_id, Duration::from_secs(120))
        .await;
    second.kill().ok();
    second.wait().ok();
    assert_eq!(media["status"], "ready", "{media}");
    let duration = media["duration_ms"].as_i64().unwrap();
    assert!((29_800..=30_200).contains(&duration), "{duration}");
}

/// Job work dirs under a scratch root (one level of worker dirs, then `job-*`).
fn job_dirs(scratch: &Path) -> Vec<PathBuf> {
    let Ok(workers) = std::fs::read_dir(scratch) else {
        return Vec::new();
    };
    workers
        .flatten()
        .filter(|w| w.path().is_dir())
        .flat_map(|w| std::fs::read_dir(w.path()).into_iter().flatten().flatten())
        .map(|job| job.path())
        .collect()
}

fn entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.count())
}
