//! The MQTT side of the real-time benchmarks: mosquitto, the reference broker, gets the
//! same load through rumqttc clients that imshare gets through WebSockets.

// Each benchmark uses part of this module; what one leaves unused is not dead.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};

use crate::latency::Recorder;

/// A client of the broker on 127.0.0.1:`port`, sending without Nagle's delay as the
/// WebSocket clients do; `cap` requests may wait in its queue.
pub fn client(id: &str, port: u16, cap: usize) -> (AsyncClient, EventLoop) {
    let mut o = MqttOptions::new(id, "127.0.0.1", port);
    o.set_keep_alive(Duration::from_secs(60));
    let (client, mut events) = AsyncClient::new(o, cap);
    let mut net = events.network_options();
    net.set_tcp_nodelay(true);
    events.set_network_options(net);
    (client, events)
}

/// A publisher whose event loop runs in the background until the broker goes away.
pub fn publisher(id: &str, port: u16) -> AsyncClient {
    let (client, mut events) = client(id, port, 1024);
    tokio::spawn(async move { while events.poll().await.is_ok() {} });
    client
}

/// Subscribes client `id` to `topic` (QoS 0) and records every message it gets into
/// `rec`; counts the subscription into `subscribed` once the broker confirms it, and
/// the client into `lost` if its connection fails.
pub async fn subscriber(
    id: &str,
    port: u16,
    topic: &str,
    rec: Arc<Recorder>,
    subscribed: Arc<AtomicUsize>,
    lost: Arc<AtomicUsize>,
) -> anyhow::Result<()> {
    let (client, mut events) = client(id, port, 16);
    client.subscribe(topic, QoS::AtMostOnce).await?;
    tokio::spawn(async move {
        let _client = client;
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    if let Ok(body) = std::str::from_utf8(&p.payload) {
                        rec.record(body);
                    }
                }
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    subscribed.fetch_add(1, Ordering::Relaxed);
                }
                Ok(_) => {}
                Err(e) => {
                    eprintln!("an MQTT subscriber failed: {e}");
                    break;
                }
            }
        }
        lost.fetch_add(1, Ordering::Relaxed);
    });
    Ok(())
}
