//! SQL for friend requests and friendships (stored in both directions).

use crate::db::{Db, Pool};
use crate::ids::{FriendRequestId, UserId};
use crate::on_pool;
use crate::time_util::now_ms;

/// A friend request with both ends' names.
#[derive(Debug, sqlx::FromRow)]
pub struct RequestRow {
    pub id: FriendRequestId,
    pub from_id: UserId,
    pub from_username: String,
    pub to_id: UserId,
    pub to_username: String,
    pub status: String,
}

/// A friend as listed.
#[derive(Debug, sqlx::FromRow)]
pub struct FriendRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
}

/// A row if `$1` and `$2` are friends.
const FRIENDS: &str = "SELECT 1 FROM friendships WHERE user_id = $1 AND friend_id = $2";

/// Whether `a` and `b` are friends.
pub async fn are_friends(db: &Db, a: &UserId, b: &UserId) -> Result<bool, sqlx::Error> {
    let row: Option<(i32,)> =
        on_pool!(db.read(), p => sqlx::query_as(FRIENDS).bind(a).bind(b).fetch_optional(p).await)?;
    Ok(row.is_some())
}

/// What asking for a friendship came to.
#[derive(Debug)]
pub enum Asked {
    /// A pending request is recorded.
    Sent,
    AlreadyFriends,
    /// A request between the two is pending already, in either direction.
    Pending,
}

/// Records a pending request from `from` to `to`, replacing an old answered one between
/// the same pair, unless they are friends or a request between them is pending. Checked
/// and written in one transaction that no other request between the pair runs beside, so
/// two requests at once, either way round, come to what they would one after the other.
pub async fn request(
    db: &Db,
    id: &FriendRequestId,
    from: &UserId,
    to: &UserId,
) -> Result<Asked, sqlx::Error> {
    let lock_pair = "SELECT pg_advisory_xact_lock(hashtextextended(\
                     'friend_requests ' || LEAST($1, $2) || ' ' || GREATEST($1, $2), 0))";
    let pending = "SELECT 1 FROM friend_requests WHERE status = 'pending' \
                   AND ((from_id = $1 AND to_id = $2) OR (from_id = $2 AND to_id = $1))";
    let delete_old =
        "DELETE FROM friend_requests WHERE from_id = $1 AND to_id = $2 AND status <> 'pending'";
    let insert = "INSERT INTO friend_requests (id, from_id, to_id, status, created_at) VALUES ($1, $2, $3, 'pending', $4)";
    let pool = db.write();
    // SQLite's one writer runs these transactions one at a time; PostgreSQL runs them side
    // by side, so there the pair stays locked until this one ends.
    let lock = matches!(pool, Pool::Postgres(_)).then_some(lock_pair);
    on_pool!(pool, p => {
        let mut tx = p.begin().await?;
        if let Some(lock) = lock {
            sqlx::query(lock).bind(from).bind(to).execute(&mut *tx).await?;
        }
        let found: Option<(i32,)> =
            sqlx::query_as(FRIENDS).bind(from).bind(to).fetch_optional(&mut *tx).await?;
        if found.is_some() {
            return Ok(Asked::AlreadyFriends);
        }
        let found: Option<(i32,)> =
            sqlx::query_as(pending).bind(from).bind(to).fetch_optional(&mut *tx).await?;
        if found.is_some() {
            return Ok(Asked::Pending);
        }
        sqlx::query(delete_old).bind(from).bind(to).execute(&mut *tx).await?;
        sqlx::query(insert).bind(id).bind(from).bind(to).bind(now_ms()).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Asked::Sent)
    })
}

/// Requests to or from the user, newest first.
pub async fn list_requests(db: &Db, user_id: &UserId) -> Result<Vec<RequestRow>, sqlx::Error> {
    let sql = "SELECT r.id, r.from_id, f.username AS from_username, r.to_id, t.username AS to_username, r.status \
               FROM friend_requests r JOIN users f ON f.id = r.from_id JOIN users t ON t.id = r.to_id \
               WHERE r.from_id = $1 OR r.to_id = $1 ORDER BY r.created_at DESC LIMIT 500";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(user_id).fetch_all(p).await)
}

/// Accepts a pending request addressed to `to`; returns the requester's id and username.
pub async fn accept_request(
    db: &Db,
    request_id: &FriendRequestId,
    to: &UserId,
) -> Result<Option<(UserId, String)>, sqlx::Error> {
    let accept = "UPDATE friend_requests SET status = 'accepted' \
                  WHERE id = $1 AND to_id = $2 AND status = 'pending' RETURNING from_id";
    let befriend = "INSERT INTO friendships (user_id, friend_id, created_at) VALUES ($1, $2, $3), ($2, $1, $3) \
                    ON CONFLICT DO NOTHING";
    let name = "SELECT username FROM users WHERE id = $1";
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        let Some((from,)): Option<(UserId,)> =
            sqlx::query_as(accept).bind(request_id).bind(to).fetch_optional(&mut *tx).await?
        else {
            return Ok(None);
        };
        sqlx::query(befriend).bind(&from).bind(to).bind(now_ms()).execute(&mut *tx).await?;
        let (username,): (String,) = sqlx::query_as(name).bind(&from).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(Some((from, username)))
    })
}

/// The user's friends, by username.
pub async fn list_friends(db: &Db, user_id: &UserId) -> Result<Vec<FriendRow>, sqlx::Error> {
    let sql = "SELECT u.id, u.username, u.display_name FROM friendships f \
               JOIN users u ON u.id = f.friend_id WHERE f.user_id = $1 ORDER BY u.username";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(user_id).fetch_all(p).await)
}

/// Ends a friendship in both directions; false if there was none.
pub async fn remove_friend(db: &Db, a: &UserId, b: &UserId) -> Result<bool, sqlx::Error> {
    let sql = "DELETE FROM friendships WHERE (user_id = $1 AND friend_id = $2) OR (user_id = $2 AND friend_id = $1)";
    on_pool!(db.write(), p => sqlx::query(sql).bind(a).bind(b).execute(p).await.map(|r| r.rows_affected() > 0))
}
