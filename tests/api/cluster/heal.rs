//! Redis is lost and comes back: while it is down every node keeps serving its own users
//! (messages are stored and acked, members on the same node get them live); once it is
//! back, cross-node delivery and presence resume within 2 s with no node restarted, and
//! `group.sync` fills in what crossed no node meanwhile.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::procs::{Cluster, PrivateRedis};
use crate::helpers::{spawn_app, Backend};
use crate::ws::{group_send, Ws};

/// How soon cross-node delivery must resume once Redis is back.
const HEAL_WITHIN: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_heals_after_a_redis_restart() {
    let app = spawn_app(Backend::Postgres).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    let group = app.create_group(&alice, &[&bob, &carol]).await;
    let mut redis = PrivateRedis::start();
    let cluster = Cluster::on(&app, &redis.url());
    let one = cluster.serve().await;
    let two = cluster.serve().await;
    let mut a = Ws::connect_to(&one.address, &alice.token).await;
    let mut c = Ws::connect_to(&one.address, &carol.token).await;
    let mut b = Ws::connect_to(&two.address, &bob.token).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.send(group_send(&group, "before", "m-0")).await;
    a.expect("ack").await;
    assert_eq!(b.expect("group.message").await["body"], "before");
    c.expect("group.message").await;

    redis.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    for n in 1..=3 {
        a.send(group_send(
            &group,
            &format!("during {n}"),
            &format!("m-{n}"),
        ))
        .await;
        let acked = tokio::time::timeout(Duration::from_secs(2), a.expect("ack"))
            .await
            .expect("a message is stored and acked while Redis is down");
        assert_eq!(acked["seq"], n + 1);
        let live = c.expect("group.message").await;
        assert_eq!(
            live["body"],
            format!("during {n}"),
            "same-node delivery goes on"
        );
    }
    let health = reqwest::get(format!("{}/readyz", one.address))
        .await
        .unwrap();
    assert!(
        health.status().is_success(),
        "node one stays ready without Redis"
    );

    redis.start_again();
    let back = Instant::now();
    let mut n = 10;
    let healed = loop {
        n += 1;
        a.send(group_send(&group, &format!("probe {n}"), &format!("m-{n}")))
            .await;
        a.expect("ack").await;
        if let Some(got) = b.next_within(Duration::from_millis(100)).await {
            if got["type"] == "group.message" && got["body"].as_str().unwrap().starts_with("probe")
            {
                break back.elapsed();
            }
        }
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "delivery never healed"
        );
    };
    eprintln!("Redis restarted → cross-node delivery again after {healed:?}");
    assert!(healed < HEAL_WITHIN, "healed after {healed:?}");

    // What crossed no node while Redis was down is stored: group.sync brings it.
    b.send(json!({"type": "group.sync", "group_id": group, "after_seq": 1}))
        .await;
    let mut bodies = Vec::new();
    while bodies.len() < 3 {
        let got: Value = b.expect("group.message").await;
        if got["body"].as_str().unwrap().starts_with("during") {
            bodies.push(got["body"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(bodies, ["during 1", "during 2", "during 3"]);

    // Presence is announced again: node one sees bob online, though Redis came back empty.
    let deadline = Instant::now() + HEAL_WITHIN;
    while one.presence_of(&alice, &bob.id).await != json!("online") {
        assert!(
            Instant::now() < deadline,
            "bob's presence was not announced again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A member removed through node one while Redis is down: node two never heard of it, so
/// once Redis is back it checks its users' rights again, and the removed member's open
/// socket there gets no more of the group's messages, not even those sent on node two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_during_the_outage_holds_everywhere_once_redis_is_back() {
    let app = spawn_app(Backend::Postgres).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let dave = app.create_user("dave").await;
    let group = app.create_group(&alice, &[&bob, &dave]).await;
    let mut redis = PrivateRedis::start();
    let cluster = Cluster::on(&app, &redis.url());
    let one = cluster.serve().await;
    let two = cluster.serve().await;
    let mut a = Ws::connect_to(&one.address, &alice.token).await;
    let mut b = Ws::connect_to(&two.address, &bob.token).await;
    let mut d = Ws::connect_to(&two.address, &dave.token).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    redis.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let removal = format!("/v1/groups/{group}/members/{}", bob.id);
    let removed = reqwest::Client::new()
        .delete(format!("{}{removal}", one.address))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), reqwest::StatusCode::NO_CONTENT);

    redis.start_again();
    let back = Instant::now();
    let mut n = 0;
    loop {
        n += 1;
        a.send(group_send(&group, "probe", &format!("p-{n}"))).await;
        a.expect("ack").await;
        if let Some(got) = d.next_within(Duration::from_millis(100)).await {
            if got["body"] == "probe" {
                break;
            }
        }
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "delivery never healed"
        );
    }
    // The recheck runs right after the resync; give it the heal bound.
    tokio::time::sleep(HEAL_WITHIN.saturating_sub(back.elapsed())).await;
    while b.next_within(Duration::from_millis(50)).await.is_some() {}
    d.send(group_send(&group, "on node two, after", "d-1"))
        .await;
    d.expect("ack").await;
    b.expect_no("group.message", Duration::from_millis(700))
        .await;
}
