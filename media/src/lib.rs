//! The only code in imshare that touches ffmpeg: probe an upload, check it against the
//! limits, plan a bitrate ladder, transcode it to HLS segments (reported one by one as
//! they finish, so playback can start before the transcode ends), a faststart MP4 or
//! M4A, and a JPEG poster; decode a video to RGBA pictures (for live shares).
//!
//! Everything here is synchronous and CPU-bound: callers run it on a blocking thread.

mod budget;
mod cli;
mod codecs;
mod decode;
mod demux;
mod error;
mod filter_graph;
mod frames;
mod geometry;
mod ladder;
mod poster;
mod probe;
mod rendition;
mod rotation;
mod transcode;
mod validate;

pub use budget::worst_case_job_bytes;
pub use cli::cli_equivalent;
pub use decode::decoder_threads;
pub use error::MediaError;
pub use frames::{rgba_frames, RgbaFrames, RgbaPicture};
pub use ladder::{ladder_for, Rung};
pub use poster::poster;
pub use probe::{probe, AudioStream, MediaKind, Probe, VideoStream};
pub use rendition::{planned_audio_rendition, planned_rendition, RenditionInfo};
pub use transcode::{transcode, Event, Outputs, SegmentReady, TranscodeJob};
pub use validate::{validate, Limits};

use std::sync::Once;

use ffmpeg_next as ffmpeg;

/// Initialises ffmpeg once per process with its logging silenced; every entry point calls it.
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Only fails if libavdevice cannot register devices, which nothing here uses.
        let _ = ffmpeg::init();
        ffmpeg::log::set_level(ffmpeg::log::Level::Quiet);
    });
}
