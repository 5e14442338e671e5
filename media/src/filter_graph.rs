//! A libavfilter graph with one source and numbered sinks, built from a textual spec (the
//! same text the ffmpeg CLI would get as `-filter_complex`).

use ffmpeg_next as ffmpeg;

use ffmpeg::{filter, Frame, Rational};

use crate::MediaError;

/// A configured filter graph fed through `in` and drained through `out0`, `out1`, ...
pub(crate) struct FilterGraph {
    graph: filter::Graph,
    sinks: Vec<String>,
}

/// Audio or video: which buffer filters bracket the graph.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Medium {
    Video,
    Audio,
}

impl FilterGraph {
    /// The label of the source in specs given to [`FilterGraph::new`].
    pub const INPUT: &'static str = "in";

    /// The label of sink `i` in specs given to [`FilterGraph::new`].
    pub fn output(i: usize) -> String {
        format!("out{i}")
    }

    /// Builds and configures the graph: `source_args` describe the frames that will be
    /// pushed, `spec` connects `[in]` to `[out0]`..`[out{sinks-1}]`.
    pub fn new(
        medium: Medium,
        source_args: &str,
        spec: &str,
        sinks: usize,
    ) -> Result<Self, MediaError> {
        let fail = |e| MediaError::ffmpeg(format!("building the filter graph {spec}"), e);
        let (source, sink) = match medium {
            Medium::Video => ("buffer", "buffersink"),
            Medium::Audio => ("abuffer", "abuffersink"),
        };
        let find = |name| filter::find(name).ok_or(ffmpeg::Error::FilterNotFound);
        let mut graph = filter::Graph::new();
        graph
            .add(&find(source).map_err(fail)?, Self::INPUT, source_args)
            .map_err(fail)?;
        let names: Vec<String> = (0..sinks).map(Self::output).collect();
        for name in &names {
            graph
                .add(&find(sink).map_err(fail)?, name, "")
                .map_err(fail)?;
        }
        let mut parser = graph.output(Self::INPUT, 0).map_err(fail)?;
        for name in &names {
            parser = parser.input(name, 0).map_err(fail)?;
        }
        parser.parse(spec).map_err(fail)?;
        graph.validate().map_err(fail)?;
        Ok(Self {
            graph,
            sinks: names,
        })
    }

    /// Pushes a frame (`None`: the end of the stream). The frame's data is handed over.
    pub fn push(&mut self, frame: Option<&Frame>) -> Result<(), MediaError> {
        let mut source = self.context(Self::INPUT)?;
        let mut source = source.source();
        let pushed = match frame {
            Some(frame) => source.add(frame),
            None => source.flush(),
        };
        pushed.map_err(|e| MediaError::ffmpeg("filtering a frame", e))
    }

    /// Ends the stream at `pts` (in the source's time base), as the ffmpeg CLI does: unlike
    /// pushing `None`, this tells filters such as `fps` how long the last frame lasts.
    pub fn close_at(&mut self, pts: i64) -> Result<(), MediaError> {
        let mut source = self.context(Self::INPUT)?;
        let flags = ffmpeg::ffi::AV_BUFFERSRC_FLAG_PUSH as u32;
        // SAFETY: the pointer is this graph's buffer source, alive as long as the graph.
        let ret = unsafe { ffmpeg::ffi::av_buffersrc_close(source.as_mut_ptr(), pts, flags) };
        if ret < 0 {
            return Err(MediaError::ffmpeg(
                "ending the filter graph's input",
                ret.into(),
            ));
        }
        Ok(())
    }

    /// Takes the next frame out of sink `i`; false when it has none ready.
    pub fn pull(&mut self, i: usize, frame: &mut Frame) -> Result<bool, MediaError> {
        let mut sink = self.context(&self.sinks[i].clone())?;
        match sink.sink().frame(frame) {
            Ok(()) => Ok(true),
            Err(ffmpeg::Error::Eof) => Ok(false),
            Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::util::error::EAGAIN => {
                Ok(false)
            }
            Err(e) => Err(MediaError::ffmpeg("filtering a frame", e)),
        }
    }

    /// The time base of the frames coming out of sink `i`.
    pub fn time_base(&mut self, i: usize) -> Result<Rational, MediaError> {
        Ok(self.context(&self.sinks[i].clone())?.sink().time_base())
    }

    /// Makes audio sink `i` deliver frames of exactly `samples` samples (the last may be shorter).
    pub fn set_frame_size(&mut self, i: usize, samples: u32) -> Result<(), MediaError> {
        self.context(&self.sinks[i].clone())?
            .sink()
            .set_frame_size(samples);
        Ok(())
    }

    fn context(&mut self, name: &str) -> Result<filter::Context, MediaError> {
        self.graph.get(name).ok_or_else(|| {
            MediaError::ffmpeg(
                format!("finding filter {name}"),
                ffmpeg::Error::FilterNotFound,
            )
        })
    }
}
