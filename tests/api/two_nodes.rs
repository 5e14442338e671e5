//! Two `imshare serve` nodes on one PostgreSQL and the local Redis: users connected to
//! different nodes exchange group messages, see each other's presence and get app pushes.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::cluster::procs::{shared_redis_url, Cluster, Node};
use crate::helpers::{spawn_app, Backend, TestApp};
use crate::ws::{group_send, Ws};

async fn start_node(app: &TestApp) -> Node {
    Cluster::on(app, &shared_redis_url()).serve().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_on_two_nodes_talk_see_presence_and_get_pushes() {
    let app = spawn_app(Backend::Postgres).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let group = app.create_group(&alice, &[&bob]).await;
    let (app_id, app_secret) = app.register_app("board").await;

    let one = start_node(&app).await;
    let two = start_node(&app).await;
    let mut a = Ws::connect_to(&one.address, &alice.token).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut b = Ws::connect_to(&two.address, &bob.token).await;

    let seen = a.expect("presence").await;
    assert_eq!(
        (seen["user_id"].as_str(), seen["status"].as_str()),
        (Some(bob.id.as_str()), Some("online"))
    );
    assert_eq!(
        one.presence_of(&alice, &bob.id).await,
        "online",
        "node one sees bob, connected to node two, online"
    );

    // Subscriptions are set up asynchronously; give them a moment before the first message.
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.send(group_send(&group, "across nodes", "x-1")).await;
    assert_eq!(a.expect("ack").await["seq"], 1);
    let got = b.expect("group.message").await;
    assert_eq!(
        (got["seq"].as_i64(), got["body"].as_str()),
        (Some(1), Some("across nodes"))
    );
    b.send(group_send(&group, "and back", "y-1")).await;
    assert_eq!(a.expect("group.message").await["body"], "and back");

    let push = reqwest::Client::new()
        .post(format!("{}/v1/apps/{}/push", one.address, app_id))
        .bearer_auth(&app_secret)
        .json(&json!({"users": [bob.id], "payload": {"hello": "bob"}}))
        .send()
        .await
        .unwrap();
    let counts: Value = push.json().await.unwrap();
    assert_eq!(counts["delivered_online"], 1, "{counts}");
    assert_eq!(
        b.expect("app.message").await["payload"],
        json!({"hello": "bob"})
    );

    b.close().await;
    let gone = a.expect("presence").await;
    assert_eq!(
        (gone["user_id"].as_str(), gone["status"].as_str()),
        (Some(bob.id.as_str()), Some("offline"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_nodes_users_go_offline() {
    let app = spawn_app(Backend::Postgres).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    app.befriend(&alice, &bob).await;
    let one = start_node(&app).await;
    let mut two = start_node(&app).await;
    let _b = Ws::connect_to(&two.address, &bob.token).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while one.presence_of(&alice, &bob.id).await != "online" {
        assert!(
            Instant::now() < deadline,
            "bob never showed online on node one"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    two.kill();
    let deadline = Instant::now() + Duration::from_secs(10);
    while one.presence_of(&alice, &bob.id).await != "offline" {
        assert!(
            Instant::now() < deadline,
            "bob still shows online after his node died"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Region sync across nodes: an update sent on node one reaches the sender there and a
/// participant on node two, through the per-user Redis channels, and back the other way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_room_spans_two_nodes() {
    let app = spawn_app(Backend::Postgres).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    app.befriend(&alice, &bob).await;
    let body = json!({"url": "https://example.org/", "participants": [bob.id]});
    let created: Value = app
        .post("/v1/sync-rooms", &alice.token, body)
        .await
        .json()
        .await
        .unwrap();
    let room = created["room_id"].as_str().unwrap().to_owned();
    let one = start_node(&app).await;
    let two = start_node(&app).await;
    let mut a = Ws::connect_to(&one.address, &alice.token).await;
    let mut b = Ws::connect_to(&two.address, &bob.token).await;
    // Subscriptions and presence are set up asynchronously; give them a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let region = |version: i64, x: i64| json!({"type": "sync.region", "room_id": room, "x": x, "y": 0, "width": 100, "height": 100, "version": version});
    a.send(region(1, 40)).await;
    assert_eq!(a.expect("sync.region").await["version"], 2);
    let got = b.expect("sync.region").await;
    assert_eq!(
        (
            got["version"].as_i64(),
            got["x"].as_i64(),
            got["updated_by"].as_str()
        ),
        (Some(2), Some(40), Some(alice.id.as_str()))
    );
    b.send(region(2, 80)).await;
    assert_eq!(b.expect("sync.region").await["version"], 3);
    let back = a.expect("sync.region").await;
    assert_eq!(
        (back["version"].as_i64(), back["x"].as_i64()),
        (Some(3), Some(80))
    );
}
