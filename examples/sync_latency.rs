//! Region-sync delivery latency: a source user and `--participants - 1` friends, each with
//! one WebSocket, share one sync room (made for a group of all of them). The source sends
//! `sync.region` updates, each from the version it last saw, first at `--rate` a second,
//! then closed-loop (the next as soon as its own copy of the new state is back); every
//! participant, the source too, times each new state from send to receipt. The send time
//! travels in the shared URL's fragment. Then the same through mosquitto: one publisher,
//! as many subscribers, payloads the size of imshare's state frame, at the same two rates.
//!   sync_latency --base http://127.0.0.1:PORT --mqtt-port PORT
//!                [--participants 100] [--rate 20] [--secs 10]

#[path = "bench_common/mod.rs"]
mod common;
#[path = "bench_common/latency.rs"]
mod latency;
#[path = "bench_common/mqtt.rs"]
mod mqtt;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures::{stream, SinkExt, StreamExt};
use rumqttc::{AsyncClient, QoS};
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message;

use latency::Recorder;

const TOPIC: &str = "bench/sync";
/// The shared page; the fragment after it carries "phase:sent_us:".
const URL: &str = "http://bench.invalid/page";
/// Time for updates still in flight to arrive before a phase is counted.
const DRAIN: Duration = Duration::from_secs(2);
/// The recorder's phases: imshare at the fixed rate, imshare closed-loop, then mosquitto
/// at the fixed rate and at the rate imshare's closed loop reached.
const IMSHARE_RATE: usize = 0;
const IMSHARE_LOOP: usize = 1;
const MQTT_RATE: usize = 2;
const MQTT_LOOP_RATE: usize = 3;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let base: String = common::arg("--base", String::new())?;
    let mqtt_port: u16 = common::arg("--mqtt-port", 0)?;
    let participants: usize = common::arg("--participants", 100)?;
    let rate: f64 = common::arg("--rate", 20.0)?;
    let secs = Duration::from_secs(common::arg("--secs", 10)?);
    anyhow::ensure!(
        (2..=500).contains(&participants),
        "--participants is 2 to 500"
    );
    anyhow::ensure!(mqtt_port > 0, "--mqtt-port is needed");
    latency::now_us();
    let rec = Arc::new(Recorder::default());
    let mut room = Room::open(&base, participants, rec.clone()).await?;
    println!("imshare: {participants} participants in one sync room, source sends sync.region");
    let fixed = room.fixed_rate(IMSHARE_RATE, rate, secs).await?;
    let looped = room.closed_loop(IMSHARE_LOOP, secs).await?;
    let frame_bytes = room.frame_bytes.load(Ordering::Relaxed);
    let loop_rate = looped.1 as f64 / secs.as_secs_f64();

    println!("mosquitto: {participants} subscribers, {frame_bytes}-byte payloads, QoS 0");
    let publisher = mqtt_subscribers(mqtt_port, participants, rec.clone()).await?;
    let mq_fixed = mqtt_phase(&publisher, MQTT_RATE, rate, frame_bytes, secs).await?;
    let mq_loop = mqtt_phase(&publisher, MQTT_LOOP_RATE, loop_rate, frame_bytes, secs).await?;

    let labels = [
        format!("imshare {rate:.0}/s"),
        format!("imshare closed-loop ({loop_rate:.0}/s)"),
        format!("mosquitto {rate:.0}/s"),
        format!("mosquitto {loop_rate:.0}/s"),
    ];
    let counts = [fixed, looped, mq_fixed, mq_loop];
    for (phase, (label, count)) in labels.iter().zip(counts).enumerate() {
        report(&rec, phase, label, count, participants, secs);
    }
    for (ours, theirs) in [(IMSHARE_RATE, MQTT_RATE), (IMSHARE_LOOP, MQTT_LOOP_RATE)] {
        let ((_, p50, p99), (_, ref50, ref99)) = (rec.summary(ours), rec.summary(theirs));
        println!(
            "ratio {} / {}: p50 {:.1}x p99 {:.1}x",
            labels[ours],
            labels[theirs],
            p50 / ref50.max(0.001),
            p99 / ref99.max(0.001)
        );
    }
    let p99 = rec.summary(IMSHARE_RATE).2;
    let verdict = if p99 <= 20.0 { "met" } else { "missed" };
    println!("target p99 <= 20 ms at {rate:.0}/s: {verdict} ({p99:.2} ms)");
    Ok(())
}

