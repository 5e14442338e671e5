//! How soon a 60 s 720p30 clip becomes playable: the time from calling `transcode` to the
//! first finished segment of each rung. Its own test binary, so nothing else competes for
//! the CPU while it is measured.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use imshare_media::{ladder_for, probe, transcode, Event, Limits, TranscodeJob};

#[test]
fn the_first_segment_of_every_rung_is_ready_within_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("minute.mp4");
    let made = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-nostdin", "-f", "lavfi", "-i"])
        .arg("testsrc2=duration=60:size=1280x720:rate=30")
        .args([
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=60",
            "-ac",
            "2",
        ])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"])
        .arg(&input)
        .status()
        .expect("ffmpeg CLI available");
    assert!(made.success());
    let rungs = ladder_for(&probe(&input).unwrap(), &[360, 720]);
    let out = dir.path().join("out");
    let job = TranscodeJob {
        input: &input,
        out_dir: &out,
        rungs,
        segment_secs: 4.0,
        audio_kbps: 128,
        limits: Limits::default(),
    };

    let started = Instant::now();
    let mut first: BTreeMap<String, Duration> = BTreeMap::new();
    let outputs = transcode(&job, &mut |event| {
        if let Event::Segment(segment) = event {
            first
                .entry(segment.rendition)
                .or_insert_with(|| started.elapsed());
        }
    })
    .expect("transcode succeeds");
    let wall = started.elapsed();

    for (rendition, latency) in &first {
        println!(
            "first {rendition} segment ready after {:.2} s",
            latency.as_secs_f64()
        );
    }
    println!("60 s 720p30 clip transcoded in {:.2} s", wall.as_secs_f64());
    assert_eq!(first.len(), outputs.renditions.len());
    for (rendition, latency) in &first {
        assert!(
            *latency < Duration::from_secs(6),
            "{rendition}: {latency:?}"
        );
    }
}
