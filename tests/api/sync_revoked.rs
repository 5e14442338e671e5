//! Sync rooms follow the rights they rest on: a member removed from the group, or a friend
//! unfriended, loses the room at once: over REST, on the page, frame by frame, and their
//! open sockets in it are closed within a second. Everyone else keeps going.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::blog::{app_without_worker, page, session_through_link};
use crate::helpers::{Backend, TestApp, TestUser};
use crate::on_both_databases;
use crate::ws::{group_send, Ws};

on_both_databases!(
    a_member_removed_from_the_group_loses_its_room,
    a_listed_member_removed_from_the_group_loses_the_room,
    an_unfriended_participant_loses_the_room,
);

const PAGE: &str = "https://example.org/news";
const PHISH: &str = "https://evil.example/phish";
/// How soon after the revoking call's answer the revoked socket must be closed.
const CLOSE_WITHIN: Duration = Duration::from_secs(1);

fn region(room: &str, version: i64, url: Option<&str>) -> Value {
    let mut frame = json!({"type": "sync.region", "room_id": room, "x": 0, "y": 0,
        "width": 320, "height": 200, "version": version});
    if let Some(url) = url {
        frame["url"] = json!(url);
    }
    frame
}

impl TestApp {
    async fn new_room(&self, owner: &TestUser, body: Value) -> String {
        let res = self.post("/v1/sync-rooms", &owner.token, body).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json::<Value>().await.unwrap()["room_id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn room_status(&self, room: &str, user: &TestUser) -> StatusCode {
        self.get(&format!("/v1/sync-rooms/{room}"), &user.token)
            .await
            .status()
    }

    async fn room_version(&self, room: &str, user: &TestUser) -> i64 {
        let state: Value = self
            .get(&format!("/v1/sync-rooms/{room}"), &user.token)
            .await
            .json()
            .await
            .unwrap();
        state["version"].as_i64().expect("a version")
    }

    /// `DELETE path` as `user`, asserting 204; returns when the answer arrived.
    async fn revoke(&self, path: &str, user: &TestUser) -> Instant {
        let res = self
            .call(Method::DELETE, path, Some(&user.token), None)
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "DELETE {path}");
        Instant::now()
    }
}

/// A socket that joined `room` and got its state.
async fn joined(app: &TestApp, user: &TestUser, room: &str) -> Ws {
    let mut ws = Ws::connect(app, user).await;
    ws.send(json!({"type": "sync.join", "room_id": room})).await;
    ws.expect("sync.region").await;
    ws
}

/// Waits for the `sync.revoked` frame and the close behind it; returns the time taken
/// since `since`, which must be under [`CLOSE_WITHIN`].
async fn closed_for_revocation(ws: &mut Ws, room: &str, since: Instant) -> Duration {
    let frame = tokio::time::timeout(CLOSE_WITHIN, ws.expect("sync.revoked"))
        .await
        .expect("sync.revoked within a second");
    assert_eq!(frame["room_id"], room);
    let left = CLOSE_WITHIN.saturating_sub(since.elapsed());
    let close = ws
        .closed_by_server(left)
        .await
        .expect("a close frame with a reason");
    assert_eq!(u16::from(close.code), 1008, "{close:?}");
    let took = since.elapsed();
    assert!(took < CLOSE_WITHIN, "closed after {took:?}");
    took
}

/// The revoked user's fresh socket: `sync.join` and `sync.region` are refused.
async fn frames_are_refused(app: &TestApp, user: &TestUser, room: &str) -> Ws {
    let mut ws = Ws::connect(app, user).await;
    ws.send(json!({"type": "sync.join", "room_id": room})).await;
    assert_eq!(ws.expect("error").await["code"], "sync_room_not_found");
    ws.send(region(room, 1, Some(PHISH))).await;
    assert_eq!(ws.expect("error").await["code"], "sync_room_not_found");
    ws
}

