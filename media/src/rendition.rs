//! What a master playlist needs to know about each rendition, before and after the transcode.

use crate::codecs::{avc1_codec, AAC_LC};
use crate::transcode::recipe::VideoPlan;
use crate::{Probe, Rung, SegmentReady};

/// The name of the rendition of an audio-only clip.
pub(crate) const AUDIO_RENDITION: &str = "audio";

/// One HLS rendition: what the master playlist says about it, and its segments.
#[derive(Debug, Clone, PartialEq)]
pub struct RenditionInfo {
    /// Rung name ("360p") or "audio".
    pub name: String,
    /// Frame width in pixels (0 for audio).
    pub width: u32,
    /// Frame height in pixels (0 for audio).
    pub height: u32,
    /// `BANDWIDTH`: planned peak before the transcode, measured peak segment bitrate after.
    pub bandwidth_bps: u64,
    /// `CODECS` (RFC 6381), e.g. "avc1.64001f,mp4a.40.2".
    pub codecs: String,
    /// Finished segments in order (empty in a plan).
    pub segments: Vec<SegmentReady>,
}

/// What `transcode` will produce for `rung` of this clip, so a master playlist can be
/// written before the first segment exists; `codecs` and the frame size are exact.
pub fn planned_rendition(probe: &Probe, rung: &Rung, audio_kbps: u32) -> RenditionInfo {
    let (width, height, video_codec) = match &probe.video {
        Some(video) => {
            let plan = VideoPlan::new(video, std::slice::from_ref(rung));
            let rung_plan = &plan.rungs[0];
            (
                rung_plan.width,
                rung_plan.height,
                Some(avc1_codec(rung_plan.level)),
            )
        }
        None => (0, 0, None),
    };
    let audio_kbps = probe.audio.as_ref().map_or(0, |_| audio_kbps);
    let codecs: Vec<String> = video_codec
        .into_iter()
        .chain(probe.audio.as_ref().map(|_| AAC_LC.to_owned()))
        .collect();
    RenditionInfo {
        name: rung.name.clone(),
        width,
        height,
        bandwidth_bps: with_overhead(rung.max_kbps() + audio_kbps),
        codecs: codecs.join(","),
        segments: Vec::new(),
    }
}

/// What `transcode` will produce for an audio-only clip.
pub fn planned_audio_rendition(audio_kbps: u32) -> RenditionInfo {
    RenditionInfo {
        name: AUDIO_RENDITION.to_owned(),
        width: 0,
        height: 0,
        bandwidth_bps: with_overhead(audio_kbps),
        codecs: AAC_LC.to_owned(),
        segments: Vec::new(),
    }
}

/// Peak payload plus ~10% for MPEG-TS packet and PES headers.
fn with_overhead(kbps: u32) -> u64 {
    u64::from(kbps) * 1100
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AudioStream, VideoStream};

    #[test]
    fn plans_match_what_the_encoder_is_told() {
        let probe = Probe {
            container: "mov,mp4,m4a,3gp,3g2,mj2".into(),
            duration_ms: 10_000,
            video: Some(VideoStream {
                codec: "h264".into(),
                width: 1920,
                height: 1080,
                rotation: 90,
                fps: 29.97,
            }),
            audio: Some(AudioStream {
                codec: "aac".into(),
                sample_rate: 44100,
                channels: 2,
            }),
        };
        let planned = planned_rendition(&probe, &Rung::new(720), 128);
        assert_eq!((planned.width, planned.height), (720, 1280));
        assert_eq!(planned.codecs, "avc1.64001f,mp4a.40.2");
        assert_eq!(planned.bandwidth_bps, (3000 + 128) * 1100);
        let audio = planned_audio_rendition(96);
        assert_eq!(
            (audio.name.as_str(), audio.codecs.as_str()),
            ("audio", "mp4a.40.2")
        );
    }
}
