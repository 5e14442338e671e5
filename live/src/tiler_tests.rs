//! The tiler sends every tile first, then only what changed, and its frames rebuild the
//! sharer's picture exactly.

use super::*;
use crate::rgba::Rect;
use crate::Picture;

const MAX_TILE: usize = 64 * 1024;

/// A `width × height` frame whose pixels all differ from their neighbours, seeded by `seed`.
fn frame(width: u32, height: u32, seed: u8) -> RgbaFrame {
    let pixels = (0..width * height * 4)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 9) as u8)
        .collect();
    RgbaFrame::new(width, height, pixels).unwrap()
}

/// Sends `messages` through the protocol's encoding into `picture`.
fn apply(picture: &mut Picture, messages: &[Vec<u8>]) {
    for message in messages {
        picture.apply_message(message, MAX_TILE).unwrap();
    }
}

#[test]
fn edge_tiles_are_clipped_to_the_picture() {
    let g = Geometry {
        width: 1920,
        height: 1080,
        tile_size: 64,
    };
    let last = g.tiles() - 1;
    assert_eq!(
        tile_rect(g, last),
        Some(Rect {
            x: 1856,
            y: 1024,
            width: 64,
            height: 56
        })
    );
    assert_eq!(tile_rect(g, last + 1), None);
}

#[test]
fn the_first_frame_sends_every_tile_and_rebuilds_the_picture() {
    let mut tiler = Tiler::new(16, MAX_TILE).unwrap();
    let first = frame(100, 70, 1);
    let changes = tiler.diff(&first);
    let g = Geometry {
        width: 100,
        height: 70,
        tile_size: 16,
    };
    assert_eq!(changes.geometry, Some(g));
    assert_eq!(changes.tiles, (0..7 * 5).collect::<Vec<u32>>());
    let tiles = tiler.encode(&first, &changes.tiles).unwrap();
    let mut picture = Picture::new();
    apply(&mut picture, &messages(changes.geometry, &tiles));
    assert_eq!(picture.geometry(), Some(g));
    assert!(picture.pixels() == first.pixels());
}

#[test]
fn only_changed_tiles_are_sent() {
    let mut tiler = Tiler::new(16, MAX_TILE).unwrap();
    let mut picture = Picture::new();
    let first = frame(100, 70, 1);
    apply(&mut picture, &tiler.messages(&first).unwrap());

    assert!(
        tiler.messages(&first).unwrap().is_empty(),
        "unchanged frame"
    );

    let mut pixels = first.clone().into_pixels();
    // Pixel (x 99, y 69) lies in the clipped bottom-right tile: column 6, row 4.
    let at = (69 * 100 + 99) * 4;
    pixels[at] = pixels[at].wrapping_add(1);
    let changed = RgbaFrame::new(100, 70, pixels).unwrap();
    let changes = tiler.diff(&changed);
    assert_eq!(changes.geometry, None);
    assert_eq!(changes.tiles, vec![4 * 7 + 6]);
    let tiles = tiler.encode(&changed, &changes.tiles).unwrap();
    apply(&mut picture, &messages(None, &tiles));
    assert!(picture.pixels() == changed.pixels());
}

#[test]
fn a_new_size_resets_the_grid() {
    let mut tiler = Tiler::new(32, MAX_TILE).unwrap();
    let mut picture = Picture::new();
    apply(&mut picture, &tiler.messages(&frame(64, 64, 1)).unwrap());
    let bigger = frame(70, 40, 2);
    let changes = tiler.diff(&bigger);
    assert_eq!(changes.geometry.map(|g| g.tiles()), Some(3 * 2));
    assert_eq!(changes.tiles.len(), 6);
    let tiles = tiler.encode(&bigger, &changes.tiles).unwrap();
    apply(&mut picture, &messages(changes.geometry, &tiles));
    assert!(picture.pixels() == bigger.pixels());
}

#[test]
fn limits_are_explained() {
    assert!(matches!(
        Tiler::new(8, MAX_TILE),
        Err(TileError::BadTileSize(8))
    ));
    let mut tiler = Tiler::new(16, 100).unwrap();
    let err = tiler.messages(&frame(32, 32, 3)).unwrap_err();
    assert!(matches!(
        err,
        TileError::TooBig {
            index: 0,
            max: 100,
            ..
        }
    ));
    assert!(err.to_string().contains("use a smaller tile size"));
}

#[test]
fn frames_stay_within_the_tile_count_and_about_a_mebibyte() {
    let tile = |index, len| EncodedTile {
        index,
        format: TileFormat::Png,
        bytes: vec![7; len],
    };
    let many: Vec<EncodedTile> = (0..5000).map(|i| tile(i, 1)).collect();
    let sizes: Vec<usize> = messages(None, &many)
        .iter()
        .map(|m| match protocol::decode(m, MAX_TILE).unwrap() {
            Frame::Tiles(t) => t.len(),
            Frame::Geometry(_) => 0,
        })
        .collect();
    assert_eq!(sizes, vec![MAX_TILES_PER_FRAME, 5000 - MAX_TILES_PER_FRAME]);
    let big: Vec<EncodedTile> = (0..5).map(|i| tile(i, 400_000)).collect();
    assert_eq!(messages(None, &big).len(), 2);
}