/// Prints one phase's line: updates sent and accepted, deliveries/s against what was due,
/// latency percentiles.
fn report(
    rec: &Recorder,
    phase: usize,
    label: &str,
    (sent, accepted): (u64, u64),
    participants: usize,
    secs: Duration,
) {
    let (delivered, p50, p99) = rec.summary(phase);
    let due = accepted * participants as u64;
    println!(
        "{label:<32} sent {sent:>5} accepted {accepted:>5} delivered {delivered:>7}/{due:<7} \
         ({:>6.0}/s) p50 {p50:>6.2} ms p99 {p99:>6.2} ms max {:>7.2} ms",
        delivered as f64 / secs.as_secs_f64(),
        rec.max_ms(phase)
    );
}

/// The sending half of a WebSocket.
type Sink = futures::stream::SplitSink<common::Socket, Message>;

/// The imshare side: the room, the source's socket, the latest version the source saw.
struct Room {
    id: String,
    source: Sink,
    /// The other participants' sending halves, kept so that their sockets stay open.
    _listeners: Vec<Sink>,
    seen: watch::Receiver<i64>,
    frame_bytes: Arc<AtomicUsize>,
}

impl Room {
    /// Seeds the users, their group and its room through the API and connects everyone;
    /// the first user is the source.
    async fn open(base: &str, participants: usize, rec: Arc<Recorder>) -> anyhow::Result<Room> {
        let api = common::Api::new(base)?;
        let users = api.users("sync", participants).await?;
        let group = api.group(&users[0], "sync00000", &users[1..]).await?;
        let id = api.sync_room(&users[0], &group, URL).await?;
        let sockets: Vec<common::Socket> = stream::iter(&users)
            .map(|u| common::connect(base, &u.token))
            .buffered(64)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        let (seen_tx, seen) = watch::channel(1);
        let frame_bytes = Arc::new(AtomicUsize::new(0));
        let mut sinks = Vec::new();
        for (i, socket) in sockets.into_iter().enumerate() {
            let (sink, frames) = socket.split();
            let tx = (i == 0).then(|| seen_tx.clone());
            tokio::spawn(receive(frames, rec.clone(), tx, frame_bytes.clone()));
            sinks.push(sink);
        }
        let source = sinks.remove(0);
        // Let connection-time traffic (presence) settle first.
        tokio::time::sleep(Duration::from_secs(2)).await;
        Ok(Room {
            id,
            source,
            _listeners: sinks,
            seen,
            frame_bytes,
        })
    }

    /// Sends one update made from `version`, timed for `phase`.
    async fn send(&mut self, phase: usize, n: u64, version: i64) -> anyhow::Result<()> {
        let frame = json!({"type": "sync.region", "room_id": self.id,
            "url": format!("{URL}#{}", latency::body(phase, 0)),
            "x": n % 1000, "y": 0, "width": 800, "height": 600, "version": version});
        let text = Message::Text(frame.to_string().into());
        self.source.send(text).await?;
        Ok(())
    }

    /// Sends at `rate` a second for `secs`; returns (sent, accepted).
    async fn fixed_rate(
        &mut self,
        phase: usize,
        rate: f64,
        secs: Duration,
    ) -> anyhow::Result<(u64, u64)> {
        let start = *self.seen.borrow();
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
        tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
        let until = Instant::now() + secs;
        let mut sent = 0;
        while Instant::now() < until {
            tick.tick().await;
            let version = *self.seen.borrow();
            self.send(phase, sent, version).await?;
            sent += 1;
        }
        tokio::time::sleep(DRAIN).await;
        Ok((sent, (*self.seen.borrow() - start) as u64))
    }

