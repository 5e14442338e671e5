//! A picture refuses what it cannot place, saying why.

use super::*;
use crate::protocol::Tile;
use crate::tiler::encode_png;

const G: Geometry = Geometry {
    width: 40,
    height: 20,
    tile_size: 16,
};

#[test]
fn tiles_need_a_geometry_and_a_place_in_the_grid() {
    let png = encode_png(16, 16, &[9; 16 * 16 * 4]).unwrap();
    let tile = |index, format| {
        Frame::Tiles(vec![Tile {
            index,
            format,
            bytes: &png,
        }])
    };
    let mut picture = Picture::new();
    assert!(matches!(
        picture.apply(&tile(0, TileFormat::Png)),
        Err(PictureError::NoGeometry)
    ));
    picture.apply(&Frame::Geometry(G)).unwrap();
    assert_eq!(picture.pixels().len(), 40 * 20 * 4);
    picture.apply(&tile(0, TileFormat::Png)).unwrap();
    assert_eq!(&picture.pixels()[..4], &[9, 9, 9, 9]);
    assert!(matches!(
        picture.apply(&tile(6, TileFormat::Png)),
        Err(PictureError::OutOfGrid { index: 6, tiles: 6 })
    ));
    assert!(matches!(
        picture.apply(&tile(1, TileFormat::Jpeg)),
        Err(PictureError::Unsupported { .. })
    ));
    // Tile 2 is the clipped right column: 8 px wide, not 16.
    let err = picture.apply(&tile(2, TileFormat::Png)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "tile 2 is 16×16 px; its place in the grid is 8×16"
    );
    let junk = Frame::Tiles(vec![Tile {
        index: 0,
        format: TileFormat::Png,
        bytes: b"not a png",
    }]);
    assert!(matches!(
        picture.apply(&junk),
        Err(PictureError::Png { index: 0, .. })
    ));
}
