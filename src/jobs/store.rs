//! SQL for the job queue. PostgreSQL claims with `FOR UPDATE SKIP LOCKED` so workers never
//! wait on each other; SQLite has a single writer, so one `UPDATE … RETURNING` is atomic.

use super::state::JobState;
use crate::db::{Conn, Db, Pool};
use crate::ids::{JobId, MediaId};
use crate::on_conn;
use crate::time_util::now_ms;

/// A job this worker holds until `lease_until`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    pub id: JobId,
    pub kind: String,
    pub media_id: MediaId,
    pub attempts: i32,
}

/// Claims the oldest runnable job: queued and due, or running with an expired lease.
pub async fn claim(
    db: &Db,
    worker: &str,
    lease_ms: i64,
) -> Result<Option<ClaimedJob>, sqlx::Error> {
    let now = now_ms();
    match db.write() {
        Pool::Sqlite(p) => {
            let sql = "UPDATE jobs SET state = $1, lease_until = $2, worker = $3, attempts = attempts + 1, \
                       updated_at = $4 WHERE id = (SELECT id FROM jobs WHERE (state = $5 AND run_after <= $4) \
                       OR (state = $1 AND lease_until < $4) ORDER BY run_after LIMIT 1) \
                       RETURNING id, kind, media_id, attempts";
            sqlx::query_as(sql)
                .bind(JobState::Running)
                .bind(now + lease_ms)
                .bind(worker)
                .bind(now)
                .bind(JobState::Queued)
                .fetch_optional(p)
                .await
        }
        Pool::Postgres(p) => {
            let sql = "UPDATE jobs SET state = $1, lease_until = $2, worker = $3, attempts = attempts + 1, \
                       updated_at = $4 WHERE id = (SELECT id FROM jobs WHERE (state = $5 AND run_after <= $4) \
                       OR (state = $1 AND lease_until < $4) ORDER BY run_after LIMIT 1 FOR UPDATE SKIP LOCKED) \
                       RETURNING id, kind, media_id, attempts";
            sqlx::query_as(sql)
                .bind(JobState::Running)
                .bind(now + lease_ms)
                .bind(worker)
                .bind(now)
                .bind(JobState::Queued)
                .fetch_optional(p)
                .await
        }
    }
}

/// Extends the lease of a job this worker still holds; false if it lost the job.
pub async fn renew_lease(
    db: &Db,
    job_id: &JobId,
    worker: &str,
    lease_ms: i64,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND worker = $3 AND state = $4";
    crate::on_pool!(db.write(), p => sqlx::query(sql)
        .bind(now_ms() + lease_ms).bind(job_id).bind(worker).bind(JobState::Running)
        .execute(p).await.map(|r| r.rows_affected() == 1))
}

/// Marks a job done.
pub async fn finish(db: &Db, job_id: &JobId) -> Result<(), sqlx::Error> {
    let sql = "UPDATE jobs SET state = $1, lease_until = NULL, updated_at = $2 WHERE id = $3";
    crate::on_pool!(db.write(), p => sqlx::query(sql)
        .bind(JobState::Done).bind(now_ms()).bind(job_id).execute(p).await.map(|_| ()))
}

/// What became of a failed attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum RetryOutcome {
    /// Queued again after a backoff.
    Retrying { in_ms: i64 },
    /// Out of attempts (or not worth retrying): the job is failed for good.
    Failed,
}

/// Records a failed attempt: requeues with exponential backoff while attempts remain.
pub async fn retry_or_fail(
    db: &Db,
    job: &ClaimedJob,
    error: &str,
    retryable: bool,
    max_attempts: i32,
    base_backoff_ms: i64,
) -> Result<RetryOutcome, sqlx::Error> {
    let now = now_ms();
    if retryable && job.attempts < max_attempts {
        let in_ms = base_backoff_ms * (1i64 << (job.attempts - 1).clamp(0, 10));
        let sql =
            "UPDATE jobs SET state = $1, run_after = $2, lease_until = NULL, last_error = $3, \
                   updated_at = $4 WHERE id = $5";
        crate::on_pool!(db.write(), p => sqlx::query(sql)
            .bind(JobState::Queued).bind(now + in_ms).bind(error).bind(now).bind(&job.id)
            .execute(p).await.map(|_| ()))?;
        return Ok(RetryOutcome::Retrying { in_ms });
    }
    let sql = "UPDATE jobs SET state = $1, lease_until = NULL, last_error = $2, updated_at = $3 WHERE id = $4";
    crate::on_pool!(db.write(), p => sqlx::query(sql)
        .bind(JobState::Failed).bind(error).bind(now).bind(&job.id).execute(p).await.map(|_| ()))?;
    Ok(RetryOutcome::Failed)
}

/// Queues the transcode of a new media, on the caller's transaction.
pub async fn enqueue_transcode<'c>(
    conn: impl Into<Conn<'c>>,
    media_id: &MediaId,
    now: i64,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO jobs (id, kind, media_id, state, attempts, run_after, created_at, updated_at) \
               VALUES ($1, 'transcode', $2, $3, 0, $4, $4, $4)";
    on_conn!(conn.into(), c => sqlx::query(sql)
        .bind(JobId::generate()).bind(media_id).bind(JobState::Queued).bind(now)
        .execute(c).await.map(|_| ()))
}

/// Gives a media's transcode job a fresh set of attempts, due now (or queues one if it has
/// none), on the caller's transaction.
pub async fn requeue_transcode<'c>(
    conn: impl Into<Conn<'c>>,
    media_id: &MediaId,
    now: i64,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE jobs SET state = $1, attempts = 0, run_after = $2, lease_until = NULL, worker = NULL, \
               last_error = NULL, updated_at = $2 WHERE media_id = $3 AND kind = 'transcode'";
    on_conn!(conn.into(), c => {
        let requeued = sqlx::query(sql).bind(JobState::Queued).bind(now).bind(media_id)
            .execute(&mut *c).await?.rows_affected();
        if requeued == 0 {
            enqueue_transcode(c, media_id, now).await?;
        }
        Ok(())
    })
}
