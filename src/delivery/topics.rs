//! Topics: named streams of bytes between nodes, for what is neither a user's nor a
//! group's (a live share's tiles). A part of the service listens to a topic on this node
//! with [`Delivery::listen`] and gets what other nodes [`Delivery::publish`] to it; the
//! node subscribes in Redis while it has a listener. Without Redis nothing arrives.
//!
//! A listener's queue is bounded: when it overflows, what did not fit is dropped and the
//! listener is marked lagged, so it can ask for the whole state again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use bytes::Bytes;
use tokio::sync::mpsc;

use super::hub::Subscription;
use super::Delivery;

struct Listener {
    tx: mpsc::Sender<Bytes>,
    lagged: Arc<AtomicBool>,
}

/// This node's topic listeners.
#[derive(Default)]
pub struct Topics {
    listeners: Mutex<HashMap<String, HashMap<u64, Listener>>>,
    next_id: AtomicU64,
    subscriptions: OnceLock<mpsc::UnboundedSender<Subscription>>,
}

/// A listener of one topic; it stops listening when dropped.
pub struct TopicListener {
    /// What other nodes published to the topic, in order.
    pub rx: mpsc::Receiver<Bytes>,
    lagged: Arc<AtomicBool>,
    topic: String,
    id: u64,
    topics: Arc<Topics>,
}

impl TopicListener {
    /// True once if messages were dropped since the last call (the queue was full).
    pub fn take_lagged(&self) -> bool {
        self.lagged.swap(false, Ordering::Relaxed)
    }
}

impl Drop for TopicListener {
    fn drop(&mut self) {
        self.topics.remove(&self.topic, self.id);
    }
}

impl Topics {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, HashMap<u64, Listener>>> {
        self.listeners.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reports subscription changes to `tx` from now on (set once, by the Redis link).
    pub fn report_subscriptions(&self, tx: mpsc::UnboundedSender<Subscription>) {
        let _ = self.subscriptions.set(tx);
    }

    fn report(&self, topic: &str, on: bool) {
        if let Some(tx) = self.subscriptions.get() {
            let _ = tx.send(Subscription::Topic(topic.to_owned(), on));
        }
    }

    fn add(self: &Arc<Self>, topic: &str, queue: usize) -> TopicListener {
        let (tx, rx) = mpsc::channel(queue.max(1));
        let lagged = Arc::new(AtomicBool::new(false));
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut listeners = self.lock();
        let of_topic = listeners.entry(topic.to_owned()).or_default();
        if of_topic.is_empty() {
            self.report(topic, true);
        }
        of_topic.insert(
            id,
            Listener {
                tx,
                lagged: lagged.clone(),
            },
        );
        TopicListener {
            rx,
            lagged,
            topic: topic.to_owned(),
            id,
            topics: self.clone(),
        }
    }

    fn remove(&self, topic: &str, id: u64) {
        let mut listeners = self.lock();
        let Some(of_topic) = listeners.get_mut(topic) else {
            return;
        };
        of_topic.remove(&id);
        if of_topic.is_empty() {
            listeners.remove(topic);
            self.report(topic, false);
        }
    }

    /// Hands what another node published to every listener of the topic here.
    pub fn deliver(&self, topic: &str, message: Bytes) {
        let listeners = self.lock();
        for listener in listeners.get(topic).into_iter().flat_map(|l| l.values()) {
            if listener.tx.try_send(message.clone()).is_err() {
                listener.lagged.store(true, Ordering::Relaxed);
            }
        }
    }

    /// Marks every listener lagged: after a Redis loss, what was published meanwhile never
    /// arrived, so each listener should ask for the whole state again.
    pub fn mark_all_lagged(&self) {
        let listeners = self.lock();
        for listener in listeners.values().flat_map(|l| l.values()) {
            listener.lagged.store(true, Ordering::Relaxed);
        }
    }

    /// The topics listened to here, as subscriptions to hold.
    pub fn held(&self) -> Vec<Subscription> {
        self.lock()
            .keys()
            .map(|t| Subscription::Topic(t.clone(), true))
            .collect()
    }
}

impl Delivery {
    /// Listens to what other nodes publish to `topic`, queueing at most `queue` messages.
    pub fn listen(&self, topic: &str, queue: usize) -> TopicListener {
        self.inner.topics.add(topic, queue)
    }

    /// Publishes `message` to the listeners of `topic` on the other nodes (none without
    /// Redis, or while it is away); never waits.
    pub fn publish(&self, topic: &str, message: Bytes) {
        if let Some(cluster) = &self.inner.cluster {
            cluster.publish_topic(topic, message);
        }
    }

    /// Whether other nodes can be reached at all (Redis is configured).
    pub fn is_clustered(&self) -> bool {
        self.inner.cluster.is_some()
    }
}
