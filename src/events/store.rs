//! SQL for events: recorded, listed while owed, acked, swept.

use super::EventKind;
use crate::db::Db;
use crate::ids::{EventId, UserId};
use crate::on_pool;
use crate::time_util::now_ms;

/// Most ids one `event.ack` may carry.
pub const MAX_ACK_IDS: usize = 100;
/// Most app pushes owed to one user; an app that floods someone offline loses its oldest.
const APP_PUSHES_PER_USER: i64 = 100;
/// Acked events are kept this long (a later ack of the same id stays harmless), then swept.
const KEEP_ACKED_MS: i64 = 24 * 3600 * 1000;

/// An event owed to a user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Event {
    pub id: EventId,
    pub user_id: UserId,
    pub kind: String,
    /// The frame's fields, as JSON text.
    pub payload: String,
}

/// Records an event for `user_id`; with `ttl_ms` it is dropped unsent after that long.
pub async fn record(
    db: &Db,
    user_id: &UserId,
    kind: EventKind,
    payload: &serde_json::Value,
    ttl_ms: Option<i64>,
) -> Result<Event, sqlx::Error> {
    let now = now_ms();
    let event = Event {
        id: EventId::generate(),
        user_id: user_id.clone(),
        kind: kind.to_string(),
        payload: payload.to_string(),
    };
    let insert = "INSERT INTO notifications (id, user_id, kind, payload, created_at, expires_at) \
                  VALUES ($1, $2, $3, $4, $5, $6)";
    let trim = "DELETE FROM notifications WHERE user_id = $1 AND kind = $2 AND acked_at IS NULL \
                AND id NOT IN (SELECT id FROM notifications WHERE user_id = $1 AND kind = $2 \
                AND acked_at IS NULL ORDER BY id DESC LIMIT $3)";
    let bounded = kind == EventKind::AppMessage;
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        sqlx::query(insert)
            .bind(&event.id).bind(user_id).bind(&event.kind).bind(&event.payload).bind(now)
            .bind(ttl_ms.map(|ttl| now + ttl))
            .execute(&mut *tx).await?;
        if bounded {
            sqlx::query(trim).bind(user_id).bind(&event.kind).bind(APP_PUSHES_PER_USER)
                .execute(&mut *tx).await?;
        }
        tx.commit().await
    })?;
    Ok(event)
}

/// The user's owed events (not acked, not expired), oldest first.
pub async fn owed(db: &Db, user_id: &UserId, limit: i64) -> Result<Vec<Event>, sqlx::Error> {
    let sql = "SELECT id, user_id, kind, payload FROM notifications \
               WHERE user_id = $1 AND acked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) \
               ORDER BY id LIMIT $3";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(user_id).bind(now_ms()).bind(limit).fetch_all(p).await)
}

/// Owed events of any user recorded since `since_ms`, oldest first (the poll).
pub async fn recent_owed(db: &Db, since_ms: i64, limit: i64) -> Result<Vec<Event>, sqlx::Error> {
    let sql = "SELECT id, user_id, kind, payload FROM notifications \
               WHERE acked_at IS NULL AND created_at > $1 ORDER BY created_at, id LIMIT $2";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(since_ms).bind(limit).fetch_all(p).await)
}

/// Marks the user's events `ids` acked; ids of other users' events change nothing.
/// One transaction, so a frame of many ids costs one commit.
pub async fn ack(db: &Db, user_id: &UserId, ids: &[EventId]) -> Result<u64, sqlx::Error> {
    let sql = "UPDATE notifications SET acked_at = $1 WHERE id = $2 AND user_id = $3 AND acked_at IS NULL";
    let now = now_ms();
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        let mut acked = 0;
        for id in ids.iter().take(MAX_ACK_IDS) {
            acked += sqlx::query(sql).bind(now).bind(id).bind(user_id)
                .execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(acked)
    })
}

/// Drops events acked a day ago and events that expired unsent.
pub async fn sweep(db: &Db) -> Result<u64, sqlx::Error> {
    let now = now_ms();
    let sql = "DELETE FROM notifications WHERE acked_at < $1 OR expires_at < $2";
    on_pool!(db.write(), p => sqlx::query(sql).bind(now - KEEP_ACKED_MS).bind(now)
        .execute(p).await.map(|r| r.rows_affected()))
}
