//! Storing and fanning out one group message: the path `group.send` frames and the group
//! page's form both take, so both check the same limits and give the same guarantees.

use super::frames::ServerFrame;
use super::route;
use crate::groups::store::{self, Appended, MessageRow};
use crate::state::AppState;

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
    group_id: &str,
    sender: &str,
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
pub async fn fan_out(state: &AppState, group_id: &str, row: &MessageRow, skip: Option<u64>) {
    let frame = ServerFrame::message(group_id, row).encode();
    route::to_group(state, group_id, frame, skip).await;
}
