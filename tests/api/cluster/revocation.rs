//! Rights change on one node and take effect on every node within a second: a member
//! added through node one gets the group's messages on node two; a member removed through
//! node one gets none there any more and loses the group's sync room; an unfriended viewer
//! watching a live share on node two has that socket closed.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::procs::{shared_redis_url, Cluster};
use crate::helpers::{spawn_app, Backend, TestApp};
use crate::live_ws::LiveWs;
use crate::ws::{group_send, Ws};

/// How soon a change on one node must hold on the others.
const EFFECT_WITHIN: Duration = Duration::from_secs(1);

async fn call(
    address: &str,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> StatusCode {
    let mut request = reqwest::Client::new()
        .request(method, format!("{address}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().status()
}

/// Sends `body` on `sender`'s socket and waits for its ack.
async fn send_acked(sender: &mut Ws, group: &str, body: &str) {
    sender.send(group_send(group, body, body)).await;
    sender.expect("ack").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn membership_changes_on_one_node_hold_on_the_other() {
    let app: TestApp = spawn_app(Backend::Postgres).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    app.befriend(&alice, &bob).await;
    let group = app.create_group(&alice, &[]).await;
    let room: Value = app
        .post(
            "/v1/sync-rooms",
            &alice.token,
            json!({"url": "https://example.org/", "group_id": group}),
        )
        .await
        .json()
        .await
        .unwrap();
    let room = room["room_id"].as_str().unwrap().to_owned();
    let cluster = Cluster::on(&app, &shared_redis_url());
    let one = cluster.serve().await;
    let two = cluster.serve().await;
    let mut a = Ws::connect_to(&one.address, &alice.token).await;
    let mut b = Ws::connect_to(&two.address, &bob.token).await;
    // Bob's second device on node two stays open across the removal, in no sync room.
    let mut b_phone = Ws::connect_to(&two.address, &bob.token).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Added through node one while connected to node two.
    let members = format!("/v1/groups/{group}/members");
    let added = call(
        &one.address,
        Method::POST,
        &members,
        &alice.token,
        Some(json!({"user_id": bob.id})),
    )
    .await;
    assert_eq!(added, StatusCode::NO_CONTENT);
    let added_at = Instant::now();
    send_acked(&mut a, &group, "welcome").await;
    let got = tokio::time::timeout(EFFECT_WITHIN, b.expect("group.message"))
        .await
        .expect("the member added on node one gets the group's message on node two within 1 s");
    assert_eq!(got["body"], "welcome");
    assert_eq!(b_phone.expect("group.message").await["body"], "welcome");
    eprintln!(
        "join on node one → delivery on node two after {:?}",
        added_at.elapsed()
    );

    b.send(json!({"type": "sync.join", "room_id": room})).await;
    b.expect("sync.region").await;

    // Removed through node one.
    let removal = format!("/v1/groups/{group}/members/{}", bob.id);
    let removed = call(&one.address, Method::DELETE, &removal, &alice.token, None).await;
    assert_eq!(removed, StatusCode::NO_CONTENT);
    let removed_at = Instant::now();
    let revoked = tokio::time::timeout(EFFECT_WITHIN, b.expect("sync.revoked"))
        .await
        .expect("node two closes the removed member's sync room within 1 s");
    assert_eq!(revoked["room_id"], room.as_str());
    let took = removed_at.elapsed();
    eprintln!("removal on node one → in effect on node two after {took:?}");
    assert!(took < EFFECT_WITHIN, "took {took:?}");

    // The socket that stayed open on node two, and a fresh one there, get no more of the
    // group's messages.
    let mut b = Ws::connect_to(&two.address, &bob.token).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    send_acked(&mut a, &group, "after the removal").await;
    b_phone
        .expect_no("group.message", Duration::from_millis(700))
        .await;
    b.expect_no("group.message", Duration::from_millis(300))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfriended_viewer_on_another_node_is_closed_at_once() {
    let app: TestApp = spawn_app(Backend::Postgres).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    app.befriend(&alice, &bob).await;
    let share: Value = app
        .post(
            "/v1/live-shares",
            &alice.token,
            json!({"viewers": [bob.id], "width": 128, "height": 64, "tile_size": 64}),
        )
        .await
        .json()
        .await
        .unwrap();
    let share = share["share_id"].as_str().unwrap().to_owned();
    let cluster = Cluster::on(&app, &shared_redis_url());
    let one = cluster.serve().await;
    let two = cluster.serve().await;
    let mut viewer = LiveWs::connect_to(&two.address, &share, &bob.token, false).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let unfriend = format!("/v1/friends/{}", bob.id);
    let status = call(&one.address, Method::DELETE, &unfriend, &alice.token, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let unfriended = Instant::now();
    assert_eq!(
        viewer.close_code(EFFECT_WITHIN).await,
        Some(1008),
        "node two closes the viewer"
    );
    let took = unfriended.elapsed();
    eprintln!("unfriending on node one → live viewer on node two closed after {took:?}");
    assert!(took < EFFECT_WITHIN, "took {took:?}");
}
