//! The encoding recipe: filter graphs and encoder options, written once and used both by
//! the transcoder and by `cli_equivalent`, so the two cannot drift apart.

use ffmpeg_next::Rational;

use crate::codecs::h264_level;
use crate::geometry;
use crate::ladder::Rung;
use crate::{rotation, AudioStream, VideoStream};

/// x264 speed/quality trade-off: fast enough for a first segment within seconds.
pub(crate) const X264_PRESET: &str = "veryfast";
/// H.264 profile; every phone in use decodes High.
pub(crate) const X264_PROFILE: &str = "high";
/// Clips filmed faster than this are played at this rate: slow networks gain nothing from
/// 60 or 240 frames per second.
pub(crate) const MAX_FPS: u32 = 30;
/// Frame rate assumed when the file does not say.
const DEFAULT_FPS: u32 = 30;
/// JPEG quantiser of posters (2 is best, 31 worst), as the CLI's `-q:v`.
pub(crate) const POSTER_QSCALE: i32 = 3;

/// How the picture of one clip is turned, rated and scaled for every rung.
#[derive(Debug, Clone)]
pub(crate) struct VideoPlan {
    pub rotation: i32,
    /// Frame rate given to the encoder.
    pub frame_rate: Rational,
    /// Whether the `fps` filter caps the rate (it then also sets the time base).
    pub capped: bool,
    pub rungs: Vec<RungPlan>,
}

/// One rung's output picture and H.264 level.
#[derive(Debug, Clone)]
pub(crate) struct RungPlan {
    pub rung: Rung,
    pub width: u32,
    pub height: u32,
    /// `level_idc`: 31 for level 3.1.
    pub level: u8,
}

impl VideoPlan {
    /// Plans every rung for this source.
    pub fn new(video: &VideoStream, rungs: &[Rung]) -> Self {
        let source_fps = Some(video.fps).filter(|f| f.is_finite() && *f > 0.0);
        let capped = source_fps.is_some_and(|f| f > f64::from(MAX_FPS) + 0.5);
        let frame_rate = match source_fps {
            Some(_) if capped => Rational::new(MAX_FPS as i32, 1),
            Some(f) => Rational::from(f),
            None => Rational::new(DEFAULT_FPS as i32, 1),
        };
        let fps = f64::from(frame_rate);
        let rungs = rungs
            .iter()
            .map(|rung| {
                let (width, height) = geometry::frame_size(video, rung);
                let level = h264_level(width, height, fps, rung.max_kbps());
                RungPlan {
                    rung: rung.clone(),
                    width,
                    height,
                    level,
                }
            })
            .collect();
        Self {
            rotation: video.rotation,
            frame_rate,
            capped,
            rungs,
        }
    }

    /// Frames per segment: the encoder's keyframe interval.
    pub fn keyint(&self, segment_secs: f64) -> u32 {
        ((segment_secs * f64::from(self.frame_rate)).round() as u32).max(1)
    }

    /// The filter graph from `[input]` to one `[outputs[i]]` per rung: turn upright, cap
    /// the rate, split, then scale each copy with bicubic swscale to 8-bit 4:2:0.
    pub fn filter_spec(&self, input: &str, outputs: &[String]) -> String {
        let mut head = format!("[{input}]{}", rotation::filter(self.rotation));
        if self.capped {
            head.push_str(&format!("fps={MAX_FPS},"));
        }
        let scale = |i: usize| {
            let plan = &self.rungs[i];
            let (w, h, out) = (plan.width, plan.height, &outputs[i]);
            format!("scale={w}:{h}:flags=bicubic,format=yuv420p[{out}]")
        };
        let n = self.rungs.len();
        if n == 1 {
            return format!("{head}{}", scale(0));
        }
        let branches: String = (0..n).map(|i| format!("[s{i}]")).collect();
        let mut spec = format!("{head}split={n}{branches}");
        for i in 0..n {
            spec.push_str(&format!(";[s{i}]{}", scale(i)));
        }
        spec
    }

