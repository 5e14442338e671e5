//! Times `transcode` against the ffmpeg CLI running `cli_equivalent` on the same input:
//! time to the first finished segment of each rendition, and total wall time.
//!
//! ```text
//! cargo run --release -p imshare-media --example bench [-- INPUT]
//! ```
//! Without INPUT a 60 s 720p30 test clip with sound is generated first.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use imshare_media::{cli_equivalent, ladder_for, probe, transcode, Event, Limits, TranscodeJob};

fn main() -> Result<(), Box<dyn Error>> {
    let work = tempfile::tempdir()?;
    let input = match std::env::args_os().nth(1) {
        Some(path) => PathBuf::from(path),
        None => generate(work.path())?,
    };
    let probed = probe(&input)?;
    let rungs = ladder_for(&probed, &[360, 720, 1080]);
    println!(
        "input: {} ({} ms, {:?})",
        input.display(),
        probed.duration_ms,
        probed.video
    );

    let ours = work.path().join("ours");
    let job = TranscodeJob {
        input: &input,
        out_dir: &ours,
        rungs: rungs.clone(),
        segment_secs: 4.0,
        audio_kbps: 128,
        limits: Limits::default(),
    };
    let started = Instant::now();
    let mut first = BTreeMap::new();
    transcode(&job, &mut |event| {
        if let Event::Segment(segment) = event {
            first
                .entry(segment.rendition)
                .or_insert_with(|| started.elapsed());
        }
    })?;
    report("imshare-media", &first, started.elapsed());

    let theirs = work.path().join("theirs");
    let names: Vec<String> = match probed.video {
        Some(_) => rungs.iter().map(|r| r.name.clone()).collect(),
        None => vec!["audio".to_owned()],
    };
    for name in &names {
        std::fs::create_dir_all(theirs.join(name))?;
    }
    let args = cli_equivalent(&TranscodeJob {
        out_dir: &theirs,
        ..job
    });
    println!("ffmpeg {}", args.join(" "));
    let started = Instant::now();
    let mut child = Command::new("ffmpeg")
        .args(["-v", "error"])
        .args(&args)
        .spawn()?;
    let mut first = BTreeMap::new();
    let status = loop {
        for name in &names {
            // The hls muxer rewrites the playlist as each segment completes.
            if !first.contains_key(name) && has_a_segment(&theirs.join(name).join("index.m3u8")) {
                first.insert(name.clone(), started.elapsed());
            }
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    if !status.success() {
        return Err(format!("ffmpeg exited with {status}").into());
    }
    report("ffmpeg CLI", &first, started.elapsed());
    Ok(())
}

fn generate(dir: &Path) -> Result<PathBuf, Box<dyn Error>> {
    let input = dir.join("minute.mp4");
    let status = Command::new("ffmpeg")
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
        .status()?;
    match status.success() {
        true => Ok(input),
        false => Err("could not generate the test clip".into()),
    }
}

fn has_a_segment(playlist: &Path) -> bool {
    std::fs::read_to_string(playlist).is_ok_and(|text| text.contains("#EXTINF"))
}

fn report(who: &str, first: &BTreeMap<String, Duration>, wall: Duration) {
    println!("{who}:");
    for (rendition, latency) in first {
        println!(
            "  first {rendition} segment after {:.2} s",
            latency.as_secs_f64()
        );
    }
    println!("  total {:.2} s", wall.as_secs_f64());
}
