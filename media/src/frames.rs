//! Decoding a video to RGBA pictures at a chosen size and rate: how a screen recording is
//! replayed as a live share.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use ffmpeg_next as ffmpeg;

use ffmpeg::format::context::Input;
use ffmpeg::{decoder, frame};

use crate::decode::StreamDecoder;
use crate::demux;
use crate::filter_graph::{FilterGraph, Medium};
use crate::{probe, MediaError};

/// One picture: `width × height` pixels, 4 bytes each (R, G, B, A), row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbaPicture {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// The pictures of a video, decoded as they are asked for; after an error it ends.
pub struct RgbaFrames {
    input: Input,
    path: PathBuf,
    decoder: StreamDecoder<decoder::Video>,
    /// The libavfilter chain: rate, then size, then RGBA.
    spec: String,
    /// Built from the first decoded frame, whose format it must know.
    graph: Option<FilterGraph>,
    /// The last frame's timestamp and the gap before it (stream time base): where the
    /// stream ends, so the last frame is kept for its whole duration.
    last_pts: Option<i64>,
    step: i64,
    ready: VecDeque<RgbaPicture>,
    finished: bool,
}

/// Opens `input` to be decoded to RGBA pictures `size` (width, height; `None`: as stored,
/// without turning it upright) at `fps` pictures per second of the clip (pictures are
/// repeated or dropped as the ffmpeg CLI's `-r` does).
pub fn rgba_frames(
    input: &Path,
    size: Option<(u32, u32)>,
    fps: f64,
) -> Result<RgbaFrames, MediaError> {
    if !(fps.is_finite() && fps > 0.0 && fps <= 1000.0) {
        return Err(MediaError::InvalidJob(format!(
            "{fps} frames per second: use a rate above 0 and up to 1000"
        )));
    }
    let scale = match size {
        Some((0, _) | (_, 0)) => {
            return Err(MediaError::InvalidJob("a picture side of 0 px".into()));
        }
        Some((width, height)) => format!("scale={width}:{height}:flags=bicubic,"),
        None => String::new(),
    };
    let demuxer = demux::open_input(input)?;
    let (Some(index), _) = probe::select_streams(&demuxer) else {
        return Err(MediaError::Unsupported(
            "the file has no video to take pictures from".into(),
        ));
    };
    let start_us = demux::start_time_us(&demuxer, &[Some(index)]);
    let stream = demuxer.stream(index).ok_or(MediaError::NotMedia)?;
    let decoder = StreamDecoder::video(&stream, start_us, None)?;
    // Until two frames show the real gap, a frame is taken to last one output period.
    let step = (f64::from(stream.time_base().invert()) / fps)
        .round()
        .max(1.0) as i64;
    Ok(RgbaFrames {
        input: demuxer,
        path: input.to_owned(),
        decoder,
        spec: format!(
            "[{}]fps=fps={fps},{scale}format=rgba[{}]",
            FilterGraph::INPUT,
            FilterGraph::output(0)
        ),
        graph: None,
        last_pts: None,
        step,
        ready: VecDeque::new(),
        finished: false,
    })
}

impl Iterator for RgbaFrames {
    type Item = Result<RgbaPicture, MediaError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(picture) = self.ready.pop_front() {
                return Some(Ok(picture));
            }
            if self.finished {
                return None;
            }
            if let Err(e) = self.step() {
                self.finished = true;
                return Some(Err(e));
            }
        }
    }
}

impl RgbaFrames {
    /// Reads one packet and filters what it decodes to; at the end, flushes everything.
    fn step(&mut self) -> Result<(), MediaError> {
        let packet = demux::next_packet(&mut self.input, &self.path)?;
        if packet
            .as_ref()
            .is_some_and(|p| p.stream() != self.decoder.index)
        {
            return Ok(());
        }
        for frame in self.decoder.decode(packet.as_ref())? {
            self.filter(Some(&frame))?;
        }
        if packet.is_none() {
            self.decoder.check_decoded("video")?;
            self.filter(None)?;
            self.finished = true;
        }
        Ok(())
    }

    /// Pushes a frame (`None`: the end) through the filter chain and keeps what comes out.
    fn filter(&mut self, frame: Option<&frame::Video>) -> Result<(), MediaError> {
        if self.graph.is_none() {
            let Some(first) = frame else { return Ok(()) };
            let format: ffmpeg::ffi::AVPixelFormat = first.format().into();
            let tb = self.decoder.time_base;
            let args = format!(
                "video_size={}x{}:pix_fmt={}:time_base={}/{}:pixel_aspect=1/1",
                first.width(),
                first.height(),
                format as i32,
                tb.numerator(),
                tb.denominator()
            );
            self.graph = Some(FilterGraph::new(Medium::Video, &args, &self.spec, 1)?);
        }
        let Some(graph) = self.graph.as_mut() else {
            return Ok(());
        };
        match (frame, self.last_pts) {
            (Some(frame), last) => {
                let pts = frame.pts();
                if let (Some(pts), Some(last)) = (pts, last) {
                    if pts > last {
                        self.step = pts - last;
                    }
                }
                self.last_pts = pts.or(last);
                graph.push(Some(frame))?;
            }
            (None, Some(last)) => graph.close_at(last + self.step)?,
            (None, None) => graph.push(None)?,
        }
        let mut out = frame::Video::empty();
        while graph.pull(0, &mut out)? {
            self.ready.push_back(packed(&out));
        }
        Ok(())
    }
}

/// Copies an RGBA frame's rows without the padding ffmpeg may add after each.
fn packed(frame: &frame::Video) -> RgbaPicture {
    let (width, height) = (frame.width(), frame.height());
    let row = width as usize * 4;
    let stride = frame.stride(0);
    let data = frame.data(0);
    let mut pixels = Vec::with_capacity(row * height as usize);
    for y in 0..height as usize {
        pixels.extend_from_slice(&data[y * stride..y * stride + row]);
    }
    RgbaPicture {
        width,
        height,
        pixels,
    }
}
