use std::path::Path;

use imshare_media::{
    ladder_for, planned_audio_rendition, planned_rendition, probe, Event, MediaKind,
};

use crate::helpers::{
    avc1_of, clip, decodes_alone, ffmpeg, ffprobe_video, job, moov_before_mdat, psnr, transcode,
    x264_options,
};

fn is_jpeg(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(&[0xFF, 0xD8, 0xFF]))
}

#[test]
fn a_720p_clip_becomes_a_ladder_of_4_second_segments_an_mp4_and_a_poster() {
    let dir = tempfile::tempdir().unwrap();
    let input = clip(dir.path(), "in.mp4", 10, "1280x720", 30);
    let out = dir.path().join("out");
    let probed = probe(&input).unwrap();
    let rungs = ladder_for(&probed, &[360, 720, 1080]);
    let names: Vec<&str> = rungs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["360p", "720p"], "no 1080p: never upscale");

    let run = transcode(&job(&input, &out, rungs.clone()));
    let outputs = run.result.as_ref().expect("transcode succeeds");

    assert_eq!(outputs.renditions.len(), 2);
    for (rendition, rung) in outputs.renditions.iter().zip(&rungs) {
        let planned = planned_rendition(&probed, rung, 128);
        assert_eq!(rendition.name, rung.name);
        assert_eq!(
            (rendition.width, rendition.height),
            (planned.width, planned.height)
        );
        assert_eq!(
            rendition.codecs, planned.codecs,
            "the plan names the codecs exactly"
        );
        let first = &rendition.segments[0].path;
        assert_eq!(rendition.codecs, format!("{},mp4a.40.2", avc1_of(first)));
        let x264 = x264_options(first);
        for setting in ["keyint=120", "scenecut=0", "rc=abr", "open_gop=0"] {
            assert!(x264.split(' ').any(|s| s == setting), "{setting} in {x264}");
        }
        let bitrate = format!("bitrate={}", rung.video_kbps);
        let maxrate = format!("vbv_maxrate={}", rung.video_kbps * 5 / 4);
        assert!(x264.contains(&bitrate) && x264.contains(&maxrate), "{x264}");
        let size = ffprobe_video(first, "width,height");
        assert_eq!(size, format!("{},{}", rendition.width, rendition.height));
        assert!(rendition.bandwidth_bps > 0);

        let durations: Vec<f64> = rendition.segments.iter().map(|s| s.duration_secs).collect();
        assert_eq!(durations.len(), 3, "{durations:?}");
        for d in &durations[..2] {
            assert!((d - 4.0).abs() < 0.05, "{durations:?}");
        }
        let total: f64 = durations.iter().sum();
        assert!((total - 10.0).abs() < 0.2, "{durations:?}");
        // Each #EXTINF duration is exactly the gap between segment starts on the timeline.
        let starts: Vec<f64> = rendition
            .segments
            .iter()
            .map(|s| ffprobe_video(&s.path, "start_time").parse().unwrap())
            .collect();
        for (i, pair) in starts.windows(2).enumerate() {
            assert!(
                (pair[1] - pair[0] - durations[i]).abs() < 0.002,
                "{starts:?} {durations:?}"
            );
        }
        for (i, segment) in rendition.segments.iter().enumerate() {
            assert_eq!(segment.index as usize, i);
            assert_eq!(segment.rendition, rung.name);
            decodes_alone(&segment.path).unwrap();
        }
    }
    assert_eq!(
        (outputs.renditions[0].width, outputs.renditions[0].height),
        (640, 360)
    );
    assert_eq!((outputs.width, outputs.height), (Some(1280), Some(720)));
    assert!(
        (outputs.duration_ms - 10_000).abs() < 200,
        "{}",
        outputs.duration_ms
    );

    let reported: Vec<_> = run.segments().into_iter().cloned().collect();
    let mut listed: Vec<_> = outputs
        .renditions
        .iter()
        .flat_map(|r| r.segments.clone())
        .collect();
    assert_eq!(reported.len(), listed.len());
    listed.retain(|s| !reported.contains(s));
    assert!(listed.is_empty(), "every segment was reported");
    let first_segment = run
        .events
        .iter()
        .position(|e| matches!(e, Event::Segment(_)))
        .unwrap();
    let half_done = run
        .events
        .iter()
        .position(|e| matches!(e, Event::Progress { percent } if *percent >= 50))
        .unwrap();
    assert!(
        first_segment < half_done,
        "segments are reported while decoding goes on"
    );
    let percents = run.percents();
    assert!(percents.windows(2).all(|w| w[0] < w[1]), "{percents:?}");
    assert_eq!(percents.last(), Some(&100));

    let mp4 = outputs.mp4.as_ref().expect("an mp4");
    assert!(moov_before_mdat(mp4), "faststart");
    decodes_alone(mp4).unwrap();
    assert_eq!(ffprobe_video(mp4, "width,height"), "640,360");
    assert!(outputs.m4a.is_none());
    let poster = outputs.poster.as_ref().expect("a poster");
    assert!(is_jpeg(poster));
    assert_eq!(ffprobe_video(poster, "width,height"), "1280,720");
}

