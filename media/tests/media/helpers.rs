//! Inputs made with the ffmpeg CLI, and checks that use it as the reference.

use std::path::{Path, PathBuf};
use std::process::Command;

use imshare_media::{Event, Limits, Outputs, SegmentReady, TranscodeJob};

/// Runs `ffmpeg -v error -y <line>` and panics with its message if it fails; `line` is
/// split on whitespace (temporary paths have none).
pub fn ffmpeg(line: &str) {
    let args: Vec<&str> = line.split_whitespace().collect();
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-nostdin"])
        .args(&args)
        .output()
        .expect("ffmpeg CLI available");
    assert!(
        output.status.success(),
        "ffmpeg {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A test-pattern clip with a sine tone, H.264 + AAC in MP4 (moov at the end).
pub fn clip(dir: &Path, name: &str, secs: u32, size: &str, rate: u32) -> PathBuf {
    let path = dir.join(name);
    let video = format!("testsrc2=duration={secs}:size={size}:rate={rate}");
    let audio = format!("sine=frequency=440:duration={secs}");
    let codecs = "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac";
    ffmpeg(&format!(
        "-f lavfi -i {video} -f lavfi -i {audio} {codecs} {}",
        path.display()
    ));
    path
}

/// Runs `ffprobe` and returns the requested entries of the first video stream as text.
pub fn ffprobe_video(path: &Path, entries: &str) -> String {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .arg(format!("stream={entries}"))
        .args(["-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("ffprobe available");
    // MPEG-TS files list their streams twice (also under their program): keep the first.
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .trim_end_matches(',')
        .to_owned()
}

/// Decodes a file alone with the ffmpeg CLI: Ok if it exits 0 and says nothing.
pub fn decodes_alone(path: &Path) -> Result<(), String> {
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .expect("ffmpeg CLI available");
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    match output.status.success() && stderr.is_empty() {
        true => Ok(()),
        false => Err(format!("{}: {stderr}", path.display())),
    }
}

/// True when a file's top-level boxes put `moov` before `mdat` (MP4 faststart).
pub fn moov_before_mdat(path: &Path) -> bool {
    let bytes = std::fs::read(path).expect("readable output");
    let mut at = 0usize;
    let mut order = Vec::new();
    while at + 8 <= bytes.len() {
        let size =
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        order.push(String::from_utf8_lossy(&bytes[at + 4..at + 8]).into_owned());
        if size < 8 {
            break;
        }
        at += size;
    }
    let moov = order.iter().position(|b| b == "moov");
    let mdat = order.iter().position(|b| b == "mdat");
    matches!((moov, mdat), (Some(m), Some(d)) if m < d)
}

/// A job with the usual settings.
pub fn job<'a>(
    input: &'a Path,
    out_dir: &'a Path,
    rungs: Vec<imshare_media::Rung>,
) -> TranscodeJob<'a> {
    TranscodeJob {
        input,
        out_dir,
        rungs,
        segment_secs: 4.0,
        audio_kbps: 128,
        limits: Limits::default(),
    }
}

/// Everything `transcode` reported, in order, with the result.
pub struct Run {
    pub result: Result<Outputs, imshare_media::MediaError>,
    pub events: Vec<Event>,
}

impl Run {
    /// The segments reported, in order.
    pub fn segments(&self) -> Vec<&SegmentReady> {
        let segments = self.events.iter().filter_map(|e| match e {
            Event::Segment(s) => Some(s),
            Event::Progress { .. } => None,
        });
        segments.collect()
    }

    /// The percentages reported, in order.
    pub fn percents(&self) -> Vec<u8> {
        let percents = self.events.iter().filter_map(|e| match e {
            Event::Progress { percent } => Some(*percent),
            Event::Segment(_) => None,
        });
        percents.collect()
    }
}

/// Transcodes and records the events.
pub fn transcode(job: &TranscodeJob) -> Run {
    let mut events = Vec::new();
    let result = imshare_media::transcode(job, &mut |event| {
        if let Event::Segment(segment) = &event {
            assert!(
                segment.path.exists(),
                "a reported segment exists when reported"
            );
        }
        events.push(event);
    });
    Run { result, events }
}

/// PSNR (dB) between the first picture of `a` and the picture `b`, by the ffmpeg CLI.
pub fn psnr(a: &Path, b: &Path) -> f64 {
    let output = Command::new("ffmpeg")
        .args(["-v", "info", "-nostdin", "-i"])
        .arg(a)
        .arg("-i")
        .arg(b)
        .args([
            "-filter_complex",
            "[0:v]trim=end_frame=1[a];[a][1:v]psnr",
            "-f",
            "null",
            "-",
        ])
        .output()
        .expect("ffmpeg CLI available");
    let log = String::from_utf8_lossy(&output.stderr);
    log.split("average:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no PSNR in {log}"))
}

/// The RFC 6381 `avc1.PPCCLL` name of a segment's H.264 stream, read back with ffprobe.
pub fn avc1_of(segment: &Path) -> String {
    let found = ffprobe_video(segment, "profile,level");
    let (profile, level) = found.split_once(',').expect("profile and level");
    let profile_idc = match profile {
        "High" => 0x64,
        "Main" => 0x4d,
        other => panic!("unexpected profile {other}"),
    };
    let level: u8 = level.parse().expect("numeric level");
    format!("avc1.{profile_idc:02x}00{level:02x}")
}

/// The option string libx264 wrote into the first segment's stream (its SEI message).
pub fn x264_options(segment: &Path) -> String {
    let output = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(segment)
        .args(["-map", "0:v:0", "-c", "copy", "-f", "h264", "-"])
        .output()
        .expect("ffmpeg CLI available");
    let stream = output.stdout;
    let marker = b"options: ";
    let start = stream
        .windows(marker.len())
        .position(|w| w == marker)
        .expect("an x264 SEI")
        + marker.len();
    let end = stream[start..]
        .iter()
        .position(|&b| b == 0)
        .map_or(stream.len(), |n| start + n);
    String::from_utf8_lossy(&stream[start..end]).into_owned()
}
