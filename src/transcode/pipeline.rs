//! One transcode job: download the original, probe and validate it, transcode on a
//! blocking thread while this task uploads each finished segment, then publish.

use std::path::{Path, PathBuf};

use imshare_media as media;
use tokio::sync::mpsc;

use super::scratch::Scratch;
use super::store::{self, JobMedia, ReadyOutputs, RenditionRow};
use super::WorkerState;
use crate::events::{self, EventKind};
use crate::ids::MediaId;
use crate::jobs::ClaimedJob;
use crate::media::MediaStatus;
use crate::storage::{keys, StoreError};

/// Why an attempt did not finish.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The file itself is unacceptable: retrying cannot help.
    #[error("{0}")]
    Rejected(String),
    /// Something around the file failed (store, database, disk): worth a retry.
    #[error(transparent)]
    Transient(#[from] anyhow::Error),
}

impl From<sqlx::Error> for JobError {
    fn from(e: sqlx::Error) -> Self {
        Self::Transient(anyhow::Error::new(e).context("database"))
    }
}

impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        Self::Transient(anyhow::Error::new(e).context("object store"))
    }
}

/// Runs one attempt of a transcode job to the end, its work files under `scratch`. An
/// attempt whose media is deleted while it runs ends without error, its outputs removed.
pub async fn process(
    state: &WorkerState,
    scratch: &Scratch,
    job: &ClaimedJob,
) -> Result<(), JobError> {
    let result = attempt(state, scratch, job).await;
    if result.is_err() && discard_if_deleted(state, &job.media_id).await {
        return Ok(());
    }
    result
}

async fn attempt(state: &WorkerState, scratch: &Scratch, job: &ClaimedJob) -> Result<(), JobError> {
    let Some(row) = store::job_media(&state.db, &job.media_id).await? else {
        return Ok(()); // deleted meanwhile: nothing to do
    };
    if row.status != MediaStatus::Processing {
        return Ok(());
    }
    store::reset_outputs(&state.db, &row.id).await?;
    let work = scratch
        .job_dir()
        .map_err(|e| anyhow::anyhow!("creating a work dir: {e}"))?;
    let input = work.path().join("original");
    state.store.download_to(&row.object_key, &input).await?;

    let probe = blocking(move || media::probe(&input).map(|p| (p, input))).await?;
    let (probe, input) = probe.map_err(|e| JobError::Rejected(e.to_string()))?;
    let settings = &state.settings.media;
    let limits = media::Limits {
        max_duration_ms: settings.max_duration_secs as i64 * 1000,
        max_width: settings.max_width,
        max_height: settings.max_height,
    };
    media::validate(&probe, &limits).map_err(|e| JobError::Rejected(e.to_string()))?;
    let kind = probe.kind();
    let rungs = match kind {
        media::MediaKind::Video => {
            let heights = settings.ladder_heights().map_err(JobError::Transient)?;
            media::ladder_for(&probe, &heights)
        }
        media::MediaKind::Audio => Vec::new(),
    };
    let dims = probe.video.as_ref().map(|v| (v.width, v.height));
    store::set_probe(&state.db, &row.id, kind.as_str(), probe.duration_ms, dims).await?;
    for rung in &rungs {
        let planned = media::planned_rendition(&probe, rung, settings.audio_kbps);
        store::upsert_rendition(&state.db, &row.id, &rendition_row(&planned)).await?;
    }
    if kind == media::MediaKind::Audio {
        let planned = media::planned_audio_rendition(settings.audio_kbps);
        store::upsert_rendition(&state.db, &row.id, &rendition_row(&planned)).await?;
    }

    let out_dir = work.path().join("out");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| anyhow::anyhow!("creating {}: {e}", out_dir.display()))?;
    let outputs =
        transcode_and_publish_segments(state, &row, input, out_dir, rungs, limits).await?;
    publish(state, &row, &outputs).await
}

/// Transcodes on a blocking thread; segments and progress stream back over a channel
/// and are uploaded and recorded here as they come.
async fn transcode_and_publish_segments(
    state: &WorkerState,
    row: &JobMedia,
    input: PathBuf,
    out_dir: PathBuf,
    rungs: Vec<media::Rung>,
    limits: media::Limits,
) -> Result<media::Outputs, JobError> {
    let (tx, mut rx) = mpsc::channel::<media::Event>(64);
    let settings = state.settings.media.clone();
    let transcode = tokio::task::spawn_blocking(move || {
        let job = media::TranscodeJob {
            input: &input,
            out_dir: &out_dir,
            rungs,
            segment_secs: settings.segment_secs,
            audio_kbps: settings.audio_kbps,
            limits,
        };
        // A closed channel means the job was abandoned; the transcode then just runs out.
        media::transcode(&job, &mut |event| {
            let _ = tx.blocking_send(event);
        })
    });
    let mut last_percent = 0u8;
    while let Some(event) = rx.recv().await {
        match event {
            media::Event::Segment(segment) => {
                let key = keys::segment(&row.id, &segment.rendition, segment.index);
                state
                    .store
                    .upload_file(&key, &segment.path, "video/mp2t")
                    .await?;
                let duration_ms = (segment.duration_secs * 1000.0).round() as i64;
                store::insert_segment(
                    &state.db,
                    &row.id,
                    &segment.rendition,
                    segment.index,
                    duration_ms,
                    &key,
                )
                .await?;
            }
            media::Event::Progress { percent }
                if percent >= last_percent.saturating_add(2) || percent == 100 =>
            {
                last_percent = percent;
                store::set_progress(&state.db, &row.id, percent.min(99)).await?;
            }
            media::Event::Progress { .. } => {}
        }
    }
    let outputs = transcode
        .await
        .map_err(|e| anyhow::anyhow!("transcode thread: {e}"))?;
    outputs.map_err(|e| match e.is_input_error() {
        true => JobError::Rejected(e.to_string()),
        false => JobError::Transient(anyhow::Error::new(e).context("transcoding")),
    })
}

