//! The whole product on a real cluster on one machine: 2 `serve` nodes with no in-process
//! worker, 2 `imshare worker`s, PostgreSQL, Garage and a private Redis. Friends upload
//! through one node straight to Garage, a worker transcodes, a friend on the other node is
//! told and plays the HLS from Garage; group chat, region sync and a live share run across
//! the nodes. Then the faults: a worker killed mid-transcode, a node killed, Redis
//! restarted; nothing is lost.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::procs::{Cluster, Node, PrivateRedis};
use crate::clips::{generate_clip, small_clip};
use crate::garage::garage_store;
use crate::helpers::{spawn_app_with, Backend, TestApp, TestUser};
use crate::live_ws::{fake_png, geometry_of, tiles_of, LiveWs};
use crate::presigned::put_presigned;
use crate::ws::{group_send, Ws};

/// A JSON call to one node.
async fn call(
    node: &Node,
    method: reqwest::Method,
    path: &str,
    user: &TestUser,
    body: Value,
) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .request(method, format!("{}{path}", node.address))
        .bearer_auth(&user.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get(node: &Node, path: &str, user: &TestUser) -> Value {
    call(node, reqwest::Method::GET, path, user, json!(null))
        .await
        .1
}

/// Uploads `clip` through `node` straight to the store (one presigned PUT, or the parts of
/// a multipart grant); returns the media id.
async fn upload(app: &TestApp, node: &Node, user: &TestUser, clip: &[u8], title: &str) -> String {
    let body = json!({"size": clip.len(), "content_type": "video/mp4", "title": title, "visibility": "friends"});
    let (status, grant) = call(node, reqwest::Method::POST, "/v1/uploads", user, body).await;
    assert_eq!(status, StatusCode::CREATED, "{grant}");
    if grant["method"] == "multipart" {
        app.put_parts(&grant, clip).await;
    } else {
        let put = put_presigned(&reqwest::Client::new(), &grant, clip.to_vec()).await;
        assert!(put.status().is_success(), "PUT to Garage: {}", put.status());
    }
    let complete = format!(
        "/v1/uploads/{}/complete",
        grant["upload_id"].as_str().unwrap()
    );
    let (status, _) = call(node, reqwest::Method::POST, &complete, user, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    grant["media_id"].as_str().unwrap().to_owned()
}

/// Waits for `kind` on `ws` for `media_id`, acking every event on the way.
async fn expect_event(ws: &mut Ws, kind: &str, media_id: &str, limit: Duration) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = ws
            .next_within(left)
            .await
            .unwrap_or_else(|| panic!("no {kind} for {media_id}"));
        if let Some(id) = frame["event_id"].as_str() {
            ws.send(json!({"type": "event.ack", "event_ids": [id]}))
                .await;
        }
        if frame["type"] == kind && frame["media_id"] == media_id {
            return frame;
        }
    }
}

