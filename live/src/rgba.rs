//! RGBA pictures and the rectangles of the tile grid laid over them.

use crate::protocol::{Geometry, MAX_SIDE};

/// One captured picture: `width × height` pixels, 4 bytes each (R, G, B, A), row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbaFrame {
    width: u16,
    height: u16,
    pixels: Vec<u8>,
}

/// Why some bytes are not an RGBA frame the protocol can carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("a {width}×{height} picture is out of range: sides are 1 to {MAX_SIDE} px; capture a smaller region")]
    BadSize { width: u32, height: u32 },
    #[error("a {width}×{height} RGBA frame holds {expected} bytes, not {len}")]
    BadLength {
        width: u32,
        height: u32,
        expected: usize,
        len: usize,
    },
}

impl RgbaFrame {
    /// Checks that `pixels` holds exactly `width × height` RGBA pixels of a size the protocol allows.
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Result<RgbaFrame, FrameError> {
        let side = 1..=u32::from(MAX_SIDE);
        if !side.contains(&width) || !side.contains(&height) {
            return Err(FrameError::BadSize { width, height });
        }
        let expected = width as usize * height as usize * 4;
        if pixels.len() != expected {
            return Err(FrameError::BadLength {
                width,
                height,
                expected,
                len: pixels.len(),
            });
        }
        Ok(RgbaFrame {
            width: width as u16,
            height: height as u16,
            pixels,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u16 {
        self.height
    }

    /// The pixels, 4 bytes each, row by row.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// Gives the pixel buffer back.
    pub fn into_pixels(self) -> Vec<u8> {
        self.pixels
    }
}

/// Where one tile lies in the picture, in pixels; edge tiles are clipped to the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
}

/// The rectangle of tile `index` (row-major over the grid), `None` past the last tile.
pub fn tile_rect(g: Geometry, index: u32) -> Option<Rect> {
    if index >= g.tiles() {
        return None;
    }
    let (width, height, size) = (
        usize::from(g.width),
        usize::from(g.height),
        usize::from(g.tile_size),
    );
    let across = width.div_ceil(size);
    let (x, y) = (
        index as usize % across * size,
        index as usize / across * size,
    );
    Some(Rect {
        x,
        y,
        width: size.min(width - x),
        height: size.min(height - y),
    })
}

/// Replaces `out` with the pixels of `rect`, packed row after row.
pub fn copy_out(pixels: &[u8], picture_width: usize, rect: Rect, out: &mut Vec<u8>) {
    out.clear();
    for row in rect.y..rect.y + rect.height {
        let start = (row * picture_width + rect.x) * 4;
        out.extend_from_slice(&pixels[start..start + rect.width * 4]);
    }
}

/// Writes `tile` (the packed pixels of `rect`) over the picture.
pub fn copy_in(pixels: &mut [u8], picture_width: usize, rect: Rect, tile: &[u8]) {
    let row_bytes = rect.width * 4;
    for (i, src) in tile.chunks_exact(row_bytes).enumerate() {
        let start = ((rect.y + i) * picture_width + rect.x) * 4;
        pixels[start..start + row_bytes].copy_from_slice(src);
    }
}
