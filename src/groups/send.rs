//! Storing and fanning out one group message: the path `group.send` frames and the group
//! page's form both take, so both check the same limits and give the same guarantees.

use super::store::{self, Appended, MessageRow};
use crate::delivery::{ConnId, ServerFrame};
use crate::ids::{GroupId, UserId};
use crate::state::AppState;
use crate::time_util::rfc3339;

/// Longest `client_msg_id` accepted.
pub const MAX_CLIENT_MSG_ID: usize = 128;

/// Why a message was not stored.
#[derive(Debug)]
pub enum Refused {
    /// The body is `len` bytes, over the configured limit `max`.
    TooLarge { len: usize, max: usize },
    /// The `client_msg_id` is empty or too long.
    BadClientMsgId,
    /// The sender is not a member of the group, or there is no such group.
    NotMember,
    /// The database failed; nothing was stored, so sending again is safe.
    Store(sqlx::Error),
}

/// Checks and stores a message; `Stored` is durable (committed) when this returns.
pub async fn store_message(
    state: &AppState,
    group_id: &GroupId,
    sender: &UserId,
    client_msg_id: &str,
    body: &str,
) -> Result<Appended, Refused> {
    let max = state.settings.realtime.max_body_bytes;
    if body.len() > max {
        return Err(Refused::TooLarge {
            len: body.len(),
            max,
        });
    }
    if client_msg_id.is_empty() || client_msg_id.len() > MAX_CLIENT_MSG_ID {
        return Err(Refused::BadClientMsgId);
    }
    match store::append_message(&state.db, group_id, sender, client_msg_id, body).await {
        Ok(Appended::NotMember) => Err(Refused::NotMember),
        Ok(appended) => Ok(appended),
        Err(e) => Err(Refused::Store(e)),
    }
}

/// Sends a stored message to every online member, except the connection `skip`.
pub async fn fan_out(state: &AppState, group_id: &GroupId, row: &MessageRow, skip: Option<ConnId>) {
    let frame = message_frame(group_id, row).encode();
    state.delivery.to_group(group_id, frame, skip).await;
}

/// The `group.message` frame of a stored row.
pub fn message_frame<'a>(group_id: &'a GroupId, row: &'a MessageRow) -> ServerFrame<'a> {
    ServerFrame::GroupMessage {
        group_id,
        seq: row.seq,
        from: &row.sender_id,
        body: &row.body,
        sent_at: rfc3339(row.sent_at),
    }
}
