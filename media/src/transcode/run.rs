//! The single pass: demux, decode, encode, and route every packet to its segmenters and
//! the MP4 as soon as it exists.

use std::path::PathBuf;

use ffmpeg_next as ffmpeg;

use ffmpeg::format::context::Input;
use ffmpeg::{decoder, Packet};

use super::audio::AudioEncoder;
use super::poster_grab::PosterGrab;
use super::progress::Progress;
use super::recipe::{AudioPlan, VideoPlan};
use super::segmenter::Segmenter;
use super::sinks::Sinks;
use super::timeline::Timeline;
use super::video::VideoEncoders;
use super::{Event, Outputs, TranscodeJob};
use crate::decode::StreamDecoder;
use crate::rendition::{planned_audio_rendition, planned_rendition};
use crate::{demux, probe, MediaError, Probe, RenditionInfo, Rung};

/// Runs a whole transcode.
pub(super) fn run(
    job: &TranscodeJob,
    on_event: &mut dyn FnMut(Event),
) -> Result<Outputs, MediaError> {
    job.check()?;
    let mut input = demux::open_input(job.input)?;
    let probe = probe::describe(&input)?;
    if probe.video.is_some() && job.rungs.is_empty() {
        return Err(MediaError::InvalidJob(
            "a video needs at least one rung".into(),
        ));
    }
    std::fs::create_dir_all(job.out_dir).map_err(|e| MediaError::write(job.out_dir, e))?;
    let mut rungs = job.rungs.clone();
    rungs.sort_by_key(|r| r.height);
    let mut pass = Pass::new(job, &input, &probe, &rungs)?;
    let mut progress = Progress::new(probe.duration_ms);

    while let Some(packet) = demux::next_packet(&mut input, job.input)? {
        pass.decode(Some(&packet))?;
        pass.route(on_event)?;
        progress.report(pass.timeline.secs(), on_event);
    }
    pass.decode(None)?;
    pass.check_decoded(&probe)?;
    let poster = pass.finish_encoders()?;
    pass.route(on_event)?;
    let outputs = pass.finish_outputs(&probe, &rungs, poster, on_event)?;
    on_event(Event::Progress { percent: 100 });
    Ok(outputs)
}

/// Decoders, encoders and outputs of one transcode.
struct Pass<'j> {
    job: &'j TranscodeJob<'j>,
    video: Option<(StreamDecoder<decoder::Video>, VideoEncoders)>,
    audio: Option<(StreamDecoder<decoder::Audio>, AudioEncoder)>,
    sinks: Sinks,
    video_packets: Vec<(usize, Packet)>,
    audio_packets: Vec<Packet>,
    timeline: Timeline,
}

impl<'j> Pass<'j> {
    fn new(
        job: &'j TranscodeJob<'j>,
        input: &Input,
        probe: &Probe,
        rungs: &[Rung],
    ) -> Result<Self, MediaError> {
        let (video_index, audio_index) = probe::select_streams(input);
        let start_us = demux::start_time_us(input, &[video_index, audio_index]);
        let stream = |i: usize| input.stream(i).ok_or(MediaError::NotMedia);
        let video = match (&probe.video, video_index) {
            (Some(source), Some(i)) => {
                let decoder = StreamDecoder::video(&stream(i)?, start_us, Some(job.limits))?;
                let at_secs = if probe.duration_ms >= 2000 { 1.0 } else { 0.0 };
                let poster = PosterGrab::new(job.out_dir.join("poster.jpg"), at_secs);
                let plan = VideoPlan::new(source, rungs);
                let (tb, sar) = (decoder.time_base, decoder.sample_aspect());
                let encoders = VideoEncoders::new(source, plan, tb, sar, job.segment_secs, poster)?;
                Some((decoder, encoders))
            }
            _ => None,
        };
        let audio = match (&probe.audio, audio_index) {
            (Some(source), Some(i)) => {
                let decoder = StreamDecoder::audio(&stream(i)?, start_us)?;
                let encoder =
                    AudioEncoder::new(AudioPlan::new(source, job.audio_kbps), decoder.time_base)?;
                Some((decoder, encoder))
            }
            _ => None,
        };
        let audio_stream = audio.as_ref().map(|(_, encoder)| encoder.stream());
        let (dir, secs) = (job.out_dir, job.segment_secs);
        let sinks = match (&video, audio_stream) {
            (Some((_, encoders)), audio_stream) => {
                let streams: Vec<_> = (0..rungs.len()).map(|i| encoders.stream(i)).collect();
                Sinks::for_video(dir, secs, rungs, &streams, audio_stream)?
            }
            (None, Some(audio_stream)) => Sinks::for_audio(dir, secs, audio_stream)?,
            (None, None) => return Err(MediaError::NotMedia),
        };
        Ok(Self {
            job,
            video,
            audio,
            sinks,
            video_packets: Vec::new(),
            audio_packets: Vec::new(),
            timeline: Timeline::new(job.limits.max_duration_ms, fps_ceiling(probe)),
        })
    }

