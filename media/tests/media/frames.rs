//! Videos decoded to RGBA pictures, checked against the ffmpeg CLI.

use std::process::Command;

use imshare_media::{rgba_frames, MediaError};

use crate::helpers::{clip, ffmpeg};

#[test]
fn a_clip_becomes_rgba_pictures_of_the_chosen_size_and_rate() {
    let dir = tempfile::tempdir().unwrap();
    let input = clip(dir.path(), "two.mp4", 2, "160x120", 25);

    let pictures: Vec<_> = rgba_frames(&input, Some((64, 48)), 10.0)
        .unwrap()
        .collect::<Result<_, _>>()
        .expect("every picture decodes");

    assert_eq!(pictures.len(), 20, "2 s at 10 pictures per second");
    for picture in &pictures {
        assert_eq!((picture.width, picture.height), (64, 48));
        assert_eq!(picture.pixels.len(), 64 * 48 * 4);
    }
    assert_ne!(pictures[0], pictures[19], "the test pattern moves");
}

#[test]
fn pictures_match_the_ffmpeg_cli_pixel_for_pixel() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("lossless.mkv");
    ffmpeg(&format!(
        "-f lavfi -i testsrc2=size=30x20:duration=1:rate=5 -pix_fmt rgb24 -c:v png {}",
        input.display()
    ));
    let reference = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(&input)
        .args(["-f", "rawvideo", "-pix_fmt", "rgba", "-"])
        .output()
        .expect("ffmpeg CLI available")
        .stdout;

    let pictures: Vec<_> = rgba_frames(&input, None, 5.0)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();

    assert_eq!(
        pictures.len(),
        5,
        "the last picture is kept for its duration"
    );
    let ours: Vec<u8> = pictures.into_iter().flat_map(|p| p.pixels).collect();
    assert!(ours == reference, "the same pixels as the ffmpeg CLI");
}

#[test]
fn impossible_requests_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = clip(dir.path(), "one.mp4", 1, "64x48", 10);
    assert!(matches!(
        rgba_frames(&input, None, 0.0),
        Err(MediaError::InvalidJob(_))
    ));
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a video at all, just some words").unwrap();
    assert!(matches!(
        rgba_frames(&text, None, 10.0),
        Err(MediaError::NotMedia)
    ));
}
