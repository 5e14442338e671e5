//! Region sync rooms: a participant moves the region, everyone (the sender too) sees it;
//! stale updates lose; outsiders and non-http URLs are refused; late joiners catch up.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Backend, TestApp, TestUser};
use crate::on_both_databases;
use crate::ws::Ws;

on_both_databases!(
    an_update_reaches_every_participant_including_the_sender,
    a_stale_update_changes_nothing_and_gets_the_current_state,
    an_outsider_is_refused,
    only_plain_http_urls_and_sane_regions_are_accepted,
    a_late_joiner_and_a_reconnect_get_the_latest_state,
    a_group_room_includes_the_members,
);

const PAGE: &str = "https://example.org/news";

impl TestApp {
    /// Creates a room as `owner`; returns its id.
    async fn create_room(&self, owner: &TestUser, body: Value) -> String {
        let res = self.post("/v1/sync-rooms", &owner.token, body).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let room: Value = res.json().await.unwrap();
        assert_eq!(room["version"], 1);
        room["room_id"].as_str().unwrap().to_owned()
    }

    /// Alice shares [`PAGE`] with her friend Bob; Carol is a friend of Alice, left out.
    async fn room_of_alice_and_bob(&self) -> (String, TestUser, TestUser, TestUser) {
        let alice = self.create_user("alice").await;
        let bob = self.create_user("bob").await;
        let carol = self.create_user("carol").await;
        self.befriend(&alice, &bob).await;
        self.befriend(&alice, &carol).await;
        let room = self
            .create_room(&alice, json!({"url": PAGE, "participants": [bob.id]}))
            .await;
        (room, alice, bob, carol)
    }
}

fn region(room: &str, version: i64, x: i64, y: i64) -> Value {
    json!({"type": "sync.region", "room_id": room, "x": x, "y": y, "width": 320, "height": 200, "version": version})
}

async fn an_update_reaches_every_participant_including_the_sender(backend: Backend) {
    let app = spawn_app(backend).await;
    let (room, alice, bob, carol) = app.room_of_alice_and_bob().await;
    let mut a = Ws::connect(&app, &alice).await;
    let mut b = Ws::connect(&app, &bob).await;
    let mut c = Ws::connect(&app, &carol).await;

    a.send(region(&room, 1, 10, 2400)).await;
    let expected = json!({"type": "sync.region", "room_id": room, "url": PAGE, "x": 10, "y": 2400,
        "width": 320, "height": 200, "version": 2, "updated_by": alice.id});
    assert_eq!(a.expect("sync.region").await, expected, "the sender");
    assert_eq!(
        b.expect("sync.region").await,
        expected,
        "the other participant"
    );

    let other = "https://example.org/sport";
    let mut moved = region(&room, 2, 0, 0);
    moved["url"] = json!(other);
    b.send(moved).await;
    for ws in [&mut a, &mut b] {
        let got = ws.expect("sync.region").await;
        assert_eq!(
            (got["version"].as_i64(), got["url"].as_str()),
            (Some(3), Some(other))
        );
        assert_eq!(got["updated_by"], bob.id.as_str());
    }
    c.expect_no("sync.region", Duration::from_millis(500)).await;
}

async fn a_stale_update_changes_nothing_and_gets_the_current_state(backend: Backend) {
    let app = spawn_app(backend).await;
    let (room, alice, bob, _) = app.room_of_alice_and_bob().await;
    let mut a = Ws::connect(&app, &alice).await;
    let mut b = Ws::connect(&app, &bob).await;
    a.send(region(&room, 1, 100, 100)).await;
    assert_eq!(a.expect("sync.region").await["version"], 2);
    assert_eq!(b.expect("sync.region").await["version"], 2);

    b.send(region(&room, 1, 999, 999)).await;
    let current = b.expect("sync.region").await;
    assert_eq!(
        (current["version"].as_i64(), current["x"].as_i64()),
        (Some(2), Some(100)),
        "the stale sender gets the current state back"
    );
    a.expect_no("sync.region", Duration::from_millis(500)).await;
    let stored: Value = app
        .get(&format!("/v1/sync-rooms/{room}"), &bob.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["version"], 2);
    assert_eq!(
        stored["region"],
        json!({"x": 100, "y": 100, "width": 320, "height": 200})
    );
    assert_eq!(stored["updated_by"], alice.id.as_str());
}

