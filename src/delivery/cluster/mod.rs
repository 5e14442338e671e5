//! Several nodes behind one Redis: live traffic crosses nodes by pub/sub, changes every
//! node must apply (a member joined a group, a right ended) go to all of them on one
//! control channel, and presence lives in Redis with a TTL each node refreshes, so a dead
//! node's users go offline.
//!
//! Channels are per group and per user (see [`wire`]), and a node subscribes only to those
//! of its own connections: the hub reports when its first member of a group or first
//! connection of a user arrives and when the last one leaves. Redis then sends a group
//! message only to nodes with a member of that group online. Each node delivers to its own
//! connections first and ignores its own publications when they come back.
//!
//! Redis is not trusted to stay: when it goes, each node goes on serving its own users
//! (messages are stored before they are acked; `group.sync` replays what did not cross),
//! drops what it would publish instead of queueing it, and answers presence reads from
//! what it knows. When Redis is back the link subscribes every channel again and announces
//! presence again ([`link`]). Live delivery across nodes is best effort; durability comes
//! from the database.

mod inbound;
mod link;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use redis::AsyncCommands;
use secrecy::ExposeSecret;
use tokio::sync::mpsc;

use super::hub::{Hub, Subscription};
use super::topics::Topics;
use super::Presence;
use crate::config::Settings;
use crate::ids::{EventId, GroupId, UserId};
use link::Link;
use wire::{Change, Control, Envelope};

/// Publications waiting for Redis; past this they are dropped (and counted).
const OUTBOX: usize = 16_384;
/// Publications sent to Redis in one pipeline at most.
const BATCH: usize = 256;

/// What the task that applies cluster-wide changes is told.
pub enum Inbound {
    /// Another node changed something every node must apply.
    Change(Change),
    /// Redis is back after a loss: changes published meanwhile never arrived, so what
    /// this node's open sockets rest on must be checked again.
    Resynced,
}

/// What the link hands inbound traffic to: this node's connections, topic listeners, and
/// the task that applies cluster-wide changes.
#[derive(Clone)]
pub struct Wiring {
    pub hub: Arc<Hub>,
    pub topics: Arc<Topics>,
    pub changes: mpsc::UnboundedSender<Inbound>,
}

/// This node's link to the others.
pub struct Cluster {
    node_id: uuid::Uuid,
    node: String,
    link: Link,
    outbox: mpsc::Sender<(String, Bytes)>,
    /// How long a presence entry lives without a heartbeat; heartbeats come every third.
    ttl_ms: i64,
}

/// Links this node to the others when `redis.url` is set.
pub async fn connect_if_configured(
    settings: &Settings,
    wiring: Wiring,
) -> anyhow::Result<Option<Arc<Cluster>>> {
    let url = settings.redis.url.expose_secret();
    if url.is_empty() {
        return Ok(None);
    }
    let ttl = Duration::from_secs(settings.realtime.presence_ttl_secs.max(3));
    Cluster::connect(url, wiring, ttl).await.map(Some)
}

fn online_key(user_id: &UserId) -> String {
    format!("imshare:online:{user_id}")
}

fn shown_key(user_id: &UserId) -> String {
    format!("imshare:shown:{user_id}")
}

