//! SQL for users and refresh tokens.

use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::ids::UserId;
use crate::on_pool;
use crate::time_util::now_ms;

/// A user as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub presence: String,
    pub presence_note: Option<String>,
    pub quota_bytes: i64,
    pub used_bytes: i64,
    pub reserved_bytes: i64,
}

/// The columns of [`UserRow`], as a literal so queries stay `&'static str`.
macro_rules! user_columns {
    () => {
        "id, username, display_name, password_hash, presence, presence_note, quota_bytes, used_bytes, reserved_bytes"
    };
}

/// Inserts a user; a taken username surfaces as a unique violation.
pub async fn insert_user(
    db: &Db,
    id: &UserId,
    username: &str,
    display_name: &str,
    password_hash: &str,
    quota_bytes: u64,
) -> Result<(), sqlx::Error> {
    let sql =
        "INSERT INTO users (id, username, display_name, password_hash, quota_bytes, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6)";
    on_pool!(db.write(), p => sqlx::query(sql)
        .bind(id).bind(username).bind(display_name).bind(password_hash)
        .bind(quota_bytes as i64).bind(now_ms())
        .execute(p).await.map(|_| ()))
}

/// The user with this username, if any.
pub async fn find_user_by_username(
    db: &Db,
    username: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = concat!(
        "SELECT ",
        user_columns!(),
        " FROM users WHERE username = $1"
    );
    on_pool!(db.read(), p => sqlx::query_as::<_, UserRow>(sql).bind(username).fetch_optional(p).await)
}

/// The user with this id, if any.
pub async fn find_user_by_id(db: &Db, id: &UserId) -> Result<Option<UserRow>, sqlx::Error> {
    let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1");
    on_pool!(db.read(), p => sqlx::query_as::<_, UserRow>(sql).bind(id).fetch_optional(p).await)
}

/// Sets the status a user chooses to show.
pub async fn set_presence(
    db: &Db,
    id: &UserId,
    status: &str,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE users SET presence = $1, presence_note = $2 WHERE id = $3";
    on_pool!(db.write(), p => sqlx::query(sql).bind(status).bind(note).bind(id).execute(p).await.map(|_| ()))
}

/// Stores a new refresh token (only its hash is kept).
pub async fn insert_refresh_token(
    db: &Db,
    token: &str,
    user_id: &UserId,
    ttl_secs: u64,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let sql = "INSERT INTO refresh_tokens (token_hash, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)";
    on_pool!(db.write(), p => sqlx::query(sql)
        .bind(hash_token(token)).bind(user_id).bind(now + ttl_secs as i64 * 1000).bind(now)
        .execute(p).await.map(|_| ()))
}

/// Marks a refresh token used and returns its user, once. Presenting a used token again
/// means it was stolen or replayed, so every refresh token of that user is revoked.
pub async fn consume_refresh_token(db: &Db, token: &str) -> Result<Option<UserId>, sqlx::Error> {
    let hash = hash_token(token);
    let now = now_ms();
    let consume = "UPDATE refresh_tokens SET used_at = $1 \
                   WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id";
    let revoke = "DELETE FROM refresh_tokens WHERE user_id IN \
                  (SELECT user_id FROM refresh_tokens WHERE token_hash = $1 AND used_at IS NOT NULL)";
    on_pool!(db.write(), p => {
        let user: Option<(UserId,)> = sqlx::query_as(consume).bind(now).bind(&hash).fetch_optional(p).await?;
        if user.is_none() {
            sqlx::query(revoke).bind(&hash).execute(p).await?;
        }
        Ok(user.map(|(id,)| id))
    })
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
