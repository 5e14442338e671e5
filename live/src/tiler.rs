//! The reference sharer's tiler: cuts each captured frame into the tiles of the share's
//! grid, finds the ones that changed since the previous frame by hashing their pixels, and
//! encodes only those as PNG, ready to send as protocol frames. Diffing ([`Tiler::diff`])
//! and encoding ([`Tiler::encode`]) are separate steps so each can be timed.

use xxhash_rust::xxh3::xxh3_128;

use crate::protocol::{self, Frame, Geometry, Tile, TileFormat, MAX_TILES_PER_FRAME, TILE_SIDES};
use crate::rgba::{copy_out, tile_rect, RgbaFrame};

/// Tiles frames stop growing past this many bytes (a frame may exceed it by one tile), so
/// no WebSocket message gets large.
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// Why a frame could not be tiled; the text says what to change.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error("tile size {0} is out of range: use 16 to 512 px")]
    BadTileSize(u16),
    #[error("tile {index} encodes to {len} bytes, over the share's limit of {max}; use a smaller tile size")]
    TooBig { index: u32, len: usize, max: usize },
    #[error("encoding tile {index} as PNG failed: {source}")]
    Png {
        index: u32,
        #[source]
        source: png::EncodingError,
    },
}

/// What changed in one frame: a new geometry if the frame's size differs from the last
/// one's (then every tile counts as changed), and the indexes of the changed tiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    pub geometry: Option<Geometry>,
    pub tiles: Vec<u32>,
}

/// One changed tile, encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedTile {
    pub index: u32,
    pub format: TileFormat,
    pub bytes: Vec<u8>,
}

/// The sharer's state: the grid in use and the hash of every tile as last sent.
pub struct Tiler {
    tile_size: u16,
    max_tile_bytes: usize,
    geometry: Option<Geometry>,
    /// xxh3-128 of each tile's pixels in the last frame, by tile index.
    hashes: Vec<u128>,
    /// Reused buffer holding one tile's packed pixels.
    scratch: Vec<u8>,
}

impl Tiler {
    /// A tiler cutting `tile_size` px tiles and refusing tiles over `max_tile_bytes` once encoded.
    pub fn new(tile_size: u16, max_tile_bytes: usize) -> Result<Tiler, TileError> {
        if !TILE_SIDES.contains(&tile_size) {
            return Err(TileError::BadTileSize(tile_size));
        }
        Ok(Tiler {
            tile_size,
            max_tile_bytes,
            geometry: None,
            hashes: Vec::new(),
            scratch: Vec::new(),
        })
    }

    /// The geometry of the last frame diffed, `None` before the first.
    pub fn geometry(&self) -> Option<Geometry> {
        self.geometry
    }

    /// Compares `frame` with the previous one and remembers it: the first frame, and any
    /// frame of another size (a new geometry), has every tile changed.
    pub fn diff(&mut self, frame: &RgbaFrame) -> Changes {
        let g = Geometry {
            width: frame.width(),
            height: frame.height(),
            tile_size: self.tile_size,
        };
        let new_geometry = (self.geometry != Some(g)).then_some(g);
        if new_geometry.is_some() {
            self.geometry = Some(g);
            self.hashes.clear();
        }
        let mut tiles = Vec::new();
        for index in 0..g.tiles() {
            let Some(rect) = tile_rect(g, index) else {
                break;
            };
            copy_out(
                frame.pixels(),
                usize::from(g.width),
                rect,
                &mut self.scratch,
            );
            let hash = xxh3_128(&self.scratch);
            match self.hashes.get_mut(index as usize) {
                Some(old) if *old == hash => {}
                Some(old) => {
                    *old = hash;
                    tiles.push(index);
                }
                None => {
                    self.hashes.push(hash);
                    tiles.push(index);
                }
            }
        }
        Changes {
            geometry: new_geometry,
            tiles,
        }
    }

    /// Encodes the tiles `indexes` of `frame` (as returned by [`Tiler::diff`] for it) as PNG.
    pub fn encode(
        &mut self,
        frame: &RgbaFrame,
        indexes: &[u32],
    ) -> Result<Vec<EncodedTile>, TileError> {
        let g = Geometry {
            width: frame.width(),
            height: frame.height(),
            tile_size: self.tile_size,
        };
        let mut out = Vec::with_capacity(indexes.len());
        for &index in indexes {
            let Some(rect) = tile_rect(g, index) else {
                continue;
            };
            copy_out(
                frame.pixels(),
                usize::from(g.width),
                rect,
                &mut self.scratch,
            );
            let bytes = encode_png(rect.width as u32, rect.height as u32, &self.scratch)
                .map_err(|source| TileError::Png { index, source })?;
            if bytes.len() > self.max_tile_bytes {
                return Err(TileError::TooBig {
                    index,
                    len: bytes.len(),
                    max: self.max_tile_bytes,
                });
            }
            out.push(EncodedTile {
                index,
                format: TileFormat::Png,
                bytes,
            });
        }
        Ok(out)
    }

    /// Diffs and encodes `frame`: the protocol messages to send for it, in order (a
    /// geometry frame first when the size changed), none when nothing changed.
    pub fn messages(&mut self, frame: &RgbaFrame) -> Result<Vec<Vec<u8>>, TileError> {
        let changes = self.diff(frame);
        let tiles = self.encode(frame, &changes.tiles)?;
        Ok(messages(changes.geometry, &tiles))
    }
}

/// Protocol messages for a frame's changes: the geometry frame if any, then tiles frames
/// of at most [`MAX_TILES_PER_FRAME`] tiles and about [`MAX_FRAME_BYTES`].
pub fn messages(geometry: Option<Geometry>, tiles: &[EncodedTile]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = geometry
        .map(|g| protocol::encode(&Frame::Geometry(g)))
        .into_iter()
        .collect();
    let mut batch: Vec<Tile<'_>> = Vec::new();
    let mut batch_bytes = 0;
    for tile in tiles {
        if batch.len() == MAX_TILES_PER_FRAME || batch_bytes >= MAX_FRAME_BYTES {
            out.push(protocol::encode(&Frame::Tiles(std::mem::take(&mut batch))));
            batch_bytes = 0;
        }
        batch_bytes += tile.bytes.len();
        batch.push(Tile {
            index: tile.index,
            format: tile.format,
            bytes: &tile.bytes,
        });
    }
    if !batch.is_empty() {
        out.push(protocol::encode(&Frame::Tiles(batch)));
    }
    out
}

/// Encodes packed RGBA pixels as an 8-bit RGBA PNG with the settings every tile uses
/// (fast compression), also the reference for whole-frame encoding.
pub fn encode_png(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgba)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
#[path = "tiler_tests.rs"]
mod tests;
