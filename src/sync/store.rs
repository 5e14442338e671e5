//! SQL for sync rooms: creation with participants, the latest state, compare-and-set.
//!
//! Who may use a room is never stored as such: it is derived, in every query that reads or
//! changes a room, from the rights it rests on now ([`may_use!`]). A room for a whole group
//! (stored without a participant list) is open to the group's current members; one with a
//! list, to the listed users while they are members. A room without a group is open to
//! its creator and to the listed users while they are the creator's friends. So a member
//! removed from a group, or a friend unfriended, loses the room at once.

use super::domain::{Region, SharedUrl};
use crate::db::Db;
use crate::ids::{GroupId, RoomId, UserId};
use crate::on_pool;
use crate::time_util::now_ms;

/// The latest state of a room.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoomState {
    pub id: RoomId,
    pub url: String,
    pub region_x: Option<i64>,
    pub region_y: Option<i64>,
    pub region_width: Option<i64>,
    pub region_height: Option<i64>,
    pub version: i64,
    pub updated_by: UserId,
}

impl RoomState {
    /// The region, once one was picked.
    pub fn region(&self) -> Option<Region> {
        Some(Region {
            x: self.region_x?,
            y: self.region_y?,
            width: self.region_width?,
            height: self.region_height?,
        })
    }
}

/// The outcome of an update.
#[derive(Debug)]
pub enum Applied {
    /// The update won: this is the new state, to send to every participant.
    Updated(RoomState),
    /// Someone else updated first: this is the current state, unchanged.
    Stale(RoomState),
    /// No such room, or the sender is not a participant.
    NotParticipant,
}

/// SQL that is true when user `$user` may use room `$room` now (both SQL expressions).
macro_rules! may_use {
    ($room:literal, $user:literal) => {
        concat!(
            "EXISTS (SELECT 1 FROM sync_rooms ar WHERE ar.id = ", $room, " AND (",
            // A group room: a current member, and on the list if the room has one.
            "(ar.group_id IS NOT NULL ",
            "AND EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = ar.group_id AND gm.user_id = ", $user, ") ",
            "AND (NOT EXISTS (SELECT 1 FROM sync_participants pa WHERE pa.room_id = ar.id) ",
            "OR EXISTS (SELECT 1 FROM sync_participants pb WHERE pb.room_id = ar.id AND pb.user_id = ", $user, "))) ",
            // A room without a group: on the list, and its creator or a friend of the creator.
            "OR (ar.group_id IS NULL ",
            "AND EXISTS (SELECT 1 FROM sync_participants pc WHERE pc.room_id = ar.id AND pc.user_id = ", $user, ") ",
            "AND (ar.creator_id = ", $user, " ",
            "OR EXISTS (SELECT 1 FROM friendships fr WHERE fr.user_id = ar.creator_id AND fr.friend_id = ", $user, ")))))"
        )
    };
}

/// Who a room is for.
pub enum Audience<'a> {
    /// Every current member of the room's group.
    WholeGroup,
    /// These users (the creator among them), each while their membership of the room's
    /// group, or without a group their friendship with the creator, lasts.
    Listed(&'a [UserId]),
}

/// A change a participant asks for, made from the state at `seen_version`.
pub struct Change<'a> {
    pub room_id: &'a RoomId,
    pub user_id: &'a UserId,
    pub url: Option<&'a SharedUrl>,
    pub region: Region,
    pub seen_version: i64,
}

/// Creates a room at version 1 for `audience`.
pub async fn create_room(
    db: &Db,
    id: &RoomId,
    creator: &UserId,
    group_id: Option<&GroupId>,
    url: &SharedUrl,
    audience: Audience<'_>,
) -> Result<(), sqlx::Error> {
    let participants = match audience {
        Audience::WholeGroup => &[][..],
        Audience::Listed(users) => users,
    };
    let room = "INSERT INTO sync_rooms (id, creator_id, group_id, url, version, updated_by, updated_at, created_at) \
                VALUES ($1, $2, $3, $4, 1, $2, $5, $5)";
    let member =
        "INSERT INTO sync_participants (room_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        sqlx::query(room).bind(id).bind(creator).bind(group_id).bind(url.as_str()).bind(now_ms())
            .execute(&mut *tx).await?;
        for user in participants {
            sqlx::query(member).bind(id).bind(user).execute(&mut *tx).await?;
        }
        tx.commit().await
    })
}

