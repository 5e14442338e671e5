//! Group memberships on open sockets, checked again when this node may have missed a
//! change (Redis was away while another node added or removed a member): the hub's groups
//! for the user are set to what the database says now.

use futures::future::BoxFuture;

use super::store::group_ids_of;
use crate::db::Db;
use crate::delivery::{Delivery, OnRevoked, Revoked};

/// Sets an online user's groups from the database when their rights are in doubt.
pub struct MembershipRecheck {
    db: Db,
}

impl MembershipRecheck {
    /// Rechecks memberships against `db`.
    pub fn new(db: Db) -> MembershipRecheck {
        MembershipRecheck { db }
    }
}

impl OnRevoked for MembershipRecheck {
    fn revoked<'a>(&'a self, delivery: &'a Delivery, what: &'a Revoked) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let Revoked::Unsure { user_id } = what else {
                return;
            };
            match group_ids_of(&self.db, user_id).await {
                Ok(groups) => delivery.set_groups_here(user_id, groups),
                Err(e) => tracing::error!(error = %e, user = %user_id,
                    "re-reading a user's groups failed; their sockets keep the groups they had"),
            }
        })
    }
}
