//! The ffmpeg command line that does what [`crate::transcode`] does, for benchmarking.
//!
//! How close the equivalence is:
//! - identical: the filter graph text (upright transpose, frame-rate cap, split, bicubic
//!   swscale to the same sizes, yuv420p; aresample/aformat for sound), every libx264
//!   option (preset, profile, level, keyint = min-keyint, scenecut=0, repeat-headers,
//!   forced IDR at the first frame on or after each segment boundary, b/maxrate/bufsize),
//!   the AAC encoder and bitrate, global headers, the segment rule (the hls muxer also cuts
//!   at the first keyframe past each multiple of `hls_time`), the faststart MP4/M4A fed
//!   with the same lowest-rung packets (`tee`), and the poster (largest rung, same moment,
//!   same JPEG quantiser);
//! - different: the CLI also writes `index.m3u8` playlists (imshare's service writes its
//!   own); its hls muxer keeps one MPEG-TS context across segments, so continuity counters
//!   run on where ours restart in each file; it copies colour tags from the input frames
//!   into the encoders; and its decoders use frame+slice threading (ours: frame).
//!   Output timestamps are shifted by the same 1.4 s in both.
//!
//! The rendition directories (`<out_dir>/<rung>/` or `<out_dir>/audio/`) must exist
//! before the command runs; the hls muxer does not create them.

use crate::demux::open_input;
use crate::probe::{describe, select_streams};
use crate::rendition::AUDIO_RENDITION;
use crate::transcode::recipe::{AudioPlan, VideoPlan, POSTER_QSCALE};
use crate::{AudioStream, Probe, Rung, TranscodeJob, VideoStream};

/// ffmpeg CLI arguments (everything after `ffmpeg`) producing the same files as
/// `transcode(job)` with the same encoder settings; see the module notes for the
/// differences. An input or job the transcoder would refuse gives a plain decode of the
/// input instead.
pub fn cli_equivalent(job: &TranscodeJob) -> Vec<String> {
    crate::init();
    let mut args: Vec<String> = ["-hide_banner", "-nostdin", "-y", "-noautorotate", "-i"]
        .map(String::from)
        .to_vec();
    args.push(job.input.display().to_string());
    let described = open_input(job.input).and_then(|demuxer| {
        let probe = describe(&demuxer)?;
        Ok((probe, select_streams(&demuxer)))
    });
    let mut rungs = job.rungs.clone();
    rungs.sort_by_key(|r| r.height);
    let mut parts = Parts::default();
    match described {
        Ok((probe, (video_index, audio_index))) if probe.video.is_none() || !rungs.is_empty() => {
            let audio = probe.audio.as_ref().zip(audio_index);
            if let Some((source, index)) = probe.video.as_ref().zip(video_index) {
                parts.video(job, &probe, source, index, &rungs, audio.is_some());
            }
            if let Some((source, index)) = audio {
                parts.audio(job, source, index, probe.video.is_none());
            }
        }
        _ => {
            args.extend(["-f", "null", "-"].map(String::from));
            return args;
        }
    }
    parts.append_to(&mut args);
    args
}

/// The pieces of the command line, gathered per medium then put in ffmpeg's order.
#[derive(Default)]
struct Parts {
    graph: Vec<String>,
    maps: Vec<String>,
    codecs: Vec<String>,
    slaves: Vec<String>,
    poster: Vec<String>,
}

