//! Events on their way to a user's sockets (`media.ready`, app pushes, friend events). An
//! event's frame carries its id; each connection takes a given event once however many
//! paths bring it, and a new connection takes it again (see `hub/events.rs`). What is owed
//! and acked is the events domain's; delivery only offers.

use bytestring::ByteString;

use super::{ConnId, Delivery};
use crate::ids::{EventId, UserId};

impl Delivery {
    /// Offers the event to every socket of the user on every node; true if they are online
    /// somewhere.
    pub async fn event_to_user(
        &self,
        user_id: &UserId,
        event: &EventId,
        frame: ByteString,
    ) -> bool {
        let here = self
            .hub()
            .offer_event_to_user(user_id, event, frame.clone())
            > 0;
        match &self.inner.cluster {
            Some(cluster) if here || cluster.is_online(user_id).await => {
                cluster.publish_user(user_id, &frame, Some(event));
                true
            }
            _ => here,
        }
    }

    /// Offers the event to the user's sockets on this node; returns how many they have here.
    pub fn event_to_user_here(
        &self,
        user_id: &UserId,
        event: &EventId,
        frame: ByteString,
    ) -> usize {
        self.hub().offer_event_to_user(user_id, event, frame)
    }

    /// Records that the event is about to be sent to one connection, which its caller then
    /// queues waiting for room (a new connection's backlog); false if it had it already.
    pub fn first_offer(&self, user_id: &UserId, conn: ConnId, event: &EventId) -> bool {
        self.hub().first_offer(user_id, conn, event)
    }
}
