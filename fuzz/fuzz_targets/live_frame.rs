//! The live-share frame decoder on arbitrary bytes: it never panics, and whatever it
//! accepts encodes back to exactly the bytes it was given. The wire format has one
//! encoding per frame (fixed-width big-endian fields, an exact tile count, nothing after
//! the last tile), so a frame the decoder accepts but re-encodes differently would be a
//! decoder that reads something the encoder cannot write.

#![no_main]

use imshare_live::protocol::{decode, encode};
use libfuzzer_sys::fuzz_target;

/// A tile size limit small enough for the fuzzer to cross it often.
const MAX_TILE_BYTES: usize = 1024;

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = decode(data, MAX_TILE_BYTES) {
        assert_eq!(encode(&frame), data, "decoded {frame:?}");
    }
});
