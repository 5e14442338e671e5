//! Where encoded packets go: every rendition's segmenter, and the MP4 (or M4A) that
//! carries the lowest rung and the sound.

use std::path::{Path, PathBuf};

use ffmpeg_next::Packet;

use super::mp4::Mp4Writer;
use super::segmenter::Segmenter;
use super::{Event, SegmentReady, StreamSpec};
use crate::rendition::AUDIO_RENDITION;
use crate::{MediaError, Rung};

/// The outputs of one transcode, fed packet by packet.
pub(super) struct Sinks {
    /// One per rung, lowest first; or one for the sound.
    segmenters: Vec<Segmenter>,
    container: Mp4Writer,
    /// The sound's stream index in segments and the container: after the picture, if any.
    audio_slot: usize,
    ready: Vec<SegmentReady>,
}

impl Sinks {
    /// A segmenter per rung (`out_dir/<rung>/`) and `out_dir/video.mp4` with rung 0;
    /// `video[i]` is rung `i`'s stream.
    pub fn for_video(
        out_dir: &Path,
        segment_secs: f64,
        rungs: &[Rung],
        video: &[StreamSpec],
        audio: Option<StreamSpec>,
    ) -> Result<Self, MediaError> {
        let with_audio = |picture: &StreamSpec| -> Vec<StreamSpec> {
            std::iter::once(picture.clone())
                .chain(audio.clone())
                .collect()
        };
        let mut segmenters = Vec::with_capacity(rungs.len());
        for (rung, stream) in rungs.iter().zip(video) {
            let dir = out_dir.join(&rung.name);
            let streams = with_audio(stream);
            segmenters.push(Segmenter::new(&rung.name, dir, segment_secs, streams)?);
        }
        let lowest = video
            .first()
            .ok_or_else(|| MediaError::InvalidJob("no rungs".into()))?;
        let mp4 = Mp4Writer::create(&out_dir.join("video.mp4"), "mp4", &with_audio(lowest))?;
        Ok(Self {
            segmenters,
            container: mp4,
            audio_slot: 1,
            ready: Vec::new(),
        })
    }

    /// One segmenter (`out_dir/audio/`) and `out_dir/audio.m4a`.
    pub fn for_audio(
        out_dir: &Path,
        segment_secs: f64,
        audio: StreamSpec,
    ) -> Result<Self, MediaError> {
        let dir = out_dir.join(AUDIO_RENDITION);
        let streams = vec![audio];
        let m4a = Mp4Writer::create(&out_dir.join("audio.m4a"), "ipod", &streams)?;
        let segmenter = Segmenter::new(AUDIO_RENDITION, dir, segment_secs, streams)?;
        Ok(Self {
            segmenters: vec![segmenter],
            container: m4a,
            audio_slot: 0,
            ready: Vec::new(),
        })
    }

    /// Takes a packet of rung `rung`.
    pub fn video(&mut self, rung: usize, packet: Packet) -> Result<(), MediaError> {
        if rung == 0 {
            self.container.write(0, packet.clone())?;
        }
        self.segmenters[rung].push(0, packet, &mut self.ready)
    }

    /// Takes a packet of the sound, which every rendition carries.
    pub fn audio(&mut self, packet: Packet) -> Result<(), MediaError> {
        for segmenter in &mut self.segmenters {
            segmenter.push(self.audio_slot, packet.clone(), &mut self.ready)?;
        }
        self.container.write(self.audio_slot, packet)
    }

    /// Reports every segment completed since the last call.
    pub fn report(&mut self, on_event: &mut dyn FnMut(Event)) {
        for segment in self.ready.drain(..) {
            on_event(Event::Segment(segment));
        }
    }

    /// Closes the last segments (reporting them) and the container; returns the
    /// segmenters, lowest rung first, and the container's path.
    pub fn finish(
        mut self,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<(Vec<Segmenter>, PathBuf), MediaError> {
        for segmenter in &mut self.segmenters {
            segmenter.finish(&mut self.ready)?;
        }
        self.report(on_event);
        let container = self.container.finish()?;
        Ok((self.segmenters, container))
    }
}
