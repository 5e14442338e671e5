//! Live region share (SPEC §5), the parts both ends share: the binary frame protocol
//! ([`protocol`]) that the sharer, the relay and the viewer page speak. Kept apart from the
//! service so the decoder can be fuzzed on its own (`fuzz/`).

pub mod protocol;
