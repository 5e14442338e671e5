//! Events for a user (`media.ready`, `media.failed`, …), kept in the database until the
//! real-time gateway delivers them, so none is lost while the user is offline.

use crate::db::Db;
use crate::ids::{EventId, UserId};
use crate::time_util::now_ms;

/// A `media.ready` event.
pub const MEDIA_READY: &str = "media.ready";
/// A `media.failed` event.
pub const MEDIA_FAILED: &str = "media.failed";

/// Records an event for `user_id`.
pub async fn record(
    db: &Db,
    user_id: &UserId,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO notifications (id, user_id, kind, payload, created_at) VALUES ($1, $2, $3, $4, $5)";
    crate::on_pool!(db.write(), p => sqlx::query(sql)
        .bind(EventId::generate()).bind(user_id).bind(kind).bind(payload.to_string()).bind(now_ms())
        .execute(p).await.map(|_| ()))
}

/// A stored event.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEvent {
    pub id: EventId,
    pub kind: String,
    pub payload: String,
    pub created_at: i64,
}

/// The user's undelivered events, oldest first.
pub async fn pending(
    db: &Db,
    user_id: &UserId,
    limit: i64,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let sql = "SELECT id, kind, payload, created_at FROM notifications \
               WHERE user_id = $1 AND delivered_at IS NULL ORDER BY id LIMIT $2";
    crate::on_pool!(db.read(), p => sqlx::query_as(sql).bind(user_id).bind(limit).fetch_all(p).await)
}

/// An undelivered event of any user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserEvent {
    pub id: EventId,
    pub user_id: UserId,
    pub kind: String,
    pub payload: String,
}

/// Undelivered events recorded since `since_ms`, oldest first: the gateway's poll for
/// fresh events of users who are online (older ones wait for the user's next connect).
pub async fn recent_undelivered(
    db: &Db,
    since_ms: i64,
    limit: i64,
) -> Result<Vec<UserEvent>, sqlx::Error> {
    let sql = "SELECT id, user_id, kind, payload FROM notifications \
               WHERE delivered_at IS NULL AND created_at > $1 ORDER BY created_at, id LIMIT $2";
    crate::on_pool!(db.read(), p => sqlx::query_as(sql).bind(since_ms).bind(limit).fetch_all(p).await)
}

/// Marks an event delivered; false if someone else already did, so each is sent once.
pub async fn claim(db: &Db, id: &EventId) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE notifications SET delivered_at = $1 WHERE id = $2 AND delivered_at IS NULL";
    crate::on_pool!(db.write(), p => sqlx::query(sql).bind(now_ms()).bind(id).execute(p).await
        .map(|r| r.rows_affected() > 0))
}
