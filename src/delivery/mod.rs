//! Delivery: who is online where, and getting frames to them. This node's connections,
//! groups, sync rooms and shown presence are in the [`hub`]; with `redis.url` set, the
//! [`cluster`] link carries frames and presence to the other nodes.
//!
//! Everything above reaches it through one [`Delivery`] handle, held by the app's state,
//! so what crosses nodes is decided here and nowhere else. Delivery knows no domain: what
//! it needs of them (the [`Presence`] a user shows, the [`ServerFrame`]s it carries) lives
//! here, and what a domain must do when a right ends it registers ([`OnRevoked`]).

mod cluster;
mod connections;
mod events;
mod frames;
mod hub;
mod presence;
mod revoked;
mod topics;

use std::sync::{Arc, RwLock, Weak};

use bytestring::ByteString;

use crate::config::Settings;
use crate::ids::{GroupId, UserId};
use cluster::wire::Change;
use cluster::{Cluster, Inbound, Wiring};
use hub::Hub;
use topics::Topics;

pub use frames::ServerFrame;
pub use hub::{ConnId, Outbound, Registration, MAX_ROOMS_PER_CONN};
pub use presence::Presence;
pub use revoked::{OnRevoked, Revoked};
pub use topics::TopicListener;

/// The handle to delivery: cheap to clone, shared by every handler and connection.
#[derive(Clone)]
pub struct Delivery {
    inner: Arc<Inner>,
}

struct Inner {
    hub: Arc<Hub>,
    topics: Arc<Topics>,
    cluster: Option<Arc<Cluster>>,
    /// Told of every ended right, in the order registered.
    on_revoked: RwLock<Vec<Arc<dyn OnRevoked>>>,
}

impl Delivery {
    /// Delivery on this node, linked to the others through Redis when `redis.url` is set.
    pub async fn connect(settings: &Settings) -> anyhow::Result<Delivery> {
        let hub = Arc::new(Hub::new(settings.realtime.queue_frames));
        let topics = Arc::new(Topics::default());
        let (changes, changes_rx) = tokio::sync::mpsc::unbounded_channel();
        let wiring = Wiring {
            hub: hub.clone(),
            topics: topics.clone(),
            changes,
        };
        let cluster = cluster::connect_if_configured(settings, wiring).await?;
        let inner = Arc::new(Inner {
            hub,
            topics,
            cluster,
            on_revoked: RwLock::default(),
        });
        tokio::spawn(apply_changes(Arc::downgrade(&inner), changes_rx));
        Ok(Delivery { inner })
    }

    fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    /// Sends a frame to every connection of the user; true if they are online on some node.
    pub async fn to_user(&self, user_id: &UserId, frame: ByteString) -> bool {
        let here = self
            .hub()
            .send_to_user(user_id, Outbound::Text(frame.clone()))
            > 0;
        match &self.inner.cluster {
            Some(cluster) if here || cluster.is_online(user_id).await => {
                cluster.publish_user(user_id, &frame, None);
                true
            }
            _ => here,
        }
    }

    /// Sends a frame to the user's connections on this node only; returns how many took it.
    pub fn to_user_here(&self, user_id: &UserId, frame: ByteString) -> usize {
        self.hub().send_to_user(user_id, Outbound::Text(frame))
    }

    /// Sends a frame to every online member of the group except the connection `skip`.
    pub async fn to_group(&self, group_id: &GroupId, frame: ByteString, skip: Option<ConnId>) {
        self.hub()
            .send_to_group(group_id, Outbound::Text(frame.clone()), skip);
        if let Some(cluster) = &self.inner.cluster {
            cluster.publish_group(group_id, &frame);
        }
    }

    /// Records that a user joined a group, so its messages reach their connections.
    pub fn join_group(&self, group_id: &GroupId, user_id: &UserId) {
        self.hub().join_group(group_id, user_id);
        if let Some(cluster) = &self.inner.cluster {
            cluster.publish_change(Change::Joined {
                group_id: group_id.clone(),
                user_id: user_id.clone(),
            });
        }
    }

    /// What others see of the user, wherever they are connected.
    pub async fn shown(&self, user_id: &UserId) -> Presence {
        match (self.hub().shown(user_id), &self.inner.cluster) {
            (Presence::Offline, Some(cluster)) => cluster.shown(user_id).await,
            (here, _) => here,
        }
    }

    /// Sets what others see of the user; true if that changed (their friends must be told).
    pub async fn set_shown(&self, user_id: &UserId, shown: Presence) -> bool {
        let changed_here = self.hub().set_shown(user_id, shown);
        let here = self.hub().is_online(user_id);
        match &self.inner.cluster {
            // The user may be connected to another node than the one serving this request.
            Some(cluster) if here || cluster.is_online(user_id).await => {
                let before = cluster.shown(user_id).await;
                cluster.mark_shown(user_id, shown, here).await;
                changed_here || before != shown
            }
            _ => changed_here,
        }
    }

    /// Records that the user's last connection to this node closed; true if they have no
    /// connection on any node now (their friends must be told).
    pub async fn went_offline(&self, user_id: &UserId) -> bool {
        match &self.inner.cluster {
            Some(cluster) => !cluster.mark_offline(user_id).await,
            None => true,
        }
    }
}

/// Applies what other nodes changed (see [`Change`]) to this node, in order, for as long as
/// delivery lives; after a Redis loss, has every online user's rights checked again.
async fn apply_changes(
    inner: Weak<Inner>,
    mut changes: tokio::sync::mpsc::UnboundedReceiver<Inbound>,
) {
    while let Some(inbound) = changes.recv().await {
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let delivery = Delivery { inner };
        match inbound {
            Inbound::Change(Change::Joined { group_id, user_id }) => {
                delivery.hub().join_group(&group_id, &user_id)
            }
            Inbound::Change(Change::Revoked(what)) => delivery.revoked_here(&what).await,
            Inbound::Resynced => {
                for user_id in delivery.hub().online_users() {
                    delivery.revoked_here(&Revoked::Unsure { user_id }).await;
                }
            }
        }
    }
}