    /// Sends the next update as soon as the source has the last one back, for `secs`.
    async fn closed_loop(&mut self, phase: usize, secs: Duration) -> anyhow::Result<(u64, u64)> {
        let mut seen = self.seen.clone();
        let start = *seen.borrow();
        let until = Instant::now() + secs;
        let mut sent = 0;
        while Instant::now() < until {
            let version = *seen.borrow_and_update();
            self.send(phase, sent, version).await?;
            sent += 1;
            tokio::time::timeout(Duration::from_secs(10), seen.wait_for(|v| *v > version))
                .await
                .context("no new state came back within 10 s")??;
        }
        tokio::time::sleep(DRAIN).await;
        let end = *seen.borrow();
        Ok((sent, (end - start) as u64))
    }
}

/// Reads one participant's frames: each `sync.region` with a version above the last one
/// seen is a delivery (a stale sender's echo of a known state is not); the source also
/// publishes the version it saw.
async fn receive(
    mut frames: futures::stream::SplitStream<common::Socket>,
    rec: Arc<Recorder>,
    seen: Option<watch::Sender<i64>>,
    frame_bytes: Arc<AtomicUsize>,
) {
    let mut last = 0;
    while let Some(Ok(msg)) = frames.next().await {
        let Message::Text(text) = msg else { continue };
        let Ok(frame) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        match frame["type"].as_str() {
            Some("sync.region") => {}
            Some("error") => {
                eprintln!("server error frame: {text}");
                continue;
            }
            _ => continue,
        }
        let version = frame["version"].as_i64().unwrap_or(0);
        if version <= last {
            continue;
        }
        last = version;
        frame_bytes.store(text.len(), Ordering::Relaxed);
        if let Some((_, timing)) = frame["url"].as_str().and_then(|u| u.split_once('#')) {
            rec.record(timing);
        }
        if let Some(tx) = &seen {
            tx.send_replace(version);
        }
    }
    eprintln!("a participant's WebSocket closed");
}

/// Connects `count` subscribers recording into `rec`, and one publisher.
async fn mqtt_subscribers(
    port: u16,
    count: usize,
    rec: Arc<Recorder>,
) -> anyhow::Result<AsyncClient> {
    let subscribed = Arc::new(AtomicUsize::new(0));
    let lost = Arc::new(AtomicUsize::new(0));
    for i in 0..count {
        let id = format!("sub{i}");
        mqtt::subscriber(
            &id,
            port,
            TOPIC,
            rec.clone(),
            subscribed.clone(),
            lost.clone(),
        )
        .await?;
    }
    let publisher = mqtt::publisher("pub", port);
    let until = Instant::now() + Duration::from_secs(30);
    while subscribed.load(Ordering::Relaxed) < count {
        anyhow::ensure!(
            lost.load(Ordering::Relaxed) == 0,
            "an MQTT subscriber failed"
        );
        anyhow::ensure!(
            Instant::now() < until,
            "MQTT subscribers did not all subscribe in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(publisher)
}

/// Publishes `size`-byte timed payloads at `rate` a second for `secs`; returns (sent, sent).
async fn mqtt_phase(
    publisher: &AsyncClient,
    phase: usize,
    rate: f64,
    size: usize,
    secs: Duration,
) -> anyhow::Result<(u64, u64)> {
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let until = Instant::now() + secs;
    let mut sent = 0;
    while Instant::now() < until {
        tick.tick().await;
        let body = latency::body(phase, size);
        publisher
            .publish(TOPIC, QoS::AtMostOnce, false, body)
            .await?;
        sent += 1;
    }
    tokio::time::sleep(DRAIN).await;
    Ok((sent, sent))
}
