//! One transcode of INPUT under the service's default limits (10 min, 3840×2160) and
//! ladder (360p, 720p), for `benches/transcode_memory.sh` to measure its peak RSS; with
//! `--cli` it prints instead the ffmpeg CLI arguments doing the same job (one per line),
//! the reference that script measures alongside.
//!
//! ```text
//! cargo run --release -p imshare-media --example transcode_memory -- [--cli] INPUT OUT_DIR
//! ```

use std::error::Error;
use std::path::PathBuf;

use imshare_media::{cli_equivalent, ladder_for, probe, transcode, Limits, TranscodeJob};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let cli = args.first().is_some_and(|a| a == "--cli");
    if cli {
        args.remove(0);
    }
    let [input, out_dir] = <[String; 2]>::try_from(args)
        .map_err(|_| "usage: transcode_memory [--cli] INPUT OUT_DIR")?;
    let (input, out_dir) = (PathBuf::from(input), PathBuf::from(out_dir));
    let probed = probe(&input)?;
    let rungs = ladder_for(&probed, &[360, 720]);
    let job = TranscodeJob {
        input: &input,
        out_dir: &out_dir,
        rungs: rungs.clone(),
        segment_secs: 4.0,
        audio_kbps: 128,
        limits: Limits::default(),
    };
    if cli {
        let names: Vec<String> = match probed.video {
            Some(_) => rungs.iter().map(|r| r.name.clone()).collect(),
            None => vec!["audio".to_owned()],
        };
        for name in names {
            std::fs::create_dir_all(out_dir.join(name))?;
        }
        for arg in cli_equivalent(&job) {
            println!("{arg}");
        }
        return Ok(());
    }
    match transcode(&job, &mut |_| {}) {
        Ok(outputs) => println!("ready: {} ms decoded", outputs.duration_ms),
        Err(e) => println!("refused ({}): {e}", e.code()),
    }
    Ok(())
}
