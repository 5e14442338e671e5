//! Cuts one rendition into MPEG-TS segments: a fresh muxer per segment, a new segment at
//! the first keyframe of the leading stream on or after each segment boundary. Because we
//! close each file ourselves we know exactly when it is complete and how long it lasts.

use std::collections::VecDeque;
use std::path::PathBuf;

use ffmpeg_next as ffmpeg;

use ffmpeg::format::context::Output;
use ffmpeg::{encoder, Packet, Rational, Rescale};

use super::{SegmentReady, StreamSpec};
use crate::MediaError;

/// MPEG-TS clock ticks per second.
const TICKS: i32 = 90_000;
/// Added to every timestamp, as the ffmpeg CLI's default `muxdelay` does, so encoder
/// delay (B-frames, AAC priming) never makes one negative.
const TS_OFFSET: i64 = 126_000;
/// Longest a stream's queue may grow while waiting for another stream's packets (a badly
/// interleaved source), before packets are written anyway.
const MAX_WAIT: i64 = 5 * TICKS as i64;

/// The segments of one rendition, written as packets arrive.
pub(super) struct Segmenter {
    rendition: String,
    dir: PathBuf,
    segment_ticks: f64,
    streams: Vec<StreamSpec>,
    /// The stream whose keyframes may start a segment: video if any, else audio.
    leader: usize,
    queues: Vec<VecDeque<Packet>>,
    done: Vec<bool>,
    current: Option<OpenSegment>,
    /// End of the latest packet written, in ticks.
    end: i64,
    segments: Vec<SegmentReady>,
    peak_bps: u64,
}

struct OpenSegment {
    output: Output,
    index: u32,
    start: i64,
    path: PathBuf,
    /// Each stream's time base inside the muxer.
    time_bases: Vec<Rational>,
}

impl Segmenter {
    /// A segmenter writing `dir/00000.ts`, `dir/00001.ts`, ...; stream 0 leads.
    pub fn new(
        rendition: &str,
        dir: PathBuf,
        segment_secs: f64,
        streams: Vec<StreamSpec>,
    ) -> Result<Self, MediaError> {
        std::fs::create_dir_all(&dir).map_err(|e| MediaError::write(&dir, e))?;
        let n = streams.len();
        Ok(Self {
            rendition: rendition.to_owned(),
            dir,
            segment_ticks: segment_secs * f64::from(TICKS),
            streams,
            leader: 0,
            queues: (0..n).map(|_| VecDeque::new()).collect(),
            done: vec![false; n],
            current: None,
            end: 0,
            segments: Vec::new(),
            peak_bps: 0,
        })
    }

    /// Queues a packet of `stream` and writes whatever can now be written in order;
    /// segments that became complete are appended to `ready`.
    pub fn push(
        &mut self,
        stream: usize,
        packet: Packet,
        ready: &mut Vec<SegmentReady>,
    ) -> Result<(), MediaError> {
        self.queues[stream].push_back(packet);
        self.drain(ready)
    }

    /// Closes the last segment once every stream has ended.
    pub fn finish(&mut self, ready: &mut Vec<SegmentReady>) -> Result<(), MediaError> {
        self.done.iter_mut().for_each(|d| *d = true);
        self.drain(ready)?;
        if let Some(segment) = self.current.take() {
            let end = self.end;
            ready.push(self.close(segment, end)?);
        }
        Ok(())
    }

    /// Every finished segment, in order.
    pub fn segments(&self) -> &[SegmentReady] {
        &self.segments
    }

    /// The highest bitrate of any segment, in bits per second (HLS `BANDWIDTH`).
    pub fn peak_bps(&self) -> u64 {
        self.peak_bps
    }

    /// The end of the rendition, in milliseconds.
    pub fn end_ms(&self) -> i64 {
        self.end.rescale((1, TICKS), (1, 1000))
    }

    /// Writes queued packets in decode-time order, as long as every unfinished stream has
    /// one queued (or a queue has waited too long).
    fn drain(&mut self, ready: &mut Vec<SegmentReady>) -> Result<(), MediaError> {
        while self.may_write() {
            let next = (0..self.queues.len())
                .filter_map(|s| {
                    self.queues[s]
                        .front()
                        .map(|p| (s, self.ticks(s, p.dts().or(p.pts()))))
                })
                .min_by_key(|&(_, dts)| dts);
            let Some((stream, _)) = next else {
                return Ok(());
            };
            if let Some(packet) = self.queues[stream].pop_front() {
                self.write(stream, packet, ready)?;
            }
        }
        Ok(())
    }

