//! Decoded sound → resample/downmix graph cut into 1024-sample frames → ffmpeg's AAC encoder.

use ffmpeg_next as ffmpeg;

use ffmpeg::codec::{self, encoder};
use ffmpeg::format::{sample, Sample};
use ffmpeg::{frame, ChannelLayout, Dictionary, Packet, Rational};

use super::recipe::AudioPlan;
use super::StreamSpec;
use crate::filter_graph::{FilterGraph, Medium};
use crate::MediaError;

/// The format of decoded sound; a change mid-stream (an MP3 whose later frames use
/// another sample rate) rebuilds the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape {
    rate: u32,
    format: Sample,
    layout_bits: u64,
    channels: u16,
}

/// The one AAC encoder every rendition shares.
pub(super) struct AudioEncoder {
    plan: AudioPlan,
    source_time_base: Rational,
    /// The graph and the sound format it was built for.
    graph: Option<(FilterGraph, Shape)>,
    encoder: encoder::Audio,
    time_base: Rational,
}

impl AudioEncoder {
    /// Opens the AAC encoder for `plan`; frames will arrive in `source_time_base`.
    pub fn new(plan: AudioPlan, source_time_base: Rational) -> Result<Self, MediaError> {
        let codec = encoder::find_by_name("aac").ok_or_else(|| {
            MediaError::ffmpeg("finding the AAC encoder", ffmpeg::Error::EncoderNotFound)
        })?;
        let mut context = codec::context::Context::new_with_codec(codec)
            .encoder()
            .audio()
            .map_err(|e| MediaError::ffmpeg("creating the AAC encoder", e))?;
        let layout = match plan.channels {
            1 => ChannelLayout::MONO,
            _ => ChannelLayout::STEREO,
        };
        let time_base = Rational::new(1, plan.sample_rate as i32);
        context.set_rate(plan.sample_rate as i32);
        context.set_channel_layout(layout);
        context.set_channels(layout.channels());
        context.set_format(Sample::F32(sample::Type::Planar));
        context.set_time_base(time_base);
        let mut options = Dictionary::new();
        for option in plan.aac_options() {
            options.set(option.key, &option.value);
        }
        let encoder = context
            .open_as_with(codec, options)
            .map_err(|e| MediaError::ffmpeg("opening the AAC encoder", e))?;
        Ok(Self {
            plan,
            source_time_base,
            graph: None,
            encoder,
            time_base,
        })
    }

    /// What a muxer needs to carry the audio.
    pub fn stream(&self) -> StreamSpec {
        StreamSpec {
            parameters: codec::Parameters::from(&self.encoder),
            time_base: self.time_base,
        }
    }

    /// Filters and encodes one decoded frame; finished packets go to `out`.
    pub fn push(&mut self, frame: frame::Audio, out: &mut Vec<Packet>) -> Result<(), MediaError> {
        // Entirely before time zero: priming samples an edit list asked to skip.
        let end = frame.pts().map(|pts| pts + frame.samples() as i64);
        if end.is_some_and(|end| end <= 0) {
            return Ok(());
        }
        let shape = Shape {
            rate: frame.rate(),
            format: frame.format(),
            layout_bits: frame.channel_layout().bits(),
            channels: frame.channels(),
        };
        if self.graph.as_ref().is_none_or(|(_, built)| *built != shape) {
            // The old graph's last partial frame (under 1024 samples) is dropped rather than
            // flushed: AAC takes a short frame only as the very last one.
            self.drain(out)?;
            self.graph = Some((self.build_graph(&frame)?, shape));
        }
        if let Some((graph, _)) = &mut self.graph {
            graph.push(Some(&frame))?;
        }
        self.drain(out)
    }

    /// Flushes the graph and the encoder.
    pub fn finish(&mut self, out: &mut Vec<Packet>) -> Result<(), MediaError> {
        if let Some((graph, _)) = &mut self.graph {
            graph.push(None)?;
        }
        self.drain(out)?;
        self.encode(None, out)
    }

    fn build_graph(&self, frame: &frame::Audio) -> Result<FilterGraph, MediaError> {
        let tb = self.source_time_base;
        let layout = match frame.channel_layout().bits() {
            0 => format!("channels={}", frame.channels()),
            bits => format!("channel_layout=0x{bits:x}"),
        };
        let args = format!(
            "time_base={}/{}:sample_rate={}:sample_fmt={}:{layout}",
            tb.numerator(),
            tb.denominator(),
            frame.rate(),
            frame.format().name(),
        );
        let spec = self
            .plan
            .filter_spec(FilterGraph::INPUT, &FilterGraph::output(0));
        let mut graph = FilterGraph::new(Medium::Audio, &args, &spec, 1)?;
        graph.set_frame_size(0, self.encoder.frame_size())?;
        Ok(graph)
    }

    fn drain(&mut self, out: &mut Vec<Packet>) -> Result<(), MediaError> {
        loop {
            let mut filtered = frame::Audio::empty();
            let Some((graph, _)) = &mut self.graph else {
                return Ok(());
            };
            if !graph.pull(0, &mut filtered)? {
                return Ok(());
            }
            self.encode(Some(filtered), out)?;
        }
    }

    fn encode(
        &mut self,
        frame: Option<frame::Audio>,
        out: &mut Vec<Packet>,
    ) -> Result<(), MediaError> {
        let sent = match &frame {
            Some(frame) => self.encoder.send_frame(frame),
            None => self.encoder.send_eof(),
        };
        sent.map_err(|e| MediaError::ffmpeg("encoding audio", e))?;
        loop {
            let mut packet = Packet::empty();
            match self.encoder.receive_packet(&mut packet) {
                Ok(()) => {
                    if packet.duration() <= 0 {
                        packet.set_duration(i64::from(self.encoder.frame_size()));
                    }
                    out.push(packet);
                }
                Err(ffmpeg::Error::Eof) => return Ok(()),
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {
                    return Ok(())
                }
                Err(e) => return Err(MediaError::ffmpeg("encoding audio", e)),
            }
        }
    }
}