#[test]
fn an_audio_only_clip_becomes_aac_segments_and_an_m4a() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("voice.m4a");
    ffmpeg(&format!(
        "-f lavfi -i sine=duration=10 -ac 2 -c:a aac {}",
        input.display()
    ));
    let out = dir.path().join("out");
    let probed = probe(&input).unwrap();
    assert_eq!(probed.kind(), MediaKind::Audio);
    assert!(ladder_for(&probed, &[360, 720]).is_empty());

    let run = transcode(&job(&input, &out, Vec::new()));
    let outputs = run.result.as_ref().expect("transcode succeeds");

    assert_eq!(outputs.renditions.len(), 1);
    let audio = &outputs.renditions[0];
    assert_eq!(audio.name, "audio");
    assert_eq!(audio.codecs, planned_audio_rendition(128).codecs);
    assert_eq!((audio.width, audio.height), (0, 0));
    let total: f64 = audio.segments.iter().map(|s| s.duration_secs).sum();
    assert!((total - 10.0).abs() < 0.2, "{total}");
    assert_eq!(audio.segments.len(), 3);
    for segment in &audio.segments {
        decodes_alone(&segment.path).unwrap();
    }
    let m4a = outputs.m4a.as_ref().expect("an m4a");
    assert!(moov_before_mdat(m4a));
    decodes_alone(m4a).unwrap();
    assert!(outputs.mp4.is_none() && outputs.poster.is_none());
    assert_eq!((outputs.width, outputs.height), (None, None));
    assert_eq!(run.percents().last(), Some(&100));
}

#[test]
fn a_source_smaller_than_360p_gets_one_rung_at_its_own_size() {
    let dir = tempfile::tempdir().unwrap();
    let input = clip(dir.path(), "small.mp4", 3, "320x240", 25);
    let out = dir.path().join("out");
    let rungs = ladder_for(&probe(&input).unwrap(), &[360, 720]);
    assert_eq!(rungs.len(), 1);
    assert_eq!((rungs[0].name.as_str(), rungs[0].height), ("240p", 240));

    let outputs = transcode(&job(&input, &out, rungs))
        .result
        .expect("transcode succeeds");

    let rendition = &outputs.renditions[0];
    assert_eq!((rendition.width, rendition.height), (320, 240));
    assert_eq!(
        ffprobe_video(&rendition.segments[0].path, "width,height"),
        "320,240"
    );
    assert_eq!(
        ffprobe_video(outputs.poster.as_ref().unwrap(), "width,height"),
        "320,240"
    );
}