impl Cluster {
    /// Connects to Redis, subscribes the control channel, and starts the subscription,
    /// publishing, inbound and heartbeat tasks.
    pub async fn connect(url: &str, wiring: Wiring, ttl: Duration) -> anyhow::Result<Arc<Cluster>> {
        let (link, events) = Link::connect(url).await?;
        let mut conn = link.conn();
        conn.subscribe(wire::CONTROL).await?;
        let (subs_tx, subs_rx) = mpsc::unbounded_channel();
        wiring.hub.report_subscriptions(subs_tx.clone());
        wiring.topics.report_subscriptions(subs_tx);
        let (outbox, outbox_rx) = mpsc::channel(OUTBOX);
        let node_id = uuid::Uuid::new_v4();
        let cluster = Arc::new(Cluster {
            node_id,
            node: node_id.to_string(),
            link: link.clone(),
            outbox,
            ttl_ms: i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX),
        });
        tokio::spawn(apply_subscriptions(link.clone(), subs_rx));
        tokio::spawn(send_outbox(link, outbox_rx));
        tokio::spawn(cluster.clone().heartbeat(wiring.hub.clone()));
        tokio::spawn(inbound::run(cluster.clone(), wiring, events));
        tracing::info!(node = %cluster.node, "real-time traffic is routed through Redis");
        Ok(cluster)
    }

    /// Queues a publication; dropped at once while Redis is away or the queue is full.
    fn enqueue(&self, channel: String, payload: Bytes) {
        if !self.link.is_up() || self.outbox.try_send((channel, payload)).is_err() {
            metrics::counter!("imshare_cluster_dropped_total").increment(1);
        }
    }

    fn envelope(&self, frame: &str, event: Option<&EventId>) -> Bytes {
        let envelope = Envelope {
            origin: self.node.clone(),
            frame: frame.to_owned(),
            event: event.cloned(),
        };
        // Strings only: cannot fail.
        Bytes::from(serde_json::to_vec(&envelope).expect("an envelope serializes"))
    }

    /// Sends a frame to the user's connections on other nodes; an event's frame names it.
    pub fn publish_user(&self, user_id: &UserId, frame: &str, event: Option<&EventId>) {
        self.enqueue(wire::user_channel(user_id), self.envelope(frame, event));
    }

    /// Sends a frame to the group's members on other nodes.
    pub fn publish_group(&self, group_id: &GroupId, frame: &str) {
        self.enqueue(wire::group_channel(group_id), self.envelope(frame, None));
    }

    /// Sends bytes to the topic's listeners on other nodes.
    pub fn publish_topic(&self, topic: &str, message: Bytes) {
        self.enqueue(
            wire::topic_channel(topic),
            wire::topic_message(&self.node_id, &message),
        );
    }

    /// Tells every other node of a change to apply.
    pub fn publish_change(&self, change: Change) {
        let control = Control {
            origin: self.node.clone(),
            change,
        };
        match serde_json::to_vec(&control) {
            Ok(json) => self.enqueue(wire::CONTROL.to_owned(), Bytes::from(json)),
            Err(e) => tracing::error!(error = %e, "a cluster change did not serialize"),
        }
    }

    /// Records what others see of the user and, if `here`, that this node has them online.
    pub async fn mark_shown(&self, user_id: &UserId, shown: Presence, here: bool) {
        let mut pipe = redis::pipe();
        if here {
            self.add_online(&mut pipe, user_id);
        }
        pipe.set(shown_key(user_id), shown.as_str());
        let mut conn = self.link.conn();
        if self
            .link
            .read(pipe.query_async::<()>(&mut conn))
            .await
            .is_none()
        {
            tracing::debug!(
                "recording presence in Redis failed; it is announced again when Redis is back"
            );
        }
    }

    fn add_online(&self, pipe: &mut redis::Pipeline, user_id: &UserId) {
        let expires = crate::time_util::now_ms() + self.ttl_ms;
        pipe.zadd(online_key(user_id), &self.node, expires)
            .pexpire(online_key(user_id), self.ttl_ms);
    }

    /// Records that the user left this node; true if they are still online elsewhere.
    pub async fn mark_offline(&self, user_id: &UserId) -> bool {
        let mut conn = self.link.conn();
        let _ = self
            .link
            .read(conn.zrem::<_, _, i64>(online_key(user_id), &self.node))
            .await;
        self.is_online(user_id).await
    }

    /// Whether any live node has a connection of the user (false if Redis cannot tell).
    pub async fn is_online(&self, user_id: &UserId) -> bool {
        let mut conn = self.link.conn();
        let now = crate::time_util::now_ms();
        let live = self
            .link
            .read(conn.zcount::<_, _, _, i64>(online_key(user_id), now, "+inf"))
            .await;
        live.is_some_and(|n| n > 0)
    }

    /// What others see of the user across the cluster.
    pub async fn shown(&self, user_id: &UserId) -> Presence {
        if !self.is_online(user_id).await {
            return Presence::Offline;
        }
        let mut conn = self.link.conn();
        let shown = self
            .link
            .read(conn.get::<_, Option<String>>(shown_key(user_id)))
            .await;
        shown
            .flatten()
            .map_or(Presence::Offline, |s| Presence::from_stored(&s))
    }

    /// Refreshes this node's presence entries; entries of a dead node stop being refreshed
    /// and fall out of the `now..` window within the TTL.
    async fn heartbeat(self: Arc<Self>, hub: Arc<Hub>) {
        let mut tick = tokio::time::interval(Duration::from_millis(self.ttl_ms as u64 / 3));
        loop {
            tick.tick().await;
            if self.link.is_up() {
                self.announce(&hub, false).await;
            }
        }
    }

    /// Writes this node's online users (and, with `shown`, what each shows) to Redis.
    async fn announce(&self, hub: &Hub, shown: bool) {
        let users = hub.online_users();
        if users.is_empty() {
            return;
        }
        let mut pipe = redis::pipe();
        for user in &users {
            self.add_online(&mut pipe, user);
        }
        if shown {
            for (user, presence) in hub.shown_here() {
                pipe.set(shown_key(&user), presence.as_str());
            }
        }
        let mut conn = self.link.conn();
        if let Err(e) = pipe.query_async::<()>(&mut conn).await {
            tracing::warn!(error = %e, "refreshing presence in Redis failed");
        }
    }

    /// After Redis came back: subscribes every channel this node holds again, announces its
    /// users' presence again, and has their rights checked again.
    async fn resync(&self, wiring: &Wiring) {
        let mut channels = vec![wire::CONTROL.to_owned()];
        let held = wiring.hub.held().into_iter().chain(wiring.topics.held());
        channels.extend(held.map(|sub| wire::channel_of(&sub).0));
        let mut conn = self.link.conn();
        for chunk in channels.chunks(1000) {
            if let Err(e) = conn.subscribe(chunk).await {
                tracing::warn!(error = %e, "subscribing again after a Redis loss failed");
            }
        }
        self.announce(&wiring.hub, true).await;
        // What other nodes published meanwhile never arrived: topic listeners ask for the
        // whole state again, and what open sockets rest on is checked again.
        wiring.topics.mark_all_lagged();
        let _ = wiring.changes.send(Inbound::Resynced);
        tracing::info!(
            channels = channels.len(),
            "subscribed again and announced presence after the Redis loss"
        );
    }
}

