//! Live region share (SPEC §5): a sharer sends the tiles of a screen region that changed;
//! the server relays them to the chosen friends. This holds the binary frame protocol;
//! the share's REST calls and relay are still to come.

pub mod protocol;