    /// libx264 options for rung `i`, as `-key value` pairs of the ffmpeg CLI; `per_stream`
    /// marks the ones that differ between rungs.
    pub fn x264_options(&self, i: usize, segment_secs: f64) -> Vec<CodecOption> {
        let plan = &self.rungs[i];
        let keyint = self.keyint(segment_secs);
        let level = format!("{}.{}", plan.level / 10, plan.level % 10);
        vec![
            CodecOption::shared("preset", X264_PRESET),
            CodecOption::shared("profile", X264_PROFILE),
            // In-band SPS/PPS on every IDR so each segment decodes alone; no scene-cut
            // keyframes so segments are cut only where we force them.
            CodecOption::per_stream(
                "x264-params",
                format!(
                    "keyint={keyint}:min-keyint={keyint}:scenecut=0:repeat-headers=1:level={level}"
                ),
            ),
            CodecOption::shared("forced-idr", "1"),
            // Added to libx264's default closed-GOP flag: the MP4 needs the avcC up front.
            CodecOption::shared("flags", "+global_header"),
            CodecOption::per_stream("b", format!("{}k", plan.rung.video_kbps)),
            CodecOption::per_stream("maxrate", format!("{}k", plan.rung.max_kbps())),
            CodecOption::per_stream("bufsize", format!("{}k", plan.rung.buffer_kbits())),
        ]
    }
}

/// How the sound of one clip is resampled and encoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AudioPlan {
    pub sample_rate: u32,
    pub channels: u16,
    pub kbps: u32,
}

impl AudioPlan {
    /// AAC at the source rate when AAC supports it (48 kHz otherwise), mono or stereo.
    pub fn new(audio: &AudioStream, kbps: u32) -> Self {
        const AAC_RATES: [u32; 9] = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];
        let sample_rate = match AAC_RATES.contains(&audio.sample_rate) {
            true => audio.sample_rate,
            false => 48000,
        };
        let channels = if audio.channels == 1 { 1 } else { 2 };
        Self {
            sample_rate,
            channels,
            kbps,
        }
    }

    /// The filter graph from `[input]` to `[output]`: resample and downmix to planar float.
    pub fn filter_spec(&self, input: &str, output: &str) -> String {
        let layout = if self.channels == 1 { "mono" } else { "stereo" };
        format!(
            "[{input}]aresample={},aformat=sample_fmts=fltp:channel_layouts={layout}[{output}]",
            self.sample_rate
        )
    }

    /// Options of ffmpeg's native AAC encoder.
    pub fn aac_options(&self) -> Vec<CodecOption> {
        vec![
            CodecOption::shared("b", format!("{}k", self.kbps)),
            // The MP4 needs the AudioSpecificConfig up front; MPEG-TS gets ADTS headers.
            CodecOption::shared("flags", "+global_header"),
        ]
    }
}

/// One encoder option, named as on the ffmpeg CLI.
#[derive(Debug, Clone)]
pub(crate) struct CodecOption {
    pub key: &'static str,
    pub value: String,
    /// Differs between the video streams, so the CLI needs a stream specifier.
    pub per_stream: bool,
}

impl CodecOption {
    fn shared(key: &'static str, value: impl Into<String>) -> Self {
        Self {
            key,
            value: value.into(),
            per_stream: false,
        }
    }

    fn per_stream(key: &'static str, value: impl Into<String>) -> Self {
        Self {
            key,
            value: value.into(),
            per_stream: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video(width: u32, height: u32, rotation: i32, fps: f64) -> VideoStream {
        VideoStream {
            codec: "h264".into(),
            width,
            height,
            rotation,
            fps,
        }
    }

    #[test]
    fn graphs_split_once_and_scale_each_rung() {
        let plan = VideoPlan::new(
            &video(1280, 720, 90, 60.0),
            &[Rung::new(360), Rung::new(720)],
        );
        assert_eq!(plan.frame_rate, Rational::new(30, 1));
        let outs = ["o0".to_owned(), "o1".to_owned()];
        assert_eq!(
            plan.filter_spec("in", &outs),
            "[in]transpose=clock,fps=30,split=2[s0][s1];\
             [s0]scale=360:640:flags=bicubic,format=yuv420p[o0];\
             [s1]scale=720:1280:flags=bicubic,format=yuv420p[o1]"
        );
        assert_eq!(plan.keyint(4.0), 120);
        let single = VideoPlan::new(&video(320, 240, 0, 25.0), &[Rung::new(240)]);
        assert_eq!(
            single.filter_spec("in", &outs[..1]),
            "[in]scale=320:240:flags=bicubic,format=yuv420p[o0]"
        );
    }

    #[test]
    fn audio_keeps_aac_rates_and_downmixes() {
        let surround = AudioStream {
            codec: "eac3".into(),
            sample_rate: 96000,
            channels: 6,
        };
        let plan = AudioPlan::new(&surround, 128);
        assert_eq!((plan.sample_rate, plan.channels), (48000, 2));
        assert_eq!(
            plan.filter_spec("in", "out"),
            "[in]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[out]"
        );
    }
}