/// Applies the hub's subscription changes in order; while Redis is away they are skipped
/// (the resync after it comes back subscribes what is held then).
async fn apply_subscriptions(link: Link, mut rx: mpsc::UnboundedReceiver<Subscription>) {
    while let Some(sub) = rx.recv().await {
        if !link.is_up() {
            continue;
        }
        let (channel, on) = wire::channel_of(&sub);
        let mut conn = link.conn();
        let result = if on {
            conn.subscribe(&channel).await
        } else {
            conn.unsubscribe(&channel).await
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, channel, "changing a Redis subscription failed");
        }
    }
}

/// Sends queued publications in order, several per round trip.
async fn send_outbox(link: Link, mut rx: mpsc::Receiver<(String, Bytes)>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        if link.is_up() {
            let mut pipe = redis::pipe();
            for (channel, payload) in &batch {
                pipe.publish(channel, payload.as_ref()).ignore();
            }
            let mut conn = link.conn();
            if let Err(e) = pipe.query_async::<()>(&mut conn).await {
                tracing::warn!(error = %e, dropped = batch.len(), "publishing to Redis failed; other nodes miss these frames");
            }
        } else {
            metrics::counter!("imshare_cluster_dropped_total").increment(batch.len() as u64);
        }
        batch.clear();
    }
}
