//! Hostile media made with the ffmpeg CLI at test time: files whose header lies about
//! their length, or whose pictures grow mid-stream. Shared by the media crate's tests and
//! the service's (tests/api), each including this file as a module.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `ffmpeg -v error -y <line>` (split on whitespace) and panics if it fails.
fn ffmpeg(line: &str) {
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

/// An MP3 without a Xing header: `loud_secs` at 160 kb/s and 44.1 kHz, then `quiet_secs`
/// at 8 kb/s, which MP3 allows only at 24 kHz or less, so the sample rate changes too.
/// ffmpeg estimates its length from the first frames' bitrate, so it claims far less.
pub fn lying_mp3(dir: &Path, loud_secs: u32, quiet_secs: u32) -> PathBuf {
    let part = |name: &str, secs: u32, kbps: u32, rate: u32| {
        let path = dir.join(name);
        ffmpeg(&format!(
            "-f lavfi -i sine=frequency=440:duration={secs} -ar {rate} -c:a libmp3lame -b:a {kbps}k \
             -write_xing 0 -id3v2_version 0 {}",
            path.display()
        ));
        std::fs::read(path).expect("mp3 part")
    };
    let mut bytes = part("loud.mp3", loud_secs, 160, 44_100);
    bytes.extend(part("quiet.mp3", quiet_secs, 8, 22_050));
    let path = dir.join("lying.mp3");
    std::fs::write(&path, bytes).expect("write mp3");
    path
}

/// An MKV that runs `secs` but whose Duration element claims `claimed_secs`.
pub fn lying_mkv(dir: &Path, secs: u32, claimed_secs: u32) -> PathBuf {
    let honest = dir.join("honest.mkv");
    ffmpeg(&format!(
        "-f lavfi -i testsrc2=size=160x120:rate=10:duration={secs} -c:v libx264 -preset ultrafast {}",
        honest.display()
    ));
    let mut bytes = std::fs::read(&honest).expect("mkv");
    // The Duration element: ID 0x4489, size 8, a big-endian float of milliseconds.
    let at = bytes
        .windows(3)
        .position(|w| w == [0x44, 0x89, 0x88])
        .expect("a Duration element");
    let claim = f64::from(claimed_secs * 1000).to_be_bytes();
    bytes[at + 3..at + 11].copy_from_slice(&claim);
    let path = dir.join("lying.mkv");
    std::fs::write(&path, bytes).expect("write mkv");
    path
}

/// An MPEG-TS whose first pictures are `first` and whose later ones are `later`
/// (two streams joined with `-c copy`, the second's timestamps following the first's).
pub fn growing_ts(dir: &Path, first: &str, later: &str) -> PathBuf {
    let part = |name: &str, size: &str, secs: u32, offset: u32| {
        let path = dir.join(name);
        ffmpeg(&format!(
            "-f lavfi -i testsrc2=size={size}:rate=25:duration={secs} -c:v libx264 -preset ultrafast \
             -output_ts_offset {offset} {}",
            path.display()
        ));
        std::fs::read(path).expect("ts part")
    };
    let mut bytes = part("first.ts", first, 3, 0);
    bytes.extend(part("later.ts", later, 2, 3));
    let path = dir.join("growing.ts");
    std::fs::write(&path, bytes).expect("write ts");
    path
}
