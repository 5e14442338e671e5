//! This node's one Redis connection: RESP3, so commands and pub/sub share one socket, kept
//! up by redis-rs's `ConnectionManager`, which reconnects by itself with backoff. What this
//! adds to it:
//! - it notices the loss (the manager's `Disconnection` push) and probes until Redis
//!   answers again, then reports [`LinkEvent::Reconnected`] so the cluster subscribes every
//!   channel again and announces its presence again;
//! - while Redis is away nothing waits on it: publications are dropped at once (what must
//!   last is in the database) and reads answer "unknown" within [`READ_TIMEOUT`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{PushInfo, PushKind, Value};
use tokio::sync::mpsc;

/// How long a read (presence) may wait for Redis before it counts as unknown.
pub const READ_TIMEOUT: Duration = Duration::from_millis(300);
/// How long a write may wait before it is given up.
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// How often a lost link probes Redis until it answers.
const PROBE_EVERY: Duration = Duration::from_millis(100);

/// What the link reports to the cluster.
#[derive(Debug)]
pub enum LinkEvent {
    /// A message on a subscribed channel.
    Message { channel: String, payload: Vec<u8> },
    /// Redis answers again after a loss: subscriptions and presence must be set again.
    Reconnected,
}

/// The connection and whether it is up.
#[derive(Clone)]
pub struct Link {
    manager: ConnectionManager,
    up: Arc<AtomicBool>,
}

impl Link {
    /// Connects (RESP3) and starts watching the connection; events arrive on the receiver.
    pub async fn connect(url: &str) -> anyhow::Result<(Link, mpsc::UnboundedReceiver<LinkEvent>)> {
        let info = redis::IntoConnectionInfo::into_connection_info(url)
            .context("redis.url is not a valid redis:// URL")?;
        let settings = info
            .redis_settings()
            .clone()
            .set_protocol(redis::ProtocolVersion::RESP3);
        let client = redis::Client::open(info.set_redis_settings(settings))
            .context("redis.url is not a valid redis:// URL")?;
        let (push_tx, push_rx) = mpsc::unbounded_channel::<PushInfo>();
        let config = ConnectionManagerConfig::new()
            .set_push_sender(push_tx)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500))
            .set_number_of_retries(4)
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(WRITE_TIMEOUT));
        let manager = ConnectionManager::new_with_config(client, config)
            .await
            .context("connecting to Redis (redis.url); Redis 6 or newer is needed (RESP3)")?;
        let link = Link {
            manager,
            up: Arc::new(AtomicBool::new(true)),
        };
        let (events_tx, events_rx) = mpsc::unbounded_channel();
        tokio::spawn(link.clone().watch(push_rx, events_tx));
        Ok((link, events_rx))
    }

    /// Whether Redis answered last time.
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    /// A manager handle for one command (cheap to clone).
    pub fn conn(&self) -> ConnectionManager {
        self.manager.clone()
    }

    /// Runs a read, or None if Redis is away or slow.
    pub async fn read<T>(
        &self,
        query: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Option<T> {
        if !self.is_up() {
            return None;
        }
        tokio::time::timeout(READ_TIMEOUT, query).await.ok()?.ok()
    }

    /// Forwards messages and notices losses: after a `Disconnection`, probes until Redis
    /// answers, then reports [`LinkEvent::Reconnected`].
    async fn watch(
        self,
        mut pushes: mpsc::UnboundedReceiver<PushInfo>,
        events: mpsc::UnboundedSender<LinkEvent>,
    ) {
        while let Some(push) = pushes.recv().await {
            match push.kind {
                PushKind::Message => {
                    if let Some(message) = message_of(push.data) {
                        let _ = events.send(message);
                    }
                }
                PushKind::Disconnection if self.up.swap(false, Ordering::Relaxed) => {
                    tracing::warn!("lost the Redis connection; serving this node's users alone until it is back");
                    let link = self.clone();
                    let events = events.clone();
                    tokio::spawn(async move {
                        link.probe_until_up().await;
                        let _ = events.send(LinkEvent::Reconnected);
                    });
                }
                _ => {}
            }
        }
    }

    async fn probe_until_up(&self) {
        loop {
            let mut conn = self.conn();
            let ping = redis::cmd("PING");
            let answer = tokio::time::timeout(WRITE_TIMEOUT, ping.query_async::<String>(&mut conn));
            if let Ok(Ok(_)) = answer.await {
                self.up.store(true, Ordering::Relaxed);
                tracing::info!("Redis is back; subscribing and announcing presence again");
                return;
            }
            tokio::time::sleep(PROBE_EVERY).await;
        }
    }
}

/// `[channel, payload]` of a pub/sub message.
fn message_of(data: Vec<Value>) -> Option<LinkEvent> {
    let mut data = data.into_iter();
    let channel: String = redis::from_redis_value(data.next()?).ok()?;
    let payload: Vec<u8> = redis::from_redis_value(data.next()?).ok()?;
    Some(LinkEvent::Message { channel, payload })
}
