//! Live region share (SPEC §5), the parts both ends share: the binary frame protocol
//! ([`protocol`]) that the sharer, the relay and the viewer page speak; the reference
//! sharer's [`tiler`], which cuts captured frames into tiles and keeps only the changed
//! ones; and the receiver's [`picture`], which puts tiles back together. Kept apart from
//! the service so the decoder can be fuzzed on its own (`fuzz/`).

pub mod picture;
pub mod protocol;
pub mod rgba;
pub mod tiler;

pub use picture::{Picture, PictureError};
pub use rgba::{FrameError, RgbaFrame};
pub use tiler::{Changes, EncodedTile, TileError, Tiler};
