//! A live share's viewer may watch only while still the sharer's friend: after an
//! unfriending the share is gone for them over REST, on the page and for a new socket, and
//! their open socket is closed within a second. The other viewers keep watching.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::blog::{app_without_worker, page, session_through_link};
use crate::helpers::Backend;
use crate::live_ws::{fake_png, live_url, tiles_of, LiveWs};
use crate::on_both_databases;

on_both_databases!(an_unfriended_viewer_loses_the_share);

async fn an_unfriended_viewer_loses_the_share(backend: Backend) {
    let app = app_without_worker(backend).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let res = app
        .post(
            "/v1/live-shares",
            &alice.token,
            json!({"viewers": [bob.id, carol.id], "width": 128, "height": 64, "tile_size": 64}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let share = res.json::<Value>().await.unwrap()["share_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rest = format!("/v1/live-shares/{share}");
    let bobs_page = session_through_link(&app, &bob, &bob).await;
    let viewer_page = format!("/l/{share}");
    assert_eq!(
        page(&app, &viewer_page, Some(&bobs_page)).await.status,
        StatusCode::OK
    );

    let mut b = LiveWs::connect(&app, &share, &bob.token, false).await;
    let mut c = LiveWs::connect(&app, &share, &carol.token, false).await;
    let mut sharer = LiveWs::connect(&app, &share, &alice.token, false).await;
    sharer.send_geometry(128, 64, 64).await;
    sharer.send_tiles(&[(0, fake_png("first"))]).await;
    for viewer in [&mut b, &mut c] {
        viewer.expect_frame().await;
        assert_eq!(
            tiles_of(&viewer.expect_frame().await)[0].1,
            fake_png("first")
        );
    }

    let res = app
        .call(
            Method::DELETE,
            &format!("/v1/friends/{}", bob.id),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let unfriended = Instant::now();
    assert_eq!(b.close_code(Duration::from_secs(1)).await, Some(1008));
    let took = unfriended.elapsed();
    eprintln!("unfriending → live viewer socket closed in {took:?} ({backend:?})");
    assert!(took < Duration::from_secs(1), "closed after {took:?}");

    assert_eq!(
        app.get(&rest, &bob.token).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        page(&app, &viewer_page, Some(&bobs_page)).await.status,
        StatusCode::NOT_FOUND
    );
    let reopened = LiveWs::try_connect(&live_url(&app, &share, false), Some(&bob.token)).await;
    assert_eq!(
        reopened.err(),
        Some(404),
        "no new socket for the former friend"
    );

    // Carol still watches, and the share no longer lists Bob.
    sharer.send_tiles(&[(1, fake_png("second"))]).await;
    assert_eq!(tiles_of(&c.expect_frame().await)[0].1, fake_png("second"));
    assert_eq!(app.get(&rest, &carol.token).await.status(), StatusCode::OK);
    let view: Value = app.get(&rest, &alice.token).await.json().await.unwrap();
    assert_eq!(view["viewers"], json!([carol.id]));
}
