//! The reference sharer (`imshare live-share`'s sending side) against the real relay: a
//! viewer sees exactly the tiles that changed, and a viewer who joins late rebuilds the
//! sharer's last frame pixel for pixel.

use imshare_client::live_share::{send_frames, ws_url, Frames, SendOptions};
use imshare_live::picture::Picture;
use imshare_live::rgba::RgbaFrame;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, Backend};
use crate::live_ws::{LiveWs, MAX_TILE};

const WIDTH: u32 = 200;
const HEIGHT: u32 = 120;
const TILE: u16 = 32;

/// A busy picture (every tile differs from its neighbours), then changes in one tile and
/// in two tiles.
fn three_frames() -> Vec<RgbaFrame> {
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 4) as usize];
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let i = ((y * WIDTH + x) * 4) as usize;
            pixels[i..i + 4].copy_from_slice(&[(x * 5) as u8, (y * 3) as u8, (x ^ y) as u8, 255]);
        }
    }
    let first = pixels.clone();
    paint(&mut pixels, 40..50, 40..50, [255, 0, 0, 255]); // inside tile (1, 1)
    let second = pixels.clone();
    paint(&mut pixels, 192..200, 100..120, [0, 0, 255, 255]); // the clipped corner tile
    paint(&mut pixels, 0..3, 0..3, [0, 255, 0, 255]); // tile (0, 0)
    [first, second, pixels]
        .into_iter()
        .map(|p| RgbaFrame::new(WIDTH, HEIGHT, p).unwrap())
        .collect()
}

fn paint(pixels: &mut [u8], xs: std::ops::Range<u32>, ys: std::ops::Range<u32>, rgba: [u8; 4]) {
    for y in ys {
        for x in xs.clone() {
            let i = ((y * WIDTH + x) * 4) as usize;
            pixels[i..i + 4].copy_from_slice(&rgba);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_viewer_sees_the_sharers_last_frame_pixel_for_pixel() {
    let app = spawn_app(Backend::Sqlite).await;
    let alice = app.create_user("alice").await;
    let bob = app.create_user("bob").await;
    app.befriend(&alice, &bob).await;
    let res = app
        .post(
            "/v1/live-shares",
            &alice.token,
            json!({"viewers": [bob.id], "width": WIDTH, "height": HEIGHT, "tile_size": TILE}),
        )
        .await;
    let share = res.json::<Value>().await.unwrap()["share_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Alice's own page watches throughout and counts what the relay passes on.
    let mut watcher = LiveWs::connect(&app, &share, &alice.token, true).await;
    let frames = three_frames();
    let last = frames[2].pixels().to_vec();
    let source: Frames = Box::new(frames.into_iter().map(Ok));
    let options = SendOptions {
        tile_size: TILE,
        fps: 50.0,
        max_tile_bytes: MAX_TILE,
        progress: false,
    };
    let url = ws_url(&app.address, &share).unwrap();
    let report = send_frames(&url, &alice.token, source, &options)
        .await
        .expect("the sharer sends every frame");
    assert_eq!(report.errors().count(), 0, "{:?}", report.server_texts);
    let grid = WIDTH.div_ceil(u32::from(TILE)) * HEIGHT.div_ceil(u32::from(TILE));
    assert_eq!(
        report.tiles,
        u64::from(grid) + 1 + 2,
        "all tiles, then only changed ones"
    );

    let mut relayed = Picture::new();
    let mut tiles_seen = 0;
    for _ in 0..report.messages {
        let message = watcher.expect_frame().await;
        tiles_seen += imshare_live::protocol::decode(&message, MAX_TILE)
            .map(|f| match f {
                imshare_live::protocol::Frame::Tiles(t) => t.len(),
                imshare_live::protocol::Frame::Geometry(_) => 0,
            })
            .unwrap();
        relayed.apply_message(&message, MAX_TILE).unwrap();
    }
    assert_eq!(
        tiles_seen as u64, report.tiles,
        "the relay passes on exactly what was sent"
    );
    assert!(
        relayed.pixels() == last.as_slice(),
        "the watcher's picture is the last frame"
    );

    // Bob opens the share after the sharer has gone: the whole last picture at once.
    let mut late = LiveWs::connect(&app, &share, &bob.token, false).await;
    let mut picture = Picture::new();
    let geometry = late.expect_frame().await;
    picture.apply_message(&geometry, MAX_TILE).unwrap();
    let tiles = late.expect_frame().await;
    picture.apply_message(&tiles, MAX_TILE).unwrap();
    assert_eq!(
        picture.pixels().len(),
        last.len(),
        "the picture has the frame's size"
    );
    assert!(picture.pixels() == last.as_slice(), "pixel for pixel");
}
