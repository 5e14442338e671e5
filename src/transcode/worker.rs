//! The worker loop: claim a job when a slot is free, keep its lease alive while it runs,
//! then finish, retry with backoff, or fail the media for good.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use super::pipeline::{self, JobError};
use super::scratch::{self, Scratch};
use super::{capacity, outage, WorkerState};
use crate::ids::JobId;
use crate::jobs::{self, ClaimedJob, RetryOutcome};

/// Running workers; `stop` lets current jobs finish (up to a deadline) and claims no more.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    /// Stops claiming and waits up to `grace` for running jobs; unfinished ones are taken
    /// over by another worker when their lease runs out.
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        let _ = tokio::time::timeout(grace, self.task).await;
    }
}

/// Starts a loop that runs up to `concurrency` jobs at once, fewer if the memory budget
/// cannot hold that many.
pub fn run_workers(state: WorkerState, concurrency: usize) -> WorkerHandle {
    let (stop, stopped) = watch::channel(false);
    let concurrency = capacity::concurrency(concurrency, &state.settings.media);
    let task = tokio::spawn(claim_loop(state, concurrency, stopped));
    WorkerHandle { stop, task }
}

async fn claim_loop(state: WorkerState, concurrency: usize, mut stopped: watch::Receiver<bool>) {
    let root = scratch::root(&state.settings);
    let scratch = match Scratch::open(&root) {
        Ok(scratch) => Arc::new(scratch),
        Err(e) => {
            tracing::error!(
                error = format!("{e:#}"),
                "no scratch dir for transcodes; the worker does not start"
            );
            return;
        }
    };
    let worker_id = format!("{}-{}", hostname(), uuid::Uuid::new_v4().simple());
    let slots = Arc::new(Semaphore::new(concurrency));
    let poll = Duration::from_millis(state.settings.media.poll_interval_ms.max(50));
    let lease_ms = state.settings.media.lease_secs as i64 * 1000;
    let mut running = JoinSet::new();
    tracing::info!(worker = %worker_id, concurrency, "transcode worker started");
    while !*stopped.borrow() {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        let claimed = jobs::claim(&state.db, &worker_id, lease_ms).await;
        match claimed {
            Ok(Some(job)) => {
                let (state, worker_id) = (state.clone(), worker_id.clone());
                let scratch = scratch.clone();
                running.spawn(async move {
                    run_job(&state, &scratch, &worker_id, job).await;
                    drop(slot);
                });
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not claim a job; will retry"),
        }
        drop(slot);
        while running.try_join_next().is_some() {}
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = stopped.changed() => {}
        }
    }
    while running.join_next().await.is_some() {}
    tracing::info!(worker = %worker_id, "transcode worker stopped");
}

#[tracing::instrument(skip_all, fields(job = %job.id, media = %job.media_id, attempt = job.attempts))]
async fn run_job(state: &WorkerState, scratch: &Scratch, worker_id: &str, job: ClaimedJob) {
    let lease_ms = state.settings.media.lease_secs as i64 * 1000;
    let started = std::time::Instant::now();
    let mut outages = 0u32;
    // An attempt that failed while the store or the database was down is not the job's
    // fault: it waits (keeping its lease) until both are back and runs again, spending no
    // attempt, however long the outage.
    let result = loop {
        let outcome = tokio::select! {
            result = pipeline::process(state, scratch, &job) => Some(result),
            () = keep_lease(state, &job.id, worker_id, lease_ms) => None,
        };
        let result = match outcome {
            None => {
                tracing::warn!("lost the job's lease to another worker; abandoning this attempt");
                return;
            }
            Some(result) => result,
        };
        match result {
            Err(JobError::Transient(e)) if !outage::dependencies_up(state).await => {
                outages += 1;
                tracing::warn!(
                    error = format!("{e:#}"),
                    outages,
                    "transcode interrupted by a store or database outage; waiting for it to end"
                );
                let waited = tokio::select! {
                    () = outage::wait_until_up(state) => true,
                    () = keep_lease(state, &job.id, worker_id, lease_ms) => false,
                };
                if !waited {
                    tracing::warn!(
                        "lost the job's lease during the outage; abandoning this attempt"
                    );
                    return;
                }
                tracing::info!("store and database are back; running the job again");
            }
            result => break result,
        }
    };
    metrics::histogram!("imshare_transcode_seconds").record(started.elapsed().as_secs_f64());
    let finished = match result {
        Ok(()) => jobs::finish(&state.db, &job.id).await.map(|_| "done"),
        Err(JobError::Rejected(reason)) => {
            tracing::info!(%reason, "media rejected");
            settle_failure(state, &job, &reason, false).await
        }
        Err(JobError::Transient(e)) => {
            tracing::warn!(error = format!("{e:#}"), "transcode attempt failed");
            settle_failure(state, &job, &format!("{e:#}"), true).await
        }
    };
    match finished {
        Ok(outcome) => tracing::info!(
            outcome,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "job ended"
        ),
        Err(e) => {
            tracing::error!(error = %e, "could not record the job's outcome; its lease will expire and it will run again")
        }
    }
}

/// Requeues or fails the job; a media that failed for good is marked so, with its reason.
async fn settle_failure(
    state: &WorkerState,
    job: &ClaimedJob,
    reason: &str,
    retryable: bool,
) -> Result<&'static str, sqlx::Error> {
    let media = &state.settings.media;
    let backoff_ms = media.retry_backoff_secs as i64 * 1000;
    match jobs::retry_or_fail(
        &state.db,
        job,
        reason,
        retryable,
        media.max_attempts,
        backoff_ms,
    )
    .await?
    {
        RetryOutcome::Retrying { .. } => Ok("retrying"),
        RetryOutcome::Failed => {
            let shown = if retryable {
                format!(
                    "processing failed after {} attempts; upload the clip again later",
                    job.attempts
                )
            } else {
                reason.to_owned()
            };
            if let Err(e) = pipeline::fail(state, &job.media_id, &shown, !retryable).await {
                tracing::error!(error = %e, "could not mark the media failed");
            }
            Ok("failed")
        }
    }
}

/// Renews the lease every third of its length; returns only if the job was lost.
async fn keep_lease(state: &WorkerState, job_id: &JobId, worker_id: &str, lease_ms: i64) {
    let mut ticker = tokio::time::interval(Duration::from_millis((lease_ms / 3).max(100) as u64));
    ticker.tick().await;
    loop {
        ticker.tick().await;
        match jobs::renew_lease(&state.db, job_id, worker_id, lease_ms).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => tracing::warn!(error = %e, "could not renew a job lease; trying again"),
        }
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_owned())
}
