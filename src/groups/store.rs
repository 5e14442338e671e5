//! SQL for groups, members and messages.

use crate::db::Db;
use crate::ids::{GroupId, UserId};
use crate::on_pool;
use crate::time_util::now_ms;

/// A group as listed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupRow {
    pub id: GroupId,
    pub name: String,
    pub owner_id: UserId,
}

/// A stored group message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub seq: i64,
    pub sender_id: UserId,
    pub body: String,
    pub sent_at: i64,
}

/// The outcome of appending a message.
#[derive(Debug)]
pub enum Appended {
    /// Newly stored: fan it out.
    Stored(MessageRow),
    /// The sender had already stored this `client_msg_id`: ack it again, do not fan out.
    Duplicate(MessageRow),
    /// The sender is not a member.
    NotMember,
}

/// Creates a group with its owner as the first member.
pub async fn create_group(
    db: &Db,
    id: &GroupId,
    name: &str,
    owner: &UserId,
) -> Result<(), sqlx::Error> {
    let group = "INSERT INTO chat_groups (id, name, owner_id, created_at) VALUES ($1, $2, $3, $4)";
    let member = "INSERT INTO group_members (group_id, user_id, joined_at) VALUES ($1, $2, $3)";
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        sqlx::query(group).bind(id).bind(name).bind(owner).bind(now_ms()).execute(&mut *tx).await?;
        sqlx::query(member).bind(id).bind(owner).bind(now_ms()).execute(&mut *tx).await?;
        tx.commit().await
    })
}

/// The group if `user_id` is a member of it.
pub async fn group_of_member(
    db: &Db,
    group_id: &GroupId,
    user_id: &UserId,
) -> Result<Option<GroupRow>, sqlx::Error> {
    let sql = "SELECT g.id, g.name, g.owner_id FROM chat_groups g \
               JOIN group_members m ON m.group_id = g.id WHERE g.id = $1 AND m.user_id = $2";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(group_id).bind(user_id).fetch_optional(p).await)
}

/// Adds a member; adding one twice is not an error.
pub async fn add_member(db: &Db, group_id: &GroupId, user_id: &UserId) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO group_members (group_id, user_id, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    on_pool!(db.write(), p => sqlx::query(sql).bind(group_id).bind(user_id).bind(now_ms()).execute(p).await.map(|_| ()))
}

/// Removes a member; false if they were not one.
pub async fn remove_member(
    db: &Db,
    group_id: &GroupId,
    user_id: &UserId,
) -> Result<bool, sqlx::Error> {
    let sql = "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2";
    on_pool!(db.write(), p => sqlx::query(sql).bind(group_id).bind(user_id).execute(p).await
        .map(|r| r.rows_affected() > 0))
}

/// The groups `user_id` belongs to, by name.
pub async fn groups_of(db: &Db, user_id: &UserId) -> Result<Vec<GroupRow>, sqlx::Error> {
    let sql = "SELECT g.id, g.name, g.owner_id FROM chat_groups g \
               JOIN group_members m ON m.group_id = g.id WHERE m.user_id = $1 ORDER BY g.name, g.id";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(user_id).fetch_all(p).await)
}

/// Messages of a group after `after_seq`, in order, at most `limit`.
pub async fn messages_after(
    db: &Db,
    group_id: &GroupId,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<MessageRow>, sqlx::Error> {
    let sql = "SELECT seq, sender_id, body, sent_at FROM group_messages \
               WHERE group_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(group_id).bind(after_seq).bind(limit).fetch_all(p).await)
}

/// Stores a message under the next sequence number of its group, in one transaction.
///
/// The counter row is bumped first: on PostgreSQL that row lock orders concurrent senders
/// of a group, so the duplicate check that follows sees any committed resend; SQLite has a
/// single writer. The caller acks only after this returns, i.e. after the commit.
pub async fn append_message(
    db: &Db,
    group_id: &GroupId,
    sender: &UserId,
    client_msg_id: &str,
    body: &str,
) -> Result<Appended, sqlx::Error> {
    let member = "SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2";
    let bump = "UPDATE chat_groups SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq";
    let existing = "SELECT seq, sender_id, body, sent_at FROM group_messages \
                    WHERE group_id = $1 AND sender_id = $2 AND client_msg_id = $3";
    let insert =
        "INSERT INTO group_messages (group_id, seq, sender_id, client_msg_id, body, sent_at) \
                  VALUES ($1, $2, $3, $4, $5, $6)";
    on_pool!(db.write(), p => {
        let mut tx = p.begin().await?;
        let Some((seq,)): Option<(i64,)> = sqlx::query_as(bump).bind(group_id).fetch_optional(&mut *tx).await? else {
            return Ok(Appended::NotMember);
        };
        let is_member: Option<(i32,)> =
            sqlx::query_as(member).bind(group_id).bind(sender).fetch_optional(&mut *tx).await?;
        if is_member.is_none() {
            return Ok(Appended::NotMember);
        }
        let dup: Option<MessageRow> = sqlx::query_as(existing)
            .bind(group_id).bind(sender).bind(client_msg_id).fetch_optional(&mut *tx).await?;
        if let Some(row) = dup {
            return Ok(Appended::Duplicate(row));
        }
        let sent_at = now_ms();
        sqlx::query(insert).bind(group_id).bind(seq).bind(sender).bind(client_msg_id).bind(body).bind(sent_at)
            .execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Appended::Stored(MessageRow { seq, sender_id: sender.clone(), body: body.to_owned(), sent_at }))
    })
}

/// Ids of the groups `user_id` belongs to, for registering a connection.
pub async fn group_ids_of(db: &Db, user_id: &UserId) -> Result<Vec<GroupId>, sqlx::Error> {
    let sql = "SELECT group_id FROM group_members WHERE user_id = $1";
    let rows: Vec<(GroupId,)> =
        on_pool!(db.read(), p => sqlx::query_as(sql).bind(user_id).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// A member as the group page lists them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    /// Whether the viewer may see their presence: presence is for friends only.
    pub is_friend: bool,
}

/// The members of a group by username, each marked as a friend of `viewer` or not.
pub async fn members_for(
    db: &Db,
    group_id: &GroupId,
    viewer: &UserId,
) -> Result<Vec<MemberRow>, sqlx::Error> {
    let sql = "SELECT u.id, u.username, u.display_name, \
               EXISTS (SELECT 1 FROM friendships f WHERE f.user_id = $2 AND f.friend_id = u.id) AS is_friend \
               FROM group_members m JOIN users u ON u.id = m.user_id \
               WHERE m.group_id = $1 ORDER BY u.username";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(group_id).bind(viewer).fetch_all(p).await)
}

/// The last `limit` messages of a group, oldest first.
pub async fn latest_messages(
    db: &Db,
    group_id: &GroupId,
    limit: i64,
) -> Result<Vec<MessageRow>, sqlx::Error> {
    let sql = "SELECT seq, sender_id, body, sent_at FROM group_messages \
               WHERE group_id = $1 ORDER BY seq DESC LIMIT $2";
    let mut rows: Vec<MessageRow> = on_pool!(db.read(), p => sqlx::query_as(sql).bind(group_id).bind(limit).fetch_all(p).await)?;
    rows.reverse();
    Ok(rows)
}
