//! Fan-out load generator: `--members` subscribers of one group (imshare: that many users,
//! all members, each with one WebSocket; MQTT: that many clients on one topic) and
//! `--senders` publishers at a fixed total rate, stepped up until delivery falls behind,
//! then held at 80 % of the peak. Prints deliveries/s and p50/p99 latency per step.
//!   fanout_load --mode imshare --base http://127.0.0.1:PORT [--members 1000]
//!     [--also http://127.0.0.1:PORT2]  (a second node: every other member connects there)
//!   fanout_load --mode mqtt --mqtt-port PORT [--members 1000]
//!   common: [--senders 4] [--step-secs 4] [--rates 20,40,60,...] [--size 64]

#[path = "bench_common/mod.rs"]
mod common;
#[path = "bench_common/latency.rs"]
mod latency;
#[path = "bench_common/mqtt.rs"]
mod mqtt;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::{stream, SinkExt, StreamExt};
use rumqttc::{AsyncClient, QoS};
use tokio::time::MissedTickBehavior;
use tokio_tungstenite::tungstenite::Message;

use latency::Recorder;

const TOPIC: &str = "bench/group";
/// Time for messages of a step still in flight to arrive before its latency is summed up.
const DRAIN: Duration = Duration::from_secs(2);
/// The first part of a step, not counted in its throughput.
const WARM_UP: Duration = Duration::from_secs(1);
/// A step that delivers, while it runs, less than this share of what it offers is past
/// the peak: its queue grows, and so would its latency if it went on.
const KEEPS_UP: f64 = 0.97;

/// Where a sender publishes.
enum Publisher {
    Ws(futures::stream::SplitSink<common::Socket, Message>, String),
    Mqtt(AsyncClient),
}

impl Publisher {
    async fn send(&mut self, body: String, n: u64) -> anyhow::Result<()> {
        match self {
            Publisher::Ws(sink, group) => {
                let frame = serde_json::json!({"type": "group.send", "group_id": group,
                    "body": body, "client_msg_id": n.to_string()});
                sink.send(Message::Text(frame.to_string().into())).await?;
            }
            Publisher::Mqtt(client) => client.publish(TOPIC, QoS::AtMostOnce, false, body).await?,
        }
        Ok(())
    }
}

struct Run {
    rec: Arc<Recorder>,
    lost: Arc<AtomicUsize>,
    publishers: Vec<Publisher>,
    members: usize,
    size: usize,
    step: Duration,
    sent: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mode: String = common::arg("--mode", "imshare".to_owned())?;
    let members: usize = common::arg("--members", 1000)?;
    let senders: usize = common::arg("--senders", 4)?;
    let rates: String = common::arg("--rates", "20,40,60,80,100,130,160,200,300,400".to_owned())?;
    let rates: Vec<f64> = rates.split(',').filter_map(|r| r.parse().ok()).collect();
    anyhow::ensure!((1..=5000).contains(&members) && (1..=64).contains(&senders));
    anyhow::ensure!(rates.len() < latency::PHASES, "at most 15 rates");
    let mut run = Run {
        rec: Arc::new(Recorder::default()),
        lost: Arc::new(AtomicUsize::new(0)),
        publishers: Vec::new(),
        members,
        size: common::arg("--size", 64)?,
        step: Duration::from_secs(common::arg("--step-secs", 4)?),
        sent: 0,
    };
    latency::now_us();
    match mode.as_str() {
        "imshare" => {
            let base: String = common::arg("--base", String::new())?;
            let also: String = common::arg("--also", String::new())?;
            imshare(&mut run, &base, &also, senders).await?
        }
        "mqtt" => mqtt(&mut run, common::arg("--mqtt-port", 0)?, senders).await?,
        other => anyhow::bail!("--mode is imshare or mqtt, not {other}"),
    }
    // Let connection-time traffic (presence, subscriptions) settle first.
    tokio::time::sleep(Duration::from_secs(3)).await;
    println!(
        "{mode}: {members} subscribers, {senders} senders, {}-byte bodies",
        run.size
    );
    // The peak is the most a step delivered while keeping up with what it offered.
    let mut peak: f64 = 0.0;
    for (phase, rate) in rates.iter().enumerate() {
        let (dps, offered) = step(&mut run, phase, *rate).await?;
        if dps < offered * KEEPS_UP || run.lost.load(Ordering::Relaxed) > 0 {
            break;
        }
        peak = peak.max(dps);
    }
    // An overloaded step leaves a backlog; the 80 % step starts once it has drained.
    quiet(&run.rec).await;
    let rate80 = 0.8 * peak / members as f64;
    println!("80% of peak: {rate80:.0} msg/s");
    step(&mut run, latency::PHASES - 1, rate80).await?;
    println!("{mode} peak deliveries/s: {peak:.0}");
    Ok(())
}

