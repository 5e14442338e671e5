//! Decoding one stream to frames whose timestamps are rebased so the clip starts at zero.

use std::ops::DerefMut;

use ffmpeg_next as ffmpeg;

use ffmpeg::codec::threading;
use ffmpeg::format::stream::Stream;
use ffmpeg::{codec, decoder, frame, Frame, Packet, Rational, Rescale};

use crate::{Limits, MediaError};

/// Frames in a row a decoder may refuse for bad data before the stream counts as corrupt.
const MAX_REFUSALS: u32 = 1000;

/// Most threads one decoder uses. Each frame thread holds its own pictures in flight, so
/// a decoder's memory grows with its thread count; past four the speed-up is small.
pub(crate) const MAX_DECODER_THREADS: usize = 4;

/// A decoder for one stream plus the bookkeeping to rebase and sanity-check timestamps.
pub(crate) struct StreamDecoder<D> {
    pub index: usize,
    pub time_base: Rational,
    decoder: D,
    /// The clip's time zero in this stream's time base.
    offset: i64,
    /// Packets the decoder refused; a few are tolerated, as the ffmpeg CLI does.
    bad_packets: u64,
    frames: u64,
    /// The limits whose pixel budget the decoder holds to, when limited.
    limits: Option<Limits>,
}

/// The decoder threads to use here: the CPU count, at most [`MAX_DECODER_THREADS`].
pub fn decoder_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_DECODER_THREADS))
}

/// Opens a decoder for a stream with frame threads, refusing pictures above `max_pixels`
/// before their buffers are allocated.
fn open_context(
    stream: &Stream,
    max_pixels: Option<u64>,
) -> Result<codec::decoder::Decoder, MediaError> {
    let id = stream.parameters().id();
    if decoder::find(id).is_none() {
        return Err(MediaError::Unsupported(format!(
            "no decoder for the {} codec",
            id.name()
        )));
    }
    let mut context = codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| MediaError::ffmpeg("reading stream parameters", e))?;
    context.set_threading(threading::Config {
        kind: threading::Type::Frame,
        count: decoder_threads(),
        ..Default::default()
    });
    if let Some(max_pixels) = max_pixels {
        // SAFETY: the context is valid and not opened yet; `max_pixels` is a plain field that
        // libavcodec checks whenever a picture size is set or a frame buffer is requested.
        unsafe { (*context.as_mut_ptr()).max_pixels = max_pixels.min(i64::MAX as u64) as i64 };
    }
    let mut decoder = context.decoder();
    decoder.set_packet_time_base(stream.time_base());
    Ok(decoder)
}

impl StreamDecoder<decoder::Video> {
    /// Opens the video decoder of `stream`; `start_us` is the clip's time zero. With
    /// `limits`, a picture above their pixel budget is refused before it is allocated.
    pub fn video(
        stream: &Stream,
        start_us: i64,
        limits: Option<Limits>,
    ) -> Result<Self, MediaError> {
        let max_pixels = limits.map(|l| l.pixel_budget());
        let decoder = open_context(stream, max_pixels)?
            .video()
            .map_err(|e| MediaError::Corrupt(format!("the video stream cannot be decoded: {e}")))?;
        let mut this = Self::wrap(stream, decoder, start_us);
        this.limits = limits;
        Ok(this)
    }

    /// Feeds a packet (or the end of stream, with `None`) and collects decoded frames.
    pub fn decode(&mut self, packet: Option<&Packet>) -> Result<Vec<frame::Video>, MediaError> {
        self.decode_with(packet, frame::Video::empty)
    }

    /// The stream's sample aspect ratio, 0/1 when unknown.
    pub fn sample_aspect(&self) -> Rational {
        self.decoder.aspect_ratio()
    }
}

impl StreamDecoder<decoder::Audio> {
    /// Opens the audio decoder of `stream`; `start_us` is the clip's time zero.
    pub fn audio(stream: &Stream, start_us: i64) -> Result<Self, MediaError> {
        let decoder = open_context(stream, None)?
            .audio()
            .map_err(|e| MediaError::Corrupt(format!("the audio stream cannot be decoded: {e}")))?;
        Ok(Self::wrap(stream, decoder, start_us))
    }

