//! A viewer's right to watch lasts as long as their friendship with the sharer. Every REST
//! call and socket open checks it ([`super::store::share_for`]); this closes the sockets
//! already open when it ends, registered with delivery at start-up.

use std::sync::Arc;

use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use super::{store, Relays};
use crate::db::Db;
use crate::delivery::{Delivery, OnRevoked, Revoked};
use crate::ids::UserId;

/// Closes the viewer sockets of users who may no longer watch a share.
pub struct ViewerRecheck {
    db: Db,
    relays: Arc<Relays>,
}

impl ViewerRecheck {
    /// Rechecks the viewers of the shares `relays` holds against `db`.
    pub fn new(db: Db, relays: Arc<Relays>) -> ViewerRecheck {
        ViewerRecheck { db, relays }
    }

    /// Closes `user_id`'s viewer sockets on every share of this node they may no longer watch.
    #[tracing::instrument(skip_all, fields(user = %user_id))]
    async fn recheck(&self, user_id: &UserId) {
        for (share_id, sockets) in self.relays.watched_by(user_id) {
            match store::share_for(&self.db, &share_id, user_id).await {
                Ok(Some(_)) => {}
                Ok(None) => {
                    tracing::info!(share = %share_id, sockets = sockets.len(),
                        "live share revoked: closing the viewer's sockets");
                    sockets.iter().for_each(CancellationToken::cancel);
                }
                Err(e) => tracing::error!(error = %e, share = %share_id,
                    "re-checking a live share after a revocation failed; the viewer stays connected"),
            }
        }
    }
}

impl OnRevoked for ViewerRecheck {
    fn revoked<'a>(&'a self, _delivery: &'a Delivery, what: &'a Revoked) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            for user in what.users() {
                self.recheck(user).await;
            }
        })
    }
}
