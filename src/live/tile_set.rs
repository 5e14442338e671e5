//! The current picture of a share: its geometry and the latest bytes of every tile. The
//! relay applies the sharer's frames to it and builds a late viewer's first picture from it.

use std::collections::HashMap;

use bytes::Bytes;
use imshare_live::protocol::{self, Frame, Geometry, Tile, TileFormat, MAX_TILES_PER_FRAME};

use crate::config::LiveSettings;

/// Largest message a snapshot frame is cut to (a frame always holds at least one tile).
const SNAPSHOT_FRAME_BYTES: usize = 1 << 20;

/// Why a sharer's frame was refused. Nothing of a refused frame is applied or relayed.
#[derive(Debug, thiserror::Error)]
pub enum FrameRefused {
    #[error("{0}")]
    Malformed(#[from] protocol::DecodeError),
    #[error("send a geometry frame before any tiles")]
    NoGeometry,
    #[error("geometry {width}×{height} in tiles of {tile_size} makes {tiles} tiles; at most {max} are allowed, use a larger tile size")]
    TooManyTiles {
        width: u16,
        height: u16,
        tile_size: u16,
        tiles: u32,
        max: u32,
    },
    #[error("tile index {index} is outside the {count} tiles of the current geometry")]
    IndexOutOfRange { index: u32, count: u32 },
    #[error("tile {index} is marked {format:?} but its bytes are not {format:?}")]
    WrongFormat { index: u32, format: TileFormat },
    #[error("the picture would hold {bytes} bytes of tiles, over the share's limit of {max}; use a smaller region or a stronger encoding")]
    PictureTooLarge { bytes: usize, max: usize },
}

impl FrameRefused {
    /// The code of the `error` text frame the sharer gets.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(protocol::DecodeError::BadTileSize { .. }) => "tile_too_large",
            Self::Malformed(_) => "malformed_frame",
            Self::NoGeometry => "no_geometry",
            Self::TooManyTiles { .. } => "too_many_tiles",
            Self::IndexOutOfRange { .. } => "tile_out_of_range",
            Self::WrongFormat { .. } => "wrong_tile_format",
            Self::PictureTooLarge { .. } => "picture_too_large",
        }
    }
}

/// One stored tile.
struct StoredTile {
    format: TileFormat,
    bytes: Bytes,
}

/// The share's current picture.
#[derive(Default)]
pub struct TileSet {
    geometry: Option<Geometry>,
    tiles: Vec<Option<StoredTile>>,
    /// Sum of the stored tiles' byte lengths, kept under `max_picture_bytes`.
    bytes: usize,
}

impl TileSet {
    /// Checks a sharer's frame and applies it; on success the same bytes are what viewers
    /// get. A geometry frame starts a new, empty picture.
    pub fn apply(&mut self, message: &[u8], limits: &LiveSettings) -> Result<(), FrameRefused> {
        match protocol::decode(message, limits.max_tile_bytes)? {
            Frame::Geometry(g) => {
                let tiles = within_tile_limit(g, limits)?;
                self.geometry = Some(g);
                self.tiles = (0..tiles).map(|_| None).collect();
                self.bytes = 0;
                Ok(())
            }
            Frame::Tiles(tiles) => self.apply_tiles(&tiles, limits.max_picture_bytes),
        }
    }

    fn apply_tiles(&mut self, tiles: &[Tile<'_>], max_bytes: usize) -> Result<(), FrameRefused> {
        let count = self.geometry.ok_or(FrameRefused::NoGeometry)?.tiles();
        // The size of each touched tile after the frame (the last copy of an index wins).
        let mut after: HashMap<u32, usize> = HashMap::with_capacity(tiles.len());
        for t in tiles {
            if t.index >= count {
                return Err(FrameRefused::IndexOutOfRange {
                    index: t.index,
                    count,
                });
            }
            if !looks_like(t.format, t.bytes) {
                return Err(FrameRefused::WrongFormat {
                    index: t.index,
                    format: t.format,
                });
            }
            after.insert(t.index, t.bytes.len());
        }
        let replaced: usize = after.keys().map(|&i| self.stored_len(i)).sum();
        let bytes = self.bytes - replaced + after.values().sum::<usize>();
        if bytes > max_bytes {
            return Err(FrameRefused::PictureTooLarge {
                bytes,
                max: max_bytes,
            });
        }
        for t in tiles {
            self.tiles[t.index as usize] = Some(StoredTile {
                format: t.format,
                bytes: Bytes::copy_from_slice(t.bytes),
            });
        }
        self.bytes = bytes;
        Ok(())
    }

    fn stored_len(&self, index: u32) -> usize {
        self.tiles[index as usize]
            .as_ref()
            .map_or(0, |s| s.bytes.len())
    }

    /// The whole current picture as frames: the geometry, then every tile sent so far,
    /// in frames of at most [`MAX_TILES_PER_FRAME`] tiles and about 1 MiB. Empty before
    /// the first geometry.
    pub fn snapshot(&self) -> Vec<Bytes> {
        let Some(geometry) = self.geometry else {
            return Vec::new();
        };
        let mut frames = vec![Bytes::from(protocol::encode(&Frame::Geometry(geometry)))];
        let mut batch: Vec<Tile<'_>> = Vec::new();
        let mut batch_bytes = 0;
        for (index, stored) in self.tiles.iter().enumerate() {
            let Some(stored) = stored else { continue };
            if !batch.is_empty()
                && (batch.len() == MAX_TILES_PER_FRAME
                    || batch_bytes + stored.bytes.len() > SNAPSHOT_FRAME_BYTES)
            {
                frames.push(encode_tiles(std::mem::take(&mut batch)));
                batch_bytes = 0;
            }
            batch_bytes += stored.bytes.len();
            batch.push(Tile {
                index: index as u32,
                format: stored.format,
                bytes: &stored.bytes,
            });
        }
        if !batch.is_empty() {
            frames.push(encode_tiles(batch));
        }
        frames
    }
}

/// The number of tiles of `g`, if the share allows that many.
pub fn within_tile_limit(g: Geometry, limits: &LiveSettings) -> Result<u32, FrameRefused> {
    let tiles = g.tiles();
    if tiles > limits.max_tiles {
        return Err(FrameRefused::TooManyTiles {
            width: g.width,
            height: g.height,
            tile_size: g.tile_size,
            tiles,
            max: limits.max_tiles,
        });
    }
    Ok(tiles)
}

fn encode_tiles(tiles: Vec<Tile<'_>>) -> Bytes {
    Bytes::from(protocol::encode(&Frame::Tiles(tiles)))
}

/// Whether the bytes start as the format says (the viewer's browser decodes them).
fn looks_like(format: TileFormat, bytes: &[u8]) -> bool {
    match format {
        TileFormat::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        TileFormat::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        TileFormat::Webp => bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
    }
}
