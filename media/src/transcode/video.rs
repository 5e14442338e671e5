//! Decoded pictures → one filter graph (upright, rate-capped, split, scaled) → one libx264
//! encoder per rung, with IDR frames forced on segment boundaries.

use std::path::PathBuf;

use ffmpeg_next as ffmpeg;

use ffmpeg::codec::{self, encoder};
use ffmpeg::format::Pixel;
use ffmpeg::util::picture;
use ffmpeg::{frame, Dictionary, Packet, Rational, Rescale};

use super::poster_grab::PosterGrab;
use super::recipe::{VideoPlan, MAX_FPS};
use super::StreamSpec;
use crate::filter_graph::{FilterGraph, Medium};
use crate::{geometry, MediaError, VideoStream};

/// Every rung's encoder, fed from one shared filter graph.
pub(super) struct VideoEncoders {
    plan: VideoPlan,
    source_time_base: Rational,
    sample_aspect: Rational,
    graph: Option<(FilterGraph, Shape)>,
    rungs: Vec<RungEncoder>,
    segment_secs: f64,
    /// One frame's duration in the source time base, to fill in missing timestamps.
    source_frame: i64,
    last_pts: Option<i64>,
    poster: PosterGrab,
}

struct RungEncoder {
    encoder: encoder::Video,
    time_base: Rational,
    /// One frame's duration in `time_base`: every packet gets it.
    frame_duration: i64,
    /// The next segment boundary, in seconds, at which an IDR frame is forced.
    next_key: f64,
}

/// The geometry of decoded frames; a change mid-stream rebuilds the graph.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Shape {
    width: u32,
    height: u32,
    format: Pixel,
}

impl VideoEncoders {
    /// Opens one x264 encoder per rung of `plan`.
    pub fn new(
        source: &VideoStream,
        plan: VideoPlan,
        source_time_base: Rational,
        sample_aspect: Rational,
        segment_secs: f64,
        poster: PosterGrab,
    ) -> Result<Self, MediaError> {
        let time_base = match plan.capped {
            true => Rational::new(1, MAX_FPS as i32),
            false => source_time_base,
        };
        let frame_in = |tb: Rational| 1i64.rescale(plan.frame_rate.invert(), tb).max(1);
        let mut rungs = Vec::with_capacity(plan.rungs.len());
        for (i, rung) in plan.rungs.iter().enumerate() {
            let codec = encoder::find_by_name("libx264").ok_or_else(|| {
                MediaError::ffmpeg("finding libx264", ffmpeg::Error::EncoderNotFound)
            })?;
            let mut context = codec::context::Context::new_with_codec(codec)
                .encoder()
                .video()
                .map_err(|e| MediaError::ffmpeg("creating the H.264 encoder", e))?;
            context.set_width(rung.width);
            context.set_height(rung.height);
            context.set_format(Pixel::YUV420P);
            context.set_time_base(time_base);
            context.set_frame_rate(Some(plan.frame_rate));
            context.set_aspect_ratio(geometry::output_aspect(
                source,
                sample_aspect,
                rung.width,
                rung.height,
            ));
            let mut options = Dictionary::new();
            for option in plan.x264_options(i, segment_secs) {
                options.set(option.key, &option.value);
            }
            let encoder = context.open_as_with(codec, options).map_err(|e| {
                MediaError::ffmpeg(format!("opening the {} encoder", rung.rung.name), e)
            })?;
            rungs.push(RungEncoder {
                encoder,
                time_base,
                frame_duration: frame_in(time_base),
                next_key: segment_secs,
            });
        }
        Ok(Self {
            source_frame: frame_in(source_time_base),
            plan,
            source_time_base,
            sample_aspect,
            graph: None,
            rungs,
            segment_secs,
            last_pts: None,
            poster,
        })
    }

    /// What a muxer needs to carry rung `i`.
    pub fn stream(&self, i: usize) -> StreamSpec {
        StreamSpec {
            parameters: codec::Parameters::from(&self.rungs[i].encoder),
            time_base: self.rungs[i].time_base,
        }
    }

