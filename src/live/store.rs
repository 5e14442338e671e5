//! SQL for live shares: creation with viewers, and who may open a share's socket. A viewer
//! is chosen at creation, but may watch only while still the sharer's friend: that is
//! checked in the same query as the share, on every call and every socket open.

use crate::db::Db;
use crate::ids::{ShareId, UserId};
use crate::on_pool;
use crate::time_util::now_ms;

/// A share as stored: its owner and the geometry it was created with.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShareRow {
    pub id: ShareId,
    pub owner_id: UserId,
    pub width: i64,
    pub height: i64,
    pub tile_size: i64,
    pub created_at: i64,
    pub ended_at: Option<i64>,
}

/// What a user may do with a share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The owner: sends tiles.
    Sharer,
    /// A chosen friend: watches.
    Viewer,
}

/// Creates a share with its viewers.
pub async fn create_share(
    db: &Db,
    share: &ShareRow,
    viewers: &[UserId],
) -> Result<(), sqlx::Error> {
    let insert = "INSERT INTO live_shares (id, owner_id, width, height, tile_size, created_at) \
                  VALUES ($1, $2, $3, $4, $5, $6)";
    let viewer =
        "INSERT INTO live_share_viewers (share_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        sqlx::query(insert).bind(&share.id).bind(&share.owner_id).bind(share.width)
            .bind(share.height).bind(share.tile_size).bind(share.created_at)
            .execute(&mut *tx).await?;
        for user in viewers {
            sqlx::query(viewer).bind(&share.id).bind(user).execute(&mut *tx).await?;
        }
        tx.commit().await
    })
}

/// The share and the user's role in it, if the user is its owner or one of its viewers
/// who is still the owner's friend: the right to watch ends with the friendship.
pub async fn share_for(
    db: &Db,
    share_id: &ShareId,
    user_id: &UserId,
) -> Result<Option<(ShareRow, Role)>, sqlx::Error> {
    let sql = "SELECT s.id, s.owner_id, s.width, s.height, s.tile_size, s.created_at, s.ended_at \
               FROM live_shares s WHERE s.id = $1 AND (s.owner_id = $2 OR EXISTS \
               (SELECT 1 FROM live_share_viewers v JOIN friendships f \
                ON f.user_id = s.owner_id AND f.friend_id = v.user_id \
                WHERE v.share_id = s.id AND v.user_id = $2))";
    let row: Option<ShareRow> = on_pool!(db.read(), p =>
        sqlx::query_as(sql).bind(share_id).bind(user_id).fetch_optional(p).await)?;
    Ok(row.map(|row| {
        let role = if row.owner_id == *user_id {
            Role::Sharer
        } else {
            Role::Viewer
        };
        (row, role)
    }))
}

/// The share's viewers who may still watch (friends of the owner).
pub async fn viewers(db: &Db, share_id: &ShareId) -> Result<Vec<UserId>, sqlx::Error> {
    let sql = "SELECT v.user_id FROM live_share_viewers v JOIN live_shares s ON s.id = v.share_id \
               JOIN friendships f ON f.user_id = s.owner_id AND f.friend_id = v.user_id \
               WHERE v.share_id = $1 ORDER BY v.user_id";
    let rows: Vec<(UserId,)> =
        on_pool!(db.read(), p => sqlx::query_as(sql).bind(share_id).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Marks the owner's share ended; false if it is not theirs or already ended.
pub async fn end_share(
    db: &Db,
    share_id: &ShareId,
    owner_id: &UserId,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE live_shares SET ended_at = $1 \
               WHERE id = $2 AND owner_id = $3 AND ended_at IS NULL";
    on_pool!(db.write(), p => sqlx::query(sql).bind(now_ms()).bind(share_id)
        .bind(owner_id).execute(p).await.map(|r| r.rows_affected() == 1))
}

/// A user's display name, for the viewer page's heading.
pub async fn display_name(db: &Db, user_id: &UserId) -> Result<Option<String>, sqlx::Error> {
    let sql = "SELECT display_name FROM users WHERE id = $1";
    let row: Option<(String,)> =
        on_pool!(db.read(), p => sqlx::query_as(sql).bind(user_id).fetch_optional(p).await)?;
    Ok(row.map(|(name,)| name))
}

/// Whether `user_id` may still use the share now: it exists, has not ended, and they are
/// its sharer or a viewer who is still the sharer's friend. A socket asks once it is
/// attached to the relay, since the share may end, or the right lapse, between the check
/// before its upgrade and the attaching, when ending or revoking finds nothing to close.
pub async fn may_still_use(
    db: &Db,
    share_id: &ShareId,
    user_id: &UserId,
) -> Result<bool, sqlx::Error> {
    Ok(share_for(db, share_id, user_id)
        .await?
        .is_some_and(|(share, _)| share.ended_at.is_none()))
}