/// Fetches the master playlist, one variant and its first segment, as a player would.
async fn play_hls(hls_url: &str, garage_port: u16) -> usize {
    let client = reqwest::Client::new();
    let text = |url: String| {
        let client = client.clone();
        async move {
            let res = client.get(&url).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{url}");
            res.text().await.unwrap()
        }
    };
    let master = text(hls_url.to_owned()).await;
    let variant = master
        .lines()
        .find(|l| l.contains("index.m3u8"))
        .expect("a variant")
        .to_owned();
    let base = hls_url.rsplit_once('/').unwrap().0;
    let variant_url = if variant.starts_with("http") {
        variant
    } else {
        format!("{base}/{variant}")
    };
    let playlist = text(variant_url).await;
    let segment = playlist
        .lines()
        .find(|l| !l.starts_with('#') && !l.is_empty())
        .expect("a segment");
    assert!(
        segment.starts_with(&format!("http://127.0.0.1:{garage_port}/")),
        "segments come straight from Garage: {segment}"
    );
    let bytes = client.get(segment).send().await.unwrap();
    assert_eq!(bytes.status(), StatusCode::OK);
    bytes.bytes().await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_story_on_two_nodes_two_workers_garage_and_redis() {
    // The store and the database, shared by every process.
    let (garage, store) = garage_store().await;
    let (endpoint, store_for_app) = (store.endpoint.clone(), store.clone());
    let app = spawn_app_with(Backend::Postgres, move |s| {
        s.media.in_process_worker = false;
        s.storage = store_for_app;
    })
    .await;
    let mut redis = PrivateRedis::start();
    let cluster = Cluster::on(&app, &redis.url())
        .set("IMSHARE__STORAGE__MODE", "external")
        .set("IMSHARE__STORAGE__ENDPOINT", &endpoint)
        .set("IMSHARE__STORAGE__REGION", "garage")
        .set("IMSHARE__STORAGE__BUCKET", "imshare")
        .set(
            "IMSHARE__STORAGE__ACCESS_KEY",
            &app.settings.storage.access_key,
        )
        .set(
            "IMSHARE__STORAGE__SECRET_KEY",
            secrecy::ExposeSecret::expose_secret(&app.settings.storage.secret_key),
        )
        .set("IMSHARE__STORAGE__CAPACITY_BYTES", "1073741824")
        .set("IMSHARE__MEDIA__LEASE_SECS", "2")
        .set("IMSHARE__MEDIA__POLL_INTERVAL_MS", "100");
    let a_node = cluster.serve().await;
    let mut b_node = cluster.serve().await;
    let mut first_worker = cluster.worker();

    // 1. Sign up and make friends.
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    let group = app.create_group(&alice, &[&bob]).await;
    let mut alice_ws = Ws::connect_to(&a_node.address, &alice.token).await;
    let mut alice_phone = Ws::connect_to(&b_node.address, &alice.token).await;
    let mut bob_ws = Ws::connect_to(&b_node.address, &bob.token).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // 2–3. Upload through A straight to Garage; a worker transcodes; Alice's phone, on B,
    // is told, and Bob on B plays the HLS from Garage.
    let media_id = upload(&app, &a_node, &alice, small_clip(), "harbour").await;
    expect_event(
        &mut alice_phone,
        "media.ready",
        &media_id,
        Duration::from_secs(90),
    )
    .await;
    let play = get(&b_node, &format!("/v1/media/{media_id}/play"), &bob).await;
    let played = play_hls(play["hls_url"].as_str().expect("hls_url"), garage.s3_port).await;
    assert!(played > 0, "a segment of bytes from Garage");

    // 4. Group chat and region sync across the nodes.
    alice_ws.send(group_send(&group, "on A", "a-1")).await;
    alice_ws.expect("ack").await;
    assert_eq!(bob_ws.expect("group.message").await["body"], "on A");
    let room = json!({"url": "https://example.org/", "group_id": group});
    let (_, room) = call(
        &a_node,
        reqwest::Method::POST,
        "/v1/sync-rooms",
        &alice,
        room,
    )
    .await;
    let room = room["room_id"].as_str().unwrap().to_owned();
    bob_ws
        .send(json!({"type": "sync.join", "room_id": room}))
        .await;
    bob_ws.expect("sync.region").await;
    let region = json!({"type": "sync.region", "room_id": room, "x": 10, "y": 20, "width": 300, "height": 200, "version": 1});
    alice_ws.send(region).await;
    let seen = bob_ws.expect("sync.region").await;
    assert_eq!(
        (seen["x"].as_i64(), seen["version"].as_i64()),
        (Some(10), Some(2))
    );

    // 5. A live share: the sharer on A, the viewer on B.
    let body = json!({"viewers": [bob.id], "width": 128, "height": 64, "tile_size": 64});
    let (_, share) = call(
        &a_node,
        reqwest::Method::POST,
        "/v1/live-shares",
        &alice,
        body,
    )
    .await;
    let share = share["share_id"].as_str().unwrap().to_owned();
    let mut sharer = LiveWs::connect_to(&a_node.address, &share, &alice.token, false).await;
    let mut viewer = LiveWs::connect_to(&b_node.address, &share, &bob.token, false).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    sharer.send_geometry(128, 64, 64).await;
    sharer.send_tiles(&[(0, fake_png("tile"))]).await;
    assert_eq!(geometry_of(&viewer.expect_frame().await).width, 128);
    assert_eq!(
        tiles_of(&viewer.expect_frame().await),
        vec![(0, fake_png("tile"))]
    );

    // Fault 1: the worker is killed mid-transcode; the second worker finishes the job.
    let long = generate_clip(30, "1280x720");
    let long_id = upload(&app, &a_node, &alice, &long, "long").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(&a_node, &format!("/v1/media/{long_id}"), &alice).await["progress"]
        .as_i64()
        .unwrap_or(0)
        == 0
    {
        assert!(
            Instant::now() < deadline,
            "the first worker never started the long clip"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _second_worker = cluster.worker();
    first_worker.kill();
    expect_event(
        &mut alice_ws,
        "media.ready",
        &long_id,
        Duration::from_secs(180),
    )
    .await;

    // Fault 2: node B dies; Bob reconnects to A and loses nothing.
    for n in 0..5 {
        alice_ws
            .send(group_send(&group, &format!("burst {n}"), &format!("b-{n}")))
            .await;
        alice_ws.expect("ack").await;
        if n == 2 {
            b_node.kill();
        }
    }
    drop((bob_ws, alice_phone));
    let mut bob_ws = Ws::connect_to(&a_node.address, &bob.token).await;
    bob_ws
        .send(json!({"type": "group.sync", "group_id": group, "after_seq": 0}))
        .await;
    let mut seqs = BTreeSet::new();
    while seqs.len() < 6 {
        let got = bob_ws.expect("group.message").await;
        seqs.insert(got["seq"].as_i64().unwrap());
    }
    assert_eq!(
        seqs,
        (1..=6).collect(),
        "every stored message reaches Bob on node A"
    );
    // media.ready for the long clip is Bob's too? No: events are the owner's. Alice's
    // events were acked; nothing is owed to her.

    // Fault 3: Redis restarts; delivery between A and a fresh node C heals.
    let c_node = cluster.serve().await;
    let mut bob_on_c = Ws::connect_to(&c_node.address, &bob.token).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    redis.start_again();
    let back = Instant::now();
    let mut n = 0;
    loop {
        n += 1;
        alice_ws
            .send(group_send(&group, "after redis", &format!("r-{n}")))
            .await;
        alice_ws.expect("ack").await;
        if let Some(got) = bob_on_c.next_within(Duration::from_millis(100)).await {
            if got["body"] == "after redis" {
                break;
            }
        }
        assert!(
            back.elapsed() < Duration::from_secs(10),
            "delivery never healed after the Redis restart"
        );
    }
    eprintln!("story: Redis restart healed in {:?}", back.elapsed());
}
