use imshare_media::{probe, MediaKind};

use crate::helpers::{clip, ffmpeg};

#[test]
fn a_720p_clip_is_described_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let input = clip(dir.path(), "in.mp4", 10, "1280x720", 30);

    let found = probe(&input).expect("a good clip probes");

    assert_eq!(found.kind(), MediaKind::Video);
    assert!(found.container.contains("mp4"), "{}", found.container);
    assert!(
        (found.duration_ms - 10_000).abs() <= 100,
        "{} ms",
        found.duration_ms
    );
    let video = found.video.expect("video stream");
    assert_eq!(
        (video.codec.as_str(), video.width, video.height),
        ("h264", 1280, 720)
    );
    assert_eq!(video.rotation, 0);
    assert!((video.fps - 30.0).abs() < 0.01, "{}", video.fps);
    let audio = found.audio.expect("audio stream");
    assert_eq!(audio.codec, "aac");
    assert_eq!(audio.sample_rate, 44100);
    assert_eq!(audio.channels, 1);
}

#[test]
fn sound_files_are_audio_even_with_cover_art() {
    let dir = tempfile::tempdir().unwrap();
    let m4a = dir.path().join("voice.m4a");
    let mp3 = dir.path().join("song.mp3");
    let cover = dir.path().join("cover.png");
    let with_art = dir.path().join("with-art.mp3");
    ffmpeg(&format!(
        "-f lavfi -i sine=duration=3 -ac 2 -c:a aac {}",
        m4a.display()
    ));
    ffmpeg(&format!(
        "-f lavfi -i sine=duration=3 -c:a libmp3lame {}",
        mp3.display()
    ));
    ffmpeg(&format!(
        "-f lavfi -i testsrc2=size=300x300 -frames:v 1 {}",
        cover.display()
    ));
    let (mp3_in, cover_in) = (mp3.display(), cover.display());
    let as_cover = "-map 0 -map 1 -c copy -disposition:v attached_pic";
    ffmpeg(&format!(
        "-i {mp3_in} -i {cover_in} {as_cover} {}",
        with_art.display()
    ));

    for (file, codec) in [(&m4a, "aac"), (&mp3, "mp3"), (&with_art, "mp3")] {
        let found = probe(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(found.kind(), MediaKind::Audio, "{}", file.display());
        assert_eq!(found.kind().as_str(), "audio");
        assert!(found.video.is_none());
        assert_eq!(found.audio.expect("audio").codec, codec);
        assert!(
            (found.duration_ms - 3000).abs() <= 100,
            "{} ms",
            found.duration_ms
        );
    }
}

#[test]
fn a_portrait_phone_clip_reports_its_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let plain = clip(dir.path(), "plain.mp4", 2, "640x360", 30);
    let rotated = dir.path().join("rotated.mp4");
    // FFmpeg 5.1 turns a `rotate` tag into a display matrix only when stream-copying.
    ffmpeg(&format!(
        "-i {} -c copy -metadata:s:v:0 rotate=90 {}",
        plain.display(),
        rotated.display()
    ));
    // ffprobe prints the matrix's counter-clockwise angle; we report clockwise degrees.
    let ffprobe_ccw = side_data_rotation(&rotated);

    let video = probe(&rotated).unwrap().video.expect("video");

    assert_ne!(video.rotation, 0);
    assert_eq!(video.rotation, (360 - ffprobe_ccw).rem_euclid(360));
    assert_eq!((video.width, video.height), (640, 360));
    assert_eq!(video.display_size(), (360, 640));
}

/// The `rotation` field ffprobe prints for a stream's display matrix.
fn side_data_rotation(path: &std::path::Path) -> i32 {
    let output = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_streams"])
        .arg(path)
        .output()
        .expect("ffprobe available");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("rotation=")?.trim().parse().ok())
        .expect("ffprobe reports a rotation")
}