    /// Filters and encodes one decoded frame; finished packets go to `out` as (rung, packet).
    pub fn push(
        &mut self,
        frame: frame::Video,
        out: &mut Vec<(usize, Packet)>,
    ) -> Result<(), MediaError> {
        let pts = match frame.pts() {
            Some(pts) => pts,
            None => self.last_pts.map_or(0, |last| last + self.source_frame),
        };
        // Frames before time zero (edit lists) and repeated timestamps are dropped, as the
        // ffmpeg CLI's passthrough mode does.
        if pts < 0 || self.last_pts.is_some_and(|last| pts <= last) {
            return Ok(());
        }
        self.last_pts = Some(pts);
        let shape = Shape {
            width: frame.width(),
            height: frame.height(),
            format: frame.format(),
        };
        if self.graph.as_ref().is_none_or(|(_, built)| *built != shape) {
            if self.graph.is_some() {
                self.flush_graph(out)?;
            }
            self.graph = Some((self.build_graph(shape)?, shape));
        }
        let mut frame = frame;
        frame.set_pts(Some(pts));
        if let Some((graph, _)) = &mut self.graph {
            graph.push(Some(&frame))?;
        }
        self.drain(out)
    }

    /// Flushes the graph and every encoder, and writes the poster if not yet written.
    pub fn finish(
        &mut self,
        out: &mut Vec<(usize, Packet)>,
    ) -> Result<Option<PathBuf>, MediaError> {
        self.flush_graph(out)?;
        for i in 0..self.rungs.len() {
            self.encode(i, None, out)?;
        }
        self.poster.finish()
    }

    fn build_graph(&self, shape: Shape) -> Result<FilterGraph, MediaError> {
        let format: ffmpeg::ffi::AVPixelFormat = shape.format.into();
        let (tb, sar) = (self.source_time_base, self.sample_aspect);
        let args = format!(
            "video_size={}x{}:pix_fmt={}:time_base={}/{}:pixel_aspect={}/{}",
            shape.width,
            shape.height,
            format as i32,
            tb.numerator(),
            tb.denominator(),
            sar.numerator(),
            sar.denominator().max(1)
        );
        let outputs: Vec<String> = (0..self.rungs.len()).map(FilterGraph::output).collect();
        let spec = self.plan.filter_spec(FilterGraph::INPUT, &outputs);
        FilterGraph::new(Medium::Video, &args, &spec, outputs.len())
    }

    fn flush_graph(&mut self, out: &mut Vec<(usize, Packet)>) -> Result<(), MediaError> {
        if let Some((graph, _)) = &mut self.graph {
            graph.push(None)?;
        }
        self.drain(out)?;
        self.graph = None;
        Ok(())
    }

    /// Moves every filtered frame into its encoder.
    fn drain(&mut self, out: &mut Vec<(usize, Packet)>) -> Result<(), MediaError> {
        for i in 0..self.rungs.len() {
            loop {
                let mut filtered = frame::Video::empty();
                let Some((graph, _)) = &mut self.graph else {
                    return Ok(());
                };
                if !graph.pull(i, &mut filtered)? {
                    break;
                }
                let sink_time_base = graph.time_base(i)?;
                if let Some(pts) = filtered.pts() {
                    filtered.set_pts(Some(pts.rescale(sink_time_base, self.rungs[i].time_base)));
                }
                self.encode(i, Some(filtered), out)?;
            }
        }
        Ok(())
    }

    /// Sends a frame (or the end of stream) to rung `i`'s encoder and collects its packets.
    fn encode(
        &mut self,
        i: usize,
        frame: Option<frame::Video>,
        out: &mut Vec<(usize, Packet)>,
    ) -> Result<(), MediaError> {
        let largest = self.largest_rung();
        let rung = &mut self.rungs[i];
        let sent = match frame {
            Some(mut frame) => {
                let secs = frame.pts().unwrap_or(0) as f64 * f64::from(rung.time_base);
                // Decoded frames keep their source picture type, which x264 would obey.
                let mut kind = picture::Type::None;
                if secs + 1e-6 >= rung.next_key {
                    kind = picture::Type::I;
                    while rung.next_key <= secs + 1e-6 {
                        rung.next_key += self.segment_secs;
                    }
                }
                frame.set_kind(kind);
                if i == largest {
                    self.poster.offer(&frame, secs)?;
                }
                rung.encoder.send_frame(&frame)
            }
            None => rung.encoder.send_eof(),
        };
        sent.map_err(|e| MediaError::ffmpeg("encoding video", e))?;
        loop {
            let mut packet = Packet::empty();
            match rung.encoder.receive_packet(&mut packet) {
                Ok(()) => {
                    if packet.duration() <= 0 {
                        packet.set_duration(rung.frame_duration);
                    }
                    out.push((i, packet));
                }
                Err(ffmpeg::Error::Eof) => return Ok(()),
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {
                    return Ok(())
                }
                Err(e) => return Err(MediaError::ffmpeg("encoding video", e)),
            }
        }
    }

    fn largest_rung(&self) -> usize {
        (0..self.plan.rungs.len())
            .max_by_key(|&i| self.plan.rungs[i].rung.height)
            .unwrap_or(0)
    }
}
