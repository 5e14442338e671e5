//! SQL for what playback needs: renditions and their segments.

use crate::db::Db;
use crate::ids::MediaId;
use crate::media::MediaStatus;
use crate::on_pool;

/// A rendition of the ladder.
#[derive(Debug, sqlx::FromRow)]
pub struct RenditionRow {
    pub name: String,
    pub width: i32,
    pub height: i32,
    pub bandwidth: i64,
    pub codecs: String,
}

/// A finished segment in the store.
#[derive(Debug, sqlx::FromRow)]
pub struct SegmentRow {
    pub duration_ms: i64,
    pub object_key: String,
}

/// What a media's playback needs besides its renditions.
#[derive(Debug, sqlx::FromRow)]
pub struct PlayableMedia {
    pub status: MediaStatus,
    pub hls_complete: bool,
    pub mp4_key: Option<String>,
    pub audio_key: Option<String>,
    pub poster_key: Option<String>,
}

/// The playback facts of a media (access is checked by the caller).
pub async fn playable(db: &Db, media_id: &MediaId) -> Result<Option<PlayableMedia>, sqlx::Error> {
    let sql =
        "SELECT status, hls_complete, mp4_key, audio_key, poster_key FROM media WHERE id = $1";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(media_id).fetch_optional(p).await)
}

/// The renditions, lowest bandwidth first.
pub async fn renditions(db: &Db, media_id: &MediaId) -> Result<Vec<RenditionRow>, sqlx::Error> {
    let sql = "SELECT name, width, height, bandwidth, codecs FROM renditions WHERE media_id = $1 ORDER BY bandwidth";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(media_id).fetch_all(p).await)
}

/// The finished segments of one rendition, in order.
pub async fn segments(
    db: &Db,
    media_id: &MediaId,
    rendition: &str,
) -> Result<Vec<SegmentRow>, sqlx::Error> {
    let sql = "SELECT duration_ms, object_key FROM segments WHERE media_id = $1 AND rendition = $2 ORDER BY idx";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(media_id).bind(rendition).fetch_all(p).await)
}
