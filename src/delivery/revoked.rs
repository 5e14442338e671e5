//! Rights that end while sockets are open: a member removed from a group, a friendship
//! ended. Every check (REST, frame, socket open) already derives rights from the database
//! as they are now; this is what reaches sockets that are open already, and the one place
//! that does. A domain reports the ended right after its change is committed; delivery
//! applies it to what it holds itself (group membership) and hands it to every part that
//! registered at start-up ([`OnRevoked`]: sync rooms, live shares), so no domain calls
//! another. Across nodes, the same [`Revoked`] is what a node would publish to the others.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::cluster::wire::Change;
use super::Delivery;
use crate::ids::{GroupId, UserId};

/// A right that ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Revoked {
    /// `user_id` is no longer a member of `group_id`.
    GroupMember { group_id: GroupId, user_id: UserId },
    /// `a` and `b` are no longer friends.
    Friendship { a: UserId, b: UserId },
    /// Rights of `user_id` may have changed without this node hearing of it (Redis was
    /// away): everything their open sockets rest on is checked again.
    Unsure { user_id: UserId },
}

impl Revoked {
    /// The users whose open sockets may rest on the right.
    pub fn users(&self) -> Vec<&UserId> {
        match self {
            Revoked::GroupMember { user_id, .. } => vec![user_id],
            Revoked::Friendship { a, b } => vec![a, b],
            Revoked::Unsure { user_id } => vec![user_id],
        }
    }
}

/// A part of the service that closes what rested on a right when it ends.
pub trait OnRevoked: Send + Sync + 'static {
    /// Closes this node's sockets that `what` no longer allows.
    fn revoked<'a>(&'a self, delivery: &'a Delivery, what: &'a Revoked) -> BoxFuture<'a, ()>;
}

impl Delivery {
    /// Applies an ended right to this node's open sockets: the removed member gets no more
    /// of the group's messages, and every listener closes what rested on it. Called after
    /// the change is committed; returns once every listener is done.
    /// Every other node is told too and does the same within moments.
    #[tracing::instrument(skip_all, fields(revoked = ?what))]
    pub async fn revoked(&self, what: Revoked) {
        if let Some(cluster) = &self.inner.cluster {
            cluster.publish_change(Change::Revoked(what.clone()));
        }
        self.revoked_here(&what).await;
    }

    /// Applies an ended right to this node only (as told by another node).
    pub(super) async fn revoked_here(&self, what: &Revoked) {
        if let Revoked::GroupMember { group_id, user_id } = what {
            self.hub().leave_group(group_id, user_id);
        }
        let listeners = self
            .inner
            .on_revoked
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for listener in listeners {
            listener.revoked(self, what).await;
        }
    }

    /// Tells `listener` of every right that ends from now on (set up at start-up).
    pub fn on_revoked(&self, listener: impl OnRevoked) {
        self.inner
            .on_revoked
            .write()
            // A plain list: a panic elsewhere cannot leave it half-changed.
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::new(listener));
    }
}
