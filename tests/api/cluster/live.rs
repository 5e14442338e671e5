//! A live share spans nodes: the sharer on node one, a viewer on node two sees every
//! changed tile, and a viewer who joins late on a node where nobody watched yet gets the
//! whole current picture first.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::procs::{shared_redis_url, Cluster};
use crate::helpers::{spawn_app, Backend};
use crate::live_ws::{fake_png, geometry_of, tiles_of, LiveWs};

/// Reads the first picture a viewer gets: a geometry frame, then tiles frames until every
/// expected tile is there; returns the tiles by index.
async fn whole_picture(viewer: &mut LiveWs, tiles: usize) -> BTreeMap<u32, Vec<u8>> {
    let geometry = geometry_of(&viewer.expect_frame().await);
    assert_eq!(
        (geometry.width, geometry.height, geometry.tile_size),
        (128, 64, 64)
    );
    let mut picture = BTreeMap::new();
    while picture.len() < tiles {
        picture.extend(tiles_of(&viewer.expect_frame().await));
    }
    picture
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_share_spans_nodes() {
    let app = spawn_app(Backend::Postgres).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let carol = app.create_user("carol").await;
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let body = json!({"viewers": [bob.id, carol.id], "width": 128, "height": 64, "tile_size": 64});
    let share: Value = app
        .post("/v1/live-shares", &alice.token, body)
        .await
        .json()
        .await
        .unwrap();
    let share = share["share_id"].as_str().unwrap().to_owned();
    let cluster = Cluster::on(&app, &shared_redis_url());
    let one = cluster.serve().await;
    let two = cluster.serve().await;
    let three = cluster.serve().await;

    let mut sharer = LiveWs::connect_to(&one.address, &share, &alice.token, false).await;
    let mut bob_on_two = LiveWs::connect_to(&two.address, &share, &bob.token, false).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sharer.send_geometry(128, 64, 64).await;
    sharer
        .send_tiles(&[(0, fake_png("left")), (1, fake_png("right"))])
        .await;
    let first = whole_picture(&mut bob_on_two, 2).await;
    assert_eq!(
        first[&0],
        fake_png("left"),
        "node two relays the sharer's tiles"
    );
    assert_eq!(first[&1], fake_png("right"));

    sharer.send_tiles(&[(1, fake_png("right, changed"))]).await;
    let changed = tiles_of(&bob_on_two.expect_frame().await);
    assert_eq!(
        changed,
        vec![(1, fake_png("right, changed"))],
        "only what changed"
    );

    let mut carol_on_three = LiveWs::connect_to(&three.address, &share, &carol.token, false).await;
    let late = whole_picture(&mut carol_on_three, 2).await;
    assert_eq!(
        late[&0],
        fake_png("left"),
        "a late viewer on a third node gets the whole picture"
    );
    assert_eq!(late[&1], fake_png("right, changed"));

    sharer.send_tiles(&[(0, fake_png("left, changed"))]).await;
    for viewer in [&mut bob_on_two, &mut carol_on_three] {
        let got = tiles_of(&viewer.expect_frame().await);
        assert_eq!(got, vec![(0, fake_png("left, changed"))]);
    }
}