    /// Whether the next packet in decode order is known: every unfinished stream has one
    /// queued, or some queue has waited too long for the others.
    fn may_write(&self) -> bool {
        let starved = (0..self.queues.len()).any(|s| self.queues[s].is_empty() && !self.done[s]);
        let waited_too_long = (0..self.queues.len()).any(|s| self.span(s) > MAX_WAIT);
        !starved || waited_too_long
    }

    fn write(
        &mut self,
        stream: usize,
        mut packet: Packet,
        ready: &mut Vec<SegmentReady>,
    ) -> Result<(), MediaError> {
        let pts = self.ticks(stream, packet.pts().or(packet.dts()));
        if stream == self.leader && packet.is_key() {
            if let Some(segment) = self.current.take() {
                let boundary = (f64::from(segment.index + 1) * self.segment_ticks).round() as i64;
                // A tick of slack absorbs time base rounding.
                if pts + 1 >= boundary {
                    ready.push(self.close(segment, pts)?);
                } else {
                    self.current = Some(segment);
                }
            }
        }
        if self.current.is_none() {
            let index = self.segments.len() as u32;
            let start = if index == 0 { 0 } else { pts };
            self.current = Some(self.open(index, start)?);
        }
        let duration = self.ticks(stream, Some(packet.duration().max(0)));
        self.end = self.end.max(pts + duration);
        let time_base = self.streams[stream].time_base;
        let Some(segment) = self.current.as_mut() else {
            return Ok(());
        };
        let muxer_tb = segment.time_bases[stream];
        let offset = TS_OFFSET.rescale((1, TICKS), muxer_tb);
        packet.set_stream(stream);
        packet.rescale_ts(time_base, muxer_tb);
        packet.set_pts(packet.pts().map(|t| t + offset));
        packet.set_dts(packet.dts().map(|t| t + offset));
        packet.set_position(-1);
        packet
            .write_interleaved(&mut segment.output)
            .map_err(|e| MediaError::ffmpeg(format!("writing {}", segment.path.display()), e))
    }

    fn open(&self, index: u32, start: i64) -> Result<OpenSegment, MediaError> {
        let path = self.dir.join(format!("{index:05}.ts"));
        let fail = |e| MediaError::ffmpeg(format!("creating {}", path.display()), e);
        let mut output = ffmpeg::format::output_as(&path, "mpegts").map_err(fail)?;
        for spec in &self.streams {
            let mut stream = output
                .add_stream(encoder::find(spec.parameters.id()))
                .map_err(fail)?;
            stream.set_parameters(spec.parameters.clone());
            stream.set_time_base(spec.time_base);
        }
        output.write_header().map_err(fail)?;
        let time_bases = output.streams().map(|s| s.time_base()).collect();
        Ok(OpenSegment {
            output,
            index,
            start,
            path,
            time_bases,
        })
    }

    /// Finishes a segment's file, then describes it: the file is complete on return.
    fn close(&mut self, mut segment: OpenSegment, end: i64) -> Result<SegmentReady, MediaError> {
        segment
            .output
            .write_trailer()
            .map_err(|e| MediaError::ffmpeg(format!("finishing {}", segment.path.display()), e))?;
        drop(segment.output);
        let duration_secs = (end - segment.start).max(0) as f64 / f64::from(TICKS);
        let bytes = std::fs::metadata(&segment.path)
            .map_err(|e| MediaError::write(&segment.path, e))?
            .len();
        if duration_secs > 0.0 {
            self.peak_bps = self
                .peak_bps
                .max((bytes as f64 * 8.0 / duration_secs).ceil() as u64);
        }
        let ready = SegmentReady {
            rendition: self.rendition.clone(),
            index: segment.index,
            path: segment.path,
            duration_secs,
        };
        self.segments.push(ready.clone());
        Ok(ready)
    }

    /// A timestamp of `stream` in ticks (missing ones count as the clip's start).
    fn ticks(&self, stream: usize, ts: Option<i64>) -> i64 {
        ts.unwrap_or(0)
            .rescale(self.streams[stream].time_base, (1, TICKS))
    }

    /// How much decode time a stream's queue holds, in ticks.
    fn span(&self, stream: usize) -> i64 {
        let queue = &self.queues[stream];
        match (queue.front(), queue.back()) {
            (Some(first), Some(last)) => {
                self.ticks(stream, last.dts()) - self.ticks(stream, first.dts())
            }
            _ => 0,
        }
    }
}
