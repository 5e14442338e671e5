//! Live-share tile diffing on a recorded screen: replays a video through the reference
//! sharer's tiler and reports (a) the bytes it would send (geometry and tiles frames,
//! protocol-encoded) against sending every frame whole as PNG with the same settings, and
//! (b) per-frame times: diff (hash and compare) alone, diff plus encoding, and the
//! whole-frame PNG encode as reference. Each frame's messages are applied to a viewer's
//! picture, which must equal the frame (not timed).
//!   live_share_bench --video FILE [--tile-size 64] [--fps 10] [--max-frames 300] [--max-secs 120]

#[path = "bench_common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use imshare_live::tiler::{self, encode_png};
use imshare_live::{Picture, RgbaFrame, Tiler};

/// Tiles above this are refused; generous so the bench measures rather than fails.
const MAX_TILE_BYTES: usize = 1 << 20;

/// Per-frame timings, in seconds.
#[derive(Default)]
struct Times {
    diff: Vec<f64>,
    diff_encode: Vec<f64>,
    whole_png: Vec<f64>,
}

fn main() -> anyhow::Result<()> {
    let video: String = common::arg("--video", String::new())?;
    let tile_size: u16 = common::arg("--tile-size", 64)?;
    let fps: f64 = common::arg("--fps", 10.0)?;
    let max_frames: usize = common::arg("--max-frames", 300)?;
    let budget = Duration::from_secs(common::arg("--max-secs", 120)?);
    ensure!(!video.is_empty(), "give --video FILE");

    let pictures = imshare_media::rgba_frames(video.as_ref(), None, fps)
        .with_context(|| format!("opening {video}"))?;
    let mut tiler = Tiler::new(tile_size, MAX_TILE_BYTES)?;
    let mut viewer = Picture::new();
    let mut times = Times::default();
    let (mut tiler_bytes, mut whole_bytes, mut tiles_sent, mut tiles_total) = (0, 0, 0, 0);
    let started = Instant::now();
    for picture in pictures.take(max_frames) {
        let picture = picture?;
        let frame = RgbaFrame::new(picture.width, picture.height, picture.pixels)?;

        let t0 = Instant::now();
        let changes = tiler.diff(&frame);
        let t1 = Instant::now();
        let tiles = tiler.encode(&frame, &changes.tiles)?;
        let messages = tiler::messages(changes.geometry, &tiles);
        let t2 = Instant::now();
        let whole = encode_png(frame.width().into(), frame.height().into(), frame.pixels())?;
        let t3 = Instant::now();

        times.diff.push((t1 - t0).as_secs_f64());
        times.diff_encode.push((t2 - t0).as_secs_f64());
        times.whole_png.push((t3 - t2).as_secs_f64());
        tiler_bytes += messages.iter().map(Vec::len).sum::<usize>();
        whole_bytes += whole.len();
        tiles_sent += tiles.len();
        tiles_total += tiler.geometry().map_or(0, |g| g.tiles() as usize);
        for message in &messages {
            viewer.apply_message(message, MAX_TILE_BYTES)?;
        }
        ensure!(
            viewer.pixels() == frame.pixels(),
            "frame {}: the viewer's picture differs from the frame",
            times.diff.len() - 1
        );
        if started.elapsed() > budget {
            println!("stopped after {budget:?}");
            break;
        }
    }
    let frames = times.diff.len();
    ensure!(frames > 0, "{video} gave no frames");
    let g = tiler.geometry().context("no geometry")?;
    println!(
        "{frames} frames of {}×{}, tiles of {tile_size} px ({} per frame); {tiles_sent} of {tiles_total} tiles sent ({:.1}%); the viewer's picture matched every frame",
        g.width,
        g.height,
        g.tiles(),
        100.0 * tiles_sent as f64 / tiles_total as f64
    );
    println!(
        "bytes: tiler {tiler_bytes} vs every frame as whole PNG {whole_bytes}: {:.1}% (target <= 10%)",
        100.0 * tiler_bytes as f64 / whole_bytes as f64
    );
    println!("per frame, ms             p50     p99     max");
    for (name, samples) in [
        ("diff (hash + compare)", &mut times.diff),
        ("diff + encode", &mut times.diff_encode),
        ("whole-frame PNG (ref.)", &mut times.whole_png),
    ] {
        samples.sort_by(f64::total_cmp);
        let at = |q: f64| 1000.0 * samples[((samples.len() - 1) as f64 * q).round() as usize];
        println!(
            "{name:<24} {:>7.2} {:>7.2} {:>7.2}",
            at(0.5),
            at(0.99),
            at(1.0)
        );
    }
    Ok(())
}
