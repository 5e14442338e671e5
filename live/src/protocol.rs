//! The binary frames of a live region share (SPEC §5). One WebSocket binary message is
//! one frame; integers are big-endian.
//!
//! | bytes | field |
//! |---|---|
//! | 1 | kind: `1` geometry, `2` tiles |
//! | geometry: 2 + 2 + 2 | `width`, `height` (1 to 8192 px), `tile_size` (16 to 512 px) |
//! | tiles: 2 | `count` (1 to [`MAX_TILES_PER_FRAME`]), then `count` times: |
//! | 4 | `index` of the tile, row-major over the grid of the current geometry |
//! | 1 | `format`: `1` PNG, `2` JPEG, `3` WebP |
//! | 4 | `len` (1 to the share's tile size limit), then `len` bytes of the encoded tile |
//!
//! A geometry frame starts a new picture (the tile set is reset); tiles frames carry the
//! tiles that changed. Nothing may follow the last tile. The decoder checks the framing
//! only; whether an index fits the grid is the share's business ([`Geometry::tiles`]).

/// Most tiles one frame may carry.
pub const MAX_TILES_PER_FRAME: usize = 4096;
/// Largest picture side, in pixels.
pub const MAX_SIDE: u16 = 8192;
/// The tile sides a geometry may have, in pixels.
pub const TILE_SIDES: std::ops::RangeInclusive<u16> = 16..=512;

/// The size of the shared region and of its tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub width: u16,
    pub height: u16,
    pub tile_size: u16,
}

impl Geometry {
    /// A geometry within the protocol's ranges: sides 1 to [`MAX_SIDE`], tiles 16 to 512.
    pub fn checked(width: u16, height: u16, tile_size: u16) -> Result<Geometry, DecodeError> {
        let side = 1..=MAX_SIDE;
        if !side.contains(&width) || !side.contains(&height) || !TILE_SIDES.contains(&tile_size) {
            return Err(DecodeError::BadGeometry {
                width,
                height,
                tile_size,
            });
        }
        Ok(Geometry {
            width,
            height,
            tile_size,
        })
    }

    /// How many tiles cover the picture.
    pub fn tiles(&self) -> u32 {
        let across = u32::from(self.width).div_ceil(u32::from(self.tile_size));
        let down = u32::from(self.height).div_ceil(u32::from(self.tile_size));
        across * down
    }
}

/// How a tile's bytes are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileFormat {
    Png = 1,
    Jpeg = 2,
    Webp = 3,
}

/// One tile of a tiles frame, borrowing the frame's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tile<'a> {
    pub index: u32,
    pub format: TileFormat,
    pub bytes: &'a [u8],
}

/// A decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    Geometry(Geometry),
    Tiles(Vec<Tile<'a>>),
}

/// Why a frame was refused; the text says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the frame ends early, inside {0}; send whole frames")]
    Truncated(&'static str),
    #[error("unknown frame kind {0}; 1 is geometry, 2 is tiles")]
    UnknownKind(u8),
    #[error("geometry {width}×{height} tile {tile_size} is out of range: sides 1 to 8192, tiles 16 to 512")]
    BadGeometry {
        width: u16,
        height: u16,
        tile_size: u16,
    },
    #[error("a tiles frame carries 1 to {MAX_TILES_PER_FRAME} tiles, not {0}")]
    BadCount(usize),
    #[error("tile format {0} is unknown; use 1 (PNG), 2 (JPEG) or 3 (WebP)")]
    BadFormat(u8),
    #[error("a tile is {len} bytes; tiles are 1 to {max} bytes")]
    BadTileSize { len: usize, max: usize },
    #[error("{0} bytes follow the frame's end; send one frame per message")]
    Trailing(usize),
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.0.len() < n {
            return Err(DecodeError::Truncated(what));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Decodes one frame; tiles longer than `max_tile_bytes` are refused.
pub fn decode(bytes: &[u8], max_tile_bytes: usize) -> Result<Frame<'_>, DecodeError> {
    let mut r = Reader(bytes);
    let frame = match r.u8("the kind")? {
        1 => Frame::Geometry(geometry(&mut r)?),
        2 => Frame::Tiles(tiles(&mut r, max_tile_bytes)?),
        kind => return Err(DecodeError::UnknownKind(kind)),
    };
    match r.0.len() {
        0 => Ok(frame),
        n => Err(DecodeError::Trailing(n)),
    }
}

fn geometry(r: &mut Reader<'_>) -> Result<Geometry, DecodeError> {
    let width = r.u16("the width")?;
    let height = r.u16("the height")?;
    let tile_size = r.u16("the tile size")?;
    Geometry::checked(width, height, tile_size)
}

fn tiles<'a>(r: &mut Reader<'a>, max_tile_bytes: usize) -> Result<Vec<Tile<'a>>, DecodeError> {
    let count = usize::from(r.u16("the tile count")?);
    if !(1..=MAX_TILES_PER_FRAME).contains(&count) {
        return Err(DecodeError::BadCount(count));
    }
    // Each tile takes at least 10 bytes: never reserve more than the frame could hold.
    let mut out = Vec::with_capacity(count.min(r.0.len() / 10));
    for _ in 0..count {
        let index = r.u32("a tile index")?;
        let format = match r.u8("a tile format")? {
            1 => TileFormat::Png,
            2 => TileFormat::Jpeg,
            3 => TileFormat::Webp,
            other => return Err(DecodeError::BadFormat(other)),
        };
        let len = usize::try_from(r.u32("a tile length")?).unwrap_or(usize::MAX);
        if len == 0 || len > max_tile_bytes {
            return Err(DecodeError::BadTileSize {
                len,
                max: max_tile_bytes,
            });
        }
        let bytes = r.take(len, "a tile's bytes")?;
        out.push(Tile {
            index,
            format,
            bytes,
        });
    }
    Ok(out)
}

/// Encodes a frame (the reference sharer's side, and the server's relay to viewers).
pub fn encode(frame: &Frame<'_>) -> Vec<u8> {
    match frame {
        Frame::Geometry(g) => {
            let mut out = vec![1];
            for v in [g.width, g.height, g.tile_size] {
                out.extend_from_slice(&v.to_be_bytes());
            }
            out
        }
        Frame::Tiles(tiles) => {
            let mut out = vec![2];
            let count = u16::try_from(tiles.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&count.to_be_bytes());
            for t in tiles.iter().take(usize::from(count)) {
                out.extend_from_slice(&t.index.to_be_bytes());
                out.push(t.format as u8);
                let len = u32::try_from(t.bytes.len()).unwrap_or(u32::MAX);
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(t.bytes);
            }
            out
        }
    }
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
