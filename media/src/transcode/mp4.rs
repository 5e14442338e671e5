//! A progressive-download copy: the lowest rung (or the audio) in an MP4/M4A whose index
//! (`moov`) is moved to the front when finished, so phones can start playing at once.

use std::path::{Path, PathBuf};

use ffmpeg_next as ffmpeg;

use ffmpeg::format::context::Output;
use ffmpeg::{encoder, Dictionary, Packet, Rational};

use super::StreamSpec;
use crate::MediaError;

/// An MP4 (or M4A) file being written from already-encoded packets.
pub(super) struct Mp4Writer {
    output: Output,
    path: PathBuf,
    /// (encoder time base, muxer time base) per stream.
    time_bases: Vec<(Rational, Rational)>,
}

impl Mp4Writer {
    /// Creates `path` with the muxer `format` ("mp4" or "ipod" for .m4a) and these streams.
    pub fn create(path: &Path, format: &str, streams: &[StreamSpec]) -> Result<Self, MediaError> {
        let fail = |e| MediaError::ffmpeg(format!("creating {}", path.display()), e);
        let mut output = ffmpeg::format::output_as(path, format).map_err(fail)?;
        for spec in streams {
            let mut stream = output
                .add_stream(encoder::find(spec.parameters.id()))
                .map_err(fail)?;
            stream.set_parameters(spec.parameters.clone());
            stream.set_time_base(spec.time_base);
        }
        let mut options = Dictionary::new();
        options.set("movflags", "+faststart");
        output.write_header_with(options).map_err(fail)?;
        let time_bases = output
            .streams()
            .zip(streams)
            .map(|(muxed, spec)| (spec.time_base, muxed.time_base()))
            .collect();
        Ok(Self {
            output,
            path: path.to_owned(),
            time_bases,
        })
    }

    /// Adds one packet of `stream`.
    pub fn write(&mut self, stream: usize, mut packet: Packet) -> Result<(), MediaError> {
        let (encoder_tb, muxer_tb) = self.time_bases[stream];
        packet.set_stream(stream);
        packet.rescale_ts(encoder_tb, muxer_tb);
        packet.set_position(-1);
        packet
            .write_interleaved(&mut self.output)
            .map_err(|e| MediaError::ffmpeg(format!("writing {}", self.path.display()), e))
    }

    /// Writes the index, moves it to the front and closes the file.
    pub fn finish(mut self) -> Result<PathBuf, MediaError> {
        self.output
            .write_trailer()
            .map_err(|e| MediaError::ffmpeg(format!("finishing {}", self.path.display()), e))?;
        drop(self.output);
        Ok(self.path)
    }
}
