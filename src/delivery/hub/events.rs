//! Events (`media.ready`, app pushes, …) on this node's connections. An event may reach a
//! node by several paths (sent when recorded, each poll while it is owed, the backlog of a
//! new connection), so each connection remembers the last events it was offered and takes
//! each once; a new connection remembers none and gets every owed event again.

use bytestring::ByteString;

use super::{offer_one, Conn, ConnId, Hub, Outbound};
use crate::ids::{EventId, UserId};

/// How many offered events a connection remembers: more than it is owed at once in
/// practice; beyond it an old event may be offered again, which clients drop by id.
const REMEMBERED: usize = 32;

impl Hub {
    /// Offers the event to every connection of the user that has not had it; returns how
    /// many connections the user has here.
    pub fn offer_event_to_user(
        &self,
        user_id: &UserId,
        event: &EventId,
        frame: ByteString,
    ) -> usize {
        let mut inner = self.lock();
        let Some(entry) = inner.users.get_mut(user_id) else {
            return 0;
        };
        for conn in entry.conns.values_mut() {
            offer_event(conn, event, &frame);
        }
        entry.conns.len()
    }

    /// Records that the event is about to be sent to one connection (a new connection's
    /// backlog, which waits for room in its queue rather than being dropped); false if
    /// that connection had it already or is gone.
    pub fn first_offer(&self, user_id: &UserId, conn_id: ConnId, event: &EventId) -> bool {
        let mut inner = self.lock();
        let Some(conn) = inner.conn_mut(user_id, conn_id) else {
            return false;
        };
        if conn.events.contains(event) {
            return false;
        }
        remember(conn, event);
        true
    }
}

fn offer_event(conn: &mut Conn, event: &EventId, frame: &ByteString) {
    if conn.events.contains(event) {
        return;
    }
    if offer_one(conn, Outbound::Text(frame.clone())) {
        remember(conn, event);
    }
}

fn remember(conn: &mut Conn, event: &EventId) {
    if conn.events.len() == REMEMBERED {
        conn.events.pop_front();
    }
    conn.events.push_back(event.clone());
}
