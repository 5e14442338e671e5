//! Events (`media.ready`/`media.failed`, app pushes, friend requests and acceptances) are
//! delivered at least once: each carries a stable `event_id`, stays owed to the user until
//! a socket acks it with `event.ack`, and is sent again on the next connection until then.
//! A socket that dies mid-delivery (here: kicked because it did not read) loses nothing.

use std::collections::BTreeSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, Backend, TestApp, TestUser};
use crate::on_both_databases;
use crate::ws::Ws;

on_both_databases!(
    an_unacked_event_comes_again_and_an_acked_one_does_not,
    a_socket_that_drops_mid_delivery_loses_nothing,
    friend_requests_and_acceptances_are_events,
);

async fn push(app: &TestApp, (id, secret): &(String, String), user: &TestUser, n: usize) {
    let res = app
        .client
        .post(format!("{}/v1/apps/{id}/push", app.address))
        .bearer_auth(secret)
        .json(&json!({"users": [user.id], "payload": {"n": n}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
}

fn ack(frame: &Value) -> Value {
    json!({"type": "event.ack", "event_ids": [frame["event_id"]]})
}

async fn an_unacked_event_comes_again_and_an_acked_one_does_not(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let bob = app.create_user("bob").await;
    let board = app.register_app("board").await;
    let mut first = Ws::connect(&app, &bob).await;
    push(&app, &board, &bob, 1).await;
    let sent = first.expect("app.message").await;
    let event_id = sent["event_id"]
        .as_str()
        .expect("every event carries an event_id")
        .to_owned();
    assert_eq!(sent["payload"], json!({"n": 1}));
    drop(first); // gone without an ack

    let mut second = Ws::connect(&app, &bob).await;
    let again = second.expect("app.message").await;
    assert_eq!(
        again["event_id"],
        event_id.as_str(),
        "the same event, under the same id"
    );
    second.send(ack(&again)).await;
    // The ack is applied before the next frame the socket handles is answered.
    second
        .send(json!({"type": "group.sync", "group_id": "none", "after_seq": 0}))
        .await;
    second.expect("error").await;
    second.close().await;

    let mut third = Ws::connect(&app, &bob).await;
    third
        .expect_no("app.message", Duration::from_millis(700))
        .await;
}

async fn a_socket_that_drops_mid_delivery_loses_nothing(backend: Backend) {
    // A queue of 4 frames: a socket that does not read is kicked a few pushes in.
    let app = spawn_app_with(backend, |s| s.realtime.queue_frames = 4).await;
    let bob = app.create_user("bob").await;
    let board = app.register_app("board").await;
    let stalled = Ws::connect(&app, &bob).await;
    const PUSHES: usize = 40;
    for n in 0..PUSHES {
        push(&app, &board, &bob, n).await;
    }
    drop(stalled);

    let mut seen = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for _ in 0..20 {
        if seen.len() == PUSHES {
            break;
        }
        let mut ws = Ws::connect(&app, &bob).await;
        while let Some(frame) = ws.next_within(Duration::from_millis(700)).await {
            if frame["type"] == "app.message" {
                seen.insert(frame["payload"]["n"].as_u64().unwrap());
                ids.insert(frame["event_id"].as_str().unwrap().to_owned());
                ws.send(ack(&frame)).await;
            }
        }
    }
    assert_eq!(seen.len(), PUSHES, "every push arrived: {seen:?}");
    assert_eq!(ids.len(), PUSHES, "one id per event");
}

async fn friend_requests_and_acceptances_are_events(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let mut a = Ws::connect(&app, &alice).await;
    let mut b = Ws::connect(&app, &bob).await;
    let res = app
        .post(
            "/v1/friends/requests",
            &alice.token,
            json!({"username": bob.username}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let request: Value = res.json().await.unwrap();
    let asked = b.expect("friend.request").await;
    assert_eq!(
        (
            asked["request_id"].as_str(),
            asked["from"].as_str(),
            asked["from_username"].as_str()
        ),
        (
            request["id"].as_str(),
            Some(alice.id.as_str()),
            Some("alice")
        )
    );
    assert!(asked["event_id"].is_string());

    let accept = format!(
        "/v1/friends/requests/{}/accept",
        request["id"].as_str().unwrap()
    );
    let res = app.post(&accept, &bob.token, json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let accepted = a.expect("friend.accepted").await;
    assert_eq!(accepted["user_id"], bob.id.as_str());
    assert!(accepted["event_id"].is_string());
}
