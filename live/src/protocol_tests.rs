//! The decoder round-trips what the encoder writes, refuses every malformed frame with a
//! reason, and never panics on arbitrary bytes (a bounded in-tree fuzz run).

use rand::{Rng, SeedableRng};

use super::*;

const MAX_TILE: usize = 64 * 1024;

#[test]
fn frames_round_trip() {
    let geometry = Frame::Geometry(Geometry {
        width: 1920,
        height: 1080,
        tile_size: 64,
    });
    assert_eq!(decode(&encode(&geometry), MAX_TILE), Ok(geometry));
    let tiles = Frame::Tiles(vec![
        Tile {
            index: 0,
            format: TileFormat::Png,
            bytes: b"\x89PNG...",
        },
        Tile {
            index: 509,
            format: TileFormat::Webp,
            bytes: b"RIFF",
        },
    ]);
    assert_eq!(decode(&encode(&tiles), MAX_TILE), Ok(tiles));
    let g = Geometry {
        width: 1920,
        height: 1080,
        tile_size: 64,
    };
    assert_eq!(g.tiles(), 30 * 17);
}

#[test]
fn malformed_frames_say_what_is_wrong() {
    assert_eq!(
        decode(&[], MAX_TILE),
        Err(DecodeError::Truncated("the kind"))
    );
    assert_eq!(decode(&[9], MAX_TILE), Err(DecodeError::UnknownKind(9)));
    assert!(matches!(
        decode(&[1, 0, 0, 0, 10, 0, 64], MAX_TILE),
        Err(DecodeError::BadGeometry { .. })
    ));
    assert!(matches!(
        decode(&[1, 0, 10, 0, 10, 0, 8], MAX_TILE),
        Err(DecodeError::BadGeometry { .. })
    ));
    assert_eq!(decode(&[2, 0, 0], MAX_TILE), Err(DecodeError::BadCount(0)));
    assert_eq!(
        decode(&[2, 0, 1, 0, 0, 0, 1, 7], MAX_TILE),
        Err(DecodeError::BadFormat(7))
    );
    let huge = [2, 0, 1, 0, 0, 0, 1, 1, 0xff, 0xff, 0xff, 0xff];
    assert!(matches!(
        decode(&huge, MAX_TILE),
        Err(DecodeError::BadTileSize { .. })
    ));
    let short = [2, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 5, 1, 2];
    assert_eq!(
        decode(&short, MAX_TILE),
        Err(DecodeError::Truncated("a tile's bytes"))
    );
    let mut trailing = encode(&Frame::Geometry(Geometry {
        width: 10,
        height: 10,
        tile_size: 16,
    }));
    trailing.push(0);
    assert_eq!(decode(&trailing, MAX_TILE), Err(DecodeError::Trailing(1)));
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
    let valid = encode(&Frame::Tiles(vec![Tile {
        index: 3,
        format: TileFormat::Jpeg,
        bytes: &[1; 40],
    }]));
    for round in 0..20_000 {
        let mut bytes = if round % 2 == 0 {
            let len = rng.gen_range(0..64);
            (0..len).map(|_| rng.gen()).collect::<Vec<u8>>()
        } else {
            valid.clone()
        };
        // Flip, cut or extend a valid frame at random, as a broken sharer might.
        match rng.gen_range(0..3) {
            0 if !bytes.is_empty() => {
                let at = rng.gen_range(0..bytes.len());
                bytes[at] = rng.gen();
            }
            1 => bytes.truncate(rng.gen_range(0..=bytes.len())),
            _ => bytes.push(rng.gen()),
        }
        if let Ok(frame) = decode(&bytes, MAX_TILE) {
            assert_eq!(
                encode(&frame),
                bytes,
                "what decodes re-encodes to the same bytes"
            );
        }
    }
}
