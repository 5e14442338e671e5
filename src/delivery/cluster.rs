//! Several nodes behind one Redis: live traffic crosses nodes by pub/sub, and presence
//! lives in Redis with a TTL each node refreshes, so a dead node's users go offline.
//!
//! Channels are per group (`imshare:g:{group_id}`) and per user (`imshare:u:{user_id}`),
//! and a node subscribes only to those of its own connections: the hub reports when its
//! first member of a group or first connection of a user arrives and when the last one
//! leaves. Redis then sends a group message only to nodes with a member of that group
//! online, rather than to every node (a per-cluster channel) or after a directory lookup
//! of every member's node (per-node channels, which cost a lookup per member per message
//! for large groups). Each node delivers to its own connections first and ignores its own
//! publications when they come back.
//!
//! Live delivery across nodes is best effort; durability comes from the database: a
//! member who missed a group message replays it with `group.sync`.

use bytestring::ByteString;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures::StreamExt;
use redis::aio::{MultiplexedConnection, PubSubSink, PubSubStream};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::hub::{Hub, Outbound, Subscription};
use super::Presence;
use crate::config::Settings;
use crate::ids::{GroupId, UserId};
use secrecy::ExposeSecret;

/// What crosses Redis: the frame and the node that sent it.
#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: String,
    frame: String,
}

/// This node's link to the others.
pub struct Cluster {
    node_id: String,
    conn: MultiplexedConnection,
    /// How long a presence entry lives without a heartbeat; heartbeats come every third.
    ttl_ms: i64,
}

/// Links this node to the others when `redis.url` is set.
pub async fn connect_if_configured(
    settings: &Settings,
    hub: &Arc<Hub>,
) -> anyhow::Result<Option<Arc<Cluster>>> {
    let url = settings.redis.url.expose_secret();
    if url.is_empty() {
        return Ok(None);
    }
    let ttl = Duration::from_secs(settings.realtime.presence_ttl_secs.max(3));
    Cluster::connect(url, hub.clone(), ttl).await.map(Some)
}

fn online_key(user_id: &UserId) -> String {
    format!("imshare:online:{user_id}")
}

fn shown_key(user_id: &UserId) -> String {
    format!("imshare:shown:{user_id}")
}

impl Cluster {
    /// Connects to Redis and starts the subscription, delivery and heartbeat tasks.
    pub async fn connect(url: &str, hub: Arc<Hub>, ttl: Duration) -> anyhow::Result<Arc<Cluster>> {
        let client = redis::Client::open(url).context("redis.url is not a valid redis:// URL")?;
        let conn = client
            .get_multiplexed_async_connection()
            .await
            .context("connecting to Redis")?;
        let (sink, stream) = client
            .get_async_pubsub()
            .await
            .context("opening a Redis pub/sub connection")?
            .split();
        let node_id = uuid::Uuid::new_v4().to_string();
        let (tx, rx) = mpsc::unbounded_channel();
        hub.report_subscriptions(tx);
        tokio::spawn(apply_subscriptions(sink, rx));
        tokio::spawn(deliver(stream, hub.clone(), node_id.clone()));
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let cluster = Arc::new(Cluster {
            node_id,
            conn,
            ttl_ms,
        });
        tokio::spawn(cluster.clone().heartbeat(hub));
        tracing::info!(node = %cluster.node_id, "real-time traffic is routed through Redis");
        Ok(cluster)
    }

    async fn publish(&self, channel: String, frame: &str) {
        let envelope = Envelope {
            origin: self.node_id.clone(),
            frame: frame.to_owned(),
        };
        let Ok(text) = serde_json::to_string(&envelope) else {
            return;
        };
        let mut conn = self.conn.clone();
        if let Err(e) = conn.publish::<_, _, i64>(channel, text).await {
            tracing::warn!(error = %e, "publishing to Redis failed; other nodes miss this frame");
        }
    }

    /// Sends a frame to the user's connections on other nodes.
    pub async fn publish_user(&self, user_id: &UserId, frame: &str) {
        self.publish(format!("imshare:u:{user_id}"), frame).await;
    }

    /// Sends a frame to the group's members on other nodes.
    pub async fn publish_group(&self, group_id: &GroupId, frame: &str) {
        self.publish(format!("imshare:g:{group_id}"), frame).await;
    }