#[test]
fn portrait_phone_clips_come_out_upright_like_the_ffmpeg_cli_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let plain = clip(dir.path(), "plain.mp4", 3, "640x360", 30);
    let rotated = dir.path().join("rotated.mp4");
    ffmpeg(&format!(
        "-i {} -c copy -metadata:s:v:0 rotate=90 {}",
        plain.display(),
        rotated.display()
    ));
    let reference = dir.path().join("reference.png");
    // The CLI auto-rotates by the display matrix before `-vf`.
    ffmpeg(&format!(
        "-i {} -frames:v 1 -vf scale=360:640 {}",
        rotated.display(),
        reference.display()
    ));
    let out = dir.path().join("out");
    let rungs = ladder_for(&probe(&rotated).unwrap(), &[360]);

    let outputs = transcode(&job(&rotated, &out, rungs))
        .result
        .expect("transcode succeeds");

    let first = &outputs.renditions[0].segments[0].path;
    assert_eq!(ffprobe_video(first, "width,height"), "360,640");
    let similarity = psnr(first, &reference);
    assert!(
        similarity > 25.0,
        "upright like the CLI: PSNR {similarity} dB"
    );
    // The comparison tells the directions apart: the opposite turn scores far lower.
    let wrong = dir.path().join("wrong.png");
    let turn = "-frames:v 1 -vf transpose=clock,scale=360:640";
    ffmpeg(&format!(
        "-i {} {turn} {}",
        plain.display(),
        wrong.display()
    ));
    let opposite = psnr(&wrong, &reference);
    assert!(
        opposite < similarity - 10.0,
        "opposite turn: {opposite} dB vs {similarity} dB"
    );
}

#[test]
fn clips_without_sound_and_fast_clips_still_make_segments() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("silent60.mp4");
    let source = "-f lavfi -i testsrc2=duration=3:size=640x360:rate=60";
    ffmpeg(&format!(
        "{source} -c:v libx264 -preset ultrafast {}",
        input.display()
    ));
    let out = dir.path().join("out");
    let probed = probe(&input).unwrap();
    let rungs = ladder_for(&probed, &[360]);

    let outputs = transcode(&job(&input, &out, rungs.clone()))
        .result
        .expect("transcode succeeds");

    let rendition = &outputs.renditions[0];
    assert_eq!(
        rendition.codecs,
        planned_rendition(&probed, &rungs[0], 128).codecs
    );
    assert!(!rendition.codecs.contains("mp4a"));
    let mp4 = outputs.mp4.as_ref().unwrap();
    assert_eq!(
        ffprobe_video(mp4, "avg_frame_rate"),
        "30/1",
        "capped at 30 fps"
    );
    for segment in &rendition.segments {
        decodes_alone(&segment.path).unwrap();
    }
}

#[test]
fn b_frames_edit_lists_and_late_starts_keep_the_timing() {
    let dir = tempfile::tempdir().unwrap();
    let with_b_frames = dir.path().join("bframes.mp4");
    let sources =
        "-f lavfi -i testsrc2=duration=6:size=640x360:rate=25 -f lavfi -i sine=duration=6";
    let codecs = "-c:v libx264 -preset veryfast -bf 3 -c:a aac";
    ffmpeg(&format!("{sources} {codecs} {}", with_b_frames.display()));
    // MPEG-TS inputs start at 1.4 s, not 0.
    let late_start = dir.path().join("late.ts");
    ffmpeg(&format!(
        "-i {} -c copy {}",
        with_b_frames.display(),
        late_start.display()
    ));

    for input in [&with_b_frames, &late_start] {
        let out = dir
            .path()
            .join(input.file_stem().unwrap())
            .with_extension("out");
        let rungs = ladder_for(&probe(input).unwrap(), &[360]);

        let outputs = transcode(&job(input, &out, rungs))
            .result
            .expect("transcode succeeds");

        let segments = &outputs.renditions[0].segments;
        let durations: Vec<f64> = segments.iter().map(|s| s.duration_secs).collect();
        assert!(
            (durations[0] - 4.0).abs() < 0.05,
            "{}: {durations:?}",
            input.display()
        );
        let total: f64 = durations.iter().sum();
        assert!(
            (total - 6.0).abs() < 0.2,
            "{}: {durations:?}",
            input.display()
        );
        let frames = ffprobe_video(outputs.mp4.as_ref().unwrap(), "nb_frames");
        assert_eq!(frames, "150", "{}: every frame kept", input.display());
        for segment in segments {
            decodes_alone(&segment.path).unwrap();
        }
    }
}
