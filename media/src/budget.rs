//! What one transcode may cost in memory at worst, so a worker can decide how many to run.

use crate::decode::decoder_threads;
use crate::Limits;

/// Memory a transcode needs whatever its input: libraries, x264 encoders at the ladder's
/// sizes (at most 720p by default) with their look-ahead, AAC, muxers.
const BASE_BYTES: u64 = 160 << 20;

/// Pictures of the largest accepted size alive at once at worst: H.264's 16 reference
/// frames, one in flight per decoder thread and its copy for output, and a few held by
/// the filter graph's transpose and scalers.
const PICTURES_AT_BASE: u64 = 16 + 6;

/// Bytes per pixel, doubled: an 8-bit 4:2:0 picture takes one and a half.
const BYTES_PER_PIXEL_X2: u64 = 3;

/// The most memory one transcode under `limits` may take: pictures above the pixel budget
/// are refused before they are allocated, so this bounds the pictures in memory.
pub fn worst_case_job_bytes(limits: &Limits) -> u64 {
    let pictures = PICTURES_AT_BASE + 2 * decoder_threads() as u64;
    BASE_BYTES + limits.pixel_budget() * BYTES_PER_PIXEL_X2 / 2 * pictures
}
