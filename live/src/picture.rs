//! The receiver's side: one RGBA picture built from a share's frames, each tiles frame
//! painted over what the earlier ones left. The service's tests use it to check that a
//! viewer sees exactly what the sharer captured.

use std::io::Cursor;

use crate::protocol::{self, DecodeError, Frame, Geometry, TileFormat};
use crate::rgba::{copy_in, tile_rect};

/// Why a frame could not be applied; the text says what was wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("a tiles frame came before any geometry frame; send the geometry first")]
    NoGeometry,
    #[error("tile {index} is outside the grid of {tiles} tiles")]
    OutOfGrid { index: u32, tiles: u32 },
    #[error("tile {index} is {format:?}; this picture only decodes PNG tiles")]
    Unsupported { index: u32, format: TileFormat },
    #[error("tile {index} is not a readable PNG: {source}")]
    Png {
        index: u32,
        #[source]
        source: png::DecodingError,
    },
    #[error("tile {index} is a {color:?} {depth:?} PNG; tiles are 8-bit RGBA")]
    NotRgba8 {
        index: u32,
        color: png::ColorType,
        depth: png::BitDepth,
    },
    #[error("tile {index} is {width}×{height} px; its place in the grid is {expected_width}×{expected_height}")]
    WrongSize {
        index: u32,
        width: u32,
        height: u32,
        expected_width: usize,
        expected_height: usize,
    },
}

/// The current picture of a share: its geometry and `width × height` RGBA pixels, fully
/// transparent where no tile has come yet.
#[derive(Debug, Default)]
pub struct Picture {
    geometry: Option<Geometry>,
    pixels: Vec<u8>,
}

impl Picture {
    /// An empty picture, waiting for a geometry frame.
    pub fn new() -> Picture {
        Picture::default()
    }

    /// The geometry in force, `None` before the first geometry frame.
    pub fn geometry(&self) -> Option<Geometry> {
        self.geometry
    }

    /// The pixels, 4 bytes each (R, G, B, A), row by row; empty before the first geometry.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// Decodes one protocol message and applies it.
    pub fn apply_message(
        &mut self,
        message: &[u8],
        max_tile_bytes: usize,
    ) -> Result<(), PictureError> {
        self.apply(&protocol::decode(message, max_tile_bytes)?)
    }

    /// Applies a frame: a geometry starts a new, blank picture; tiles are painted in place.
    /// A tile that fails leaves the tiles before it painted.
    pub fn apply(&mut self, frame: &Frame<'_>) -> Result<(), PictureError> {
        let tiles = match frame {
            Frame::Geometry(g) => {
                self.geometry = Some(*g);
                self.pixels = vec![0; usize::from(g.width) * usize::from(g.height) * 4];
                return Ok(());
            }
            Frame::Tiles(tiles) => tiles,
        };
        let g = self.geometry.ok_or(PictureError::NoGeometry)?;
        for tile in tiles {
            let index = tile.index;
            let rect = tile_rect(g, index).ok_or(PictureError::OutOfGrid {
                index,
                tiles: g.tiles(),
            })?;
            if tile.format != TileFormat::Png {
                return Err(PictureError::Unsupported {
                    index,
                    format: tile.format,
                });
            }
            let png_error = |source| PictureError::Png { index, source };
            let mut reader = png::Decoder::new(Cursor::new(tile.bytes))
                .read_info()
                .map_err(png_error)?;
            let size = reader.output_buffer_size().unwrap_or(0);
            let mut buf = vec![0; size];
            let info = reader.next_frame(&mut buf).map_err(png_error)?;
            if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
                return Err(PictureError::NotRgba8 {
                    index,
                    color: info.color_type,
                    depth: info.bit_depth,
                });
            }
            if (info.width as usize, info.height as usize) != (rect.width, rect.height) {
                return Err(PictureError::WrongSize {
                    index,
                    width: info.width,
                    height: info.height,
                    expected_width: rect.width,
                    expected_height: rect.height,
                });
            }
            buf.truncate(rect.width * rect.height * 4);
            copy_in(&mut self.pixels, usize::from(g.width), rect, &buf);
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "picture_tests.rs"]
mod tests;