impl Parts {
    /// The picture: one graph, one x264 stream per rung, HLS per rung, the MP4, the poster.
    fn video(
        &mut self,
        job: &TranscodeJob,
        probe: &Probe,
        source: &VideoStream,
        index: usize,
        rungs: &[Rung],
        with_audio: bool,
    ) {
        let out = |name: &str| job.out_dir.join(name).display().to_string();
        let plan = VideoPlan::new(source, rungs);
        let labels: Vec<String> = (0..rungs.len()).map(|i| format!("v{i}")).collect();
        self.graph
            .push(plan.filter_spec(&format!("0:{index}"), &labels));
        // The poster taps the largest rung, as the transcoder does.
        let top = rungs.len() - 1;
        self.graph.push(format!("[v{top}]split=2[v{top}e][poster]"));
        for (i, label) in labels.iter().enumerate() {
            let suffix = if i == top { "e" } else { "" };
            self.maps.push(format!("[{label}{suffix}]"));
        }
        self.codecs
            .extend(["-fps_mode", "passthrough", "-c:v", "libx264"].map(String::from));
        for i in 0..rungs.len() {
            for option in plan.x264_options(i, job.segment_secs) {
                let stream = match option.per_stream {
                    true => format!(":v:{i}"),
                    false if i == 0 => ":v".to_owned(),
                    false => continue,
                };
                self.codecs.push(format!("-{}{stream}", option.key));
                self.codecs.push(option.value);
            }
        }
        self.codecs.push("-force_key_frames:v".into());
        self.codecs
            .push(format!("expr:gte(t,n_forced*{})", job.segment_secs));
        let audio = if with_audio { ",a" } else { "" };
        for (i, rung) in rungs.iter().enumerate() {
            self.slaves
                .push(hls_slave(job, &format!("v:{i}{audio}"), &out(&rung.name)));
        }
        let select = format!("v:0{audio}");
        let mp4 = [
            ("select", select.as_str()),
            ("f", "mp4"),
            ("movflags", "+faststart"),
        ];
        self.slaves.push(tee_slave(&mp4, &out("video.mp4")));
        let at = if probe.duration_ms >= 2000 { "1" } else { "0" };
        let quality = POSTER_QSCALE.to_string();
        let poster = [
            "-map",
            "[poster]",
            "-ss",
            at,
            "-frames:v",
            "1",
            "-q:v",
            &quality,
        ];
        self.poster.extend(poster.map(String::from));
        self.poster
            .extend(["-update".into(), "1".into(), out("poster.jpg")]);
    }

    /// The sound: encoded once and shared; HLS and an M4A of its own when there is no picture.
    fn audio(&mut self, job: &TranscodeJob, source: &AudioStream, index: usize, alone: bool) {
        let out = |name: &str| job.out_dir.join(name).display().to_string();
        let plan = AudioPlan::new(source, job.audio_kbps);
        self.graph
            .push(plan.filter_spec(&format!("0:{index}"), "a"));
        self.maps.push("[a]".into());
        self.codecs.extend(["-c:a", "aac"].map(String::from));
        for option in plan.aac_options() {
            self.codecs.push(format!("-{}:a", option.key));
            self.codecs.push(option.value);
        }
        if alone {
            self.slaves.push(hls_slave(job, "a", &out(AUDIO_RENDITION)));
            let m4a = [("select", "a"), ("f", "ipod"), ("movflags", "+faststart")];
            self.slaves.push(tee_slave(&m4a, &out("audio.m4a")));
        }
    }

    fn append_to(self, args: &mut Vec<String>) {
        args.push("-filter_complex".into());
        args.push(self.graph.join(";"));
        for map in self.maps {
            args.push("-map".into());
            args.push(map);
        }
        args.extend(self.codecs);
        args.extend(["-f".into(), "tee".into(), self.slaves.join("|")]);
        args.extend(self.poster);
    }
}

/// One `tee` slave writing an HLS rendition into `dir`.
fn hls_slave(job: &TranscodeJob, select: &str, dir: &str) -> String {
    let seconds = job.segment_secs.to_string();
    let segments = format!("{dir}/%05d.ts");
    let options = [
        ("select", select),
        ("f", "hls"),
        ("hls_time", seconds.as_str()),
        ("hls_playlist_type", "event"),
        ("hls_segment_filename", segments.as_str()),
    ];
    tee_slave(&options, &format!("{dir}/index.m3u8"))
}

/// `[key=value:...]file`, escaped for the tee muxer: its slave list is unescaped once
/// (`\`, `'`, `|`), then each option value once more (`\`, `'`, `:`, `]`).
fn tee_slave(options: &[(&str, &str)], file: &str) -> String {
    let options: Vec<String> = options
        .iter()
        .map(|(key, value)| format!("{key}={}", escape(value, &['\\', '\'', ':', ']'])))
        .collect();
    escape(
        &format!("[{}]{file}", options.join(":")),
        &['\\', '\'', '|'],
    )
}

fn escape(text: &str, special: &[char]) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if special.contains(&c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