    /// Decodes one packet (or, with `None`, drains both decoders) and encodes the frames.
    /// Every frame is checked against the limits before it goes further: its size, and
    /// the length decoded so far.
    fn decode(&mut self, packet: Option<&Packet>) -> Result<(), MediaError> {
        let stream = packet.map(|p| p.stream());
        let limits = &self.job.limits;
        if let Some((decoder, encoders)) = &mut self.video {
            if stream.is_none() || stream == Some(decoder.index) {
                for frame in decoder.decode(packet)? {
                    limits.check_size(frame.width(), frame.height())?;
                    let tb = f64::from(decoder.time_base);
                    self.timeline
                        .picture(frame.pts().map(|pts| pts as f64 * tb))?;
                    encoders.push(frame, &mut self.video_packets)?;
                }
            }
        }
        if let Some((decoder, encoder)) = &mut self.audio {
            if stream.is_none() || stream == Some(decoder.index) {
                for frame in decoder.decode(packet)? {
                    let tb = f64::from(decoder.time_base);
                    let start = frame.pts().map(|pts| pts as f64 * tb);
                    self.timeline.sound(start, frame.samples(), frame.rate())?;
                    encoder.push(frame, &mut self.audio_packets)?;
                }
            }
        }
        Ok(())
    }

    /// Refuses output from streams that never decoded, or that stop far short of the
    /// length an indexed container promises (a truncated upload).
    fn check_decoded(&self, probe: &Probe) -> Result<(), MediaError> {
        if let Some((decoder, _)) = &self.video {
            decoder.check_decoded("video")?;
        }
        if let Some((decoder, _)) = &self.audio {
            decoder.check_decoded("audio")?;
        }
        let indexed = ["mov,", "matroska"]
            .iter()
            .any(|c| probe.container.starts_with(c));
        let announced = probe.duration_ms as f64 / 1000.0;
        let decoded = self.timeline.secs();
        if indexed && decoded < announced * 0.9 - 1.0 {
            return Err(MediaError::Corrupt(format!(
                "the data ends at {decoded:.1} s of the {announced:.1} s the file announces"
            )));
        }
        Ok(())
    }

    /// Flushes every encoder; returns the poster, if one was written.
    fn finish_encoders(&mut self) -> Result<Option<PathBuf>, MediaError> {
        let mut poster = None;
        if let Some((_, encoders)) = &mut self.video {
            poster = encoders.finish(&mut self.video_packets)?;
        }
        if let Some((_, encoder)) = &mut self.audio {
            encoder.finish(&mut self.audio_packets)?;
        }
        Ok(poster)
    }

    /// Hands encoded packets to the outputs and reports finished segments.
    fn route(&mut self, on_event: &mut dyn FnMut(Event)) -> Result<(), MediaError> {
        for (rung, packet) in self.video_packets.drain(..) {
            self.sinks.video(rung, packet)?;
        }
        for packet in self.audio_packets.drain(..) {
            self.sinks.audio(packet)?;
        }
        self.sinks.report(on_event);
        Ok(())
    }

    /// Closes the last segments and the MP4, and describes everything produced.
    fn finish_outputs(
        self,
        probe: &Probe,
        rungs: &[Rung],
        poster: Option<PathBuf>,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<Outputs, MediaError> {
        let (segmenters, container) = self.sinks.finish(on_event)?;
        let renditions: Vec<RenditionInfo> = segmenters
            .iter()
            .enumerate()
            .map(|(i, segmenter)| {
                let planned = match self.video {
                    Some(_) => planned_rendition(probe, &rungs[i], self.job.audio_kbps),
                    None => planned_audio_rendition(self.job.audio_kbps),
                };
                RenditionInfo {
                    bandwidth_bps: segmenter.peak_bps(),
                    segments: segmenter.segments().to_vec(),
                    ..planned
                }
            })
            .collect();
        let largest = renditions.last().filter(|_| self.video.is_some());
        Ok(Outputs {
            duration_ms: segmenters.iter().map(Segmenter::end_ms).max().unwrap_or(0),
            width: largest.map(|r| r.width),
            height: largest.map(|r| r.height),
            mp4: self.video.is_some().then(|| container.clone()),
            m4a: self.video.is_none().then_some(container),
            poster,
            renditions,
        })
    }
}

/// The highest picture rate a clip plausibly has: counting its pictures at this rate never
/// overstates its length, yet bounds it when timestamps stand still.
fn fps_ceiling(probe: &Probe) -> f64 {
    let declared = probe.video.as_ref().map_or(0.0, |v| v.fps);
    (declared * 1.5).max(120.0)
}
