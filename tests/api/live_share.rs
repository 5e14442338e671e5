//! Live region share: friends only; the relay keeps the current picture, gives it whole to
//! a late viewer, relays only what changed, resets on a new geometry, refuses malformed
//! frames with an error and stays up; outsiders never get a socket.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::blog::{app_without_worker, page, session_through_link};
use crate::helpers::{spawn_app, spawn_app_with, Backend, TestApp, TestUser};
use crate::live_ws::{fake_png, geometry_of, live_url, tiles_frame, tiles_of, LiveWs, Received};
use crate::on_both_databases;

on_both_databases!(
    only_friends_may_be_viewers,
    outsiders_never_get_a_socket,
    the_viewer_page_is_for_the_share_only,
);

/// Alice shares with her friend Bob; Carol is Alice's friend too, but not chosen.
struct Share {
    app: TestApp,
    id: String,
    alice: TestUser,
    bob: TestUser,
    carol: TestUser,
}

async fn share_of_alice_for_bob(app: TestApp) -> Share {
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let res = app
        .post(
            "/v1/live-shares",
            &alice.token,
            json!({"viewers": [bob.id], "width": 256, "height": 128, "tile_size": 64}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["tile_size"], 64);
    assert_eq!(body["viewers"], json!([bob.id]));
    let id = body["share_id"].as_str().unwrap().to_owned();
    Share {
        app,
        id,
        alice,
        bob,
        carol,
    }
}

async fn only_friends_may_be_viewers(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let stranger = app.create_user("stranger").await;
    app.befriend(&alice, &bob).await;
    let create = |viewers: Vec<&str>, width: u16, tile: u16| json!({"viewers": viewers, "width": width, "height": 100, "tile_size": tile});

    let res = app
        .post(
            "/v1/live-shares",
            &alice.token,
            create(vec![&stranger.id], 100, 32),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "viewer_not_friend");

    for (viewers, width, tile) in [
        (vec![], 100, 32),
        (vec![bob.id.as_str()], 0, 32),
        (vec![bob.id.as_str()], 100, 8),
    ] {
        let res = app
            .post(
                "/v1/live-shares",
                &alice.token,
                create(viewers, width, tile),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    let res = app
        .post(
            "/v1/live-shares",
            &alice.token,
            create(vec![&bob.id], 100, 32),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["share_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/live-shares/{id}");
    assert_eq!(app.get(&path, &bob.token).await.status(), StatusCode::OK);
    assert_eq!(
        app.get(&path, &stranger.token).await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn outsiders_never_get_a_socket(backend: Backend) {
    let s = share_of_alice_for_bob(spawn_app(backend).await).await;
    let url = live_url(&s.app, &s.id, false);
    assert_eq!(LiveWs::try_connect(&url, None).await.err(), Some(401));
    assert_eq!(
        LiveWs::try_connect(&url, Some("forged")).await.err(),
        Some(401)
    );
    // Carol is Alice's friend but was not chosen: the share does not exist for her.
    assert_eq!(
        LiveWs::try_connect(&url, Some(&s.carol.token)).await.err(),
        Some(404)
    );
    let missing = live_url(&s.app, &uuid_like(), false);
    assert_eq!(
        LiveWs::try_connect(&missing, Some(&s.bob.token))
            .await
            .err(),
        Some(404)
    );

    // Ending it (the sharer only) closes the viewers' sockets and refuses new ones.
    let mut viewer = LiveWs::connect(&s.app, &s.id, &s.bob.token, false).await;
    let end = |token: String| {
        let app = &s.app;
        let id = s.id.clone();
        async move {
            app.client
                .delete(format!("{}/v1/live-shares/{id}", app.address))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(end(s.bob.token.clone()).await, StatusCode::FORBIDDEN);
    assert_eq!(end(s.alice.token.clone()).await, StatusCode::NO_CONTENT);
    assert_eq!(viewer.close_code(Duration::from_secs(5)).await, Some(1000));
    assert_eq!(
        LiveWs::try_connect(&url, Some(&s.bob.token)).await.err(),
        Some(410)
    );
}

async fn the_viewer_page_is_for_the_share_only(backend: Backend) {
    let s = share_of_alice_for_bob(app_without_worker(backend).await).await;
    let bob = session_through_link(&s.app, &s.bob, &s.bob).await;
    let carol = session_through_link(&s.app, &s.carol, &s.carol).await;
    let path = format!("/l/{}", s.id);
    let shown = page(&s.app, &path, Some(&bob)).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown
        .body
        .contains("id=\"live-canvas\" width=\"256\" height=\"128\""));
    let csp = shown.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains(&format!("/v1/live-shares/{}/ws", s.id)),
        "{csp}"
    );
    assert_eq!(
        page(&s.app, &path, Some(&carol)).await.status,
        StatusCode::NOT_FOUND
    );
    let anonymous = page(&s.app, &path, None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
}

fn uuid_like() -> String {
    "0190b3c4-0000-7000-8000-000000000000".to_owned()
}

/// The picture lives in the relay's memory, so these run once, on SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_viewer_gets_the_whole_picture_then_only_changes() {
    let s = share_of_alice_for_bob(spawn_app(Backend::Sqlite).await).await;
    // Alice watches her own share from the start (as her page does), without taking over
    // as the sharer; what she has received, the relay has applied.
    let mut own = LiveWs::connect(&s.app, &s.id, &s.alice.token, true).await;
    let mut sharer = LiveWs::connect(&s.app, &s.id, &s.alice.token, false).await;
    sharer.send_geometry(256, 128, 64).await;
    let first: Vec<(u32, Vec<u8>)> = (0..8).map(|i| (i, fake_png(&format!("v1-{i}")))).collect();
    sharer.send_tiles(&first).await;
    sharer.send_tiles(&[(5, fake_png("v2-5"))]).await;
    geometry_of(&own.expect_frame().await);
    assert_eq!(tiles_of(&own.expect_frame().await), first);
    assert_eq!(
        tiles_of(&own.expect_frame().await),
        vec![(5, fake_png("v2-5"))]
    );

    // Bob joins late: the geometry, then every tile as it is now, in one frame.
    let mut viewer = LiveWs::connect(&s.app, &s.id, &s.bob.token, false).await;
    assert_eq!(viewer.expect_text("live.sharer").await["online"], true);
    let g = geometry_of(&viewer.expect_frame().await);
    assert_eq!((g.width, g.height, g.tile_size), (256, 128, 64));
    let mut expected = first.clone();
    expected[5].1 = fake_png("v2-5");
    assert_eq!(tiles_of(&viewer.expect_frame().await), expected);

    // From now on, exactly the tiles that change, to every viewer.
    let change = vec![(2, fake_png("v3-2")), (7, fake_png("v3-7"))];
    sharer.send_tiles(&change).await;
    assert_eq!(viewer.expect_frame().await, tiles_frame(&change));
    assert_eq!(own.expect_frame().await, tiles_frame(&change));
    viewer.expect_no_frame(Duration::from_millis(300)).await;

    // A new geometry (the window moved and grew) starts a new picture.
    sharer.send_geometry(320, 128, 64).await;
    assert_eq!(geometry_of(&viewer.expect_frame().await).width, 320);
    sharer.send_tiles(&[(9, fake_png("v4-9"))]).await;
    viewer.expect_frame().await;
    let mut later = LiveWs::connect(&s.app, &s.id, &s.bob.token, false).await;
    assert_eq!(geometry_of(&later.expect_frame().await).width, 320);
    assert_eq!(
        tiles_of(&later.expect_frame().await),
        vec![(9, fake_png("v4-9"))]
    );

    // When the sharer leaves, viewers keep the last picture and are told.
    drop(sharer);
    assert_eq!(viewer.expect_text("live.sharer").await["online"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_get_an_error_and_change_nothing() {
    let s = share_of_alice_for_bob(spawn_app(Backend::Sqlite).await).await;
    let mut sharer = LiveWs::connect(&s.app, &s.id, &s.alice.token, false).await;
    let mut viewer = LiveWs::connect(&s.app, &s.id, &s.bob.token, false).await;

    sharer.send_tiles(&[(0, fake_png("early"))]).await;
    assert_eq!(sharer.expect_text("error").await["code"], "no_geometry");
    sharer.send_geometry(256, 128, 64).await;
    viewer.expect_frame().await;

    let mut oversized = fake_png("big");
    oversized.resize(crate::live_ws::MAX_TILE + 1, 0);
    let mut wrong_format = tiles_frame(&[(1, b"GIF89a....".to_vec())]);
    wrong_format[7] = 2; // now claims JPEG, still not JPEG
    let bad: Vec<(Vec<u8>, &str)> = vec![
        (vec![], "malformed_frame"),
        (vec![9, 1, 2], "malformed_frame"),
        (vec![1, 0, 0, 0, 0, 0, 64], "malformed_frame"),
        (
            tiles_frame(&[(1, fake_png("x"))])[..12].to_vec(),
            "malformed_frame",
        ),
        (
            tiles_frame(&[(8, fake_png("past the grid"))]),
            "tile_out_of_range",
        ),
        (
            tiles_frame(&[(1, b"not an image".to_vec())]),
            "wrong_tile_format",
        ),
        (wrong_format, "wrong_tile_format"),
        (tiles_frame(&[(1, oversized)]), "tile_too_large"),
    ];
    for (frame, code) in bad {
        sharer.send_bytes(frame).await;
        let error = sharer.expect_text("error").await;
        assert_eq!(error["code"], code, "{error}");
        assert!(!error["message"].as_str().unwrap().is_empty());
    }
    // Text is not part of the sharer's protocol either.
    sharer.stream_text("{\"type\":\"group.send\"}").await;
    assert_eq!(sharer.expect_text("error").await["code"], "unsupported");
    viewer.expect_no_frame(Duration::from_millis(300)).await;

    // The share still works for everyone.
    sharer.send_tiles(&[(3, fake_png("fine"))]).await;
    assert_eq!(
        tiles_of(&viewer.expect_frame().await),
        vec![(3, fake_png("fine"))]
    );
    match viewer.next_within(Duration::from_millis(200)).await {
        None | Some(Received::Text(_)) => {}
        Some(Received::Frame(f)) => panic!("an extra frame of {} bytes", f.len()),
    }
}

/// The share's bytes/s limit slows the sharer down (the relay reads more slowly) rather
/// than dropping anything: five frames of 3 KB at 4 KB/s take over 1.5 s to pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bytes_per_second_limit_slows_the_sharer_and_drops_nothing() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.live.max_bytes_per_sec = 4000).await;
    let s = share_of_alice_for_bob(app).await;
    let mut viewer = LiveWs::connect(&s.app, &s.id, &s.bob.token, false).await;
    let mut sharer = LiveWs::connect(&s.app, &s.id, &s.alice.token, false).await;
    sharer.send_geometry(256, 128, 64).await;
    geometry_of(&viewer.expect_frame().await);
    let started = std::time::Instant::now();
    let big = |i: u32| {
        let mut bytes = fake_png(&format!("big-{i}"));
        bytes.resize(3000, b'.');
        (i, bytes)
    };
    for i in 0..5 {
        sharer.send_tiles(&[big(i)]).await;
    }
    for i in 0..5 {
        assert_eq!(tiles_of(&viewer.expect_frame().await), vec![big(i)]);
    }
    // The last frame waits for the debt of the three before it (about 12 KB, less the
    // first second's 4 KB) to be paid at 4 KB/s: about 2 s.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1500), "took only {took:?}");
}
