//! Live region share (SPEC §5): a sharer sends the tiles of a screen region that changed;
//! the server relays them to the chosen friends. The binary protocol is in `imshare-live`.

pub use imshare_live::protocol;
