//! SQL for media records.

use super::{viewer_param, MediaStatus};
use crate::db::Db;
use crate::ids::{MediaId, UserId};
use crate::time_util::now_ms;
use crate::{jobs, on_pool, quota, visible_to};

/// A media record with its owner's username.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MediaRow {
    pub id: MediaId,
    pub owner_id: UserId,
    pub owner_username: String,
    pub title: String,
    pub description: String,
    pub visibility: String,
    pub kind: String,
    pub status: MediaStatus,
    pub progress: i32,
    pub duration_ms: Option<i64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub size_bytes: i64,
    pub derived_bytes: i64,
    pub object_key: String,
    pub failure: Option<String>,
    pub created_at: i64,
}

/// The select list of [`MediaRow`], as a literal so queries stay `&'static str`.
macro_rules! select_media {
    () => {
        "SELECT m.id, m.owner_id, u.username AS owner_username, m.title, m.description, m.visibility, \
                      m.kind, m.status, m.progress, m.duration_ms, m.width, m.height, m.size_bytes, m.derived_bytes, m.object_key, \
                      m.failure, m.created_at FROM media m JOIN users u ON u.id = m.owner_id"
    };
}

/// The media with this id if `viewer` (`None`: anonymous) may see it.
pub async fn find_visible(
    db: &Db,
    id: &MediaId,
    viewer: Option<&UserId>,
) -> Result<Option<MediaRow>, sqlx::Error> {
    let sql = concat!(select_media!(), " WHERE m.id = $1 AND ", visible_to!("$2"));
    let viewer = viewer_param(viewer);
    on_pool!(db.read(), p => sqlx::query_as::<_, MediaRow>(sql).bind(id).bind(viewer).fetch_optional(p).await)
}

/// A user's media that `viewer` may see, newest first, older than `before` if given.
pub async fn list_visible(
    db: &Db,
    owner: &UserId,
    viewer: &UserId,
    before: Option<&MediaId>,
    limit: i64,
) -> Result<Vec<MediaRow>, sqlx::Error> {
    // Ids are UUIDv7, so ordering by id is ordering by creation time.
    let sql = concat!(
        select_media!(),
        " WHERE m.owner_id = $1 AND ",
        visible_to!("$2"),
        " AND ($3 = '' OR m.id < $3) ORDER BY m.id DESC LIMIT $4"
    );
    on_pool!(db.read(), p => sqlx::query_as::<_, MediaRow>(sql)
        .bind(owner).bind(viewer).bind(before.map_or("", MediaId::as_str)).bind(limit)
        .fetch_all(p).await)
}

/// Changes title, description and visibility of the owner's media.
pub async fn update(
    db: &Db,
    id: &MediaId,
    title: &str,
    description: &str,
    visibility: &str,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE media SET title = $1, description = $2, visibility = $3, updated_at = $4 WHERE id = $5";
    on_pool!(db.write(), p => sqlx::query(sql)
        .bind(title).bind(description).bind(visibility).bind(now_ms()).bind(id)
        .execute(p).await.map(|_| ()))
}

/// Deletes the record and frees the bytes it held (original and renditions) from the
/// owner's quota and the store's room. False if it was already gone.
pub async fn delete(db: &Db, media: &MediaRow) -> Result<bool, sqlx::Error> {
    // The bytes are read by the DELETE itself: a transcode that finished since `media` was
    // read has added renditions, and they go too.
    let remove = "DELETE FROM media WHERE id = $1 RETURNING size_bytes + derived_bytes";
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        let held: Option<(i64,)> = sqlx::query_as(remove).bind(&media.id).fetch_optional(&mut *tx).await?;
        let Some((bytes,)) = held else {
            return Ok(false);
        };
        quota::free(&mut *tx, &media.owner_id, bytes).await?;
        tx.commit().await?;
        Ok(true)
    })
}

/// Puts a failed media back in processing with a fresh transcode job (attempts start over).
/// False if the media was not failed (any more): a concurrent retry won.
pub async fn requeue_failed(db: &Db, id: &MediaId) -> Result<bool, sqlx::Error> {
    let now = now_ms();
    let media = "UPDATE media SET status = $1, progress = 0, failure = NULL, updated_at = $2 \
                 WHERE id = $3 AND status = $4";
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        let marked = sqlx::query(media)
            .bind(MediaStatus::Processing).bind(now).bind(id).bind(MediaStatus::Failed)
            .execute(&mut *tx).await?;
        if marked.rows_affected() == 0 {
            return Ok(false);
        }
        jobs::requeue_transcode(&mut *tx, id, now).await?;
        tx.commit().await?;
        Ok(true)
    })
}

/// Records one play of a clip by `viewer` (`None`: anonymous), for "hot" lists.
pub async fn count_play(
    db: &Db,
    media_id: &MediaId,
    viewer: Option<&UserId>,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO plays (media_id, viewer_id, played_at) VALUES ($1, $2, $3)";
    let viewer = viewer_param(viewer);
    on_pool!(db.write(), p => sqlx::query(sql).bind(media_id).bind(viewer).bind(now_ms()).execute(p).await.map(|_| ()))
}
