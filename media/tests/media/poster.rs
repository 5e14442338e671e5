use imshare_media::{poster, MediaError};

use crate::helpers::{clip, ffmpeg, ffprobe_video};

#[test]
fn a_poster_is_an_upright_jpeg_no_taller_than_720_lines() {
    let dir = tempfile::tempdir().unwrap();
    let input = clip(dir.path(), "hd.mp4", 3, "1920x1080", 25);
    let out = dir.path().join("poster.jpg");

    poster(&input, &out, 1.0).expect("a poster");

    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]));
    assert_eq!(ffprobe_video(&out, "width,height"), "1280,720");
}

#[test]
fn a_moment_past_the_end_is_clamped_into_the_clip() {
    let dir = tempfile::tempdir().unwrap();
    let input = clip(dir.path(), "short.mp4", 2, "640x360", 30);
    let out = dir.path().join("late.jpg");

    poster(&input, &out, 100.0).expect("clamped");
    poster(&input, &out, f64::NAN).expect("treated as the start");

    assert_eq!(ffprobe_video(&out, "width,height"), "640,360");
}

#[test]
fn sound_has_no_poster() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("voice.m4a");
    ffmpeg(&format!(
        "-f lavfi -i sine=duration=2 -c:a aac {}",
        input.display()
    ));

    let refused = poster(&input, &dir.path().join("p.jpg"), 1.0).unwrap_err();

    assert!(matches!(refused, MediaError::Unsupported(_)), "{refused}");
}
