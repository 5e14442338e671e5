//! A participant's right to a room lasts as long as what it rests on (group membership,
//! friendship with the owner). Every frame is checked as it comes; this closes the sockets
//! already in a room when the right ends, registered with delivery at start-up.

use std::collections::{BTreeSet, HashSet};

use futures::future::BoxFuture;

use super::store;
use crate::db::Db;
use crate::delivery::{Delivery, OnRevoked, Revoked, ServerFrame};
use crate::ids::{RoomId, UserId};

/// The close reason of a connection whose right to a room it was in ended.
const REVOKED: &str = "your access to a sync room you were in ended; reconnect to go on";

/// Closes the sockets of users who lost a room, each after a `sync.revoked` frame.
pub struct RoomRecheck {
    db: Db,
}

impl RoomRecheck {
    /// Rechecks rooms against `db`.
    pub fn new(db: Db) -> RoomRecheck {
        RoomRecheck { db }
    }
}

impl OnRevoked for RoomRecheck {
    fn revoked<'a>(&'a self, delivery: &'a Delivery, what: &'a Revoked) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            for user in what.users() {
                recheck(&self.db, delivery, user).await;
            }
        })
    }
}

/// Closes the user's connections in a room they may no longer use, each after a
/// `sync.revoked` frame naming the room.
#[tracing::instrument(skip_all, fields(user = %user_id))]
async fn recheck(db: &Db, delivery: &Delivery, user_id: &UserId) {
    let conns = delivery.rooms_of(user_id);
    let rooms: BTreeSet<&RoomId> = conns.iter().flat_map(|(_, rooms)| rooms).collect();
    let mut lost = HashSet::new();
    for room in rooms {
        match store::may_use(db, room, user_id).await {
            Ok(true) => {}
            Ok(false) => {
                lost.insert(room);
            }
            // Its frames are still checked one by one, and fan-out follows the rights.
            Err(e) => tracing::error!(error = %e, room = %room,
                "re-checking a sync room after a revocation failed; the connection stays open"),
        }
    }
    for (conn_id, rooms) in &conns {
        if let Some(room) = rooms.iter().find(|r| lost.contains(r)) {
            tracing::info!(conn = %conn_id, room = %room, "sync room revoked: closing the connection");
            let frame = ServerFrame::SyncRevoked { room_id: room }.encode();
            delivery.close_conn(user_id, *conn_id, frame, REVOKED);
        }
    }
}
