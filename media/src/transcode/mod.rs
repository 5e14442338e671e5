//! Transcoding an upload into HLS renditions, a faststart MP4 (or M4A) and a poster.
//!
//! One pass: the input is decoded once; each picture goes through one filter graph that
//! turns it upright and scales it for every rung, each rung has its own libx264 encoder,
//! the sound is encoded once with AAC and shared. Each rendition is cut into MPEG-TS
//! segments by [`segmenter::Segmenter`], which reports every segment the moment its file
//! is complete, so the caller can upload it and grow the playlist while work goes on.
//!
//! Choices worth knowing:
//! - Rotation is applied to the pixels (transpose before scaling) and no rotation
//!   metadata is written: MPEG-TS cannot carry a display matrix, and upright pixels play
//!   the same everywhere.
//! - Segments cut at IDR frames forced on the first frame at or after each multiple of
//!   `segment_secs` (closed GOPs, no scene-cut keyframes), so every rendition is cut at the
//!   same instants and each segment starts with a keyframe.
//! - Encoders emit global headers (the MP4's avcC/esds) *and* in-band SPS/PPS on every
//!   IDR (`repeat-headers`), so each segment decodes on its own.
//! - Every packet gets its duration set here; a segment's duration is the distance between
//!   the keyframes that open it and the next one (or the end of the last packet).

mod audio;
mod mp4;
mod poster_grab;
mod progress;
pub(crate) mod recipe;
mod run;
mod segmenter;
mod sinks;
mod timeline;
mod video;

use std::path::{Path, PathBuf};

use ffmpeg_next::{codec, Rational};

use crate::rendition::AUDIO_RENDITION;
use crate::{Limits, MediaError, RenditionInfo, Rung};

/// What to transcode, where to, and how.
#[derive(Debug, Clone)]
pub struct TranscodeJob<'a> {
    /// The original upload.
    pub input: &'a Path,
    /// An existing or creatable directory that receives every output file.
    pub out_dir: &'a Path,
    /// Video rungs (see [`crate::ladder_for`]); ignored for audio-only inputs.
    pub rungs: Vec<Rung>,
    /// Target segment length in seconds (4.0 suits phones).
    pub segment_secs: f64,
    /// AAC bitrate in kbit/s (96 or 128).
    pub audio_kbps: u32,
    /// Held on what is decoded, frame by frame, whatever the header claims.
    pub limits: Limits,
}

/// Something the caller may act on while the transcode runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Share of the input decoded so far; reported whenever it grows by a point.
    Progress {
        /// 0 to 100; 100 only once every output is finished.
        percent: u8,
    },
    /// A segment file is complete and will not change again.
    Segment(SegmentReady),
}

/// A finished HLS segment.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentReady {
    /// The rung name, or "audio" for an audio-only clip.
    pub rendition: String,
    /// Position in the rendition's playlist, from 0.
    pub index: u32,
    /// The MPEG-TS file.
    pub path: PathBuf,
    /// Exact playing time, for `#EXTINF`.
    pub duration_secs: f64,
}

/// Everything a transcode produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    /// One per rung (or one "audio"), lowest first, with all segments.
    pub renditions: Vec<RenditionInfo>,
    /// Faststart MP4 of the lowest rung with the audio (video clips).
    pub mp4: Option<PathBuf>,
    /// Faststart M4A (audio-only clips).
    pub m4a: Option<PathBuf>,
    /// JPEG poster at the largest rung's size (video clips).
    pub poster: Option<PathBuf>,
    /// Playing time of the output.
    pub duration_ms: i64,
    /// Width of the largest rung.
    pub width: Option<u32>,
    /// Height of the largest rung.
    pub height: Option<u32>,
}

/// Transcodes `job.input` into `job.out_dir`, calling `on_event` with progress and with
/// each segment as soon as it is complete. Runs synchronously; the caller picks the thread.
///
/// Files written: `<rung>/00000.ts`, ... per rendition (`audio/` for sound only),
/// `video.mp4` or `audio.m4a`, and `poster.jpg`. Playlists are the caller's business.
pub fn transcode(
    job: &TranscodeJob,
    on_event: &mut dyn FnMut(Event),
) -> Result<Outputs, MediaError> {
    crate::init();
    run::run(job, on_event)
}

impl TranscodeJob<'_> {
    /// Refuses settings no transcode can honour, and rung names unsafe as directory names.
    fn check(&self) -> Result<(), MediaError> {
        let invalid = |what: String| Err(MediaError::InvalidJob(what));
        if !(0.5..=60.0).contains(&self.segment_secs) {
            return invalid(format!(
                "segment length {} s is outside 0.5–60 s",
                self.segment_secs
            ));
        }
        if !(16..=512).contains(&self.audio_kbps) {
            return invalid(format!(
                "audio bitrate {} kbit/s is outside 16–512",
                self.audio_kbps
            ));
        }
        for (i, rung) in self.rungs.iter().enumerate() {
            let safe_name = !rung.name.is_empty()
                && rung.name != AUDIO_RENDITION
                && rung
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !safe_name || self.rungs[..i].iter().any(|r| r.name == rung.name) {
                return invalid(format!(
                    "rung name {:?} is not a unique plain name",
                    rung.name
                ));
            }
            if !(2..=4320).contains(&rung.height) || rung.video_kbps == 0 {
                return invalid(format!("rung {} has no usable size or bitrate", rung.name));
            }
        }
        Ok(())
    }
}

/// An encoded stream as a muxer needs it.
#[derive(Clone)]
pub(crate) struct StreamSpec {
    parameters: codec::Parameters,
    time_base: Rational,
}
