//! This node's connections as the gateway sees them: registering, replying on one
//! connection, and the sync rooms each is in. None of it crosses nodes.

use bytestring::ByteString;

use super::{ConnId, Delivery, Outbound, Presence, Registration};
use crate::ids::{GroupId, RoomId, UserId};

impl Delivery {
    /// Registers a connection of `user_id`, who belongs to `groups`.
    pub fn register(&self, user_id: &UserId, groups: Vec<GroupId>) -> Registration {
        self.hub().register(user_id, groups)
    }

    /// Removes a connection; if it was the user's last here, what others saw of them until
    /// now (then [`Delivery::went_offline`] is due).
    pub fn unregister(&self, user_id: &UserId, conn_id: ConnId) -> Option<Presence> {
        let shown = self.hub().shown(user_id);
        self.hub().unregister(user_id, conn_id).then_some(shown)
    }

    /// Makes `groups` the groups whose messages the user's connections here get (a recheck
    /// of memberships after this node may have missed changes).
    pub fn set_groups_here(&self, user_id: &UserId, groups: Vec<GroupId>) {
        self.hub().set_groups(user_id, groups);
    }

    /// Whether the user has a connection to this node.
    pub fn is_online_here(&self, user_id: &UserId) -> bool {
        self.hub().is_online(user_id)
    }

    /// Queues `frame` on one connection only (replies: acks, errors, sync batches).
    pub fn to_conn(&self, user_id: &UserId, conn_id: ConnId, frame: Outbound) -> bool {
        self.hub().send_to_conn(user_id, conn_id, frame)
    }

    /// Sends `last` to one connection and closes it with `why` behind it.
    pub fn close_conn(
        &self,
        user_id: &UserId,
        conn_id: ConnId,
        last: ByteString,
        why: &'static str,
    ) {
        self.hub().close_conn(user_id, conn_id, last, why);
    }

    /// Records that a connection is in a sync room; false if it is in as many as allowed.
    pub fn enter_room(&self, user_id: &UserId, conn_id: ConnId, room_id: &RoomId) -> bool {
        self.hub().enter_room(user_id, conn_id, room_id)
    }

    /// Records that a connection is no longer in a sync room.
    pub fn leave_room(&self, user_id: &UserId, conn_id: ConnId, room_id: &RoomId) {
        self.hub().leave_room(user_id, conn_id, room_id);
    }

    /// The user's connections on this node that are in a sync room, with their rooms.
    pub fn rooms_of(&self, user_id: &UserId) -> Vec<(ConnId, Vec<RoomId>)> {
        self.hub().rooms_of(user_id)
    }
}
