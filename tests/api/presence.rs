//! Presence over the gateway: friends see it, strangers do not, invisible looks offline;
//! and the owner hears of their media being ready.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{small_clip, spawn_app, Backend, TestApp, TestUser};
use crate::on_both_databases;
use crate::ws::Ws;

on_both_databases!(presence_reaches_friends_only, media_ready_reaches_the_owner);

async fn set_presence(app: &TestApp, user: &TestUser, status: &str) {
    let res = app
        .call(
            Method::PUT,
            "/v1/me/presence",
            Some(&user.token),
            Some(json!({"status": status})),
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::NO_CONTENT);
}

async fn friend_presence(app: &TestApp, user: &TestUser, friend: &TestUser) -> Value {
    let friends: Value = app
        .get("/v1/friends", &user.token)
        .await
        .json()
        .await
        .unwrap();
    let entry = friends
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == friend.id.as_str())
        .cloned();
    entry.expect("the friend is listed")["presence"].clone()
}

/// Waits for `friend` to show `status`; a new connection may hear a status twice (once
/// from the list of online friends it gets, once from the friend's own announcement).
async fn wait_presence(ws: &mut Ws, friend: &TestUser, status: &str) {
    loop {
        let frame = ws.expect("presence").await;
        if frame["user_id"] == friend.id.as_str() && frame["status"] == status {
            return;
        }
    }
}

async fn presence_reaches_friends_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    app.befriend(&alice, &bob).await;
    assert_eq!(
        friend_presence(&app, &alice, &bob).await,
        "offline",
        "not connected means offline"
    );

    let mut a = Ws::connect(&app, &alice).await;
    let mut c = Ws::connect(&app, &carol).await;
    let mut b = Ws::connect(&app, &bob).await;
    let first = a.expect("presence").await;
    assert_eq!(
        first,
        json!({"type": "presence", "user_id": bob.id, "status": "online"})
    );
    let seen_by_bob = b.expect("presence").await;
    assert_eq!(
        seen_by_bob["user_id"],
        alice.id.as_str(),
        "a new connection learns which friends are online"
    );
    assert_eq!(friend_presence(&app, &alice, &bob).await, "online");

    set_presence(&app, &bob, "busy").await;
    wait_presence(&mut a, &bob, "busy").await;
    set_presence(&app, &bob, "invisible").await;
    wait_presence(&mut a, &bob, "offline").await;
    assert_eq!(friend_presence(&app, &alice, &bob).await, "offline");
    set_presence(&app, &bob, "away").await;
    wait_presence(&mut a, &bob, "away").await;

    b.close().await;
    wait_presence(&mut a, &bob, "offline").await;
    c.expect_no("presence", Duration::from_millis(500)).await;
}

async fn media_ready_reaches_the_owner(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let mut a = Ws::connect(&app, &alice).await;
    let media_id = app
        .upload_clip(&alice, small_clip(), "video/mp4", "public")
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let frame = a
            .next_within(left)
            .await
            .expect("media.ready arrives before the deadline");
        if frame["type"] == "media.ready" {
            assert_eq!(frame["media_id"], media_id.as_str());
            break;
        }
        assert_ne!(frame["type"], "media.failed", "{frame}");
    }
}
