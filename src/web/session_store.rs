//! SQL of browser sessions. Session ids are stored as SHA-256 hashes.

use crate::db::Db;
use crate::ids::UserId;
use crate::on_pool;
use crate::time_util::now_ms;

/// Records a session for `user_id` until `expires_at_ms`, dropping expired ones on the way
/// (sessions are few and short-lived, so this keeps the table small without a sweeper).
#[tracing::instrument(skip_all)]
pub async fn insert_session(
    db: &Db,
    id_hash: &str,
    user_id: &UserId,
    expires_at_ms: i64,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let sweep = "DELETE FROM web_sessions WHERE expires_at < $1";
    let insert = "INSERT INTO web_sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        sqlx::query(sweep).bind(now).execute(&mut *tx).await?;
        sqlx::query(insert).bind(id_hash).bind(user_id).bind(now).bind(expires_at_ms).execute(&mut *tx).await?;
        tx.commit().await
    })
}

/// The user id and username of a live session.
#[tracing::instrument(skip_all)]
pub async fn session_user(db: &Db, id_hash: &str) -> Result<Option<(UserId, String)>, sqlx::Error> {
    let sql = "SELECT u.id, u.username FROM web_sessions s JOIN users u ON u.id = s.user_id \
               WHERE s.id_hash = $1 AND s.expires_at > $2";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(id_hash).bind(now_ms()).fetch_optional(p).await)
}

/// Ends a session.
#[tracing::instrument(skip_all)]
pub async fn delete_session(db: &Db, id_hash: &str) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM web_sessions WHERE id_hash = $1";
    on_pool!(db.write(), p => sqlx::query(sql).bind(id_hash).execute(p).await.map(|_| ()))
}