    /// Feeds a packet (or the end of stream, with `None`) and collects decoded frames.
    pub fn decode(&mut self, packet: Option<&Packet>) -> Result<Vec<frame::Audio>, MediaError> {
        self.decode_with(packet, frame::Audio::empty)
    }
}

impl<D: DerefMut<Target = decoder::Opened>> StreamDecoder<D> {
    fn wrap(stream: &Stream, decoder: D, start_us: i64) -> Self {
        Self {
            index: stream.index(),
            time_base: stream.time_base(),
            decoder,
            offset: start_us.rescale(ffmpeg::rescale::TIME_BASE, stream.time_base()),
            bad_packets: 0,
            frames: 0,
            limits: None,
        }
    }

    /// Refuses a stream that decoded nothing, or mostly refused its data; `kind` ("video",
    /// "audio") names it in the message.
    pub fn check_decoded(&self, kind: &str) -> Result<(), MediaError> {
        if self.frames == 0 {
            return Err(MediaError::Corrupt(format!(
                "nothing in the {kind} stream decodes"
            )));
        }
        if self.bad_packets > 10 && self.bad_packets > self.frames {
            return Err(MediaError::Corrupt(format!(
                "most of the {kind} stream is damaged"
            )));
        }
        Ok(())
    }

    /// Fails once the stream announces pictures larger than the limits. A decoder that
    /// refuses such a picture only reports invalid data and drops it, but its context
    /// already holds the new size, so a stream cannot smuggle large pictures past the
    /// limit by having them dropped, nor pass with part of its pictures missing.
    fn check_picture_size(&self) -> Result<(), MediaError> {
        let Some(limits) = &self.limits else {
            return Ok(());
        };
        // SAFETY: the context pointer is valid for the decoder's life; width and height are
        // plain fields libavcodec writes only inside the send/receive calls this thread makes.
        let (width, height) = unsafe {
            let context = self.decoder.as_ptr();
            ((*context).width, (*context).height)
        };
        match (u32::try_from(width), u32::try_from(height)) {
            (Ok(width), Ok(height)) if width > 0 && height > 0 => limits.check_size(width, height),
            _ => Ok(()),
        }
    }

    /// Sends one packet or the end of stream, then drains every frame that is ready, with
    /// its timestamp rebased to the clip's time zero. A damaged packet is skipped.
    fn decode_with<F: DerefMut<Target = Frame>>(
        &mut self,
        packet: Option<&Packet>,
        empty: fn() -> F,
    ) -> Result<Vec<F>, MediaError> {
        let sent = match packet {
            Some(packet) => self.decoder.send_packet(packet),
            None => self.decoder.send_eof(),
        };
        self.check_picture_size()?;
        match sent {
            Ok(()) => {}
            Err(ffmpeg::Error::InvalidData) => self.bad_packets += 1,
            Err(e) if is_drained(e) => {}
            Err(e) => return Err(MediaError::Corrupt(format!("decoding failed: {e}"))),
        }
        let mut frames = Vec::new();
        let mut refused = 0;
        loop {
            let mut frame = empty();
            match self.decoder.receive_frame(&mut frame) {
                Ok(()) => {
                    let pts = frame.timestamp().map(|pts| pts - self.offset);
                    frame.set_pts(pts);
                    self.frames += 1;
                    frames.push(frame);
                }
                Err(e) if is_drained(e) => return Ok(frames),
                Err(ffmpeg::Error::InvalidData) if refused < MAX_REFUSALS => {
                    refused += 1;
                    self.bad_packets += 1;
                }
                Err(e) => return Err(MediaError::Corrupt(format!("decoding failed: {e}"))),
            }
        }
    }
}

/// EAGAIN (feed more input) and EOF (fully flushed) both mean "no frame right now".
fn is_drained(e: ffmpeg::Error) -> bool {
    matches!(e, ffmpeg::Error::Eof)
        || matches!(e, ffmpeg::Error::Other { errno } if errno == ffmpeg::util::error::EAGAIN)
}