async fn an_outsider_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (room, alice, _, carol) = app.room_of_alice_and_bob().await;
    let res = app
        .get(&format!("/v1/sync-rooms/{room}"), &carol.token)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "sync_room_not_found");

    let mut c = Ws::connect(&app, &carol).await;
    c.send(region(&room, 1, 0, 0)).await;
    assert_eq!(c.expect("error").await["code"], "sync_room_not_found");
    c.send(json!({"type": "sync.join", "room_id": room})).await;
    assert_eq!(c.expect("error").await["code"], "sync_room_not_found");
    let state: Value = app
        .get(&format!("/v1/sync-rooms/{room}"), &alice.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["version"], 1, "the outsider changed nothing");

    let stranger = app.create_user("dave").await;
    let res = app
        .post(
            "/v1/sync-rooms",
            &alice.token,
            json!({"url": PAGE, "participants": [stranger.id]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "not a friend of alice");
    let res = app.get("/v1/sync-rooms/no-such-room", &alice.token).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

async fn only_plain_http_urls_and_sane_regions_are_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    let (room, alice, _, _) = app.room_of_alice_and_bob().await;
    let long = format!("https://example.org/{}", "a".repeat(2100));
    for url in [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<b>hi</b>",
        "https://user:secret@example.org/",
        "not a url",
        long.as_str(),
    ] {
        let res = app
            .post("/v1/sync-rooms", &alice.token, json!({"url": url}))
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_url");
    }

    let mut a = Ws::connect(&app, &alice).await;
    let mut bad_url = region(&room, 1, 0, 0);
    bad_url["url"] = json!("javascript:alert(1)");
    a.send(bad_url).await;
    assert_eq!(a.expect("error").await["code"], "invalid_url");
    for (x, width) in [(-1, 10), (0, 0), (0, 1_000_000)] {
        let mut bad = region(&room, 1, x, 0);
        bad["width"] = json!(width);
        a.send(bad).await;
        assert_eq!(a.expect("error").await["code"], "invalid_region");
    }
    a.expect_no("sync.region", Duration::from_millis(300)).await;
}

async fn a_late_joiner_and_a_reconnect_get_the_latest_state(backend: Backend) {
    let app = spawn_app(backend).await;
    let (room, alice, bob, _) = app.room_of_alice_and_bob().await;
    let mut a = Ws::connect(&app, &alice).await;
    a.send(region(&room, 1, 5, 6)).await;
    a.expect("sync.region").await;
    a.send(region(&room, 2, 7, 8)).await;
    a.expect("sync.region").await;

    let mut b = Ws::connect(&app, &bob).await;
    b.send(json!({"type": "sync.join", "room_id": room})).await;
    let late = b.expect("sync.region").await;
    assert_eq!(
        (
            late["version"].as_i64(),
            late["x"].as_i64(),
            late["y"].as_i64()
        ),
        (Some(3), Some(7), Some(8))
    );
    b.close().await;

    a.send(region(&room, 3, 9, 10)).await;
    a.expect("sync.region").await;
    let mut b = Ws::connect(&app, &bob).await;
    b.send(json!({"type": "sync.join", "room_id": room})).await;
    let again = b.expect("sync.region").await;
    assert_eq!(
        (again["version"].as_i64(), again["x"].as_i64()),
        (Some(4), Some(9))
    );
    let stored: Value = app
        .get(&format!("/v1/sync-rooms/{room}"), &bob.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored["version"], 4);
    assert_eq!(stored["region"]["y"], 10);
}

async fn a_group_room_includes_the_members(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let erin = app.create_user("erin").await;
    let group = app.create_group(&alice, &[&bob]).await;
    let room = app
        .create_room(&bob, json!({"url": PAGE, "group_id": group}))
        .await;
    let res = app
        .get(&format!("/v1/sync-rooms/{room}"), &alice.token)
        .await;
    assert_eq!(res.status(), StatusCode::OK, "a member of the group");
    let fresh: Value = res.json().await.unwrap();
    assert!(fresh["region"].is_null(), "no region picked yet");

    let res = app
        .post(
            "/v1/sync-rooms",
            &erin.token,
            json!({"url": PAGE, "group_id": group}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "erin is not in the group"
    );
    let res = app
        .get(&format!("/v1/sync-rooms/{room}"), &erin.token)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
