//! Rights that end while sockets are open: a member removed from a group, a friendship
//! ended. Every check (REST, frame, socket open) already derives rights from the database
//! as they are now; this is what reaches sockets that are open already, and the one place
//! that does: a later cluster-wide fan-out publishes the same [`Revoked`] and calls
//! [`revoked`] on every node.

use crate::state::AppState;

/// A right that ended.
#[derive(Debug, Clone, Copy)]
pub enum Revoked<'a> {
    /// `user_id` is no longer a member of `group_id`.
    GroupMember { group_id: &'a str, user_id: &'a str },
    /// `a` and `b` are no longer friends.
    Friendship { a: &'a str, b: &'a str },
}

/// Applies an ended right to this node's open sockets: the removed member gets no more of
/// the group's messages, and every socket of the users concerned that used a sync room or
/// live share they may no longer use is closed. Called after the change is committed.
#[tracing::instrument(skip_all, fields(revoked = ?what))]
pub async fn revoked(state: &AppState, what: Revoked<'_>) {
    let users = match what {
        Revoked::GroupMember { group_id, user_id } => {
            state.hub.leave_group(group_id, user_id);
            [Some(user_id), None]
        }
        Revoked::Friendship { a, b } => [Some(a), Some(b)],
    };
    for user in users.into_iter().flatten() {
        super::sync::recheck(state, user).await;
        crate::live::recheck(state, user).await;
    }
}