async fn a_member_removed_from_the_group_loses_its_room(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    let group = app.create_group(&alice, &[&bob, &carol]).await;
    let room = app
        .new_room(&alice, json!({"url": PAGE, "group_id": group}))
        .await;
    let bobs_page = session_through_link(&app, &bob, &bob).await;
    let path = format!("/s/{room}");
    assert_eq!(
        page(&app, &path, Some(&bobs_page)).await.status,
        StatusCode::OK
    );
    let mut b = joined(&app, &bob, &room).await;
    let mut c = joined(&app, &carol, &room).await;
    // A socket of Bob's that never entered the room stays open.
    let mut b_chat = Ws::connect(&app, &bob).await;

    let removed = app
        .revoke(&format!("/v1/groups/{group}/members/{}", bob.id), &alice)
        .await;
    let took = closed_for_revocation(&mut b, &room, removed).await;
    eprintln!("group removal → sync socket closed in {took:?} ({backend:?})");

    assert_eq!(app.room_status(&room, &bob).await, StatusCode::NOT_FOUND);
    assert_eq!(
        page(&app, &path, Some(&bobs_page)).await.status,
        StatusCode::NOT_FOUND
    );
    let mut b = frames_are_refused(&app, &bob, &room).await;
    assert_eq!(
        app.room_version(&room, &carol).await,
        1,
        "bob changed nothing"
    );

    // Carol goes on; Bob's sockets see none of it, nor the group's messages.
    c.send(region(&room, 1, Some("https://example.org/sport")))
        .await;
    assert_eq!(c.expect("sync.region").await["version"], 2);
    let mut a = Ws::connect(&app, &alice).await;
    a.send(group_send(&group, "bob is gone", "m1")).await;
    a.expect("ack").await;
    assert_eq!(c.expect("group.message").await["body"], "bob is gone");
    for ws in [&mut b, &mut b_chat] {
        ws.expect_no("sync.region", Duration::from_millis(300))
            .await;
        ws.expect_no("group.message", Duration::from_millis(300))
            .await;
    }
    assert_eq!(app.room_status(&room, &carol).await, StatusCode::OK);

    // The room follows the membership both ways: a member added later may use it.
    let dave = app.create_user("dave").await;
    app.befriend(&alice, &dave).await;
    let add = app
        .post(
            &format!("/v1/groups/{group}/members"),
            &alice.token,
            json!({"user_id": dave.id}),
        )
        .await;
    assert_eq!(add.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.room_status(&room, &dave).await, StatusCode::OK);
}

/// Every member of a group is the owner's friend (the owner adds only friends), so a room
/// for some of the members rests on their membership alone, not on that friendship.
async fn a_listed_member_removed_from_the_group_loses_the_room(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    let group = app.create_group(&alice, &[&bob, &carol]).await;
    let outsider = app.create_user("erin").await;
    app.befriend(&alice, &outsider).await;
    let refused = app
        .post(
            "/v1/sync-rooms",
            &alice.token,
            json!({"url": PAGE, "group_id": group, "participants": [outsider.id]}),
        )
        .await;
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "a friend, not a member"
    );
    let room = app
        .new_room(
            &alice,
            json!({"url": PAGE, "group_id": group, "participants": [bob.id]}),
        )
        .await;
    assert_eq!(
        app.room_status(&room, &carol).await,
        StatusCode::NOT_FOUND,
        "not listed"
    );
    let mut b = joined(&app, &bob, &room).await;

    let removed = app
        .revoke(&format!("/v1/groups/{group}/members/{}", bob.id), &alice)
        .await;
    closed_for_revocation(&mut b, &room, removed).await;
    assert_eq!(app.room_status(&room, &bob).await, StatusCode::NOT_FOUND);
    frames_are_refused(&app, &bob, &room).await;
    assert_eq!(app.room_status(&room, &alice).await, StatusCode::OK);
}

async fn an_unfriended_participant_loses_the_room(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let room = app
        .new_room(
            &alice,
            json!({"url": PAGE, "participants": [bob.id, carol.id]}),
        )
        .await;
    let mut b = joined(&app, &bob, &room).await;
    let mut c = joined(&app, &carol, &room).await;

    // Bob ends the friendship himself: the room Alice shared with him goes with it.
    let unfriended = app.revoke(&format!("/v1/friends/{}", alice.id), &bob).await;
    let took = closed_for_revocation(&mut b, &room, unfriended).await;
    eprintln!("unfriending → sync socket closed in {took:?} ({backend:?})");

    assert_eq!(app.room_status(&room, &bob).await, StatusCode::NOT_FOUND);
    let mut b = frames_are_refused(&app, &bob, &room).await;
    c.send(region(&room, 1, None)).await;
    assert_eq!(c.expect("sync.region").await["version"], 2);
    b.expect_no("sync.region", Duration::from_millis(300)).await;
    assert_eq!(app.room_status(&room, &alice).await, StatusCode::OK);
    assert_eq!(app.room_status(&room, &carol).await, StatusCode::OK);
}