    /// Records what others see of the user and, if `here`, that this node has them online.
    pub async fn mark_shown(&self, user_id: &UserId, shown: Presence, here: bool) {
        let mut conn = self.conn.clone();
        let expires = crate::time_util::now_ms() + self.ttl_ms;
        let mut pipe = redis::pipe();
        if here {
            pipe.zadd(online_key(user_id), &self.node_id, expires)
                .pexpire(online_key(user_id), self.ttl_ms);
        }
        pipe.set(shown_key(user_id), shown.as_str());
        if let Err(e) = pipe.query_async::<()>(&mut conn).await {
            tracing::warn!(error = %e, "recording presence in Redis failed");
        }
    }

    /// Records that the user left this node; true if they are still online elsewhere.
    pub async fn mark_offline(&self, user_id: &UserId) -> bool {
        let mut conn = self.conn.clone();
        let _: redis::RedisResult<i64> = conn.zrem(online_key(user_id), &self.node_id).await;
        self.is_online(user_id).await
    }

    /// Whether any live node has a connection of the user.
    pub async fn is_online(&self, user_id: &UserId) -> bool {
        let mut conn = self.conn.clone();
        let now = crate::time_util::now_ms();
        let live: redis::RedisResult<i64> = conn.zcount(online_key(user_id), now, "+inf").await;
        live.is_ok_and(|n| n > 0)
    }

    /// What others see of the user across the cluster.
    pub async fn shown(&self, user_id: &UserId) -> Presence {
        if !self.is_online(user_id).await {
            return Presence::Offline;
        }
        let mut conn = self.conn.clone();
        let shown: redis::RedisResult<Option<String>> = conn.get(shown_key(user_id)).await;
        shown
            .ok()
            .flatten()
            .map_or(Presence::Offline, |s| Presence::from_stored(&s))
    }

    /// Refreshes this node's presence entries; entries of a dead node stop being refreshed
    /// and fall out of the `now..` window within the TTL.
    async fn heartbeat(self: Arc<Self>, hub: Arc<Hub>) {
        let mut tick = tokio::time::interval(Duration::from_millis(self.ttl_ms as u64 / 3));
        loop {
            tick.tick().await;
            let expires = crate::time_util::now_ms() + self.ttl_ms;
            let users = hub.online_users();
            if users.is_empty() {
                continue;
            }
            let mut pipe = redis::pipe();
            for user in users {
                pipe.zadd(online_key(&user), &self.node_id, expires)
                    .pexpire(online_key(&user), self.ttl_ms);
            }
            let mut conn = self.conn.clone();
            if let Err(e) = pipe.query_async::<()>(&mut conn).await {
                tracing::warn!(error = %e, "refreshing presence in Redis failed");
            }
        }
    }
}

fn channel_of(sub: &Subscription) -> (bool, String) {
    match sub {
        Subscription::User(id, on) => (*on, format!("imshare:u:{id}")),
        Subscription::Group(id, on) => (*on, format!("imshare:g:{id}")),
    }
}

/// Applies the hub's subscription changes in order.
async fn apply_subscriptions(mut sink: PubSubSink, mut rx: mpsc::UnboundedReceiver<Subscription>) {
    while let Some(sub) = rx.recv().await {
        let (on, channel) = channel_of(&sub);
        let result = if on {
            sink.subscribe(&channel).await
        } else {
            sink.unsubscribe(&channel).await
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, channel, "changing a Redis subscription failed");
        }
    }
}

/// Delivers what other nodes published to this node's connections.
async fn deliver(mut stream: PubSubStream, hub: Arc<Hub>, node_id: String) {
    while let Some(msg) = stream.next().await {
        let Ok(text) = msg.get_payload::<String>() else {
            continue;
        };
        let Ok(envelope) = serde_json::from_str::<Envelope>(&text) else {
            continue;
        };
        if envelope.origin == node_id {
            continue;
        }
        let frame = Outbound::Text(ByteString::from(envelope.frame));
        let channel = msg.get_channel_name();
        // The channel names the user or group this node subscribed for (see `channel_of`).
        if let Some(user) = channel.strip_prefix("imshare:u:") {
            hub.send_to_user(&UserId::from(user), frame);
        } else if let Some(group) = channel.strip_prefix("imshare:g:") {
            hub.send_to_group(&GroupId::from(group), frame, None);
        }
    }
    tracing::error!("the Redis pub/sub connection closed; frames from other nodes stop arriving");
}
