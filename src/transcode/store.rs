//! SQL for what the transcoder records about a media.

use crate::db::Db;
use crate::ids::{MediaId, UserId};
use crate::media::MediaStatus;
use crate::time_util::now_ms;
use crate::{on_pool, quota};

/// What the transcoder needs to know about the media of a job.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobMedia {
    pub id: MediaId,
    pub owner_id: UserId,
    pub object_key: String,
    pub size_bytes: i64,
    pub status: MediaStatus,
}

/// The media of a job, if it still exists.
pub async fn job_media(db: &Db, media_id: &MediaId) -> Result<Option<JobMedia>, sqlx::Error> {
    let sql = "SELECT id, owner_id, object_key, size_bytes, status FROM media WHERE id = $1";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(media_id).fetch_optional(p).await)
}

/// Forgets what an earlier, interrupted attempt produced.
pub async fn reset_outputs(db: &Db, media_id: &MediaId) -> Result<(), sqlx::Error> {
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        sqlx::query("DELETE FROM segments WHERE media_id = $1").bind(media_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM renditions WHERE media_id = $1").bind(media_id).execute(&mut *tx).await?;
        sqlx::query("UPDATE media SET progress = 0, hls_complete = FALSE, failure = NULL, updated_at = $1 WHERE id = $2")
            .bind(now_ms()).bind(media_id).execute(&mut *tx).await?;
        tx.commit().await
    })
}

/// Records what probing found.
pub async fn set_probe(
    db: &Db,
    media_id: &MediaId,
    kind: &str,
    duration_ms: i64,
    size: Option<(u32, u32)>,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE media SET kind = $1, duration_ms = $2, width = $3, height = $4, updated_at = $5 WHERE id = $6";
    let (w, h) = size.map_or((None, None), |(w, h)| (Some(w as i32), Some(h as i32)));
    on_pool!(db.write(), p => sqlx::query(sql)
        .bind(kind).bind(duration_ms).bind(w).bind(h).bind(now_ms()).bind(media_id)
        .execute(p).await.map(|_| ()))
}

/// One rendition of the HLS ladder.
pub struct RenditionRow<'a> {
    pub name: &'a str,
    pub width: u32,
    pub height: u32,
    pub bandwidth: u64,
    pub codecs: &'a str,
}

/// Records (or updates) a rendition, so the master playlist can list it.
pub async fn upsert_rendition(
    db: &Db,
    media_id: &MediaId,
    r: &RenditionRow<'_>,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO renditions (media_id, name, width, height, bandwidth, codecs) VALUES ($1, $2, $3, $4, $5, $6) \
               ON CONFLICT (media_id, name) DO UPDATE SET width = excluded.width, height = excluded.height, \
               bandwidth = excluded.bandwidth, codecs = excluded.codecs";
    on_pool!(db.write(), p => sqlx::query(sql)
        .bind(media_id).bind(r.name).bind(r.width as i32).bind(r.height as i32).bind(r.bandwidth as i64).bind(r.codecs)
        .execute(p).await.map(|_| ()))
}

/// Records a finished segment that is already in the store.
pub async fn insert_segment(
    db: &Db,
    media_id: &MediaId,
    rendition: &str,
    index: u32,
    duration_ms: i64,
    key: &str,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO segments (media_id, rendition, idx, duration_ms, object_key) VALUES ($1, $2, $3, $4, $5) \
               ON CONFLICT (media_id, rendition, idx) DO UPDATE SET duration_ms = excluded.duration_ms, \
               object_key = excluded.object_key";
    on_pool!(db.write(), p => sqlx::query(sql)
        .bind(media_id).bind(rendition).bind(index as i32).bind(duration_ms).bind(key)
        .execute(p).await.map(|_| ()))
}

/// Sets the progress shown in `GET /v1/media/{id}`.
pub async fn set_progress(db: &Db, media_id: &MediaId, percent: u8) -> Result<(), sqlx::Error> {
    let sql = "UPDATE media SET progress = $1, updated_at = $2 WHERE id = $3";
    on_pool!(db.write(), p => sqlx::query(sql)
        .bind(i32::from(percent)).bind(now_ms()).bind(media_id).execute(p).await.map(|_| ()))
}

/// Where the finished outputs are.
pub struct ReadyOutputs {
    pub mp4_key: Option<String>,
    pub audio_key: Option<String>,
    pub poster_key: Option<String>,
    pub derived_bytes: i64,
    /// The playing time actually decoded, which replaces the header's claim.
    pub duration_ms: i64,
}

/// Marks the media ready and adds its renditions to the owner's quota and the store's
/// usage. False, counting nothing, if the media is no longer processing: deleted while it
/// was transcoded, or settled by another attempt.
pub async fn mark_ready(
    db: &Db,
    media: &JobMedia,
    out: &ReadyOutputs,
) -> Result<bool, sqlx::Error> {
    let ready = "UPDATE media SET status = $1, progress = 100, hls_complete = TRUE, mp4_key = $2, audio_key = $3, \
                 poster_key = $4, derived_bytes = $5, duration_ms = $6, failure = NULL, updated_at = $7 \
                 WHERE id = $8 AND status = $9";
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        let marked = sqlx::query(ready)
            .bind(MediaStatus::Ready).bind(&out.mp4_key).bind(&out.audio_key).bind(&out.poster_key)
            .bind(out.derived_bytes).bind(out.duration_ms).bind(now_ms()).bind(&media.id)
            .bind(MediaStatus::Processing)
            .execute(&mut *tx).await?;
        if marked.rows_affected() == 0 {
            return Ok(false);
        }
        quota::add(&mut *tx, &media.owner_id, out.derived_bytes).await?;
        tx.commit().await?;
        Ok(true)
    })
}

/// Marks the media failed with a reason a person can read. If its original was removed
/// from the store, its bytes are freed from the owner's quota and the store's usage.
/// False, freeing nothing, if the media is no longer processing (deleted meanwhile).
pub async fn mark_failed(
    db: &Db,
    media: &JobMedia,
    reason: &str,
    original_removed: bool,
) -> Result<bool, sqlx::Error> {
    let freed = if original_removed {
        media.size_bytes
    } else {
        0
    };
    let failed = "UPDATE media SET status = $1, failure = $2, size_bytes = size_bytes - $3, updated_at = $4 \
                  WHERE id = $5 AND status = $6";
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        let marked = sqlx::query(failed)
            .bind(MediaStatus::Failed).bind(reason).bind(freed).bind(now_ms()).bind(&media.id)
            .bind(MediaStatus::Processing)
            .execute(&mut *tx).await?;
        if marked.rows_affected() == 0 {
            return Ok(false);
        }
        quota::free(&mut *tx, &media.owner_id, freed).await?;
        tx.commit().await?;
        Ok(true)
    })
}
