//! SQL for friend requests and friendships (stored in both directions).

use crate::db::Db;
use crate::on_pool;
use crate::time_util::now_ms;

/// A friend request with both ends' names.
#[derive(Debug, sqlx::FromRow)]
pub struct RequestRow {
    pub id: String,
    pub from_id: String,
    pub from_username: String,
    pub to_id: String,
    pub to_username: String,
    pub status: String,
}

/// A friend as listed.
#[derive(Debug, sqlx::FromRow)]
pub struct FriendRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
}

/// Whether `a` and `b` are friends.
pub async fn are_friends(db: &Db, a: &str, b: &str) -> Result<bool, sqlx::Error> {
    let sql = "SELECT 1 FROM friendships WHERE user_id = $1 AND friend_id = $2";
    let row: Option<(i32,)> =
        on_pool!(db.read(), p => sqlx::query_as(sql).bind(a).bind(b).fetch_optional(p).await)?;
    Ok(row.is_some())
}

/// A pending request between the two users, in either direction.
pub async fn pending_between(db: &Db, a: &str, b: &str) -> Result<bool, sqlx::Error> {
    let sql = "SELECT 1 FROM friend_requests WHERE status = 'pending' \
               AND ((from_id = $1 AND to_id = $2) OR (from_id = $2 AND to_id = $1))";
    let row: Option<(i32,)> =
        on_pool!(db.read(), p => sqlx::query_as(sql).bind(a).bind(b).fetch_optional(p).await)?;
    Ok(row.is_some())
}

/// Records a pending request, replacing an old answered one between the same pair.
pub async fn insert_request(db: &Db, id: &str, from: &str, to: &str) -> Result<(), sqlx::Error> {
    let delete_old =
        "DELETE FROM friend_requests WHERE from_id = $1 AND to_id = $2 AND status <> 'pending'";
    let insert = "INSERT INTO friend_requests (id, from_id, to_id, status, created_at) VALUES ($1, $2, $3, 'pending', $4)";
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        sqlx::query(delete_old).bind(from).bind(to).execute(&mut *tx).await?;
        sqlx::query(insert).bind(id).bind(from).bind(to).bind(now_ms()).execute(&mut *tx).await?;
        tx.commit().await
    })
}

/// Requests to or from the user, newest first.
pub async fn list_requests(db: &Db, user_id: &str) -> Result<Vec<RequestRow>, sqlx::Error> {
    let sql = "SELECT r.id, r.from_id, f.username AS from_username, r.to_id, t.username AS to_username, r.status \
               FROM friend_requests r JOIN users f ON f.id = r.from_id JOIN users t ON t.id = r.to_id \
               WHERE r.from_id = $1 OR r.to_id = $1 ORDER BY r.created_at DESC LIMIT 500";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(user_id).fetch_all(p).await)
}

/// Accepts a pending request addressed to `to`; returns the requester's id and username.
pub async fn accept_request(
    db: &Db,
    request_id: &str,
    to: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let accept = "UPDATE friend_requests SET status = 'accepted' \
                  WHERE id = $1 AND to_id = $2 AND status = 'pending' RETURNING from_id";
    let befriend = "INSERT INTO friendships (user_id, friend_id, created_at) VALUES ($1, $2, $3), ($2, $1, $3) \
                    ON CONFLICT DO NOTHING";
    let name = "SELECT username FROM users WHERE id = $1";
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        let Some((from,)): Option<(String,)> =
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
pub async fn list_friends(db: &Db, user_id: &str) -> Result<Vec<FriendRow>, sqlx::Error> {
    let sql = "SELECT u.id, u.username, u.display_name FROM friendships f \
               JOIN users u ON u.id = f.friend_id WHERE f.user_id = $1 ORDER BY u.username";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(user_id).fetch_all(p).await)
}

/// Ends a friendship in both directions; false if there was none.
pub async fn remove_friend(db: &Db, a: &str, b: &str) -> Result<bool, sqlx::Error> {
    let sql = "DELETE FROM friendships WHERE (user_id = $1 AND friend_id = $2) OR (user_id = $2 AND friend_id = $1)";
    on_pool!(db.write(), p => sqlx::query(sql).bind(a).bind(b).execute(p).await.map(|r| r.rows_affected() > 0))
}