/// Uploads the MP4, audio and poster, finalises renditions and marks the media ready.
async fn publish(
    state: &WorkerState,
    row: &JobMedia,
    outputs: &media::Outputs,
) -> Result<(), JobError> {
    let mut derived_bytes: u64 = 0;
    for rendition in &outputs.renditions {
        store::upsert_rendition(&state.db, &row.id, &rendition_row(rendition)).await?;
        derived_bytes += rendition
            .segments
            .iter()
            .map(|s| file_len(&s.path))
            .sum::<u64>();
    }
    let files = [
        (&outputs.mp4, "clip.mp4", "video/mp4"),
        (&outputs.m4a, "audio.m4a", "audio/mp4"),
        (&outputs.poster, "poster.jpg", "image/jpeg"),
    ];
    let mut uploaded: Vec<Option<String>> = Vec::with_capacity(files.len());
    for (path, name, content_type) in files {
        let Some(path) = path else {
            uploaded.push(None);
            continue;
        };
        let key = keys::rendition_file(&row.id, name);
        derived_bytes += state.store.upload_file(&key, path, content_type).await?;
        uploaded.push(Some(key));
    }
    let mut uploaded = uploaded.into_iter();
    let ready = ReadyOutputs {
        mp4_key: uploaded.next().flatten(),
        audio_key: uploaded.next().flatten(),
        poster_key: uploaded.next().flatten(),
        derived_bytes: derived_bytes as i64,
        duration_ms: outputs.duration_ms,
    };
    if !store::mark_ready(&state.db, row, &ready).await? {
        // Deleted (or settled by another attempt) meanwhile: nothing counts these outputs.
        discard_if_deleted(state, &row.id).await;
        return Ok(());
    }
    let payload = serde_json::json!({"media_id": row.id});
    events::record(
        &state.db,
        &row.owner_id,
        EventKind::MediaReady,
        &payload,
        None,
    )
    .await?;
    metrics::counter!("imshare_transcodes_total", "outcome" => "ready").increment(1);
    Ok(())
}

/// Fails the media for good and tells the owner why. A rejected file's original is removed
/// (it can never play); after transient failures it is kept so the owner can retry.
pub async fn fail(
    state: &WorkerState,
    media_id: &MediaId,
    reason: &str,
    remove_original: bool,
) -> Result<(), JobError> {
    let Some(row) = store::job_media(&state.db, media_id).await? else {
        return Ok(());
    };
    if let Err(e) = state
        .store
        .delete_prefix(&keys::media_prefix(&row.id))
        .await
    {
        tracing::warn!(media = %row.id, error = %e, "could not remove a failed media's partial renditions");
    }
    if remove_original {
        if let Err(e) = state.store.delete(&row.object_key).await {
            tracing::warn!(media = %row.id, error = %e, "could not remove a rejected original from the store");
        }
    }
    if !store::mark_failed(&state.db, &row, reason, remove_original).await? {
        return Ok(());
    }
    let payload = serde_json::json!({"media_id": row.id, "reason": reason});
    events::record(
        &state.db,
        &row.owner_id,
        EventKind::MediaFailed,
        &payload,
        None,
    )
    .await?;
    metrics::counter!("imshare_transcodes_total", "outcome" => "failed").increment(1);
    Ok(())
}

/// Removes what attempts stored for a media that was deleted while they ran (the delete
/// removed only what was there then); true if it was deleted.
async fn discard_if_deleted(state: &WorkerState, media_id: &MediaId) -> bool {
    if !matches!(store::job_media(&state.db, media_id).await, Ok(None)) {
        return false;
    }
    if let Err(e) = state
        .store
        .delete_prefix(&keys::media_prefix(media_id))
        .await
    {
        tracing::warn!(media = %media_id, error = %e, "could not remove a deleted media's late renditions");
    }
    true
}

fn rendition_row(r: &media::RenditionInfo) -> RenditionRow<'_> {
    RenditionRow {
        name: &r.name,
        width: r.width,
        height: r.height,
        bandwidth: r.bandwidth_bps,
        codecs: &r.codecs,
    }
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, JobError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| JobError::Transient(anyhow::anyhow!("blocking task: {e}")))
}
