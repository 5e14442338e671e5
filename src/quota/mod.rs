//! Quota and store-room accounting: the one place the byte counters change. A user's
//! `used_bytes` and `reserved_bytes` and the store's `store_usage` rows move together, on
//! the caller's transaction, so they commit or roll back with the row change that causes
//! them (an upload granted, completed or ended; renditions added; a clip removed).
//!
//! Bytes are reserved when an upload is granted, committed (reserved → used) when it
//! completes, released when it is aborted or expires; renditions add used bytes, and
//! removing media frees them.

mod reserve;

pub use reserve::{reserve, Claim, Refusal, StoreRoom};

use crate::db::Conn;
use crate::ids::UserId;
use crate::on_conn;

/// Moves a completed upload's bytes from reserved to used.
pub async fn commit<'c>(
    conn: impl Into<Conn<'c>>,
    user_id: &UserId,
    bytes: i64,
) -> Result<(), sqlx::Error> {
    shift(conn.into(), user_id, bytes, -bytes).await
}

/// Gives back the reservation of an upload that ended without completing.
pub async fn release<'c>(
    conn: impl Into<Conn<'c>>,
    user_id: &UserId,
    bytes: i64,
) -> Result<(), sqlx::Error> {
    shift(conn.into(), user_id, 0, -bytes).await
}

/// Counts bytes the service itself stored for a user (renditions, poster) as used.
pub async fn add<'c>(
    conn: impl Into<Conn<'c>>,
    user_id: &UserId,
    bytes: i64,
) -> Result<(), sqlx::Error> {
    shift(conn.into(), user_id, bytes, 0).await
}

/// Returns used bytes whose objects were removed to the user's quota and the store's room.
pub async fn free<'c>(
    conn: impl Into<Conn<'c>>,
    user_id: &UserId,
    bytes: i64,
) -> Result<(), sqlx::Error> {
    shift(conn.into(), user_id, -bytes, 0).await
}

/// Adds `used` and `reserved` (either may be negative) to the user's counters and to one
/// row of the store's.
async fn shift(
    conn: Conn<'_>,
    user_id: &UserId,
    used: i64,
    reserved: i64,
) -> Result<(), sqlx::Error> {
    if used == 0 && reserved == 0 {
        return Ok(());
    }
    let user =
        "UPDATE users SET used_bytes = used_bytes + $1, reserved_bytes = reserved_bytes + $2 \
                WHERE id = $3";
    let store = "UPDATE store_usage SET stored_bytes = stored_bytes + $1, \
                 reserved_bytes = reserved_bytes + $2 WHERE id = $3";
    on_conn!(conn, c => {
        sqlx::query(user).bind(used).bind(reserved).bind(user_id).execute(&mut *c).await?;
        sqlx::query(store).bind(used).bind(reserved).bind(shard()).execute(&mut *c).await?;
        Ok(())
    })
}

/// A random row of the sharded `store_usage` counters (see migration 0001): concurrent
/// changes rarely wait on one another's row lock.
fn shard() -> i64 {
    rand::random::<u8>() as i64 % 16 + 1
}