/// Sends at `rate` messages/s for one step, then reports what arrived.
///
/// Messages go out evenly spaced, taking turns among the senders (bursts would measure
/// how long a burst takes to drain, not the broker's latency). Throughput is what arrived
/// while the step ran, after a warm-up second: a backlog drained after the step is latency,
/// not throughput the broker sustains.
async fn step(run: &mut Run, phase: usize, rate: f64) -> anyhow::Result<(f64, f64)> {
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
    // A sender that falls behind catches up, so the offered rate stays the rate asked for.
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let start = tokio::time::Instant::now();
    let warm = start + WARM_UP;
    let until = start + run.step;
    let mut arrived_at_warm = None;
    let mut turn = 0;
    while tokio::time::Instant::now() < until {
        tick.tick().await;
        if arrived_at_warm.is_none() && tokio::time::Instant::now() >= warm {
            arrived_at_warm = Some(run.rec.total());
        }
        run.sent += 1;
        let senders = run.publishers.len();
        let publisher = &mut run.publishers[turn % senders];
        publisher
            .send(latency::body(phase, run.size), run.sent)
            .await?;
        turn += 1;
    }
    let measured = (run.step - WARM_UP).as_secs_f64();
    let arrived = run.rec.total() - arrived_at_warm.unwrap_or_else(|| run.rec.total());
    tokio::time::sleep(DRAIN).await;
    let offered = rate * run.members as f64;
    let dps = arrived as f64 / measured;
    let (_, p50, p99) = run.rec.summary(phase);
    println!(
        "rate {rate:>6.0} msg/s: offered {offered:>9.0}/s delivered {dps:>9.0}/s p50 {p50:>7.2} ms p99 {p99:>7.2} ms lost conns {}",
        run.lost.load(Ordering::Relaxed)
    );
    Ok((dps, offered))
}

/// Waits until nothing has arrived for a second (at most 30 s).
async fn quiet(rec: &Recorder) {
    let mut last = rec.total();
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = rec.total();
        if now == last {
            return;
        }
        last = now;
    }
}

/// Seeds the users and group through the API, connects every member (every other one to
/// the node `also`, when given), and opens the senders as extra connections (another
/// device) of the first members, on `base`.
async fn imshare(run: &mut Run, base: &str, also: &str, senders: usize) -> anyhow::Result<()> {
    let api = common::Api::new(base)?;
    let users = api.users("fan", run.members).await?;
    let group = api.group(&users[0], "fan00000", &users[1..]).await?;
    println!("seeded {} users and their group", users.len());
    let node_of = |i: usize| {
        if also.is_empty() || i.is_multiple_of(2) {
            base
        } else {
            also
        }
    };
    let sockets: Vec<common::Socket> = stream::iter(users.iter().enumerate())
        .map(|(i, u)| common::connect(node_of(i), &u.token))
        .buffer_unordered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    for socket in sockets {
        let (rec, lost) = (run.rec.clone(), run.lost.clone());
        tokio::spawn(async move {
            let (_sink, mut frames) = socket.split();
            while let Some(Ok(msg)) = frames.next().await {
                if let Message::Text(text) = msg {
                    if let Some(body) = body_of(&text) {
                        rec.record(body);
                    }
                }
            }
            lost.fetch_add(1, Ordering::Relaxed);
        });
    }
    for user in users.iter().cycle().take(senders) {
        let (sink, mut acks) = common::connect(base, &user.token).await?.split();
        // Acks must be read, or the sender's own queue fills and it is cut off.
        tokio::spawn(async move { while let Some(Ok(_)) = acks.next().await {} });
        run.publishers.push(Publisher::Ws(sink, group.clone()));
    }
    Ok(())
}

/// The `body` of a `group.message` frame; bench bodies have no characters JSON escapes.
fn body_of(frame: &str) -> Option<&str> {
    let start = frame.find("\"body\":\"")? + 8;
    let len = frame[start..].find('"')?;
    Some(&frame[start..start + len])
}

/// Connects the subscribers and senders to the MQTT broker on 127.0.0.1:`port`.
async fn mqtt(run: &mut Run, port: u16, senders: usize) -> anyhow::Result<()> {
    anyhow::ensure!(port > 0, "--mqtt-port is needed");
    let subscribed = Arc::new(AtomicUsize::new(0));
    for i in 0..run.members {
        let (rec, lost) = (run.rec.clone(), run.lost.clone());
        mqtt::subscriber(
            &format!("sub{i}"),
            port,
            TOPIC,
            rec,
            subscribed.clone(),
            lost,
        )
        .await?;
    }
    for i in 0..senders {
        let client = mqtt::publisher(&format!("pub{i}"), port);
        run.publishers.push(Publisher::Mqtt(client));
    }
    while subscribed.load(Ordering::Relaxed) < run.members {
        anyhow::ensure!(
            run.lost.load(Ordering::Relaxed) == 0,
            "a subscriber failed to connect"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}
