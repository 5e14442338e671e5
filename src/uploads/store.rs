//! SQL for uploads. Each state change moves the upload's bytes in the quota module on
//! the same transaction, so the counters can never drift from the uploads they count.

use super::state::UploadState;
use crate::db::Db;
use crate::ids::{MediaId, UploadId, UserId};
use crate::media::MediaStatus;
use crate::time_util::now_ms;
use crate::{jobs, on_pool, quota};

/// An upload as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UploadRow {
    pub id: UploadId,
    pub user_id: UserId,
    pub media_id: MediaId,
    pub object_key: String,
    pub size_bytes: i64,
    pub content_type: String,
    pub title: String,
    pub description: String,
    pub visibility: String,
    pub method: String,
    pub s3_upload_id: Option<String>,
    pub part_size: Option<i64>,
    pub state: UploadState,
    pub expires_at: i64,
    pub created_at: i64,
}

/// The columns of [`UploadRow`], as a literal so queries stay `&'static str`.
macro_rules! upload_columns {
    () => {
        "id, user_id, media_id, object_key, size_bytes, content_type, title, description, \
         visibility, method, s3_upload_id, part_size, state, expires_at, created_at"
    };
}

/// The caller's upload with this id; other users' uploads are not found.
pub async fn find_for_user(
    db: &Db,
    id: &UploadId,
    user_id: &UserId,
) -> Result<Option<UploadRow>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        upload_columns!(),
        " FROM uploads WHERE id = $1 AND user_id = $2"
    );
    on_pool!(db.read(), p => sqlx::query_as::<_, UploadRow>(sql).bind(id).bind(user_id).fetch_optional(p).await)
}

/// The media status of a completed upload.
pub async fn media_status(db: &Db, media_id: &MediaId) -> Result<Option<MediaStatus>, sqlx::Error> {
    let sql = "SELECT status FROM media WHERE id = $1";
    let row: Option<(MediaStatus,)> =
        on_pool!(db.read(), p => sqlx::query_as(sql).bind(media_id).fetch_optional(p).await)?;
    Ok(row.map(|(s,)| s))
}

/// Marks a pending upload completed, commits its bytes from reserved to used, creates the
/// media row (its original at `media_key`) and queues its transcode; `slot_pending` leaves
/// the upload's own key for the sweeper to clear. False if the upload was no longer pending.
pub async fn complete(
    db: &Db,
    upload: &UploadRow,
    media_key: &str,
    slot_pending: bool,
) -> Result<bool, sqlx::Error> {
    let now = now_ms();
    let mark = "UPDATE uploads SET state = $1, completed_at = $2, slot_pending = $3 \
                WHERE id = $4 AND state = $5";
    let media = "INSERT INTO media (id, owner_id, title, description, visibility, kind, status, progress, size_bytes, \
                 content_type, object_key, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11, $11)";
    let kind = if upload.content_type.starts_with("audio/") {
        "audio"
    } else {
        "video"
    };
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        let marked = sqlx::query(mark)
            .bind(UploadState::Completed).bind(now).bind(slot_pending).bind(&upload.id)
            .bind(UploadState::Pending)
            .execute(&mut *tx).await?;
        if marked.rows_affected() == 0 {
            return Ok(false);
        }
        quota::commit(&mut *tx, &upload.user_id, upload.size_bytes).await?;
        sqlx::query(media)
            .bind(&upload.media_id).bind(&upload.user_id).bind(&upload.title).bind(&upload.description)
            .bind(&upload.visibility).bind(kind).bind(MediaStatus::Processing).bind(upload.size_bytes)
            .bind(&upload.content_type).bind(media_key).bind(now)
            .execute(&mut *tx).await?;
        jobs::enqueue_transcode(&mut *tx, &upload.media_id, now).await?;
        tx.commit().await?;
        Ok(true)
    })
}

/// Ends a pending upload as `aborted` or `expired` and releases its reservation.
/// False if it was no longer pending.
pub async fn release(
    db: &Db,
    upload: &UploadRow,
    final_state: UploadState,
) -> Result<bool, sqlx::Error> {
    let mark = "UPDATE uploads SET state = $1 WHERE id = $2 AND state = $3";
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        let marked = sqlx::query(mark)
            .bind(final_state).bind(&upload.id).bind(UploadState::Pending)
            .execute(&mut *tx).await?;
        if marked.rows_affected() == 0 {
            return Ok(false);
        }
        quota::release(&mut *tx, &upload.user_id, upload.size_bytes).await?;
        tx.commit().await?;
        Ok(true)
    })
}

/// Pending uploads whose URLs expired before `cutoff_ms`.
pub async fn stale_pending(
    db: &Db,
    cutoff_ms: i64,
    limit: i64,
) -> Result<Vec<UploadRow>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        upload_columns!(),
        " FROM uploads WHERE state = $1 AND expires_at < $2 LIMIT $3"
    );
    on_pool!(db.read(), p => sqlx::query_as::<_, UploadRow>(sql)
        .bind(UploadState::Pending).bind(cutoff_ms).bind(limit).fetch_all(p).await)
}

/// Completed single-PUT uploads whose URL expired before `cutoff_ms` and whose own key may
/// still hold a late PUT: (upload id, key).
pub async fn stale_slots(
    db: &Db,
    cutoff_ms: i64,
    limit: i64,
) -> Result<Vec<(UploadId, String)>, sqlx::Error> {
    let sql = "SELECT id, object_key FROM uploads WHERE slot_pending AND expires_at < $1 LIMIT $2";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(cutoff_ms).bind(limit).fetch_all(p).await)
}

/// Records that an upload's own key was cleared.
pub async fn slot_cleared(db: &Db, id: &UploadId) -> Result<(), sqlx::Error> {
    let sql = "UPDATE uploads SET slot_pending = FALSE WHERE id = $1";
    on_pool!(db.write(), p => sqlx::query(sql).bind(id).execute(p).await.map(|_| ()))
}
