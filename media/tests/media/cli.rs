use std::process::Command;

use imshare_media::{cli_equivalent, ladder_for, probe};

use crate::helpers::{
    clip, decodes_alone, ffprobe_video, job, moov_before_mdat, transcode, x264_options,
};

#[test]
fn the_cli_equivalent_makes_the_same_files_with_the_same_settings() {
    let dir = tempfile::tempdir().unwrap();
    let input = clip(dir.path(), "in.mp4", 6, "1280x720", 30);
    let rungs = ladder_for(&probe(&input).unwrap(), &[360, 720]);
    let ours = dir.path().join("ours");
    let theirs = dir.path().join("theirs");
    for rung in &rungs {
        std::fs::create_dir_all(theirs.join(&rung.name)).unwrap();
    }
    let args = cli_equivalent(&job(&input, &theirs, rungs.clone()));
    println!("ffmpeg {}", args.join(" "));

    let status = Command::new("ffmpeg")
        .args(["-v", "error"])
        .args(&args)
        .status()
        .unwrap();
    let outputs = transcode(&job(&input, &ours, rungs.clone()))
        .result
        .expect("transcode succeeds");

    assert!(status.success(), "ffmpeg {args:?}");
    assert!(
        args.iter()
            .any(|a| a.starts_with("keyint=120:min-keyint=120:scenecut=0")),
        "{args:?}"
    );
    for rendition in &outputs.renditions {
        let ours_first = &rendition.segments[0].path;
        let theirs_first = theirs.join(&rendition.name).join("00000.ts");
        decodes_alone(&theirs_first).unwrap();
        assert_eq!(
            x264_options(ours_first),
            x264_options(&theirs_first),
            "same x264 settings"
        );
        for entries in ["width,height", "profile,level", "codec_name"] {
            assert_eq!(
                ffprobe_video(ours_first, entries),
                ffprobe_video(&theirs_first, entries),
                "{entries}"
            );
        }
        assert_eq!(
            std::fs::read_dir(theirs.join(&rendition.name))
                .unwrap()
                .count(),
            rendition.segments.len() + 1
        );
    }
    assert!(moov_before_mdat(&theirs.join("video.mp4")));
    assert_eq!(
        ffprobe_video(&theirs.join("poster.jpg"), "width,height"),
        "1280,720"
    );
}

#[test]
fn the_cli_equivalent_of_a_sound_clip_writes_aac_segments_and_an_m4a() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("voice.m4a");
    crate::helpers::ffmpeg(&format!(
        "-f lavfi -i sine=duration=5 -c:a aac {}",
        input.display()
    ));
    let theirs = dir.path().join("theirs");
    std::fs::create_dir_all(theirs.join("audio")).unwrap();

    let args = cli_equivalent(&job(&input, &theirs, Vec::new()));
    let status = Command::new("ffmpeg")
        .args(["-v", "error"])
        .args(&args)
        .status()
        .unwrap();

    assert!(status.success(), "ffmpeg {args:?}");
    decodes_alone(&theirs.join("audio").join("00000.ts")).unwrap();
    assert!(moov_before_mdat(&theirs.join("audio.m4a")));
}
