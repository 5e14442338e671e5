//! What an uploaded file holds: container, duration, and its main video and audio streams.

use std::path::Path;

use ffmpeg_next as ffmpeg;

use ffmpeg::format::context::Input;
use ffmpeg::format::stream::Disposition;
use ffmpeg::{codec, media, Rational};

use crate::{rotation, MediaError};

/// A file's container, length and the streams imshare would use.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// ffmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "mp3".
    pub container: String,
    /// Length of the clip in milliseconds (0 when the file does not say).
    pub duration_ms: i64,
    /// The main picture stream; cover art attached to audio files does not count.
    pub video: Option<VideoStream>,
    /// The main sound stream.
    pub audio: Option<AudioStream>,
}

/// The picture stream of a clip.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoStream {
    /// ffmpeg's codec name, e.g. "h264" or "hevc".
    pub codec: String,
    /// Coded width in pixels, before rotation.
    pub width: u32,
    /// Coded height in pixels, before rotation.
    pub height: u32,
    /// Clockwise turn (0, 90, 180, 270) that shows the picture upright, from the display
    /// matrix or the legacy `rotate` tag; portrait phone clips usually say 90.
    pub rotation: i32,
    /// Average frames per second (0 when unknown).
    pub fps: f64,
}

/// The sound stream of a clip.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioStream {
    /// ffmpeg's codec name, e.g. "aac", "mp3" or "opus".
    pub codec: String,
    /// Samples per second.
    pub sample_rate: u32,
    /// Number of channels.
    pub channels: u16,
}

/// Whether a file is treated as a video clip or a sound clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// Has a real picture stream.
    Video,
    /// Sound only (possibly with cover art).
    Audio,
}

impl MediaKind {
    /// "video" or "audio", as stored and shown.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Video => "video",
            Self::Audio => "audio",
        }
    }
}

impl Probe {
    /// Video if there is a real picture stream (not just cover art), else Audio.
    pub fn kind(&self) -> MediaKind {
        match self.video {
            Some(_) => MediaKind::Video,
            None => MediaKind::Audio,
        }
    }
}

impl VideoStream {
    /// Width and height as shown, after rotation.
    pub fn display_size(&self) -> (u32, u32) {
        match self.rotation {
            90 | 270 => (self.height, self.width),
            _ => (self.width, self.height),
        }
    }
}

/// Reads a file's container header and describes it; errors say what is wrong with the file.
pub fn probe(path: &Path) -> Result<Probe, MediaError> {
    crate::init();
    let input = crate::demux::open_input(path)?;
    describe(&input)
}

/// The indices of the streams imshare uses: the largest real video stream (cover art
/// excluded) and ffmpeg's pick of the audio streams.
pub(crate) fn select_streams(input: &Input) -> (Option<usize>, Option<usize>) {
    let video = input
        .streams()
        .filter(|s| s.parameters().medium() == media::Type::Video)
        .filter(|s| !s.disposition().contains(Disposition::ATTACHED_PIC))
        .filter_map(|s| video_size(&s).map(|(w, h)| (s.index(), u64::from(w) * u64::from(h))))
        .max_by_key(|&(index, area)| (area, std::cmp::Reverse(index)))
        .map(|(index, _)| index);
    let audio = input
        .streams()
        .best(media::Type::Audio)
        .filter(|s| audio_format(s).is_some())
        .map(|s| s.index());
    (video, audio)
}

/// Describes an opened file.
pub(crate) fn describe(input: &Input) -> Result<Probe, MediaError> {
    let (video_index, audio_index) = select_streams(input);
    let video = video_index.and_then(|i| input.stream(i)).and_then(|s| {
        let (width, height) = video_size(&s)?;
        Some(VideoStream {
            codec: s.parameters().id().name().to_owned(),
            width,
            height,
            rotation: rotation::of_stream(&s),
            fps: frame_rate(&s).map_or(0.0, f64::from),
        })
    });
    let audio = audio_index.and_then(|i| input.stream(i)).and_then(|s| {
        let (sample_rate, channels) = audio_format(&s)?;
        Some(AudioStream {
            codec: s.parameters().id().name().to_owned(),
            sample_rate,
            channels,
        })
    });
    if video.is_none() && audio.is_none() {
        return Err(MediaError::NotMedia);
    }
    Ok(Probe {
        container: input.format().name().to_owned(),
        duration_ms: duration_ms(input),
        video,
        audio,
    })
}

/// The stream's average frame rate, falling back to its base rate.
fn frame_rate(stream: &ffmpeg::format::stream::Stream) -> Option<Rational> {
    [stream.avg_frame_rate(), stream.rate()]
        .into_iter()
        .find(|r| r.numerator() > 0 && r.denominator() > 0)
}

fn video_size(stream: &ffmpeg::format::stream::Stream) -> Option<(u32, u32)> {
    let decoder = codec::context::Context::from_parameters(stream.parameters())
        .ok()?
        .decoder()
        .video()
        .ok()?;
    (decoder.width() > 0 && decoder.height() > 0).then(|| (decoder.width(), decoder.height()))
}

fn audio_format(stream: &ffmpeg::format::stream::Stream) -> Option<(u32, u16)> {
    let decoder = codec::context::Context::from_parameters(stream.parameters())
        .ok()?
        .decoder()
        .audio()
        .ok()?;
    (decoder.rate() > 0 && decoder.channels() > 0).then(|| (decoder.rate(), decoder.channels()))
}

fn duration_ms(input: &Input) -> i64 {
    if input.duration() > 0 {
        return input.duration() / 1000;
    }
    input
        .streams()
        .filter(|s| s.duration() > 0)
        .map(|s| (s.duration() as f64 * f64::from(s.time_base()) * 1000.0) as i64)
        .max()
        .unwrap_or(0)
}
