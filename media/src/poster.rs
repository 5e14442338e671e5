//! JPEG posters: one upright frame of a clip, at a chosen moment.

use std::path::Path;

use ffmpeg_next as ffmpeg;

use ffmpeg::codec::{self, encoder};
use ffmpeg::format::Pixel;
use ffmpeg::software::scaling;
use ffmpeg::{frame, Dictionary, Packet};

use crate::decode::StreamDecoder;
use crate::demux;
use crate::filter_graph::{FilterGraph, Medium};
use crate::transcode::recipe::{VideoPlan, POSTER_QSCALE};
use crate::{ladder_for, probe, MediaError};

/// The short side of a poster taken outside a transcode: the usual top rung.
const POSTER_HEIGHT: u32 = 720;

/// Writes a JPEG of the first decodable frame at or after `at_secs` (clamped inside the
/// clip), turned upright and scaled down to at most 720 lines on its short side.
pub fn poster(input: &Path, out: &Path, at_secs: f64) -> Result<(), MediaError> {
    crate::init();
    let mut demuxer = demux::open_input(input)?;
    let probe = probe::describe(&demuxer)?;
    let (Some(video), (Some(index), _)) = (&probe.video, probe::select_streams(&demuxer)) else {
        return Err(MediaError::Unsupported(
            "the file has no picture to take a poster from".into(),
        ));
    };
    let start_us = demux::start_time_us(&demuxer, &[Some(index)]);
    let stream = demuxer.stream(index).ok_or(MediaError::NotMedia)?;
    let mut decoder = StreamDecoder::video(&stream, start_us, None)?;
    let last_moment = (probe.duration_ms as f64 / 1000.0 - 0.1).max(0.0);
    let at = if at_secs.is_finite() {
        at_secs.clamp(0.0, last_moment)
    } else {
        0.0
    };
    if at > 0.0 {
        let target = start_us + (at * 1e6) as i64;
        // On failure decoding simply starts from the beginning.
        let _ = demuxer.seek(target, ..target);
    }

    let mut chosen = None;
    let mut latest = None;
    while chosen.is_none() {
        let packet = demux::next_packet(&mut demuxer, input)?;
        if packet.as_ref().is_some_and(|p| p.stream() != index) {
            continue;
        }
        for frame in decoder.decode(packet.as_ref())? {
            let secs = frame.pts().unwrap_or(0) as f64 * f64::from(decoder.time_base);
            if chosen.is_none() && secs + 1e-6 >= at {
                chosen = Some(frame);
            } else {
                latest = Some(frame);
            }
        }
        if packet.is_none() {
            break;
        }
    }
    let frame = chosen
        .or(latest)
        .ok_or_else(|| MediaError::Corrupt("nothing in the video stream decodes".into()))?;

    let rungs = ladder_for(&probe, &[POSTER_HEIGHT]);
    let mut plan = VideoPlan::new(video, &rungs);
    plan.capped = false;
    let format: ffmpeg::ffi::AVPixelFormat = frame.format().into();
    let args = format!(
        "video_size={}x{}:pix_fmt={}:time_base=1/1:pixel_aspect=1/1",
        frame.width(),
        frame.height(),
        format as i32
    );
    let spec = plan.filter_spec(FilterGraph::INPUT, &[FilterGraph::output(0)]);
    let mut graph = FilterGraph::new(Medium::Video, &args, &spec, 1)?;
    graph.push(Some(&frame))?;
    graph.push(None)?;
    let mut upright = frame::Video::empty();
    if !graph.pull(0, &mut upright)? {
        return Err(MediaError::ffmpeg("scaling the poster", ffmpeg::Error::Bug));
    }
    write_jpeg(&upright, out)
}

/// Encodes one picture as a baseline JPEG file.
pub(crate) fn write_jpeg(picture: &frame::Video, out: &Path) -> Result<(), MediaError> {
    let fail = |e| MediaError::ffmpeg("encoding the poster", e);
    let (width, height) = (picture.width(), picture.height());
    // MJPEG wants full-range YUV; swscale converts the range on the way.
    let mut scaler = scaling::Context::get(
        picture.format(),
        width,
        height,
        Pixel::YUVJ420P,
        width,
        height,
        scaling::Flags::BICUBIC,
    )
    .map_err(fail)?;
    let mut full_range = frame::Video::empty();
    scaler.run(picture, &mut full_range).map_err(fail)?;
    full_range.set_pts(Some(0));
    let quality = POSTER_QSCALE * ffmpeg::ffi::FF_QP2LAMBDA;
    // SAFETY: `quality` is a plain int field of the frame we own; mpegvideo's encoder
    // reads the per-frame quantiser from it in qscale mode.
    unsafe { (*full_range.as_mut_ptr()).quality = quality };

    let codec = encoder::find(codec::Id::MJPEG)
        .ok_or(ffmpeg::Error::EncoderNotFound)
        .map_err(fail)?;
    let mut context = codec::context::Context::new_with_codec(codec)
        .encoder()
        .video()
        .map_err(fail)?;
    context.set_width(width);
    context.set_height(height);
    context.set_format(Pixel::YUVJ420P);
    context.set_time_base((1, 25));
    context.set_global_quality(quality);
    let mut options = Dictionary::new();
    options.set("flags", "+qscale");
    let mut encoder = context.open_as_with(codec, options).map_err(fail)?;
    encoder.send_frame(&full_range).map_err(fail)?;
    encoder.send_eof().map_err(fail)?;
    let mut packet = Packet::empty();
    encoder.receive_packet(&mut packet).map_err(fail)?;
    let bytes = packet.data().ok_or(ffmpeg::Error::Bug).map_err(fail)?;
    std::fs::write(out, bytes).map_err(|e| MediaError::write(out, e))
}