/// The room's latest state if `user_id` may use it now.
pub async fn state_for(
    db: &Db,
    room_id: &RoomId,
    user_id: &UserId,
) -> Result<Option<RoomState>, sqlx::Error> {
    let sql = concat!(
        "SELECT r.id, r.url, r.region_x, r.region_y, r.region_width, r.region_height, r.version, r.updated_by \
         FROM sync_rooms r WHERE r.id = $1 AND ",
        may_use!("$1", "$2")
    );
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(room_id).bind(user_id).fetch_optional(p).await)
}

/// Applies `change` only if the room is still at the version the sender saw, in one
/// statement (atomic on both databases); otherwise reports the current state.
pub async fn apply(db: &Db, change: &Change<'_>) -> Result<Applied, sqlx::Error> {
    let sql = concat!(
        "UPDATE sync_rooms SET version = version + 1, url = COALESCE($1, url), \
         region_x = $2, region_y = $3, region_width = $4, region_height = $5, \
         updated_by = $6, updated_at = $7 \
         WHERE id = $8 AND version = $9 AND ",
        may_use!("$8", "$6"),
        " RETURNING id, url, region_x, region_y, region_width, region_height, version, updated_by"
    );
    let Region {
        x,
        y,
        width,
        height,
    } = change.region;
    let url = change.url.map(SharedUrl::as_str);
    let updated: Option<RoomState> = on_pool!(db.write(), p => sqlx::query_as(sql)
        .bind(url).bind(x).bind(y).bind(width).bind(height).bind(change.user_id).bind(now_ms())
        .bind(change.room_id).bind(change.seen_version)
        .fetch_optional(p).await)?;
    if let Some(state) = updated {
        return Ok(Applied::Updated(state));
    }
    Ok(match state_for(db, change.room_id, change.user_id).await? {
        Some(current) => Applied::Stale(current),
        None => Applied::NotParticipant,
    })
}

/// Whether `user_id` may use the room now.
pub async fn may_use(db: &Db, room_id: &RoomId, user_id: &UserId) -> Result<bool, sqlx::Error> {
    let sql = concat!("SELECT 1 WHERE ", may_use!("$1", "$2"));
    let row: Option<(i32,)> = on_pool!(db.read(), p =>
        sqlx::query_as(sql).bind(room_id).bind(user_id).fetch_optional(p).await)?;
    Ok(row.is_some())
}

/// Everyone who may use the room now, for fan-out.
pub async fn participants(db: &Db, room_id: &RoomId) -> Result<Vec<UserId>, sqlx::Error> {
    let sql = concat!(
        "SELECT c.user_id FROM (\
         SELECT m.user_id FROM sync_rooms r JOIN group_members m ON m.group_id = r.group_id WHERE r.id = $1 \
         UNION SELECT p.user_id FROM sync_participants p WHERE p.room_id = $1) c WHERE ",
        may_use!("$1", "c.user_id")
    );
    let rows: Vec<(UserId,)> =
        on_pool!(db.read(), p => sqlx::query_as(sql).bind(room_id).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Every member of a group, to check a requested participant list against.
pub async fn group_members(db: &Db, group_id: &GroupId) -> Result<Vec<UserId>, sqlx::Error> {
    let sql = "SELECT user_id FROM group_members WHERE group_id = $1";
    let rows: Vec<(UserId,)> =
        on_pool!(db.read(), p => sqlx::query_as(sql).bind(group_id).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
